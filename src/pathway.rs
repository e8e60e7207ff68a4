//! Pathways as data: a validated set of steps, each a stay in a pool followed by a
//! probabilistic route to another step or out of the system.

use crate::capacity::{DelayReason, PoolId, Responsible};
use crate::dist::DurationDist;
use crate::time::SimDuration;
use rand::RngExt;

/// Typed index of a pathway within a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PathwayId(pub u16);

/// Typed index of a step within its pathway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StepId(pub u16);

/// Where a patient goes when a step ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Another step of the same pathway.
    Step(StepId),
    /// Out of the modelled system (home, or death, for a pure flow model).
    Exit,
}

/// A probabilistic choice among destinations; probabilities sum to 1.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// `(cumulative probability, destination)`, cumulative ending at exactly 1.
    choices: Vec<(f64, Next)>,
}

impl Route {
    /// Everyone exits.
    pub fn exit() -> Route {
        Route { choices: vec![(1.0, Next::Exit)] }
    }

    /// A route from `(probability, destination)` pairs that sum to 1 (checked by the
    /// config layer; here the last cumulative value is pinned to 1).
    pub fn new(pairs: &[(f64, Next)]) -> Route {
        let mut acc = 0.0;
        let mut choices: Vec<(f64, Next)> = pairs
            .iter()
            .map(|(p, n)| {
                acc += p;
                (acc, *n)
            })
            .collect();
        if let Some(last) = choices.last_mut() {
            last.0 = 1.0;
        }
        if choices.is_empty() {
            return Route::exit();
        }
        Route { choices }
    }

    /// The destination for a uniform draw `u` in [0, 1).
    #[inline]
    pub fn choose(&self, u: f64) -> Next {
        if let [(_, only)] = self.choices.as_slice() {
            return *only;
        }
        self.choices.iter().find(|(c, _)| u < *c).map_or(Next::Exit, |(_, n)| *n)
    }

    /// The destinations chosen with a probability above zero.
    pub fn destinations(&self) -> impl Iterator<Item = Next> + '_ {
        let mut before = 0.0;
        self.choices.iter().filter_map(move |(c, n)| {
            let positive = *c > before;
            before = *c;
            positive.then_some(*n)
        })
    }

    /// True when the route needs no random draw.
    pub fn is_certain(&self) -> bool {
        self.choices.len() == 1
    }
}

/// How a person of the cohort holds a step's place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hold {
    /// In the place for the sampled stay (a bed).
    #[default]
    Stay,
    /// For the sampled stay, at home, alongside other care (a package).
    Package,
    /// Until death (a care home placement).
    UntilDeath,
}

/// A process that must be complete before a medically ready patient can leave a step:
/// an assessment, a funding decision, the family's choice of a home, ... Each has its
/// own reason and responsible organisation (the NHS England delayed transfer
/// categories), applies with a probability, and lasts a sampled time.
///
/// The process delays of a step run one after another, in the order written, from the
/// moment the stay ends; while one runs the patient keeps the place and the time is a
/// delayed transfer of care with the process's reason. When the last is complete the
/// patient asks for the next place; if none is free they wait in the place they hold
/// with the reason of the pool waited for. So the patient leaves at the later of the
/// process being complete and a place being free for them, and every delayed minute has
/// one reason in force. (The request for the next place is made when the process is
/// complete, not at readiness: a package or placement is sought once the assessment has
/// said what is needed.)
#[derive(Clone, Debug)]
pub struct ProcessDelay {
    /// Reason recorded while the process runs.
    pub reason: DelayReason,
    /// Organisation responsible for it.
    pub responsible: Responsible,
    /// Probability that a patient leaving the step goes through the process.
    pub probability: f64,
    /// How long the process takes.
    pub duration: DurationDist,
    /// Destinations it applies to (`None`: every destination, exit included).
    pub only_to: Option<Vec<Next>>,
}

/// Policy levers that act on a step's process delays (keys of the step, so that a
/// scenario can set them like any other pathway key).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DelayLevers {
    /// Discharge to assess: assessments (reason [`DelayReason::AwaitingAssessment`]) of
    /// a patient in an acute bed take place after discharge, in the next care setting,
    /// and add no time in hospital.
    pub discharge_to_assess: bool,
    /// Multiplier on assessment durations (a trusted assessor: one assessment accepted
    /// by every provider, in place of each provider's own; 1 = none).
    pub assessment_multiplier: f64,
}

impl Default for DelayLevers {
    fn default() -> Self {
        DelayLevers { discharge_to_assess: false, assessment_multiplier: 1.0 }
    }
}

impl ProcessDelay {
    /// The time this process keeps a patient bound for `next` in a place, or `None`
    /// when it does not apply. Draws a uniform and a duration whether or not it applies,
    /// so that the patient's later draws are the same whatever the levers and
    /// probabilities (common random numbers across scenarios).
    pub fn draw(
        &self,
        rng: &mut crate::rng::SimRng,
        next: Next,
        in_acute: bool,
        levers: &DelayLevers,
    ) -> Option<SimDuration> {
        let u: f64 = rng.random();
        let mut d = self.duration.sample(rng);
        if u >= self.probability || self.only_to.as_ref().is_some_and(|to| !to.contains(&next)) {
            return None;
        }
        if self.reason.is_assessment() {
            if levers.discharge_to_assess && in_acute {
                return None;
            }
            d = SimDuration::from_days_f64(d.as_days_f64() * levers.assessment_multiplier);
        }
        (d > SimDuration::ZERO).then_some(d)
    }
}

/// One step: a stay in a pool, then a route.
#[derive(Clone, Debug)]
pub struct Step {
    /// Name, as written in the config.
    pub name: String,
    /// The pool this step needs a place in.
    pub pool: PoolId,
    /// Length of the stay once admitted.
    pub stay: DurationDist,
    /// Waiting-list priority when the pool is full (0 is served first).
    pub priority: u8,
    /// Where to go when the stay ends.
    pub route: Route,
    /// Routes by frailty (fit, mild, moderate, severe) for people of the cohort.
    pub route_by_frailty: Option<[Route; 4]>,
    /// How a person of the cohort holds the place.
    pub hold: Hold,
    /// Processes between medically ready and leaving, in order (empty: none).
    pub process_delays: Vec<ProcessDelay>,
    /// Levers acting on those processes.
    pub levers: DelayLevers,
}

/// A validated pathway: its steps and the one a new patient starts at.
#[derive(Clone, Debug)]
pub struct Pathway {
    /// Name, as written in the config.
    pub name: String,
    /// The first step.
    pub start: StepId,
    /// All steps, indexed by [`StepId`].
    pub steps: Vec<Step>,
    /// For planned (elective) admissions: when the first step's pool has no free place
    /// at the time of admission, the admission is cancelled and booked again this long
    /// after (`None`: the patient waits for a place, as an emergency does).
    pub rebook_when_full: Option<SimDuration>,
}

impl Pathway {
    /// The step with id `id`.
    #[inline]
    pub fn step(&self, id: StepId) -> &Step {
        &self.steps[id.0 as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_chooses_by_cumulative_probability() {
        let r = Route::new(&[(0.3, Next::Step(StepId(1))), (0.7, Next::Exit)]);
        assert_eq!(r.choose(0.0), Next::Step(StepId(1)));
        assert_eq!(r.choose(0.2999), Next::Step(StepId(1)));
        assert_eq!(r.choose(0.3), Next::Exit);
        assert_eq!(r.choose(0.999_999), Next::Exit);
        assert!(!r.is_certain());
        assert!(Route::exit().is_certain());
        assert_eq!(Route::new(&[]).choose(0.5), Next::Exit);
    }

    fn assessment(p: f64, mean_days: f64) -> ProcessDelay {
        ProcessDelay {
            reason: DelayReason::AwaitingAssessment,
            responsible: Responsible::Council,
            probability: p,
            duration: DurationDist::exponential(mean_days).expect("valid"),
            only_to: None,
        }
    }

    /// The mean time a process adds is p x mean duration: 0.4 x 3 days = 1.2 days. Over
    /// n = 40,000 patients the sample mean has sd sqrt(p (2 - p)) x 3 / sqrt(n) =
    /// 0.0136 days (an exponential duration has second moment 2 mean^2), so 4 sd is
    /// 0.055 days.
    #[test]
    fn process_delay_has_its_configured_mean() {
        use rand::SeedableRng;
        let d = assessment(0.4, 3.0);
        let mut rng = crate::rng::SimRng::seed_from_u64(7);
        let n = 40_000;
        let levers = DelayLevers::default();
        let total: f64 =
            (0..n).map(|_| d.draw(&mut rng, Next::Exit, true, &levers).map_or(0.0, |x| x.as_days_f64())).sum();
        let mean = total / n as f64;
        let sd = (0.4f64 * 1.6).sqrt() * 3.0 / (n as f64).sqrt();
        assert!((mean - 1.2).abs() < 4.0 * sd, "mean {mean} vs 1.2 (4 sd = {})", 4.0 * sd);
    }

    #[test]
    fn levers_move_or_shorten_assessments_and_keep_the_draws_aligned() {
        use rand::SeedableRng;
        let d = assessment(1.0, 3.0);
        let off = DelayLevers::default();
        let d2a = DelayLevers { discharge_to_assess: true, ..off };
        let trusted = DelayLevers { assessment_multiplier: 0.5, ..off };
        for seed in 0..50 {
            let mut a = crate::rng::SimRng::seed_from_u64(seed);
            let mut b = a.clone();
            let mut c = a.clone();
            let base = d.draw(&mut a, Next::Exit, true, &off).expect("p = 1");
            assert_eq!(d.draw(&mut b, Next::Exit, true, &d2a), None, "no assessment in an acute bed under D2A");
            let short = d.draw(&mut c, Next::Exit, true, &trusted).expect("p = 1");
            assert!((short.as_days_f64() - base.as_days_f64() / 2.0).abs() < 1.0 / 1440.0);
            // The same number of draws whatever the lever.
            let next: u64 = a.random();
            assert_eq!(next, b.random::<u64>());
            assert_eq!(next, c.random::<u64>());
        }
        // Outside an acute bed discharge to assess does not apply.
        let mut r = crate::rng::SimRng::seed_from_u64(1);
        assert!(d.draw(&mut r, Next::Exit, false, &d2a).is_some());
        // A process for another destination does not apply.
        let only = ProcessDelay { only_to: Some(vec![Next::Step(StepId(2))]), ..d };
        assert_eq!(only.draw(&mut r, Next::Exit, true, &off), None);
        assert!(only.draw(&mut r, Next::Step(StepId(2)), true, &off).is_some());
    }
}
