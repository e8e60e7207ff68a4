//! The manifest of an output folder (`manifest.toml`), read as the report needs it.

use super::ReportError;
use crate::output::MANIFEST;
use std::path::Path;

/// Provenance of the folder: run settings, software and the resolved config.
pub(super) struct Manifest {
    /// The config file the experiment was run from.
    pub(super) source: String,
    /// caresim version that wrote the folder.
    pub(super) version: String,
    /// Hash of the resolved config.
    pub(super) config_hash: String,
    /// Random number generator and stream seeding.
    pub(super) generator: String,
    /// Master seed.
    pub(super) seed: i64,
    /// Replications per parameter sample.
    pub(super) replications: i64,
    /// Parameter samples (1 without PSA).
    pub(super) samples: i64,
    /// Run length in days (warm-up included).
    pub(super) horizon_days: f64,
    /// Warm-up in days (discarded from the statistics).
    pub(super) warmup_days: f64,
    /// Scenario names, baseline first.
    pub(super) scenarios: Vec<String>,
    /// The resolved config (`[config]`).
    pub(super) config: toml::Table,
    /// The output folder.
    dir: std::path::PathBuf,
}

fn number(t: &toml::Table, key: &str) -> Option<f64> {
    match t.get(key)? {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

impl Manifest {
    /// Reads `DIR/manifest.toml`.
    pub(super) fn read(dir: &Path) -> Result<Manifest, ReportError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Io {
            action: "reading (is this a caresim output folder?)",
            path: path.clone(),
            source,
        })?;
        let t: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ReportError::Manifest { path: path.clone(), reason: e.to_string() })?;
        let missing = |key: &str| ReportError::Manifest { path: path.clone(), reason: format!("no valid `{key}`") };
        let string =
            |key: &str| t.get(key).and_then(toml::Value::as_str).map(str::to_string).ok_or_else(|| missing(key));
        let scenarios = t
            .get("scenarios")
            .and_then(toml::Value::as_array)
            .ok_or_else(|| missing("scenarios"))?
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| missing("scenarios")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Manifest {
            source: string("source")?,
            version: string("caresim_version")?,
            config_hash: string("config_hash")?,
            generator: string("generator").unwrap_or_default(),
            seed: t.get("seed").and_then(toml::Value::as_integer).ok_or_else(|| missing("seed"))?,
            replications: t
                .get("replications")
                .and_then(toml::Value::as_integer)
                .ok_or_else(|| missing("replications"))?,
            samples: t.get("samples").and_then(toml::Value::as_integer).unwrap_or(1),
            horizon_days: number(&t, "horizon_days").ok_or_else(|| missing("horizon_days"))?,
            warmup_days: number(&t, "warmup_days").ok_or_else(|| missing("warmup_days"))?,
            scenarios,
            config: t.get("config").and_then(toml::Value::as_table).cloned().unwrap_or_default(),
            dir: dir.to_path_buf(),
        })
    }

    /// Runs per scenario in a complete folder: samples × replications.
    pub(super) fn runs_per_scenario(&self) -> f64 {
        (self.samples.max(1) * self.replications.max(1)) as f64
    }

    /// The description of scenario `name` in the config (empty when none).
    pub(super) fn description(&self, name: &str) -> String {
        self.config
            .get("scenarios")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_table)
            .find(|s| s.get("name").and_then(toml::Value::as_str) == Some(name))
            .and_then(|s| s.get("description").and_then(toml::Value::as_str))
            .unwrap_or_default()
            .to_string()
    }

    /// Whether the folder holds table `name`.
    pub(super) fn has_table(&self, name: &str) -> bool {
        self.dir.join(name).is_dir()
    }

    /// The position of a scenario (unknown names after the known ones).
    pub(super) fn scenario_rank(&self, name: &str) -> usize {
        self.scenarios.iter().position(|s| s == name).unwrap_or(usize::MAX)
    }
}
