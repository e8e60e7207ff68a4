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
//!
//! With a cohort (`[cohort]` in the config), people of a synthetic population also
//! generate demand from their own hazards and walk the same pathways through the same
//! pools (see the `care` submodule).

mod care;
mod output;
mod pay;

pub use output::RunOutput;

use crate::capacity::{Admission, CarePool, PatientId, Places, PoolId, PoolStats};
use crate::cohort::population::PersonId;
use crate::config::{Model, RunSettings};
use crate::engine::EventQueue;
use crate::pathway::Hold;
use crate::pathway::{Next, PathwayId, StepId};
use crate::record::{CapacityTable, DelayTable, EpisodeTable, PoolSummary, RunKey};
use crate::rng::{Purpose, SimRng, StreamKey, StreamPrefix};
use crate::time::{MINUTES_PER_DAY, SimTime};
use rand::RngExt;

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
    /// A person's next life or demand event (cohort models only).
    Person {
        /// Who (index into the population).
        person: u32,
        /// The person's event generation when scheduled.
        generation: u32,
        /// What happens (see `care::PersonEventKind`).
        kind: u8,
    },
    /// A package or placement held at home ends (cohort models only).
    HoldingEnd {
        /// Index into the holdings arena.
        holding: u32,
        /// The holding's generation when scheduled.
        generation: u32,
    },
    /// The end of simulated year `0` (cohort models only): person-year rows are written.
    YearEnd(u16),
}

const _: () = assert!(std::mem::size_of::<FlowEvent>() <= 12);

impl FlowEvent {
    /// The event's name in the `events` table.
    pub fn name(&self) -> &'static str {
        match self {
            FlowEvent::Arrival(_) => "arrival",
            FlowEvent::StayEnd { .. } => "stay_end",
            FlowEvent::DayEnd => "day_end",
            FlowEvent::WarmupEnd => "warmup_end",
            FlowEvent::Person { kind, .. } => care::kind_name(*kind),
            FlowEvent::HoldingEnd { .. } => "package_end",
            FlowEvent::YearEnd(_) => "year_end",
        }
    }

    /// The entity the event concerns: arrival stream, patient slot, person, holding or
    /// year (0 for day and warm-up ends).
    pub fn entity(&self) -> u32 {
        match *self {
            FlowEvent::Arrival(s) => s as u32,
            FlowEvent::StayEnd { patient, .. } => patient.0,
            FlowEvent::Person { person, .. } => person,
            FlowEvent::HoldingEnd { holding, .. } => holding,
            FlowEvent::YearEnd(y) => y as u32,
            FlowEvent::DayEnd | FlowEvent::WarmupEnd => 0,
        }
    }
}

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
    /// The person of the cohort this patient is (None for background arrivals).
    person: Option<PersonId>,
    /// Activity in the held place is counted in the person-year up to this instant.
    accounted_from: SimTime,
    /// When the current acute spell began, while in acute care.
    acute_since: Option<SimTime>,
}

impl Patient {
    /// A patient at the first step of `pathway`, asking for a place now, drawing from
    /// their own stream keyed by `key` within the run.
    fn new(
        streams: &StreamPrefix,
        key: u64,
        pathway: &crate::pathway::Pathway,
        id: PathwayId,
        now: SimTime,
        person: Option<PersonId>,
    ) -> Patient {
        let rng = streams.rng(key);
        Patient {
            rng,
            key,
            generation: 0,
            pathway: id,
            step: pathway.start,
            held: None,
            blocked: false,
            requested_at: now,
            admitted_at: now,
            ready_at: now,
            person,
            accounted_from: now,
            acute_since: None,
        }
    }
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
    warmup: SimTime,
    events: u64,
    /// Blocked minutes in the window, `[held pool][waited-for pool]`.
    delay_minutes: Vec<Vec<u128>>,
    /// Blocked transfers that ended in the window, same indexing.
    delay_transfers: Vec<Vec<u64>>,
    cohort: Option<care::CohortState>,
    event_log: Option<crate::record::EventTable>,
    /// The prefix of every patient's own random stream in this run.
    patient_streams: StreamPrefix,
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
        // One day end is pending at a time (the next is scheduled when it fires), so the
        // pending set grows with the people in care, not with the length of the run.
        if whole_days >= 1 {
            queue.schedule(SimTime::from_days(1), FlowEvent::DayEnd);
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
            warmup,
            events: 0,
            delay_minutes: vec![vec![0; n_pools]; n_pools],
            delay_transfers: vec![vec![0; n_pools]; n_pools],
            cohort: None,
            event_log: settings.record_events.then(crate::record::EventTable::default),
            patient_streams: StreamPrefix::new(settings.master_seed, key.sample, key.replication, Purpose::Patient),
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
        if let Some(params) = &model.cohort {
            rep.start_cohort(params);
        }
        rep
    }

    /// Runs to the horizon and returns the records.
    pub fn run(mut self) -> RunOutput {
        loop {
            let patients = &self.patients;
            let cohort = &self.cohort;
            let Some(item) = self.queue.pop_live(|e| match *e {
                FlowEvent::StayEnd { patient, generation } => patients[patient.0 as usize].generation == generation,
                FlowEvent::Person { person, generation, .. } => {
                    cohort.as_ref().is_some_and(|c| c.people[person as usize].state.generation == generation)
                }
                FlowEvent::HoldingEnd { holding, generation } => {
                    cohort.as_ref().is_some_and(|c| c.holdings[holding as usize].generation == generation)
                }
                _ => true,
            }) else {
                break;
            };
            if item.at > self.horizon {
                break;
            }
            self.events += 1;
            if let Some(log) = self.event_log.as_mut() {
                log.push(item.at, item.event.name(), item.event.entity());
            }
            // The next person event reads that person's record at a random place in
            // memory: start fetching them while this event is handled.
            if let Some(c) = &self.cohort {
                match self.queue.next_hint() {
                    Some(FlowEvent::Person { person, .. }) => c.prefetch(*person as usize),
                    // A cohort patient's stay end accrues to the person's year.
                    Some(FlowEvent::StayEnd { patient, .. }) => {
                        if let Some(person) = self.patients.get(patient.0 as usize).and_then(|p| p.person) {
                            c.prefetch_stay_end(person.0 as usize);
                        }
                    }
                    _ => {}
                }
            }
            match item.event {
                FlowEvent::Arrival(s) => self.on_arrival(s as usize),
                FlowEvent::StayEnd { patient, .. } => self.on_stay_end(patient),
                FlowEvent::DayEnd => self.on_day_end(),
                FlowEvent::WarmupEnd => self.on_warmup_end(),
                FlowEvent::Person { person, kind, .. } => self.on_person_event(PersonId(person), kind),
                FlowEvent::HoldingEnd { holding, .. } => self.on_holding_end(holding),
                FlowEvent::YearEnd(year) => self.on_year_end(year),
            }
        }
        self.queue.finish_at(self.horizon);
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
        let now = self.now();
        let patient = Patient::new(&self.patient_streams, key, self.model.pathway(pathway), pathway, now, None);
        let id = self.alloc_patient(patient);
        self.schedule_next_arrival(s);
        self.request_first_step(id);
    }

    /// Puts a patient in a free slot of the arena (or a new one); returns their id.
    fn alloc_patient(&mut self, patient: Patient) -> PatientId {
        match self.free_slots.pop() {
            Some(slot) => {
                let generation = self.patients[slot as usize].generation.wrapping_add(1);
                self.patients[slot as usize] = Patient { generation, ..patient };
                PatientId(slot)
            }
            None => {
                self.patients.push(patient);
                PatientId((self.patients.len() - 1) as u32)
            }
        }
    }

    /// A new patient asks for a place at their pathway's current (first) step.
    fn request_first_step(&mut self, id: PatientId) {
        let now = self.now();
        let p = &self.patients[id.0 as usize];
        let step = self.model.pathway(p.pathway).step(p.step);
        match self.pools[step.pool.0 as usize].request(now, id, p.generation, step.priority) {
            Admission::Admitted => self.start_stay(id, step.pool),
            Admission::Queued => {}
            Admission::Rejected => self.end_journey(id),
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
        p.accounted_from = now;
        let step = model.pathway(p.pathway).step(p.step);
        let mut stay = step.stay.sample(&mut p.rng);
        if let Some(person) = p.person {
            if step.hold != Hold::Stay {
                self.convert_to_holding(id, pool, person, step.hold, stay);
                return;
            }
            stay = self.person_stay(person, pool, stay);
        }
        let p = &self.patients[id.0 as usize];
        if model.pool(pool).setting == crate::capacity::Setting::Acute && p.acute_since.is_none() {
            self.patients[id.0 as usize].acute_since = Some(now);
        }
        let generation = self.patients[id.0 as usize].generation;
        self.queue.schedule(now + stay, FlowEvent::StayEnd { patient: id, generation });
    }

    fn on_stay_end(&mut self, id: PatientId) {
        let now = self.now();
        let model = self.model;
        let frailty = self.patients[id.0 as usize].person.and_then(|person| self.frailty_65_plus(person));
        let p = &mut self.patients[id.0 as usize];
        p.ready_at = now;
        // Always one draw per step, certain route or not, so draws stay aligned across
        // scenarios that change routing probabilities.
        let u: f64 = p.rng.random();
        let held = p.held.expect("invariant: a patient whose stay ends holds a place");
        let (pathway, generation) = (p.pathway, p.generation);
        let step = model.pathway(pathway).step(p.step);
        let route = match (frailty, &step.route_by_frailty) {
            (Some(f), Some(routes)) => &routes[f as usize],
            _ => &step.route,
        };
        let next = route.choose(u);
        self.note_ready(id, held, next);
        match next {
            Next::Exit => {
                self.record_episode(id, held, care::Leave::Exit);
                let admitted_at = self.patients[id.0 as usize].admitted_at;
                self.end_journey(id);
                self.release_place(held, admitted_at);
            }
            Next::Step(step) => {
                let target = model.pathway(pathway).step(step);
                self.patients[id.0 as usize].step = step;
                if target.pool == held {
                    // A new step in the same pool: the place is kept, a new stay starts.
                    self.record_episode(id, held, care::Leave::To(held));
                    self.patients[id.0 as usize].requested_at = now;
                    self.start_stay(id, held);
                    return;
                }
                match self.pools[target.pool.0 as usize].request(now, id, generation, target.priority) {
                    Admission::Admitted => self.transfer(id, held, target.pool),
                    Admission::Queued => {
                        self.patients[id.0 as usize].blocked = true;
                        self.pools[held.0 as usize].block(now);
                    }
                    Admission::Rejected => {
                        self.record_episode(id, held, care::Leave::Exit);
                        let admitted_at = self.patients[id.0 as usize].admitted_at;
                        self.end_journey(id);
                        self.release_place(held, admitted_at);
                    }
                }
            }
        }
    }

    /// Moves a patient who has a place in `to` out of the place they hold in `from`.
    fn transfer(&mut self, id: PatientId, from: PoolId, to: PoolId) {
        self.record_episode(id, from, care::Leave::To(to));
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
            let Some(w) = self.pools[pool.0 as usize]
                .release(now, admitted_at, |w| patients[w.patient.0 as usize].generation == w.generation)
            else {
                return;
            };
            let p = &self.patients[w.patient.0 as usize];
            match (p.blocked, p.held) {
                (true, Some(held)) => {
                    self.pools[held.0 as usize].unblock(now);
                    self.record_episode(w.patient, held, care::Leave::To(pool));
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

    /// The patient's journey ends (exit, turned away): frees their slot and, for a person
    /// of the cohort, returns them to the community.
    #[inline(always)]
    fn end_journey(&mut self, id: PatientId) {
        let person = self.patients[id.0 as usize].person;
        self.free_slot(id);
        if let Some(person) = person {
            self.person_back_home(person);
        }
    }

    #[inline]
    fn free_slot(&mut self, id: PatientId) {
        let p = &mut self.patients[id.0 as usize];
        p.generation = p.generation.wrapping_add(1);
        p.held = None;
        self.free_slots.push(id.0);
    }

    /// A patient leaves the place they hold in `pool` (to move on, to exit, or because
    /// they died): the stay is recorded, delays are counted, and the person-year of a
    /// cohort patient accrues the activity.
    #[inline]
    fn record_episode(&mut self, id: PatientId, pool: PoolId, leave: care::Leave) {
        let p = &self.patients[id.0 as usize];
        // NOTE: most stays end unblocked, for a background patient, with no episode table:
        // then there is nothing to record, and the call is skipped.
        if p.blocked || p.person.is_some() || self.episodes.is_some() {
            self.record_episode_in_full(id, pool, leave);
        }
    }

    /// [`Replication::record_episode`] when there may be something to record (kept out of
    /// line so that the check above stays small enough to inline).
    #[inline(never)]
    fn record_episode_in_full(&mut self, id: PatientId, pool: PoolId, leave: care::Leave) {
        let now = self.queue.now();
        let p = &self.patients[id.0 as usize];
        if p.blocked {
            // Blocked from ready_at until now, waiting for the current step's pool.
            let target = self.model.pathway(p.pathway).step(p.step).pool;
            if target != pool {
                let from = p.ready_at.max(self.warmup);
                if now > from {
                    self.delay_minutes[pool.0 as usize][target.0 as usize] += now.since(from).minutes() as u128;
                }
                if now >= self.warmup && now > p.ready_at {
                    self.delay_transfers[pool.0 as usize][target.0 as usize] += 1;
                }
            }
        }
        if p.person.is_some() {
            self.accrue_patient(id, pool);
            self.note_leaving(id, pool, leave);
        }
        let p = &self.patients[id.0 as usize];
        let Some(table) = self.episodes.as_mut() else {
            return;
        };
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
        let next = SimTime::from_days(now.day_index() + 1);
        if next <= self.horizon {
            self.queue.schedule(next, FlowEvent::DayEnd);
        }
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
        if self.cohort.is_some() {
            self.select_year_of_care();
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
        // Patients still blocked at the horizon count their delay so far.
        for i in 0..self.patients.len() {
            let p = &self.patients[i];
            if p.blocked
                && let Some(held) = p.held
            {
                let target = self.model.pathway(p.pathway).step(p.step).pool;
                let from = p.ready_at.max(self.warmup);
                if horizon > from {
                    self.delay_minutes[held.0 as usize][target.0 as usize] += horizon.since(from).minutes() as u128;
                }
            }
        }
        let mut delays = DelayTable::default();
        for (h, row) in self.delay_minutes.iter().enumerate() {
            for (w, minutes) in row.iter().enumerate() {
                if *minutes > 0 || self.delay_transfers[h][w] > 0 {
                    delays.held_pool.push(h as u16);
                    delays.waiting_for_pool.push(w as u16);
                    delays.delayed_days.push(*minutes as f64 / MINUTES_PER_DAY as f64);
                    delays.delayed_transfers.push(self.delay_transfers[h][w]);
                }
            }
        }
        let (person_year, calibration, population, activity) = self.finish_cohort();
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
            person_year,
            delays,
            calibration,
            population,
            events_log: self.event_log.take(),
            activity,
            payments: None,
        }
    }
}

/// Runs one replication of `model` to the horizon.
pub fn run(model: &Model, settings: RunSettings, key: RunKey) -> RunOutput {
    Replication::new(model, settings, key).run()
}
