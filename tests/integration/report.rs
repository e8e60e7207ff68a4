//! `caresim report DIR`: one HTML file with every section, an inline SVG per chart,
//! escaped user text, the same bytes on a rerun, and a note (not an error) for a table
//! the folder lacks.

use crate::common::{root, tempdir};
use std::process::Command;

fn caresim(args: &[&str], dir: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_caresim")).args(args).current_dir(dir).output().expect("run caresim");
    assert!(out.status.success(), "caresim {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The text of section `id` (from its opening tag to its end).
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<section id=\"{id}\">")).unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start..].find("</section>").expect("section end");
    &html[start..start + end]
}

#[test]
fn report_has_every_section_a_chart_per_figure_and_escaped_text() {
    let tmp = tempdir("report");
    // The small config with a description holding markup, which must come out escaped.
    let text = std::fs::read_to_string(root().join("configs/small.toml")).expect("small config");
    let marker = "description = \"episode tariff";
    assert!(text.contains(marker), "configs/small.toml changed: update this test");
    let text = text.replacen(marker, "description = \"<b>tariff & \\\"co\\\"</b> episode tariff", 1).replacen(
        "extends = \"default.toml\"",
        &format!("extends = {:?}", root().join("configs/default.toml").display().to_string()),
        1,
    );
    let config = tmp.join("small.toml");
    std::fs::write(&config, text).expect("write config");
    let out = tmp.join("out");
    caresim(&["run", "small.toml", "--replications", "2", "--out", "out"], &tmp);
    let stderr = caresim(&["report", "out"], &tmp);
    assert!(stderr.contains("report with"), "{stderr}");
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");

    assert!(html.starts_with("<!DOCTYPE html>"));
    for id in ["stress-des", "occupancy", "delays", "paired", "money", "calibration"] {
        section(&html, id);
    }
    // Every figure holds one inline SVG chart, and no table was missing in this folder.
    let figures = html.matches("<figure>").count();
    assert_eq!(html.matches("<svg").count(), figures);
    assert!(!html.contains("class=\"note\""), "no table should be missing");
    // One occupancy chart per pool of the config; two delay charts (reason, responsible).
    let manifest: toml::Table =
        std::fs::read_to_string(out.join("manifest.toml")).expect("manifest").parse().expect("toml");
    let pools = manifest["config"]["pools"].as_table().expect("pools").len();
    assert_eq!(section(&html, "occupancy").matches("<svg").count(), pools);
    assert_eq!(section(&html, "delays").matches("<svg").count(), 2);
    assert!(section(&html, "paired").matches("<svg").count() >= 3);
    assert_eq!(section(&html, "money").matches("<svg").count(), 2);
    // STRESS-DES entries from the manifest.
    let stress = section(&html, "stress-des");
    for needle in
        ["warm-up", "365", "730", "replications per sample", "emergency_admission", "community_capacity_uplift"]
    {
        assert!(stress.contains(needle), "STRESS-DES lacks {needle}");
    }
    assert!(stress.contains(&format!("caresim {}", env!("CARGO_PKG_VERSION"))));
    // The description's markup is escaped, never passed through.
    assert!(html.contains("&lt;b&gt;tariff &amp; &quot;co&quot;&lt;/b&gt;"));
    assert!(!html.contains("<b>tariff"));

    // Same folder, same bytes.
    caresim(&["report", "out", "--out", "again.html"], &tmp);
    assert_eq!(std::fs::read(tmp.join("again.html")).expect("again"), html.as_bytes());

    // A table missing from the folder is a note, not an error.
    std::fs::remove_dir_all(out.join("ledger")).expect("remove ledger");
    std::fs::remove_dir_all(out.join("calibration")).expect("remove calibration");
    caresim(&["report", "out", "--out", "partial.html"], &tmp);
    let partial = std::fs::read_to_string(tmp.join("partial.html")).expect("partial");
    assert!(section(&partial, "calibration").contains("Table <code>calibration</code> is not in this folder"));
    assert!(section(&partial, "money").contains("Table <code>ledger</code> is not in this folder"));
    assert_eq!(section(&partial, "money").matches("<svg").count(), 1, "org_year still charted");
}

#[test]
fn report_of_a_folder_without_manifest_is_a_clear_error() {
    let tmp = tempdir("report-empty");
    let out = Command::new(env!("CARGO_BIN_EXE_caresim")).args(["report"]).arg(&tmp).output().expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("manifest.toml"), "{stderr}");
}
