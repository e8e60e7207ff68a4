//! Deadlock in a blocking network: finite `queue` pools that route to each other can
//! lock. A patient blocked in pool A keeps their place until a place in B frees; if
//! every place of B is held by a patient blocked waiting for A (or, round a longer
//! cycle, for a pool that waits for A), nobody can ever move again.
//!
//! Two checks:
//! - [`queue_cycles`](crate::config::delays::queue_cycles), before a run: the cycles of finite place pools that queue when
//!   full and that pathways route between (the pools that blocking *can* lock), for
//!   `validate` to warn about.
//! - [`BlockedGraph`], during a run: counts of blocked patients by the pool they hold
//!   and the pool they wait for. When a pool's every place is held by a blocked patient
//!   it looks for a set of pools, each full of patients blocked waiting for pools of the
//!   same set: a deadlock, which the run reports as an error naming the pools and the
//!   time instead of running on with a waiting list that never moves.
//!
//! Pools measured in carer hours and unlimited pools are left out: an hours pool's
//! occupants are packages held at home and its capacity is not a count of patients. So
//! are pools whose waiters give up (`renege_after`): a patient blocked waiting for one
//! leaves in a finite time, so no set containing it stays locked.

use super::{CapacityUnit, Places, PoolId, PoolSpec, WhenFull};

/// True for a pool that blocking can fill for good: finite places that queue when full,
/// with waiters that never give up.
pub fn lockable(pool: &PoolSpec) -> bool {
    matches!(pool.places, Places::Limited(_))
        && pool.when_full == WhenFull::Queue
        && pool.unit == CapacityUnit::Places
        && pool.renege_after.is_none()
}

/// Blocked patients by the pool they hold and the pool they wait for, with a deadlock
/// check.
#[derive(Clone, Debug)]
pub struct BlockedGraph {
    n: usize,
    /// `[held * n + waited_for]`: patients blocked in `held` waiting for `waited_for`.
    counts: Vec<u32>,
    /// Per pool: patients blocked in it waiting for a pool.
    held: Vec<u32>,
    /// Per pool: its places, for lockable pools (`None`: never locks).
    places: Vec<Option<u32>>,
}

impl BlockedGraph {
    /// An empty graph over `pools`.
    pub fn new(pools: &[PoolSpec]) -> BlockedGraph {
        let n = pools.len();
        BlockedGraph {
            n,
            counts: vec![0; n * n],
            held: vec![0; n],
            places: pools
                .iter()
                .map(|p| match p.places {
                    Places::Limited(c) if lockable(p) => Some(c),
                    _ => None,
                })
                .collect(),
        }
    }

    /// A patient holding a place in `held` starts waiting for `waited_for`. Returns
    /// true when `held` is now full of blocked patients (then call
    /// [`BlockedGraph::locked`]).
    #[inline]
    pub fn block(&mut self, held: PoolId, waited_for: PoolId) -> bool {
        let (h, w) = (held.0 as usize, waited_for.0 as usize);
        self.counts[h * self.n + w] += 1;
        self.held[h] += 1;
        self.places[h] == Some(self.held[h])
    }

    /// A patient blocked in `held` waiting for `waited_for` stops waiting (got the place
    /// or died).
    #[inline]
    pub fn unblock(&mut self, held: PoolId, waited_for: PoolId) {
        let (h, w) = (held.0 as usize, waited_for.0 as usize);
        self.counts[h * self.n + w] -= 1;
        self.held[h] -= 1;
    }

    /// The pools that are locked now, sorted by id (empty: none): the largest set of
    /// pools each of whose places is held by a patient blocked waiting for a pool of the
    /// set. No patient of such a set can ever move (each waits for a full pool whose
    /// occupants all wait in turn), unless one of them dies.
    pub fn locked(&self) -> Vec<PoolId> {
        let mut member: Vec<bool> = (0..self.n).map(|i| self.places[i].is_some_and(|c| self.held[i] == c)).collect();
        loop {
            let mut changed = false;
            for i in 0..self.n {
                if member[i] && (0..self.n).any(|j| !member[j] && self.counts[i * self.n + j] > 0) {
                    member[i] = false;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        (0..self.n).filter(|&i| member[i]).map(|i| PoolId(i as u16)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::{DelayReason, Responsible, Setting};
    use crate::config::Model;
    use crate::config::delays::queue_cycles;
    use crate::dist::DurationDist;
    use crate::pathway::{Hold, Next, Pathway, Route, Step, StepId};

    fn pool(name: &str, places: Places, when_full: WhenFull) -> PoolSpec {
        PoolSpec {
            name: name.into(),
            places,
            unit: CapacityUnit::Places,
            package_hours_per_week: None,
            when_full,
            setting: Setting::Other,
            delay_reason: DelayReason::Other,
            responsible: Responsible::Nhs,
            renege_after: None,
        }
    }

    fn step(pool: u16, route: Route) -> Step {
        Step {
            name: format!("s{pool}"),
            pool: PoolId(pool),
            stay: DurationDist::fixed(1.0).expect("valid"),
            priority: 0,
            route,
            route_by_frailty: None,
            hold: Hold::Stay,
            process_delays: Vec::new(),
            levers: crate::pathway::DelayLevers::default(),
        }
    }

    fn model(pools: Vec<PoolSpec>, steps: Vec<Step>) -> Model {
        Model {
            pools,
            pathways: vec![Pathway { name: "p".into(), start: StepId(0), steps, rebook_when_full: None }],
            arrivals: Vec::new(),
            cohort: None,
            payment: None,
            calendar: None,
            self_funded: None,
        }
    }

    #[test]
    fn a_two_pool_cycle_of_queue_pools_is_found() {
        let pools = vec![
            pool("a", Places::Limited(2), WhenFull::Queue),
            pool("b", Places::Limited(2), WhenFull::Queue),
            pool("c", Places::Limited(2), WhenFull::Queue),
        ];
        // a -> b -> a (p 0.5) or c; c -> c (same pool) or exit.
        let steps = vec![
            step(0, Route::new(&[(1.0, Next::Step(StepId(1)))])),
            step(1, Route::new(&[(0.5, Next::Step(StepId(0))), (0.5, Next::Step(StepId(2)))])),
            step(2, Route::new(&[(0.5, Next::Step(StepId(2))), (0.5, Next::Exit)])),
        ];
        assert_eq!(queue_cycles(&model(pools.clone(), steps.clone())), vec![vec![PoolId(0), PoolId(1)]]);
        // A turn-away or unlimited pool breaks the cycle: it never blocks.
        let mut open = pools.clone();
        open[1] = pool("b", Places::Limited(2), WhenFull::TurnAway);
        assert!(queue_cycles(&model(open, steps.clone())).is_empty());
        let mut unlimited = pools;
        unlimited[0] = pool("a", Places::Unlimited, WhenFull::Queue);
        assert!(queue_cycles(&model(unlimited, steps)).is_empty());
    }

    #[test]
    fn a_route_with_probability_zero_is_not_an_edge() {
        let pools =
            vec![pool("a", Places::Limited(2), WhenFull::Queue), pool("b", Places::Limited(2), WhenFull::Queue)];
        let steps = vec![
            step(0, Route::new(&[(1.0, Next::Step(StepId(1)))])),
            step(1, Route::new(&[(0.0, Next::Step(StepId(0))), (1.0, Next::Exit)])),
        ];
        assert!(queue_cycles(&model(pools, steps)).is_empty());
    }

    #[test]
    fn locked_only_when_every_place_of_the_cycle_waits_inside_it() {
        let pools = vec![
            pool("a", Places::Limited(2), WhenFull::Queue),
            pool("b", Places::Limited(1), WhenFull::Queue),
            pool("c", Places::Limited(1), WhenFull::Queue),
        ];
        let mut g = BlockedGraph::new(&pools);
        let (a, b, c) = (PoolId(0), PoolId(1), PoolId(2));
        assert!(!g.block(a, b));
        assert!(g.block(a, c), "a is full of blocked patients");
        assert!(g.locked().is_empty(), "b and c are not full of blocked patients");
        assert!(g.block(b, a));
        assert!(g.locked().is_empty(), "a waits for c too, and c can still move");
        assert!(g.block(c, a));
        assert_eq!(g.locked(), vec![a, b, c]);
        g.unblock(c, a);
        assert!(g.locked().is_empty());
        // The two-pool cycle: both places of a wait for b, the one place of b waits for a.
        let mut g = BlockedGraph::new(&pools);
        g.block(a, b);
        g.block(a, b);
        g.block(b, a);
        assert_eq!(g.locked(), vec![a, b]);
    }
}

#[cfg(test)]
mod shipped {
    /// `validate` warns about lockable cycles: the shipped configs have none.
    #[test]
    fn shipped_configs_have_no_lockable_cycle() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for file in ["configs/default.toml", "configs/small.toml"] {
            let plan = crate::config::load(&root.join(file), &Default::default()).expect("valid shipped config");
            for s in &plan.scenarios {
                assert!(crate::config::delays::queue_cycles(&s.model).is_empty(), "{file} scenario {}", s.name);
            }
        }
    }
}
