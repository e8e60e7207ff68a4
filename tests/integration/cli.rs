//! The binary as a user meets it: the README's run command, the summary table, the
//! output layout and the manifest.

use crate::common::{root, tempdir};
use std::process::Command;

#[test]
fn run_writes_hive_partitioned_tables_manifest_and_a_summary_table() {
    let tmp = tempdir("cli");
    let out_dir = tmp.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_caresim"))
        .args(["run", "configs/small.toml", "--replications", "3", "--out"])
        .arg(&out_dir)
        .current_dir(root())
        .env("CI", "true")
        .output()
        .expect("run caresim");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("mean [95% interval] over 3 replication(s)"), "{stdout}");
    // configs/small.toml has [payment]: the calibration pilots are announced with the
    // runs (one set of the configured 8: its payment specs share one year-of-care
    // selection rule).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("calibrating payments: 8 pilot run(s) of the baseline scenario, alongside 21 run(s)"),
        "{stderr}"
    );
    assert!(stdout.lines().any(|l| l.starts_with("admission_avoidance") && l.contains("acute_beds")), "{stdout}");
    for scenario in ["baseline", "admission_avoidance", "community_capacity_uplift"] {
        for table in ["runs", "pool_summary", "capacity", "person_year", "delays"] {
            for r in 0..3 {
                let f = out_dir
                    .join(table)
                    .join(format!("scenario={scenario}"))
                    .join(format!("part-s0000-r{r:05}.parquet"));
                assert!(f.is_file(), "{} missing", f.display());
            }
        }
        assert!(out_dir.join("summary").join(format!("scenario={scenario}")).join("summary.parquet").is_file());
        assert!(!out_dir.join("episodes").exists(), "episodes only on request");
    }
    let manifest: toml::Table =
        std::fs::read_to_string(out_dir.join("manifest.toml")).expect("manifest").parse().expect("toml");
    assert_eq!(manifest["replications"].as_integer(), Some(3));
    assert_eq!(manifest["config_hash"].as_str().map(str::len), Some(16));
    assert!(manifest["config"]["pools"]["reablement"].is_table());
    assert!(manifest["config"]["cohort"]["population"].is_table());

    // The summary table holds one row per scenario, pool and metric, with intervals.
    use polars::prelude::SerReader;
    let f = std::fs::File::open(out_dir.join("summary/scenario=baseline/summary.parquet")).expect("open");
    let df = polars::prelude::ParquetReader::new(f).finish().expect("read");
    assert!(df.height() >= 6 * caresim::summary::digest::POOL_METRICS.len(), "{df}");
    let n = df.column("n").expect("n").i64().expect("i64");
    assert!((0..n.len()).any(|i| n.get(i) == Some(3)));

    // A rerun of a different config into the same directory is refused.
    let again = Command::new(env!("CARGO_BIN_EXE_caresim"))
        .args(["run", "configs/small.toml", "--replications", "2", "--out"])
        .arg(&out_dir)
        .current_dir(root())
        .output()
        .expect("run caresim");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("different config"));
}
