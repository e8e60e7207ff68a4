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
//! pools (the `person`, `holding` and `person_year` submodules).

mod delays;
mod holding;
mod output;
mod person;
mod person_year;
#[cfg(test)]
mod pressure_tests;
mod recorder;

pub use output::RunOutput;

pub use delays::Deadlock;

use crate::capacity::deadlock::BlockedGraph;
use crate::capacity::delay_book::{DelayBook, DelayKey};
use crate::capacity::{Admission, CarePool, PatientId, Places, PoolId, PoolStats};
use crate::cohort::hazards::PersonEvent;
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
        /// What happens.
        event: PersonEvent,
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
    /// A process delay of a patient (assessment, funding, ...) is complete.
    ProcessEnd {
        /// Who.
        patient: PatientId,
        /// The patient's generation when the event was scheduled.
        generation: u32,
    },
    /// A patient whose planned admission was cancelled for want of a bed asks again.
    Rebook {
        /// Who.
        patient: PatientId,
        /// The patient's generation when the event was scheduled.
        generation: u32,
    },
    /// A patient waiting for a pool with `renege_after` gives up, unless served since.
    Renege {
        /// Who.
        patient: PatientId,
        /// The patient's generation when the event was scheduled.
        generation: u32,
    },
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
            FlowEvent::Person { event, .. } => event.name(),
            FlowEvent::HoldingEnd { .. } => "package_end",
            FlowEvent::YearEnd(_) => "year_end",
            FlowEvent::ProcessEnd { .. } => "process_end",
            FlowEvent::Rebook { .. } => "rebook",
            FlowEvent::Renege { .. } => "renege",
        }
    }

    /// The entity the event concerns: arrival stream, patient slot, person, holding or
    /// year (0 for day and warm-up ends).
    pub fn entity(&self) -> u32 {
        match *self {
            FlowEvent::Arrival(s) => s as u32,
            FlowEvent::StayEnd { patient, .. }
            | FlowEvent::ProcessEnd { patient, .. }
            | FlowEvent::Rebook { patient, .. }
            | FlowEvent::Renege { patient, .. } => patient.0,
            FlowEvent::Person { person, .. } => person,
            FlowEvent::HoldingEnd { holding, .. } => holding,
            FlowEvent::YearEnd(y) => y as u32,
            FlowEvent::DayEnd | FlowEvent::WarmupEnd => 0,
        }
    }
}

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
    /// Units of the place held (1, or a package's carer hours a week).
    held_units: u32,
    /// Units asked of the current step's pool.
    want_units: u32,
    /// The package's carer hours a week as drawn, for a pool of carer hours.
    hours_per_week: f64,
    /// Where the patient goes once their process delays are complete (`Some` while one
    /// runs).
    pending: Option<Next>,
    /// The next process delay of the step to consider.
    process_index: u8,
    /// The delay segment in force (process or capacity), while delayed.
    segment: Option<DelayKey>,
    /// Since when.
    segment_since: SimTime,
    /// A cancelled planned admission waiting to be booked again (in no waiting list).
    rebooking: bool,
    /// While waiting in the list of a pool with `renege_after`: when the patient gives
    /// up (a [`FlowEvent::Renege`] is due then); `None` once served.
    renege_at: Option<SimTime>,
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
            held_units: 0,
            want_units: 1,
            hours_per_week: 0.0,
            pending: None,
            process_index: 0,
            segment: None,
            segment_since: now,
            rebooking: false,
            renege_at: None,
        }
    }
}

/// Events at one instant after which a run is taken to be going round without time
/// passing (a zero-time routing cycle that validation could not see): far above any
/// burst a model makes (every place of every pool and every person of a cohort moving
/// at once is under a few million), far below an endless loop.
pub const STALL_EVENTS: u64 = 50_000_000;

/// Events between two reads of a run's stop flag ([`run_until`]): a few microseconds of
/// work at the loop's speed, so an interrupt is seen at once and the read costs nothing
/// measurable.
pub const STOP_CHECK_EVENTS: u64 = 4096;

/// Watches the clock for a run going round at one instant.
#[derive(Clone, Debug, Default)]
struct Stall {
    at: SimTime,
    events: u64,
    /// After [`STALL_EVENTS`], the pathway and steps seen at the instant (by name).
    seen: Vec<(String, String)>,
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
    arrival_rngs: Vec<crate::arrivals::ArrivalClock>,
    arrivals_so_far: Vec<u64>,
    day_marks: Vec<PoolStats>,
    warmup_marks: Vec<PoolStats>,
    capacity: CapacityTable,
    episodes: Option<EpisodeTable>,
    horizon: SimTime,
    warmup: SimTime,
    events: u64,
    /// The instant of the last event and how many events came at it in a row: a clock
    /// that stands still for [`STALL_EVENTS`] events stops the run (see [`Stall`]).
    stall: Stall,
    /// Why the run stopped before its horizon (a clock that stood still), if it did.
    stalled: Option<String>,
    /// Delayed time by pool held, pool bound for, reason and responsible organisation.
    delay_book: DelayBook,
    /// Blocked patients by pool held and pool waited for (the deadlock check).
    blocked_graph: BlockedGraph,
    /// Set when the run locked; the run stops.
    deadlock: Option<Deadlock>,
    /// Run days of acute delayed days the council alone is responsible for (one entry
    /// per patient delayed at midnight), for the Care Act reimbursement.
    reimbursable_days: Vec<u32>,
    cohort: Option<person::CohortState>,
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
        let arrival_rngs: Vec<crate::arrivals::ArrivalClock> = (0..model.arrivals.len())
            .map(|s| {
                crate::arrivals::ArrivalClock::new(
                    StreamKey {
                        master_seed: settings.master_seed,
                        sample: key.sample,
                        replication: key.replication,
                        purpose: Purpose::Arrivals,
                        entity: s as u64,
                    }
                    .rng(),
                )
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
            stall: Stall::default(),
            stalled: None,
            delay_book: DelayBook::new(warmup),
            blocked_graph: BlockedGraph::new(&model.pools),
            deadlock: None,
            reimbursable_days: Vec::new(),
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
        if let Some(sf) = &model.self_funded {
            rep.start_self_funded(sf);
        }
        rep
    }

    /// Runs to the horizon and returns the records, or the deadlock that stopped it.
    pub fn run(self) -> Result<RunOutput, Deadlock> {
        let never = std::sync::atomic::AtomicBool::new(false);
        self.run_until(&never).map(|out| out.expect("invariant: a run that is never stopped finishes"))
    }

    /// [`Replication::run`], abandoned (`Ok(None)`, no records) soon after `stop` is set:
    /// the flag is read every [`STOP_CHECK_EVENTS`] events, so even one long run stops
    /// within a fraction of a second of an interrupt.
    pub fn run_until(mut self, stop: &std::sync::atomic::AtomicBool) -> Result<Option<RunOutput>, Deadlock> {
        loop {
            let patients = &self.patients;
            let cohort = &self.cohort;
            let Some(item) = self.queue.pop_live(|e| match *e {
                FlowEvent::StayEnd { patient, generation }
                | FlowEvent::ProcessEnd { patient, generation }
                | FlowEvent::Rebook { patient, generation }
                | FlowEvent::Renege { patient, generation } => patients[patient.0 as usize].generation == generation,
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
            if self.events.is_multiple_of(STOP_CHECK_EVENTS) && stop.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(None);
            }
            if item.at == self.stall.at {
                self.stall.events += 1;
                if self.stall.events > STALL_EVENTS {
                    // Look at a few more events to name what goes round, then stop.
                    if let FlowEvent::StayEnd { patient, .. } = item.event {
                        let p = &self.patients[patient.0 as usize];
                        let pathway = self.model.pathway(p.pathway);
                        let seen = (pathway.name.clone(), pathway.step(p.step).name.clone());
                        if !self.stall.seen.contains(&seen) {
                            self.stall.seen.push(seen);
                        }
                    }
                    if self.stall.events > STALL_EVENTS + 1_000 {
                        self.stalled = Some(self.stall_message(item.at));
                        break;
                    }
                }
            } else {
                self.stall = Stall { at: item.at, events: 0, seen: Vec::new() };
            }
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
                FlowEvent::Person { person, event, .. } => self.on_person_event(PersonId(person), event),
                FlowEvent::HoldingEnd { holding, .. } => self.on_holding_end(holding),
                FlowEvent::YearEnd(year) => self.on_year_end(year),
                FlowEvent::ProcessEnd { patient, .. } => self.on_process_end(patient),
                FlowEvent::Rebook { patient, .. } => {
                    let now = self.now();
                    let p = &mut self.patients[patient.0 as usize];
                    p.rebooking = false;
                    p.requested_at = now;
                    self.request_first_step(patient);
                }
                FlowEvent::Renege { patient, .. } => self.on_renege(patient),
            }
            if let Some(d) = self.deadlock.take() {
                return Err(d);
            }
        }
        self.queue.finish_at(self.horizon);
        Ok(Some(self.finish()))
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
        let key = crate::record::PatientOrigin::Arrival { stream: s as u16, arrival: n }.key();
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

    /// A new patient asks for a place at their pathway's current (first) step. A
    /// planned admission of a pathway that rebooks when full is cancelled when no place
    /// is free, and asks again after the pathway's rebooking delay.
    fn request_first_step(&mut self, id: PatientId) {
        let now = self.now();
        let model = self.model;
        let p = &self.patients[id.0 as usize];
        let pathway = model.pathway(p.pathway);
        let step = pathway.step(p.step);
        let units = self.units_for(id, step.pool);
        let patience = self.draw_patience(id, step.pool);
        let p = &mut self.patients[id.0 as usize];
        p.want_units = units;
        let pool = &mut self.pools[step.pool.0 as usize];
        if let Some(after) = pathway.rebook_when_full
            && !pool.has_room_for(units)
        {
            pool.cancel_request(now);
            p.rebooking = true;
            self.queue.schedule(now + after, FlowEvent::Rebook { patient: id, generation: p.generation });
            return;
        }
        match pool.request_units(now, id, p.generation, step.priority, units) {
            Admission::Admitted => self.start_stay(id, step.pool),
            Admission::Queued => self.schedule_renege(id, patience),
            Admission::Rejected => self.end_journey(id),
        }
    }

    /// The patient has just taken a place in `pool` for their current step.
    #[inline]
    fn start_stay(&mut self, id: PatientId, pool: PoolId) {
        let now = self.now();
        let model = self.model;
        let p = &mut self.patients[id.0 as usize];
        if p.held.is_none() && now > p.requested_at {
            let requested_at = p.requested_at;
            self.note_outside_wait(pool, requested_at);
        }
        let p = &mut self.patients[id.0 as usize];
        p.held = Some(pool);
        p.held_units = p.want_units;
        p.blocked = false;
        p.renege_at = None;
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
        let mut end = now + stay;
        // Fewer discharges at weekends (see `crate::config::calendar`): overnight acute stays only
        // (ASSUMPTION: same-day stays, in assessment units and day-case lists, are not
        // held over a weekend).
        if let Some(cal) = model.calendar.as_ref()
            && cal.moves_weekend_discharges()
            && stay >= crate::time::SimDuration::from_days(1)
            && cal.is_weekend(end)
            && model.pool(pool).setting == crate::capacity::Setting::Acute
        {
            let u: f64 = self.patients[id.0 as usize].rng.random();
            end = cal.discharge_time(end, u);
        }
        let generation = self.patients[id.0 as usize].generation;
        self.queue.schedule(end, FlowEvent::StayEnd { patient: id, generation });
    }

    /// Residents of self-funded care home placements at the start of the run, in the
    /// steady state of their arrival stream (see [`crate::config::self_funded`]): each takes a
    /// place while one is free and keeps it for the time left of a stay in progress.
    fn start_self_funded(&mut self, sf: &crate::config::self_funded::SelfFundedSpec) {
        let model = self.model;
        let now = self.now();
        let pathway = model.pathway(sf.pathway);
        let first = pathway.step(pathway.start);
        let mut rng = StreamKey {
            master_seed: self.settings.master_seed,
            sample: self.key.sample,
            replication: self.key.replication,
            purpose: Purpose::Arrivals,
            entity: (1 << 32) | sf.stream as u64,
        }
        .rng();
        for (k, stay) in sf.initial_stays(&first.stay, &mut rng).into_iter().enumerate() {
            if !self.pools[first.pool.0 as usize].has_room() {
                break;
            }
            // Keys apart from the stream's arrivals (which count up from 0).
            let key =
                crate::record::PatientOrigin::Arrival { stream: sf.stream as u16, arrival: (1 << 39) | k as u64 }.key();
            let patient = Patient::new(&self.patient_streams, key, pathway, sf.pathway, now, None);
            let id = self.alloc_patient(patient);
            let generation = self.patients[id.0 as usize].generation;
            if self.pools[first.pool.0 as usize].request(now, id, generation, first.priority) == Admission::Admitted {
                let p = &mut self.patients[id.0 as usize];
                p.held = Some(first.pool);
                p.held_units = p.want_units;
                self.queue.schedule(now + stay, FlowEvent::StayEnd { patient: id, generation });
            }
        }
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
        let step = model.pathway(p.pathway).step(p.step);
        let route = match (frailty, &step.route_by_frailty) {
            (Some(f), Some(routes)) => &routes[f as usize],
            _ => &step.route,
        };
        let next = route.choose(u);
        let has_processes = !step.process_delays.is_empty();
        self.note_ready(id, held, next);
        if has_processes && self.begin_processes(id, held, next) {
            return;
        }
        self.leave_step(id, held, next);
    }

    /// Patient `id`, ready and with no process delay left, leaves `held` for `next`:
    /// out, to a new stay in the same pool, to a free place, or into the waiting list of
    /// a full pool (blocked in the place they hold).
    fn leave_step(&mut self, id: PatientId, held: PoolId, next: Next) {
        let now = self.now();
        let model = self.model;
        let (pathway, generation) = {
            let p = &self.patients[id.0 as usize];
            (p.pathway, p.generation)
        };
        match next {
            Next::Exit => {
                self.leave_system(id, held);
            }
            Next::Step(step) => {
                let target = model.pathway(pathway).step(step);
                self.patients[id.0 as usize].step = step;
                if target.pool == held {
                    // A new step in the same pool: the place is kept, a new stay starts.
                    self.record_episode(id, held, person::Leave::To(held));
                    self.patients[id.0 as usize].requested_at = now;
                    self.start_stay(id, held);
                    return;
                }
                let units = self.units_for(id, target.pool);
                let patience = self.draw_patience(id, target.pool);
                self.patients[id.0 as usize].want_units = units;
                match self.pools[target.pool.0 as usize].request_units(now, id, generation, target.priority, units) {
                    Admission::Admitted => self.transfer(id, held, target.pool),
                    Admission::Queued => {
                        self.patients[id.0 as usize].blocked = true;
                        self.pools[held.0 as usize].block(now);
                        self.note_blocked(id, held, target.pool);
                        self.schedule_renege(id, patience);
                    }
                    Admission::Rejected => {
                        self.leave_system(id, held);
                    }
                }
            }
        }
    }

    /// Patient `id` leaves the place they hold in `held` and the modelled system: the
    /// stay is recorded as an exit, their journey ends, and the place passes on.
    fn leave_system(&mut self, id: PatientId, held: PoolId) {
        self.record_episode(id, held, person::Leave::Exit);
        self.record_outside_cohort_stay(id);
        let (admitted_at, units) = self.place_of(id);
        self.end_journey(id);
        self.release_place(held, admitted_at, units);
    }

    /// When patient `id` took the place they hold, and its units.
    #[inline]
    fn place_of(&self, id: PatientId) -> (SimTime, u32) {
        let p = &self.patients[id.0 as usize];
        (p.admitted_at, p.held_units)
    }

    /// Moves a patient who has a place in `to` out of the place they hold in `from`.
    fn transfer(&mut self, id: PatientId, from: PoolId, to: PoolId) {
        self.record_episode(id, from, person::Leave::To(to));
        let (released_admitted_at, released_units) = self.place_of(id);
        let p = &mut self.patients[id.0 as usize];
        p.requested_at = p.ready_at;
        self.start_stay(id, to);
        self.release_place(from, released_admitted_at, released_units);
    }

    /// Gives up `units` of a place; they pass to the waiting list (its head in a place
    /// pool, first fit in an hours pool), and when a patient served was blocked, the
    /// place they held is released in turn (a cascade).
    fn release_place(&mut self, pool: PoolId, admitted_at: SimTime, units: u32) {
        let now = self.now();
        let mut pending = Some((pool, admitted_at, units));
        // More than one release is pending only when an hours pool serves several
        // blocked patients from one release.
        let mut more: Vec<(PoolId, SimTime, u32)> = Vec::new();
        while let Some((pool, admitted_at, units)) = pending.take().or_else(|| more.pop()) {
            self.pools[pool.0 as usize].release_units(now, admitted_at, units);
            loop {
                let patients = &self.patients;
                let Some(w) = self.pools[pool.0 as usize].admit_next(now, |w| {
                    let p = &patients[w.patient.0 as usize];
                    (p.generation == w.generation).then_some(p.want_units)
                }) else {
                    break;
                };
                let p = &self.patients[w.patient.0 as usize];
                match (p.blocked, p.held) {
                    (true, Some(held)) => {
                        self.pools[held.0 as usize].unblock(now);
                        self.blocked_graph.unblock(held, pool);
                        self.record_episode(w.patient, held, person::Leave::To(pool));
                        let (held_admitted_at, held_units) = self.place_of(w.patient);
                        let p = &mut self.patients[w.patient.0 as usize];
                        p.requested_at = p.ready_at;
                        self.start_stay(w.patient, pool);
                        let freed = (held, held_admitted_at, held_units);
                        if pending.is_none() { pending = Some(freed) } else { more.push(freed) }
                    }
                    _ => self.start_stay(w.patient, pool),
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
    fn record_episode(&mut self, id: PatientId, pool: PoolId, leave: person::Leave) {
        let p = &self.patients[id.0 as usize];
        // NOTE: most stays end unblocked, for a background patient, with no episode table:
        // then there is nothing to record, and the call is skipped.
        if p.segment.is_some() || p.person.is_some() || self.episodes.is_some() {
            self.record_episode_in_full(id, pool, leave);
        }
    }

    /// [`Replication::record_episode`] when there may be something to record (kept out of
    /// line so that the check above stays small enough to inline).
    #[inline(never)]
    fn record_episode_in_full(&mut self, id: PatientId, pool: PoolId, leave: person::Leave) {
        let now = self.queue.now();
        if self.patients[id.0 as usize].person.is_some() {
            self.accrue_patient(id, pool);
            self.note_leaving(id, pool, leave);
        }
        self.close_segment(id, true);
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

    /// Names what went round at one instant: the pathway and its steps seen.
    fn stall_message(&self, at: SimTime) -> String {
        let mut by_pathway: Vec<(String, Vec<String>)> = Vec::new();
        for (p, step) in &self.stall.seen {
            match by_pathway.iter_mut().find(|(name, _)| name == p) {
                Some((_, steps)) => steps.push(step.clone()),
                None => by_pathway.push((p.clone(), vec![step.clone()])),
            }
        }
        let places = if by_pathway.is_empty() {
            "no patient step (the events were the cohort's)".to_string()
        } else {
            by_pathway
                .iter()
                .map(|(p, s)| format!("pathway {p}, steps {}", s.join(", ")))
                .collect::<Vec<_>>()
                .join("; ")
        };
        format!(
            "the clock stood still at day {:.4} for more than {STALL_EVENTS} events: {places} go round without time \
             passing; give a step of the cycle a stay of at least a minute or a route out of it",
            at.as_days_f64()
        )
    }

    fn finish(mut self) -> RunOutput {
        let horizon = self.horizon;
        // Residents placed outside the cohort still in a care home count their days so
        // far (before the cohort's records are handed over).
        if self.model.self_funded.as_ref().is_some_and(|s| s.council_funded_share > 0.0) {
            for k in 0..self.patients.len() {
                if self.patients[k].held.is_some() {
                    self.record_outside_cohort_stay(PatientId(k as u32));
                }
            }
        }
        // The last year's person-years first: a patient still delayed at the horizon
        // accrues their delayed days while their delay segment is open (closing it
        // first would drop those days from the person-years but not from the pools).
        let (person_year, calibration, population, mut activity) = self.finish_cohort();
        // Patients still delayed at the horizon count their delay so far.
        self.close_segments_at_horizon();
        let mut delays = DelayTable::default();
        for (k, row) in self.delay_book.rows() {
            delays.held_pool.push(k.held.0);
            delays.waiting_for_pool.push(k.waited_for.map(|p| p.0));
            delays.reason.push(k.reason);
            delays.responsible.push(k.responsible);
            delays.delayed_days.push(row.minutes as f64 / MINUTES_PER_DAY as f64);
            delays.delayed_transfers.push(row.transfers);
        }
        if let Some(log) = activity.as_mut() {
            log.reimbursable_delay_days = std::mem::take(&mut self.reimbursable_days);
        }
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
                    waiting_growth: crate::record::waiting_growth(
                        &self.capacity,
                        i as u16,
                        self.settings.warmup_days.ceil() as u32,
                        self.settings.horizon_days.floor() as u32,
                    ),
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
            stalled: self.stalled.take(),
        }
    }
}

/// Runs one replication of `model` to the horizon.
///
/// # Errors
/// [`Deadlock`] when every place of a set of pools came to be held by patients blocked
/// waiting for each other (the run cannot go on).
pub fn run(model: &Model, settings: RunSettings, key: RunKey) -> Result<RunOutput, Deadlock> {
    Replication::new(model, settings, key).run()
}

/// [`run`], abandoned soon after `stop` is set: `Ok(None)`, and nothing of the run is
/// kept (an interrupted experiment redoes it when resumed).
///
/// # Errors
/// As [`run`].
pub fn run_until(
    model: &Model,
    settings: RunSettings,
    key: RunKey,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<Option<RunOutput>, Deadlock> {
    Replication::new(model, settings, key).run_until(stop)
}
