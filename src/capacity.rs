//! Capacity pools: a number of places (beds, caseload slots, care-home places), a
//! behaviour when full, and a waiting list.
//!
//! A pool is pure state and rules; the event handlers in [`crate::flow`] decide when to
//! call it. Waiting lists are FIFO within a priority level (0 is served first). A
//! patient waiting while still holding a place in another pool is *blocked* there:
//! blocking after service, which is how a delayed transfer of care arises.

use crate::time::SimTime;
use std::collections::VecDeque;

/// Typed index of a pool within a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolId(pub u16);

/// Typed index of a patient slot within one replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PatientId(pub u32);

/// How many places a pool has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Places {
    /// At most this many occupants at once (at least 1).
    Limited(u32),
    /// No limit: nobody ever waits.
    Unlimited,
}

/// What happens to a request for a place when the pool is full (`when_full` in a config:
/// `"queue"`, the default, or `"turn_away"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenFull {
    /// Wait in the pool's waiting list (an arrival waits outside; a transfer waits in
    /// the place it holds, i.e. is blocked).
    #[default]
    Queue,
    /// The request is lost (turned away and counted); the patient leaves the system.
    TurnAway,
}

/// Highest priority level a waiting list supports (levels are `0..=MAX_PRIORITY`).
pub const MAX_PRIORITY: u8 = 7;

/// The kind of care a pool provides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    /// Acute hospital beds.
    Acute,
    /// Bed-based intermediate care.
    IntermediateCare,
    /// Reablement (home-based intermediate care).
    Reablement,
    /// Home care packages.
    HomeCare,
    /// Care home places.
    CareHome,
    /// Community nursing caseload.
    CommunityNursing,
    /// Anything else.
    #[default]
    Other,
}

/// Why a patient blocked waiting for a pool is delayed (the national DToC categories).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelayReason {
    /// Awaiting a care package in own home.
    AwaitingCarePackage,
    /// Awaiting further non-acute NHS care.
    AwaitingNhsCare,
    /// Awaiting a residential or nursing home place.
    AwaitingCareHome,
    /// Not classified.
    #[default]
    Other,
}

impl DelayReason {
    /// The name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            DelayReason::AwaitingCarePackage => "awaiting_care_package",
            DelayReason::AwaitingNhsCare => "awaiting_nhs_care",
            DelayReason::AwaitingCareHome => "awaiting_care_home",
            DelayReason::Other => "other",
        }
    }
}

/// The organisation responsible for a delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Responsible {
    /// The NHS.
    #[default]
    Nhs,
    /// The council.
    Council,
    /// Both.
    Both,
}

impl Responsible {
    /// The name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Responsible::Nhs => "nhs",
            Responsible::Council => "council",
            Responsible::Both => "both",
        }
    }
}

/// The validated description of a pool.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolSpec {
    /// Name, as written in the config.
    pub name: String,
    /// Number of places.
    pub places: Places,
    /// Behaviour when full.
    pub when_full: WhenFull,
    /// The kind of care provided.
    pub setting: Setting,
    /// Reason recorded for delays waiting for this pool.
    pub delay_reason: DelayReason,
    /// Organisation responsible for those delays.
    pub responsible: Responsible,
}

/// Result of asking a pool for a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A place was taken.
    Admitted,
    /// The pool is full; the request joined the waiting list.
    Queued,
    /// The pool is full and turns requests away.
    Rejected,
}

/// One entry of a waiting list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiter {
    /// Who is waiting.
    pub patient: PatientId,
    /// The patient's generation when they joined; a waiter whose patient has moved on
    /// (died) is skipped when reached (lazy cancellation, see [`CarePool::cancel_waiting`]).
    pub generation: u32,
    /// Since when.
    pub since: SimTime,
}

/// Time-weighted and counting statistics of one pool over a measurement window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PoolStats {
    /// Requests for a place.
    pub arrivals: u64,
    /// Places taken.
    pub admitted: u64,
    /// Requests lost because the pool was full.
    pub turned_away: u64,
    /// Admissions that had to wait (wait > 0).
    pub waited: u64,
    /// Sum of waits of admitted requests, minutes. (64 bits: 10^13 patient-minutes
    /// would need a million patients waiting for 20 years.)
    pub wait_minutes: u64,
    /// Places given up.
    pub departures: u64,
    /// Sum of (exit - admission) over departures, minutes.
    pub sojourn_minutes: u64,
    /// Integral of occupied places over time, place-minutes.
    pub occupied_area: u64,
    /// Integral of the waiting-list length over time, patient-minutes.
    pub waiting_area: u64,
    /// Integral of blocked occupants over time, place-minutes.
    pub blocked_area: u64,
}

impl PoolStats {
    /// The statistics of the window between snapshot `earlier` and `self`.
    pub fn since(&self, earlier: &PoolStats) -> PoolStats {
        PoolStats {
            arrivals: self.arrivals - earlier.arrivals,
            admitted: self.admitted - earlier.admitted,
            turned_away: self.turned_away - earlier.turned_away,
            waited: self.waited - earlier.waited,
            wait_minutes: self.wait_minutes - earlier.wait_minutes,
            departures: self.departures - earlier.departures,
            sojourn_minutes: self.sojourn_minutes - earlier.sojourn_minutes,
            occupied_area: self.occupied_area - earlier.occupied_area,
            waiting_area: self.waiting_area - earlier.waiting_area,
            blocked_area: self.blocked_area - earlier.blocked_area,
        }
    }
}

/// A pool's live state in one replication.
#[derive(Clone, Debug)]
pub struct CarePool {
    places: Places,
    when_full: WhenFull,
    occupied: u32,
    blocked: u32,
    waiting_len: u32,
    waiting: Vec<VecDeque<Waiter>>,
    last_change: SimTime,
    /// Cumulative statistics since time zero.
    pub stats: PoolStats,
}

impl CarePool {
    /// An empty pool built from its spec.
    pub fn new(spec: &PoolSpec) -> CarePool {
        let levels = MAX_PRIORITY as usize + 1;
        let cap = match spec.places {
            Places::Limited(n) => n as usize,
            Places::Unlimited => 0,
        };
        CarePool {
            places: spec.places,
            when_full: spec.when_full,
            occupied: 0,
            blocked: 0,
            waiting_len: 0,
            waiting: (0..levels).map(|l| VecDeque::with_capacity(if l == 0 { cap.max(16) } else { 0 })).collect(),
            last_change: SimTime::ZERO,
            stats: PoolStats::default(),
        }
    }

    /// Places in use (blocked occupants included).
    pub fn occupied(&self) -> u32 {
        self.occupied
    }

    /// Occupants whose stay is over but who wait for a place downstream.
    pub fn blocked(&self) -> u32 {
        self.blocked
    }

    /// Requests waiting for a place.
    pub fn waiting(&self) -> u32 {
        self.waiting_len
    }

    /// True when a request now would be admitted at once.
    #[inline]
    pub fn has_room(&self) -> bool {
        match self.places {
            Places::Limited(n) => self.occupied < n,
            Places::Unlimited => true,
        }
    }

    /// Brings the time-weighted integrals up to `now`. Call before any change of state.
    #[inline]
    pub fn advance(&mut self, now: SimTime) {
        let dt = now.since(self.last_change).minutes();
        if dt > 0 {
            self.stats.occupied_area += dt * self.occupied as u64;
            self.stats.waiting_area += dt * self.waiting_len as u64;
            self.stats.blocked_area += dt * self.blocked as u64;
            self.last_change = now;
        }
    }

    /// The statistics accumulated since time zero, brought up to `now`. Statistics are
    /// cumulative; a measurement window is the difference of two snapshots
    /// ([`PoolStats::since`]).
    pub fn snapshot(&mut self, now: SimTime) -> PoolStats {
        self.advance(now);
        self.stats
    }

    /// A request for a place at `now`: taken at once, queued (FIFO within `priority`),
    /// or rejected, depending on room and the pool's behaviour when full.
    #[inline(always)]
    pub fn request(&mut self, now: SimTime, patient: PatientId, generation: u32, priority: u8) -> Admission {
        self.advance(now);
        self.stats.arrivals += 1;
        if self.has_room() {
            self.occupied += 1;
            self.stats.admitted += 1;
            return Admission::Admitted;
        }
        match self.when_full {
            WhenFull::Queue => {
                self.waiting[priority.min(MAX_PRIORITY) as usize].push_back(Waiter { patient, generation, since: now });
                self.waiting_len += 1;
                Admission::Queued
            }
            WhenFull::TurnAway => {
                self.stats.turned_away += 1;
                Admission::Rejected
            }
        }
    }

    /// Removes one waiter from the count of those waiting: their entry stays in the list
    /// and is skipped when it reaches the front (the caller's `is_live` says so).
    pub fn cancel_waiting(&mut self, now: SimTime) {
        self.advance(now);
        self.waiting_len -= 1;
    }

    /// Gives up a place held since `admitted_at`. If someone is waiting, the place passes
    /// straight to them (highest priority, then longest waiting) and they are returned;
    /// entries for which `is_live` is false were cancelled and are dropped.
    #[inline]
    pub fn release(&mut self, now: SimTime, admitted_at: SimTime, is_live: impl Fn(&Waiter) -> bool) -> Option<Waiter> {
        self.advance(now);
        self.stats.departures += 1;
        self.stats.sojourn_minutes += now.since(admitted_at).minutes();
        if self.waiting_len > 0
            && let Some(w) = self.waiting.iter_mut().find_map(|q| {
                while let Some(w) = q.pop_front() {
                    if is_live(&w) {
                        return Some(w);
                    }
                }
                None
            })
        {
            self.waiting_len -= 1;
            self.stats.admitted += 1;
            let wait = now.since(w.since).minutes();
            if wait > 0 {
                self.stats.waited += 1;
            }
            self.stats.wait_minutes += wait;
            return Some(w);
        }
        self.occupied -= 1;
        None
    }

    /// Marks one occupant as blocked (stay over, waiting for a place downstream).
    #[inline]
    pub fn block(&mut self, now: SimTime) {
        self.advance(now);
        self.blocked += 1;
    }

    /// Marks one blocked occupant as no longer blocked (it is about to leave).
    #[inline]
    pub fn unblock(&mut self, now: SimTime) {
        self.advance(now);
        self.blocked -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(places: Places, when_full: WhenFull) -> CarePool {
        CarePool::new(&PoolSpec {
            name: "p".into(),
            places,
            when_full,
            setting: Setting::Other,
            delay_reason: DelayReason::Other,
            responsible: Responsible::Nhs,
        })
    }

    #[test]
    fn admits_until_full_then_queues_fifo() {
        let mut p = pool(Places::Limited(2), WhenFull::Queue);
        let t = SimTime(0);
        assert_eq!(p.request(t, PatientId(1), 0, 0), Admission::Admitted);
        assert_eq!(p.request(t, PatientId(2), 0, 0), Admission::Admitted);
        assert_eq!(p.request(SimTime(10), PatientId(3), 0, 0), Admission::Queued);
        assert_eq!(p.request(SimTime(20), PatientId(4), 0, 0), Admission::Queued);
        assert_eq!(p.waiting(), 2);
        let next = p.release(SimTime(30), t, |_| true).unwrap();
        assert_eq!(next.patient, PatientId(3));
        assert_eq!(p.occupied(), 2, "the place passes straight on");
        assert_eq!(p.release(SimTime(40), t, |_| true).unwrap().patient, PatientId(4));
        assert_eq!(p.release(SimTime(50), t, |_| true), None);
        assert_eq!(p.occupied(), 1);
        assert_eq!(p.stats.wait_minutes, 20 + 20);
        assert_eq!(p.stats.waited, 2);
    }

    #[test]
    fn priority_zero_is_served_first_fifo_within_level() {
        let mut p = pool(Places::Limited(1), WhenFull::Queue);
        p.request(SimTime(0), PatientId(0), 0, 0);
        p.request(SimTime(1), PatientId(1), 0, 2);
        p.request(SimTime(2), PatientId(2), 0, 0);
        p.request(SimTime(3), PatientId(3), 0, 2);
        p.request(SimTime(4), PatientId(4), 0, 0);
        let order: Vec<u32> =
            (0..4).map(|i| p.release(SimTime(10 + i), SimTime(0), |_| true).unwrap().patient.0).collect();
        assert_eq!(order, vec![2, 4, 1, 3]);
    }

    #[test]
    fn cancelled_waiters_are_skipped() {
        let mut p = pool(Places::Limited(1), WhenFull::Queue);
        p.request(SimTime(0), PatientId(0), 0, 0);
        p.request(SimTime(1), PatientId(1), 0, 0);
        p.request(SimTime(2), PatientId(2), 0, 0);
        p.cancel_waiting(SimTime(3)); // patient 1 died while waiting
        assert_eq!(p.waiting(), 1);
        let next = p.release(SimTime(4), SimTime(0), |w| w.patient != PatientId(1)).unwrap();
        assert_eq!(next.patient, PatientId(2));
        assert_eq!(p.waiting(), 0);
    }

    #[test]
    fn turn_away_counts_and_never_queues() {
        let mut p = pool(Places::Limited(1), WhenFull::TurnAway);
        assert_eq!(p.request(SimTime(0), PatientId(0), 0, 0), Admission::Admitted);
        assert_eq!(p.request(SimTime(1), PatientId(1), 0, 0), Admission::Rejected);
        assert_eq!(p.waiting(), 0);
        assert_eq!(p.stats.turned_away, 1);
        assert_eq!(p.stats.arrivals, 2);
    }

    #[test]
    fn unlimited_never_waits_and_areas_integrate_over_time() {
        let mut p = pool(Places::Unlimited, WhenFull::Queue);
        for i in 0..1000 {
            assert_eq!(p.request(SimTime(0), PatientId(i), 0, 0), Admission::Admitted);
        }
        p.block(SimTime(0));
        p.advance(SimTime(10));
        assert_eq!(p.stats.occupied_area, 10_000);
        assert_eq!(p.stats.blocked_area, 10);
        let at20 = p.snapshot(SimTime(20));
        let at21 = p.snapshot(SimTime(21));
        assert_eq!(at21.since(&at20).occupied_area, 1000);
        assert_eq!(at21.since(&at20).blocked_area, 1);
    }
}
