//! Delays between medically ready and leaving, inside a replication: process delays
//! (assessment, funding, choice, ...) that run from the end of a stay, capacity delays
//! (blocked waiting for a place downstream), both recorded in a [`DelayBook`] segment by
//! segment with the reason in force, and the deadlock check of blocking.
//!
//! A patient's delay is a chain of segments: zero or more process segments (each with
//! the process's reason and responsible organisation), then, if the next pool is full,
//! one capacity segment (with the reason and responsible organisation of the pool
//! waited for). Exactly one segment is open while the patient is delayed; it is closed
//! when the next begins or the patient leaves (or at the horizon).

use super::{FlowEvent, Replication};
use crate::capacity::PatientId;
use crate::capacity::PoolId;
use crate::capacity::delay_book::{DelayKey, midnights};
use crate::capacity::{CapacityUnit, Responsible, Setting};
use crate::pathway::Next;
use crate::time::SimTime;

/// A run that locked: every place of a set of pools is held by a patient blocked
/// waiting for another pool of the set, so nobody in them can ever move again.
#[derive(Clone, Debug, PartialEq)]
pub struct Deadlock {
    /// The pools of the locked set, by name.
    pub pools: Vec<String>,
    /// When it happened, days from the start of the run.
    pub day: f64,
}

impl std::fmt::Display for Deadlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "deadlock at day {:.3}: every place of pools {} is held by a patient blocked waiting for a place in \
             another of them, so nobody can leave; give one of these pools more places, make one `when_full = \
             \"turn_away\"`, or break the routing cycle between them (`caresim validate` lists such cycles)",
            self.day,
            self.pools.join(", ")
        )
    }
}

impl std::error::Error for Deadlock {}

impl<'m> Replication<'m> {
    /// The stay of patient `id` in `held` is over and they are bound for `next`: runs
    /// the step's process delays, if any apply, before they leave. Returns true when a
    /// process is running (the patient leaves when it ends).
    pub(super) fn begin_processes(&mut self, id: PatientId, held: PoolId, next: Next) -> bool {
        let p = &mut self.patients[id.0 as usize];
        p.pending = Some(next);
        p.process_index = 0;
        if self.next_process(id, held) {
            self.pools[held.0 as usize].block(self.queue.now());
            return true;
        }
        self.patients[id.0 as usize].pending = None;
        false
    }

    /// Starts the next process delay of the patient's step that applies (closing the
    /// segment of the one before); false when none is left.
    fn next_process(&mut self, id: PatientId, held: PoolId) -> bool {
        let now = self.queue.now();
        let model = self.model;
        let in_acute = model.pool(held).setting == Setting::Acute;
        let p = &mut self.patients[id.0 as usize];
        let step = model.pathway(p.pathway).step(p.step);
        let next = p.pending.unwrap_or(Next::Exit);
        while (p.process_index as usize) < step.process_delays.len() {
            let delay = &step.process_delays[p.process_index as usize];
            p.process_index += 1;
            if let Some(d) = delay.draw(&mut p.rng, next, in_acute, &step.levers) {
                let waited_for = match next {
                    Next::Step(s) => Some(model.pathway(p.pathway).step(s).pool),
                    Next::Exit => None,
                };
                let key = DelayKey { held, waited_for, reason: delay.reason, responsible: delay.responsible };
                let generation = p.generation;
                self.open_segment(id, key);
                self.queue.schedule(now + d, FlowEvent::ProcessEnd { patient: id, generation });
                return true;
            }
        }
        false
    }

    /// A process delay of patient `id` is complete: the next one starts, or the patient
    /// moves on as their route says.
    pub(super) fn on_process_end(&mut self, id: PatientId) {
        let now = self.queue.now();
        let held = self.patients[id.0 as usize].held.expect("invariant: a patient in a process holds a place");
        if self.next_process(id, held) {
            return;
        }
        self.pools[held.0 as usize].unblock(now);
        let next = self.patients[id.0 as usize].pending.take().unwrap_or(Next::Exit);
        self.leave_step(id, held, next);
    }

    /// Opens a delay segment for patient `id` (closing the one open, if any).
    pub(super) fn open_segment(&mut self, id: PatientId, key: DelayKey) {
        self.close_segment(id, false);
        let now = self.queue.now();
        let p = &mut self.patients[id.0 as usize];
        p.segment = Some(key);
        p.segment_since = now;
    }

    /// Closes patient `id`'s open delay segment at now, if any: its time goes to the
    /// book under its key, and when `leaves` the delay counts as one delayed transfer.
    /// Acute delayed days the council alone is responsible for are noted for the
    /// Care Act reimbursement.
    pub(super) fn close_segment(&mut self, id: PatientId, leaves: bool) {
        let now = self.queue.now();
        let p = &mut self.patients[id.0 as usize];
        let Some(key) = p.segment.take() else {
            return;
        };
        self.delay_book.add(key, p.segment_since, now, p.ready_at, leaves);
        if key.responsible == Responsible::Council && self.model.pool(key.held).setting == Setting::Acute {
            let from = p.segment_since.max(self.warmup);
            self.reimbursable_days.extend(midnights(from, now));
        }
    }

    /// Closes every open segment at the horizon (time only: nobody leaves).
    pub(super) fn close_segments_at_horizon(&mut self) {
        for i in 0..self.patients.len() {
            if self.patients[i].segment.is_some() && self.patients[i].held.is_some() {
                self.close_segment(PatientId(i as u32), false);
            }
        }
    }

    /// Units patient `id` asks of `pool`: one place, or for a pool of carer hours the
    /// package's hours a week (drawn from the pool's package size, rounded to whole
    /// hours, at least 1).
    pub(super) fn units_for(&mut self, id: PatientId, pool: PoolId) -> u32 {
        let spec = self.model.pool(pool);
        if spec.unit != CapacityUnit::CarerHoursPerWeek {
            return 1;
        }
        let p = &mut self.patients[id.0 as usize];
        let hours = spec.package_hours_per_week.map_or(1.0, |d| d.sample(&mut p.rng));
        p.hours_per_week = hours;
        (hours.round() as u32).max(1)
    }

    /// Patient `id`, holding `held`, has just joined the waiting list of `target`:
    /// counts the block and stops the run if it locked a set of pools.
    pub(super) fn note_blocked(&mut self, id: PatientId, held: PoolId, target: PoolId) {
        let spec = self.model.pool(target);
        let key = DelayKey { held, waited_for: Some(target), reason: spec.delay_reason, responsible: spec.responsible };
        self.open_segment(id, key);
        if self.blocked_graph.block(held, target) {
            let locked = self.blocked_graph.locked();
            if !locked.is_empty() && self.deadlock.is_none() {
                self.deadlock = Some(Deadlock {
                    pools: locked.iter().map(|p| self.model.pool(*p).name.clone()).collect(),
                    day: self.queue.now().as_days_f64(),
                });
            }
        }
    }

    /// The time a patient waited outside any place for `pool`, from the decision to
    /// admit (the request) to now, counted in the pool's long-wait statistics.
    pub(super) fn note_outside_wait(&mut self, pool: PoolId, requested_at: SimTime) {
        let now = self.queue.now();
        if now > requested_at {
            self.pools[pool.0 as usize].note_wait_from_outside(now.since(requested_at));
        }
    }
}
