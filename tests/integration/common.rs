//! Helpers shared by the integration tests.

use caresim::config::{self, ExperimentPlan, Overrides};
use caresim::experiment;
use caresim::summary::digest::RunDigest;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Loads a config with `--set` style overrides, panicking with the error text.
pub fn plan(path: &Path, set: &[String]) -> ExperimentPlan {
    config::load(path, &Overrides { set: set.to_vec() }).unwrap_or_else(|e| panic!("{e}"))
}

/// Loads a config given as TOML text (written to a temporary file, removed once read:
/// the plan holds the resolved config).
pub fn plan_from_str(name: &str, text: &str) -> ExperimentPlan {
    let dir = tempdir(name);
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write temp config");
    let plan = plan(&path, &[]);
    let _ = std::fs::remove_dir_all(&dir);
    plan
}

/// Runs every run of a plan in memory (no output files).
pub fn run(plan: &ExperimentPlan) -> Vec<RunDigest> {
    experiment::run_all::<std::io::Error, _, _>(plan, plan.run_settings(false), 0, |_, _| Ok(()), |_| {})
        .expect("runs succeed")
}

/// A fresh, empty temporary directory unique to this test process and name. The first
/// call removes the directories left by earlier test processes that have ended (where
/// `/proc` tells which are running), so runs of the suite do not pile up outputs.
pub fn tempdir(name: &str) -> PathBuf {
    static SWEEP: std::sync::Once = std::sync::Once::new();
    SWEEP.call_once(remove_ended_processes_dirs);
    let dir = std::env::temp_dir().join(format!("caresim-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Removes `caresim-test-PID-*` directories in the temporary directory whose process
/// has ended. Does nothing where `/proc` is not available.
fn remove_ended_processes_dirs() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("caresim-test-")) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Two-sided 0.9995 quantile of Student's t with 19 degrees of freedom (20
/// replications): a 99.9% confidence interval. With about 20 theory checks in this
/// suite, the chance that any one fails by bad luck is at most 20 x 0.001 = 2%.
pub const T_9995_DF19: f64 = 3.883;

/// Mean and 99.9% half-width over 20 replications.
pub fn mean_hw999(values: &[f64]) -> (f64, f64) {
    assert_eq!(values.len(), 20, "T_9995_DF19 assumes 20 replications");
    let s = caresim::stats::Summary::of(values);
    (s.mean, T_9995_DF19 * s.sd / (s.n as f64).sqrt())
}

/// Erlang B: probability that all `c` servers are busy under offered load `a`
/// (recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))).
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// Erlang C: probability of waiting in M/M/c with offered load `a` < c.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / c as f64;
    b / (1.0 - rho * (1.0 - b))
}
