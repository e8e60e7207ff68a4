//! The experiment grid of a config with parameter distributions and sweeps: the varied
//! parameters are found in the model tree, every sample's values drawn (sweeps
//! multiplied out, full factorial), substituted into the tree, and each sample's model
//! validated.

use super::MAX_SAMPLES;
use super::parse::{Variation, is_parameter_table, number, parse};
use crate::config::{
    ConfigError, ConfigIssue, EXPERIMENT_KEYS, ExperimentPlan, Model, Origins, fnv1a_hex, issue, plan_from_doc,
};
use std::path::Path;

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

/// Model paths a scenario override replaces (as [`crate::config::merge`] does): leaves, tables
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

/// Turns a merged config document (with `--set` applied) into a plan: finds and
/// validates parameter distributions and sweeps, resolves them to numbers for every
/// sample, and validates the model of every sample.
pub(in crate::config) fn load_sampled(
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
                Err(ps) => ps.0.into_iter().for_each(|pr| spec_issue(&key, &pr.key, pr.value, pr.reason, &mut issues)),
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
                        Err(ps) => {
                            ps.0.into_iter().for_each(|pr| spec_issue(&full, &pr.key, pr.value, pr.reason, &mut issues))
                        }
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
    plan.config_hash = fnv1a_hex(&unresolved_toml);
    plan.resolved_toml = unresolved_toml;
    plan.sample_models = sample_models;
    plan.parameters = Parameters { varied: found.into_iter().map(|(p, _)| p).collect::<Vec<_>>(), values, applies };
    Ok(plan)
}
