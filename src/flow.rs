//! The flow model: patients from background arrival streams walk their pathways through
//! capacity pools, with blocking after service. One [`Replication`] owns its world.
//!
//! Event handling, in words:
//! - **Arrival** of stream `s`: a new patient (keyed `s << 40 | n` for the `n`-th
//!   arrival, so the same patient exists in every scenario) requests a place at the
//!   pathway's first step; the next arrival of `s` is scheduled.
//! - **StayEnd** of a patient: the patient is ready to leave; a route is drawn. Exit
//!   releases the place. A move to a pool with room takes the new place and releases the
//!   old one. A move to a full queueing pool leaves the patient *blocked*: they keep
//!   the place they hold and wait; a full turn-away pool loses them.
//! - Every released place passes straight to the head of that pool's waiting list; a
//!   blocked patient who gets a place releases the one they held, which cascades.
//! - **DayEnd** writes one row per pool to the daily capacity table; **WarmupEnd**
//!   starts the measurement window.

use crate::capacity::{Admission, CarePool, PatientId, Places, PoolId, PoolStats};
use crate::engine::EventQueue;
use crate::model::Model;
use crate::pathway::{Next, PathwayId, StepId};
use crate::record::{CapacityTable, EpisodeTable, PoolSummary, RunKey, RunOutput};
use crate::rng::{Purpose, SimRng, StreamKey};
use crate::time::{MINUTES_PER_DAY, SimTime};
use rand::RngExt;

/// Settings shared by every run of an experiment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSettings {
    /// Master seed of the experiment.
    pub master_seed: u64,
    /// Run length, days (> 0).
    pub horizon_days: f64,
    /// Warm-up, days (>= 0 and < horizon).
    pub warmup_days: f64,
    /// Record one row per completed stay.
    pub record_episodes: bool,
}

/// The events of the flow model: small, `Copy`, ids only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowEvent {
    /// The next arrival of background stream `0`.
    Arrival(u16),
    /// A patient's stay ends; `generation` guards against stale events.
    StayEnd {
        /// Who.
        patient: PatientId,
        /// The patient's generation when the event was scheduled.
        generation: u32,
    },
    /// The end of a whole day: record the daily capacity rows.
    DayEnd,
    /// The end of the warm-up: start the measurement window.
    WarmupEnd,
}

const _: () = assert!(std::mem::size_of::<FlowEvent>() <= 12);

/// Bits of the patient key below the stream index.
const PATIENT_KEY_STREAM_SHIFT: u32 = 40;

/// One patient's live state.
#[derive(Clone, Debug)]
struct Patient {
    rng: SimRng,
    key: u64,
    generation: u32,
    pathway: PathwayId,
    step: StepId,
    /// The place held (`None` while waiting outside any pool).
    held: Option<PoolId>,
    /// Waiting for the current step's pool while holding `held`.
    blocked: bool,
    requested_at: SimTime,
    admitted_at: SimTime,
    ready_at: SimTime,
}

/// One replication of a flow model: owns the clock, the queue, the pools and patients.
pub struct Replication<'m> {
    model: &'m Model,
    settings: RunSettings,
    key: RunKey,
    queue: EventQueue<FlowEvent>,
    pools: Vec<CarePool>,
    patients: Vec<Patient>,
    free_slots: Vec<u32>,
    arrival_rngs: Vec<SimRng>,
    arrivals_so_far: Vec<u64>,
    day_marks: Vec<PoolStats>,
    warmup_marks: Vec<PoolStats>,
    capacity: CapacityTable,
    episodes: Option<EpisodeTable>,
    horizon: SimTime,
    events: u64,
}

impl<'m> Replication<'m> {
    /// A replication at time zero: empty pools, first arrivals scheduled.
    pub fn new(model: &'m Model, settings: RunSettings, key: RunKey) -> Self {
        let horizon = SimTime(0) + crate::time::SimDuration::from_days_f64(settings.horizon_days);
        let warmup = SimTime(0) + crate::time::SimDuration::from_days_f64(settings.warmup_days);
        let pools: Vec<CarePool> = model.pools.iter().map(CarePool::new).collect();
        let mut queue = EventQueue::new();
        let arrival_rngs: Vec<SimRng> = (0..model.arrivals.len())
            .map(|s| {
                StreamKey {
                    master_seed: settings.master_seed,
                    sample: key.sample,
                    replication: key.replication,
                    purpose: Purpose::Arrivals,
                    entity: s as u64,
                }
                .rng()
            })
            .collect();
        let whole_days = horizon.day_index();
        for d in 1..=whole_days {
            queue.schedule(SimTime::from_days(d), FlowEvent::DayEnd);
        }
        if warmup > SimTime::ZERO {
            queue.schedule(warmup, FlowEvent::WarmupEnd);
        }
        let n_pools = pools.len();
        let expected_patients: usize = pools
            .iter()
            .zip(&model.pools)
            .map(|(_, p)| match p.places {
                Places::Limited(n) => n as usize,
                Places::Unlimited => 64,
            })
            .sum();
        let mut rep = Replication {
            model,
            settings,
            key,
            queue,
            pools,
            patients: Vec::with_capacity(expected_patients * 2),
            free_slots: Vec::with_capacity(expected_patients),
            arrival_rngs,
            arrivals_so_far: vec![0; model.arrivals.len()],
            day_marks: vec![PoolStats::default(); n_pools],
            warmup_marks: vec![PoolStats::default(); n_pools],
            capacity: CapacityTable::default(),
            episodes: settings.record_episodes.then(EpisodeTable::default),
            horizon,
            events: 0,
        };
        let rows = whole_days as usize * n_pools;
        rep.capacity.day.reserve(rows);
        rep.capacity.pool.reserve(rows);
        rep.capacity.occupied.reserve(rows);
        rep.capacity.waiting.reserve(rows);
        rep.capacity.blocked.reserve(rows);
        for s in 0..model.arrivals.len() {
            rep.schedule_next_arrival(s);
        }
        rep
    }

    /// Runs to the horizon and returns the records.
    pub fn run(mut self) -> RunOutput {
        loop {
            let patients = &self.patients;
            let Some(item) = self.queue.pop_live(|e| match *e {
                FlowEvent::StayEnd { patient, generation } => patients[patient.0 as usize].generation == generation,
                _ => true,
            }) else {
                break;
            };
            if item.at > self.horizon {
                break;
            }
            self.events += 1;
            match item.event {
                FlowEvent::Arrival(s) => self.on_arrival(s as usize),
                FlowEvent::StayEnd { patient, .. } => self.on_stay_end(patient),
                FlowEvent::DayEnd => self.on_day_end(),
                FlowEvent::WarmupEnd => self.on_warmup_end(),
            }
        }
        self.finish()
    }

    #[inline]
    fn now(&self) -> SimTime {
        self.queue.now()
    }

    fn schedule_next_arrival(&mut self, s: usize) {
        let next = self.model.arrivals[s].next_arrival(self.now(), &mut self.arrival_rngs[s]);
        if next <= self.horizon {
            self.queue.schedule(next, FlowEvent::Arrival(s as u16));
        }
    }

    fn on_arrival(&mut self, s: usize) {
        let stream = &self.model.arrivals[s];
        let n = self.arrivals_so_far[s];
        self.arrivals_so_far[s] += 1;
        let key = ((s as u64) << PATIENT_KEY_STREAM_SHIFT) | n;
        let pathway = stream.pathway;
        let start = self.model.pathway(pathway).start;
        let now = self.now();
        let rng = StreamKey {
            master_seed: self.settings.master_seed,
            sample: self.key.sample,
            replication: self.key.replication,
            purpose: Purpose::Patient,
            entity: key,
        }
        .rng();
        let patient = Patient {
            rng,
            key,
            generation: 0,
            pathway,
            step: start,
            held: None,
            blocked: false,
            requested_at: now,
            admitted_at: now,
            ready_at: now,
        };
        let id = match self.free_slots.pop() {
            Some(slot) => {
                let generation = self.patients[slot as usize].generation.wrapping_add(1);
                self.patients[slot as usize] = Patient { generation, ..patient };
                PatientId(slot)
            }
            None => {
                self.patients.push(patient);
                PatientId((self.patients.len() - 1) as u32)
            }
        };
        self.schedule_next_arrival(s);
        let step = self.model.pathway(pathway).step(start);
        let generation = self.patients[id.0 as usize].generation;
        match self.pools[step.pool.0 as usize].request(now, id, generation, step.priority) {
            Admission::Admitted => self.start_stay(id, step.pool),
            Admission::Queued => {}
            Admission::Rejected => self.free_slot(id),
        }
    }

    /// The patient has just taken a place in `pool` for their current step.
    #[inline]
    fn start_stay(&mut self, id: PatientId, pool: PoolId) {
        let now = self.now();
        let model = self.model;
        let p = &mut self.patients[id.0 as usize];
        p.held = Some(pool);
        p.blocked = false;
        p.admitted_at = now;
        let stay = model.pathway(p.pathway).step(p.step).stay.sample(&mut p.rng);
        let generation = p.generation;
        self.queue.schedule(now + stay, FlowEvent::StayEnd { patient: id, generation });
    }

    fn on_stay_end(&mut self, id: PatientId) {
        let now = self.now();
        let model = self.model;
        let p = &mut self.patients[id.0 as usize];
        p.ready_at = now;
        // Always one draw per step, certain route or not, so draws stay aligned across
        // scenarios that change routing probabilities.
        let u: f64 = p.rng.random();
        let held = p.held.expect("invariant: a patient whose stay ends holds a place");
        let next = model.pathway(p.pathway).step(p.step).route.choose(u);
        match next {
            Next::Exit => {
                self.record_episode(id, held);
                let admitted_at = self.patients[id.0 as usize].admitted_at;
                self.free_slot(id);
                self.release_place(held, admitted_at);
            }
            Next::Step(step) => {
                let target = model.pathway(p.pathway).step(step);
                p.step = step;
                if target.pool == held {
                    // A new step in the same pool: the place is kept, a new stay starts.
                    self.record_episode(id, held);
                    self.patients[id.0 as usize].requested_at = now;
                    self.start_stay(id, held);
                    return;
                }
                match self.pools[target.pool.0 as usize].request(now, id, p.generation, target.priority) {
                    Admission::Admitted => self.transfer(id, held, target.pool),
                    Admission::Queued => {
                        self.patients[id.0 as usize].blocked = true;
                        self.pools[held.0 as usize].block(now);
                    }
                    Admission::Rejected => {
                        self.record_episode(id, held);
                        let admitted_at = self.patients[id.0 as usize].admitted_at;
                        self.free_slot(id);
                        self.release_place(held, admitted_at);
                    }
                }
            }
        }
    }

    /// Moves a patient who has a place in `to` out of the place they hold in `from`.
    fn transfer(&mut self, id: PatientId, from: PoolId, to: PoolId) {
        self.record_episode(id, from);
        let p = &mut self.patients[id.0 as usize];
        let released_admitted_at = p.admitted_at;
        p.requested_at = p.ready_at;
        self.start_stay(id, to);
        self.release_place(from, released_admitted_at);
    }

    /// Gives up a place; it passes to the head of the waiting list, and when that was a
    /// blocked patient, the place they held is released in turn (a cascade).
    fn release_place(&mut self, mut pool: PoolId, mut admitted_at: SimTime) {
        let now = self.now();
        loop {
            let patients = &self.patients;
            let Some(w) =
                self.pools[pool.0 as usize].release(now, admitted_at, |w| patients[w.patient.0 as usize].generation == w.generation)
            else {
                return;
            };
            let p = &self.patients[w.patient.0 as usize];
            match (p.blocked, p.held) {
                (true, Some(held)) => {
                    self.pools[held.0 as usize].unblock(now);
                    self.record_episode(w.patient, held);
                    let p = &mut self.patients[w.patient.0 as usize];
                    let held_admitted_at = p.admitted_at;
                    p.requested_at = p.ready_at;
                    self.start_stay(w.patient, pool);
                    pool = held;
                    admitted_at = held_admitted_at;
                }
                _ => {
                    self.start_stay(w.patient, pool);
                    return;
                }
            }
        }
    }

    fn free_slot(&mut self, id: PatientId) {
        let p = &mut self.patients[id.0 as usize];
        p.generation = p.generation.wrapping_add(1);
        p.held = None;
        self.free_slots.push(id.0);
    }

    fn record_episode(&mut self, id: PatientId, pool: PoolId) {
        let Some(table) = self.episodes.as_mut() else {
            return;
        };
        let now = self.queue.now();
        let p = &self.patients[id.0 as usize];
        table.patient.push(p.key);
        table.pool.push(pool.0);
        table.requested_day.push(p.requested_at.as_days_f64());
        table.admitted_day.push(p.admitted_at.as_days_f64());
        table.ready_day.push(p.ready_at.as_days_f64());
        table.exit_day.push(now.as_days_f64());
        table.wait_days.push(p.admitted_at.since(p.requested_at).as_days_f64());
        table.blocked_days.push(now.since(p.ready_at).as_days_f64());
    }

    fn on_day_end(&mut self) {
        let now = self.now();
        let day = now.day_index() as u32 - 1;
        let per_day = MINUTES_PER_DAY as f64;
        for (i, pool) in self.pools.iter_mut().enumerate() {
            let snap = pool.snapshot(now);
            let d = snap.since(&self.day_marks[i]);
            self.day_marks[i] = snap;
            self.capacity.day.push(day);
            self.capacity.pool.push(i as u16);
            self.capacity.occupied.push(d.occupied_area as f64 / per_day);
            self.capacity.waiting.push(d.waiting_area as f64 / per_day);
            self.capacity.blocked.push(d.blocked_area as f64 / per_day);
        }
    }

    fn on_warmup_end(&mut self) {
        let now = self.now();
        for (mark, pool) in self.warmup_marks.iter_mut().zip(self.pools.iter_mut()) {
            *mark = pool.snapshot(now);
        }
    }

    fn finish(mut self) -> RunOutput {
        let horizon = self.horizon;
        let window_days = horizon
            .since(SimTime(0) + crate::time::SimDuration::from_days_f64(self.settings.warmup_days))
            .as_days_f64();
        let pools = self
            .pools
            .iter_mut()
            .enumerate()
            .map(|(i, pool)| {
                let stats = pool.snapshot(horizon).since(&self.warmup_marks[i]);
                PoolSummary {
                    pool: i as u16,
                    capacity: match self.model.pools[i].places {
                        Places::Limited(n) => Some(n),
                        Places::Unlimited => None,
                    },
                    stats,
                    window_days,
                }
            })
            .collect();
        RunOutput {
            key: self.key,
            events: self.events,
            horizon_days: self.settings.horizon_days,
            warmup_days: self.settings.warmup_days,
            pools,
            capacity: self.capacity,
            episodes: self.episodes,
        }
    }
}

/// Runs one replication of `model` to the horizon.
pub fn run(model: &Model, settings: RunSettings, key: RunKey) -> RunOutput {
    Replication::new(model, settings, key).run()
}
