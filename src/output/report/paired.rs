//! Paired differences against the baseline (table `paired`): each scenario's run minus
//! the baseline's run with the same sample and replication, with the 95% interval of
//! the mean difference. Money by payer and provider surpluses (£ per year), activity
//! per year, and occupancy and blocked days per pool.

use super::ReportError;
use super::chart::{self, Interval};
use super::html::{Page, num, text};
use super::manifest::Manifest;
use super::occupancy::scenarios_in;
use super::table::{Table, first_seen};
use std::path::Path;

/// The pool name of area-level metrics.
const AREA: &str = crate::summary::area::AREA;

struct Row {
    scenario: String,
    pool: String,
    metric: String,
    n: f64,
    interval: Interval,
    p_below_zero: f64,
}

/// Title, axis and unit scale of a forest chart of area-level metrics.
struct Forest<'a> {
    title: &'a str,
    x_desc: &'a str,
    scale: f64,
}

/// One forest chart of area-level `metrics` (categories) by scenario (groups).
fn forest(
    page: &mut Page,
    rows: &[Row],
    scenarios: &[String],
    metrics: &[String],
    labels: &[String],
    f: Forest<'_>,
) -> Result<(), ReportError> {
    let Forest { title, x_desc, scale } = f;
    if metrics.is_empty() {
        return Ok(());
    }
    let values: Vec<Vec<Option<Interval>>> = metrics
        .iter()
        .map(|metric| {
            scenarios
                .iter()
                .map(|s| {
                    rows.iter().find(|r| r.scenario == *s && &r.metric == metric && r.pool == AREA).map(|r| Interval {
                        mean: r.interval.mean * scale,
                        low: r.interval.low * scale,
                        high: r.interval.high * scale,
                    })
                })
                .collect()
        })
        .collect();
    let svg = chart::intervals(title, x_desc, labels, scenarios, &values)?;
    page.chart(&svg, &format!("{title}: mean difference from the baseline (point) and its 95% interval (line)"));
    Ok(())
}

/// Writes the paired-differences section.
pub(super) fn section(page: &mut Page, dir: &Path, m: &Manifest) -> Result<(), ReportError> {
    page.open("paired");
    let Some(t) = Table::read(dir, "paired")? else {
        page.missing("paired");
        page.close();
        return Ok(());
    };
    let (scenario, pool, metric) = (t.strings("scenario")?, t.strings("pool")?, t.strings("metric")?);
    let (n, mean, low, high) = (t.numbers("n")?, t.numbers("mean")?, t.numbers("ci_low")?, t.numbers("ci_high")?);
    let p_below_zero = t.numbers("share_below_zero")?;
    let rows: Vec<Row> = (0..scenario.len())
        .map(|i| Row {
            scenario: scenario[i].clone(),
            pool: pool[i].clone(),
            metric: metric[i].clone(),
            n: n[i],
            interval: Interval { mean: mean[i], low: low[i], high: high[i] },
            p_below_zero: p_below_zero[i],
        })
        .collect();
    let scenarios = scenarios_in(m, &scenario);
    page.para(&format!(
        "Each scenario's run minus the baseline's ({}) run with the same sample and replication (common random numbers); \
         mean over the pairs with its 95% interval.",
        m.scenarios.first().map_or("", String::as_str)
    ));

    let area: Vec<&Row> = rows.iter().filter(|r| r.pool == AREA).collect();
    let area_metrics = first_seen(&area.iter().map(|r| r.metric.clone()).collect::<Vec<_>>());
    let is_money = |m: &String| m.contains("pence");
    let payer: Vec<String> =
        area_metrics.iter().filter(|m| is_money(m) && !m.starts_with("surplus_")).cloned().collect();
    let surplus: Vec<String> =
        area_metrics.iter().filter(|m| is_money(m) && m.starts_with("surplus_")).cloned().collect();
    let label = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|m| {
                m.trim_start_matches("surplus_")
                    .replace("_pence_per_year", "")
                    .replace("_pence_per_resident", " per resident")
            })
            .collect()
    };
    page.heading("Money by payer");
    let f = Forest {
        title: "Spend by payer and kind (£ per year)",
        x_desc: "difference (£ per year; per resident where named)",
        scale: 0.01,
    };
    forest(page, &rows, &scenarios, &payer, &label(&payer), f)?;
    page.heading("Provider surpluses");
    let f = Forest { title: "Surplus by organisation (£ per year)", x_desc: "difference (£ per year)", scale: 0.01 };
    forest(page, &rows, &scenarios, &surplus, &label(&surplus), f)?;
    page.heading("Activity");
    for metric in area_metrics.iter().filter(|m| !is_money(m)) {
        let one = std::slice::from_ref(metric);
        let title = format!("Area: {metric}");
        forest(page, &rows, &scenarios, one, one, Forest { title: &title, x_desc: "difference", scale: 1.0 })?;
    }
    let pool_rows: Vec<String> =
        first_seen(&rows.iter().filter(|r| r.pool != AREA).map(|r| r.pool.clone()).collect::<Vec<_>>());
    for metric in ["mean_occupied", "blocked_days"] {
        if !rows.iter().any(|r| r.metric == metric && r.pool != AREA) {
            continue;
        }
        let values: Vec<Vec<Option<Interval>>> = pool_rows
            .iter()
            .map(|p| {
                scenarios
                    .iter()
                    .map(|s| {
                        rows.iter().find(|r| r.scenario == *s && r.pool == *p && r.metric == metric).map(|r| r.interval)
                    })
                    .collect()
            })
            .collect();
        let title = format!("Per pool: {metric}");
        let svg = chart::intervals(&title, "difference", &pool_rows, &scenarios, &values)?;
        page.chart(&svg, &format!("{title}: mean difference from the baseline and its 95% interval"));
    }
    let table = |rows: Vec<&Row>| -> Vec<Vec<(String, bool)>> {
        rows.into_iter()
            .map(|r| {
                vec![
                    text(&r.scenario),
                    text(&r.pool),
                    text(&r.metric),
                    num(r.n),
                    num(r.interval.mean),
                    num(r.interval.low),
                    num(r.interval.high),
                    num(r.p_below_zero),
                ]
            })
            .collect()
    };
    let header = ["scenario", "pool", "metric", "pairs", "mean difference", "95% low", "95% high", "share below zero"];
    page.details_open("Table: every area-level paired difference");
    page.table(&header, &table(area));
    page.details_close();
    page.details_open("Table: every per-pool paired difference");
    page.table(&header, &table(rows.iter().filter(|r| r.pool != AREA).collect()));
    page.details_close();
    page.close();
    Ok(())
}
