//! Loading and validating experiment configs (TOML).
//!
//! Two layers: a serde mirror of the file ([`raw`], unknown keys rejected) and a
//! validated, typed [`ExperimentPlan`] ([`validate`]). Every problem is reported with the
//! file it came from, the dotted key, the bad value and the reason, all at once: one
//! [`validate::Problem`] type and one set of range checks ([`validate::probability`],
//! [`validate::non_negative`], [`validate::pence`], ...) serve every section, whose
//! validators live here too: the model ([`validate`], into a [`Model`]), [`cohort`],
//! [`payment`], parameter distributions and sweeps ([`psa`]), and the run [`settings`].
//! Keys are written out whole (`"payment.tariff.mret_rate"`), so a key can be found by
//! searching for it. The rules receive validated parameters and do not check them again.
//!
//! A file may build on another with `extends = "other.toml"` (a path relative to the
//! file); its tables are merged key by key over the other's. Scenarios are
//! `[[scenarios]]` entries holding a `name`, an optional `description`, and overrides of
//! model keys (`pools`, `arrivals`, `pathways`, `cohort`, `payment`), merged over the base
//! model. A table with a `dist` key (a distribution) or a `calendar` is replaced whole,
//! not merged; arrays (e.g. `[[payment.blocks]]`) are replaced whole too.
//! So a file that extends another and has `[[scenarios]]` replaces the whole list of
//! scenarios; loading returns a [`ConfigWarning`] when that leaves scenarios out or
//! changes the baseline.

pub mod calendar;
pub mod cohort;
pub mod cycles;
pub mod delays;
pub mod model;
pub mod names;
pub mod payment;
pub mod psa;
pub mod raw;
pub mod self_funded;
pub mod settings;
pub mod validate;

pub use model::Model;
pub use settings::{RunSettings, TARGET_RELATIVE_HALF_WIDTH};

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use validate::{Problem, Problems};

/// Keys of an experiment file that are settings of the experiment, not of the model.
pub const EXPERIMENT_KEYS: [&str; 8] =
    ["extends", "seed", "replications", "horizon_days", "warmup_days", "scenarios", "samples", "target_half_width_pct"];
/// Keys of the model, which scenarios may override.
pub const MODEL_KEYS: [&str; 7] =
    ["pools", "arrivals", "pathways", "cohort", "payment", "calendar", "self_funded_placements"];

/// One problem in a config, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigIssue {
    /// The file the bad value came from (`--set` for command-line overrides).
    pub file: PathBuf,
    /// Dotted key, e.g. `pools.acute_beds.capacity`; `scenarios.NAME.` prefixed when a
    /// scenario's override is at fault.
    pub key: String,
    /// The bad value as found (empty when missing).
    pub value: String,
    /// Why it is wrong.
    pub reason: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file.display(), self.key, self.reason)?;
        if !self.value.is_empty() {
            write!(f, " (got {})", self.value)?;
        }
        Ok(())
    }
}

/// Everything wrong with a config; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The problems, in the order found.
    pub issues: Vec<ConfigIssue>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.issues.len();
        write!(f, "invalid config ({n} problem{}):", if n == 1 { "" } else { "s" })?;
        for issue in &self.issues {
            write!(f, "\n  - {issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Something in a valid config that probably does not do what its author meant; loading
/// returns these with the plan ([`ExperimentPlan::warnings`]) and never prints them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The file it is about.
    pub file: PathBuf,
    /// Dotted key.
    pub key: String,
    /// What happens, and what to do if that is not what was meant.
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file.display(), self.key, self.message)
    }
}

/// The names of a `[[scenarios]]` array, in order (entries without a string `name` are
/// left out: validation reports them).
fn scenario_names(scenarios: &toml::Value) -> Vec<String> {
    scenarios
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.get("name")?.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The warning when `file`, which extends `parent`, replaces the parent's scenarios
/// `old` with `new` (an array is replaced whole): given when the new list leaves some of
/// the parent's scenarios out or starts with another baseline; `None` when it repeats
/// them all with the same baseline first (as `configs/small.toml` does).
fn scenarios_replaced(file: &Path, parent: &Path, old: &[String], new: &[String]) -> Option<ConfigWarning> {
    let left_out: Vec<&str> = old.iter().filter(|o| !new.contains(o)).map(String::as_str).collect();
    let baseline_changed = old.first() != new.first();
    if left_out.is_empty() && !baseline_changed {
        return None;
    }
    let mut message = format!(
        "replaces the {} scenario(s) of {} with this file's {} (a file that extends another and has [[scenarios]] \
         replaces the whole list; nothing is merged by name)",
        old.len(),
        parent.display(),
        new.len()
    );
    if baseline_changed {
        let name = |n: Option<&String>| n.map_or_else(|| "none".to_string(), |n| format!("{n:?}"));
        message.push_str(&format!("; the baseline is now {} instead of {}", name(new.first()), name(old.first())));
    }
    if !left_out.is_empty() {
        message.push_str(&format!("; left out: {}", left_out.join(", ")));
    }
    message.push_str("; repeat the scenarios to keep, the baseline first, if that is not what you meant");
    Some(ConfigWarning { file: file.to_path_buf(), key: "scenarios".into(), message })
}

/// A validated scenario: a name and the model it simulates.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name (letters, digits, `_` and `-`; used in output paths).
    pub name: String,
    /// Free text.
    pub description: String,
    /// The model.
    pub model: Model,
}

/// A validated experiment: settings, scenarios, and the resolved config for provenance.
#[derive(Clone, Debug)]
pub struct ExperimentPlan {
    /// The file the plan was loaded from.
    pub source: PathBuf,
    /// Master seed.
    pub seed: u64,
    /// Replications per scenario (and parameter sample).
    pub replications: u32,
    /// Run length, days.
    pub horizon_days: f64,
    /// Warm-up excluded from summaries, days.
    pub warmup_days: f64,
    /// Scenarios, in file order (the first is the baseline).
    pub scenarios: Vec<Scenario>,
    /// The fully resolved config (extends and overrides applied), as TOML text.
    pub resolved_toml: String,
    /// FNV-1a 64-bit hash of `resolved_toml`, as 16 hex digits.
    pub config_hash: String,
    /// Parameter samples in the grid (`samples` x sweep points; 1 when nothing varies).
    pub samples: u32,
    /// Target half-width of a 95% interval, as a fraction of the absolute mean, for the
    /// `runs_needed` estimates (`target_half_width_pct` / 100; default 0.05).
    pub target_relative_half_width: f64,
    /// The varied parameters and their value in every sample (empty when none vary).
    pub parameters: psa::Parameters,
    /// How to build the models of any parameter sample when parameters vary (`None`
    /// otherwise: every sample runs `scenarios[i].model`). Samples are built when a run
    /// needs them, so a grid of a million samples holds one sample's models at a time.
    pub sample_source: Option<std::sync::Arc<psa::SampleSource>>,
    /// What in the files probably does not do what was meant (for the caller to show).
    pub warnings: Vec<ConfigWarning>,
}

impl ExperimentPlan {
    /// The model of one scenario in one parameter sample: sample 0 (and every sample
    /// when nothing varies) is `scenarios[scenario].model`; another sample's is built
    /// from the config with that sample's values.
    ///
    /// # Errors
    /// The sample's config does not validate. Loading checked the samples (every one of
    /// a small grid; the extremes of the values drawn in a large one, see
    /// [`psa::SampleSource`]), so this is not expected.
    pub fn model(&self, scenario: u16, sample: u32) -> Result<std::borrow::Cow<'_, Model>, ConfigError> {
        match &self.sample_source {
            Some(source) if sample > 0 => Ok(std::borrow::Cow::Owned(source.model(sample, scenario)?)),
            _ => Ok(std::borrow::Cow::Borrowed(&self.scenarios[scenario as usize].model)),
        }
    }

    /// Settings of every run of this plan.
    pub fn run_settings(&self, record_episodes: bool) -> RunSettings {
        RunSettings {
            master_seed: self.seed,
            horizon_days: self.horizon_days,
            warmup_days: self.warmup_days,
            record_episodes,
            record_events: false,
        }
    }
}

/// Changes applied on top of the files, from the command line.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `dotted.key=value` assignments (values parsed as TOML, else taken as strings).
    pub set: Vec<String>,
}

/// Which file set each key (a dotted key to its file; later files win).
#[derive(Default, Debug, Clone)]
struct Origins(BTreeMap<String, PathBuf>);

impl Origins {
    fn record(&mut self, prefix: &str, value: &toml::Value, file: &Path) {
        self.0.insert(prefix.to_string(), file.to_path_buf());
        if let toml::Value::Table(t) = value {
            for (k, v) in t {
                self.record(&format!("{prefix}.{k}"), v, file);
            }
        }
    }

    /// The file of the longest recorded prefix of `key`.
    fn file_of(&self, key: &str, default: &Path) -> PathBuf {
        let mut k = key;
        loop {
            if let Some(f) = self.0.get(k) {
                return f.clone();
            }
            match k.rfind(['.', '[']) {
                Some(i) => k = &k[..i],
                None => return default.to_path_buf(),
            }
        }
    }
}

fn issue(file: &Path, key: impl Into<String>, value: impl Into<String>, reason: impl Into<String>) -> ConfigIssue {
    ConfigIssue { file: file.to_path_buf(), key: key.into(), value: value.into(), reason: reason.into() }
}

/// Reads a file and everything it extends, merged; records which file set which key.
fn load_table(
    path: &Path,
    chain: &mut Vec<PathBuf>,
    origins: &mut Origins,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<toml::Table, ConfigError> {
    let one = |key: &str, reason: String| ConfigError { issues: vec![issue(path, key, "", reason)] };
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if chain.contains(&canonical) {
        return Err(one(
            "extends",
            format!(
                "extends itself through {}",
                chain.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" -> ")
            ),
        ));
    }
    chain.push(canonical);
    // Only a regular file is read: a directory fails to read, but a FIFO or a device
    // would block or never end, so they are named before anything is read.
    let meta = std::fs::metadata(path).map_err(|e| one("(file)", format!("cannot read the file: {e}")))?;
    if meta.is_dir() {
        return Err(one("(file)", "is a directory, not a config file".into()));
    }
    if !meta.is_file() {
        return Err(one("(file)", "is not a regular file (a FIFO, socket or device), not a config file".into()));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(one(
            "(file)",
            format!("is {} bytes, more than a config may be ({MAX_CONFIG_BYTES} bytes)", meta.len()),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| one("(file)", format!("cannot read the file: {e}")))?;
    let mut table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| one("(syntax)", format!("not valid TOML: {}", e.to_string().trim_end())))?;
    let mut merged = match table.remove("extends") {
        None => toml::Table::new(),
        Some(toml::Value::String(parent)) => {
            let parent_path = path.parent().unwrap_or(Path::new(".")).join(&parent);
            if !parent_path.is_file() {
                return Err(ConfigError {
                    issues: vec![issue(
                        path,
                        "extends",
                        format!("{parent:?}"),
                        format!("no such file: {}", parent_path.display()),
                    )],
                });
            }
            let merged = load_table(&parent_path, chain, origins, warnings)?;
            if let (Some(old), Some(new)) = (merged.get("scenarios"), table.get("scenarios")) {
                warnings.extend(scenarios_replaced(path, &parent_path, &scenario_names(old), &scenario_names(new)));
            }
            merged
        }
        Some(other) => {
            return Err(ConfigError {
                issues: vec![issue(path, "extends", other.to_string(), "must be a file path (a string)")],
            });
        }
    };
    for (k, v) in &table {
        origins.record(k, v, path);
    }
    merge(&mut merged, table);
    chain.pop();
    Ok(merged)
}

/// Merges `over` into `base`, key by key. Tables merge recursively, except a table that
/// holds `dist` (a distribution) or any value that is not a table, which replace.
pub fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if !o.contains_key("dist") && k != "calendar" => {
                merge(b, o)
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Most parts of a dotted `--set` key (the deepest config key has 7).
const MAX_SET_KEY_PARTS: usize = 16;

/// Largest config file read: 16 MiB (the shipped default is about 40 KB; a file far
/// larger is not a hand-written config, and reading it whole would hold it in memory).
const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// Longest scenario name: it names output folders, within every file system's limit.
const MAX_NAME_CHARS: usize = 64;

/// Applies one `dotted.key=value` assignment.
fn apply_set(table: &mut toml::Table, assignment: &str) -> Result<String, ConfigIssue> {
    let set_file = Path::new("--set");
    let Some((key, raw_value)) = assignment.split_once('=') else {
        return Err(issue(set_file, assignment, "", "must be written dotted.key=value"));
    };
    let key = key.trim();
    let value: toml::Value = format!("v = {}", raw_value.trim())
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw_value.trim().to_string()));
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(issue(set_file, key, raw_value, "is not a valid dotted key"));
    }
    if parts.len() > MAX_SET_KEY_PARTS {
        let shown: String = key.chars().take(60).collect();
        return Err(issue(
            set_file,
            format!("{shown}..."),
            "",
            format!("has {} levels; config keys have at most {MAX_SET_KEY_PARTS}", parts.len()),
        ));
    }
    if parts[0] == "extends" {
        return Err(issue(
            set_file,
            "extends",
            raw_value,
            "cannot be set with --set: extends is read before overrides apply; edit the file, or run the config it \
             names",
        ));
    }
    if let Some(u) = names::unknown_name_in_key(table, &parts) {
        return Err(issue(set_file, key, raw_value, format!("{}: {}", u.key, u.reason)));
    }
    let mut cur = table;
    for part in &parts[..parts.len() - 1] {
        let entry = cur.entry(part.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(issue(
                    set_file,
                    key,
                    raw_value,
                    format!("`{part}` is not a table, so it has no keys to set"),
                ));
            }
        };
    }
    cur.insert(parts[parts.len() - 1].to_string(), value);
    Ok(key.to_string())
}

/// Deserializes a raw model, turning a serde error into a problem at its path.
fn raw_model(table: &toml::Table, p: &mut Problems) -> Option<raw::RawModel> {
    let value = toml::Value::Table(table.clone());
    match serde_path_to_error::deserialize::<_, raw::RawModel>(value) {
        Ok(m) => Some(m),
        Err(e) => {
            let key = e.path().to_string();
            // The toml error text may repeat the path on a second line; keep the first.
            let message = e.inner().to_string();
            let reason = message.lines().next().unwrap_or_default().to_string();
            p.push(if key == "." { String::new() } else { key }, "", reason);
            None
        }
    }
}

/// The dotted keys of the values (not tables) under `prefix`: what an override sets.
fn leaf_keys(prefix: &str, value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                leaf_keys(&format!("{prefix}.{k}"), v, out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

/// True when dotted key `key` is `outer` or lies under it (`outer.x`, `outer[0]`).
fn is_within(key: &str, outer: &str) -> bool {
    key.strip_prefix(outer).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

fn is_valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_NAME_CHARS && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// FNV-1a, 64 bits: a stable, dependency-free fingerprint of the resolved config.
pub fn fnv1a_hex(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Loads, merges, overrides and validates an experiment file.
pub fn load(path: &Path, overrides: &Overrides) -> Result<ExperimentPlan, ConfigError> {
    let mut origins = Origins::default();
    let mut warnings = Vec::new();
    let mut doc = load_table(path, &mut Vec::new(), &mut origins, &mut warnings)?;
    let mut issues = Vec::new();
    for s in &overrides.set {
        match apply_set(&mut doc, s) {
            Ok(key) => {
                // The tables a --set creates are the command line's too, so an error in
                // them blames --set, not the config file.
                let mut prefix = String::new();
                for part in key.split('.') {
                    if !prefix.is_empty() {
                        prefix.push('.');
                    }
                    prefix.push_str(part);
                    origins.0.entry(prefix.clone()).or_insert_with(|| PathBuf::from("--set"));
                }
                origins.0.insert(key, PathBuf::from("--set"));
            }
            Err(e) => issues.push(e),
        }
    }
    let mut plan = psa::load_sampled(path, doc, &origins, issues)?;
    plan.warnings = warnings;
    Ok(plan)
}

/// Loads a fully resolved config (as stored in an output manifest: no `extends`, no
/// overrides) and validates it. `source` names it in messages.
pub fn load_resolved(source: &Path, text: &str) -> Result<ExperimentPlan, ConfigError> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError {
        issues: vec![issue(source, "(syntax)", "", format!("not valid TOML: {}", e.to_string().trim_end()))],
    })?;
    psa::load_sampled(source, doc, &Origins::default(), Vec::new())
}

/// Validates a merged document whose parameter distributions are resolved to numbers.
fn plan_from_doc(
    path: &Path,
    doc: &toml::Table,
    origins: &Origins,
    mut issues: Vec<ConfigIssue>,
) -> Result<ExperimentPlan, ConfigError> {
    let locate = |key: &str, origins: &Origins| origins.file_of(key, path);

    // Unknown top-level keys.
    for k in doc.keys() {
        if !EXPERIMENT_KEYS.contains(&k.as_str()) && !MODEL_KEYS.contains(&k.as_str()) {
            issues.push(issue(
                &locate(k, origins),
                k.clone(),
                "",
                format!("unknown key; expected one of {}, {}", EXPERIMENT_KEYS[1..].join(", "), MODEL_KEYS.join(", ")),
            ));
        }
    }

    // Experiment settings.
    let mut p = Problems::default();
    let seed = match doc.get("seed") {
        Some(toml::Value::Integer(n)) if *n >= 0 => Some(*n as u64),
        Some(v) => {
            p.push("seed", v, "must be a whole number of at least 0");
            None
        }
        None => {
            p.push("seed", "", "is required (a whole number; the master seed of all random streams)");
            None
        }
    };
    let replications = match doc.get("replications") {
        Some(toml::Value::Integer(n)) if *n >= 1 && *n <= u32::MAX as i64 => Some(*n as u32),
        Some(v) => {
            p.push("replications", v, "must be a whole number of at least 1");
            None
        }
        None => {
            p.push("replications", "", "is required (a whole number of at least 1)");
            None
        }
    };
    let float = |p: &mut Problems, key: &str, default: Option<f64>| -> Option<f64> {
        match doc.get(key) {
            Some(toml::Value::Float(f)) => Some(*f),
            Some(toml::Value::Integer(i)) => Some(*i as f64),
            Some(v) => {
                p.push(key, v, "must be a number of days");
                None
            }
            None if default.is_some() => default,
            None => {
                p.push(key, "", "is required (a number of days)");
                None
            }
        }
    };
    let horizon_days = float(&mut p, "horizon_days", None).filter(|h| {
        let ok = h.is_finite() && *h > 0.0;
        if !ok {
            p.push("horizon_days", h, "must be a finite number of days greater than 0");
        }
        ok
    });
    let target_relative_half_width = match doc.get("target_half_width_pct") {
        None => TARGET_RELATIVE_HALF_WIDTH,
        Some(v) => match v.as_float().or_else(|| v.as_integer().map(|i| i as f64)) {
            Some(x) if x.is_finite() && x > 0.0 && x < 100.0 => x / 100.0,
            _ => {
                p.push(
                    "target_half_width_pct",
                    v,
                    "must be a percentage above 0 and below 100 (the 95% interval half-width, as a share of the \
                     mean, that runs_needed aims for)",
                );
                TARGET_RELATIVE_HALF_WIDTH
            }
        },
    };
    let warmup_days = float(&mut p, "warmup_days", Some(0.0)).filter(|w| {
        validate::passes(&mut p, |p| {
            validate::non_negative(p, "warmup_days", *w);
        })
    });
    if let (Some(h), Some(w)) = (horizon_days, warmup_days)
        && (h - w) * (crate::time::MINUTES_PER_DAY as f64) < 1.0
    {
        // Within a minute of the horizon, the measured window rounds to nothing (and
        // every rate over it was NaN).
        p.push(
            "warmup_days",
            w,
            format!("must be shorter than horizon_days ({h}) by at least a minute, or nothing would be measured"),
        );
    }

    // The base model.
    let model_table: toml::Table =
        doc.iter().filter(|(k, _)| MODEL_KEYS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    // The cohort's intercepts, solved once for the base model and every scenario sharing them.
    let mut solved = crate::cohort::SolveCache::default();
    let base_model = raw_model(&model_table, &mut p).and_then(|raw| {
        for c in cycles::zero_time_cycles(&raw) {
            p.push(c.key, "", c.reason);
        }
        validate::model(&mut p, &raw, &mut solved)
    });
    let base_problems: Vec<Problem> = p.0.clone();
    for pr in p.0.drain(..) {
        issues.push(issue(&locate(&pr.key, origins), pr.key, pr.value, pr.reason));
    }

    // Scenarios.
    let mut scenarios = Vec::new();
    let raw_scenarios: Vec<toml::Value> = match doc.get("scenarios") {
        None => Vec::new(),
        Some(toml::Value::Array(a)) => a.clone(),
        Some(v) => {
            issues.push(issue(
                &locate("scenarios", origins),
                "scenarios",
                v.to_string(),
                "must be an array of tables: [[scenarios]] name = \"...\"",
            ));
            Vec::new()
        }
    };
    if raw_scenarios.is_empty()
        && let Some(model) = &base_model
    {
        scenarios.push(Scenario { name: "baseline".into(), description: String::new(), model: model.clone() });
    }
    let mut names: Vec<String> = Vec::new();
    for (i, value) in raw_scenarios.into_iter().enumerate() {
        let file = locate("scenarios", origins);
        let toml::Value::Table(mut t) = value else {
            issues.push(issue(&file, format!("scenarios[{i}]"), "", "must be a table with at least a name"));
            continue;
        };
        let name = match t.remove("name") {
            Some(toml::Value::String(s)) if is_valid_name(&s) => s,
            Some(v) => {
                issues.push(issue(
                    &file,
                    format!("scenarios[{i}].name"),
                    v.to_string(),
                    "must be a non-empty name of at most 64 letters, digits, _ and - (it names output folders)",
                ));
                continue;
            }
            None => {
                issues.push(issue(&file, format!("scenarios[{i}].name"), "", "is required"));
                continue;
            }
        };
        if names.contains(&name) {
            issues.push(issue(
                &file,
                format!("scenarios.{name}"),
                "",
                "is defined twice; scenario names must be unique",
            ));
            continue;
        }
        names.push(name.clone());
        let description = match t.remove("description") {
            Some(toml::Value::String(s)) => s,
            None => String::new(),
            Some(v) => {
                issues.push(issue(&file, format!("scenarios.{name}.description"), v.to_string(), "must be a string"));
                String::new()
            }
        };
        let mut bad_key = false;
        for k in t.keys() {
            if !MODEL_KEYS.contains(&k.as_str()) {
                bad_key = true;
                issues.push(issue(
                    &file,
                    format!("scenarios.{name}.{k}"),
                    "",
                    format!("scenarios may set name, description and model keys ({}) only", MODEL_KEYS.join(", ")),
                ));
            }
        }
        if bad_key {
            continue;
        }
        // An override of a pool, stream, pathway or step the model does not have would
        // create an empty one and change nothing meant.
        let unknown = names::unknown_names(&model_table, &t);
        for u in &unknown {
            issues.push(issue(&file, format!("scenarios.{name}.{}", u.key), "", u.reason.clone()));
        }
        if !unknown.is_empty() {
            continue;
        }
        let mut override_paths = Vec::new();
        for (k, v) in &t {
            leaf_keys(k, v, &mut override_paths);
        }
        let mut merged = model_table.clone();
        merge(&mut merged, t);
        let mut sp = Problems::default();
        let model = raw_model(&merged, &mut sp).and_then(|raw| {
            for c in cycles::zero_time_cycles(&raw) {
                sp.push(c.key, "", c.reason);
            }
            validate::model(&mut sp, &raw, &mut solved)
        });
        for pr in sp.0 {
            // Problems already reported for the base model are not the scenario's.
            let touches = override_paths.iter().any(|o| is_within(&pr.key, o) || is_within(o, &pr.key));
            if touches || !base_problems.contains(&pr) {
                issues.push(issue(&file, format!("scenarios.{name}.{}", pr.key), pr.value, pr.reason));
            }
        }
        if let Some(model) = model {
            scenarios.push(Scenario { name, description, model });
        }
    }

    if !issues.is_empty() {
        return Err(ConfigError { issues });
    }
    let (Some(seed), Some(replications), Some(horizon_days), Some(warmup_days)) =
        (seed, replications, horizon_days, warmup_days)
    else {
        return Err(ConfigError { issues: vec![issue(path, "(settings)", "", "invalid experiment settings")] });
    };
    let resolved_toml = toml::to_string(&doc).unwrap_or_default();
    let config_hash = fnv1a_hex(&resolved_toml);
    Ok(ExperimentPlan {
        source: path.to_path_buf(),
        seed,
        replications,
        horizon_days,
        warmup_days,
        scenarios,
        resolved_toml,
        config_hash,
        samples: 1,
        target_relative_half_width,
        parameters: psa::Parameters::default(),
        sample_source: None,
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_touch_the_keys_they_set_and_those_beneath_or_above() {
        assert!(is_within("payment.tariff.mret_rate", "payment.tariff.mret_rate"));
        assert!(is_within("payment.blocks[0].services", "payment.blocks"));
        assert!(is_within("pools.acute.capacity", "pools.acute"));
        assert!(!is_within("payment.pool_size", "payment.pool"));
        assert!(!is_within("payment.tariff", "payment.tariff.mret_rate"));
        let table: toml::Table =
            "[payment.year_of_care]\nenabled = true\nscope = [\"home_care\"]\n".parse().expect("toml");
        let mut leaves = Vec::new();
        for (k, v) in &table {
            leaf_keys(k, v, &mut leaves);
        }
        assert_eq!(leaves, ["payment.year_of_care.enabled", "payment.year_of_care.scope"]);
    }

    #[test]
    fn the_runs_needed_target_is_a_percentage_defaulting_to_five() {
        let base = "seed = 1\nreplications = 2\nhorizon_days = 10\n[pools.a]\ncapacity = 1\n";
        let load = |extra: &str| load_resolved(Path::new("t.toml"), &format!("{extra}\n{base}"));
        let plan = |extra: &str| load(extra).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan("").target_relative_half_width, 0.05);
        assert_eq!(plan("target_half_width_pct = 10").target_relative_half_width, 0.1);
        assert_eq!(plan("target_half_width_pct = 2.5").target_relative_half_width, 0.025);
        for bad in ["0", "100", "-1", "\"five\""] {
            let e = load(&format!("target_half_width_pct = {bad}")).expect_err(bad);
            assert!(e.issues.iter().any(|i| i.key == "target_half_width_pct"), "{bad}: {e}");
        }
    }
}
