//! The calibration pass: pilot runs of the baseline scenario whose activity sets the
//! payment values a scenario takes from a baseline (MRET baseline, calibrated blocks,
//! single-budget contributions, year-of-care capitation).
//!
//! The pass is a list of independent pilot jobs and a calibration step once every pilot
//! is in, so the runner can run the pilots beside the measured runs: only a run's
//! settlement waits for the calibration, never its simulation.

use super::{PILOT_REPLICATION_BASE, RunError, window_days};
use crate::config::ExperimentPlan;
use crate::config::Model;
use crate::config::RunSettings;
use crate::flow;
use crate::payment::PaymentError;
use crate::payment::run::Pilot;
use crate::payment::spec::{PaymentCalibration, PaymentSpec};
use crate::payment::year_of_care::CohortRule;
use crate::record::RunKey;
use rayon::prelude::*;

/// One set of calibration pilots.
#[derive(Clone, Debug, PartialEq)]
pub struct PilotGroup {
    /// The year-of-care selection rule its pilots record (`None`: no year of care).
    pub rule: Option<CohortRule>,
    /// The spec (index into [`PilotPlan::specs`]) its pilots run under.
    pub spec: usize,
    /// Pilot runs: the most `pilot_replications` of the specs it serves.
    pub runs: u32,
}

/// How the calibration pass shares its pilots between payment specs.
#[derive(Clone, Debug, PartialEq)]
pub struct PilotPlan {
    /// The distinct lever-free specs that need calibration, each with its scenarios.
    pub specs: Vec<(PaymentSpec, Vec<u16>)>,
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
    let mut specs: Vec<(PaymentSpec, Vec<u16>)> = Vec::new();
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
    let rule = |spec: &PaymentSpec| spec.year_of_care.as_ref().map(|y| y.rule);
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

/// The calibration pass of one experiment as separate jobs: [`PilotPass::run`] each
/// pilot (in any order, on any thread), then [`PilotPass::calibrate`] from all of them.
pub struct PilotPass<'a> {
    plan: &'a ExperimentPlan,
    settings: RunSettings,
    pilots: PilotPlan,
    /// The baseline model under each group's spec.
    models: Vec<Model>,
    /// Every pilot job: (group, pilot index within the group), groups in order.
    jobs: Vec<(usize, u32)>,
    /// Whether each scenario (by index) takes its payments from the calibration.
    serves: Vec<bool>,
}

impl<'a> PilotPass<'a> {
    /// The pass for the runs of `scenarios` (see [`pilot_plan`]): the **baseline
    /// scenario's** model (the first; its base parameters, not a sample) under each
    /// shared spec with every lever off. Fails when some scenario needs calibration but
    /// the baseline has no cohort to calibrate from.
    pub fn new<E: std::error::Error + 'static>(
        plan: &'a ExperimentPlan,
        settings: RunSettings,
        scenarios: &[u16],
    ) -> Result<Self, RunError<E>> {
        let pilots = pilot_plan(plan, scenarios);
        let mut serves = vec![false; plan.scenarios.len()];
        for (_, users) in &pilots.specs {
            for &s in users {
                serves[s as usize] = true;
            }
        }
        let models: Vec<Model> = match plan.scenarios.first() {
            Some(baseline) if baseline.model.cohort.is_some() => pilots
                .groups
                .iter()
                .map(|g| Model { payment: Some(pilots.specs[g.spec].0.clone()), ..baseline.model.clone() })
                .collect(),
            _ => match pilots.specs.first() {
                Some((_, users)) => {
                    return Err(RunError::Payment {
                        scenario: plan.scenarios[users[0] as usize].name.clone(),
                        source: PaymentError::InvalidParameter {
                            name: "payment",
                            reason: "the baseline scenario has no cohort to calibrate from".into(),
                        },
                    });
                }
                None => Vec::new(),
            },
        };
        let jobs =
            pilots.groups.iter().enumerate().flat_map(|(g, group)| (0..group.runs).map(move |r| (g, r))).collect();
        Ok(Self { plan, settings, pilots, models, jobs, serves })
    }

    /// Pilot jobs in all.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// True when no scenario needs calibration.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// True when the runs of `scenario` are settled with values from the calibration.
    pub fn serves(&self, scenario: u16) -> bool {
        self.serves.get(scenario as usize).copied().unwrap_or(false)
    }

    /// Simulates pilot job `job` (`0..len()`): its activity, window and key.
    pub fn run(&self, job: usize) -> Pilot {
        let (g, r) = self.jobs[job];
        let settings = RunSettings { record_episodes: false, record_events: false, ..self.settings };
        let key = RunKey { scenario: 0, sample: 0, replication: PILOT_REPLICATION_BASE - r };
        // A pilot that deadlocks calibrates from no activity; the scenario's own runs,
        // of the same model, report the deadlock (blocking locks a model, not a draw).
        let (activity, person_year) = match flow::run(&self.models[g], settings, key) {
            Ok(run) => (run.activity.unwrap_or_default(), run.person_year),
            Err(_) => Default::default(),
        };
        (activity, window_days(self.settings), key, person_year)
    }

    /// Calibrates every served scenario from `pilots`, the output of [`PilotPass::run`]
    /// for each job in job order. Indexed by scenario; the default (nothing calibrated)
    /// where none is needed.
    pub fn calibrate<E: std::error::Error + 'static>(
        &self,
        pilots: Vec<Pilot>,
    ) -> Result<Vec<PaymentCalibration>, RunError<E>> {
        let mut out = vec![PaymentCalibration::default(); self.plan.scenarios.len()];
        let Some(cohort) = self.plan.scenarios.first().and_then(|b| b.model.cohort.as_ref()) else {
            return Ok(out);
        };
        let mut by_group: Vec<Vec<Pilot>> = self.pilots.groups.iter().map(|_| Vec::new()).collect();
        for (&(g, _), pilot) in self.jobs.iter().zip(pilots) {
            by_group[g].push(pilot);
        }
        for ((spec, users), g) in self.pilots.specs.iter().zip(&self.pilots.group_of) {
            let mine = &by_group[*g][..spec.pilot_replications.max(1) as usize];
            let c = crate::payment::run::calibrate(spec, mine, &cohort.costs, self.settings.master_seed).map_err(
                |source| RunError::Payment { scenario: self.plan.scenarios[users[0] as usize].name.clone(), source },
            )?;
            for &s in users {
                out[s as usize] = c.clone();
            }
        }
        Ok(out)
    }
}

/// The whole calibration pass on its own, every pilot in parallel on the current rayon
/// pool, for each scenario of `scenarios` whose payments take values from a baseline:
/// `pilot_replications` pilots of the baseline scenario's model under that scenario's
/// payment spec with every lever off, shared as [`pilot_plan`] says. Indexed by
/// scenario; the default (nothing calibrated) where none is needed. (The runner does
/// the same pass beside the runs: see [`crate::experiment::run_selected`].)
pub fn calibrate_payments<E: std::error::Error + 'static>(
    plan: &ExperimentPlan,
    settings: RunSettings,
    scenarios: &[u16],
) -> Result<Vec<PaymentCalibration>, RunError<E>> {
    let pass = PilotPass::new(plan, settings, scenarios)?;
    let pilots: Vec<Pilot> = (0..pass.len()).into_par_iter().map(|j| pass.run(j)).collect();
    pass.calibrate(pilots)
}
