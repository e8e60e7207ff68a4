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
    let source = SampleSource { path: path.to_path_buf(), doc, origins: origins.clone(), found, sweeps, draws, seed };

    // Sample 0 is the plan (its models are the scenarios'); the others are checked
    // here and built again when a run needs them.
    let first = source.row(0);
    let mut plan = match plan_from_doc(path, &source.resolved(&first), origins, std::mem::take(&mut issues)) {
        Ok(p) => p,
        Err(mut e) => {
            // Only the varied values are the sample's: other problems are the file's own.
            for i in &mut e.issues {
                if source.names_varied(&i.key) {
                    i.reason = format!("{} (with the values drawn for parameter sample 0)", i.reason);
                }
            }
            return Err(e);
        }
    };
    let mut values: Vec<Vec<f64>> = Vec::new();
    if !source.found.is_empty() {
        values.reserve(total as usize);
        for sample in 0..total {
            values.push(source.row(sample).iter().map(|v| number(v).unwrap_or(f64::NAN)).collect());
        }
        source.check_samples(total, &values)?;
    }
    let found = &source.found;
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
    plan.parameters = Parameters { varied: found.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(), values, applies };
    if !source.found.is_empty() {
        plan.sample_source = Some(std::sync::Arc::new(source));
    }
    Ok(plan)
}

/// Grids of at most this many samples are checked sample by sample; larger ones at the
/// extremes of the values drawn ([`SampleSource`]).
pub const SAMPLES_CHECKED_ONE_BY_ONE: u64 = 1_000;

/// Up to this many varied parameters, a large grid is checked at the corners of the box
/// its values span (2^n configs); with more, sample by sample.
pub const MAX_PARAMETERS_CHECKED_AT_CORNERS: usize = 12;

/// Builds the config of any parameter sample: the merged config document, its varied
/// parameters and how the grid orders them. A plan keeps one so that a sample's models
/// are built when a run needs them, not all held at once.
///
/// Loading checks that every sample gives a valid config, in bounded memory (no
/// sample's models are kept). A grid of up to [`SAMPLES_CHECKED_ONE_BY_ONE`] samples, one
/// whose values are not all numbers, or one with more than
/// [`MAX_PARAMETERS_CHECKED_AT_CORNERS`] varied parameters is checked sample by sample. A
/// larger one is checked at the corners of the box its values span: every parameter at
/// the least or the greatest value drawn for it across the grid, in every combination.
/// Every rule a config value must meet is a range or a linear inequality between values
/// (a probability in [0, 1], shares summing to at most 1, ordered bounds), so the valid
/// values form a convex set: when every corner of the box is valid, so is every sample
/// inside it. A corner can fail where no sample does (values drawn independently rarely
/// meet at their extremes); the message says it is a corner and which values it took.
#[derive(Clone, Debug)]
pub struct SampleSource {
    path: std::path::PathBuf,
    doc: toml::Table,
    origins: Origins,
    /// Each varied parameter with its full dotted key (for messages).
    found: Vec<(VariedParameter, String)>,
    /// `(index into found, number of values)` of every sweep, in key order.
    sweeps: Vec<(usize, usize)>,
    /// Parameter sets per sweep point.
    draws: u64,
    seed: u64,
}

impl SampleSource {
    /// The value of parameter `i` in `sample`.
    fn value(&self, sample: u64, i: usize) -> toml::Value {
        match &self.found[i].0.variation {
            Variation::Draw(d) => toml::Value::Float(d.draw(self.seed, sample as u32, entity_of(&self.found[i].0.key))),
            Variation::Sweep(values) => {
                let mut point = sample / self.draws;
                let mut pick = 0;
                for (j, n) in self.sweeps.iter().rev() {
                    let digit = (point % *n as u64) as usize;
                    point /= *n as u64;
                    if *j == i {
                        pick = digit;
                    }
                }
                values[pick].clone()
            }
        }
    }

    /// Every varied parameter's value in `sample`.
    fn row(&self, sample: u64) -> Vec<toml::Value> {
        (0..self.found.len()).map(|i| self.value(sample, i)).collect()
    }

    /// True when an issue's key is (under) a varied parameter.
    fn names_varied(&self, key: &str) -> bool {
        self.found.iter().any(|(p, full)| key.starts_with(&p.key) || key.starts_with(full.as_str()))
    }

    /// The document with every parameter table replaced by its value in `row`.
    fn resolved(&self, row: &[toml::Value]) -> toml::Table {
        let found = &self.found;
        let mut resolved = self.doc.clone();
        for (k, v) in resolved.iter_mut() {
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
        resolved
    }

    /// The model of `scenario` in `sample`: the sample's config with that scenario alone
    /// in its `[[scenarios]]` list, so one model is built, not every scenario's (a
    /// scenario's model is the base model with its own keys merged in, whatever the
    /// other scenarios say).
    ///
    /// # Errors
    /// The sample's config does not validate, or it has no such scenario.
    pub fn model(&self, sample: u32, scenario: u16) -> Result<Model, ConfigError> {
        let row = self.row(sample as u64);
        let mut doc = self.resolved(&row);
        if let Some(toml::Value::Array(list)) = doc.get_mut("scenarios")
            && (scenario as usize) < list.len()
        {
            let one = list.swap_remove(scenario as usize);
            *list = vec![one];
        } else if scenario > 0 {
            return Err(ConfigError {
                issues: vec![issue(&self.path, "scenarios", "", format!("has no scenario {scenario}"))],
            });
        }
        let plan = plan_from_doc(&self.path, &doc, &self.origins, Vec::new())?;
        plan.scenarios.into_iter().next().map(|s| s.model).ok_or_else(|| ConfigError {
            issues: vec![issue(&self.path, "scenarios", "", format!("scenario {scenario} did not build"))],
        })
    }

    /// Checks samples `1..total` (see the type's documentation); `values` are the numbers
    /// of every sample's row.
    fn check_samples(&self, total: u64, values: &[Vec<f64>]) -> Result<(), ConfigError> {
        let n = self.found.len();
        let all_numbers = values.iter().all(|r| r.iter().all(|v| v.is_finite()));
        if total <= SAMPLES_CHECKED_ONE_BY_ONE || !all_numbers || n > MAX_PARAMETERS_CHECKED_AT_CORNERS {
            for sample in 1..total {
                self.check_row(&self.row(sample), &format!("with the values drawn for parameter sample {sample}"))?;
            }
            return Ok(());
        }
        // The sample holding the least and the greatest value of each parameter (its
        // value is then taken as written: a swept integer stays an integer).
        let mut low: Vec<(f64, u64)> = vec![(f64::INFINITY, 0); n];
        let mut high: Vec<(f64, u64)> = vec![(f64::NEG_INFINITY, 0); n];
        for (sample, row) in values.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                if *v < low[i].0 {
                    low[i] = (*v, sample as u64);
                }
                if *v > high[i].0 {
                    high[i] = (*v, sample as u64);
                }
            }
        }
        for corner in 0..(1u64 << n) {
            let row: Vec<toml::Value> = (0..n)
                .map(|i| {
                    let (_, sample) = if (corner >> i) & 1 == 1 { high[i] } else { low[i] };
                    self.value(sample, i)
                })
                .collect();
            let described: Vec<String> =
                self.found.iter().zip(&row).map(|((_, full), v)| format!("{full} = {v}")).collect();
            let context = format!(
                "at a corner of the values drawn across the {total} parameter samples: {}; each parameter at its \
                 least or greatest value (docs/config.md, parameter distributions)",
                described.join(", ")
            );
            self.check_row(&row, &context)?;
        }
        Ok(())
    }

    /// Validates the config with the values `row`, adding `context` to each problem's
    /// reason.
    fn check_row(&self, row: &[toml::Value], context: &str) -> Result<(), ConfigError> {
        plan_from_doc(&self.path, &self.resolved(row), &self.origins, Vec::new()).map(|_| ()).map_err(|mut e| {
            for i in &mut e.issues {
                i.reason = format!("{} ({context})", i.reason);
            }
            e
        })
    }
}
