//! The documentation points at things that exist: every `src/` path named in the README
//! and `docs/` is a file or folder of the repository, and every source key a shipped
//! config cites (`[KEY]`) has its citation in `docs/sources.md`.

use crate::common::root;
use std::collections::BTreeSet;

/// The Markdown files a reader follows: the README and `docs/*.md`.
fn markdown() -> Vec<(String, String)> {
    let mut files = vec![root().join("README.md")];
    let docs = std::fs::read_dir(root().join("docs")).expect("docs/");
    files.extend(docs.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "md")));
    files.sort();
    files.into_iter().map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("read markdown"))).collect()
}

/// The shipped configs, `configs/**/*.toml`.
fn configs(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("configs/").flatten() {
        let p = entry.path();
        if p.is_dir() {
            configs(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push((p.display().to_string(), std::fs::read_to_string(&p).expect("read config")));
        }
    }
}

#[test]
fn every_src_path_the_docs_name_exists() {
    let mut missing = Vec::new();
    for (file, text) in markdown() {
        for quoted in text.split('`').skip(1).step_by(2) {
            let path = quoted.split_whitespace().next().unwrap_or("");
            if path.starts_with("src/") && !path.contains('*') && !root().join(path).exists() {
                missing.push(format!("{file}: {path}"));
            }
        }
    }
    assert!(missing.is_empty(), "paths named in the docs that do not exist:\n{}", missing.join("\n"));
}

/// A source key: capitals and digits in hyphen-joined parts, the first all capitals
/// (`NAO-2013`, `HSJ-BEDS-2017`, `SEEDS`), not a section number or a plain word.
fn is_key(word: &str) -> bool {
    let mut parts = word.split('-');
    let first = parts.next().unwrap_or("");
    let capitals = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    first.len() >= 2
        && first.chars().all(|c| c.is_ascii_uppercase())
        && parts.all(|p| !p.is_empty() && (capitals(p) || p.chars().all(|c| c.is_ascii_alphanumeric())))
        && (word.contains('-') || first.len() >= 4)
}

#[test]
fn every_source_key_a_config_cites_has_a_citation() {
    let sources = std::fs::read_to_string(root().join("docs/sources.md")).expect("docs/sources.md");
    let listed: BTreeSet<&str> =
        sources.lines().filter_map(|l| l.strip_prefix("| ")).filter_map(|l| l.split(" |").next()).collect();
    let mut files = Vec::new();
    configs(&root().join("configs"), &mut files);
    assert!(files.len() >= 5, "shipped configs found: {}", files.len());
    let mut cited = 0;
    let mut missing = BTreeSet::new();
    for (file, text) in &files {
        for bracket in text.split('[').skip(1).filter_map(|s| s.split_once(']').map(|(inside, _)| inside)) {
            for word in bracket.split([',', ' ', ';']).filter(|w| is_key(w)) {
                // `[KEY]` in a header explains the notation.
                if word == "KEY" {
                    continue;
                }
                cited += 1;
                if !listed.contains(word) {
                    missing.insert(format!("{file}: [{word}]"));
                }
            }
        }
    }
    assert!(cited > 100, "keys cited: {cited}");
    assert!(missing.is_empty(), "keys cited in configs with no row in docs/sources.md:\n{missing:#?}");
}
