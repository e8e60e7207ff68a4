//! Zero-time routing cycles: steps whose stays take (almost) no time and that route back
//! to each other would move a patient round forever at one instant, so the clock never
//! advances and the run never ends. They are rejected at validation; the run loop also
//! stops any run whose clock stands still for too many events (see `flow`).
//!
//! A step is *instant* when its stay is under half a minute on average (every stay is
//! rounded to whole minutes, so such a stay is mostly zero); an empirical stay is instant
//! only when every value is. A cycle is any route, with positive probability, from an
//! instant step back to itself through instant steps only (a step routing to itself
//! included).

use super::raw::{RawDist, RawModel, RawRoute, RawStep};
use crate::time::MINUTES_PER_DAY;

/// Half a minute, in days: stays shorter than this round to zero minutes.
const HALF_MINUTE_DAYS: f64 = 0.5 / MINUTES_PER_DAY as f64;

/// True when a stay drawn from `d` is mostly (or always) zero minutes.
pub fn is_instant(d: &RawDist) -> bool {
    let short = |days: f64| days.is_finite() && days < HALF_MINUTE_DAYS;
    match d {
        RawDist::Exponential { mean_days } => short(*mean_days),
        RawDist::Lognormal { mean_days, .. } | RawDist::Gamma { mean_days, .. } => short(*mean_days),
        RawDist::Fixed { days } => short(*days),
        RawDist::Empirical { days, .. } => !days.is_empty() && days.iter().all(|d| short(*d)),
    }
}

/// Where a step may go next with positive probability (by any frailty's route too).
fn successors(step: &RawStep) -> impl Iterator<Item = &str> {
    let by_frailty = step.next_by_frailty.iter().flat_map(|m| m.values().flatten());
    step.next.iter().chain(by_frailty).filter(|r: &&RawRoute| r.p > 0.0).map(|r| r.to.as_str())
}

/// One zero-time cycle: the dotted key of its first step's route and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZeroTimeCycle {
    /// `pathways.<pathway>.steps.<step>.next`.
    pub key: String,
    /// The steps of the cycle and what to do.
    pub reason: String,
}

/// Every zero-time cycle of every pathway, each reported once (at its first step by
/// name).
pub fn zero_time_cycles(model: &RawModel) -> Vec<ZeroTimeCycle> {
    let mut out = Vec::new();
    for (pathway, p) in &model.pathways {
        let instant = |name: &str| p.steps.get(name).is_some_and(|s| is_instant(&s.stay));
        let mut reported: Vec<&str> = Vec::new();
        for (start, step) in p.steps.iter().filter(|(_, s)| is_instant(&s.stay)) {
            if reported.contains(&start.as_str()) {
                continue;
            }
            // Depth-first search over instant steps for a way back to `start`; `path`
            // holds the steps from `start` to the current one.
            let mut path: Vec<&str> = vec![start];
            let mut stack: Vec<Vec<&str>> = vec![successors(step).collect()];
            let mut seen: Vec<&str> = vec![start];
            let mut cycle = None;
            while let Some(next) = stack.last_mut() {
                let Some(to) = next.pop() else {
                    stack.pop();
                    path.pop();
                    continue;
                };
                if to == start {
                    cycle = Some(path.clone());
                    break;
                }
                if instant(to) && !seen.contains(&to) {
                    seen.push(to);
                    path.push(to);
                    stack.push(p.steps.get(to).map_or_else(Vec::new, |s| successors(s).collect()));
                }
            }
            if let Some(steps) = cycle {
                reported.extend(steps.iter().copied());
                let mut shown = steps.clone();
                shown.push(start);
                out.push(ZeroTimeCycle {
                    key: format!("pathways.{pathway}.steps.{start}.next"),
                    reason: format!(
                        "steps {} route back to each other with stays under half a minute: a patient would go \
                         round at one instant without the clock advancing; give one of them a stay of at least a \
                         minute or a route out of the cycle",
                        shown.join(" -> ")
                    ),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> RawModel {
        toml::from_str(text).expect("raw model")
    }

    const POOLS: &str = "[pools.a]\ncapacity = 1\n";

    #[test]
    fn a_step_routing_to_itself_with_no_stay_is_a_cycle() {
        let m = model(&format!(
            "{POOLS}[pathways.p]\nstart = \"x\"\nsteps.x = {{ pool = \"a\", stay = {{ dist = \"fixed\", days = 0 }}, \
             next = [{{ to = \"x\", p = 1.0 }}] }}\n"
        ));
        let found = zero_time_cycles(&m);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key, "pathways.p.steps.x.next");
        assert!(found[0].reason.contains("steps x -> x route back"), "{}", found[0].reason);
    }

    #[test]
    fn two_instant_steps_routing_to_each_other_are_one_cycle() {
        let m = model(&format!(
            "{POOLS}[pathways.p]\nstart = \"a\"\n\
             steps.a = {{ pool = \"a\", stay = {{ dist = \"exponential\", mean_days = 0.0001 }}, next = [{{ to = \"b\", p = 0.5 }}, {{ to = \"exit\", p = 0.5 }}] }}\n\
             steps.b = {{ pool = \"a\", stay = {{ dist = \"empirical\", days = [0.0, 0.0] }}, next = [{{ to = \"a\", p = 1.0 }}] }}\n"
        ));
        let found = zero_time_cycles(&m);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].reason.contains("steps a -> b -> a"), "{}", found[0].reason);
    }

    #[test]
    fn a_cycle_through_a_real_stay_or_with_zero_probability_is_fine() {
        let m = model(&format!(
            "{POOLS}[pathways.p]\nstart = \"a\"\n\
             steps.a = {{ pool = \"a\", stay = {{ dist = \"fixed\", days = 0 }}, next = [{{ to = \"b\", p = 1.0 }}] }}\n\
             steps.b = {{ pool = \"a\", stay = {{ dist = \"fixed\", days = 0.001 }}, next = [{{ to = \"a\", p = 1.0 }}] }}\n\
             steps.c = {{ pool = \"a\", stay = {{ dist = \"fixed\", days = 0 }}, next = [{{ to = \"c\", p = 0.0 }}, {{ to = \"exit\", p = 1.0 }}] }}\n"
        ));
        assert!(zero_time_cycles(&m).is_empty());
    }
}
