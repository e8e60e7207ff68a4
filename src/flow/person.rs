//! The people of the cohort inside a replication: each person's next life or demand
//! event is drawn from competing hazards (continuous time, no daily tick; the hazards
//! themselves are [`crate::cohort::hazards`]), and demand starts pathway journeys
//! through the shared pools. Packages and placements held at home are `holding`; the
//! person-year rows each year closes are `person_year`.
//!
//! One pending event per person: the hazards in force are constant until the person's
//! state changes (a condition, a frailty step, an admission, a birthday, the end of a
//! readmission window), at which point the next event is drawn afresh. A stale event
//! is recognised by the person's generation counter (lazy cancellation).
//! GP contacts and A&E attendances that do not lead to admission change nobody's state,
//! so they are drawn as Poisson counts over each interval of constant rate instead of as
//! events.

use super::holding::Holding;
use super::person_year::{YearAcc, YearCounts, poisson_count};
use super::recorder::ActivityRecorder;
use super::{FlowEvent, Patient, Replication};
use crate::capacity::{PatientId, Places, PoolId, Setting};
use crate::cohort::hazards::{self, Normalisers, PersonEvent};
use crate::cohort::population::{Person, PersonId, Population};
use crate::cohort::{CohortParams, FRAILTY_LEVELS, OnsetTable, age_band};
use crate::pathway::PathwayId;
use crate::record::{CalibrationCounts, PersonYearTable};
use crate::rng::{Purpose, SimRng, StreamKey};
use crate::time::{DAYS_PER_YEAR, MEAN_DAYS_PER_YEAR, MINUTES_PER_DAY, SimDuration, SimTime};
use rand::RngExt;
use rand_distr::Exp1;

/// How a patient leaves a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leave {
    /// Out of the modelled system (home), or turned away.
    Exit,
    /// To another place (possibly the same pool, for a new step).
    To(PoolId),
    /// The person died.
    Death,
}

/// The simulation's state of one person (part of their [`PersonRecord`]).
#[derive(Clone, Debug)]
pub(super) struct PersonState {
    /// The person's random stream.
    pub(super) rng: SimRng,
    /// Total onset hazard per year, refreshed at reviews and onsets.
    pub(super) onset_per_year: f64,
    /// Until when GP and A&E activity has been counted.
    pub(super) accounted_at: SimTime,
    /// The end of the last acute spell.
    pub(super) last_discharge: Option<SimTime>,
    /// Generation of the pending event (a stale event carries an older one).
    pub(super) generation: u32,
    /// The patient of the journey under way.
    pub(super) active: Option<PatientId>,
    /// Holdings by slot (care home, home care, community nursing).
    pub(super) holding_of: [Option<u32>; 3],
    /// Journeys started, numbering the patients' random streams.
    pub(super) journeys: u16,
    /// This year's counts.
    pub(super) counts: YearCounts,
}

/// Everything a replication holds about one person: the population's attributes and the
/// simulation's state, in one record. Nearly every event at a (random) person reads or
/// writes most of it, so the event costs three adjacent cache lines on one or two pages,
/// where separate columns would cost a dozen lines on a dozen pages.
#[derive(Clone, Debug)]
pub(super) struct PersonRecord {
    /// Age, sex, conditions, frailty, ... (as generated, then kept up to date).
    pub(super) person: Person,
    /// The simulation's state of the person.
    pub(super) state: PersonState,
}

// 160 bytes (two and a half cache lines): the layout the comment above relies on.
const _: () = assert!(std::mem::size_of::<PersonRecord>() == 160);

/// The cohort's state in one replication.
pub(super) struct CohortState {
    /// Everyone in the area, indexed by [`PersonId`].
    pub(super) people: Vec<PersonRecord>,
    pub(super) holdings: Vec<Holding>,
    pub(super) free_holdings: Vec<u32>,
    /// Divisors keeping the hazard tables' margins (see [`Normalisers`]).
    pub(super) norms: Normalisers,
    /// Onset hazards by completed age and IMD quintile.
    pub(super) onset_table: OnsetTable,
    pub(super) acc: Vec<YearAcc>,
    pub(super) year_start: SimTime,
    pub(super) table: PersonYearTable,
    pub(super) calib: CalibrationCounts,
    pub(super) placements: Vec<(SimTime, u32)>,
    /// The activity recorder, when the model has `[payment]`.
    pub(super) recorder: Option<ActivityRecorder>,
}

impl CohortState {
    /// Starts bringing person `i`'s record into cache (a hint: see [`crate::engine::prefetch`]).
    #[inline(always)]
    pub(super) fn prefetch(&self, i: usize) {
        if let Some(record) = self.people.get(i) {
            crate::engine::prefetch(record);
        }
    }

    /// Starts bringing the records that the end of person `i`'s stay reads into cache:
    /// their record and the year's time in places.
    #[inline(always)]
    pub(super) fn prefetch_stay_end(&self, i: usize) {
        self.prefetch(i);
        if let Some(acc) = self.acc.get(i) {
            crate::engine::prefetch(acc);
        }
    }
}

impl<'m> Replication<'m> {
    pub(super) fn params(&self) -> &'m CohortParams {
        self.model.cohort.as_ref().expect("invariant: cohort events only in cohort models")
    }

    pub(super) fn cohort(&mut self) -> &mut CohortState {
        self.cohort.as_mut().expect("invariant: cohort events only in cohort models")
    }

    /// Generates the population, fills the care homes and schedules everyone's first event.
    pub(super) fn start_cohort(&mut self, params: &'m CohortParams) {
        let model = self.model;
        let care_home_pool =
            model.pathway(params.care_home_pathway).step(model.pathway(params.care_home_pathway).start).pool;
        let initial_residents = match model.pool(care_home_pool).places {
            Places::Limited(n) => (n as f64 * params.care_home_initial_occupancy) as u32,
            Places::Unlimited => 0,
        };
        let s = self.settings;
        let pop = Population::generate(params, s.master_seed, self.key.sample, self.key.replication, initial_residents);
        let n = pop.len();
        let norms = Normalisers::of(params, &pop);
        let people = pop
            .people
            .iter()
            .enumerate()
            .map(|(i, person)| PersonRecord {
                person: *person,
                state: PersonState {
                    rng: StreamKey {
                        master_seed: s.master_seed,
                        sample: self.key.sample,
                        replication: self.key.replication,
                        purpose: Purpose::Person,
                        entity: i as u64,
                    }
                    .rng(),
                    onset_per_year: 0.0,
                    accounted_at: SimTime::ZERO,
                    last_discharge: None,
                    generation: 0,
                    active: None,
                    holding_of: [None; 3],
                    journeys: 0,
                    counts: YearCounts::default(),
                },
            })
            .collect();
        drop(pop);
        let years = (self.horizon.as_days_f64() / DAYS_PER_YEAR as f64).ceil() as usize;
        let mut state = CohortState {
            people,
            holdings: Vec::with_capacity(initial_residents as usize * 2),
            free_holdings: Vec::new(),
            norms,
            onset_table: OnsetTable::new(params),
            acc: vec![YearAcc::default(); n],
            year_start: SimTime::ZERO,
            table: PersonYearTable::default(),
            calib: CalibrationCounts::default(),
            placements: Vec::new(),
            recorder: self.model.payment.as_ref().map(|spec| ActivityRecorder::new(n, spec)),
        };
        state.table.person.reserve(n * years.min(2));
        self.cohort = Some(state);
        // Residents at the start hold their care home places until they die.
        for i in 0..n {
            if self.cohort().people[i].person.care_home {
                let now = self.now();
                let pool = &mut self.pools[care_home_pool.0 as usize];
                // Residents are not patients: the place is taken directly (there is room:
                // at most capacity x occupancy residents were chosen).
                if pool.has_room() {
                    pool.request(now, PatientId(u32::MAX), 0, 0);
                    self.add_holding(i as u32, care_home_pool, Setting::CareHome, None, None);
                } else {
                    self.cohort().people[i].person.care_home = false;
                }
            }
        }
        for i in 0..n {
            self.refresh_onset(i);
            self.reschedule(i);
        }
        self.select_year_of_care();
        let first_year_end = SimTime::from_days(DAYS_PER_YEAR as u64);
        if first_year_end <= self.horizon {
            self.queue.schedule(first_year_end, FlowEvent::YearEnd(0));
        }
    }

    /// The frailty level of a person.
    pub(super) fn frailty_of(&self, person: PersonId) -> u8 {
        self.cohort.as_ref().map_or(0, |c| c.people[person.0 as usize].person.frailty)
    }

    /// The frailty level of a person aged 65+ (routing by frailty applies to them; the
    /// discharge-to-assess guidance describes older people).
    pub(super) fn frailty_65_plus(&self, person: PersonId) -> Option<u8> {
        let c = self.cohort.as_ref()?;
        let person = &c.people[person.0 as usize].person;
        (person.age_years(self.now()) >= 65.0).then_some(person.frailty)
    }

    /// A cohort patient's length of stay, adjusted for frailty in acute care.
    pub(super) fn person_stay(&self, person: PersonId, pool: PoolId, stay: SimDuration) -> SimDuration {
        if self.model.pool(pool).setting != Setting::Acute {
            return stay;
        }
        let m = self.params().emergency.los_multiplier_by_frailty[self.frailty_of(person) as usize];
        SimDuration::from_days_f64(stay.as_days_f64() * m)
    }

    /// Recomputes person `i`'s total onset hazard (at the start, at each birthday review
    /// and after an onset: the conditions' hazards are held constant in between, at their
    /// values for the person's completed age).
    fn refresh_onset(&mut self, i: usize) {
        let now = self.now();
        let c = self.cohort();
        let PersonRecord { person, state } = &mut c.people[i];
        state.onset_per_year =
            c.onset_table.total(person.age_years(now), person.imd, person.latent as f64, person.conditions);
    }

    /// Draws person `i`'s next event from the hazards in force now.
    pub(super) fn reschedule(&mut self, i: usize) {
        let now = self.now();
        let params = self.params();
        let c = self.cohort.as_ref().expect("invariant: cohort");
        let PersonRecord { person, state } = &c.people[i];
        let emergency_per_year =
            hazards::emergency_rate(&params.emergency, person, &c.norms, state.last_discharge, now);
        let lever = c.recorder.as_ref().filter(|p| p.is_enrolled(i)).map_or(1.0, |p| p.hazard_ratio);
        let age = person.age_years(now);
        // With a calendar, candidate admissions come at the peak rates and are thinned
        // when drawn (below).
        let model = self.model;
        let calendar = model.calendar.as_ref();
        let (seasonal_peak, elective_factor) =
            calendar.map_or((1.0, 1.0), |cal| (cal.emergency_peak(), cal.elective_rate_factor()));
        let mut rates = hazards::rates(
            params,
            person,
            age,
            state.onset_per_year,
            state.active.is_some(),
            state.holding_of[2].is_some(),
            emergency_per_year * lever * seasonal_peak,
        );
        rates.elective_per_year *= elective_factor;
        let risk = 1.0 - (-emergency_per_year).exp();
        let window = params.emergency.readmission_window;
        let c = self.cohort();
        let PersonRecord { person, state } = &mut c.people[i];
        state.generation = state.generation.wrapping_add(1);
        if person.died_at.is_some() {
            return;
        }
        person.risk = risk as f32;
        // Review at the next birthday, or when a readmission window closes.
        let age_days = person.age0_days as f64 + now.as_days_f64();
        let to_birthday = (age_days / MEAN_DAYS_PER_YEAR).floor() * MEAN_DAYS_PER_YEAR + MEAN_DAYS_PER_YEAR - age_days;
        let mut review = now + SimDuration::from_days_f64(to_birthday.max(1.0 / MINUTES_PER_DAY as f64));
        if let Some(d) = state.last_discharge
            && now < d + window
        {
            review = review.min(d + window);
        }
        // Death: the Gompertz-Makeham hazard rises with age, so its time is drawn
        // exactly by inverting the cumulative hazard from now; the other hazards are
        // held constant until the next review (piecewise-constant by age).
        let total = rates.total();
        let rng = &mut state.rng;
        let (e1, e2): (f64, f64) = (rng.sample(Exp1), rng.sample(Exp1));
        let e: f64 = rng.sample(Exp1);
        let u: f64 = rng.random();
        let death_at = hazards::years_to_death(&params.mortality, person, age, &c.norms, e1, e2)
            .map(|years| now + SimDuration::from_days_f64(years * MEAN_DAYS_PER_YEAR));
        let candidate = if total > 0.0 {
            now + SimDuration::from_days_f64(e / total * MEAN_DAYS_PER_YEAR)
        } else {
            SimTime(u64::MAX)
        };
        let (at, event) = match death_at {
            Some(d) if d <= candidate && d <= review => (d, PersonEvent::Death),
            _ if candidate < review => {
                let (mut chosen, within) = rates.choose_within(u * total);
                // Thinning by the calendar: a candidate admission the month's factor or
                // the weekend does not keep becomes a review (the person's next event is
                // drawn afresh then).
                if let Some(cal) = calendar {
                    let kept = match chosen {
                        PersonEvent::Emergency => cal.keep_emergency(candidate, within),
                        PersonEvent::Elective => cal.keep_elective(candidate),
                        _ => true,
                    };
                    if !kept {
                        chosen = PersonEvent::Review;
                    }
                }
                (candidate, chosen)
            }
            _ => (review, PersonEvent::Review),
        };
        if at <= self.horizon {
            let generation = self.cohort().people[i].state.generation;
            self.queue.schedule(at, FlowEvent::Person { person: i as u32, generation, event });
        }
    }

    /// Counts GP contacts and A&E attendances (not admitted) since the last count.
    pub(super) fn account_interval(&mut self, i: usize) {
        let now = self.now();
        let params = self.params();
        let c = self.cohort.as_mut().expect("invariant: cohort");
        let PersonRecord { person, state } = &mut c.people[i];
        let from = state.accounted_at;
        state.accounted_at = now;
        if state.active.is_some() || person.died_at.is_some() || now <= from {
            return;
        }
        let years = now.since(from).as_days_f64() / MEAN_DAYS_PER_YEAR;
        let age = person.age_years(from);
        let n = person.n_conditions() as f64;
        let gp = params.gp_per_year_by_band[age_band(age)] * (1.0 + params.gp_increase_per_condition * n) * years;
        let ae = if person.care_home {
            params.ae_care_home_per_year
        } else {
            params.ae_per_year_by_age[params.emergency.row(age)] * params.ae_frailty_hr[person.frailty as usize]
        } * years;
        state.counts.gp_expected += gp;
        let a = poisson_count(&mut state.rng, ae);
        state.counts.ae = state.counts.ae.saturating_add(a);
        self.record_ae(i, a);
    }

    /// Handles a person's event.
    pub(super) fn on_person_event(&mut self, person: PersonId, event: PersonEvent) {
        let i = person.0 as usize;
        self.account_interval(i);
        match event {
            PersonEvent::Death => return self.die(i),
            PersonEvent::Onset => {
                self.onset(i);
                self.refresh_onset(i);
            }
            PersonEvent::Frailty => {
                let f = &mut self.cohort().people[i].person.frailty;
                *f = (*f + 1).min(FRAILTY_LEVELS as u8 - 1);
            }
            PersonEvent::Emergency => self.emergency(i),
            PersonEvent::Elective => {
                self.cohort().people[i].state.counts.elective += 1;
                self.start_journey(i, self.params().elective_pathway);
            }
            PersonEvent::CareHome => self.start_journey(i, self.params().care_home_pathway),
            PersonEvent::Nursing => self.start_journey(i, self.params().nursing_pathway),
            PersonEvent::Review => self.refresh_onset(i),
        }
        self.reschedule(i);
    }

    /// A new condition, chosen in proportion to each missing condition's onset hazard.
    fn onset(&mut self, i: usize) {
        let now = self.now();
        let c = self.cohort();
        let person = &c.people[i].person;
        let (age, imd, z, held) = (person.age_years(now), person.imd, person.latent as f64, person.conditions);
        let hazards = || c.onset_table.hazards(age, imd, z, held);
        let total: f64 = hazards().map(|(_, h)| h).sum();
        let target: f64 = c.people[i].state.rng.random::<f64>() * total;
        let mut acc = 0.0;
        let chosen = hazards().find(|(_, h)| {
            acc += h;
            target < acc
        });
        if let Some((bit, _)) = chosen {
            c.people[i].person.conditions |= 1 << bit;
        }
    }

    fn emergency(&mut self, i: usize) {
        let params = self.params();
        let now = self.now();
        let in_window = now >= self.warmup;
        let e = &params.emergency;
        let a = &params.avoidance;
        let avoid_pool = {
            let pw = self.model.pathway(a.pathway);
            pw.step(pw.start).pool
        };
        let has_room = self.pools[avoid_pool.0 as usize].has_room();
        let c = self.cohort();
        let PersonRecord { person, state } = &mut c.people[i];
        let (u_ae, u_avoid): (f64, f64) = (state.rng.random(), state.rng.random());
        let age = person.age_years(now);
        let eligible = !person.care_home && age >= a.min_age && person.frailty >= a.min_frailty;
        if eligible && u_avoid < a.share && has_room {
            if in_window {
                self.cohort().calib.avoidance_referrals += 1;
            }
            self.start_journey(i, a.pathway);
            return;
        }
        let c = self.cohort();
        let counts = &mut c.people[i].state.counts;
        counts.emergency += 1;
        let via_ae = u_ae < e.via_ae_share;
        if via_ae {
            counts.ae += 1;
        }
        if in_window && age >= 65.0 && c.people[i].state.last_discharge.is_some_and(|d| now < d + e.readmission_window)
        {
            c.calib.readmissions_65_plus += 1;
        }
        if via_ae {
            self.record_ae(i, 1);
        }
        self.start_journey(i, e.pathway);
    }

    /// Person `i` starts a journey on `pathway`: a patient is created and asks for a place.
    fn start_journey(&mut self, i: usize, pathway: PathwayId) {
        let now = self.now();
        let c = self.cohort();
        let n = c.people[i].state.journeys;
        c.people[i].state.journeys = n.wrapping_add(1);
        let key = crate::record::PatientOrigin::Journey { person: i as u32, journey: n }.key();
        let patient = Patient::new(
            &self.patient_streams,
            key,
            self.model.pathway(pathway),
            pathway,
            now,
            Some(PersonId(i as u32)),
        );
        let id = self.alloc_patient(patient);
        self.cohort().people[i].state.active = Some(id);
        self.request_first_step(id);
    }

    /// A cohort patient's journey is over: the person is back in the community.
    pub(super) fn person_back_home(&mut self, person: PersonId) {
        let i = person.0 as usize;
        let now = self.now();
        let c = self.cohort();
        c.people[i].state.active = None;
        c.people[i].state.accounted_at = now;
        if c.people[i].person.died_at.is_none() {
            self.reschedule(i);
        }
    }

    /// Person `i` dies: every place they hold or wait for is given up.
    fn die(&mut self, i: usize) {
        let now = self.now();
        let c = self.cohort();
        c.people[i].person.died_at = Some(now);
        c.people[i].state.generation = c.people[i].state.generation.wrapping_add(1);
        self.record_death(i);
        let c = self.cohort();
        if let Some(id) = c.people[i].state.active.take() {
            let p = &self.patients[id.0 as usize];
            let target = self.model.pathway(p.pathway).step(p.step).pool;
            match p.held {
                Some(held) => {
                    let (blocked, in_process, admitted_at, units) =
                        (p.blocked, p.pending.is_some(), p.admitted_at, p.held_units);
                    if blocked {
                        self.pools[target.0 as usize].cancel_waiting(now);
                        self.pools[held.0 as usize].unblock(now);
                        self.blocked_graph.unblock(held, target);
                    } else if in_process {
                        self.pools[held.0 as usize].unblock(now);
                    }
                    self.record_episode(id, held, Leave::Death);
                    self.free_slot(id);
                    self.release_place(held, admitted_at, units);
                }
                // Waiting to be booked again: in no waiting list.
                None if p.rebooking => self.free_slot(id),
                None => {
                    self.pools[target.0 as usize].cancel_waiting(now);
                    self.free_slot(id);
                }
            }
        }
        for slot in 0..3 {
            if let Some(h) = self.cohort().people[i].state.holding_of[slot] {
                self.end_holding(h);
            }
        }
    }
}
