//! Money flows (tables `ledger` and `org_year`): payments from payer to payee and each
//! organisation's net income and surplus, in £ per run-year (the total over a
//! scenario's runs divided by its runs and by the years the table covers).

use super::ReportError;
use super::chart;
use super::html::{Page, num, text};
use super::manifest::Manifest;
use super::occupancy::scenarios_in;
use super::table::{Table, first_seen, runs_per_scenario};
use std::collections::BTreeSet;
use std::path::Path;

/// Totals per (category, scenario), divided by runs × years of each scenario.
fn per_run_year(
    categories: &[String],
    scenarios: &[String],
    keys: &[(String, String)],
    amounts: &[f64],
    years: &[f64],
    runs: &std::collections::BTreeMap<String, f64>,
) -> Vec<Vec<f64>> {
    let mut total = vec![vec![0.0; scenarios.len()]; categories.len()];
    let mut year_sets = vec![BTreeSet::new(); scenarios.len()];
    for i in 0..keys.len() {
        let (Some(c), Some(s)) =
            (categories.iter().position(|x| *x == keys[i].0), scenarios.iter().position(|x| *x == keys[i].1))
        else {
            continue;
        };
        if amounts[i].is_finite() {
            total[c][s] += amounts[i];
        }
        if years[i].is_finite() {
            year_sets[s].insert(years[i] as i64);
        }
    }
    for row in &mut total {
        for (s, v) in row.iter_mut().enumerate() {
            let n = runs.get(&scenarios[s]).copied().unwrap_or(1.0).max(1.0) * (year_sets[s].len().max(1) as f64);
            *v /= n;
        }
    }
    total
}

/// Writes the money-flows section.
pub(super) fn section(page: &mut Page, dir: &Path, m: &Manifest) -> Result<(), ReportError> {
    page.open("money");
    let runs = runs_per_scenario(dir, m)?;
    page.heading("Payments from payer to payee");
    match Table::read(dir, "ledger")? {
        None => page.missing("ledger"),
        Some(t) => {
            let scenario = t.strings("scenario")?;
            let (payer, payee) = (t.strings("payer")?, t.strings("payee")?);
            let amount: Vec<f64> = t.numbers("amount_pence")?.into_iter().map(|p| p / 100.0).collect();
            let years = t.numbers("year")?;
            let flow: Vec<String> = payer.iter().zip(&payee).map(|(a, b)| format!("{a} → {b}")).collect();
            let categories = first_seen(&flow);
            let scenarios = scenarios_in(m, &scenario);
            let keys: Vec<(String, String)> = flow.into_iter().zip(scenario).collect();
            let values = per_run_year(&categories, &scenarios, &keys, &amount, &years, &runs);
            let title = "Payments by payer → payee (£ per run-year)";
            let svg = chart::grouped_bars(title, "£ per year (mean across runs)", &categories, &scenarios, &values)?;
            page.chart(&svg, title);
            let rows: Vec<Vec<(String, bool)>> = categories
                .iter()
                .enumerate()
                .flat_map(|(c, name)| scenarios.iter().enumerate().map(move |(s, sn)| (c, name, s, sn)))
                .map(|(c, name, s, sn)| vec![text(name), text(sn), num(values[c][s])])
                .collect();
            page.details_open("Table: payments by payer → payee");
            page.table(&["payer → payee", "scenario", "£ per run-year"], &rows);
            page.details_close();
        }
    }
    page.heading("Organisations' income and surplus");
    match Table::read(dir, "org_year")? {
        None => page.missing("org_year"),
        Some(t) => {
            let scenario = t.strings("scenario")?;
            let org = t.strings("org")?;
            let kind = if t.has("kind") { t.strings("kind")? } else { vec![String::new(); org.len()] };
            let years = t.numbers("year")?;
            let label: Vec<String> = org
                .iter()
                .zip(&kind)
                .map(|(o, k)| if k.is_empty() { o.clone() } else { format!("{o} ({k})") })
                .collect();
            let categories = first_seen(&label);
            let scenarios = scenarios_in(m, &scenario);
            let keys: Vec<(String, String)> = label.into_iter().zip(scenario).collect();
            let mut columns = Vec::new();
            for column in ["net_income_pence", "surplus_pence", "public_spend_pence"] {
                if t.has(column) {
                    let pounds: Vec<f64> = t.numbers(column)?.into_iter().map(|p| p / 100.0).collect();
                    columns.push((column, per_run_year(&categories, &scenarios, &keys, &pounds, &years, &runs)));
                }
            }
            if let Some((_, surplus)) = columns.iter().find(|(c, _)| *c == "surplus_pence") {
                let title = "Surplus by organisation (£ per run-year)";
                let svg =
                    chart::grouped_bars(title, "£ per year (mean across runs)", &categories, &scenarios, surplus)?;
                page.chart(&svg, title);
            }
            let mut header = vec!["organisation", "scenario"];
            header.extend(columns.iter().map(|(c, _)| c.trim_end_matches("_pence")));
            let mut rows = Vec::new();
            for (c, name) in categories.iter().enumerate() {
                for (s, sn) in scenarios.iter().enumerate() {
                    let mut row = vec![text(name), text(sn)];
                    row.extend(columns.iter().map(|(_, v)| num(v[c][s])));
                    rows.push(row);
                }
            }
            page.details_open("Table: organisations' money (£ per run-year)");
            page.table(&header, &rows);
            page.details_close();
        }
    }
    page.close();
    Ok(())
}
