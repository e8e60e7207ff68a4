//! The layer rule: every `crate::` path in the library's code names a module listed
//! before its own in the layer table of `src/lib.rs` (the one table; see the crate docs),
//! so no import cycle among the library's modules can come back.
//!
//! Test code (`#[cfg(test)]` items) and comments are not checked: a unit test may load a
//! config through a higher layer without the library depending on it.

use std::path::{Path, PathBuf};

/// The modules of the layer table in `lib`'s docs, lowest first.
fn layer_order(lib: &str) -> Vec<String> {
    let mut order = Vec::new();
    let mut in_table = false;
    for line in lib.lines() {
        let Some(doc) = line.strip_prefix("//!") else { continue };
        let doc = doc.trim();
        if doc.starts_with("| layer | modules |") {
            in_table = true;
            continue;
        }
        if !in_table || doc.starts_with("|---") {
            continue;
        }
        if !doc.starts_with('|') {
            break;
        }
        let modules = doc.split('|').nth(2).unwrap_or_default();
        // Each module is written in backticks, linked or not: [`time`] or `output`.
        for name in modules.split('`').skip(1).step_by(2) {
            order.push(name.to_string());
        }
    }
    order
}

/// The top-level modules `lib` declares (`pub mod x;`, feature-gated or not).
fn declared_modules(lib: &str) -> Vec<String> {
    lib.lines().filter_map(|l| l.trim().strip_prefix("pub mod ")?.strip_suffix(';').map(str::to_string)).collect()
}

/// The library's source, without comments and `#[cfg(test)]` items.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim() == "#[cfg(test)]" {
            let indent = &line[..line.len() - line.trim_start().len()];
            let next = lines.get(i + 1).copied().unwrap_or_default();
            if next.trim_end().ends_with(';') {
                i += 2;
                continue;
            }
            // Skip to the item's closing brace at the attribute's indentation.
            let close = format!("{indent}}}");
            i += 1;
            while i < lines.len() && lines[i] != close {
                i += 1;
            }
            i += 1;
            continue;
        }
        let code = line.split("//").next().unwrap_or_default();
        if !code.trim().is_empty() {
            out.push((i + 1, code.to_string()));
        }
        i += 1;
    }
    out
}

/// The top-level modules a line of code names through `crate::` (`crate::a::b`,
/// `crate::{a, b::c}`).
fn crate_modules(code: &str) -> Vec<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // e.g. `caresim_crate::`, not a path of this crate
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or_default();
            out.extend(group.split(',').map(|p| ident(p.trim())).filter(|s| !s.is_empty()));
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_scanner_sees_grouped_and_nested_paths_and_skips_tests() {
    assert_eq!(crate_modules("use crate::{flow, config::Model};"), ["flow", "config"]);
    assert_eq!(crate_modules("let x = crate::time::SimTime(0); my_crate::y"), ["time"]);
    let text = "use crate::a;\n#[cfg(test)]\nmod tests {\n    use crate::b;\n}\n// crate::c\nfn f() {}\n";
    let names: Vec<String> = code_lines(text).iter().flat_map(|(_, l)| crate_modules(l)).collect();
    assert_eq!(names, ["a"]);
    let lib = "//! | layer | modules | job |\n//! |---|---|---|\n//! | units | [`time`], [`money`] | x |\n//! | edges | `output` | y |\n//!\n";
    assert_eq!(layer_order(lib), ["time", "money", "output"]);
}

#[test]
fn every_crate_path_points_down_the_layer_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(root.join("lib.rs")).expect("src/lib.rs");
    let order = layer_order(&lib);
    let mut declared = declared_modules(&lib);
    let mut listed = order.clone();
    declared.sort();
    listed.sort();
    assert_eq!(listed, declared, "the layer table in src/lib.rs must list every top-level module exactly once");
    let rank = |m: &str| order.iter().position(|o| o == m);

    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let (mut checked, mut wrong) = (0usize, Vec::new());
    for file in files {
        let rel = file.strip_prefix(&root).expect("under src").to_string_lossy().replace('\\', "/");
        if rel == "lib.rs" || rel.starts_with("bin/") {
            continue; // the crate root declares the modules; the binary sits above them all
        }
        let first = rel.split('/').next().unwrap_or_default();
        let module = first.strip_suffix(".rs").unwrap_or(first);
        let Some(own) = rank(module) else { panic!("{rel}: module {module} is not in the layer table") };
        let text = std::fs::read_to_string(&file).expect("readable");
        for (line, code) in code_lines(&text) {
            for used in crate_modules(&code) {
                checked += 1;
                match rank(&used) {
                    Some(r) if r < own || used == module => {}
                    Some(_) => wrong.push(format!("src/{rel}:{line}: {module} uses {used}, a module at or above it")),
                    None => wrong.push(format!("src/{rel}:{line}: {used} is not in the layer table")),
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} crate:: paths found: is the scanner broken?");
    assert!(wrong.is_empty(), "layer rule broken (see the table in src/lib.rs):\n{}", wrong.join("\n"));
}
