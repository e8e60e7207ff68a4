//! Running an experiment: every (scenario, sample, replication) of a plan, in parallel
//! across runs (each run single-threaded inside), results handed to a sink as they
//! finish and summarised across replications at the end.
//!
//! Runs are independent and seeded from their key only, so the results do not depend on
//! the number of threads or the order runs finish in.

use crate::config::ExperimentPlan;
use crate::economy::RunEconomy;
use crate::flow::{self, RunSettings};
use crate::payment::PaymentError;
use crate::payment::spec::PaymentCalibration;
use crate::record::{PoolSummary, RunKey, RunOutput};
use crate::stats::Summary;
use gate::CalibrationGate;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

mod gate;
mod pilots;

pub use pilots::{PilotGroup, PilotPass, PilotPlan, calibrate_payments, pilot_plan};

/// Stack size of each worker thread, bytes.
pub const RUN_STACK_BYTES: usize = 64 << 20;

/// Pilot runs of the calibration pass count their replication index down from here,
/// so their random streams never coincide with a measured run's.
pub const PILOT_REPLICATION_BASE: u32 = u32::MAX;

/// The window of a run as whole run days `[warm-up end, horizon)`.
fn window_days(settings: RunSettings) -> (u32, u32) {
    (settings.warmup_days.ceil() as u32, settings.horizon_days.floor() as u32)
}

/// Settles a finished run's activity, when its model has `[payment]`: the payments go
/// into `out.payments` and the person-year table, and the activity log is dropped.
pub fn settle_output(
    model: &crate::model::Model,
    calibration: &PaymentCalibration,
    settings: RunSettings,
    out: &mut RunOutput,
) -> Result<(), PaymentError> {
    let (Some(spec), Some(cohort), Some(log)) = (&model.payment, &model.cohort, out.activity.take()) else {
        return Ok(());
    };
    let p = crate::payment::run::settle_run(&crate::payment::run::RunToSettle {
        spec,
        calibration,
        log: &log,
        costs: &cohort.costs,
        master_seed: settings.master_seed,
        key: out.key,
        window_days: window_days(settings),
    })?;
    out.person_year.attach_payments(&p.by_person_year, &spec.area.registry);
    out.payments = Some(p);
    Ok(())
}

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

/// The distinct scenarios of `keys`, ascending.
pub fn scenarios_of(keys: &[RunKey]) -> Vec<u16> {
    let mut scenarios: Vec<u16> = keys.iter().map(|k| k.scenario).collect();
    scenarios.sort_unstable();
    scenarios.dedup();
    scenarios
}

/// All runs of a plan, in key order.
pub fn run_keys(plan: &ExperimentPlan) -> Vec<RunKey> {
    let (samples, replications) = (plan.samples, plan.replications);
    (0..plan.scenarios.len() as u16)
        .flat_map(|scenario| {
            (0..samples).flat_map(move |sample| {
                (0..replications).map(move |replication| RunKey { scenario, sample, replication })
            })
        })
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
    /// The payment pass failed (a calibration pilot or a run's settlement).
    #[error("settling the payments of scenario {scenario} failed: {source}")]
    Payment {
        /// Scenario name.
        scenario: String,
        /// The cause.
        source: PaymentError,
    },
    /// A run locked: patients blocked waiting for each other in a cycle of full pools.
    #[error("scenario {scenario} sample {sample} replication {replication}: {source}")]
    Deadlock {
        /// Scenario name.
        scenario: String,
        /// Parameter sample index.
        sample: u32,
        /// Replication index.
        replication: u32,
        /// Which pools and when.
        source: crate::flow::Deadlock,
    },
    /// The sink failed to store a run.
    #[error("storing the results of scenario {scenario} sample {sample} replication {replication} failed")]
    Sink {
        /// Scenario name.
        scenario: String,
        /// Parameter sample index.
        sample: u32,
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
    let never = AtomicBool::new(false);
    run_selected(plan, &keys, settings, threads, &never, sink, progress)
}

/// Runs the runs `keys` of `plan` (a shard, or those not yet stored) on `threads`
/// threads (0 = one per core), like [`run_all`]. A run starts only while `stop` is
/// false; runs in flight when it is set finish and are stored, the others are skipped
/// (so the result may hold fewer digests than `keys`). Returns digests in key order.
///
/// The calibration pilots (see [`PilotPass`]) are the first jobs handed out and the runs
/// follow, so no thread sits idle while fewer pilots than threads run: a run simulates
/// at once and waits for the calibration only to settle its payments. Where no scenario
/// of `keys` needs calibration, runs never wait.
pub fn run_selected<E, S, P>(
    plan: &ExperimentPlan,
    keys: &[RunKey],
    settings: RunSettings,
    threads: usize,
    stop: &AtomicBool,
    sink: S,
    progress: P,
) -> Result<Vec<RunDigest>, RunError<E>>
where
    E: std::error::Error + Send + 'static,
    S: Fn(&ExperimentPlan, &RunOutput) -> Result<(), E> + Sync,
    P: Fn(usize) + Sync,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        // Generous worker stacks (virtual memory, touched only when used): a run's frames
        // plus rayon's splitting recursion overflowed the 2 MiB default on long grids.
        .stack_size(RUN_STACK_BYTES)
        .build()
        .map_err(|source| RunError::Threads { threads, source })?;
    let pass = PilotPass::new(plan, settings, &scenarios_of(keys))?;
    let gate = CalibrationGate::new(pass.len());
    let uncalibrated = PaymentCalibration::default();
    // Jobs `0..pass.len()` are the pilots, then one per key, handed out in that order.
    let (next, jobs) = (AtomicUsize::new(0), pass.len() + keys.len());
    let (done, failed) = (AtomicUsize::new(0), AtomicBool::new(false));
    let one_run = |key: RunKey| -> Result<Option<RunDigest>, RunError<E>> {
        let scenario = || plan.scenarios[key.scenario as usize].name.clone();
        let model = plan.model(key.scenario, key.sample);
        let mut out = flow::run(model, settings, key).map_err(|source| RunError::Deadlock {
            scenario: scenario(),
            sample: key.sample,
            replication: key.replication,
            source,
        })?;
        // Simulated already; only the settlement needs the pilots.
        let calibrations = if pass.serves(key.scenario) {
            let Some(c) = gate.wait() else { return Ok(None) };
            Some(c)
        } else {
            None
        };
        let calibration = calibrations.as_ref().map_or(&uncalibrated, |c| &c[key.scenario as usize]);
        settle_output(model, calibration, settings, &mut out)
            .map_err(|source| RunError::Payment { scenario: scenario(), source })?;
        let economy = RunEconomy::of(&out, model.payment.as_ref().map(|s| &s.area.registry));
        sink(plan, &out).map_err(|source| RunError::Sink {
            scenario: scenario(),
            sample: key.sample,
            replication: key.replication,
            source,
        })?;
        progress(done.fetch_add(1, Ordering::Relaxed) + 1);
        Ok(Some(RunDigest { key: out.key, events: out.events, pools: out.pools, economy }))
    };
    let worker = || -> Result<Vec<(usize, RunDigest)>, RunError<E>> {
        let mut mine = Vec::new();
        while !stop.load(Ordering::Relaxed) && !failed.load(Ordering::Relaxed) {
            let job = next.fetch_add(1, Ordering::Relaxed);
            let result = if job >= jobs {
                break;
            } else if job < pass.len() {
                gate.pilot(job, || pass.run(job), |pilots| pass.calibrate(pilots)).map(|()| None)
            } else {
                one_run(keys[job - pass.len()]).map(|d| d.map(|d| (job - pass.len(), d)))
            };
            match result {
                Ok(Some(d)) => mine.push(d),
                Ok(None) if job >= pass.len() => break, // the calibration failed
                Ok(None) => {}
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        Ok(mine)
    };
    let mut digests = Vec::with_capacity(keys.len());
    for from_thread in pool.broadcast(|_| worker()) {
        digests.extend(from_thread?);
    }
    digests.sort_unstable_by_key(|(i, _)| *i);
    Ok(digests.into_iter().map(|(_, d)| d).collect())
}

/// Reads one metric from a pool summary (`None` where it is undefined in that run).
pub type MetricReader = fn(&PoolSummary) -> Option<f64>;

/// The metrics summarised per scenario and pool, with how to read each from a run.
/// Each metric is also a `pool_summary` column of the same name (holding exactly this
/// value): `caresim merge` reads the summaries back from those columns.
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

/// Summarises the digests per scenario, pool and metric, over every sample and
/// replication (see [`crate::compare`] for the same from stored metrics, and paired
/// differences).
pub fn summarise(plan: &ExperimentPlan, digests: &[RunDigest]) -> Vec<SummaryRow> {
    let metrics: Vec<crate::compare::RunMetrics> = digests.iter().map(crate::compare::RunMetrics::of).collect();
    crate::compare::summarise(plan, &metrics)
}
