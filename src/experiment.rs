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
use crate::record::{ActivityLog, PoolSummary, RunKey, RunOutput};
use crate::stats::Summary;
use rayon::prelude::*;

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

/// One set of calibration pilots.
#[derive(Clone, Debug, PartialEq)]
pub struct PilotGroup {
    /// The year-of-care selection rule its pilots record (`None`: no year of care).
    pub rule: Option<crate::payment::year_of_care::CohortRule>,
    /// The spec (index into [`PilotPlan::specs`]) its pilots run under.
    pub spec: usize,
    /// Pilot runs: the most `pilot_replications` of the specs it serves.
    pub runs: u32,
}

/// How the calibration pass shares its pilots between payment specs.
#[derive(Clone, Debug, PartialEq)]
pub struct PilotPlan {
    /// The distinct lever-free specs that need calibration, each with its scenarios.
    pub specs: Vec<(crate::payment::spec::PaymentSpec, Vec<u16>)>,
    /// The pilot sets.
    pub groups: Vec<PilotGroup>,
    /// The group serving each spec.
    pub group_of: Vec<usize>,
}

impl PilotPlan {
    /// Pilot runs in all.
    pub fn runs(&self) -> u32 {
        self.groups.iter().map(|g| g.runs).sum()
    }
}

/// The pilots [`calibrate_payments`] runs for `scenarios`. Recording never changes
/// activity, and with levers off every spec simulates the baseline model, so pilots
/// differ only in the year-of-care enrolment they record: one set per distinct
/// selection rule (in spec order) serves every spec with that rule, specs without year
/// of care use the first set, and one plain set runs when no spec has a rule.
pub fn pilot_plan(plan: &ExperimentPlan, scenarios: &[u16]) -> PilotPlan {
    let mut specs: Vec<(crate::payment::spec::PaymentSpec, Vec<u16>)> = Vec::new();
    for &s in scenarios {
        let Some(spec) = plan.scenarios[s as usize].model.payment.as_ref().filter(|p| p.needs_calibration()) else {
            continue;
        };
        let spec = spec.without_levers();
        match specs.iter_mut().find(|(d, _)| *d == spec) {
            Some((_, users)) => users.push(s),
            None => specs.push((spec, vec![s])),
        }
    }
    let rule = |spec: &crate::payment::spec::PaymentSpec| spec.year_of_care.as_ref().map(|y| y.rule);
    let mut groups: Vec<PilotGroup> = Vec::new();
    for (k, (spec, _)) in specs.iter().enumerate() {
        if rule(spec).is_some() && !groups.iter().any(|g| g.rule == rule(spec)) {
            groups.push(PilotGroup { rule: rule(spec), spec: k, runs: 0 });
        }
    }
    if groups.is_empty() && !specs.is_empty() {
        groups.push(PilotGroup { rule: None, spec: 0, runs: 0 });
    }
    let group_of: Vec<usize> = specs
        .iter()
        .map(|(spec, _)| groups.iter().position(|g| rule(spec).is_none() || g.rule == rule(spec)).unwrap_or(0))
        .collect();
    for ((spec, _), g) in specs.iter().zip(&group_of) {
        groups[*g].runs = groups[*g].runs.max(spec.pilot_replications.max(1));
    }
    PilotPlan { specs, groups, group_of }
}

/// The first pass of two: for each scenario of `scenarios` whose payments take values
/// from a baseline, runs `pilot_replications` pilots of the **baseline scenario's** model
/// (the first; its base parameters, not a sample) under this scenario's payment spec with
/// every lever off, and calibrates from them. The pilots are shared as
/// [`pilot_plan`] says, and every set runs in parallel.
/// Indexed by scenario; the default (nothing calibrated) where none is needed.
pub fn calibrate_payments<E: std::error::Error + 'static>(
    plan: &ExperimentPlan,
    settings: RunSettings,
    scenarios: &[u16],
) -> Result<Vec<PaymentCalibration>, RunError<E>> {
    let mut out = vec![PaymentCalibration::default(); plan.scenarios.len()];
    let Some(baseline) = plan.scenarios.first() else { return Ok(out) };
    let PilotPlan { specs, groups, group_of } = pilot_plan(plan, scenarios);
    let name = |s: u16| plan.scenarios[s as usize].name.clone();
    let Some(cohort) = baseline.model.cohort.as_ref() else {
        return match specs.first() {
            Some((_, users)) => Err(RunError::Payment {
                scenario: name(users[0]),
                source: PaymentError::InvalidParameter {
                    name: "payment",
                    reason: "the baseline scenario has no cohort to calibrate from".into(),
                },
            }),
            None => Ok(out),
        };
    };
    let models: Vec<crate::model::Model> = groups
        .iter()
        .map(|g| crate::model::Model { payment: Some(specs[g.spec].0.clone()), ..baseline.model.clone() })
        .collect();
    // Every pilot of every group at once, in parallel.
    let pilot_settings = RunSettings { record_episodes: false, record_events: false, ..settings };
    let jobs: Vec<(usize, u32)> =
        groups.iter().enumerate().flat_map(|(g, group)| (0..group.runs).map(move |r| (g, r))).collect();
    let pilots: Vec<(usize, ActivityLog, (u32, u32), RunKey)> = jobs
        .into_par_iter()
        .map(|(g, r)| {
            let key = RunKey { scenario: 0, sample: 0, replication: PILOT_REPLICATION_BASE - r };
            let run = flow::run(&models[g], pilot_settings, key);
            (g, run.activity.unwrap_or_default(), window_days(settings), key)
        })
        .collect();
    let mut by_group: Vec<Vec<crate::payment::run::Pilot>> = groups.iter().map(|_| Vec::new()).collect();
    for (g, log, window, key) in pilots {
        by_group[g].push((log, window, key));
    }
    let by_spec: Vec<&[crate::payment::run::Pilot]> = specs
        .iter()
        .zip(&group_of)
        .map(|((spec, _), g)| &by_group[*g][..spec.pilot_replications.max(1) as usize])
        .collect();
    for ((spec, users), mine) in specs.iter().zip(by_spec) {
        let c = crate::payment::run::calibrate(spec, mine, &cohort.costs, settings.master_seed)
            .map_err(|source| RunError::Payment { scenario: name(users[0]), source })?;
        for &s in users {
            out[s as usize] = c.clone();
        }
    }
    Ok(out)
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
    let never = std::sync::atomic::AtomicBool::new(false);
    run_selected(plan, &keys, settings, threads, &never, sink, progress)
}

/// Runs the runs `keys` of `plan` (a shard, or those not yet stored) on `threads`
/// threads (0 = one per core), like [`run_all`]. A run starts only while `stop` is
/// false; runs in flight when it is set finish and are stored, the others are skipped
/// (so the result may hold fewer digests than `keys`). Returns digests in key order.
pub fn run_selected<E, S, P>(
    plan: &ExperimentPlan,
    keys: &[RunKey],
    settings: RunSettings,
    threads: usize,
    stop: &std::sync::atomic::AtomicBool,
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
    let done = std::sync::atomic::AtomicUsize::new(0);
    pool.install(|| {
        let calibrations = calibrate_payments(plan, settings, &scenarios_of(keys))?;
        let digests: Result<Vec<Option<RunDigest>>, RunError<E>> = keys
            .par_iter()
            .map(|key| {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return Ok(None);
                }
                let model = plan.model(key.scenario, key.sample);
                let mut out = flow::run(model, settings, *key);
                settle_output(model, &calibrations[key.scenario as usize], settings, &mut out).map_err(|source| {
                    RunError::Payment { scenario: plan.scenarios[key.scenario as usize].name.clone(), source }
                })?;
                let economy = RunEconomy::of(&out, model.payment.as_ref().map(|s| &s.area.registry));
                sink(plan, &out).map_err(|source| RunError::Sink {
                    scenario: plan.scenarios[key.scenario as usize].name.clone(),
                    sample: key.sample,
                    replication: key.replication,
                    source,
                })?;
                progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                Ok(Some(RunDigest { key: out.key, events: out.events, pools: out.pools, economy }))
            })
            .collect();
        digests.map(|d| d.into_iter().flatten().collect())
    })
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
