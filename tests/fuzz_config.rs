//! Fuzz test of the config loader: random configs built from the schema (the keys of the
//! shipped configs, mutated: values replaced by awkward ones, keys removed, unknown keys
//! and names added, scenario and `--set` overrides) must never panic, never allocate
//! without bound, never take long, and either validate or name a key in every problem.
//!
//! Each case is a pure function of its index, so a failure is reproduced by its index
//! (printed with the config). The budget is `CARESIM_FUZZ_SECONDS` (default 10 s; CI
//! runs it longer); the number of cases is whatever fits.

use caresim::config::{self, Overrides};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Most bytes the loader may hold at once for one of these small configs.
const MEMORY_LIMIT_BYTES: usize = 1 << 30;
/// Longest one load may take (a debug build on a busy machine).
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The system allocator, counting live bytes; an allocation that would take the total
/// above [`MEMORY_LIMIT_BYTES`] fails (the process aborts, and the case that did it is
/// in `target/fuzz-config-case.toml`).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static LIMITED: AtomicBool = AtomicBool::new(false);

// SAFETY: defers to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        if LIMITED.load(Ordering::Relaxed) && now > MEMORY_LIMIT_BYTES {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: same layout, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A config file with its `extends` chain merged in.
fn resolved(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).expect("read a shipped config");
    let mut t: toml::Table = text.parse().expect("shipped configs parse");
    match t.remove("extends") {
        Some(toml::Value::String(parent)) => {
            let mut base = resolved(&path.parent().expect("a folder").join(parent));
            config::merge(&mut base, t);
            base
        }
        _ => t,
    }
}

/// The configs mutated: every kind of section the schema has.
fn bases() -> Vec<toml::Table> {
    let r = root();
    let mut out: Vec<toml::Table> = ["tests/fixtures/valid_base.toml", "configs/examples/pool_network.toml"]
        .iter()
        .map(|p| resolved(&r.join(p)))
        .collect();
    for dir in ["configs/validation", "configs/examples"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(r.join(dir))
            .expect("list")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        out.extend(files.iter().map(|p| resolved(p)));
    }
    out.push(resolved(&r.join("configs/small.toml")));
    out
}

/// Dotted paths of every value (arrays and tables included) in `t`.
fn paths(prefix: &[String], v: &toml::Value, out: &mut Vec<Vec<String>>) {
    if !prefix.is_empty() {
        out.push(prefix.to_vec());
    }
    if let toml::Value::Table(t) = v {
        for (k, x) in t {
            let mut p = prefix.to_vec();
            p.push(k.clone());
            paths(&p, x, out);
        }
    }
}

fn get_mut<'a>(t: &'a mut toml::Table, path: &[String]) -> Option<&'a mut toml::Table> {
    let mut cur = t;
    for k in path {
        cur = cur.get_mut(k)?.as_table_mut()?;
    }
    Some(cur)
}

type Rng = Xoshiro256PlusPlus;

fn pick<'a, T>(rng: &mut Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

/// An awkward value: bounds, signed zeros, huge and tiny numbers, wrong types,
/// distributions, deep nesting, long strings.
fn awkward(rng: &mut Rng, old: Option<&toml::Value>) -> toml::Value {
    use toml::Value as V;
    match rng.random_range(0..12) {
        0 => V::Integer(*pick(rng, &[0, 1, -1, 2, 7, 1000, 2_000_000_000, 4_294_967_296, i64::MAX, i64::MIN])),
        1 => V::Float(*pick(
            rng,
            &[0.0, -0.0, 0.5, 1e-9, 1e-300, 1e12, 1e300, -1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1.000000002],
        )),
        2 => V::String(pick(rng, &["", "x", "exit", "acute", "home_care", "../x", "a b"]).to_string()),
        3 => V::String("n".repeat(rng.random_range(100..400))),
        4 => V::Boolean(rng.random()),
        5 => V::Array((0..rng.random_range(0..4)).map(|_| V::Float(rng.random_range(-1.0..2.0))).collect()),
        6 => {
            let text = pick(
                rng,
                &[
                    "{ dist = \"exponential\", mean_days = 0.0 }",
                    "{ dist = \"fixed\", days = 0 }",
                    "{ dist = \"gamma\", mean = 3, sd = 1 }",
                    "{ dist = \"normal\", mean = 0, sd = 1e9 }",
                    "{ dist = \"beta\", alpha = 0.5, beta = 0.5 }",
                    "{ dist = \"sweep\", values = [1, 2, 3] }",
                    "{ dist = \"uniform\", min = -1e18, max = 1e18 }",
                    "{}",
                ],
            );
            format!("v = {text}").parse::<toml::Table>().expect("fuzz literal").remove("v").expect("v")
        }
        7 => {
            let mut v = V::Integer(1);
            for _ in 0..rng.random_range(1..200) {
                let mut t = toml::Table::new();
                t.insert("k".into(), v);
                v = V::Table(t);
            }
            v
        }
        // A number near the old value, scaled by a power of ten (either sign).
        _ => match old {
            Some(V::Integer(i)) => V::Integer(i.saturating_mul(*pick(rng, &[-1, 0, 10, 1000, 1_000_000]))),
            Some(V::Float(f)) => V::Float(f * pick(rng, &[-1.0, 0.0, -0.0, 1e-6, 1e6, 1e12])),
            _ => V::Float(rng.random_range(-10.0..10.0)),
        },
    }
}

/// One case: a mutated config and `--set` overrides.
fn case(index: u64, bases: &[toml::Table]) -> (toml::Table, Vec<String>) {
    let mut rng = Rng::seed_from_u64(index);
    let mut t = pick(&mut rng, bases).clone();
    let mut set = Vec::new();
    for _ in 0..rng.random_range(1..5) {
        let mut all = Vec::new();
        paths(&[], &toml::Value::Table(t.clone()), &mut all);
        if all.is_empty() {
            break;
        }
        let path = pick(&mut rng, &all).clone();
        let (last, parent) = path.split_last().expect("non-empty");
        match rng.random_range(0..10) {
            // Replace a value.
            0..=3 => {
                let old = get_mut(&mut t, parent).and_then(|p| p.get(last)).cloned();
                let v = awkward(&mut rng, old.as_ref());
                if let Some(p) = get_mut(&mut t, parent) {
                    p.insert(last.clone(), v);
                }
            }
            // Remove a key.
            4 => {
                if let Some(p) = get_mut(&mut t, parent) {
                    p.remove(last);
                }
            }
            // A key, or a name, that is not in the schema or not defined.
            5 => {
                let name = pick(&mut rng, &["capacityy", "home_care", "ward2", "rate", "extends"]).to_string();
                let v = awkward(&mut rng, None);
                if let Some(p) = get_mut(&mut t, &path) {
                    p.insert(name, v);
                }
            }
            // A scenario overriding the value (or a misspelt name beside it).
            6 | 7 => {
                let mut over = path.clone();
                if rng.random_range(0..3) == 0 && over.len() >= 2 {
                    over[1].push('x');
                }
                let old = get_mut(&mut t, parent).and_then(|p| p.get(last)).cloned();
                let mut s = toml::Table::new();
                s.insert("name".into(), toml::Value::String(format!("s{}", rng.random_range(0..3))));
                let mut cur = &mut s;
                for k in &over[..over.len() - 1] {
                    cur = cur
                        .entry(k.clone())
                        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                        .as_table_mut()
                        .expect("built as tables");
                }
                cur.insert(over[over.len() - 1].clone(), awkward(&mut rng, old.as_ref()));
                let entry = t.entry("scenarios").or_insert_with(|| toml::Value::Array(Vec::new()));
                if let toml::Value::Array(a) = entry {
                    a.push(toml::Value::Table(s));
                }
            }
            // A --set override.
            _ => {
                let old = get_mut(&mut t, parent).and_then(|p| p.get(last)).cloned();
                let value = awkward(&mut rng, old.as_ref());
                let key = match rng.random_range(0..6) {
                    0 => "extends".to_string(),
                    1 => vec!["a"; rng.random_range(1..5000)].join("."),
                    2 => format!("{}x", path.join(".")),
                    _ => path.join("."),
                };
                let mut text = toml::Table::new();
                text.insert("v".into(), value);
                let rendered = toml::to_string(&text).unwrap_or_default();
                set.push(format!("{key}={}", rendered.trim().trim_start_matches("v =").trim()));
            }
        }
    }
    (t, set)
}

#[test]
fn random_configs_validate_or_name_a_key() {
    let budget =
        Duration::from_secs(std::env::var("CARESIM_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10));
    let dir = root().join("target").join(format!("fuzz-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let bases = bases();
    let started = Instant::now();
    let (mut valid, mut invalid) = (0u64, 0u64);
    let mut index = 0u64;
    LIMITED.store(true, Ordering::Relaxed);
    while started.elapsed() < budget {
        let (doc, set) = case(index, &bases);
        let text = toml::to_string(&doc).unwrap_or_default();
        let path = dir.join("case.toml");
        std::fs::write(&path, &text).expect("write case");
        // Where to look if the allocator aborts the process.
        let _ = std::fs::write(
            root().join("target/fuzz-config-case.toml"),
            format!("# case {index}, --set {set:?}\n{text}"),
        );
        let baseline = LIVE.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        let (tx, rx) = std::sync::mpsc::channel();
        let p = path.clone();
        let s = set.clone();
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(|| config::load(&p, &Overrides { set: s }));
            let _ = tx.send(result.map(|r| r.map(|_| ()).map_err(|e| (e.issues.clone(), e.to_string()))));
        });
        let outcome = match rx.recv_timeout(TIME_LIMIT) {
            Ok(o) => o,
            Err(_) => panic!("case {index} took over {TIME_LIMIT:?} to load; --set {set:?}\n{text}"),
        };
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
        assert!(peak < MEMORY_LIMIT_BYTES, "case {index} held {peak} bytes; --set {set:?}\n{text}");
        match outcome {
            Err(_) => panic!("case {index} panicked; --set {set:?}\n{text}"),
            Ok(Ok(())) => valid += 1,
            Ok(Err((issues, message))) => {
                invalid += 1;
                assert!(!issues.is_empty(), "case {index}: an error with no problem listed: {message}\n{text}");
                for i in &issues {
                    assert!(
                        !i.key.is_empty() && !i.reason.is_empty() && !i.file.as_os_str().is_empty(),
                        "case {index}: a problem names no key, file or reason: {i:?}; --set {set:?}\n{text}"
                    );
                }
            }
        }
        index += 1;
    }
    LIMITED.store(false, Ordering::Relaxed);
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "fuzz: {index} configs in {:.1} s: {valid} valid, {invalid} rejected with keys",
        started.elapsed().as_secs_f64()
    );
    assert!(index > 0, "no case ran");
}
