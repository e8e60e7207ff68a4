//! Parquet output (polars, zstd), hive-partitioned by table and scenario:
//! `DIR/<table>/scenario=<name>/part-s<sample>-r<replication>.parquet`, plus
//! `DIR/summary/scenario=<name>/summary.parquet` and `DIR/manifest.toml`.
//!
//! Every row carries its run key (`scenario`, `sample`, `replication`); units are in the
//! column names. Every file is written under a temporary name (ending `.tmp`) and
//! renamed when complete, so a reader never sees a partial `.parquet` file. Files hold
//! no wall-clock time: the same config and seed give the same bytes.

use crate::config::ExperimentPlan;
use crate::flow::RunOutput;
use crate::record::RunKey;
use crate::summary::compare::PairedRow;
use crate::summary::digest::SummaryRow;
use polars::io::parquet::write::KeyValueMetadata;
use polars::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

mod cohort_tables;
pub mod merge;
mod payment_tables;
pub mod report;
pub use cohort_tables::AGE_BAND_NAMES;

/// Name of the provenance file at the top of an output directory.
pub const MANIFEST: &str = "manifest.toml";

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
    /// Per scenario and pool: the delay reason and responsible organisation's names.
    pool_meta: Vec<Vec<(&'static str, &'static str)>>,
    /// Per scenario: the acute pools (whose blocked days are delayed transfers of care).
    acute_pools: Vec<Vec<u16>>,
    /// Target half-width of the `runs_needed` estimates, relative to the mean.
    target_relative_half_width: f64,
    /// Per scenario: the organisations, when the model has `[payment]`.
    registries: Vec<Option<crate::payment::organisation::Registry>>,
}

impl ParquetSink {
    /// Prepares `dir` for `plan`: creates it, or reuses it when its manifest has the same
    /// config hash (keeping the runs already stored, so a rerun resumes), or (with
    /// `force`) clears its tables. Writes the manifest. Call only after the plan has been
    /// validated. Several shards may call this on one directory at once.
    pub fn create(dir: &Path, plan: &ExperimentPlan, force: bool) -> Result<ParquetSink, OutputError> {
        let manifest_path = dir.join(MANIFEST);
        if dir.exists() {
            match fs::read_to_string(&manifest_path) {
                Ok(text) => {
                    let found = manifest_hash(&text).unwrap_or_default();
                    if found != plan.config_hash && !force {
                        return Err(OutputError::DifferentConfig {
                            dir: dir.to_path_buf(),
                            found,
                            expected: plan.config_hash.clone(),
                        });
                    }
                    if force {
                        clear_tables(dir)?;
                    }
                }
                Err(_) => {
                    // Empty, or only what another shard starting at the same moment has
                    // begun to write (its tables, a temporary manifest).
                    let foreign = fs::read_dir(dir).map_err(io("reading", dir))?.filter_map(Result::ok).any(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        !(TABLES.contains(&name.as_str()) || name.starts_with(MANIFEST) && name.ends_with(".tmp"))
                    });
                    if foreign {
                        return Err(OutputError::NotOutputDir(dir.to_path_buf()));
                    }
                }
            }
        }
        fs::create_dir_all(dir).map_err(io("creating", dir))?;
        write_atomically(&manifest_path, manifest(plan).as_bytes())?;
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
            pool_names: plan.scenarios.iter().map(|s| s.model.pools.iter().map(|p| p.name.clone()).collect()).collect(),
            pool_meta: plan
                .scenarios
                .iter()
                .map(|s| s.model.pools.iter().map(|p| (p.delay_reason.name(), p.responsible.name())).collect())
                .collect(),
            acute_pools: plan
                .scenarios
                .iter()
                .map(|s| {
                    s.model
                        .pools
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.setting == crate::capacity::Setting::Acute)
                        .map(|(i, _)| i as u16)
                        .collect()
                })
                .collect(),
            target_relative_half_width: plan.target_relative_half_width,
            registries: plan
                .scenarios
                .iter()
                .map(|s| s.model.payment.as_ref().map(|p| p.area.registry.clone()))
                .collect(),
        })
    }

    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, table: &str, scenario: u16, file: &str) -> PathBuf {
        self.dir.join(table).join(format!("scenario={}", self.scenario_names[scenario as usize])).join(file)
    }

    fn write(&self, table: &'static str, scenario: u16, file: &str, mut df: DataFrame) -> Result<(), OutputError> {
        let path = self.path(table, scenario, file);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io("creating", parent))?;
        }
        let tmp = path.with_extension("parquet.tmp");
        let polars_err = |source| OutputError::Polars { table, path: path.clone(), source };
        let file_handle = fs::File::create(&tmp).map_err(io("creating", &tmp))?;
        ParquetWriter::new(file_handle)
            .with_compression(ParquetCompression::Zstd(None))
            .with_key_value_metadata(Some(KeyValueMetadata::from_static(self.metadata.clone())))
            .finish(&mut df)
            .map_err(polars_err)?;
        fs::rename(&tmp, &path).map_err(io("renaming", &tmp))
    }

    /// The key columns (`scenario`, `sample`, `replication`) of `n` rows of run `k`.
    fn key_columns(&self, k: RunKey, n: usize) -> Vec<Column> {
        let scenario = self.scenario_names[k.scenario as usize].as_str();
        // Constant columns: stored once, not materialised row by row.
        vec![
            Column::new_scalar("scenario".into(), Scalar::from(PlSmallStr::from(scenario)), n),
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
            ],
        )?;
        self.write("pool_summary", k.scenario, &file, summary)?;

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
        self.write("capacity", k.scenario, &file, capacity)?;
        self.write_cohort_tables(out)?;
        self.write_payment_tables(out)?;

        if let Some(e) = &out.episodes {
            let episodes = frame(
                "episodes",
                keyed(e.len()),
                vec![
                    Column::new("patient".into(), e.patient.as_slice()),
                    Column::new("pool".into(), e.pool.iter().map(|i| pools[*i as usize].as_str()).collect::<Vec<_>>()),
                    Column::new("requested_day".into(), e.requested_day.as_slice()),
                    Column::new("admitted_day".into(), e.admitted_day.as_slice()),
                    Column::new("ready_day".into(), e.ready_day.as_slice()),
                    Column::new("exit_day".into(), e.exit_day.as_slice()),
                    Column::new("wait_days".into(), e.wait_days.as_slice()),
                    Column::new("blocked_days".into(), e.blocked_days.as_slice()),
                ],
            )?;
            self.write("episodes", k.scenario, &file, episodes)?;
        }

        // Written last: a run whose `runs` file exists is complete (see `is_complete`).
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
        self.write("runs", k.scenario, &file, runs)?;
        Ok(())
    }

    fn metadata_seed(&self) -> u64 {
        self.metadata.iter().find(|(k, _)| k == "caresim.seed").and_then(|(_, v)| v.parse().ok()).unwrap_or_default()
    }

    /// Writes the across-replication summary, one file per scenario.
    pub fn write_summary(&self, rows: &[SummaryRow]) -> Result<(), OutputError> {
        for (s, name) in self.scenario_names.iter().enumerate() {
            let r: Vec<&SummaryRow> = rows.iter().filter(|r| r.scenario as usize == s).collect();
            let nan_to_null = |v: f64| (!v.is_nan()).then_some(v);
            let cols = vec![
                Column::new("scenario".into(), vec![name.as_str(); r.len()]),
                Column::new("pool".into(), r.iter().map(|x| x.pool.as_str()).collect::<Vec<_>>()),
                Column::new("metric".into(), r.iter().map(|x| x.metric).collect::<Vec<_>>()),
                Column::new("n".into(), r.iter().map(|x| x.summary.n as u32).collect::<Vec<_>>()),
                Column::new("mean".into(), r.iter().map(|x| nan_to_null(x.summary.mean)).collect::<Vec<_>>()),
                Column::new("sd".into(), r.iter().map(|x| nan_to_null(x.summary.sd)).collect::<Vec<_>>()),
                Column::new("ci_low".into(), r.iter().map(|x| nan_to_null(x.summary.low())).collect::<Vec<_>>()),
                Column::new("ci_high".into(), r.iter().map(|x| nan_to_null(x.summary.high())).collect::<Vec<_>>()),
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

/// The file name of one run's part of a table.
pub fn run_file_name(k: RunKey) -> String {
    format!("part-s{:04}-r{:05}.parquet", k.sample, k.replication)
}

fn clear_tables(dir: &Path) -> Result<(), OutputError> {
    for t in TABLES {
        let p = dir.join(t);
        if p.exists() {
            fs::remove_dir_all(&p).map_err(io("removing", &p))?;
        }
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    // A name of its own: shards starting together each write the (same) manifest.
    let tmp = path.with_extension(format!("toml.{}.tmp", std::process::id()));
    fs::write(&tmp, bytes).map_err(io("writing", &tmp))?;
    fs::rename(&tmp, path).map_err(io("renaming", &tmp))
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

    /// True when run `k` is stored completely with this config: its `runs` file (written
    /// last) exists and carries this config hash, and so does its `episodes` file when
    /// `episodes` is asked for.
    pub fn is_complete(&self, k: RunKey, episodes: bool) -> bool {
        let file = run_file_name(k);
        let ok = |table: &str| {
            file_config_hash(&self.path(table, k.scenario, &file)).is_some_and(|h| h == self.config_hash())
        };
        ok("runs") && (!episodes || ok("episodes"))
    }

    /// Removes temporary files an interrupted writer left: those of the runs `keys` only
    /// (a shard must not touch the files another shard is writing), or every `*.tmp`
    /// under the tables when `keys` is `None`. Returns how many were removed.
    pub fn remove_temporary(&self, keys: Option<&[RunKey]>) -> Result<usize, OutputError> {
        let mut removed = 0;
        let mut remove = |p: &Path| -> Result<(), OutputError> {
            if p.is_file() {
                fs::remove_file(p).map_err(io("removing", p))?;
                removed += 1;
            }
            Ok(())
        };
        match keys {
            Some(keys) => {
                for k in keys {
                    let file = run_file_name(*k);
                    for t in TABLES {
                        remove(&self.path(t, k.scenario, &file).with_extension("parquet.tmp"))?;
                    }
                }
            }
            None => {
                for t in TABLES {
                    let Ok(parts) = fs::read_dir(self.dir.join(t)) else { continue };
                    for part in parts.filter_map(Result::ok) {
                        let Ok(files) = fs::read_dir(part.path()) else { continue };
                        for f in files.filter_map(Result::ok) {
                            if f.file_name().to_string_lossy().ends_with(".tmp") {
                                remove(&f.path())?;
                            }
                        }
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
        for (s, name) in self.scenario_names.iter().enumerate().skip(1) {
            let r: Vec<&PairedRow> = rows.iter().filter(|r| r.scenario as usize == s).collect();
            let nan_to_null = |v: f64| (!v.is_nan()).then_some(v);
            let cols = vec![
                Column::new("scenario".into(), vec![name.as_str(); r.len()]),
                Column::new("baseline".into(), vec![baseline; r.len()]),
                Column::new("pool".into(), r.iter().map(|x| x.pool.as_str()).collect::<Vec<_>>()),
                Column::new("metric".into(), r.iter().map(|x| x.metric).collect::<Vec<_>>()),
                Column::new("n".into(), r.iter().map(|x| x.summary.n as u32).collect::<Vec<_>>()),
                Column::new("mean".into(), r.iter().map(|x| nan_to_null(x.summary.mean)).collect::<Vec<_>>()),
                Column::new("sd".into(), r.iter().map(|x| nan_to_null(x.summary.sd)).collect::<Vec<_>>()),
                Column::new("ci_low".into(), r.iter().map(|x| nan_to_null(x.summary.low())).collect::<Vec<_>>()),
                Column::new("ci_high".into(), r.iter().map(|x| nan_to_null(x.summary.high())).collect::<Vec<_>>()),
                Column::new("p_below_zero".into(), r.iter().map(|x| nan_to_null(x.p_below_zero)).collect::<Vec<_>>()),
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
        for (s, name) in self.scenario_names.iter().enumerate() {
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
                Column::new("scenario".into(), vec![name.as_str(); sample.len()]),
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
    let file = fs::File::open(path).ok()?;
    let mut reader = ParquetReader::new(file);
    let metadata = reader.get_metadata().ok()?;
    let kv = metadata.key_value_metadata().as_ref()?;
    kv.iter().find(|e| e.key == "caresim.config_hash").and_then(|e| e.value.clone())
}
