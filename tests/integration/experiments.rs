//! Monte Carlo experiments at scale: parameter samples and sweeps, paired comparisons,
//! resume after an interruption, shards and merge.

use crate::common::{plan_from_str, root, tempdir};
use polars::prelude::{DataFrame, ParquetReader, SerReader};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Three scenarios: `base`, `same` (identical to base) and `bigger` (more places and its
/// own arrival-rate distribution); a sweep over the ward's capacity and distributions on
/// the arrival rate and a length-of-stay mean.
fn config(dir: &Path, replications: u32) -> PathBuf {
    let text = format!(
        r#"
seed = 5
replications = {replications}
samples = 3
horizon_days = 60
warmup_days = 5
[pools.ward]
capacity = {{ dist = "sweep", values = [2, 3] }}
[pools.home]
capacity = 2
[arrivals.walk_in]
rate_per_day = {{ dist = "gamma", mean = 1.5, sd = 0.2 }}
pathway = "visit"
[pathways.visit]
start = "stay"
steps.stay = {{ pool = "ward", stay = {{ dist = "lognormal", mean_days = {{ dist = "uniform", min = 0.8, max = 1.2 }}, sd_days = 1.0 }}, next = [{{ to = "home", p = 0.5 }}, {{ to = "exit", p = 0.5 }}] }}
steps.home = {{ pool = "home", stay = {{ dist = "exponential", mean_days = 2.0 }} }}
[[scenarios]]
name = "base"
[[scenarios]]
name = "same"
[[scenarios]]
name = "bigger"
pools.home.capacity = 4
arrivals.walk_in.rate_per_day = {{ dist = "gamma", mean = 1.5, sd = 0.4 }}
"#
    );
    let path = dir.join("psa.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

fn caresim(args: &[&str], config: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_caresim"));
    cmd.args(args).env("CI", "true");
    if let Some(c) = config {
        cmd.arg(c);
    }
    cmd.output().expect("run caresim")
}

fn run_ok(config: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "--out", out.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let o = caresim(&args, Some(config));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// Every file under `dir` (relative path -> bytes), manifest excluded.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        // Tolerant: a run may be creating or renaming files while this looks.
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n != "manifest.toml")
                && let Ok(bytes) = std::fs::read(&path)
            {
                out.insert(path.strip_prefix(dir).expect("prefix").to_path_buf(), bytes);
            }
        }
    }
    out
}

fn assert_same_files(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>(), "different file sets");
    for (p, bytes) in &fa {
        assert!(bytes == &fb[p], "{} differs", p.display());
    }
    assert!(!fa.keys().any(|p| p.to_string_lossy().ends_with(".tmp")), "temporary files left");
}

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).expect("open")).finish().expect("read parquet")
}

#[test]
fn sweep_and_samples_make_the_grid_and_draws_are_shared_by_scenarios() {
    let tmp = tempdir("psa-grid");
    let cfg = config(&tmp, 2);
    let plan = crate::common::plan(&cfg, &[]);
    assert_eq!(plan.samples, 3 * 2, "3 draws x 2 sweep points");
    assert_eq!(caresim::experiment::run_keys(&plan).len(), 3 * 6 * 2);
    for s in 0..plan.samples {
        let model = |scenario: u16| plan.model(scenario, s).expect("sample builds");
        let (base, same, bigger) = (model(0), model(1), model(2));
        // Every scenario sees the same draw for the same key ...
        assert_eq!(base.arrivals[0].rate_per_day, same.arrivals[0].rate_per_day);
        assert_eq!(format!("{:?}", base.pathways), format!("{:?}", bigger.pathways), "stay draws shared");
        // ... except where a scenario gives its own distribution (same stream, another law).
        assert_ne!(base.arrivals[0].rate_per_day, bigger.arrivals[0].rate_per_day);
    }
    // Sweep: the first 3 samples at capacity 2, the next 3 at 3.
    let ward = |s: u32| {
        let m = plan.model(0, s).expect("sample builds");
        m.pool_id("ward").map(|id| m.pool(id).places)
    };
    let cap = |s: u32| format!("{:?}", ward(s));
    assert_eq!(cap(0), cap(2));
    assert_ne!(cap(2), cap(3));
    // Draws differ between samples.
    let rate = |s: u32| plan.model(0, s).expect("sample builds").arrivals[0].rate_per_day;
    assert_ne!(rate(0), rate(1));

    let out = tmp.join("out");
    run_ok(&cfg, &out, &[]);
    let base = read(&out.join("parameters/scenario=base/parameters.parquet"));
    let same = read(&out.join("parameters/scenario=same/parameters.parquet"));
    let bigger = read(&out.join("parameters/scenario=bigger/parameters.parquet"));
    assert_eq!(base.height(), 6 * 3, "3 varied parameters per sample");
    let cols = ["sample", "parameter", "dist", "value"];
    assert!(base.select(cols).expect("cols").equals(&same.select(cols).expect("cols")), "identical draws");
    assert!(!base.select(cols).expect("cols").equals(&bigger.select(cols).expect("cols")), "bigger has its own");
}

#[test]
fn paired_differences_are_exactly_zero_for_identical_scenarios() {
    let tmp = tempdir("psa-paired");
    let out = tmp.join("out");
    run_ok(&config(&tmp, 2), &out, &[]);
    let same = read(&out.join("paired/scenario=same/paired.parquet"));
    assert!(same.height() > 0);
    let mean = same.column("mean").expect("mean").f64().expect("f64").clone();
    let sd = same.column("sd").expect("sd").f64().expect("f64").clone();
    let p = same.column("share_below_zero").expect("p").f64().expect("f64").clone();
    let n = same.column("n").expect("n").i64().expect("i64").clone();
    for i in 0..same.height() {
        if n.get(i).unwrap_or(0) > 0 {
            assert_eq!(mean.get(i), Some(0.0), "row {i}");
            assert_eq!(p.get(i), Some(0.0), "row {i}");
            assert!(sd.get(i).is_none_or(|v| v == 0.0), "row {i}");
        }
    }
    // The genuinely different scenario has non-zero differences somewhere.
    let bigger = read(&out.join("paired/scenario=bigger/paired.parquet"));
    let m = bigger.column("mean").expect("mean").f64().expect("f64").clone();
    assert!((0..bigger.height()).any(|i| m.get(i).is_some_and(|v| v != 0.0)));
    // n counts samples x replications.
    assert!((0..n.len()).any(|i| n.get(i) == Some(6 * 2)));
}

#[test]
fn shard_union_is_byte_identical_to_the_full_run_and_merge_reports_problems() {
    let tmp = tempdir("shards");
    let cfg = config(&tmp, 2);
    let full = tmp.join("full");
    run_ok(&cfg, &full, &["--threads", "2"]);

    let sharded = tmp.join("sharded");
    for i in 0..3 {
        let o = run_ok(&cfg, &sharded, &["--shard-index", &i.to_string(), "--shard-count", "3", "--threads", "1"]);
        assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("shard {i} of 3")));
        assert!(!sharded.join("summary").exists(), "a shard writes only its own runs");
    }
    let merged = caresim(&["merge", sharded.to_str().expect("utf-8")], None);
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    assert_same_files(&full, &sharded);

    // Missing runs are reported, and nothing is written.
    let partial = tmp.join("partial");
    run_ok(&cfg, &partial, &["--shard-index", "1", "--shard-count", "2"]);
    let o = caresim(&["merge", partial.to_str().expect("utf-8")], None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("runs: 18 of 36 runs missing") && err.contains("base sample 0 replication 0"), "{err}");
    assert!(!partial.join("summary").exists());

    // A shard of another config (another seed) copied in: mixed config hashes refused.
    let other = tmp.join("other");
    run_ok(&cfg, &other, &["--shard-index", "0", "--shard-count", "2", "--seed", "6"]);
    for (rel, bytes) in files(&other) {
        let dest = partial.join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::write(dest, bytes).expect("copy");
    }
    let o = caresim(&["merge", partial.to_str().expect("utf-8")], None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("written by another config") && !err.contains("missing"), "{err}");

    // Bad shard arguments.
    let o = caresim(&["run", "--shard-index", "3", "--shard-count", "3", "--out", "x"], Some(&cfg));
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("out of range"));
}

fn wait_for_runs(dir: &Path, at_least: usize, child: &mut std::process::Child) {
    let started = Instant::now();
    loop {
        let done = files(dir).keys().filter(|p| p.starts_with("runs") && !p.to_string_lossy().ends_with("tmp")).count();
        if done >= at_least {
            return;
        }
        assert!(child.try_wait().expect("poll").is_none(), "the run ended before it could be interrupted");
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn resume_after_a_kill_and_after_sigterm_gives_the_uninterrupted_bytes() {
    let tmp = tempdir("resume");
    let cfg = config(&tmp, 20);
    let full = tmp.join("full");
    run_ok(&cfg, &full, &[]);
    let total = 3 * 6 * 20;

    for (signal, dir) in [("KILL", tmp.join("killed")), ("TERM", tmp.join("termed"))] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_caresim"))
            .args(["run", "--threads", "1", "--out", dir.to_str().expect("utf-8")])
            .arg(&cfg)
            .env("CI", "true")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        wait_for_runs(&dir, 10, &mut child);
        let killed = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status();
        assert!(killed.expect("kill").success());
        let o = child.wait_with_output().expect("wait");
        assert!(!o.status.success(), "{signal}: an interrupted run must not report success");
        let stored = files(&dir);
        let runs = stored.keys().filter(|p| p.starts_with("runs")).count();
        assert!(runs < total, "{signal}: interrupted before the end ({runs} runs)");
        assert!(!dir.join("summary").exists());
        assert!(stored.keys().all(|p| !p.to_string_lossy().ends_with(".parquet") || !p.starts_with("summary")));
        if signal == "TERM" {
            // A clean stop: no temporary file, a message saying how to go on.
            assert!(stored.keys().all(|p| !p.to_string_lossy().ends_with(".tmp")), "{signal}: tmp left");
            assert!(String::from_utf8_lossy(&o.stderr).contains("Rerun the same command"));
        }
        let again = run_ok(&cfg, &dir, &[]);
        assert!(String::from_utf8_lossy(&again.stderr).contains("already complete"));
        assert_same_files(&full, &dir);
    }

    // A different config into the same directory is refused; --force replaces.
    let o = caresim(&["run", "--seed", "9", "--out", full.to_str().expect("utf-8")], Some(&cfg));
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("different config"));
}

#[test]
fn bad_parameter_distributions_name_the_key_and_reason() {
    let dir = tempdir("psa-bad");
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        r#"
seed = 1
replications = 1
samples = 0
horizon_days = 10
[pools.ward]
capacity = 2
[arrivals.walk_in]
rate_per_day = { dist = "beta", mean = 1.5, sd = 0.1 }
pathway = "visit"
[pathways.visit]
start = "stay"
steps.stay = { pool = "ward", stay = { dist = "exponential", mean_days = { dist = "uniform", min = 2, max = 1 } } }
"#,
    )
    .expect("write");
    let err = caresim::config::load(&path, &Default::default()).expect_err("invalid").to_string();
    assert!(err.contains("samples: must be a whole number"), "{err}");
    assert!(err.contains("arrivals.walk_in.rate_per_day: a beta distribution needs 0 < mean < 1"), "{err}");
    assert!(err.contains("pathways.visit.steps.stay.stay.mean_days.max: must be greater than min"), "{err}");
    assert!(err.contains("bad.toml"), "{err}");

    // Drawn values go through the model's own validation: a normal rate can go negative.
    let e = caresim::config::load(
        &{
            let p = dir.join("negative.toml");
            std::fs::write(
                &p,
                "seed = 1\nreplications = 1\nsamples = 200\nhorizon_days = 10\n[pools.ward]\ncapacity = 2\n\
                 [arrivals.walk_in]\nrate_per_day = { dist = \"normal\", mean = 0.1, sd = 1.0 }\npathway = \"visit\"\n\
                 [pathways.visit]\nstart = \"stay\"\nsteps.stay = { pool = \"ward\", stay = { dist = \"fixed\", days = 1 } }\n",
            )
            .expect("write");
            p
        },
        &Default::default(),
    )
    .expect_err("some draw is negative")
    .to_string();
    assert!(e.contains("arrivals.walk_in.rate_per_day") && e.contains("parameter sample"), "{e}");
    let _ = plan_from_str;
}

/// A grid at the documented maximum of samples loads without building a million models:
/// a large grid is checked at the corners of the box its values span, and a run builds
/// its sample's models when it needs them (the same models as a small grid's, value for
/// value). A drawn value outside a key's range is found at a corner and named.
#[test]
fn a_million_samples_load_lazily_and_are_checked_at_their_extremes() {
    let dir = tempdir("psa-million");
    let base = "seed = 1\nreplications = 1\nhorizon_days = 10\n[pools.ward]\ncapacity = 2\n\
                [arrivals.walk_in]\npathway = \"visit\"\n\
                [pathways.visit]\nstart = \"stay\"\nsteps.stay = { pool = \"ward\", stay = { dist = \"fixed\", days = 1 } }\n";
    let write = |name: &str, samples: u64, rate: &str| {
        let p = dir.join(name);
        std::fs::write(
            &p,
            base.replace("[arrivals.walk_in]\n", &format!("[arrivals.walk_in]\nrate_per_day = {rate}\n")).replacen(
                "replications = 1\n",
                &format!("replications = 1\nsamples = {samples}\n"),
                1,
            ),
        )
        .expect("write");
        p
    };
    let gamma = "{ dist = \"gamma\", mean = 2.0, sd = 0.5 }";
    let plan = caresim::config::load(&write("million.toml", 1_000_000, gamma), &Default::default()).expect("valid");
    assert_eq!(plan.samples, 1_000_000);
    assert!(plan.sample_source.is_some(), "samples are built on demand");
    for s in [0u32, 1, 499_999, 999_999] {
        let rate = plan.model(0, s).expect("sample builds").arrivals[0].rate_per_day;
        assert_eq!(rate, plan.parameters.values[s as usize][0], "sample {s}: the model has the drawn value");
    }
    // The same draws, checked one by one in a small grid, give the same models.
    let small = caresim::config::load(&write("small.toml", 50, gamma), &Default::default()).expect("valid");
    for s in 0..50u32 {
        assert_eq!(
            format!("{:?}", small.model(0, s).expect("builds")),
            format!("{:?}", plan.model(0, s).expect("builds")),
            "sample {s}"
        );
    }
    // A normal rate goes negative somewhere in the grid: the least value drawn is a
    // corner, and the error names the key, the corner and the values.
    let normal = "{ dist = \"normal\", mean = 3.0, sd = 1.0 }";
    let err = caresim::config::load(&write("normal.toml", 200_000, normal), &Default::default())
        .expect_err("a drawn rate below 0")
        .to_string();
    assert!(err.contains("arrivals.walk_in.rate_per_day"), "{err}");
    assert!(err.contains("at a corner of the values drawn across the 200000 parameter samples"), "{err}");
}

/// Two shares that must sum to at most 1, each drawn within its own range: the samples
/// where both are high break the joint rule, and the corner check finds it; the same
/// draws with a lower ceiling pass. (The small area has the finances' two savings shares.)
#[test]
fn the_corner_check_finds_a_joint_rule_broken_by_some_samples() {
    let dir = tempdir("psa-corners");
    let small = root().join("configs/small.toml");
    let write = |name: &str, between_max: f64| {
        let p = dir.join(name);
        std::fs::write(
            &p,
            format!(
                "extends = {:?}\nsamples = 2000\n[payment.finances]\n\
                 savings_above_upper_share = {{ dist = \"uniform\", min = 0.3, max = 0.6 }}\n\
                 savings_between_share = {{ dist = \"uniform\", min = 0.2, max = {between_max} }}\n",
                small.display().to_string()
            ),
        )
        .expect("write");
        p
    };
    let err = caresim::config::load(&write("joint.toml", 0.5), &Default::default()).expect_err("some sum > 1");
    let err = err.to_string();
    assert!(err.contains("payment.finances.savings_between_share") && err.contains("must not exceed 1"), "{err}");
    assert!(err.contains("at a corner"), "{err}");
    let plan = caresim::config::load(&write("fine.toml", 0.39), &Default::default()).expect("every sum <= 0.99");
    assert_eq!(plan.samples, 2000);
}
