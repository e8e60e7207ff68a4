//! The cohort inside a replication: each person's next life or demand event is drawn
//! from competing hazards (continuous time, no daily tick), demand starts pathway
//! journeys through the shared pools, packages and placements are held at home, and
//! every year closes a person-year row.
//!
//! One pending event per person: the hazards in force are constant until the person's
//! state changes (a condition, a frailty step, an admission, a birthday, the end of a
//! readmission window), at which point the next event is drawn afresh. A stale event
//! is recognised by the person's generation counter (lazy cancellation).
//! GP contacts and A&E attendances that do not lead to admission change nobody's state,
//! so they are drawn as Poisson counts over each interval of constant rate instead of as
//! events.

use super::{FlowEvent, Patient, Replication};
use crate::capacity::{PatientId, Places, PoolId, Setting};
use crate::cohort::population::{DAYS_PER_YEAR, Person, PersonId, Population};
use crate::cohort::{AGE_BANDS, CohortParams, FRAILTY_LEVELS, OnsetTable, age_band};
use crate::money::Pence;
use crate::pathway::{Hold, Next, PathwayId};
use crate::payment::activity::ActivityLog;
use crate::record::{CalibrationCounts, PersonYearTable};
use crate::rng::{Purpose, SimRng, StreamKey};
use crate::time::{MINUTES_PER_DAY, SimDuration, SimTime};
use rand::RngExt;
use rand_distr::{Distribution, Exp1, Gamma, Poisson};

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

/// What a person's pending event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    Death = 0,
    Onset = 1,
    Frailty = 2,
    Emergency = 3,
    Elective = 4,
    CareHome = 5,
    Nursing = 6,
    Review = 7,
}

/// The name of a person event kind in the `events` table.
pub fn kind_name(kind: u8) -> &'static str {
    match kind {
        0 => "death",
        1 => "condition_onset",
        2 => "frailty_step",
        3 => "emergency_admission",
        4 => "elective_admission",
        5 => "care_home_admission",
        6 => "community_nursing",
        _ => "review",
    }
}

const KINDS: [Kind; 7] =
    [Kind::Death, Kind::Onset, Kind::Frailty, Kind::Emergency, Kind::Elective, Kind::CareHome, Kind::Nursing];

/// Minutes in a week.
const MINUTES_PER_WEEK: f64 = 7.0 * MINUTES_PER_DAY as f64;
/// A simulated year for person-years, days.
const YEAR_DAYS: u64 = 365;

/// Admissions, attendances and expected GP contacts of one person in the current year:
/// updated at most of the person's events, so kept in their [`PersonState`].
#[derive(Clone, Copy, Debug, Default)]
struct YearCounts {
    /// Expected GP contacts so far this year: the count is drawn once, when the year
    /// closes (a sum of independent Poisson counts is Poisson with the summed mean).
    gp_expected: f64,
    emergency: u16,
    elective: u16,
    ae: u16,
}

/// Time in places and care received by one person in the current year (updated when a
/// stay or holding is accounted, not at every event).
#[derive(Clone, Copy, Debug, Default)]
struct YearAcc {
    bed_minutes: u64,
    dtoc_minutes: u64,
    ic_minutes: u64,
    reablement_minutes: u64,
    care_home_minutes: u64,
    home_care_hours: f64,
    nursing_visits: f64,
}

/// The person-year rows of a warm-up year, as far as a commissioner's records hold
/// them (attributes, admissions, attendances, care received; no GP count, whose draw
/// would change the person's stream, and no costs): the history the year-of-care risk
/// score of the next year reads ([`crate::payment::year_of_care::features_after`]).
fn prior_year_rows(
    year: u16,
    start: SimTime,
    now: SimTime,
    people: &[PersonRecord],
    acc: &[YearAcc],
) -> PersonYearTable {
    let mut t = PersonYearTable::default();
    t.reserve(people.len());
    let days = |m: u64| m as f64 / MINUTES_PER_DAY as f64;
    for (i, (r, a)) in people.iter().zip(acc).enumerate() {
        let (person, counts) = (&r.person, &r.state.counts);
        if person.died_at.is_some_and(|d| d < start) {
            continue;
        }
        let end = person.died_at.map_or(now, |d| d.min(now));
        let age = person.age_years(start);
        t.person.push(i as u32);
        t.year.push(year);
        t.age_years.push(age.min(255.0) as u8);
        t.age_band.push(age_band(age) as u8);
        t.male.push(person.male);
        t.imd.push(person.imd);
        t.conditions.push(person.n_conditions() as u8);
        t.frailty.push(person.frailty);
        t.care_home.push(person.care_home);
        t.risk.push(person.risk);
        t.exposure_days.push(days(end.since(start).minutes()) as f32);
        t.emergency_admissions.push(counts.emergency);
        t.elective_admissions.push(counts.elective);
        t.bed_days.push(days(a.bed_minutes) as f32);
        t.dtoc_days.push(days(a.dtoc_minutes) as f32);
        t.ae_attendances.push(counts.ae);
        t.gp_contacts.push(0);
        t.intermediate_care_days.push(days(a.ic_minutes) as f32);
        t.reablement_days.push(days(a.reablement_minutes) as f32);
        t.home_care_hours.push(a.home_care_hours as f32);
        t.care_home_weeks.push((days(a.care_home_minutes) / 7.0) as f32);
        t.nursing_visits.push(a.nursing_visits as f32);
        t.acute_cost_pence.push(0);
        t.community_cost_pence.push(0);
        t.social_care_cost_pence.push(0);
        t.primary_care_cost_pence.push(0);
        t.died.push(person.died_at.is_some_and(|d| d >= start && d <= now));
    }
    t
}

/// A Poisson count with mean `mean` (0 for a mean of 0 or less), capped at `u16::MAX`.
fn poisson_count(rng: &mut SimRng, mean: f64) -> u16 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map_or(0, |d| d.sample(rng).min(u16::MAX as f64) as u16)
}

/// A package or placement held at home.
#[derive(Clone, Copy, Debug)]
pub(super) struct Holding {
    person: u32,
    pool: PoolId,
    setting: Setting,
    admitted_at: SimTime,
    accounted_from: SimTime,
    hours_per_week: f64,
    pub(super) generation: u32,
}

/// Which of a person's holding slots a setting uses.
fn slot_of(setting: Setting) -> usize {
    match setting {
        Setting::CareHome => 0,
        Setting::HomeCare => 1,
        _ => 2,
    }
}

/// The simulation's state of one person (part of their [`PersonRecord`]).
#[derive(Clone, Debug)]
pub(super) struct PersonState {
    /// The person's random stream.
    rng: SimRng,
    /// Total onset hazard per year, refreshed at reviews and onsets.
    onset_per_year: f64,
    /// Until when GP and A&E activity has been counted.
    accounted_at: SimTime,
    /// The end of the last acute spell.
    last_discharge: Option<SimTime>,
    /// Generation of the pending event (a stale event carries an older one).
    pub(super) generation: u32,
    /// The patient of the journey under way.
    pub(super) active: Option<PatientId>,
    /// Holdings by slot (care home, home care, community nursing).
    holding_of: [Option<u32>; 3],
    /// Journeys started, numbering the patients' random streams.
    journeys: u16,
    /// This year's counts.
    counts: YearCounts,
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
    free_holdings: Vec<u32>,
    norm_emergency: Vec<f64>,
    norm_mortality: [[f64; AGE_BANDS]; 2],
    /// Onset hazards by completed age and IMD quintile.
    onset_table: OnsetTable,
    acc: Vec<YearAcc>,
    year_start: SimTime,
    table: PersonYearTable,
    calib: CalibrationCounts,
    placements: Vec<(SimTime, u32)>,
    /// Payment records, when the model has `[payment]`.
    pub(super) pay: Option<super::pay::PayLog>,
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

/// Mean of `f` over people grouped by `group`, as a normaliser (1 where a group is empty).
fn group_means(n_groups: usize, items: impl Iterator<Item = (usize, f64)>) -> Vec<f64> {
    let mut sum = vec![0.0; n_groups];
    let mut count = vec![0u64; n_groups];
    for (g, v) in items {
        sum[g] += v;
        count[g] += 1;
    }
    sum.iter().zip(&count).map(|(s, c)| if *c > 0 && *s > 0.0 { s / *c as f64 } else { 1.0 }).collect()
}

impl<'m> Replication<'m> {
    fn params(&self) -> &'m CohortParams {
        self.model.cohort.as_ref().expect("invariant: cohort events only in cohort models")
    }

    fn cohort(&mut self) -> &mut CohortState {
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
        // Normalise hazard ratios so the age (x IMD) margins of the tables are kept,
        // counting care home residents (who have their own rate) in each row's mean.
        let e = &params.emergency;
        let rows = e.age_from.len();
        let mut weight = vec![0.0; rows];
        let mut people_in_row = vec![0.0; rows];
        let mut residents_share_of_rate = vec![0.0; rows];
        for i in 0..n {
            let row = e.row(pop.age_years(i, SimTime::ZERO));
            people_in_row[row] += 1.0;
            if pop.people[i].care_home {
                let table = e.per_year[row].iter().sum::<f64>() / 5.0;
                residents_share_of_rate[row] += e.care_home_per_year / table.max(1e-9);
            } else {
                weight[row] += e.frailty_hr[pop.people[i].frailty as usize] * e.condition_factor(pop.n_conditions(i));
            }
        }
        let norm_emergency: Vec<f64> = (0..rows)
            .map(|r| {
                let rest = people_in_row[r] - residents_share_of_rate[r];
                if weight[r] > 0.0 && rest > 0.0 { weight[r] / rest } else { 1.0 }
            })
            .collect();
        let mut norm_mortality = [[1.0; AGE_BANDS]; 2];
        for (sex, row) in norm_mortality.iter_mut().enumerate() {
            let means = group_means(
                AGE_BANDS,
                (0..n).filter(|i| usize::from(!pop.people[*i].male) == sex).map(|i| {
                    (
                        age_band(pop.age_years(i, SimTime::ZERO)),
                        params.mortality.frailty_hr[pop.people[i].frailty as usize],
                    )
                }),
            );
            row.copy_from_slice(&means);
        }
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
        let years = (self.horizon.as_days_f64() / YEAR_DAYS as f64).ceil() as usize;
        let mut state = CohortState {
            people,
            holdings: Vec::with_capacity(initial_residents as usize * 2),
            free_holdings: Vec::new(),
            norm_emergency,
            norm_mortality,
            onset_table: OnsetTable::new(params),
            acc: vec![YearAcc::default(); n],
            year_start: SimTime::ZERO,
            table: PersonYearTable::default(),
            calib: CalibrationCounts::default(),
            placements: Vec::new(),
            pay: self.model.payment.as_ref().map(|spec| super::pay::PayLog::new(n, spec)),
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
                    self.add_holding(i as u32, care_home_pool, Setting::CareHome, None);
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
        let first_year_end = SimTime::from_days(YEAR_DAYS);
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

    /// Hazards per year of person `i` now, in the order of [`KINDS`], except death's
    /// (left 0: its time is drawn exactly by [`Self::years_to_death`]), given the
    /// person's emergency admission hazard at home (`emergency_per_year`).
    fn rates(&self, i: usize, emergency_per_year: f64) -> [f64; 7] {
        let params = self.params();
        let c = self.cohort.as_ref().expect("invariant: cohort");
        let PersonRecord { person, state } = &c.people[i];
        let now = self.now();
        let age = person.age_years(now);
        let f = person.frailty as usize;
        let in_home = person.care_home;
        let onset = state.onset_per_year;
        let frailty = if age >= 50.0 { params.frailty.progression(age, f as u8) } else { 0.0 };
        let mut out = [0.0, onset, frailty, 0.0, 0.0, 0.0, 0.0];
        if state.active.is_none() {
            let row = params.emergency.row(age);
            let lever = c.pay.as_ref().filter(|p| p.is_enrolled(i)).map_or(1.0, |p| p.hazard_ratio);
            out[3] = emergency_per_year * lever;
            out[4] = params.elective_per_year_by_age[row];
            if age >= 65.0 && !in_home {
                out[5] = params.care_home_per_year_fit * params.care_home_frailty_hr[f];
                if state.holding_of[2].is_none() {
                    out[6] = params.nursing_per_year_by_frailty[f];
                }
            }
        }
        out
    }

    /// Years until person `i` dies, from two exponential draws: the death hazard
    /// `k (bg + A e^{b t})` is the sum of a constant (Makeham) and a Gompertz part, so
    /// death comes at the first of two independent clocks, each inverted in closed form:
    /// `e1 / (k bg)` and `ln(1 + e2 b / (k A)) / b`. None if the hazard is zero.
    fn years_to_death(&self, i: usize, e1: f64, e2: f64) -> Option<f64> {
        let params = self.params();
        let c = self.cohort.as_ref()?;
        let person = &c.people[i].person;
        let age = person.age_years(self.now());
        let m = &params.mortality;
        let sex = usize::from(!person.male);
        let k = m.frailty_hr[person.frailty as usize] / c.norm_mortality[sex][age_band(age)]
            * if person.care_home { m.care_home_hr } else { 1.0 };
        let (bg, b) = (m.background, m.gompertz_b);
        let level = m.gompertz_a[sex] * (b * (age - 65.0)).exp();
        let makeham = (k * bg > 0.0).then(|| e1 / (k * bg));
        let gompertz = (k * level > 0.0 && b > 0.0).then(|| (e2 * b / (k * level)).ln_1p() / b);
        match (makeham, gompertz) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
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

    /// Emergency admission hazard per year of person `i` at home.
    fn emergency_rate(&self, i: usize, now: SimTime) -> f64 {
        let params = self.params();
        let c = self.cohort.as_ref().expect("invariant: cohort");
        let PersonRecord { person, state } = &c.people[i];
        let e = &params.emergency;
        let base = if person.care_home {
            e.care_home_per_year
        } else {
            let age = person.age_years(now);
            let row = e.row(age);
            e.per_year[row][person.imd as usize - 1]
                * e.frailty_hr[person.frailty as usize]
                * e.condition_factor(person.n_conditions())
                / c.norm_emergency[row]
        };
        let readmission = state.last_discharge.is_some_and(|d| now < d + e.readmission_window);
        base * if readmission { e.readmission_multiplier } else { 1.0 }
    }

    /// Draws person `i`'s next event from the hazards in force now.
    pub(super) fn reschedule(&mut self, i: usize) {
        let now = self.now();
        let emergency_per_year = self.emergency_rate(i, now);
        let rates = self.rates(i, emergency_per_year);
        let risk = 1.0 - (-emergency_per_year).exp();
        let params = self.params();
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
        let to_birthday = (age_days / DAYS_PER_YEAR).floor() * DAYS_PER_YEAR + DAYS_PER_YEAR - age_days;
        let mut review = now + SimDuration::from_days_f64(to_birthday.max(1.0 / 1440.0));
        if let Some(d) = state.last_discharge
            && now < d + window
        {
            review = review.min(d + window);
        }
        // Death: the Gompertz-Makeham hazard rises with age, so its time is drawn
        // exactly by inverting the cumulative hazard from now; the other hazards are
        // held constant until the next review (piecewise-constant by age).
        let total: f64 = rates[1..].iter().sum();
        let rng = &mut state.rng;
        let (e1, e2): (f64, f64) = (rng.sample(Exp1), rng.sample(Exp1));
        let e: f64 = rng.sample(Exp1);
        let u: f64 = rng.random();
        let death_at =
            self.years_to_death(i, e1, e2).map(|years| now + SimDuration::from_days_f64(years * DAYS_PER_YEAR));
        let candidate =
            if total > 0.0 { now + SimDuration::from_days_f64(e / total * DAYS_PER_YEAR) } else { SimTime(u64::MAX) };
        let (at, kind) = match death_at {
            Some(d) if d <= candidate && d <= review => (d, Kind::Death),
            _ if candidate < review => {
                let mut acc = 0.0;
                let target = u * total;
                let kind = KINDS[1..].iter().zip(&rates[1..]).find(|(_, r)| {
                    acc += **r;
                    target < acc
                });
                (candidate, kind.map_or(Kind::Review, |(k, _)| *k))
            }
            _ => (review, Kind::Review),
        };
        if at <= self.horizon {
            let generation = self.cohort().people[i].state.generation;
            self.queue.schedule(at, FlowEvent::Person { person: i as u32, generation, kind: kind as u8 });
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
        let years = now.since(from).as_days_f64() / DAYS_PER_YEAR;
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
        self.pay_ae(i, a);
    }

    /// Handles a person's event.
    pub(super) fn on_person_event(&mut self, person: PersonId, kind: u8) {
        let i = person.0 as usize;
        self.account_interval(i);
        match kind {
            k if k == Kind::Death as u8 => return self.die(i),
            k if k == Kind::Onset as u8 => {
                self.onset(i);
                self.refresh_onset(i);
            }
            k if k == Kind::Frailty as u8 => {
                let f = &mut self.cohort().people[i].person.frailty;
                *f = (*f + 1).min(FRAILTY_LEVELS as u8 - 1);
            }
            k if k == Kind::Emergency as u8 => self.emergency(i),
            k if k == Kind::Elective as u8 => {
                self.cohort().people[i].state.counts.elective += 1;
                self.start_journey(i, self.params().elective_pathway);
            }
            k if k == Kind::CareHome as u8 => self.start_journey(i, self.params().care_home_pathway),
            k if k == Kind::Nursing as u8 => self.start_journey(i, self.params().nursing_pathway),
            _ => self.refresh_onset(i),
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
            self.pay_ae(i, 1);
        }
        self.start_journey(i, e.pathway);
    }

    /// Person `i` starts a journey on `pathway`: a patient is created and asks for a place.
    fn start_journey(&mut self, i: usize, pathway: PathwayId) {
        let now = self.now();
        let c = self.cohort();
        let n = c.people[i].state.journeys;
        c.people[i].state.journeys = n.wrapping_add(1);
        let key = (1u64 << 63) | ((i as u64) << 16) | n as u64;
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

    fn add_holding(&mut self, person: u32, pool: PoolId, setting: Setting, ends_after: Option<SimDuration>) {
        let now = self.now();
        let params = self.params();
        let c = self.cohort();
        let hours_per_week = if setting == Setting::HomeCare {
            let (mean, sd) = params.home_care_hours_per_week;
            let shape = (mean / sd).powi(2);
            Gamma::new(shape, sd * sd / mean).map_or(mean, |g| g.sample(&mut c.people[person as usize].state.rng))
        } else {
            0.0
        };
        let holding =
            Holding { person, pool, setting, admitted_at: now, accounted_from: now, hours_per_week, generation: 0 };
        let h = match c.free_holdings.pop() {
            Some(h) => {
                let generation = c.holdings[h as usize].generation.wrapping_add(1);
                c.holdings[h as usize] = Holding { generation, ..holding };
                h
            }
            None => {
                c.holdings.push(holding);
                (c.holdings.len() - 1) as u32
            }
        };
        c.people[person as usize].state.holding_of[slot_of(setting)] = Some(h);
        if let Some(d) = ends_after {
            let generation = c.holdings[h as usize].generation;
            self.queue.schedule(now + d, FlowEvent::HoldingEnd { holding: h, generation });
        }
    }

    /// A cohort patient has just been given a place held at home (a package) or for
    /// life (a placement): the place becomes a holding and the journey ends.
    pub(super) fn convert_to_holding(
        &mut self,
        id: PatientId,
        pool: PoolId,
        person: PersonId,
        hold: Hold,
        stay: SimDuration,
    ) {
        let i = person.0 as usize;
        let now = self.now();
        self.record_episode(id, pool, Leave::To(pool));
        let setting = self.model.pool(pool).setting;
        // A new package of the same kind replaces the old one.
        if let Some(old) = self.cohort().people[i].state.holding_of[slot_of(setting)] {
            self.end_holding(old);
        }
        if setting == Setting::CareHome {
            for slot in [1, 2] {
                if let Some(h) = self.cohort().people[i].state.holding_of[slot] {
                    self.end_holding(h);
                }
            }
            let in_window = now >= self.warmup;
            let c = self.cohort();
            c.people[i].person.care_home = true;
            if c.people[i].person.age_years(now) >= 65.0 {
                if in_window {
                    c.calib.care_home_admissions_65_plus += 1;
                }
                // Survival is followed from any placement a year before the horizon.
                c.placements.push((now, i as u32));
            }
        }
        let ends_after = (hold == Hold::Package).then_some(stay);
        self.add_holding(i as u32, pool, setting, ends_after);
        self.end_journey(id);
    }

    /// Accrues a holding's activity to its person-year, up to now.
    fn accrue_holding(&mut self, h: u32) {
        let now = self.now();
        let visits_per_week = self.params().nursing_visits_per_week;
        let c = self.cohort();
        let holding = &mut c.holdings[h as usize];
        let minutes = now.since(holding.accounted_from).minutes();
        let (from, setting, person) = (holding.accounted_from, holding.setting, holding.person as usize);
        let per_week = if setting == Setting::HomeCare { holding.hours_per_week } else { visits_per_week };
        holding.accounted_from = now;
        let acc = &mut c.acc[holding.person as usize];
        match holding.setting {
            Setting::HomeCare => acc.home_care_hours += minutes as f64 / MINUTES_PER_WEEK * holding.hours_per_week,
            Setting::CareHome => acc.care_home_minutes += minutes,
            Setting::CommunityNursing => acc.nursing_visits += minutes as f64 / MINUTES_PER_WEEK * visits_per_week,
            Setting::IntermediateCare => acc.ic_minutes += minutes,
            Setting::Reablement => acc.reablement_minutes += minutes,
            Setting::Acute => acc.bed_minutes += minutes,
            Setting::Other => {}
        }
        self.pay_holding(person, setting, from, per_week);
    }

    /// Ends a holding: its activity is counted and its place released.
    fn end_holding(&mut self, h: u32) {
        self.accrue_holding(h);
        let c = self.cohort();
        let holding = c.holdings[h as usize];
        c.holdings[h as usize].generation = holding.generation.wrapping_add(1);
        c.people[holding.person as usize].state.holding_of[slot_of(holding.setting)] = None;
        c.free_holdings.push(h);
        self.release_place(holding.pool, holding.admitted_at);
    }

    /// A package held at home ends.
    pub(super) fn on_holding_end(&mut self, h: u32) {
        let person = self.cohort().holdings[h as usize].person as usize;
        self.end_holding(h);
        if self.cohort().people[person].state.active.is_none() {
            self.account_interval(person);
            self.reschedule(person);
        }
    }

    /// Accrues a cohort patient's activity in `pool` to their person-year, up to now.
    pub(super) fn accrue_patient(&mut self, id: PatientId, pool: PoolId) {
        let now = self.now();
        let setting = self.model.pool(pool).setting;
        let p = &mut self.patients[id.0 as usize];
        let Some(person) = p.person else {
            return;
        };
        let minutes = now.since(p.accounted_from).minutes();
        let blocked = if p.blocked { now.since(p.ready_at.max(p.accounted_from)).minutes() } else { 0 };
        let from = p.accounted_from;
        p.accounted_from = now;
        let acc = &mut self.cohort.as_mut().expect("invariant: cohort").acc[person.0 as usize];
        match setting {
            Setting::Acute => {
                acc.bed_minutes += minutes;
                acc.dtoc_minutes += blocked;
            }
            Setting::IntermediateCare => acc.ic_minutes += minutes,
            Setting::Reablement => acc.reablement_minutes += minutes,
            Setting::CareHome => acc.care_home_minutes += minutes,
            Setting::HomeCare | Setting::CommunityNursing | Setting::Other => {}
        }
        self.pay_place(person.0 as usize, setting, from, blocked);
    }

    /// Calibration counts when a cohort patient becomes ready to leave `held`.
    pub(super) fn note_ready(&mut self, id: PatientId, held: PoolId, next: Next) {
        let now = self.now();
        let p = &self.patients[id.0 as usize];
        let Some(person) = p.person else {
            return;
        };
        if now < self.warmup || self.model.pool(held).setting != Setting::Acute {
            return;
        }
        let emergency = p.pathway == self.params().emergency.pathway;
        // The discharge-to-assess mix describes discharges after an overnight stay.
        let overnight = p.acute_since.is_some_and(|t| now.since(t) >= SimDuration::from_days(1));
        let destination = match next {
            Next::Exit => Some(0),
            Next::Step(s) => match self.model.pool(self.model.pathway(p.pathway).step(s).pool).setting {
                Setting::Acute => None,
                Setting::Reablement | Setting::HomeCare => Some(1),
                Setting::IntermediateCare => Some(2),
                Setting::CareHome => Some(3),
                Setting::CommunityNursing | Setting::Other => Some(0),
            },
        };
        let c = self.cohort();
        if let Some(d) = destination
            && emergency
            && overnight
            && c.people[person.0 as usize].person.age_years(now) >= 65.0
        {
            c.calib.d2a_65_plus[d] += 1;
        }
    }

    /// Spell accounting when a cohort patient leaves a place.
    pub(super) fn note_leaving(&mut self, id: PatientId, pool: PoolId, leave: Leave) {
        let now = self.now();
        if self.model.pool(pool).setting != Setting::Acute {
            return;
        }
        let leaves_acute = match leave {
            Leave::Exit => true,
            Leave::To(to) => self.model.pool(to).setting != Setting::Acute,
            Leave::Death => false,
        };
        let emergency_pathway = self.params().emergency.pathway;
        let elective_pathway = self.params().elective_pathway;
        let p = &mut self.patients[id.0 as usize];
        let Some(person) = p.person else {
            return;
        };
        let i = person.0 as usize;
        if !leaves_acute {
            if leave == Leave::Death
                && let Some(since) = p.acute_since.take()
            {
                let elective = p.pathway == elective_pathway;
                let previous = self.cohort().people[i].state.last_discharge;
                self.pay_spell(i, since, elective, previous);
            }
            return;
        }
        let since = p.acute_since.take().unwrap_or(p.admitted_at);
        let emergency = p.pathway == emergency_pathway;
        let elective = p.pathway == elective_pathway;
        let in_window = now >= self.warmup;
        let previous = self.cohort().people[i].state.last_discharge;
        self.pay_spell(i, since, elective, previous);
        let c = self.cohort();
        c.people[i].state.last_discharge = Some(now);
        if emergency && in_window {
            let los = now.since(since);
            c.calib.emergency_spells += 1;
            c.calib.emergency_spell_minutes += los.minutes() as u128;
            if los < SimDuration::from_days(1) {
                c.calib.zero_day_spells += 1;
            }
            if c.people[i].person.age_years(now) >= 65.0 {
                c.calib.discharges_65_plus += 1;
            }
        }
    }

    /// Person `i` dies: every place they hold or wait for is given up.
    fn die(&mut self, i: usize) {
        let now = self.now();
        let c = self.cohort();
        c.people[i].person.died_at = Some(now);
        c.people[i].state.generation = c.people[i].state.generation.wrapping_add(1);
        self.pay_death(i);
        let c = self.cohort();
        if let Some(id) = c.people[i].state.active.take() {
            let p = &self.patients[id.0 as usize];
            let target = self.model.pathway(p.pathway).step(p.step).pool;
            match p.held {
                Some(held) => {
                    let (blocked, admitted_at) = (p.blocked, p.admitted_at);
                    if blocked {
                        self.pools[target.0 as usize].cancel_waiting(now);
                        self.pools[held.0 as usize].unblock(now);
                    }
                    self.record_episode(id, held, Leave::Death);
                    self.free_slot(id);
                    self.release_place(held, admitted_at);
                }
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

    /// Brings every person's activity up to now (GP and A&E counts, places held).
    fn accrue_everyone(&mut self) {
        let n = self.cohort.as_ref().map_or(0, |c| c.people.len());
        for i in 0..n {
            self.account_interval(i);
            if let Some(id) = self.cohort().people[i].state.active
                && let Some(held) = self.patients[id.0 as usize].held
            {
                self.accrue_patient(id, held);
            }
            for slot in 0..3 {
                if let Some(h) = self.cohort().people[i].state.holding_of[slot] {
                    self.accrue_holding(h);
                }
            }
        }
    }

    /// Writes the person-year rows of the year that ends now and starts the next year.
    fn close_year(&mut self, year: u16) {
        self.accrue_everyone();
        let now = self.now();
        let params = self.params();
        let warmup = self.warmup;
        let c = self.cohort();
        let start = c.year_start;
        if start >= warmup {
            let costs = &params.costs;
            c.table.reserve(c.people.len());
            for i in 0..c.people.len() {
                if c.people[i].person.died_at.is_some_and(|d| d < start) {
                    continue;
                }
                let end = c.people[i].person.died_at.map_or(now, |d| d.min(now));
                let a = std::mem::take(&mut c.acc[i]);
                let counts = std::mem::take(&mut c.people[i].state.counts);
                let gp_contacts = poisson_count(&mut c.people[i].state.rng, counts.gp_expected);
                let person = &c.people[i].person;
                let age = person.age_years(start);
                let days = |m: u64| m as f64 / MINUTES_PER_DAY as f64;
                let t = &mut c.table;
                t.person.push(i as u32);
                t.year.push(year);
                t.age_years.push(age.min(255.0) as u8);
                t.age_band.push(age_band(age) as u8);
                t.male.push(person.male);
                t.imd.push(person.imd);
                t.conditions.push(person.n_conditions() as u8);
                t.frailty.push(person.frailty);
                t.care_home.push(person.care_home);
                t.risk.push(person.risk);
                t.exposure_days.push(days(end.since(start).minutes()) as f32);
                t.emergency_admissions.push(counts.emergency);
                t.elective_admissions.push(counts.elective);
                t.bed_days.push(days(a.bed_minutes) as f32);
                t.dtoc_days.push(days(a.dtoc_minutes) as f32);
                t.ae_attendances.push(counts.ae);
                t.gp_contacts.push(gp_contacts);
                t.intermediate_care_days.push(days(a.ic_minutes) as f32);
                t.reablement_days.push(days(a.reablement_minutes) as f32);
                t.home_care_hours.push(a.home_care_hours as f32);
                t.care_home_weeks.push((days(a.care_home_minutes) / 7.0) as f32);
                t.nursing_visits.push(a.nursing_visits as f32);
                let acute = costs.emergency_spell.scale(counts.emergency as f64)
                    + costs.elective_spell.scale(counts.elective as f64)
                    + costs.delayed_bed_day.scale(days(a.dtoc_minutes))
                    + costs.ae_attendance.scale(counts.ae as f64);
                let community = costs.intermediate_care_day.scale(days(a.ic_minutes))
                    + costs.reablement_day.scale(days(a.reablement_minutes))
                    + costs.nursing_visit.scale(a.nursing_visits);
                let social = costs.home_care_hour.scale(a.home_care_hours)
                    + costs.care_home_week.scale(days(a.care_home_minutes) / 7.0);
                let primary: Pence = costs.gp_contact.scale(gp_contacts as f64);
                if let Some(p) = c.pay.as_mut() {
                    p.gp(i, start, gp_contacts);
                }
                t.acute_cost_pence.push(acute.pence());
                t.community_cost_pence.push(community.pence());
                t.social_care_cost_pence.push(social.pence());
                t.primary_care_cost_pence.push(primary.pence());
                t.died.push(person.died_at.is_some_and(|d| d >= start && d <= now));
            }
        } else {
            if now >= warmup
                && let Some(p) = c.pay.as_mut()
            {
                // The last warm-up year: what a commissioner's records hold of it, for
                // the year-of-care risk score of the window's first year. Reads the
                // year's counts only (no draw, no event), so the run is unchanged.
                p.set_prior_year(prior_year_rows(year, start, now, &c.people, &c.acc));
            }
            c.acc.iter_mut().for_each(|a| *a = YearAcc::default());
            c.people.iter_mut().for_each(|r| r.state.counts = YearCounts::default());
        }
        c.year_start = now;
    }

    /// The end of a simulated year.
    pub(super) fn on_year_end(&mut self, year: u16) {
        self.close_year(year);
        let next = SimTime::from_days(YEAR_DAYS * (year as u64 + 2));
        if next <= self.horizon {
            self.queue.schedule(next, FlowEvent::YearEnd(year + 1));
        }
    }

    /// Closes the last (partial) year and hands over the cohort's records.
    pub(super) fn finish_cohort(&mut self) -> (PersonYearTable, CalibrationCounts, u32, Option<ActivityLog>) {
        let Some(c) = self.cohort.as_ref() else {
            return (PersonYearTable::default(), CalibrationCounts::default(), 0, None);
        };
        let (start, n) = (c.year_start, c.people.len() as u32);
        if self.horizon > start {
            let year = (start.day_index() / YEAR_DAYS) as u16;
            self.close_year(year);
        }
        let horizon = self.horizon;
        let year = SimDuration::from_days(YEAR_DAYS);
        let c = self.cohort();
        for (t, i) in c.placements.clone() {
            if t + year <= horizon {
                c.calib.care_home_followed += 1;
                if c.people[i as usize].person.died_at.is_none_or(|d| d > t + year) {
                    c.calib.care_home_alive_after_year += 1;
                }
            }
        }
        let table = std::mem::take(&mut c.table);
        let log = c
            .pay
            .take()
            .map(|p| ActivityLog { age0_days: c.people.iter().map(|r| r.person.age0_days).collect(), ..p.into_log() });
        (table, std::mem::take(&mut c.calib), n, log)
    }
}
