//! What the runner keeps of each run once the sink has stored it, and the per-pool
//! metrics summarised across replications.

use crate::record::{PoolSummary, RunKey};
use crate::stats::Summary;
use crate::summary::area::RunEconomy;

/// What the runner keeps of each run after the sink has stored it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunDigest {
    /// Which run.
    pub key: RunKey,
    /// Events processed.
    pub events: u64,
    /// Per-pool summaries.
    pub pools: Vec<PoolSummary>,
    /// Area-level activity and money.
    pub economy: RunEconomy,
}

/// Reads one metric from a pool summary (`None` where it is undefined in that run).
pub type MetricReader = fn(&PoolSummary) -> Option<f64>;

/// The metrics summarised per scenario and pool, with how to read each from a run.
/// Each metric is also a `pool_summary` column of the same name (holding exactly this
/// value): `caresim merge` reads the summaries back from those columns.
pub const POOL_METRICS: [(&str, MetricReader); 13] = [
    ("arrivals", |p| Some(p.stats.arrivals as f64)),
    ("admitted", |p| Some(p.stats.admitted as f64)),
    ("turned_away", |p| Some(p.stats.turned_away as f64)),
    ("p_turned_away", PoolSummary::p_turned_away),
    ("reneged", |p| Some(p.stats.reneged as f64)),
    ("mean_occupied", |p| Some(p.mean_occupied())),
    ("mean_waiting", |p| Some(p.mean_waiting())),
    ("mean_wait_days", PoolSummary::mean_wait_days),
    ("p_wait", PoolSummary::p_wait),
    ("blocked_days", |p| Some(p.blocked_days())),
    ("mean_sojourn_days", PoolSummary::mean_sojourn_days),
    ("throughput_per_day", |p| Some(p.throughput_per_day())),
    (crate::summary::warnings::WAITING_GROWTH, |p| p.waiting_growth),
];

/// One row of the across-replication summary.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// Scenario index.
    pub scenario: u16,
    /// Pool name.
    pub pool: String,
    /// Metric name (see [`POOL_METRICS`]).
    pub metric: &'static str,
    /// Mean, sd and interval over replications (runs where the metric is undefined, e.g.
    /// a mean wait with no admissions, are left out and `n` says so).
    pub summary: Summary,
}
