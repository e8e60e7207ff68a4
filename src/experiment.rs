//! Running an experiment: every (scenario, sample, replication) of a plan, in parallel
//! across runs (each run single-threaded inside), results handed to a sink as they
//! finish and summarised across replications at the end.
//!
//! Runs are independent and seeded from their key only, so the results do not depend on
//! the number of threads or the order runs finish in.

use crate::config::ExperimentPlan;
use crate::flow::{self, RunSettings};
use crate::record::{PoolSummary, RunKey, RunOutput};
use crate::stats::Summary;
use rayon::prelude::*;

/// What the runner keeps of each run after the sink has stored it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunDigest {
    /// Which run.
    pub key: RunKey,
    /// Events processed.
    pub events: u64,
    /// Per-pool summaries.
    pub pools: Vec<PoolSummary>,
}

/// All runs of a plan, in key order.
pub fn run_keys(plan: &ExperimentPlan) -> Vec<RunKey> {
    (0..plan.scenarios.len() as u16)
        .flat_map(|scenario| (0..plan.replications).map(move |replication| RunKey { scenario, sample: 0, replication }))
        .collect()
}

/// Why an experiment stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E: std::error::Error + 'static> {
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {source}")]
    Threads {
        /// Requested threads.
        threads: usize,
        /// The cause.
        source: rayon::ThreadPoolBuildError,
    },
    /// The sink failed to store a run.
    #[error("storing the results of scenario {scenario} replication {replication} failed")]
    Sink {
        /// Scenario name.
        scenario: String,
        /// Replication index.
        replication: u32,
        /// The cause.
        source: E,
    },
}

/// Runs every run of `plan` on `threads` threads (0 = one per core). `sink` is called
/// once per run, from worker threads, with the full output; `progress` after each run
/// with the number finished so far. Returns one digest per run, in key order.
pub fn run_all<E, S, P>(
    plan: &ExperimentPlan,
    settings: RunSettings,
    threads: usize,
    sink: S,
    progress: P,
) -> Result<Vec<RunDigest>, RunError<E>>
where
    E: std::error::Error + Send + 'static,
    S: Fn(&ExperimentPlan, &RunOutput) -> Result<(), E> + Sync,
    P: Fn(usize) + Sync,
{
    let keys = run_keys(plan);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| RunError::Threads { threads, source })?;
    let done = std::sync::atomic::AtomicUsize::new(0);
    pool.install(|| {
        keys.par_iter()
            .map(|key| {
                let model = &plan.scenarios[key.scenario as usize].model;
                let out = flow::run(model, settings, *key);
                sink(plan, &out).map_err(|source| RunError::Sink {
                    scenario: plan.scenarios[key.scenario as usize].name.clone(),
                    replication: key.replication,
                    source,
                })?;
                progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                Ok(RunDigest { key: out.key, events: out.events, pools: out.pools })
            })
            .collect()
    })
}

/// Reads one metric from a pool summary (`None` where it is undefined in that run).
pub type MetricReader = fn(&PoolSummary) -> Option<f64>;

/// The metrics summarised per scenario and pool, with how to read each from a run.
pub const POOL_METRICS: [(&str, MetricReader); 11] = [
    ("arrivals", |p| Some(p.stats.arrivals as f64)),
    ("admitted", |p| Some(p.stats.admitted as f64)),
    ("turned_away", |p| Some(p.stats.turned_away as f64)),
    ("p_turned_away", PoolSummary::p_turned_away),
    ("mean_occupied", |p| Some(p.mean_occupied())),
    ("mean_waiting", |p| Some(p.mean_waiting())),
    ("mean_wait_days", PoolSummary::mean_wait_days),
    ("p_wait", PoolSummary::p_wait),
    ("blocked_days", |p| Some(p.blocked_days())),
    ("mean_sojourn_days", PoolSummary::mean_sojourn_days),
    ("throughput_per_day", |p| Some(p.throughput_per_day())),
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

/// Summarises the digests per scenario, pool and metric.
pub fn summarise(plan: &ExperimentPlan, digests: &[RunDigest]) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for (s, scenario) in plan.scenarios.iter().enumerate() {
        let runs: Vec<&RunDigest> = digests.iter().filter(|d| d.key.scenario as usize == s).collect();
        for (pi, pool) in scenario.model.pools.iter().enumerate() {
            for (metric, read) in POOL_METRICS {
                let values: Vec<f64> = runs.iter().filter_map(|d| d.pools.get(pi).and_then(read)).collect();
                rows.push(SummaryRow {
                    scenario: s as u16,
                    pool: pool.name.clone(),
                    metric,
                    summary: Summary::of(&values),
                });
            }
        }
    }
    rows
}
