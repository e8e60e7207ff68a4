//! Same seed, same bytes; thread count never changes a byte; scenarios share random
//! numbers, so changing one scenario leaves another's results untouched.

use crate::common::{root, tempdir};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(config: &Path, out: &Path, extra: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_caresim"))
        .arg("run")
        .arg(config)
        .arg("--out")
        .arg(out)
        .args(extra)
        .current_dir(root())
        .output()
        .expect("run caresim");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
}

/// Every file under `dir`, relative path -> bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("prefix").to_path_buf();
                out.insert(rel, std::fs::read(&path).expect("read file"));
            }
        }
    }
    out
}

fn parquet_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files(dir).into_iter().filter(|(p, _)| p.extension().is_some_and(|e| e == "parquet")).collect()
}

#[test]
fn same_seed_same_bytes_and_threads_do_not_matter() {
    let tmp = tempdir("repro");
    let config = root().join("configs/small.toml");
    run(&config, &tmp.join("a"), &["--threads", "1", "--episodes"]);
    run(&config, &tmp.join("b"), &["--threads", "2", "--episodes"]);
    run(&config, &tmp.join("c"), &["--threads", "2", "--episodes", "--seed", "7"]);
    let (a, b, c) = (files(&tmp.join("a")), files(&tmp.join("b")), files(&tmp.join("c")));
    let parquet = a.keys().filter(|p| p.extension().is_some_and(|e| e == "parquet")).count();
    // Every per-run table of every scenario and replication, the cohort's included.
    for table in ["runs", "pool_summary", "capacity", "episodes", "person_year", "delays"] {
        for scenario in ["baseline", "admission_avoidance", "community_capacity_uplift"] {
            for r in 0..3 {
                let f = PathBuf::from(table)
                    .join(format!("scenario={scenario}"))
                    .join(format!("part-s0000-r{r:05}.parquet"));
                assert!(a.contains_key(&f), "{} missing", f.display());
            }
        }
    }
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{} differs between 1 and 2 threads", path.display());
    }
    assert!(!a.keys().any(|p| p.to_string_lossy().ends_with(".tmp")), "temporary files left behind");
    let changed = parquet_files(&tmp.join("a")).iter().filter(|(p, bytes)| c.get(*p) != Some(bytes)).count();
    assert_eq!(changed, parquet, "another seed changes every table");
}

#[test]
fn changing_one_scenario_leaves_the_other_unchanged() {
    let tmp = tempdir("crn");
    let config = root().join("configs/small.toml");
    run(&config, &tmp.join("a"), &[]);
    // Same experiment, but the capacity scenario gets far fewer home care packages.
    let text = format!("extends = {:?}\n", config.display().to_string())
        + "\n[[scenarios]]\nname = \"baseline\"\ndescription = \"capacities and hazards as above\"\n\n[[scenarios]]\nname = \"community_capacity_uplift\"\npools.home_care_packages.capacity = 494\n";
    let variant = tmp.join("variant.toml");
    std::fs::write(&variant, text).expect("write variant");
    run(&variant, &tmp.join("b"), &[]);

    let frames = |dir: &Path, scenario: &str| -> Vec<(PathBuf, polars::prelude::DataFrame)> {
        let mut out = Vec::new();
        for table in ["runs", "pool_summary", "capacity", "person_year", "delays"] {
            let d = dir.join(table).join(format!("scenario={scenario}"));
            for (rel, _) in files(&d) {
                let f = std::fs::File::open(d.join(&rel)).expect("open");
                use polars::prelude::SerReader;
                let df = polars::prelude::ParquetReader::new(f).finish().expect("read parquet");
                out.push((PathBuf::from(table).join(rel), df));
            }
        }
        out
    };
    let (base_a, base_b) = (frames(&tmp.join("a"), "baseline"), frames(&tmp.join("b"), "baseline"));
    assert_eq!(base_a.len(), 5 * 3);
    for ((pa, da), (pb, db)) in base_a.iter().zip(&base_b) {
        assert_eq!(pa, pb);
        assert!(da.equals_missing(db), "baseline {} changed when another scenario changed", pa.display());
    }
    let (more_a, more_b) =
        (frames(&tmp.join("a"), "community_capacity_uplift"), frames(&tmp.join("b"), "community_capacity_uplift"));
    assert!(more_a.iter().zip(&more_b).any(|((_, a), (_, b))| !a.equals_missing(b)), "the changed scenario changed");
}
