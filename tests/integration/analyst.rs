//! The analyst's side of the outputs: files every dataframe tool reads (signed integers,
//! plain strings, the scenario only in the folder name), a dense `delays` table that
//! agrees with `pool_summary`, decoded patient keys, console tables that say what their
//! numbers are, and the warning when `extends` replaces the scenarios.

use crate::common::{root, tempdir};
use polars::prelude::{ArrowDataType, DataFrame, ParquetReader, SerReader};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `caresim run configs/small.toml --replications 2 --episodes` into a fresh
/// directory; returns it and the console output.
fn small_run(name: &str) -> (PathBuf, String) {
    let out = tempdir(name).join("out");
    let res = Command::new(env!("CARGO_BIN_EXE_caresim"))
        .args(["run", "configs/small.toml", "--replications", "2", "--episodes", "--out"])
        .arg(&out)
        .current_dir(root())
        .env("CI", "true")
        .output()
        .expect("run caresim");
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    (out, String::from_utf8_lossy(&res.stdout).into_owned())
}

/// Every Parquet file under `dir`.
fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).expect("open")).finish().expect("read parquet")
}

/// The files of `table` for `scenario`, in run order.
fn run_files(out: &Path, table: &str, scenario: &str) -> Vec<PathBuf> {
    parquet_files(&out.join(table).join(format!("scenario={scenario}")))
}

#[test]
fn files_carry_signed_integers_plain_strings_and_no_partition_column() {
    let (out, _) = small_run("analyst-types");
    let files = parquet_files(&out);
    assert!(files.len() > 100, "{} files", files.len());
    let mut tables = BTreeSet::new();
    for f in &files {
        // The file's schema as polars reads it back (polars turns every string type into
        // its own view type on reading, so the plain `utf8` strings the files declare are
        // checked with pyarrow, by tests/python/read_outputs.py in CI).
        let schema = ParquetReader::new(std::fs::File::open(f).expect("open")).schema().expect("schema");
        assert!(!schema.contains("scenario"), "{}: the partition key is a column", f.display());
        for (name, field) in schema.iter() {
            let ok = !matches!(
                field.dtype,
                ArrowDataType::UInt8 | ArrowDataType::UInt16 | ArrowDataType::UInt32 | ArrowDataType::UInt64
            );
            assert!(ok, "{}: column {name} is {:?}", f.display(), field.dtype);
        }
        tables.insert(f.strip_prefix(&out).expect("prefix").components().next().expect("table").as_os_str().to_owned());
    }
    for t in ["runs", "pool_summary", "capacity", "delays", "person_year", "episodes", "summary", "paired", "ledger"] {
        assert!(tables.contains(std::ffi::OsStr::new(t)), "no {t} table");
    }
    // Counts read back as signed integers: a difference can go below zero.
    let ps = read(&run_files(&out, "pool_summary", "baseline")[0]);
    let admitted = ps.column("admitted").expect("admitted").i64().expect("Int64").clone();
    assert!(admitted.iter().flatten().all(|a| a - (a + 1) == -1));
    let py = read(&run_files(&out, "person_year", "baseline")[0]);
    assert!(py.column("emergency_admissions").expect("column").i32().is_ok());
}

#[test]
fn delays_are_dense_and_add_up_to_the_pools_blocked_days() {
    let (out, _) = small_run("analyst-delays");
    for scenario in ["baseline", "admission_avoidance", "community_capacity_uplift"] {
        let mut pairs_of_runs = BTreeSet::new();
        let files = run_files(&out, "delays", scenario);
        assert_eq!(files.len(), 2, "{scenario}: one file per run");
        for f in &files {
            let d = read(f);
            assert!(d.height() > 0, "{}: empty", f.display());
            let held = d.column("held_pool").expect("held").str().expect("str").clone();
            let waiting = d.column("waiting_for_pool").expect("waiting").str().expect("str").clone();
            let reason = d.column("reason").expect("reason").str().expect("str").clone();
            let responsible = d.column("responsible").expect("responsible").str().expect("str").clone();
            let days = d.column("delayed_days").expect("days").f64().expect("f64").clone();
            // A row per pool held, pool waited for (none: leaving), reason and responsible.
            let pairs: Vec<(String, String, String, String)> = (0..d.height())
                .map(|i| {
                    (
                        held.get(i).expect("held").to_string(),
                        waiting.get(i).unwrap_or("").to_string(),
                        reason.get(i).expect("reason").to_string(),
                        responsible.get(i).expect("responsible").to_string(),
                    )
                })
                .collect();
            let unique: BTreeSet<_> = pairs.iter().cloned().collect();
            assert_eq!(unique.len(), pairs.len(), "{}: a row twice", f.display());
            pairs_of_runs.insert(pairs.clone());
            // Conservation: the place-days blocked in each pool, by what they waited for,
            // add up to the pool's blocked days in pool_summary (same window).
            let mut by_held: BTreeMap<String, f64> = BTreeMap::new();
            for (i, (h, ..)) in pairs.iter().enumerate() {
                *by_held.entry(h.clone()).or_default() += days.get(i).expect("days");
            }
            let ps = read(&PathBuf::from(f.to_string_lossy().replace("/delays/", "/pool_summary/")));
            let pool = ps.column("pool").expect("pool").str().expect("str").clone();
            let blocked = ps.column("blocked_days").expect("blocked").f64().expect("f64").clone();
            for i in 0..ps.height() {
                let name = pool.get(i).expect("pool");
                let want = blocked.get(i).expect("blocked");
                let got = by_held.get(name).copied().unwrap_or(0.0);
                assert!((got - want).abs() <= 1e-9 * want.max(1.0), "{scenario} {name}: delays {got} vs pool {want}");
            }
        }
        // Every run of a scenario has the same rows: the pairs the model can produce.
        assert_eq!(pairs_of_runs.len(), 1, "{scenario}: runs differ in their delay rows");
    }
}

#[test]
fn episodes_decode_the_patient_key() {
    let (out, _) = small_run("analyst-episodes");
    let f = &run_files(&out, "episodes", "baseline")[0];
    let e = read(f);
    let patient = e.column("patient").expect("patient").i64().expect("i64").clone();
    let person = e.column("person").expect("person").i64().expect("i64").clone();
    let stream = e.column("arrival_stream").expect("arrival_stream").str().expect("str").clone();
    let (mut cohort, mut background) = (0, 0);
    for i in 0..e.height() {
        let key = patient.get(i).expect("key");
        match caresim::record::PatientOrigin::of_key(key as u64) {
            caresim::record::PatientOrigin::Journey { person: p, .. } => {
                cohort += 1;
                assert!(key < 0, "a cohort journey's key is negative");
                assert_eq!(person.get(i), Some(p as i64));
                assert!(stream.get(i).is_none());
                assert!(p < 20_000, "configs/small.toml has 20,000 residents");
            }
            caresim::record::PatientOrigin::Arrival { .. } => {
                background += 1;
                assert!(key >= 0 && person.get(i).is_none());
                assert!(
                    matches!(stream.get(i), Some("out_of_area" | "self_funded_placements")),
                    "configs/small.toml's arrival streams: {:?}",
                    stream.get(i)
                );
            }
        }
    }
    assert!(cohort > 0 && background > 0, "cohort {cohort}, background {background}");
}

#[test]
fn console_tables_name_their_statistics_and_keep_bounded_intervals_in_bounds() {
    let (_, stdout) = small_run("analyst-console");
    assert!(!stdout.contains(" P="), "{stdout}");
    assert!(stdout.contains("share<0"), "{stdout}");
    assert!(stdout.contains("scenario - baseline"), "{stdout}");
    assert!(stdout.contains("consolidated (%)") && !stdout.contains("savings (%)"), "{stdout}");
    // No interval of a quantity that cannot be negative goes below zero: in the first
    // table (before the paired differences) every bound is >= 0.
    let first = stdout.split("paired differences").next().expect("first table");
    for line in first.lines().skip(2) {
        for cell in line.split('[').skip(1) {
            let low = cell.split(',').next().expect("low").trim();
            let low: f64 = low.parse().unwrap_or_else(|_| panic!("{line}"));
            assert!(low >= 0.0, "negative lower bound: {line}");
        }
    }
}

#[test]
fn a_file_that_extends_another_and_drops_its_scenarios_gets_a_warning() {
    let dir = tempdir("analyst-extends");
    let mine = dir.join("mine.toml");
    let base = root().join("configs/small.toml");
    std::fs::write(
        &mine,
        format!(
            "extends = {:?}\n[[scenarios]]\nname = \"cheaper_care\"\npools.home_care_packages.capacity = 543\n",
            base.display().to_string()
        ),
    )
    .expect("write");
    let plan = crate::common::plan(&mine, &[]);
    assert_eq!(plan.scenarios.len(), 1, "the list is replaced whole");
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
    let w = plan.warnings[0].to_string();
    assert!(w.contains("mine.toml: scenarios: replaces the 7 scenario(s)"), "{w}");
    assert!(w.contains("the baseline is now \"cheaper_care\" instead of \"baseline\""), "{w}");
    assert!(w.contains("left out: baseline, year_of_care"), "{w}");
    // The command line prints it on stderr.
    let res = Command::new(env!("CARGO_BIN_EXE_caresim")).arg("validate").arg(&mine).output().expect("validate");
    assert!(res.status.success());
    assert!(String::from_utf8_lossy(&res.stderr).contains("warning: "), "{}", String::from_utf8_lossy(&res.stderr));
    // Repeating every scenario, the baseline first, is no surprise: no warning (as
    // configs/small.toml does with configs/default.toml's).
    assert!(crate::common::plan(&base, &[]).warnings.is_empty());
}
