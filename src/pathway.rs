//! Pathways as data: a validated set of steps, each a stay in a pool followed by a
//! probabilistic route to another step or out of the system.

use crate::capacity::PoolId;
use crate::dist::DurationDist;

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

    /// True when the route needs no random draw.
    pub fn is_certain(&self) -> bool {
        self.choices.len() == 1
    }

    /// The destinations this route can choose (those with a probability above zero).
    pub fn destinations(&self) -> impl Iterator<Item = Next> + '_ {
        let mut previous = 0.0;
        self.choices.iter().filter_map(move |(cumulative, next)| {
            let p = cumulative - previous;
            previous = *cumulative;
            (p > 0.0).then_some(*next)
        })
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
}
