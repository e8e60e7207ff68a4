//! Finishing an experiment directory: `caresim merge DIR` after sharded runs, and the
//! last step of an unsharded `caresim run`.
//!
//! The plan is rebuilt from the manifest's resolved config (and its hash checked), every
//! run of the grid must be present in every per-run table exactly once, with the
//! manifest's config hash in its Parquet metadata, and nothing else may be there. Then
//! the `summary`, `paired` and `parameters` tables are built from the stored
//! `pool_summary` rows, in key order, so they are byte-identical to those of an
//! unsharded run.

use crate::config::{self, ExperimentPlan};
use crate::experiment::run_keys;
use crate::output::{MANIFEST, OutputError, ParquetSink, TABLES, file_config_hash, manifest_hash, run_file_name};
use crate::record::RunKey;
use crate::summary::compare::{self, N_METRICS, RunMetrics};
use crate::summary::digest::POOL_METRICS;
use polars::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Tables built from all runs (one file per scenario); every other table of
/// [`crate::output::TABLES`] has one file per run.
pub const FINISHED_TABLES: [&str; 3] = ["summary", "paired", "parameters"];

/// Per-run tables every experiment has; the others (e.g. `episodes`) are optional, but
/// when present they must hold every run.
pub const REQUIRED_RUN_TABLES: [&str; 2] = ["runs", "pool_summary"];

/// Why a directory cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No manifest, or one without a config.
    #[error("{0}: cannot read the manifest: {1}")]
    Manifest(PathBuf, String),
    /// The config in the manifest does not validate.
    #[error("the config stored in {0} is not valid")]
    Config(PathBuf, #[source] config::ConfigError),
    /// Runs are missing, stored with another config, or unexpected files are present.
    #[error("{dir} is not a complete, consistent experiment ({n} problem(s)):\n  - {list}", n = .problems.len(), list = .problems.join("\n  - "))]
    Inconsistent {
        /// The directory.
        dir: PathBuf,
        /// Every problem found (missing runs are listed per table).
        problems: Vec<String>,
    },
    /// Reading a pool summary failed.
    #[error("reading {0}: {1}")]
    Read(PathBuf, String),
    /// Writing failed.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// What a successful merge found.
#[derive(Clone, Debug, PartialEq)]
pub struct MergeReport {
    /// Runs merged.
    pub runs: usize,
    /// Temporary files removed.
    pub temporary_removed: usize,
    /// The config hash.
    pub config_hash: String,
}

/// Rebuilds the plan stored in `dir`'s manifest and checks it against the manifest's hash.
pub fn plan_of(dir: &Path) -> Result<ExperimentPlan, MergeError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| MergeError::Manifest(path.clone(), e.to_string()))?;
    let manifest: toml::Table = text.parse().map_err(|e| MergeError::Manifest(path.clone(), format!("{e}")))?;
    let hash = manifest_hash(&text).ok_or_else(|| MergeError::Manifest(path.clone(), "no config_hash".into()))?;
    let Some(toml::Value::Table(cfg)) = manifest.get("config") else {
        return Err(MergeError::Manifest(path, "no [config] table".into()));
    };
    let cfg_text = toml::to_string(cfg).map_err(|e| MergeError::Manifest(path.clone(), e.to_string()))?;
    let mut plan = config::load_resolved(&path, &cfg_text).map_err(|e| MergeError::Config(path.clone(), e))?;
    if let Some(source) = manifest.get("source").and_then(toml::Value::as_str) {
        plan.source = PathBuf::from(source);
    }
    if plan.config_hash != hash {
        return Err(MergeError::Manifest(
            path,
            format!("its config hashes to {}, not to the recorded {hash}", plan.config_hash),
        ));
    }
    Ok(plan)
}

/// Problems with the stored runs of `plan` in `dir`: missing runs (per table, listing
/// at most a few keys each), files with another config hash, and unexpected files.
pub fn check(dir: &Path, plan: &ExperimentPlan) -> Vec<String> {
    let keys = run_keys(plan);
    let mut problems = Vec::new();
    for table in TABLES.iter().copied().filter(|t| !FINISHED_TABLES.contains(t)) {
        if !REQUIRED_RUN_TABLES.contains(&table) && !dir.join(table).exists() {
            continue;
        }
        let mut expected: BTreeSet<PathBuf> = BTreeSet::new();
        let mut missing: Vec<String> = Vec::new();
        for k in &keys {
            let rel = PathBuf::from(table)
                .join(format!("scenario={}", plan.scenarios[k.scenario as usize].name))
                .join(run_file_name(*k));
            let path = dir.join(&rel);
            if !path.is_file() {
                missing.push(format!(
                    "{} sample {} replication {}",
                    plan.scenarios[k.scenario as usize].name, k.sample, k.replication
                ));
            } else {
                match file_config_hash(&path) {
                    Some(h) if h == plan.config_hash => {}
                    other => problems.push(format!(
                        "{}: config hash {} differs from the manifest's {}",
                        rel.display(),
                        other.as_deref().unwrap_or("(none)"),
                        plan.config_hash
                    )),
                }
            }
            expected.insert(path);
        }
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(8).map(String::as_str).collect();
            problems.push(format!(
                "{table}: {} of {} runs missing: {}{}",
                missing.len(),
                keys.len(),
                shown.join(", "),
                if missing.len() > shown.len() { ", ..." } else { "" }
            ));
        }
        let Ok(parts) = std::fs::read_dir(dir.join(table)) else { continue };
        for part in parts.filter_map(Result::ok) {
            let files: Vec<PathBuf> = match std::fs::read_dir(part.path()) {
                Ok(f) => f.filter_map(Result::ok).map(|e| e.path()).collect(),
                Err(_) => vec![part.path()],
            };
            for f in files {
                let tmp = f.extension().is_some_and(|e| e == "tmp");
                if !tmp && !expected.contains(&f) {
                    problems.push(format!("{}: not a run of this experiment", f.display()));
                }
            }
        }
    }
    problems
}

fn read_err(path: &Path) -> impl Fn(PolarsError) -> MergeError + '_ {
    move |e| MergeError::Read(path.to_path_buf(), e.to_string())
}

/// Reads a run's area metrics back from its `economy` file (none for a model without a
/// cohort, which writes no such file).
fn read_economy(dir: &Path, scenario: &str, k: RunKey) -> Result<crate::summary::area::RunEconomy, MergeError> {
    let path = dir.join("economy").join(format!("scenario={scenario}")).join(run_file_name(k));
    let mut economy = crate::summary::area::RunEconomy::NONE;
    let Ok(file) = std::fs::File::open(&path) else {
        return Ok(economy);
    };
    let df = ParquetReader::new(file).finish().map_err(read_err(&path))?;
    let metric = df.column("metric").map_err(read_err(&path))?.str().map_err(read_err(&path))?.clone();
    let value = df.column("value").map_err(read_err(&path))?.f64().map_err(read_err(&path))?.clone();
    for row in 0..df.height() {
        let name = metric.get(row).unwrap_or_default();
        let Some(i) = crate::summary::area::ECONOMY_METRICS.iter().position(|m| *m == name) else {
            return Err(MergeError::Read(path.clone(), format!("unknown area metric {name:?}")));
        };
        economy.values[i] = value.get(row);
    }
    Ok(economy)
}

/// Reads the metrics of runs `keys` back from their `pool_summary` files.
pub fn read_metrics(dir: &Path, plan: &ExperimentPlan, keys: &[RunKey]) -> Result<Vec<RunMetrics>, MergeError> {
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let scenario = &plan.scenarios[k.scenario as usize];
        let path = dir.join("pool_summary").join(format!("scenario={}", scenario.name)).join(run_file_name(*k));
        let file = std::fs::File::open(&path).map_err(|e| MergeError::Read(path.clone(), e.to_string()))?;
        let df = ParquetReader::new(file).finish().map_err(read_err(&path))?;
        let pool_col = df.column("pool").map_err(read_err(&path))?.str().map_err(read_err(&path))?.clone();
        let mut columns = Vec::with_capacity(N_METRICS);
        for (metric, _) in POOL_METRICS {
            let c = df.column(metric).map_err(read_err(&path))?.cast(&DataType::Float64).map_err(read_err(&path))?;
            columns.push(c.f64().map_err(read_err(&path))?.clone());
        }
        let mut pools = vec![[None; N_METRICS]; scenario.model.pools.len()];
        for row in 0..df.height() {
            let name = pool_col.get(row).unwrap_or_default();
            let Some(pi) = scenario.model.pools.iter().position(|p| p.name == name) else {
                return Err(MergeError::Read(path.clone(), format!("unknown pool {name:?}")));
            };
            for (mi, c) in columns.iter().enumerate() {
                pools[pi][mi] = c.get(row);
            }
        }
        let economy = read_economy(dir, &scenario.name, *k)?;
        out.push(RunMetrics { key: *k, pools, economy });
    }
    Ok(out)
}

/// Writes the tables built from every run: `summary`, `paired`, `parameters`.
pub fn write_finished(sink: &ParquetSink, plan: &ExperimentPlan, metrics: &[RunMetrics]) -> Result<(), OutputError> {
    sink.write_summary(&compare::summarise(plan, metrics))?;
    sink.write_paired(&compare::paired(plan, metrics))?;
    sink.write_parameters(plan)
}

/// `caresim merge DIR`: checks completeness and provenance, then writes the tables built
/// from every run. Nothing is written when a check fails.
pub fn merge(dir: &Path) -> Result<MergeReport, MergeError> {
    let plan = plan_of(dir)?;
    let problems = check(dir, &plan);
    if !problems.is_empty() {
        return Err(MergeError::Inconsistent { dir: dir.to_path_buf(), problems });
    }
    let sink = ParquetSink::create(dir, &plan, false)?;
    let temporary_removed = sink.remove_temporary(None)?;
    let keys = run_keys(&plan);
    let metrics = read_metrics(dir, &plan, &keys)?;
    write_finished(&sink, &plan, &metrics)?;
    Ok(MergeReport { runs: keys.len(), temporary_removed, config_hash: plan.config_hash })
}
