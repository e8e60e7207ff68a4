//! Every override names something real: a scenario or `--set` that changes a pool,
//! arrival stream, pathway or step the base model does not have would otherwise create
//! an empty one and change nothing the user meant, so it is an error with a "did you
//! mean" suggestion.

/// The named collections of a model and what one entry is called in messages.
const COLLECTIONS: [(&str, &str); 3] = [("pools", "pool"), ("arrivals", "arrival stream"), ("pathways", "pathway")];

/// The closest of `candidates` to `name`, when one is close enough to be a likely typo
/// or abbreviation (Jaro-Winkler similarity of at least 0.8, which favours a shared
/// beginning: `home_care` suggests `home_care_packages`).
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `; did you mean "x"?` or nothing, then the list of names there are.
fn hint(name: &str, what: &str, names: &[&str]) -> String {
    let suggestion =
        did_you_mean(name, names.iter().copied()).map_or(String::new(), |c| format!("; did you mean {c:?}?"));
    let listed = if names.is_empty() { "none".to_string() } else { names.join(", ") };
    format!("{suggestion} ({what}s: {listed})")
}

/// One override of a name the base does not define.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// Dotted key of the unknown name within the override (e.g. `pools.home_care`).
    pub key: String,
    /// Why, with a suggestion.
    pub reason: String,
}

fn keys(t: Option<&toml::Value>) -> Vec<&str> {
    t.and_then(toml::Value::as_table).map_or_else(Vec::new, |t| t.keys().map(String::as_str).collect())
}

/// The names `over` (a scenario's tables, or the tables a `--set` creates) uses that
/// `base` (the base model document) does not define: pools, arrival streams, pathways and
/// steps of existing pathways.
pub fn unknown_names(base: &toml::Table, over: &toml::Table) -> Vec<UnknownName> {
    let mut out = Vec::new();
    for (section, what) in COLLECTIONS {
        let Some(toml::Value::Table(entries)) = over.get(section) else { continue };
        let defined = keys(base.get(section));
        for (name, value) in entries {
            if !defined.contains(&name.as_str()) {
                out.push(UnknownName {
                    key: format!("{section}.{name}"),
                    reason: format!(
                        "no {what} named {name:?} in the model: an override changes what exists and cannot add one{}",
                        hint(name, what, &defined)
                    ),
                });
                continue;
            }
            if section != "pathways" {
                continue;
            }
            let Some(toml::Value::Table(steps)) = value.get("steps") else { continue };
            let pathway = base.get("pathways").and_then(|p| p.get(name));
            let defined_steps = keys(pathway.and_then(|p| p.get("steps")));
            for step in steps.keys() {
                if !defined_steps.contains(&step.as_str()) {
                    out.push(UnknownName {
                        key: format!("pathways.{name}.steps.{step}"),
                        reason: format!(
                            "pathway {name:?} has no step {step:?}: an override changes what exists and cannot add one{}",
                            hint(step, "step", &defined_steps)
                        ),
                    });
                }
            }
        }
    }
    out
}

/// The same check for one `--set` key (split into parts) against the document it is
/// applied to.
pub fn unknown_name_in_key(doc: &toml::Table, parts: &[&str]) -> Option<UnknownName> {
    if parts.len() < 3 {
        // `pools.x = ...` replaces or defines a whole entry: the model's own checks apply.
        return None;
    }
    let mut over = toml::Table::new();
    let mut cur = &mut over;
    for p in &parts[..parts.len().min(4)] {
        cur = cur
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .expect("built as tables");
    }
    unknown_names(doc, &over).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> toml::Table {
        text.parse().expect("test TOML")
    }

    const BASE: &str = r#"
        [pools.home_care_packages]
        capacity = 60
        [pools.acute]
        capacity = 10
        [arrivals.emergency]
        rate_per_day = 3.0
        pathway = "stay"
        [pathways.stay]
        start = "ward"
        steps.ward = { pool = "acute", stay = { dist = "fixed", days = 1 } }
    "#;

    #[test]
    fn unknown_pool_is_named_with_a_suggestion() {
        let found = unknown_names(&doc(BASE), &doc("pools.home_care.capacity = 66"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key, "pools.home_care");
        assert!(found[0].reason.contains("did you mean \"home_care_packages\"?"), "{}", found[0].reason);
        assert!(found[0].reason.contains("pools: acute, home_care_packages"), "{}", found[0].reason);
    }

    #[test]
    fn streams_pathways_and_steps_are_checked_and_real_names_pass() {
        let base = doc(BASE);
        assert!(
            unknown_names(&base, &doc("pools.acute.capacity = 9\narrivals.emergency.rate_per_day = 4.0")).is_empty()
        );
        let found = unknown_names(&base, &doc("arrivals.emergncy.rate_per_day = 4.0"));
        assert!(found[0].reason.contains("did you mean \"emergency\"?"), "{found:?}");
        let found = unknown_names(&base, &doc("pathways.stay.steps.wrd.priority = 1"));
        assert_eq!(found[0].key, "pathways.stay.steps.wrd");
        assert!(found[0].reason.contains("did you mean \"ward\"?"), "{found:?}");
        let found = unknown_names(&base, &doc("pathways.other.start = \"x\""));
        assert_eq!(found[0].key, "pathways.other");
        assert!(!found[0].reason.contains("did you mean"), "{found:?}");
        assert_eq!(
            unknown_name_in_key(&base, &["pools", "home_care", "capacity"]).map(|u| u.key),
            Some("pools.home_care".into())
        );
        assert_eq!(unknown_name_in_key(&base, &["pools", "acute", "capacity"]), None);
    }
}
