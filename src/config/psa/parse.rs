//! Parsing one parameter table (`{ dist = "gamma", mean = 30, sd = 3 }` or a sweep)
//! into a validated [`Variation`], every problem reported.

use super::dist::ParamDist;
use super::{PARAMETER_DISTS, PARAMETER_KEYS};
use crate::config::validate::Problems;

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

/// True when `t` is written as a parameter distribution or sweep (not a duration).
pub fn is_parameter_table(t: &toml::Table) -> bool {
    let Some(dist) = t.get("dist") else { return false };
    let named = dist.as_str().is_some_and(|d| matches!(d, "beta" | "normal" | "uniform" | "triangular" | "sweep"));
    named || t.keys().any(|k| PARAMETER_KEYS.contains(&k.as_str()))
}

pub(super) fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(f) => Some(*f),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// Validates one parameter table; each problem is keyed by its field suffix (`.sd`).
pub(super) fn parse(t: &toml::Table) -> Result<Variation, Problems> {
    let mut problems = Problems::default();
    let dist = match t.get("dist").and_then(toml::Value::as_str) {
        Some(d) if PARAMETER_DISTS.contains(&d) => d,
        other => {
            problems.push(
                ".dist",
                other.map(|d| format!("{d:?}")).unwrap_or_else(|| t["dist"].to_string()),
                format!(
                    "not a parameter distribution; expected one of {} (with mean, sd, min, max, mode, alpha, \
                     beta or values), or a duration distribution written with mean_days, sd_days or days",
                    PARAMETER_DISTS.join(", ")
                ),
            );
            return Err(problems);
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
        problems.push(
            format!(".{k}"),
            t[k].to_string(),
            format!("unknown key for dist = {dist:?}; expected {}", allowed.join(", ")),
        );
    }
    let get = |k: &str, problems: &mut Problems| -> Option<f64> {
        match t.get(k) {
            None => None,
            Some(v) => match number(v).filter(|x| x.is_finite()) {
                Some(x) => Some(x),
                None => {
                    problems.push(format!(".{k}"), v.to_string(), "must be a finite number");
                    None
                }
            },
        }
    };
    let need = |k: &str, problems: &mut Problems| -> Option<f64> {
        let v = get(k, problems);
        if v.is_none() && !t.contains_key(k) {
            problems.push(format!(".{k}"), String::new(), format!("is required for dist = {dist:?}"));
        }
        v
    };
    let positive = |k: &str, v: Option<f64>, problems: &mut Problems| -> Option<f64> {
        match v {
            Some(x) if x > 0.0 => Some(x),
            Some(x) => {
                problems.push(format!(".{k}"), x.to_string(), "must be greater than 0");
                None
            }
            None => None,
        }
    };
    let variation = match dist {
        "beta" if t.contains_key("alpha") || t.contains_key("beta") => {
            if t.contains_key("mean") || t.contains_key("sd") {
                problems.push(
                    String::new(),
                    String::new(),
                    "give a beta distribution either mean and sd, or alpha and beta, not both",
                );
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
                    problems.push(
                        String::new(),
                        format!("mean = {m}, sd = {s}"),
                        "a beta distribution needs 0 < mean < 1 and sd^2 < mean x (1 - mean)",
                    );
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
                problems.push(".max", max.to_string(), format!("must be greater than min ({min})"));
                None
            }
            _ => None,
        },
        "triangular" => match (need("min", &mut problems), need("mode", &mut problems), need("max", &mut problems)) {
            (Some(min), Some(mode), Some(max)) if min < max && min <= mode && mode <= max => {
                Some(Variation::Draw(ParamDist::Triangular { min, mode, max }))
            }
            (Some(min), Some(mode), Some(max)) => {
                problems.push(
                    String::new(),
                    format!("min = {min}, mode = {mode}, max = {max}"),
                    "a triangular distribution needs min <= mode <= max and min < max",
                );
                None
            }
            _ => None,
        },
        _ => match t.get("values") {
            Some(toml::Value::Array(a)) if !a.is_empty() && a.iter().all(|v| number(v).is_some_and(f64::is_finite)) => {
                Some(Variation::Sweep(a.clone()))
            }
            Some(v) => {
                problems.push(".values", v.to_string(), "must be a non-empty array of finite numbers");
                None
            }
            None => {
                problems.push(".values", String::new(), "is required for dist = \"sweep\"");
                None
            }
        },
    };
    match variation {
        Some(v) if problems.0.is_empty() => Ok(v),
        _ => Err(problems),
    }
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
}
