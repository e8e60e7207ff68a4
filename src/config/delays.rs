//! Validation of the delay keys of a model: a pool measured in carer hours, process
//! delays and their levers on a step, rebooking of cancelled planned admissions on a
//! pathway.

use super::raw::{RawPool, RawProcessDelay, RawStep};
use super::validate::{Problems, duration};
use crate::capacity::deadlock::lockable;
use crate::capacity::{CapacityUnit, PackageHours, Places, PoolId, WhenFull};
use crate::config::Model;
use crate::dist::DurationDist;
use crate::pathway::{DelayLevers, Next, ProcessDelay, StepId};
use crate::time::SimDuration;

/// The sets of lockable pools that pathways route round in a cycle (strongly connected
/// sets of two pools or more in the graph "a step in A may be followed by a step in B"),
/// each sorted by id, in order of their first pool. A move to a step in the same pool
/// keeps the place and is not an edge.
pub fn queue_cycles(model: &Model) -> Vec<Vec<PoolId>> {
    let n = model.pools.len();
    let mut edges = vec![Vec::new(); n];
    for pathway in &model.pathways {
        for step in &pathway.steps {
            let from = step.pool.0 as usize;
            if !lockable(&model.pools[from]) {
                continue;
            }
            let routes = std::iter::once(&step.route).chain(step.route_by_frailty.iter().flatten());
            for next in routes.flat_map(|r| r.destinations()) {
                if let Next::Step(s) = next {
                    let to = pathway.step(s).pool.0 as usize;
                    if to != from && lockable(&model.pools[to]) && !edges[from].contains(&to) {
                        edges[from].push(to);
                    }
                }
            }
        }
    }
    let reach: Vec<Vec<bool>> = (0..n)
        .map(|start| {
            let mut seen = vec![false; n];
            let mut stack = edges[start].clone();
            while let Some(v) = stack.pop() {
                if !seen[v] {
                    seen[v] = true;
                    stack.extend(&edges[v]);
                }
            }
            seen
        })
        .collect();
    let mut assigned = vec![false; n];
    let mut cycles = Vec::new();
    for i in 0..n {
        if assigned[i] || !reach[i][i] {
            continue;
        }
        let members: Vec<usize> = (i..n).filter(|&j| reach[i][j] && reach[j][i]).collect();
        if members.len() >= 2 {
            members.iter().for_each(|&j| assigned[j] = true);
            cycles.push(members.into_iter().map(|j| PoolId(j as u16)).collect());
        }
    }
    cycles
}

/// A pool's unit and, for a pool of carer hours, its package size: the pool's
/// `package_hours_per_week`, or in a cohort model `[cohort.home_care]`'s hours
/// (`cohort_hours`, mean and sd), so that one key sets the size of a package; a cohort
/// model that sets both is an error (one of them would do nothing).
pub fn pool_unit(
    p: &mut Problems,
    key: &str,
    pool: &RawPool,
    cohort_hours: Option<(f64, f64)>,
) -> (CapacityUnit, Option<PackageHours>) {
    match (pool.capacity_unit, &pool.package_hours_per_week, cohort_hours) {
        (CapacityUnit::CarerHoursPerWeek, Some(_), Some(_)) => {
            p.push(
                format!("{key}.package_hours_per_week"),
                "",
                "is set twice: in a cohort model a package's hours come from [cohort.home_care] \
                 (hours_per_week_mean, hours_per_week_sd); remove it here",
            );
            (CapacityUnit::CarerHoursPerWeek, None)
        }
        (CapacityUnit::CarerHoursPerWeek, None, Some((mean, sd))) => {
            // Checked (and reported) by the cohort's validation.
            let valid = [mean, sd].iter().all(|v| v.is_finite() && *v > 0.0);
            (CapacityUnit::CarerHoursPerWeek, valid.then_some(PackageHours { mean, sd }))
        }
        (unit, hours, _) => pool_unit_alone(p, key, unit, hours),
    }
}

/// [`pool_unit`] of a pool that sets its own package size (no cohort).
fn pool_unit_alone(
    p: &mut Problems,
    key: &str,
    unit: CapacityUnit,
    hours: &Option<super::raw::RawPackageHours>,
) -> (CapacityUnit, Option<PackageHours>) {
    match (unit, hours) {
        (CapacityUnit::Places, None) => (CapacityUnit::Places, None),
        (CapacityUnit::Places, Some(_)) => {
            p.push(
                format!("{key}.package_hours_per_week"),
                "",
                "applies only to a pool of carer hours: set capacity_unit = \"carer_hours_per_week\" or remove it",
            );
            (CapacityUnit::Places, None)
        }
        (CapacityUnit::CarerHoursPerWeek, None) => {
            p.push(
                format!("{key}.package_hours_per_week"),
                "",
                "is required for a pool of carer hours in a model without a cohort: the size of a package, \
                 e.g. { mean = 12.4, sd = 7.44 }",
            );
            (CapacityUnit::CarerHoursPerWeek, None)
        }
        (CapacityUnit::CarerHoursPerWeek, Some(h)) => {
            let mut ok = true;
            for (name, v) in [("mean", h.mean), ("sd", h.sd)] {
                if !(v.is_finite() && v > 0.0) {
                    p.push(format!("{key}.package_hours_per_week.{name}"), v, "must be a number of hours above 0");
                    ok = false;
                }
            }
            (CapacityUnit::CarerHoursPerWeek, ok.then_some(PackageHours { mean: h.mean, sd: h.sd }))
        }
    }
}

/// A pool's reneging time (`renege_after`): only for a pool whose requests can wait,
/// i.e. limited places and `when_full = "queue"`.
pub fn renege_after(p: &mut Problems, key: &str, pool: &RawPool, places: Places) -> Option<DurationDist> {
    let raw = pool.renege_after.as_ref()?;
    let key = format!("{key}.renege_after");
    if pool.when_full == WhenFull::TurnAway {
        p.push(&key, "", "applies only to a pool whose requests wait (when_full = \"queue\"): remove it or queue");
        return None;
    }
    if places == Places::Unlimited {
        p.push(&key, "", "has no effect on an unlimited pool, where nobody waits: remove it or limit the capacity");
        return None;
    }
    duration(p, &key, raw)
}

/// The rebooking delay of a pathway (`rebook_when_full_days`).
pub fn rebook(p: &mut Problems, key: &str, days: Option<f64>) -> Option<SimDuration> {
    let d = days?;
    if !(d.is_finite() && d > 0.0) {
        p.push(key, d, "must be a number of days above 0 (remove the key to let patients wait for a place)");
        return None;
    }
    Some(SimDuration::from_days_f64(d))
}

/// A step's levers on its process delays.
pub fn levers(p: &mut Problems, key: &str, step: &RawStep) -> DelayLevers {
    let m = step.assessment_multiplier;
    if !(m.is_finite() && m >= 0.0) {
        p.push(format!("{key}.assessment_multiplier"), m, "must be a finite number of at least 0 (1 = no change)");
    }
    DelayLevers { discharge_to_assess: step.discharge_to_assess, assessment_multiplier: m.max(0.0) }
}

/// Most process delays one step may list (a patient counts through them in a byte).
pub const MAX_PROCESS_DELAYS: usize = 32;

/// A step's process delays, in the order written.
pub fn process_delays(
    p: &mut Problems,
    key: &str,
    raw: &[RawProcessDelay],
    step_id: &dyn Fn(&str) -> Option<StepId>,
) -> Vec<ProcessDelay> {
    let mut out = Vec::new();
    if raw.len() > MAX_PROCESS_DELAYS {
        p.push(
            format!("{key}.process_delays"),
            format!("{} entries", raw.len()),
            format!("a step has at most {MAX_PROCESS_DELAYS} process delays"),
        );
        return out;
    }
    for (i, d) in raw.iter().enumerate() {
        let dkey = format!("{key}.process_delays[{i}]");
        let probability_ok = d.p.is_finite() && (0.0..=1.0).contains(&d.p);
        if !probability_ok {
            p.push(format!("{dkey}.p"), d.p, "must be a probability between 0 and 1");
        }
        let only_to = d.to.as_ref().map(|names| {
            names
                .iter()
                .enumerate()
                .filter_map(|(j, n)| {
                    let next = if n == "exit" { Some(Next::Exit) } else { step_id(n).map(Next::Step) };
                    if next.is_none() {
                        p.push(format!("{dkey}.to[{j}]"), n, "is neither \"exit\" nor a step of this pathway");
                    }
                    next
                })
                .collect()
        });
        let dist = duration(p, &format!("{dkey}.duration"), &d.duration);
        if let (true, Some(duration)) = (probability_ok, dist) {
            out.push(ProcessDelay {
                reason: d.reason,
                responsible: d.responsible,
                probability: d.p,
                duration,
                only_to,
            });
        }
    }
    out
}
