//! The person-year table: each person's activity is accrued as it happens (places
//! held, packages, GP and A&E counts), and each simulated year closes a row per person
//! with the year's activity and its resource cost; and the calibration counters of
//! spells, discharges and placements.

use super::person::Leave;
use super::{FlowEvent, Replication};
use crate::capacity::{PatientId, PoolId, Setting};
use crate::cohort::age_band;
use crate::cohort::population::Person;
use crate::pathway::Next;
use crate::payment::activity::{ActivityLog, CostUnit, cost_of};
use crate::payment::tariff::AdmissionClass;
use crate::record::{CalibrationCounts, PersonYearTable};
use crate::rng::SimRng;
use crate::time::{DAYS_PER_YEAR, MINUTES_PER_DAY, SimDuration, SimTime};
use rand_distr::{Distribution, Poisson};

/// Admissions, attendances and expected GP contacts of one person in the current year:
/// updated at most of the person's events, so kept in their [`PersonState`].
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct YearCounts {
    /// Expected GP contacts so far this year: the count is drawn once, when the year
    /// closes (a sum of independent Poisson counts is Poisson with the summed mean).
    pub(super) gp_expected: f64,
    pub(super) emergency: u16,
    pub(super) elective: u16,
    pub(super) ae: u16,
}

/// Time in places and care received by one person in the current year (updated when a
/// stay or holding is accounted, not at every event).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct YearAcc {
    /// Resource cost of the acute spells that ended in the year (or were open at the
    /// horizon), [`crate::payment::activity::acute_spell_cost`] each.
    pub(super) acute_spell_cost: crate::money::Pence,
    pub(super) bed_minutes: u64,
    pub(super) dtoc_minutes: u64,
    pub(super) ic_minutes: u64,
    pub(super) reablement_minutes: u64,
    pub(super) care_home_minutes: u64,
    pub(super) home_care_hours: f64,
    pub(super) nursing_visits: f64,
}

/// One person's row of a year from `start` to `now`, before its costs.
struct ActivityRow<'a> {
    person: usize,
    year: u16,
    start: SimTime,
    now: SimTime,
    of: &'a Person,
    counts: &'a YearCounts,
    acc: &'a YearAcc,
    gp_contacts: u16,
}

/// Pushes every column of `row` but the four costs: attributes measured at the start of
/// the year (age) or as they stand now, exposure, activity and care received.
fn push_activity(t: &mut PersonYearTable, row: ActivityRow<'_>) {
    let ActivityRow { person: i, year, start, now, of: person, counts, acc: a, gp_contacts } = row;
    let days = |m: u64| m as f64 / MINUTES_PER_DAY as f64;
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
    t.gp_contacts.push(gp_contacts);
    t.intermediate_care_days.push(days(a.ic_minutes) as f32);
    t.reablement_days.push(days(a.reablement_minutes) as f32);
    t.home_care_hours.push(a.home_care_hours as f32);
    t.care_home_weeks.push((days(a.care_home_minutes) / 7.0) as f32);
    t.nursing_visits.push(a.nursing_visits as f32);
    t.died.push(person.died_at.is_some_and(|d| d >= start && d <= now));
}

/// The person-year rows of a warm-up year, as far as a commissioner's records hold
/// them (attributes, admissions, attendances, care received; no GP count, whose draw
/// would change the person's stream, and no costs): the history the year-of-care risk
/// score of the next year reads ([`crate::payment::year_of_care::features_after`]).
fn prior_year_rows(
    year: u16,
    start: SimTime,
    now: SimTime,
    people: &[super::person::PersonRecord],
    acc: &[YearAcc],
) -> PersonYearTable {
    let mut t = PersonYearTable::default();
    t.reserve(people.len());
    for (i, (r, a)) in people.iter().zip(acc).enumerate() {
        if r.person.died_at.is_some_and(|d| d < start) {
            continue;
        }
        push_activity(
            &mut t,
            ActivityRow { person: i, year, start, now, of: &r.person, counts: &r.state.counts, acc: a, gp_contacts: 0 },
        );
        for cost in [
            &mut t.acute_cost_pence,
            &mut t.community_cost_pence,
            &mut t.social_care_cost_pence,
            &mut t.primary_care_cost_pence,
        ] {
            cost.push(0);
        }
    }
    t
}

/// A Poisson count with mean `mean` (0 for a mean of 0 or less), capped at `u16::MAX`.
pub(super) fn poisson_count(rng: &mut SimRng, mean: f64) -> u16 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map_or(0, |d| d.sample(rng).min(u16::MAX as f64) as u16)
}

impl<'m> Replication<'m> {
    /// Accrues a cohort patient's activity in `pool` to their person-year, up to now.
    pub(super) fn accrue_patient(&mut self, id: PatientId, pool: PoolId) {
        let now = self.now();
        let setting = self.model.pool(pool).setting;
        let p = &mut self.patients[id.0 as usize];
        let Some(person) = p.person else {
            return;
        };
        let minutes = now.since(p.accounted_from).minutes();
        // Delayed (a process delay or blocked) from ready_at: a delayed transfer of care.
        let blocked = if p.segment.is_some() { now.since(p.ready_at.max(p.accounted_from)).minutes() } else { 0 };
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
        self.record_place(person.0 as usize, setting, from, blocked);
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
        let class = self.spell_class(id, leave);
        let p = &mut self.patients[id.0 as usize];
        let Some(person) = p.person else {
            return;
        };
        let i = person.0 as usize;
        if !leaves_acute {
            if leave == Leave::Death
                && let Some(since) = p.acute_since.take()
            {
                let previous = self.cohort().people[i].state.last_discharge;
                self.end_spell(i, since, class, previous, false);
            }
            return;
        }
        let since = p.acute_since.take().unwrap_or(p.admitted_at);
        let emergency = p.pathway == emergency_pathway;
        let in_window = now >= self.warmup;
        let previous = self.cohort().people[i].state.last_discharge;
        self.end_spell(i, since, class, previous, false);
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

    /// The tariff class of the acute spell patient `id` ends now by `leave`: emergency
    /// unless on the elective pathway; a **day case** when an elective patient leaves
    /// from the pathway's first step, not for another acute place, within a day of
    /// admission (a planned same-day admission, brief §2.1.2 R1; 79.6-80.4% of
    /// electives \[MAR-DAYCASE\], set by the elective pathway's routing).
    fn spell_class(&self, id: PatientId, leave: Leave) -> AdmissionClass {
        let p = &self.patients[id.0 as usize];
        if p.pathway != self.params().elective_pathway {
            return AdmissionClass::Emergency;
        }
        let same_day = p.acute_since.is_some_and(|t| self.now().since(t) < SimDuration::from_days(1));
        let first_step = p.step == self.model.pathway(p.pathway).start;
        if same_day && first_step && leave == Leave::Exit { AdmissionClass::DayCase } else { AdmissionClass::Elective }
    }

    /// The acute spell of person `i` admitted at `since` ends now (or, `open`, is still
    /// open at the horizon): in the measurement window its resource cost goes to the
    /// person-year and it is recorded for payment, both for the part delivered to now.
    ///
    /// Accrual rule: a spell's cost and payment belong to the year in which it ends; a
    /// spell still open at the horizon ends there for the money, paid and costed for
    /// the days delivered, so a run in which patients stay longer pays and costs more,
    /// never less (no saving because patients are still in bed).
    fn end_spell(&mut self, i: usize, since: SimTime, class: AdmissionClass, previous: Option<SimTime>, open: bool) {
        let now = self.now();
        if now >= self.warmup {
            let stay_days = now.since(since).as_days_f64();
            let cost = crate::payment::activity::acute_spell_cost(&self.params().costs, class, stay_days);
            let acc = &mut self.cohort().acc[i];
            acc.acute_spell_cost += cost;
        }
        self.record_spell(i, since, class, previous, open);
    }

    /// Ends, for the money, every acute spell still open now (the horizon).
    fn close_open_spells(&mut self) {
        for id in 0..self.patients.len() {
            let p = &self.patients[id];
            let (Some(person), Some(since), Some(held)) = (p.person, p.acute_since, p.held) else {
                continue;
            };
            if self.model.pool(held).setting != Setting::Acute {
                continue;
            }
            // Classed as if it ended now by going home (a same-day elective at its first
            // step is a day case).
            let class = self.spell_class(PatientId(id as u32), Leave::Exit);
            let i = person.0 as usize;
            let previous = self.cohort().people[i].state.last_discharge;
            self.patients[id].acute_since = None;
            self.end_spell(i, since, class, previous, true);
        }
    }

    /// Brings every person's activity up to now (GP and A&E counts, places held).
    pub(super) fn accrue_everyone(&mut self) {
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
        if self.now() >= self.horizon {
            self.close_open_spells();
        }
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
                let a = std::mem::take(&mut c.acc[i]);
                let counts = std::mem::take(&mut c.people[i].state.counts);
                let gp_contacts = poisson_count(&mut c.people[i].state.rng, counts.gp_expected);
                let person = &c.people[i].person;
                let days = |m: u64| m as f64 / MINUTES_PER_DAY as f64;
                let t = &mut c.table;
                push_activity(
                    t,
                    ActivityRow { person: i, year, start, now, of: person, counts: &counts, acc: &a, gp_contacts },
                );
                let cost = |unit, quantity| cost_of(costs, unit, quantity);
                let acute = a.acute_spell_cost + cost(CostUnit::AeAttendance, counts.ae as f64);
                let community = cost(CostUnit::IntermediateCareDay, days(a.ic_minutes))
                    + cost(CostUnit::ReablementDay, days(a.reablement_minutes))
                    + cost(CostUnit::NursingVisit, a.nursing_visits);
                let social = cost(CostUnit::HomeCareHour, a.home_care_hours)
                    + cost(CostUnit::CareHomeWeek, days(a.care_home_minutes) / 7.0);
                let primary = cost(CostUnit::GpContact, gp_contacts as f64);
                if let Some(p) = c.recorder.as_mut() {
                    p.gp(i, start, gp_contacts);
                }
                t.acute_cost_pence.push(acute.pence());
                t.community_cost_pence.push(community.pence());
                t.social_care_cost_pence.push(social.pence());
                t.primary_care_cost_pence.push(primary.pence());
            }
        } else {
            if now >= warmup
                && let Some(p) = c.recorder.as_mut()
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
        let next = SimTime::from_days(DAYS_PER_YEAR as u64 * (year as u64 + 2));
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
            let year = (start.day_index() / DAYS_PER_YEAR as u64) as u16;
            self.close_year(year);
        }
        let horizon = self.horizon;
        let year = SimDuration::from_days(DAYS_PER_YEAR as u64);
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
            .recorder
            .take()
            .map(|p| ActivityLog { age0_days: c.people.iter().map(|r| r.person.age0_days).collect(), ..p.into_log() });
        (table, std::mem::take(&mut c.calib), n, log)
    }
}
