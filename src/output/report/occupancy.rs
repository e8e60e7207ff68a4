//! Occupancy over time per pool (table `capacity`): for each scenario, the mean across
//! runs of the occupied places, with a band from the lowest to the highest run.

use super::ReportError;
use super::chart::{self, BandSeries};
use super::html::Page;
use super::manifest::Manifest;
use super::table::{Table, first_seen};
use std::collections::BTreeMap;
use std::path::Path;

/// Most points per line: longer runs are averaged over bins of whole days.
const MAX_POINTS: f64 = 365.0;

/// (pool, scenario, sample, replication, bin) of a run's mean occupancy.
type RunBin = (usize, usize, u64, u64, i64);

/// Scenario names present in a table, in manifest order.
pub(super) fn scenarios_in(m: &Manifest, names: &[String]) -> Vec<String> {
    let mut s = first_seen(names);
    s.sort_by_key(|n| (m.scenario_rank(n), n.clone()));
    s
}

/// Writes the occupancy section.
pub(super) fn section(page: &mut Page, dir: &Path, m: &Manifest) -> Result<(), ReportError> {
    page.open("occupancy");
    let Some(t) = Table::read(dir, "capacity")? else {
        page.missing("capacity");
        page.close();
        return Ok(());
    };
    let keys = t.run_keys()?;
    let day = t.numbers("day")?;
    let pool = t.strings("pool")?;
    let occupied = t.numbers("occupied")?;
    let pools = first_seen(&pool);
    let scenario_names: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
    let scenarios = scenarios_in(m, &scenario_names);
    let (d0, d1) = day
        .iter()
        .filter(|d| d.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), d| (a.min(*d), b.max(*d)));
    let span = if d1 >= d0 { d1 - d0 + 1.0 } else { 1.0 };
    let bin_days = (span / MAX_POINTS).ceil().max(1.0);

    // Mean occupied per (pool, scenario, run, bin), then across runs per bin.
    let mut per_run: BTreeMap<RunBin, (f64, u32)> = BTreeMap::new();
    for i in 0..day.len() {
        if !(day[i].is_finite() && occupied[i].is_finite()) {
            continue;
        }
        let (Some(p), Some(s)) =
            (pools.iter().position(|x| *x == pool[i]), scenarios.iter().position(|x| *x == keys[i].0))
        else {
            continue;
        };
        let bin = ((day[i] - d0) / bin_days).floor() as i64;
        let e = per_run.entry((p, s, keys[i].1, keys[i].2, bin)).or_insert((0.0, 0));
        e.0 += occupied[i];
        e.1 += 1;
    }
    let mut across: BTreeMap<(usize, usize, i64), Vec<f64>> = BTreeMap::new();
    for ((p, s, _, _, bin), (sum, n)) in per_run {
        across.entry((p, s, bin)).or_default().push(sum / f64::from(n));
    }
    page.para(&format!(
        "Places occupied in each pool, per day of the run (day {} to {}). Each line is the mean across runs of a scenario; \
         the shaded band spans the lowest to the highest run.{}",
        d0,
        d1,
        if bin_days > 1.0 { format!(" Each point averages a bin of {bin_days} days.") } else { String::new() }
    ));
    for (p, name) in pools.iter().enumerate() {
        let series: Vec<BandSeries> = scenarios
            .iter()
            .enumerate()
            .map(|(s, sname)| BandSeries {
                name: sname.clone(),
                points: across
                    .range((p, s, i64::MIN)..=(p, s, i64::MAX))
                    .map(|(&(_, _, bin), v)| {
                        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        let mean = v.iter().sum::<f64>() / v.len() as f64;
                        (d0 + bin as f64 * bin_days + (bin_days - 1.0) / 2.0, lo, mean, hi)
                    })
                    .collect(),
            })
            .collect();
        let title = format!("Occupied places: {name}");
        let svg = chart::bands(&title, "day of the run", "occupied", &series)?;
        page.chart(&svg, &format!("{title} (mean across runs; band: lowest to highest run)"));
    }
    page.close();
    Ok(())
}
