//! Parquet output (polars, zstd), hive-partitioned by table and scenario:
//! `DIR/<table>/scenario=<name>/part-s<sample>-r<replication>.parquet`, plus
//! `DIR/summary/scenario=<name>/summary.parquet` and `DIR/manifest.toml`.
//!
//! The scenario is the hive partition key: it names the folder (`scenario=<name>`) and is
//! not a column of the files, so every hive-aware reader (polars, duckdb, pyarrow,
//! pandas, R arrow) gives it as a column without a clash. Every per-run row carries the
//! rest of its run key (`sample`, `replication`); units are in the column names. Files
//! are written with signed integers and plain UTF-8 strings (see `output/readable.rs`).
//! Every file is written under a temporary name of the writing process's own
//! (`<name>.<pid>.tmp`), flushed to the disk and renamed when complete, so a reader never
//! sees a partial `.parquet` file, even after a power loss. A run's `runs` file is
//! written last and records the length and hash of every other file of the run, so a
//! rerun or a merge can tell a complete run from a damaged one ([`verify`]). One process
//! writes a folder at a time (shards: one per shard), under an advisory lock. Files hold
//! no wall-clock time: the same config and seed give the same bytes. `docs/outputs.md`
//! documents every table and column.

use crate::config::ExperimentPlan;
use crate::experiment::shard::Shard;
use crate::flow::RunOutput;
use crate::record::{PatientOrigin, RunKey};
use crate::summary::compare::{PairedRow, metric_bound};
use crate::summary::digest::SummaryRow;
use durable::{FileDigest, FolderLock, HashingWriter, LockScope};
use polars::io::parquet::write::KeyValueMetadata;
use polars::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use verify::Marker;

mod cohort_tables;
pub mod durable;
pub mod merge;
mod payment_tables;
mod readable;
pub mod report;
pub mod run;
pub mod verify;
pub use cohort_tables::AGE_BAND_NAMES;

/// Name of the provenance file at the top of an output directory.
pub const MANIFEST: &str = verify::MANIFEST;

/// The tables this crate writes (folders under the output directory).
pub const TABLES: [&str; 14] = [
    "runs",
    "pool_summary",
    "capacity",
    "episodes",
    "summary",
    "person_year",
    "delays",
    "paired",
    "parameters",
    "calibration",
    "events",
    "economy",
    "ledger",
    "org_year",
];

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file-system operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Building or writing a table failed.
    #[error("writing table {table} to {path}: {source}")]
    Polars {
        /// Which table.
        table: &'static str,
        /// Where.
        path: PathBuf,
        /// The cause.
        source: PolarsError,
    },
    /// The directory holds output of a different config.
    #[error(
        "{dir} already holds results of a different config (config hash {found}, this config {expected}); \
         choose another --out directory or pass --force to replace them"
    )]
    DifferentConfig {
        /// The directory.
        dir: PathBuf,
        /// Hash in its manifest.
        found: String,
        /// Hash of this plan.
        expected: String,
    },
    /// The directory exists, is not empty, and has no manifest.
    #[error("{0} exists and is not a caresim output directory (no {MANIFEST}); choose another --out directory")]
    NotOutputDir(PathBuf),
    /// Another process is writing the folder (or this shard of it).
    #[error(transparent)]
    Locked(#[from] durable::LockError),
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> OutputError + 'a {
    move |source| OutputError::Io { action, path: path.to_path_buf(), source }
}

/// Writes one experiment's tables into a directory.
pub struct ParquetSink {
    dir: PathBuf,
    metadata: Vec<(String, String)>,
    scenario_names: Vec<String>,
    pool_names: Vec<Vec<String>>,
    /// Per scenario: the names of the background arrival streams, in model order.
    arrival_names: Vec<Vec<String>>,
    /// Per scenario: every row the model can put in the `delays` table (pool held, pool
    /// waited for, reason, responsible), in order (the rows of a dense `delays` table).
    delay_pairs: Vec<Vec<cohort_tables::DelayRowKey>>,
    /// Per scenario: the pools (for the calibration rows on delays and occupancy).
    pools: Vec<Vec<crate::capacity::PoolSpec>>,
    /// Target half-width of the `runs_needed` estimates, relative to the mean.
    target_relative_half_width: f64,
    /// Per scenario: the organisations, when the model has `[payment]`.
    registries: Vec<Option<crate::payment::organisation::Registry>>,
    /// This process's lock on the folder (or its shard of it), held while the sink lives.
    _lock: FolderLock,
}

/// Whether a folder entry's name is one caresim may leave at the top of a folder that
/// has no manifest yet (another shard starting at the same moment).
fn is_own_top_level_name(name: &str) -> bool {
    TABLES.contains(&name) || durable::is_lock_name(name) || name.starts_with(MANIFEST) && durable::is_temporary(name)
}

impl ParquetSink {
    /// Prepares `dir` for `plan` and `shard` (use [`Shard::ALL`] for an unsharded run or
    /// a merge): creates it, or reuses it when its manifest has the same config hash
    /// (keeping the runs already stored, so a rerun resumes), then locks it (the shard's
    /// part of it, for a shard) so no other process writes the same files, and writes the
    /// manifest. With `force`, removes the files of this shard's runs and the tables built
    /// from every run: under another config's manifest, those that config's runs of this
    /// shard wrote; never a file caresim does not write. Call only after the plan has
    /// been validated.
    pub fn create(dir: &Path, plan: &ExperimentPlan, force: bool, shard: Shard) -> Result<ParquetSink, OutputError> {
        let manifest_path = dir.join(MANIFEST);
        if dir.exists() && !manifest_path.exists() {
            // Empty, or only what another shard starting at the same moment has begun to
            // write (its tables, a temporary manifest, its lock).
            let foreign = fs::read_dir(dir)
                .map_err(io("reading", dir))?
                .filter_map(Result::ok)
                .any(|e| !is_own_top_level_name(&e.file_name().to_string_lossy()));
            if foreign {
                return Err(OutputError::NotOutputDir(dir.to_path_buf()));
            }
        }
        fs::create_dir_all(dir).map_err(io("creating", dir))?;
        let scope =
            if shard.is_all() { LockScope::Whole } else { LockScope::Shard { index: shard.index, count: shard.count } };
        let lock = FolderLock::acquire(dir, scope)?;
        if let Ok(text) = fs::read_to_string(&manifest_path) {
            let found = manifest_hash(&text).unwrap_or_default();
            if found != plan.config_hash && !force {
                return Err(OutputError::DifferentConfig {
                    dir: dir.to_path_buf(),
                    found: if found.is_empty() { "(unreadable)".into() } else { found },
                    expected: plan.config_hash.clone(),
                });
            }
            if force && found != plan.config_hash {
                // The files the other config's runs of this shard wrote, as its manifest
                // tells them (nothing when the manifest cannot be read as a plan).
                if let Ok(old) = merge::plan_of(dir) {
                    remove_files(dir, &verify::run_paths(dir, &old, &TABLES, &shard.keys(&old), true))?;
                }
            }
        }
        if force {
            remove_files(dir, &verify::run_paths(dir, plan, &TABLES, &shard.keys(plan), true))?;
        }
        durable::write_file(&manifest_path, |f| std::io::Write::write_all(f, manifest(plan).as_bytes()))
            .map_err(io("writing", &manifest_path))?;
        let metadata = vec![
            ("caresim.version".to_string(), env!("CARGO_PKG_VERSION").to_string()),
            ("caresim.config_hash".to_string(), plan.config_hash.clone()),
            ("caresim.seed".to_string(), plan.seed.to_string()),
            ("caresim.config".to_string(), plan.resolved_toml.clone()),
        ];
        Ok(ParquetSink {
            dir: dir.to_path_buf(),
            metadata,
            scenario_names: plan.scenarios.iter().map(|s| s.name.clone()).collect(),
            arrival_names: plan
                .scenarios
                .iter()
                .map(|s| s.model.arrivals.iter().map(|a| a.name.clone()).collect())
                .collect(),
            delay_pairs: plan.scenarios.iter().map(|s| cohort_tables::delay_pairs(&s.model)).collect(),
            pool_names: plan.scenarios.iter().map(|s| s.model.pools.iter().map(|p| p.name.clone()).collect()).collect(),
            pools: plan.scenarios.iter().map(|s| s.model.pools.clone()).collect(),
            target_relative_half_width: plan.target_relative_half_width,
            registries: plan
                .scenarios
                .iter()
                .map(|s| s.model.payment.as_ref().map(|p| p.area.registry.clone()))
                .collect(),
            _lock: lock,
        })
    }

    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, table: &str, scenario: u16, file: &str) -> PathBuf {
        self.dir.join(table).join(format!("scenario={}", self.scenario_names[scenario as usize])).join(file)
    }

    fn write(&self, table: &'static str, scenario: u16, file: &str, df: DataFrame) -> Result<FileDigest, OutputError> {
        self.write_with(table, scenario, file, df, None)
    }

    /// Writes a table file durably, with this sink's metadata and `extra` (key, value),
    /// as signed integers and plain UTF-8 strings, and returns its digest.
    fn write_with(
        &self,
        table: &'static str,
        scenario: u16,
        file: &str,
        df: DataFrame,
        extra: Option<(String, String)>,
    ) -> Result<FileDigest, OutputError> {
        let path = self.path(table, scenario, file);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io("creating", parent))?;
        }
        let polars_err = |source| OutputError::Polars { table, path: path.clone(), source };
        let mut df = readable::with_signed_integers(df).map_err(polars_err)?;
        let mut metadata = self.metadata.clone();
        if let Some(schema) = readable::arrow_schema_metadata(&df) {
            metadata.insert(0, ("ARROW:schema".to_string(), schema));
        }
        metadata.extend(extra);
        let mut failed: Option<PolarsError> = None;
        let written = durable::write_file(&path, |f| {
            let mut w = HashingWriter::new(f);
            let result = ParquetWriter::new(&mut w)
                .with_compression(ParquetCompression::Zstd(None))
                .with_key_value_metadata(Some(KeyValueMetadata::from_static(metadata)))
                .finish(&mut df);
            match result {
                Ok(_) => Ok(w.digest()),
                Err(e) => {
                    failed = Some(e);
                    Err(std::io::Error::other("the Parquet writer failed"))
                }
            }
        });
        match (written, failed) {
            (Ok(d), _) => Ok(d),
            (Err(_), Some(source)) => Err(OutputError::Polars { table, path, source }),
            (Err(source), None) => Err(OutputError::Io { action: "writing", path, source }),
        }
    }

    /// The key columns (`sample`, `replication`) of `n` rows of run `k`; the scenario is
    /// the hive partition key, in the folder name, not in the file.
    fn key_columns(&self, k: RunKey, n: usize) -> Vec<Column> {
        // Constant columns: stored once, not materialised row by row.
        vec![
            Column::new_scalar("sample".into(), Scalar::from(k.sample), n),
            Column::new_scalar("replication".into(), Scalar::from(k.replication), n),
        ]
    }

    /// A frame of run `k`'s `table`: the key columns followed by `rest`.
    fn keyed_frame(
        &self,
        table: &'static str,
        k: RunKey,
        mut cols: Vec<Column>,
        rest: Vec<Column>,
    ) -> Result<DataFrame, OutputError> {
        cols.extend(rest);
        let height = cols.first().map_or(0, |c| c.len());
        DataFrame::new(height, cols).map_err(|source| OutputError::Polars {
            table,
            path: self.path(table, k.scenario, &run_file_name(k)),
            source,
        })
    }

    /// Writes every table of one run.
    pub fn write_run(&self, out: &RunOutput) -> Result<(), OutputError> {
        let k = out.key;
        let file = run_file_name(k);
        let pools = &self.pool_names[k.scenario as usize];
        let keyed = |n: usize| self.key_columns(k, n);
        let frame = |table: &'static str, cols: Vec<Column>, rest: Vec<Column>| self.keyed_frame(table, k, cols, rest);

        let p = &out.pools;
        let n = p.len();
        let summary = frame(
            "pool_summary",
            keyed(n),
            vec![
                Column::new("pool".into(), p.iter().map(|s| pools[s.pool as usize].as_str()).collect::<Vec<_>>()),
                Column::new("capacity".into(), p.iter().map(|s| s.capacity).collect::<Vec<_>>()),
                Column::new("arrivals".into(), p.iter().map(|s| s.stats.arrivals).collect::<Vec<_>>()),
                Column::new("admitted".into(), p.iter().map(|s| s.stats.admitted).collect::<Vec<_>>()),
                Column::new("turned_away".into(), p.iter().map(|s| s.stats.turned_away).collect::<Vec<_>>()),
                Column::new("reneged".into(), p.iter().map(|s| s.stats.reneged).collect::<Vec<_>>()),
                Column::new("departures".into(), p.iter().map(|s| s.stats.departures).collect::<Vec<_>>()),
                Column::new("mean_occupied".into(), p.iter().map(|s| s.mean_occupied()).collect::<Vec<_>>()),
                Column::new("mean_waiting".into(), p.iter().map(|s| s.mean_waiting()).collect::<Vec<_>>()),
                Column::new("mean_blocked".into(), p.iter().map(|s| s.mean_blocked()).collect::<Vec<_>>()),
                Column::new("mean_wait_days".into(), p.iter().map(|s| s.mean_wait_days()).collect::<Vec<_>>()),
                Column::new("p_wait".into(), p.iter().map(|s| s.p_wait()).collect::<Vec<_>>()),
                Column::new("p_turned_away".into(), p.iter().map(|s| s.p_turned_away()).collect::<Vec<_>>()),
                Column::new("blocked_days".into(), p.iter().map(|s| s.blocked_days()).collect::<Vec<_>>()),
                Column::new("mean_sojourn_days".into(), p.iter().map(|s| s.mean_sojourn_days()).collect::<Vec<_>>()),
                Column::new("throughput_per_day".into(), p.iter().map(|s| s.throughput_per_day()).collect::<Vec<_>>()),
                Column::new("window_days".into(), p.iter().map(|s| s.window_days).collect::<Vec<_>>()),
                Column::new("waits_over_4h".into(), p.iter().map(|s| s.stats.waits_over_4h).collect::<Vec<_>>()),
                Column::new("waits_over_12h".into(), p.iter().map(|s| s.stats.waits_over_12h).collect::<Vec<_>>()),
                Column::new("cancelled".into(), p.iter().map(|s| s.stats.cancelled).collect::<Vec<_>>()),
                Column::new("waiting_growth".into(), p.iter().map(|s| s.waiting_growth).collect::<Vec<_>>()),
            ],
        )?;
        let mut files: Vec<(String, FileDigest)> = Vec::new();
        files.push(("pool_summary".into(), self.write("pool_summary", k.scenario, &file, summary)?));

        let c = &out.capacity;
        let capacity = frame(
            "capacity",
            keyed(c.day.len()),
            vec![
                Column::new("day".into(), c.day.as_slice()),
                Column::new("pool".into(), c.pool.iter().map(|i| pools[*i as usize].as_str()).collect::<Vec<_>>()),
                Column::new("occupied".into(), c.occupied.as_slice()),
                Column::new("waiting".into(), c.waiting.as_slice()),
                Column::new("blocked".into(), c.blocked.as_slice()),
            ],
        )?;
        files.push(("capacity".into(), self.write("capacity", k.scenario, &file, capacity)?));
        self.write_cohort_tables(out, &mut files)?;
        self.write_payment_tables(out, &mut files)?;

        if let Some(e) = &out.episodes {
            let arrivals = &self.arrival_names[k.scenario as usize];
            let episodes = frame(
                "episodes",
                keyed(e.len()),
                vec![
                    // The key's 64 bits as a signed integer: cohort journeys, whose top bit is
                    // set, are negative (see docs/outputs.md); decoded beside it.
                    Column::new("patient".into(), e.patient.iter().map(|key| *key as i64).collect::<Vec<_>>()),
                    Column::new(
                        "person".into(),
                        e.patient
                            .iter()
                            .map(|key| match PatientOrigin::of_key(*key) {
                                PatientOrigin::Journey { person, .. } => Some(person),
                                PatientOrigin::Arrival { .. } => None,
                            })
                            .collect::<Vec<_>>(),
                    ),
                    Column::new(
                        "arrival_stream".into(),
                        e.patient
                            .iter()
                            .map(|key| match PatientOrigin::of_key(*key) {
                                PatientOrigin::Arrival { stream, .. } => {
                                    Some(arrivals.get(stream as usize).map_or("unknown", String::as_str))
                                }
                                PatientOrigin::Journey { .. } => None,
                            })
                            .collect::<Vec<_>>(),
                    ),
                    Column::new("pool".into(), e.pool.iter().map(|i| pools[*i as usize].as_str()).collect::<Vec<_>>()),
                    Column::new("requested_day".into(), e.requested_day.as_slice()),
                    Column::new("admitted_day".into(), e.admitted_day.as_slice()),
                    Column::new("ready_day".into(), e.ready_day.as_slice()),
                    Column::new("exit_day".into(), e.exit_day.as_slice()),
                    Column::new("wait_days".into(), e.wait_days.as_slice()),
                    Column::new("blocked_days".into(), e.blocked_days.as_slice()),
                ],
            )?;
            files.push(("episodes".into(), self.write("episodes", k.scenario, &file, episodes)?));
        }

        // Written last, with the digest of every file above: a run whose `runs` file is
        // intact and whose files match it is complete (see `is_complete`).
        let runs = frame(
            "runs",
            keyed(1),
            vec![
                Column::new("seed".into(), [self.metadata_seed()]),
                Column::new("events".into(), [out.events]),
                Column::new("horizon_days".into(), [out.horizon_days]),
                Column::new("warmup_days".into(), [out.warmup_days]),
            ],
        )?;
        self.write_with(
            "runs",
            k.scenario,
            &file,
            runs,
            Some((verify::FILES_KEY.into(), verify::encode_files(&files))),
        )?;
        Ok(())
    }

    fn metadata_seed(&self) -> u64 {
        self.metadata.iter().find(|(k, _)| k == "caresim.seed").and_then(|(_, v)| v.parse().ok()).unwrap_or_default()
    }

    /// Writes the across-replication summary, one file per scenario.
    pub fn write_summary(&self, rows: &[SummaryRow]) -> Result<(), OutputError> {
        for s in 0..self.scenario_names.len() {
            let r: Vec<&SummaryRow> = rows.iter().filter(|r| r.scenario as usize == s).collect();
            let nan_to_null = |v: f64| (!v.is_nan()).then_some(v);
            let intervals: Vec<(f64, f64)> = r.iter().map(|x| x.summary.interval(metric_bound(x.metric))).collect();
            let cols = vec![
                Column::new("pool".into(), r.iter().map(|x| x.pool.as_str()).collect::<Vec<_>>()),
                Column::new("metric".into(), r.iter().map(|x| x.metric).collect::<Vec<_>>()),
                Column::new("n".into(), r.iter().map(|x| x.summary.n as u32).collect::<Vec<_>>()),
                Column::new("mean".into(), r.iter().map(|x| nan_to_null(x.summary.mean)).collect::<Vec<_>>()),
                Column::new("sd".into(), r.iter().map(|x| nan_to_null(x.summary.sd)).collect::<Vec<_>>()),
                Column::new("ci_low".into(), intervals.iter().map(|i| nan_to_null(i.0)).collect::<Vec<_>>()),
                Column::new("ci_high".into(), intervals.iter().map(|i| nan_to_null(i.1)).collect::<Vec<_>>()),
                Column::new("ci_method".into(), r.iter().map(|x| metric_bound(x.metric).method()).collect::<Vec<_>>()),
                Column::new(
                    "runs_needed".into(),
                    r.iter()
                        .map(|x| crate::stats::runs_needed_relative(&x.summary, self.target_relative_half_width))
                        .collect::<Vec<_>>(),
                ),
            ];
            let path = self.path("summary", s as u16, "summary.parquet");
            let df = DataFrame::new(r.len(), cols).map_err(|source| OutputError::Polars {
                table: "summary",
                path,
                source,
            })?;
            self.write("summary", s as u16, "summary.parquet", df)?;
        }
        Ok(())
    }
}

pub use verify::run_file_name;

/// Removes `paths` (relative to `dir`): the files `--force` replaces.
fn remove_files(dir: &Path, paths: &[PathBuf]) -> Result<(), OutputError> {
    for rel in paths {
        let p = dir.join(rel);
        fs::remove_file(&p).map_err(io("removing", &p))?;
    }
    Ok(())
}

/// Reads `config_hash` from a manifest's text.
pub fn manifest_hash(text: &str) -> Option<String> {
    let t: toml::Table = text.parse().ok()?;
    t.get("config_hash")?.as_str().map(str::to_string)
}

/// The manifest: provenance of every file in the directory.
pub fn manifest(plan: &ExperimentPlan) -> String {
    let mut t = toml::Table::new();
    t.insert("caresim_version".into(), env!("CARGO_PKG_VERSION").into());
    t.insert("config_hash".into(), plan.config_hash.clone().into());
    t.insert("source".into(), plan.source.display().to_string().into());
    t.insert("seed".into(), (plan.seed as i64).into());
    t.insert("replications".into(), (plan.replications as i64).into());
    t.insert("samples".into(), (plan.samples as i64).into());
    t.insert("horizon_days".into(), plan.horizon_days.into());
    t.insert("warmup_days".into(), plan.warmup_days.into());
    t.insert("scenarios".into(), toml::Value::Array(plan.scenarios.iter().map(|s| s.name.clone().into()).collect()));
    t.insert(
        "generator".into(),
        "xoshiro256++ (rand 0.10); streams seeded by a SplitMix64 hash of (seed, sample, replication, purpose, entity)"
            .into(),
    );
    let config: toml::Table = plan.resolved_toml.parse().unwrap_or_default();
    t.insert("config".into(), toml::Value::Table(config));
    let mut text = String::from("# caresim output manifest: provenance of every table in this directory.\n");
    text.push_str(&toml::to_string(&t).unwrap_or_default());
    text
}

// ---- Resume, shards, paired differences and parameters (Monte Carlo at scale) ----

impl ParquetSink {
    /// The config hash this sink stamps on its files.
    pub fn config_hash(&self) -> &str {
        self.metadata.iter().find(|(k, _)| k == "caresim.config_hash").map_or("", |(_, v)| v.as_str())
    }

    /// What is wrong with run `k` as stored (empty when it is complete with this
    /// config): its marker must be readable and carry this config hash, every file it
    /// lists must match its recorded length and hash, and `required` tables (e.g.
    /// `episodes` when asked for) must be among them.
    pub fn run_problems(&self, k: RunKey, required: &[&str]) -> Vec<verify::FileProblem> {
        let scenario = &self.scenario_names[k.scenario as usize];
        let marker = read_marker(&self.path(verify::MARKER_TABLE, k.scenario, &run_file_name(k)), self.config_hash());
        verify::check_run(&self.dir, scenario, self.config_hash(), k, &marker, required)
    }

    /// True when run `k` is stored completely and intact with this config (see
    /// [`ParquetSink::run_problems`]).
    pub fn is_complete(&self, k: RunKey, required: &[&str]) -> bool {
        self.run_problems(k, required).is_empty()
    }

    /// Removes temporary files an interrupted writer left: those of the runs `keys` only
    /// (a shard must not touch the files another shard is writing), or every `*.tmp`
    /// under the tables when `keys` is `None`. Returns how many were removed.
    pub fn remove_temporary(&self, keys: Option<&[RunKey]>) -> Result<usize, OutputError> {
        let mut removed = 0;
        let mut wanted: Option<std::collections::BTreeSet<PathBuf>> = None;
        if let Some(keys) = keys {
            let mut set = std::collections::BTreeSet::new();
            for k in keys {
                for t in TABLES {
                    set.insert(self.path(t, k.scenario, &run_file_name(*k)));
                }
            }
            wanted = Some(set);
        }
        for t in TABLES {
            let Ok(parts) = fs::read_dir(self.dir.join(t)) else { continue };
            for part in parts.filter_map(Result::ok) {
                let Ok(files) = fs::read_dir(part.path()) else { continue };
                for f in files.filter_map(Result::ok) {
                    let name = f.file_name().to_string_lossy().into_owned();
                    if !durable::is_temporary(&name) || !f.file_type().is_ok_and(|t| t.is_file()) {
                        continue;
                    }
                    let target = part.path().join(verify::temporary_base(&name));
                    if wanted.as_ref().is_none_or(|w| w.contains(&target)) {
                        let p = f.path();
                        fs::remove_file(&p).map_err(io("removing", &p))?;
                        removed += 1;
                    }
                }
            }
        }
        Ok(removed)
    }

    /// Writes the paired differences against the baseline, one file per other scenario:
    /// `paired/scenario=<name>/paired.parquet`.
    pub fn write_paired(&self, rows: &[PairedRow]) -> Result<(), OutputError> {
        let baseline = self.scenario_names.first().map_or("", String::as_str);
        for s in 1..self.scenario_names.len() {
            let r: Vec<&PairedRow> = rows.iter().filter(|r| r.scenario as usize == s).collect();
            let nan_to_null = |v: f64| (!v.is_nan()).then_some(v);
            let cols = vec![
                Column::new("baseline".into(), vec![baseline; r.len()]),
                Column::new("pool".into(), r.iter().map(|x| x.pool.as_str()).collect::<Vec<_>>()),
                Column::new("metric".into(), r.iter().map(|x| x.metric).collect::<Vec<_>>()),
                Column::new("n".into(), r.iter().map(|x| x.summary.n as u32).collect::<Vec<_>>()),
                Column::new("mean".into(), r.iter().map(|x| nan_to_null(x.summary.mean)).collect::<Vec<_>>()),
                Column::new("sd".into(), r.iter().map(|x| nan_to_null(x.summary.sd)).collect::<Vec<_>>()),
                Column::new("ci_low".into(), r.iter().map(|x| nan_to_null(x.summary.low())).collect::<Vec<_>>()),
                Column::new("ci_high".into(), r.iter().map(|x| nan_to_null(x.summary.high())).collect::<Vec<_>>()),
                Column::new(
                    "share_below_zero".into(),
                    r.iter().map(|x| nan_to_null(x.share_below_zero)).collect::<Vec<_>>(),
                ),
                Column::new(
                    "runs_needed".into(),
                    r.iter()
                        .map(|x| crate::stats::runs_needed_relative(&x.summary, self.target_relative_half_width))
                        .collect::<Vec<_>>(),
                ),
            ];
            let df = DataFrame::new(r.len(), cols).map_err(|source| OutputError::Polars {
                table: "paired",
                path: self.path("paired", s as u16, "paired.parquet"),
                source,
            })?;
            self.write("paired", s as u16, "paired.parquet", df)?;
        }
        Ok(())
    }

    /// Writes the value of every varied parameter in every sample, one file per scenario
    /// (`parameters/scenario=<name>/parameters.parquet`); nothing when no parameter varies.
    pub fn write_parameters(&self, plan: &ExperimentPlan) -> Result<(), OutputError> {
        let p = &plan.parameters;
        if p.is_empty() {
            return Ok(());
        }
        for s in 0..self.scenario_names.len() {
            let applies = p.applies.get(s).map_or(&[][..], Vec::as_slice);
            let (mut sample, mut key, mut dist, mut value) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (si, row) in p.values.iter().enumerate() {
                for i in applies {
                    sample.push(si as u32);
                    key.push(p.varied[*i].key.as_str());
                    dist.push(p.varied[*i].variation.name());
                    value.push(row[*i]);
                }
            }
            let cols = vec![
                Column::new("sample".into(), sample),
                Column::new("parameter".into(), key),
                Column::new("dist".into(), dist),
                Column::new("value".into(), value),
            ];
            let height = cols[0].len();
            let df = DataFrame::new(height, cols).map_err(|source| OutputError::Polars {
                table: "parameters",
                path: self.path("parameters", s as u16, "parameters.parquet"),
                source,
            })?;
            self.write("parameters", s as u16, "parameters.parquet", df)?;
        }
        Ok(())
    }
}

/// The `caresim.config_hash` in a Parquet file's key-value metadata (`None` when the
/// file is missing, unreadable or has none).
pub fn file_config_hash(path: &Path) -> Option<String> {
    file_metadata(path).ok()?.into_iter().find(|(k, _)| k == "caresim.config_hash").map(|(_, v)| v)
}

/// A Parquet file's key-value metadata; `Err(true)` when the file is missing, `Err(false)`
/// when it cannot be read as Parquet.
fn file_metadata(path: &Path) -> Result<Vec<(String, String)>, bool> {
    let file = fs::File::open(path).map_err(|_| true)?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(true);
    }
    let mut reader = ParquetReader::new(file);
    let metadata = reader.get_metadata().map_err(|_| false)?;
    let kv = metadata.key_value_metadata().as_ref().ok_or(false)?;
    Ok(kv.iter().map(|e| (e.key.clone(), e.value.clone().unwrap_or_default())).collect())
}

/// Reads a run's marker (its `runs` file) for the config hash `config_hash`.
pub fn read_marker(path: &Path, config_hash: &str) -> Marker {
    let kv = match file_metadata(path) {
        Ok(kv) => kv,
        Err(true) => return Marker::Missing,
        Err(false) => return Marker::Unreadable,
    };
    let get = |key: &str| kv.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    match get("caresim.config_hash") {
        None => Marker::Unreadable,
        Some(h) if h != config_hash => Marker::OtherConfig(h.to_string()),
        Some(_) => match get(verify::FILES_KEY) {
            None => Marker::NoFiles,
            Some(text) => verify::decode_files(text).map_or(Marker::Unreadable, Marker::Files),
        },
    }
}
