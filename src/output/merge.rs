//! Finishing an experiment directory: `caresim merge DIR` after sharded runs, and the
//! last step of an unsharded `caresim run`.
//!
//! The plan is rebuilt from the manifest's resolved config (and its hash checked), every
//! run of the grid must be complete: its marker (`runs` file) readable with the
//! manifest's config hash, and every file it records present with the length and hash
//! recorded when it was written. Nothing else may be in the folder. Each problem is
//! listed with its path: missing, truncated, checksum mismatch, foreign. Then
//! the `summary`, `paired` and `parameters` tables are built from the stored
//! `pool_summary` rows, in key order, so they are byte-identical to those of an
//! unsharded run.

use crate::config::{self, ExperimentPlan};
use crate::experiment::run_keys;
use crate::experiment::shard::Shard;
use crate::output::verify::{self, FileProblem};
use crate::output::{MANIFEST, OutputError, ParquetSink, TABLES, manifest_hash, read_marker, run_file_name};
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

/// Most problems listed of one kind (missing runs, damaged files, foreign files).
const LISTED: usize = 20;

/// Problems with the stored runs of `plan` in `dir`: runs whose marker is missing (per
/// table, listing a few keys), damaged files (truncated, checksum mismatch, another
/// config), files some runs wrote and others did not, and foreign files anywhere in the
/// folder, each with its path.
pub fn check(dir: &Path, plan: &ExperimentPlan) -> Vec<String> {
    let keys = run_keys(plan);
    let mut problems = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let mut damaged: Vec<FileProblem> = Vec::new();
    let mut listed: Vec<Vec<String>> = Vec::with_capacity(keys.len());
    for k in &keys {
        let scenario = &plan.scenarios[k.scenario as usize].name;
        let marker_path = dir.join(verify::run_path(plan, verify::MARKER_TABLE, *k));
        let marker = read_marker(&marker_path, &plan.config_hash);
        if marker == verify::Marker::Missing {
            missing.push(format!("{scenario} sample {} replication {}", k.sample, k.replication));
            listed.push(Vec::new());
            continue;
        }
        if let verify::Marker::Files(files) = &marker {
            listed.push(files.iter().map(|(t, _)| t.clone()).collect());
        } else {
            listed.push(Vec::new());
        }
        damaged.extend(verify::check_run(dir, scenario, &plan.config_hash, *k, &marker, &REQUIRED_RUN_TABLES[1..]));
    }
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(8).map(String::as_str).collect();
        problems.push(format!(
            "{}: {} of {} runs missing: {}{}",
            verify::MARKER_TABLE,
            missing.len(),
            keys.len(),
            shown.join(", "),
            if missing.len() > shown.len() { ", ..." } else { "" }
        ));
    }
    // A table some runs wrote must hold every run (e.g. `episodes`).
    let mut union: BTreeSet<&str> = BTreeSet::new();
    for l in &listed {
        union.extend(l.iter().map(String::as_str));
    }
    for table in union {
        let without: Vec<&RunKey> = keys
            .iter()
            .zip(&listed)
            .filter(|(_, l)| !l.is_empty() && !l.iter().any(|t| t == table))
            .map(|(k, _)| k)
            .collect();
        for k in without.iter().take(LISTED) {
            damaged.push(FileProblem {
                path: verify::run_path(plan, table, **k),
                problem: format!("missing: other runs wrote a {table} table, this run did not"),
            });
        }
    }
    let n = damaged.len();
    problems.extend(damaged.iter().take(LISTED).map(ToString::to_string));
    if n > LISTED {
        problems.push(format!("... and {} more damaged or missing files", n - LISTED));
    }
    let expected = verify::expected_paths(plan, &TABLES, &keys);
    problems.extend(verify::foreign_files(dir, &expected, LISTED).iter().map(ToString::to_string));
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
    // The whole folder, so no shard writes while it is checked and finished.
    let sink = ParquetSink::create(dir, &plan, false, Shard::ALL)?;
    let problems = check(dir, &plan);
    if !problems.is_empty() {
        return Err(MergeError::Inconsistent { dir: dir.to_path_buf(), problems });
    }
    let temporary_removed = sink.remove_temporary(None)?;
    let keys = run_keys(&plan);
    let metrics = read_metrics(dir, &plan, &keys)?;
    write_finished(&sink, &plan, &metrics)?;
    Ok(MergeReport { runs: keys.len(), temporary_removed, config_hash: plan.config_hash })
}
