//! The book of delayed transfers of care: time between medically ready and leaving,
//! by the pool held, the pool waited for (none for a process before leaving the
//! modelled system), the reason in force and the organisation responsible, over the
//! measurement window.
//!
//! A patient's delay may have several segments with different reasons (an assessment,
//! then a wait for a care home place): each segment is added with its own key, and the
//! delay counts as one delayed transfer, under the key in force when the patient leaves.

use super::{DelayReason, PoolId, Responsible};
use crate::time::{MINUTES_PER_DAY, SimTime};
use std::collections::BTreeMap;

/// What a delayed minute is attributed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DelayKey {
    /// The pool whose place the patient keeps.
    pub held: PoolId,
    /// The pool the patient is bound for (`None`: leaving the modelled system).
    pub waited_for: Option<PoolId>,
    /// The reason in force.
    pub reason: DelayReason,
    /// The organisation responsible.
    pub responsible: Responsible,
}

/// Delayed time and delays ended under one key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DelayRow {
    /// Delayed place-minutes in the window.
    pub minutes: u128,
    /// Delays that ended in the window (after a positive delay) under this key.
    pub transfers: u64,
}

/// Delayed time by [`DelayKey`] over a measurement window that starts at the warm-up.
#[derive(Clone, Debug, Default)]
pub struct DelayBook {
    warmup: SimTime,
    rows: BTreeMap<DelayKey, DelayRow>,
}

impl DelayBook {
    /// An empty book whose window starts at `warmup`.
    pub fn new(warmup: SimTime) -> DelayBook {
        DelayBook { warmup, rows: BTreeMap::new() }
    }

    /// Adds the delayed interval `[from, to)`, clipped to the window. When `ends` is
    /// true the delay ends at `to` (the patient leaves) and, if it lasted and `to` is
    /// in the window, counts as one delayed transfer under `key`.
    pub fn add(&mut self, key: DelayKey, from: SimTime, to: SimTime, delay_began: SimTime, ends: bool) {
        let start = from.max(self.warmup);
        let minutes = if to > start { to.since(start).minutes() as u128 } else { 0 };
        let transfer = ends && to >= self.warmup && to > delay_began;
        if minutes > 0 || transfer {
            let row = self.rows.entry(key).or_default();
            row.minutes += minutes;
            row.transfers += u64::from(transfer);
        }
    }

    /// The rows with delayed time or delays ended, in key order.
    pub fn rows(&self) -> impl Iterator<Item = (&DelayKey, &DelayRow)> {
        self.rows.iter()
    }

    /// Delayed days by reason and responsible organisation, summed over pools.
    pub fn days_by_reason(&self) -> BTreeMap<(DelayReason, Responsible), f64> {
        let mut out = BTreeMap::new();
        for (k, r) in &self.rows {
            *out.entry((k.reason, k.responsible)).or_insert(0.0) += r.minutes as f64 / MINUTES_PER_DAY as f64;
        }
        out
    }
}

/// The run days whose midnight falls in `[from, to)`: the days a patient delayed over
/// that interval counts as delayed in the national returns (a delayed day is a patient
/// delayed at midnight). Day `d` is the midnight that starts day `d`.
pub fn midnights(from: SimTime, to: SimTime) -> impl Iterator<Item = u32> {
    let first = from.0.div_ceil(MINUTES_PER_DAY);
    let end = to.0.div_ceil(MINUTES_PER_DAY);
    (first..end.max(first)).map(|d| d as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(reason: DelayReason) -> DelayKey {
        DelayKey { held: PoolId(0), waited_for: Some(PoolId(1)), reason, responsible: Responsible::Council }
    }

    #[test]
    fn segments_are_clipped_to_the_window_and_a_delay_counts_once() {
        let day = MINUTES_PER_DAY;
        let mut b = DelayBook::new(SimTime(10 * day));
        let (assess, package) = (key(DelayReason::AwaitingAssessment), key(DelayReason::AwaitingCarePackage));
        // Ready on day 9, assessed until day 11, waits for a package until day 12.
        b.add(assess, SimTime(9 * day), SimTime(11 * day), SimTime(9 * day), false);
        b.add(package, SimTime(11 * day), SimTime(12 * day), SimTime(9 * day), true);
        let rows: Vec<(DelayKey, DelayRow)> = b.rows().map(|(k, r)| (*k, *r)).collect();
        assert_eq!(
            rows,
            vec![
                (assess, DelayRow { minutes: day as u128, transfers: 0 }),
                (package, DelayRow { minutes: day as u128, transfers: 1 }),
            ]
        );
        // Entirely in the warm-up: nothing.
        b.add(assess, SimTime(0), SimTime(day), SimTime(0), true);
        assert_eq!(b.rows().count(), 2);
        let by_reason = b.days_by_reason();
        assert_eq!(by_reason[&(DelayReason::AwaitingAssessment, Responsible::Council)], 1.0);
    }

    #[test]
    fn midnights_counts_the_days_delayed_at_midnight() {
        let day = MINUTES_PER_DAY;
        assert_eq!(midnights(SimTime(day / 2), SimTime(3 * day + 1)).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(midnights(SimTime(day), SimTime(day)).count(), 0);
        assert_eq!(midnights(SimTime(day), SimTime(day + 1)).collect::<Vec<_>>(), vec![1]);
        assert_eq!(midnights(SimTime(day + 1), SimTime(2 * day)).count(), 0);
        assert_eq!(midnights(SimTime(5 * day), SimTime(2 * day)).count(), 0);
    }
}
