//! Warnings a reader of the end-of-run tables needs (issue: money that means what it
//! says): a scenario that reports a saving while its resource cost rises (the saving is
//! money moved, not care saved), and a pool whose waiting list grows through the run
//! (it is saturated, so its results depend on the horizon rather than settling to a
//! steady state).
//!
//! Both are read from the summaries the run already makes, with their intervals, so a
//! warning is raised only when the data say so: a saving and a rise whose means have
//! those signs, and a waiting list whose growth's 95% interval lies above zero.

use super::compare::PairedRow;
use super::digest::SummaryRow;

/// Area metric: consolidated public spend, pence per year (a paired difference below
/// zero is a saving).
pub const CONSOLIDATED_SPEND: &str = "consolidated_spend_pence_per_year";
/// Area metric: resource cost, pence per year.
pub const RESOURCE_COST: &str = "resource_cost_pence_per_year";
/// Pool metric: growth of the waiting list through the measurement window
/// ([`waiting_growth`]).
pub const WAITING_GROWTH: &str = "waiting_growth";

pub use crate::record::{WAITING_ENDS_DAYS, waiting_growth};

/// The warnings for an experiment with these scenario names (the first is the baseline),
/// per-scenario summaries and paired differences from the baseline. One line each,
/// in scenario order.
pub fn warnings(scenarios: &[&str], summaries: &[SummaryRow], paired: &[PairedRow]) -> Vec<String> {
    let mut out = Vec::new();
    let find = |s: usize, pool: &str, metric: &str| {
        paired.iter().find(|r| r.scenario as usize == s && r.pool == pool && r.metric == metric)
    };
    for (s, name) in scenarios.iter().enumerate().skip(1) {
        let (Some(spend), Some(cost)) =
            (find(s, super::area::AREA, CONSOLIDATED_SPEND), find(s, super::area::AREA, RESOURCE_COST))
        else {
            continue;
        };
        let (saving, rise) = (-spend.summary.mean, cost.summary.mean);
        if saving > 0.0 && rise > 0.0 {
            out.push(format!(
                "warning: {name} reports a saving of £{:.0} a year in consolidated public spend while its resource \
                 cost rises £{:.0} a year: the saving is money moved to people or independent providers, not care \
                 saved",
                saving / 100.0,
                rise / 100.0
            ));
        }
    }
    for (s, name) in scenarios.iter().enumerate() {
        for r in summaries.iter().filter(|r| r.scenario as usize == s && r.metric == WAITING_GROWTH) {
            let g = &r.summary;
            if g.n >= 2 && g.low() > 0.0 {
                out.push(format!(
                    "warning: {name}: the waiting list of {} grows through the run (+{:.1} waiting from the window's \
                     first to its last {WAITING_ENDS_DAYS} days, 95% interval {:.1} to {:.1}): the pool is saturated, \
                     so its figures depend on the horizon",
                    r.pool,
                    g.mean,
                    g.low(),
                    g.high()
                ));
            } else if g.n == 1 && g.mean >= 1.0 {
                // One replication gives no interval: a growth of a person or more is
                // reported as unconfirmed.
                out.push(format!(
                    "warning: {name}: the waiting list of {} grew by {:.1} through the run (one replication, no \
                     interval): the pool may be saturated",
                    r.pool, g.mean
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::CapacityTable;
    use crate::stats::Summary;

    fn paired(scenario: u16, metric: &'static str, values: &[f64]) -> PairedRow {
        PairedRow {
            scenario,
            pool: crate::summary::area::AREA.into(),
            metric,
            summary: Summary::of(values),
            share_below_zero: 0.0,
        }
    }

    #[test]
    fn a_saving_with_rising_resource_cost_is_flagged() {
        let rows = vec![
            // Scenario 1: spend falls £1,000, resource cost rises £500: warned.
            paired(1, CONSOLIDATED_SPEND, &[-100_000.0, -100_000.0]),
            paired(1, RESOURCE_COST, &[50_000.0, 50_000.0]),
            // Scenario 2: both fall: a real saving, no warning.
            paired(2, CONSOLIDATED_SPEND, &[-100_000.0]),
            paired(2, RESOURCE_COST, &[-80_000.0]),
            // Scenario 3: both rise: no saving claimed.
            paired(3, CONSOLIDATED_SPEND, &[10.0]),
            paired(3, RESOURCE_COST, &[10.0]),
        ];
        let w = warnings(&["baseline", "a", "b", "c"], &[], &rows);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("a reports a saving of £1000") && w[0].contains("rises £500"), "{}", w[0]);
    }

    #[test]
    fn a_growing_waiting_list_is_flagged_only_when_the_interval_says_so() {
        let row = |scenario: u16, pool: &str, values: &[f64]| SummaryRow {
            scenario,
            pool: pool.into(),
            metric: WAITING_GROWTH,
            summary: Summary::of(values),
        };
        let rows = vec![
            row(0, "home_care_packages", &[0.5, -0.4, 0.1]),
            row(1, "home_care_packages", &[40.0, 55.0, 61.0]),
            row(1, "care_home_beds", &[-2.0, -1.0, -3.0]),
        ];
        let w = warnings(&["baseline", "cut"], &rows, &[]);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("cut: the waiting list of home_care_packages grows"), "{}", w[0]);
    }

    #[test]
    fn waiting_growth_compares_the_ends_of_the_window() {
        // Pool 0 waits 0 on days 0-99 and grows linearly on days 100-199; pool 1 is flat.
        let mut t = CapacityTable::default();
        for day in 0..200u32 {
            for pool in 0..2u16 {
                t.day.push(day);
                t.pool.push(pool);
                t.occupied.push(1.0);
                t.blocked.push(0.0);
                t.waiting.push(if pool == 0 && day >= 100 { (day - 100) as f64 } else { 3.0 });
            }
        }
        // Last 28 days of [100, 200): days 172..200 average 85.5; first: 100..128 average 13.5.
        assert_eq!(waiting_growth(&t, 0, 100, 200), Some(72.0));
        assert_eq!(waiting_growth(&t, 1, 100, 200), Some(0.0));
        assert_eq!(waiting_growth(&t, 0, 100, 150), None);
        assert_eq!(waiting_growth(&t, 7, 0, 200), None);
    }
}
