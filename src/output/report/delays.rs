//! Delayed days by reason and by responsible organisation (table `delays`): the mean
//! per run of each scenario (a run without delays counts as zero).

use super::ReportError;
use super::chart;
use super::html::{Page, num, text};
use super::manifest::Manifest;
use super::occupancy::scenarios_in;
use super::table::{Table, first_seen, runs_per_scenario};
use std::path::Path;

/// Writes the delays section.
pub(super) fn section(page: &mut Page, dir: &Path, m: &Manifest) -> Result<(), ReportError> {
    page.open("delays");
    let Some(t) = Table::read(dir, "delays")? else {
        page.missing("delays");
        page.close();
        return Ok(());
    };
    let runs = runs_per_scenario(dir, m)?;
    let scenario = t.strings("scenario")?;
    let days = t.numbers("delayed_days")?;
    let transfers = t.numbers("delayed_transfers")?;
    let scenarios = scenarios_in(m, &scenario);
    page.para(
        "Days people spent ready to move on but waiting for a place (delayed transfers of care), by the reason (the \
         pool awaited) and the organisation responsible, as the mean per run of each scenario.",
    );
    for (column, label) in [("reason", "reason"), ("responsible", "responsible organisation")] {
        let key = t.strings(column)?;
        let categories = first_seen(&key);
        let mut mean_days = vec![vec![0.0; scenarios.len()]; categories.len()];
        let mut mean_transfers = vec![vec![0.0; scenarios.len()]; categories.len()];
        for i in 0..key.len() {
            let (Some(c), Some(s)) =
                (categories.iter().position(|x| *x == key[i]), scenarios.iter().position(|x| *x == scenario[i]))
            else {
                continue;
            };
            let n = runs.get(&scenario[i]).copied().unwrap_or(1.0).max(1.0);
            if days[i].is_finite() {
                mean_days[c][s] += days[i] / n;
            }
            if transfers[i].is_finite() {
                mean_transfers[c][s] += transfers[i] / n;
            }
        }
        let title = format!("Delayed days per run by {label}");
        let svg = chart::grouped_bars(
            &title,
            "delayed days per run (mean across runs)",
            &categories,
            &scenarios,
            &mean_days,
        )?;
        page.chart(&svg, &title);
        let mut rows = Vec::new();
        for (c, name) in categories.iter().enumerate() {
            for (s, sname) in scenarios.iter().enumerate() {
                rows.push(vec![text(name), text(sname), num(mean_days[c][s]), num(mean_transfers[c][s])]);
            }
        }
        page.details_open(&format!("Table: delayed days and transfers per run by {label}"));
        page.table(&[label, "scenario", "delayed days per run", "delayed transfers per run"], &rows);
        page.details_close();
    }
    page.close();
    Ok(())
}
