//! The output folder trusts nothing and has one writer: reruns redo damaged runs, merge
//! lists every damaged, missing and foreign file with its path, a second writer is
//! refused with a clear message, `--force` removes only what caresim wrote (and only the
//! forced shard's), and `--threads` is capped.

use crate::common::{root, tempdir};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn caresim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_caresim")).args(args).env("CI", "true").output().expect("run caresim")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A small flow model (two pools, two scenarios, 3 replications, 40 days): fast.
fn config(dir: &Path, seed: u64) -> PathBuf {
    let base = std::fs::read_to_string(root().join("tests/fixtures/valid_base.toml")).expect("fixture");
    let text = base.replace("seed = 1", &format!("seed = {seed}")).replace("replications = 2", "replications = 3")
        + "\n[[scenarios]]\nname = \"base\"\n[[scenarios]]\nname = \"more_care\"\npools.care.capacity = 8\n";
    let path = dir.join(format!("flow-{seed}.toml"));
    std::fs::write(&path, text).expect("write config");
    path
}

fn run(cfg: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", s(cfg), "--out", s(out)];
    args.extend_from_slice(extra);
    caresim(&args)
}

fn run_ok(cfg: &Path, out: &Path, extra: &[&str]) -> String {
    let o = run(cfg, out, extra);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    err
}

/// Every file under `dir`: relative path -> bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.insert(p.strip_prefix(dir).expect("prefix").to_path_buf(), bytes);
            }
        }
    }
    out
}

fn part(table: &str, scenario: &str, replication: u32) -> PathBuf {
    PathBuf::from(table).join(format!("scenario={scenario}")).join(format!("part-s0000-r{replication:05}.parquet"))
}

fn truncate(path: &Path) {
    let bytes = std::fs::read(path).expect("read");
    std::fs::write(path, &bytes[..bytes.len() / 2]).expect("truncate");
}

fn flip_middle_byte(path: &Path) {
    let mut bytes = std::fs::read(path).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(path, bytes).expect("flip");
}

#[test]
fn a_rerun_redoes_every_damaged_run_and_ends_with_the_clean_bytes() {
    let tmp = tempdir("rerun-verify");
    let cfg = config(&tmp, 1);
    let clean = tmp.join("clean");
    run_ok(&cfg, &clean, &[]);
    // Another seed's pool summary, to copy in.
    let other = tmp.join("other");
    run_ok(&config(&tmp, 2), &other, &[]);

    let dir = tmp.join("damaged");
    run_ok(&cfg, &dir, &[]);
    truncate(&dir.join(part("capacity", "base", 0)));
    flip_middle_byte(&dir.join(part("capacity", "base", 1)));
    std::fs::remove_file(dir.join(part("pool_summary", "more_care", 0))).expect("remove");
    std::fs::copy(other.join(part("pool_summary", "more_care", 1)), dir.join(part("pool_summary", "more_care", 1)))
        .expect("copy a foreign seed's file in");
    truncate(&dir.join(part("runs", "more_care", 2)));

    let err = run_ok(&cfg, &dir, &[]);
    for (what, path) in [
        ("truncated", part("capacity", "base", 0)),
        ("checksum mismatch", part("capacity", "base", 1)),
        ("missing", part("pool_summary", "more_care", 0)),
        ("checksum mismatch", part("pool_summary", "more_care", 1)),
        ("damaged", part("runs", "more_care", 2)),
    ] {
        let line = format!("{}: {what}", path.display());
        assert!(err.contains(&line), "no '{line}' in:\n{err}");
    }
    assert!(err.contains("1 of 6 run(s) already complete"), "{err}");
    assert_eq!(files(&clean), files(&dir), "after the rerun the folder is the clean run's, byte for byte");
}

#[test]
fn merge_lists_missing_truncated_changed_and_foreign_files_with_paths() {
    let tmp = tempdir("merge-verify");
    let cfg = config(&tmp, 1);
    let dir = tmp.join("out");
    for i in 0..2 {
        run_ok(&cfg, &dir, &["--shard-index", &i.to_string(), "--shard-count", "2"]);
    }
    truncate(&dir.join(part("capacity", "base", 0)));
    flip_middle_byte(&dir.join(part("pool_summary", "more_care", 1)));
    std::fs::remove_file(dir.join(part("capacity", "more_care", 2))).expect("remove");
    std::fs::write(dir.join("notes.txt"), "mine").expect("foreign at the top");
    std::fs::create_dir_all(dir.join("summary/scenario=base")).expect("mkdir");
    std::fs::write(dir.join("summary/report.docx"), "mine").expect("foreign under summary");
    let o = caresim(&["merge", s(&dir)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    for line in [
        format!("{}: truncated (", part("capacity", "base", 0).display()),
        format!("{}: checksum mismatch", part("pool_summary", "more_care", 1).display()),
        format!("{}: missing", part("capacity", "more_care", 2).display()),
        "notes.txt: foreign".to_string(),
        "summary/report.docx: foreign".to_string(),
    ] {
        assert!(err.contains(&line), "no '{line}' in:\n{err}");
    }
    assert!(!dir.join("summary/scenario=base/summary.parquet").exists(), "nothing written when a check fails");
}

/// Waits until `dir` holds a lock file with a process id in it (the first writer is in).
fn wait_for_lock(dir: &Path, child: &mut std::process::Child) {
    let started = Instant::now();
    while !std::fs::read_to_string(dir.join(".caresim.lock")).is_ok_and(|t| t.starts_with("pid ")) {
        assert!(child.try_wait().expect("poll").is_none(), "the first writer ended before the test could start");
        assert!(started.elapsed() < Duration::from_secs(120), "the first writer never locked the folder");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_writer_is_refused_and_shards_write_side_by_side() {
    let tmp = tempdir("one-writer");
    let cfg = config(&tmp, 1);
    let long = tmp.join("long.toml");
    let text = std::fs::read_to_string(&cfg).expect("read").replace("replications = 3", "replications = 4000");
    std::fs::write(&long, text).expect("write");
    let dir = tmp.join("out");
    let mut first = Command::new(env!("CARGO_BIN_EXE_caresim"))
        .args(["run", s(&long), "--out", s(&dir), "--threads", "1"])
        .env("CI", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for_lock(&dir, &mut first);
    let second = run(&long, &dir, &[]);
    let shard = run(&long, &dir, &["--shard-index", "0", "--shard-count", "2"]);
    let _ = first.kill();
    let _ = first.wait();
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success());
    assert!(err.contains("is being written by another caresim process (pid "), "{err}");
    assert!(!String::from_utf8_lossy(&shard.stderr).is_empty() && !shard.status.success());

    // Two shards at once into one folder, then merge: the unsharded bytes.
    let full = tmp.join("full");
    run_ok(&cfg, &full, &[]);
    let shared = tmp.join("shared");
    let children: Vec<_> = (0..2)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_caresim"))
                .args(["run", s(&cfg), "--out", s(&shared), "--shard-index", &i.to_string(), "--shard-count", "2"])
                .env("CI", "true")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().expect("wait");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let merged = caresim(&["merge", s(&shared)]);
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    assert_eq!(files(&full), files(&shared), "no lock or temporary file left; same bytes");
}

#[test]
fn force_removes_only_what_caresim_wrote_and_only_the_forced_shard() {
    let tmp = tempdir("force-scope");
    let cfg = config(&tmp, 1);

    // A folder with no manifest whose `events` folder holds a user's file.
    let dir = tmp.join("plain");
    std::fs::create_dir_all(dir.join("events")).expect("mkdir");
    std::fs::write(dir.join("events/important.csv"), "keep me").expect("write");
    run_ok(&cfg, &dir, &["--force"]);
    assert_eq!(std::fs::read_to_string(dir.join("events/important.csv")).expect("kept"), "keep me");

    // Under another config's manifest: its runs go, the user's report stays.
    let dir = tmp.join("foreign");
    run_ok(&config(&tmp, 2), &dir, &[]);
    std::fs::write(dir.join("summary/report.docx"), "keep me").expect("write");
    run_ok(&cfg, &dir, &["--force"]);
    assert_eq!(std::fs::read_to_string(dir.join("summary/report.docx")).expect("kept"), "keep me");
    let fresh = tmp.join("fresh");
    run_ok(&cfg, &fresh, &[]);
    let mut forced = files(&dir);
    forced.remove(Path::new("summary/report.docx"));
    assert_eq!(files(&fresh), forced, "only this config's files remain beside the user's");

    // --force on shard 1 of 2 leaves shard 0's runs alone.
    let dir = tmp.join("shards");
    for i in 0..2 {
        run_ok(&cfg, &dir, &["--shard-index", &i.to_string(), "--shard-count", "2"]);
    }
    let before = files(&dir);
    let shard0 = part("runs", "base", 0);
    let modified = |p: &Path| std::fs::metadata(dir.join(p)).and_then(|m| m.modified()).expect("mtime");
    let stamp = modified(&shard0);
    run_ok(&cfg, &dir, &["--shard-index", "1", "--shard-count", "2", "--force"]);
    assert_eq!(modified(&shard0), stamp, "shard 0's marker untouched");
    assert_eq!(before, files(&dir), "shard 1 rewrote its own runs to the same bytes");
}

#[test]
fn threads_are_capped_at_a_multiple_of_the_cores() {
    let tmp = tempdir("threads-cap");
    let cfg = config(&tmp, 1);
    let started = Instant::now();
    let err = run_ok(&cfg, &tmp.join("out"), &["--threads", "100000"]);
    assert!(err.contains("--threads 100000 is more than 4 per core"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(120), "took {:?}", started.elapsed());
}
