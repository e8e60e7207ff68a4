//! Running an experiment: every (scenario, sample, replication) of a plan, in parallel
//! across runs (each run single-threaded inside), results handed to a sink as they
//! finish and summarised across replications at the end.
//!
//! Runs are independent and seeded from their key only, so the results do not depend on
//! the number of threads or the order runs finish in. The payment calibration pilots
//! run beside the runs ([`PilotPass`]), each run's payments are settled by [`settle`],
//! and [`shard`] cuts the grid into fixed slices for independent processes.

mod gate;
mod pilots;
pub mod settle;
pub mod shard;

pub use pilots::{PilotGroup, PilotPass, PilotPlan, calibrate_payments, pilot_plan};
pub use settle::settle_output;

use crate::config::{ExperimentPlan, RunSettings};
use crate::flow;
use crate::flow::RunOutput;
use crate::payment::PaymentError;
use crate::payment::spec::PaymentCalibration;
use crate::record::RunKey;
use crate::summary::area::RunEconomy;
use crate::summary::calibration::{Measure, ReportRow, all_measures};
use crate::summary::digest::RunDigest;
use gate::CalibrationGate;
use settle::window_days;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Stack size of each worker thread, bytes.
pub const RUN_STACK_BYTES: usize = 64 << 20;

/// Pilot runs of the calibration pass count their replication index down from here,
/// so their random streams never coincide with a measured run's.
pub const PILOT_REPLICATION_BASE: u32 = u32::MAX;

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
    /// A run's clock stood still: events went round at one instant (a zero-time cycle).
    #[error("scenario {scenario} sample {sample} replication {replication}: {reason}")]
    Stalled {
        /// Scenario name.
        scenario: String,
        /// Parameter sample index.
        sample: u32,
        /// Replication index.
        replication: u32,
        /// What went round, by pathway and step.
        reason: String,
    },
    /// A parameter sample's config did not build (loading checked it, so not expected).
    #[error("parameter sample {sample}: {source}")]
    Sample {
        /// Which sample.
        sample: u32,
        /// Why.
        source: crate::config::ConfigError,
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
        let model =
            plan.model(key.scenario, key.sample).map_err(|source| RunError::Sample { sample: key.sample, source })?;
        let model = &*model;
        let out = flow::run_until(model, settings, key, stop).map_err(|source| RunError::Deadlock {
            scenario: scenario(),
            sample: key.sample,
            replication: key.replication,
            source,
        })?;
        // Interrupted: abandoned whole, redone when the experiment is resumed.
        let Some(mut out) = out else { return Ok(None) };
        if let Some(reason) = out.stalled.take() {
            return Err(RunError::Stalled {
                scenario: scenario(),
                sample: key.sample,
                replication: key.replication,
                reason,
            });
        }
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

/// Runs every replication of the plan's first (baseline) scenario on `threads` threads
/// and summarises each calibration measure across them; with `[payment]`, the runs are
/// settled (after the payment pilots) and the money targets
/// ([`crate::summary::money_targets`]) are measured too. Plans without a cohort give
/// an empty report.
pub fn calibration_report(
    plan: &ExperimentPlan,
    threads: usize,
) -> Result<Vec<ReportRow>, Box<dyn std::error::Error + Send + Sync>> {
    use rayon::prelude::*;
    let Some(scenario) = plan.scenarios.first() else {
        return Ok(Vec::new());
    };
    let model = &scenario.model;
    if model.cohort.is_none() {
        return Ok(Vec::new());
    }
    let settings = plan.run_settings(false);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).stack_size(RUN_STACK_BYTES).build()?;
    let calibration = match &model.payment {
        Some(_) => pool.install(|| calibrate_payments::<std::convert::Infallible>(plan, settings, &[0]))?,
        None => Vec::new(),
    };
    type RunResult = Result<Vec<Measure>, Box<dyn std::error::Error + Send + Sync>>;
    let per_run: Vec<RunResult> = pool.install(|| {
        (0..plan.replications)
            .into_par_iter()
            .map(|replication| -> RunResult {
                let mut out =
                    crate::flow::run(model, settings, crate::record::RunKey { scenario: 0, sample: 0, replication })?;
                let mut m = all_measures(&out, &model.pools);
                if let Some(c) = calibration.first() {
                    settle_output(model, c, settings, &mut out)?;
                    m.extend(crate::summary::calibration::money_measures_of(&out, model));
                }
                Ok(m)
            })
            .collect()
    });
    let per_run = per_run.into_iter().collect::<Result<Vec<_>, _>>()?;
    let Some(first) = per_run.first() else {
        return Ok(Vec::new());
    };
    Ok(first
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let values: Vec<f64> = per_run.iter().filter_map(|run| run[k].value).collect();
            ReportRow { measure: Measure { value: None, ..m.clone() }, summary: crate::stats::Summary::of(&values) }
        })
        .collect())
}
