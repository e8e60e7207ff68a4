//! Summaries over the whole grid (every parameter sample and replication of a
//! scenario) and **paired differences** against the baseline scenario.
//!
//! Scenarios share random numbers (common random numbers), so the run of scenario `s`
//! and the baseline's run with the same `(sample, replication)` form a pair; the spread
//! of the paired differences is usually far smaller than that of either scenario.
//! Both the in-memory runner and `caresim merge` (which reads the metrics back from the
//! `pool_summary` tables) use these functions, in key order, so they write the same
//! bytes.

use crate::config::ExperimentPlan;
use crate::record::RunKey;
use crate::stats::{Bound, Summary};
use crate::summary::area::{AREA, CHANGE_METRICS, ECONOMY_METRICS, RunEconomy, consolidated_changes};
use crate::summary::digest::{POOL_METRICS, RunDigest, SummaryRow};
use std::collections::BTreeMap;

/// Number of metrics per pool (see [`POOL_METRICS`]).
pub const N_METRICS: usize = POOL_METRICS.len();

/// The metrics of one run: `pools[pool index][metric index]` (`None` where undefined).
#[derive(Clone, Debug, PartialEq)]
pub struct RunMetrics {
    /// Which run.
    pub key: RunKey,
    /// Per pool (in the scenario's pool order), the value of each of [`POOL_METRICS`].
    pub pools: Vec<[Option<f64>; N_METRICS]>,
    /// Area-level metrics ([`ECONOMY_METRICS`]).
    pub economy: RunEconomy,
}

impl RunMetrics {
    /// The metrics of a run digest.
    pub fn of(d: &RunDigest) -> RunMetrics {
        RunMetrics {
            key: d.key,
            pools: d.pools.iter().map(|p| POOL_METRICS.map(|(_, read)| read(p))).collect(),
            economy: d.economy.clone(),
        }
    }
}

/// One paired difference (scenario minus baseline) over the whole grid.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedRow {
    /// Scenario index (never the baseline, 0).
    pub scenario: u16,
    /// Pool name.
    pub pool: String,
    /// Metric name.
    pub metric: &'static str,
    /// Mean, sd and 95% interval of the differences (pairs where the metric is defined
    /// in both runs).
    pub summary: Summary,
    /// Share of pairs whose difference is below zero (NaN when there are none); not a
    /// p-value.
    pub share_below_zero: f64,
}

/// The values a summarised metric can take, which decide the method of its interval
/// ([`Summary::interval`]): shares and probabilities (`p_*`) are in [0, 1]; counts, means
/// of counts, days, occupancy, throughput, activity, resource cost, client contributions,
/// enrolment and ledger transactions cannot be negative; money that is net of receipts
/// (spend, transfers, surpluses) and everything else may take any sign. Paired
/// differences are always [`Bound::Any`].
pub fn metric_bound(metric: &str) -> Bound {
    const NON_NEGATIVE: [&str; 18] = [
        "arrivals",
        "admitted",
        "turned_away",
        "reneged",
        "mean_occupied",
        "mean_waiting",
        "mean_wait_days",
        "blocked_days",
        "mean_sojourn_days",
        "throughput_per_day",
        "emergency_admissions_per_year",
        "bed_days_per_year",
        "dtoc_days_per_year",
        "resource_cost_pence_per_year",
        "client_contributions_pence_per_year",
        "enrolled_people",
        "ledger_transactions",
        "delayed_days",
    ];
    if metric.starts_with("p_") {
        Bound::Probability
    } else if NON_NEGATIVE.contains(&metric) {
        Bound::NonNegative
    } else {
        Bound::Any
    }
}

fn in_key_order(metrics: &[RunMetrics]) -> Vec<&RunMetrics> {
    let mut v: Vec<&RunMetrics> = metrics.iter().collect();
    v.sort_by_key(|m| m.key);
    v
}

/// Summarises per scenario, pool and metric, over every sample and replication.
pub fn summarise(plan: &ExperimentPlan, metrics: &[RunMetrics]) -> Vec<SummaryRow> {
    let sorted = in_key_order(metrics);
    let mut rows = Vec::new();
    for (s, scenario) in plan.scenarios.iter().enumerate() {
        let runs: Vec<&&RunMetrics> = sorted.iter().filter(|m| m.key.scenario as usize == s).collect();
        for (pi, pool) in scenario.model.pools.iter().enumerate() {
            for (mi, (metric, _)) in POOL_METRICS.iter().enumerate() {
                let values: Vec<f64> = runs.iter().filter_map(|m| m.pools.get(pi).and_then(|p| p[mi])).collect();
                rows.push(SummaryRow {
                    scenario: s as u16,
                    pool: pool.name.clone(),
                    metric,
                    summary: Summary::of(&values),
                });
            }
        }
        for (mi, metric) in ECONOMY_METRICS.iter().enumerate() {
            let values: Vec<f64> = runs.iter().filter_map(|m| m.economy.values[mi]).collect();
            if !values.is_empty() {
                rows.push(SummaryRow { scenario: s as u16, pool: AREA.into(), metric, summary: Summary::of(&values) });
            }
        }
    }
    rows
}

/// Summarises the digests per scenario, pool and metric, over every sample and
/// replication (the same as [`summarise`] of their metrics).
pub fn summarise_digests(plan: &ExperimentPlan, digests: &[RunDigest]) -> Vec<SummaryRow> {
    let metrics: Vec<RunMetrics> = digests.iter().map(RunMetrics::of).collect();
    summarise(plan, &metrics)
}

fn paired_row(scenario: u16, pool: &str, metric: &'static str, diffs: Vec<f64>) -> PairedRow {
    let below = diffs.iter().filter(|d| **d < 0.0).count();
    PairedRow {
        scenario,
        pool: pool.to_string(),
        metric,
        summary: Summary::of(&diffs),
        share_below_zero: if diffs.is_empty() { f64::NAN } else { below as f64 / diffs.len() as f64 },
    }
}

/// Paired differences of every other scenario against the baseline (the first), per
/// pool (matched by name) and metric, over every `(sample, replication)` both ran.
pub fn paired(plan: &ExperimentPlan, metrics: &[RunMetrics]) -> Vec<PairedRow> {
    let sorted = in_key_order(metrics);
    let Some(baseline) = plan.scenarios.first() else { return Vec::new() };
    let base: BTreeMap<(u32, u32), &RunMetrics> =
        sorted.iter().filter(|m| m.key.scenario == 0).map(|m| ((m.key.sample, m.key.replication), *m)).collect();
    let mut rows = Vec::new();
    for (s, scenario) in plan.scenarios.iter().enumerate().skip(1) {
        let runs: Vec<&&RunMetrics> = sorted.iter().filter(|m| m.key.scenario as usize == s).collect();
        for (bpi, pool) in baseline.model.pools.iter().enumerate() {
            let Some(pi) = scenario.model.pools.iter().position(|p| p.name == pool.name) else { continue };
            for (mi, (metric, _)) in POOL_METRICS.iter().enumerate() {
                let diffs: Vec<f64> = runs
                    .iter()
                    .filter_map(|m| {
                        let b = base.get(&(m.key.sample, m.key.replication))?;
                        Some(m.pools.get(pi)?[mi]? - b.pools.get(bpi)?[mi]?)
                    })
                    .collect();
                rows.push(paired_row(s as u16, &pool.name, metric, diffs));
            }
        }
        let pairs: Vec<(&RunEconomy, &RunEconomy)> = runs
            .iter()
            .filter_map(|m| Some((&m.economy, &base.get(&(m.key.sample, m.key.replication))?.economy)))
            .collect();
        for (mi, metric) in ECONOMY_METRICS.iter().enumerate() {
            let diffs: Vec<f64> = pairs.iter().filter_map(|(m, b)| Some(m.values[mi]? - b.values[mi]?)).collect();
            if !diffs.is_empty() {
                rows.push(paired_row(s as u16, AREA, metric, diffs));
            }
        }
        let saved: Vec<_> = pairs.iter().map(|(m, b)| consolidated_changes(m, b)).collect();
        for (k, metric) in CHANGE_METRICS.iter().enumerate() {
            let values: Vec<f64> = saved.iter().filter_map(|v| v[k]).collect();
            if !values.is_empty() {
                rows.push(paired_row(s as u16, AREA, metric, values));
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pool_metric_has_the_bound_of_what_it_counts() {
        // Every pool metric is a share (p_*), a change that can go either way (the
        // waiting list's growth through the window), or cannot be negative: check the
        // bound against values the metric can take.
        for (metric, _) in POOL_METRICS {
            let bound = metric_bound(metric);
            if metric == "waiting_growth" {
                assert_eq!(bound, Bound::Any, "{metric}");
            } else if metric.starts_with("p_") {
                assert_eq!(bound, Bound::Probability, "{metric}");
            } else {
                assert_eq!(bound, Bound::NonNegative, "{metric}");
            }
        }
        // Money net of receipts can be negative; activity and resource cost cannot.
        assert_eq!(metric_bound("surplus_acute_trust_pence_per_year"), Bound::Any);
        assert_eq!(metric_bound("transfers_pence_per_year"), Bound::Any);
        assert_eq!(metric_bound("dtoc_days_per_year"), Bound::NonNegative);
        assert_eq!(metric_bound("resource_cost_pence_per_year"), Bound::NonNegative);
    }
}
