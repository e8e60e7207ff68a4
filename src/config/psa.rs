//! Probabilistic sensitivity analysis (PSA) and parameter sweeps.
//!
//! Any numeric model value may be written as a **parameter distribution** instead of a
//! number, e.g. `rate_per_day = { dist = "gamma", mean = 30, sd = 3 }`, or as a **sweep**
//! over listed values, `capacity = { dist = "sweep", values = [200, 250, 300] }`.
//! `samples = N` (top level, default 1) draws N parameter sets; sweeps multiply them
//! (full factorial, the last sweep key varying fastest, then the N draws), so the
//! experiment grid is scenario x sample x replication with
//! `samples x product(number of sweep values)` samples.
//!
//! Draws come from [`Purpose::Parameters`] streams keyed by `(seed, sample, entity)`
//! with replication 0 and `entity` a hash of the parameter's dotted model key (e.g.
//! `pools.acute.capacity`), so all scenarios see the same draw for the same key, and
//! adding a parameter shifts no other parameter's draws. A scenario that overrides a
//! value with its own distribution or number uses its own.
//!
//! Parameter tables are told apart from duration distributions by their keys: duration
//! tables use `mean_days`, `sd_days` and `days`; parameter tables use `mean`, `sd`,
//! `min`, `max`, `mode`, `alpha`, `beta` and `values`. They are resolved to plain
//! numbers in the TOML tree, per sample, *before* the model is deserialized, so every
//! rule of the model (ranges, routing sums, types) applies to drawn values too.

use super::{ConfigError, ConfigIssue, EXPERIMENT_KEYS, ExperimentPlan, Origins, issue, plan_from_doc};
use crate::config::Model;
use crate::rng::{Purpose, StreamKey};
use rand::RngExt;
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Normal, Triangular};
use std::path::Path;

/// Keys that mark a table as a parameter distribution (as opposed to a duration).
pub const PARAMETER_KEYS: [&str; 8] = ["mean", "sd", "min", "max", "mode", "alpha", "beta", "values"];

/// The `dist` names of parameter distributions.
pub const PARAMETER_DISTS: [&str; 7] = ["beta", "normal", "lognormal", "gamma", "uniform", "triangular", "sweep"];

/// Most samples one experiment may have (after sweeps multiply them).
pub const MAX_SAMPLES: u64 = 1_000_000;

/// A validated parameter distribution.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamDist {
    /// Beta with shape parameters `alpha`, `beta` (given directly or from mean and sd).
    Beta {
        /// First shape parameter (> 0).
        alpha: f64,
        /// Second shape parameter (> 0).
        beta: f64,
    },
    /// Normal with a mean and sd.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
    /// Lognormal parameterised by its own mean and sd (both > 0).
    LogNormal {
        /// Mean of the value.
        mean: f64,
        /// Standard deviation of the value.
        sd: f64,
    },
    /// Gamma parameterised by its mean and sd (both > 0).
    Gamma {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Uniform on `[min, max)`.
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end (> min).
        max: f64,
    },
    /// Triangular on `[min, max]` with its peak at `mode`.
    Triangular {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end (> min).
        max: f64,
    },
}

impl ParamDist {
    /// The `dist` name as written in configs.
    pub fn name(&self) -> &'static str {
        match self {
            ParamDist::Beta { .. } => "beta",
            ParamDist::Normal { .. } => "normal",
            ParamDist::LogNormal { .. } => "lognormal",
            ParamDist::Gamma { .. } => "gamma",
            ParamDist::Uniform { .. } => "uniform",
            ParamDist::Triangular { .. } => "triangular",
        }
    }

    /// One draw from the stream of `(master_seed, sample, entity)`: the first value of
    /// that stream, so a parameter's draw depends on nothing else.
    pub fn draw(&self, master_seed: u64, sample: u32, entity: u64) -> f64 {
        let mut rng = StreamKey { master_seed, sample, replication: 0, purpose: Purpose::Parameters, entity }.rng();
        // Parameters are validated, so the constructors succeed; NaN would be caught by
        // the model's own validation of the drawn value.
        match *self {
            ParamDist::Beta { alpha, beta } => Beta::new(alpha, beta).map_or(f64::NAN, |d| d.sample(&mut rng)),
            ParamDist::Normal { mean, sd } => Normal::new(mean, sd).map_or(f64::NAN, |d| d.sample(&mut rng)),
            ParamDist::LogNormal { mean, sd } => {
                let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
                LogNormal::new(mean.ln() - sigma2 / 2.0, sigma2.sqrt()).map_or(f64::NAN, |d| d.sample(&mut rng))
            }
            ParamDist::Gamma { mean, sd } => {
                Gamma::new((mean / sd).powi(2), sd * sd / mean).map_or(f64::NAN, |d| d.sample(&mut rng))
            }
            ParamDist::Uniform { min, max } => {
                let u: f64 = rng.random();
                min + u * (max - min)
            }
            ParamDist::Triangular { min, mode, max } => {
                Triangular::new(min, max, mode).map_or(f64::NAN, |d| d.sample(&mut rng))
            }
        }
    }
}

/// How one parameter varies.
#[derive(Clone, Debug, PartialEq)]
pub enum Variation {
    /// A fresh draw per sample.
    Draw(ParamDist),
    /// One of the listed values per sweep point (numbers, kept as written: integers stay
    /// integers, so a capacity can be swept).
    Sweep(Vec<toml::Value>),
}

impl Variation {
    /// The `dist` name as written in configs.
    pub fn name(&self) -> &'static str {
        match self {
            Variation::Draw(d) => d.name(),
            Variation::Sweep(_) => "sweep",
        }
    }
}

/// One varied parameter, where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct VariedParameter {
    /// Dotted key within the model, e.g. `arrivals.emergency.rate_per_day` (the stream
    /// entity is a hash of it, shared by all scenarios).
    pub key: String,
    /// `None` for the base model, or the index of the scenario whose override holds it.
    pub scenario: Option<usize>,
    /// How it varies.
    pub variation: Variation,
}

/// The varied parameters of a plan and the value of each in every sample.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parameters {
    /// Every distribution and sweep: base model first (in key order), then each
    /// scenario's.
    pub varied: Vec<VariedParameter>,
    /// `values[sample][i]`: the value of `varied[i]` in that sample.
    pub values: Vec<Vec<f64>>,
    /// `applies[scenario]`: indices into `varied` of the parameters in effect in that
    /// scenario (the base's, less those the scenario overrides, plus its own).
    pub applies: Vec<Vec<usize>>,
}

impl Parameters {
    /// True when nothing varies.
    pub fn is_empty(&self) -> bool {
        self.varied.is_empty()
    }
}

/// The stream entity of a parameter: FNV-1a 64 of its dotted model key.
pub fn entity_of(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// True when `t` is written as a parameter distribution or sweep (not a duration).
pub fn is_parameter_table(t: &toml::Table) -> bool {
    let Some(dist) = t.get("dist") else { return false };
    let named = dist.as_str().is_some_and(|d| matches!(d, "beta" | "normal" | "uniform" | "triangular" | "sweep"));
    named || t.keys().any(|k| PARAMETER_KEYS.contains(&k.as_str()))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// Finds parameter tables under `value`: `(model key, table)`.
fn find<'a>(value: &'a toml::Value, path: &str, out: &mut Vec<(String, &'a toml::Table)>) {
    match value {
        toml::Value::Table(t) if is_parameter_table(t) => out.push((path.to_string(), t)),
        toml::Value::Table(t) => {
            for (k, v) in t {
                find(v, &join(path, k), out);
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                find(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Replaces parameter tables under `value` by `with(model key)`.
fn replace(value: &mut toml::Value, path: &str, with: &dyn Fn(&str) -> Option<toml::Value>) {
    match value {
        toml::Value::Table(t) if is_parameter_table(t) => {
            if let Some(v) = with(path) {
                *value = v;
            }
        }
        toml::Value::Table(t) => {
            for (k, v) in t.iter_mut() {
                replace(v, &join(path, k), with);
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter_mut().enumerate() {
                replace(v, &format!("{path}[{i}]"), with);
            }
        }
        _ => {}
    }
}

/// Model paths a scenario override replaces (as [`super::merge`] does): leaves, tables
/// holding `dist`, and calendars.
fn replaced_paths(t: &toml::Table, path: &str, out: &mut Vec<String>) {
    for (k, v) in t {
        let p = join(path, k);
        match v {
            toml::Value::Table(inner) if !inner.contains_key("dist") && k != "calendar" => {
                replaced_paths(inner, &p, out)
            }
            _ => out.push(p),
        }
    }
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(f) => Some(*f),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// Validates one parameter table; problems are `(field suffix, value, reason)`.
fn parse(t: &toml::Table) -> Result<Variation, Vec<(String, String, String)>> {
    let mut problems: Vec<(String, String, String)> = Vec::new();
    let dist = match t.get("dist").and_then(toml::Value::as_str) {
        Some(d) if PARAMETER_DISTS.contains(&d) => d,
        other => {
            return Err(vec![(
                ".dist".into(),
                other.map(|d| format!("{d:?}")).unwrap_or_else(|| t["dist"].to_string()),
                format!(
                    "not a parameter distribution; expected one of {} (with mean, sd, min, max, mode, alpha, \
                     beta or values), or a duration distribution written with mean_days, sd_days or days",
                    PARAMETER_DISTS.join(", ")
                ),
            )]);
        }
    };
    let allowed: &[&str] = match dist {
        "beta" => &["mean", "sd", "alpha", "beta"],
        "normal" | "lognormal" | "gamma" => &["mean", "sd"],
        "uniform" => &["min", "max"],
        "triangular" => &["min", "mode", "max"],
        _ => &["values"],
    };
    for k in t.keys().filter(|k| *k != "dist" && !allowed.contains(&k.as_str())) {
        problems.push((
            format!(".{k}"),
            t[k].to_string(),
            format!("unknown key for dist = {dist:?}; expected {}", allowed.join(", ")),
        ));
    }
    let get = |k: &str, problems: &mut Vec<(String, String, String)>| -> Option<f64> {
        match t.get(k) {
            None => None,
            Some(v) => match number(v).filter(|x| x.is_finite()) {
                Some(x) => Some(x),
                None => {
                    problems.push((format!(".{k}"), v.to_string(), "must be a finite number".into()));
                    None
                }
            },
        }
    };
    let need = |k: &str, problems: &mut Vec<(String, String, String)>| -> Option<f64> {
        let v = get(k, problems);
        if v.is_none() && !t.contains_key(k) {
            problems.push((format!(".{k}"), String::new(), format!("is required for dist = {dist:?}")));
        }
        v
    };
    let positive = |k: &str, v: Option<f64>, problems: &mut Vec<(String, String, String)>| -> Option<f64> {
        match v {
            Some(x) if x > 0.0 => Some(x),
            Some(x) => {
                problems.push((format!(".{k}"), x.to_string(), "must be greater than 0".into()));
                None
            }
            None => None,
        }
    };
    let variation = match dist {
        "beta" if t.contains_key("alpha") || t.contains_key("beta") => {
            if t.contains_key("mean") || t.contains_key("sd") {
                problems.push((
                    String::new(),
                    String::new(),
                    "give a beta distribution either mean and sd, or alpha and beta, not both".into(),
                ));
            }
            let a = positive("alpha", need("alpha", &mut problems), &mut problems);
            let b = positive("beta", need("beta", &mut problems), &mut problems);
            a.zip(b).map(|(alpha, beta)| Variation::Draw(ParamDist::Beta { alpha, beta }))
        }
        "beta" => {
            let m = need("mean", &mut problems);
            let s = positive("sd", need("sd", &mut problems), &mut problems);
            match (m, s) {
                (Some(m), Some(s)) if m > 0.0 && m < 1.0 && s * s < m * (1.0 - m) => {
                    let k = m * (1.0 - m) / (s * s) - 1.0;
                    Some(Variation::Draw(ParamDist::Beta { alpha: m * k, beta: (1.0 - m) * k }))
                }
                (Some(m), Some(s)) => {
                    problems.push((
                        String::new(),
                        format!("mean = {m}, sd = {s}"),
                        "a beta distribution needs 0 < mean < 1 and sd^2 < mean x (1 - mean)".into(),
                    ));
                    None
                }
                _ => None,
            }
        }
        "normal" => {
            let m = need("mean", &mut problems);
            let s = positive("sd", need("sd", &mut problems), &mut problems);
            m.zip(s).map(|(mean, sd)| Variation::Draw(ParamDist::Normal { mean, sd }))
        }
        "lognormal" | "gamma" => {
            let m = positive("mean", need("mean", &mut problems), &mut problems);
            let s = positive("sd", need("sd", &mut problems), &mut problems);
            m.zip(s).map(|(mean, sd)| {
                Variation::Draw(if dist == "gamma" {
                    ParamDist::Gamma { mean, sd }
                } else {
                    ParamDist::LogNormal { mean, sd }
                })
            })
        }
        "uniform" => match (need("min", &mut problems), need("max", &mut problems)) {
            (Some(min), Some(max)) if min < max => Some(Variation::Draw(ParamDist::Uniform { min, max })),
            (Some(min), Some(max)) => {
                problems.push((".max".into(), max.to_string(), format!("must be greater than min ({min})")));
                None
            }
            _ => None,
        },
        "triangular" => match (need("min", &mut problems), need("mode", &mut problems), need("max", &mut problems)) {
            (Some(min), Some(mode), Some(max)) if min < max && min <= mode && mode <= max => {
                Some(Variation::Draw(ParamDist::Triangular { min, mode, max }))
            }
            (Some(min), Some(mode), Some(max)) => {
                problems.push((
                    String::new(),
                    format!("min = {min}, mode = {mode}, max = {max}"),
                    "a triangular distribution needs min <= mode <= max and min < max".into(),
                ));
                None
            }
            _ => None,
        },
        _ => match t.get("values") {
            Some(toml::Value::Array(a)) if !a.is_empty() && a.iter().all(|v| number(v).is_some_and(f64::is_finite)) => {
                Some(Variation::Sweep(a.clone()))
            }
            Some(v) => {
                problems.push((".values".into(), v.to_string(), "must be a non-empty array of finite numbers".into()));
                None
            }
            None => {
                problems.push((".values".into(), String::new(), "is required for dist = \"sweep\"".into()));
                None
            }
        },
    };
    match variation {
        Some(v) if problems.is_empty() => Ok(v),
        _ => Err(problems),
    }
}

/// Turns a merged config document (with `--set` applied) into a plan: finds and
/// validates parameter distributions and sweeps, resolves them to numbers for every
/// sample, and validates the model of every sample.
pub(super) fn load_sampled(
    path: &Path,
    doc: toml::Table,
    origins: &Origins,
    mut issues: Vec<ConfigIssue>,
) -> Result<ExperimentPlan, ConfigError> {
    let locate = |key: &str| origins.file_of(key, path);
    let earlier = issues.len();
    // `samples`: parameter sets per sweep point.
    let draws = match doc.get("samples") {
        None => 1,
        Some(toml::Value::Integer(n)) if *n >= 1 && (*n as u64) <= MAX_SAMPLES => *n as u64,
        Some(v) => {
            issues.push(issue(
                &locate("samples"),
                "samples",
                v.to_string(),
                format!("must be a whole number from 1 to {MAX_SAMPLES}"),
            ));
            1
        }
    };
    let seed = doc.get("seed").and_then(toml::Value::as_integer).map_or(0, |s| s as u64);

    // Every parameter table: base model, then scenario overrides.
    let mut found: Vec<(VariedParameter, String)> = Vec::new(); // (parameter, full dotted key for messages)
    let spec_issue = |full: &str, suffix: &str, value: String, reason: String, issues: &mut Vec<ConfigIssue>| {
        issues.push(issue(&locate(full), format!("{full}{suffix}"), value, reason));
    };
    for (k, v) in doc.iter().filter(|(k, _)| !EXPERIMENT_KEYS.contains(&k.as_str()) && k.as_str() != "samples") {
        let mut tables = Vec::new();
        find(v, k, &mut tables);
        for (key, t) in tables {
            match parse(t) {
                Ok(variation) => found.push((VariedParameter { key: key.clone(), scenario: None, variation }, key)),
                Err(ps) => ps.into_iter().for_each(|(s, v, r)| spec_issue(&key, &s, v, r, &mut issues)),
            }
        }
    }
    let mut scenario_overrides: Vec<Vec<String>> = Vec::new();
    if let Some(toml::Value::Array(scenarios)) = doc.get("scenarios") {
        for (i, s) in scenarios.iter().enumerate() {
            let Some(t) = s.as_table() else { continue };
            let name = t.get("name").and_then(toml::Value::as_str).map_or(format!("[{i}]"), |n| format!(".{n}"));
            let mut paths = Vec::new();
            for (k, v) in t.iter().filter(|(k, _)| *k != "name" && *k != "description") {
                if let toml::Value::Table(inner) = v {
                    replaced_paths(inner, k, &mut paths);
                } else {
                    paths.push(k.clone());
                }
                let mut tables = Vec::new();
                find(v, k, &mut tables);
                for (key, t) in tables {
                    let full = format!("scenarios{name}.{key}");
                    match parse(t) {
                        Ok(Variation::Sweep(_)) => spec_issue(
                            &full,
                            "",
                            String::new(),
                            "sweeps belong to the base model (they set the number of samples, which all scenarios \
                             share); use a distribution, a number, or another scenario"
                                .into(),
                            &mut issues,
                        ),
                        Ok(variation) => found.push((VariedParameter { key, scenario: Some(i), variation }, full)),
                        Err(ps) => ps.into_iter().for_each(|(s, v, r)| spec_issue(&full, &s, v, r, &mut issues)),
                    }
                }
            }
            scenario_overrides.push(paths);
        }
    }

    // Sweep points: full factorial over the base sweeps, last key fastest.
    let sweeps: Vec<(usize, usize)> = found
        .iter()
        .enumerate()
        .filter_map(|(i, (p, _))| match &p.variation {
            Variation::Sweep(v) => Some((i, v.len())),
            Variation::Draw(_) => None,
        })
        .collect();
    let points = sweeps.iter().try_fold(1u64, |acc, (_, n)| acc.checked_mul(*n as u64));
    let total = points.and_then(|p| p.checked_mul(draws)).filter(|t| *t <= MAX_SAMPLES);
    let Some(total) = total else {
        issues.push(issue(
            &locate("samples"),
            "samples",
            draws.to_string(),
            format!("samples x sweep points is more than {MAX_SAMPLES} parameter sets"),
        ));
        return Err(ConfigError { issues });
    };
    if issues.len() > earlier {
        return Err(ConfigError { issues });
    }
    let unresolved_toml = toml::to_string(&doc).unwrap_or_default();

    // Values of every parameter in every sample.
    let value_of = |sample: u64, i: usize| -> toml::Value {
        match &found[i].0.variation {
            Variation::Draw(d) => toml::Value::Float(d.draw(seed, sample as u32, entity_of(&found[i].0.key))),
            Variation::Sweep(values) => {
                let mut point = sample / draws;
                let mut pick = 0;
                for (j, n) in sweeps.iter().rev() {
                    let digit = (point % *n as u64) as usize;
                    point /= *n as u64;
                    if *j == i {
                        pick = digit;
                    }
                }
                values[pick].clone()
            }
        }
    };
    let mut plan: Option<ExperimentPlan> = None;
    let mut sample_models: Vec<Vec<Model>> = Vec::new();
    let mut values: Vec<Vec<f64>> = Vec::new();
    for sample in 0..total {
        let row: Vec<toml::Value> = (0..found.len()).map(|i| value_of(sample, i)).collect();
        let mut resolved = toml::Value::Table(doc.clone());
        if let toml::Value::Table(t) = &mut resolved {
            for (k, v) in t.iter_mut() {
                if k == "scenarios" {
                    if let toml::Value::Array(a) = v {
                        for (si, s) in a.iter_mut().enumerate() {
                            replace(s, "", &|key| {
                                found
                                    .iter()
                                    .position(|(p, _)| p.scenario == Some(si) && p.key == key)
                                    .map(|i| row[i].clone())
                            });
                        }
                    }
                } else if !EXPERIMENT_KEYS.contains(&k.as_str()) {
                    replace(v, k, &|key| {
                        found.iter().position(|(p, _)| p.scenario.is_none() && p.key == key).map(|i| row[i].clone())
                    });
                }
            }
        }
        let toml::Value::Table(resolved) = resolved else { unreachable!("a table stays a table") };
        match plan_from_doc(path, &resolved, origins, std::mem::take(&mut issues)) {
            Ok(p) => {
                if found.is_empty() {
                    // Nothing varies: every sample has the same model.
                    plan = Some(p);
                    break;
                }
                sample_models.push(p.scenarios.iter().map(|s| s.model.clone()).collect());
                values.push(row.iter().map(|v| number(v).unwrap_or(f64::NAN)).collect());
                plan.get_or_insert(p);
            }
            Err(mut e) => {
                // Say which sample's values are at fault (in sample 0, only for the
                // varied values: other problems are the file's own).
                for i in &mut e.issues {
                    let varied = found.iter().any(|(p, full)| i.key.starts_with(&p.key) || i.key.starts_with(full));
                    if sample > 0 || varied {
                        i.reason = format!("{} (with the values drawn for parameter sample {sample})", i.reason);
                    }
                }
                return Err(e);
            }
        }
    }
    let Some(mut plan) = plan else {
        return Err(ConfigError { issues: vec![issue(path, "samples", "", "no parameter sample could be built")] });
    };
    let applies = (0..plan.scenarios.len())
        .map(|s| {
            let overrides = scenario_overrides.get(s).map_or(&[][..], Vec::as_slice);
            found
                .iter()
                .enumerate()
                .filter(|(_, (p, _))| match p.scenario {
                    Some(ps) => ps == s,
                    None => !overrides.iter().any(|o| {
                        p.key == *o || p.key.starts_with(&format!("{o}.")) || p.key.starts_with(&format!("{o}["))
                    }),
                })
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    plan.samples = total as u32;
    plan.config_hash = super::fnv1a_hex(&unresolved_toml);
    plan.resolved_toml = unresolved_toml;
    plan.sample_models = sample_models;
    plan.parameters = Parameters { varied: found.into_iter().map(|(p, _)| p).collect::<Vec<_>>(), values, applies };
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().expect("toml")
    }

    #[test]
    fn tells_parameter_tables_from_durations() {
        assert!(is_parameter_table(&table("dist = \"beta\"\nmean = 0.3\nsd = 0.05")));
        assert!(is_parameter_table(&table("dist = \"gamma\"\nmean = 3.0\nsd = 1.0")));
        assert!(!is_parameter_table(&table("dist = \"gamma\"\nmean_days = 3.0\nsd_days = 1.0")));
        assert!(!is_parameter_table(&table("dist = \"exponential\"\nmean_days = 3.0")));
        assert!(!is_parameter_table(&table("capacity = 3")));
    }

    #[test]
    fn parses_and_rejects() {
        let beta = parse(&table("dist = \"beta\"\nmean = 0.3\nsd = 0.05")).expect("valid");
        let Variation::Draw(ParamDist::Beta { alpha, beta }) = beta else { panic!("{beta:?}") };
        assert!((alpha / (alpha + beta) - 0.3).abs() < 1e-12);
        assert!(parse(&table("dist = \"beta\"\nmean = 0.3\nsd = 0.6")).is_err());
        assert!(parse(&table("dist = \"uniform\"\nmin = 2\nmax = 1")).is_err());
        assert!(parse(&table("dist = \"normal\"\nmean = 1")).is_err());
        assert!(parse(&table("dist = \"normal\"\nmean = 1\nsd = 1\nmode = 2")).is_err());
        assert!(parse(&table("dist = \"sweep\"\nvalues = []")).is_err());
        assert!(parse(&table("dist = \"weibull\"\nmean = 1")).is_err());
        assert_eq!(
            parse(&table("dist = \"sweep\"\nvalues = [1, 2]")),
            Ok(Variation::Sweep(vec![toml::Value::Integer(1), toml::Value::Integer(2)]))
        );
    }

    /// Sample means of many draws (each from its own sample stream) agree with the
    /// distribution's mean within 5 standard errors.
    #[test]
    fn draws_have_the_stated_means() {
        let cases = [
            (ParamDist::Beta { alpha: 2.0, beta: 3.0 }, 0.4, 0.2),
            (ParamDist::Normal { mean: 5.0, sd: 2.0 }, 5.0, 2.0),
            (ParamDist::LogNormal { mean: 5.0, sd: 2.0 }, 5.0, 2.0),
            (ParamDist::Gamma { mean: 5.0, sd: 2.0 }, 5.0, 2.0),
            (ParamDist::Uniform { min: 1.0, max: 3.0 }, 2.0, (4.0f64 / 12.0).sqrt()),
            (ParamDist::Triangular { min: 0.0, mode: 1.0, max: 2.0 }, 1.0, (1.0f64 / 6.0).sqrt()),
        ];
        for (d, mean, sd) in cases {
            let n = 20_000;
            let m = (0..n).map(|s| d.draw(9, s, 77)).sum::<f64>() / n as f64;
            assert!((m - mean).abs() < 5.0 * sd / (n as f64).sqrt(), "{d:?}: {m} vs {mean}");
        }
        // Keyed: same key same value; another entity or sample another value.
        let d = ParamDist::Normal { mean: 0.0, sd: 1.0 };
        assert_eq!(d.draw(1, 2, 3), d.draw(1, 2, 3));
        assert_ne!(d.draw(1, 2, 3), d.draw(1, 2, 4));
        assert_ne!(d.draw(1, 2, 3), d.draw(1, 3, 3));
    }
}
