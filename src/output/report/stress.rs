//! The STRESS-DES description of the experiment (Monks et al. 2019, *Strengthening the
//! reporting of empirical simulation studies*), filled from the manifest: objectives
//! from the scenario descriptions, logic from the pathways and pools, experimentation
//! from the run settings, implementation from the software and generator.

use super::html::{Page, escape, num, text};
use super::manifest::Manifest;
use crate::output::TABLES;
use toml::Value;

/// A TOML value as short text (strings bare, tables as `key value` pairs).
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Table(t) => t.iter().map(|(k, v)| format!("{k} {}", show(v))).collect::<Vec<_>>().join(", "),
        Value::Array(a) => a.iter().map(show).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

/// Transitions `[{p, to}]` as "to p%, …".
fn transitions(v: &Value) -> String {
    let Some(list) = v.as_array() else { return show(v) };
    list.iter()
        .filter_map(Value::as_table)
        .map(|t| {
            let to = t.get("to").map_or_else(String::new, show);
            match t.get("p").and_then(|p| p.as_float().or_else(|| p.as_integer().map(|i| i as f64))) {
                Some(p) => format!("{to} {:.1}%", 100.0 * p),
                None => to,
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One step of a pathway in words.
fn step(name: &str, s: &toml::Table) -> String {
    let mut parts = vec![name.to_string()];
    if let Some(pool) = s.get("pool") {
        parts.push(format!("in {}", show(pool)));
    }
    if let Some(stay) = s.get("stay").and_then(Value::as_table) {
        let dist = stay.get("dist").map_or_else(|| "stay".to_string(), show);
        let rest: Vec<String> =
            stay.iter().filter(|(k, _)| *k != "dist").map(|(k, v)| format!("{k} {}", show(v))).collect();
        parts.push(format!("stay {dist} ({})", rest.join(", ")));
    }
    for (k, v) in s {
        match k.as_str() {
            "pool" | "stay" => {}
            "next" => parts.push(format!("then {}", transitions(v))),
            "next_by_frailty" => {
                if let Some(t) = v.as_table() {
                    for (band, v) in t {
                        parts.push(format!("then if {band}: {}", transitions(v)));
                    }
                }
            }
            other => parts.push(format!("{other} {}", show(v))),
        }
    }
    parts.join("; ")
}

/// Writes the STRESS-DES section.
pub(super) fn section(page: &mut Page, m: &Manifest) {
    page.open("stress-des");
    page.para(
        "The headings follow the STRESS-DES reporting checklist (Monks et al. 2019); every entry below is read from \
         this folder's manifest.toml, which holds the resolved config of the experiment.",
    );

    page.heading("1. Objectives");
    page.para(&format!(
        "Purpose: compare {} scenario(s) of patient flow and payment against the baseline scenario `{}` (the first), \
         with common random numbers so that each pair of runs differs only by the scenario.",
        m.scenarios.len(),
        m.scenarios.first().map_or("", String::as_str)
    ));
    let rows: Vec<Vec<(String, bool)>> = m.scenarios.iter().map(|s| vec![text(s), text(&m.description(s))]).collect();
    page.table(&["scenario", "description (experimentation aim)"], &rows);
    let outputs: Vec<&str> = TABLES.iter().copied().filter(|t| m.has_table(t)).collect();
    page.para(&format!("Model outputs in this folder (Parquet tables): {}.", outputs.join(", ")));

    page.heading("2. Logic");
    let pools = m.config.get("pools").and_then(Value::as_table);
    let rows: Vec<Vec<(String, bool)>> = pools
        .into_iter()
        .flatten()
        .map(|(name, p)| {
            let p = p.as_table();
            let field = |k: &str| p.and_then(|p| p.get(k)).map_or_else(String::new, show);
            vec![
                text(name),
                text(&field("capacity")),
                text(&field("setting")),
                text(&field("delay_reason")),
                text(&field("responsible")),
            ]
        })
        .collect();
    page.para("Components: resources (pools of finite capacity; a person ready to move on but waiting for a full pool stays where they are, a delayed transfer of care).");
    page.table(&["pool", "capacity", "setting", "delay reason", "responsible"], &rows);
    page.para(
        "Base model logic: the pathways (a person moves through the steps, holding a place in each step's pool).",
    );
    let mut rows = Vec::new();
    for (name, p) in m.config.get("pathways").and_then(Value::as_table).into_iter().flatten() {
        let Some(p) = p.as_table() else { continue };
        let start = p.get("start").map_or_else(String::new, show);
        let steps: Vec<String> = p
            .get("steps")
            .and_then(Value::as_table)
            .into_iter()
            .flatten()
            .map(|(k, s)| s.as_table().map_or_else(|| k.clone(), |s| step(k, s)))
            .collect();
        rows.push(vec![text(name), text(&start), text(&steps.join(" | "))]);
    }
    page.table(&["pathway", "start", "steps"], &rows);
    page.para("Scenario logic: each scenario's changes to the base config.");
    let rows: Vec<Vec<(String, bool)>> = m
        .config
        .get("scenarios")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table)
        .map(|s| {
            let name = s.get("name").map_or_else(String::new, show);
            let mut changes = s.clone();
            changes.remove("name");
            changes.remove("description");
            let changes = toml::to_string(&changes).unwrap_or_default();
            vec![text(&name), text(if changes.trim().is_empty() { "(none)" } else { changes.trim() })]
        })
        .collect();
    page.table(&["scenario", "changes (TOML)"], &rows);

    page.heading("3. Data");
    page.para(&format!(
        "Input parameters: the resolved config in manifest.toml (config file {}, hash {}); parameter sources are cited in the \
         config comments and docs/sources.md. Parameter samples (probabilistic sensitivity analysis): {}.",
        m.source, m.config_hash, m.samples
    ));

    page.heading("4. Experimentation");
    let rows = vec![
        vec![text("warm-up (days, discarded from statistics)"), num(m.warmup_days)],
        vec![text("run length (days, warm-up included)"), num(m.horizon_days)],
        vec![text("recorded period (days)"), num(m.horizon_days - m.warmup_days)],
        vec![text("replications per sample"), num(m.replications as f64)],
        vec![text("parameter samples"), num(m.samples as f64)],
        vec![text("runs per scenario"), num(m.runs_per_scenario())],
    ];
    page.table(&["setting", "value"], &rows);

    page.heading("5. Implementation");
    let rows = vec![
        vec![text("software"), text(&format!("caresim {}", m.version))],
        vec![text("master seed"), text(&m.seed.to_string())],
        vec![text("random number generator"), text(&m.generator)],
        vec![text("config hash"), text(&m.config_hash)],
    ];
    page.table(&["item", "value"], &rows);

    page.heading("6. Code access");
    page.para_html(&format!(
        "Rerun with <code>caresim run {} --out DIR</code> using caresim {}; the same config and seed give the same tables.",
        escape(&m.source),
        escape(&m.version)
    ));
    page.close();
}
