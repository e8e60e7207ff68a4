//! What the payment pass needs from a cohort run, recorded as it happens (only when the
//! model has `[payment]`): discharged spells with their delayed days, A&E attendances,
//! weekly home care and care home records, community care and GP activity, deaths, and
//! year-of-care enrolment, which is decided quarterly from the risk score in force.
//!
//! Recording never draws a random number and never changes an event, so a model with
//! payments simulates exactly the same activity as the same model without; only the
//! year-of-care lever ([`crate::payment::spec::YocSpec::admission_hazard_ratio`]) changes
//! activity, and only for enrolled people.

use super::Replication;
use crate::payment::Service;
use crate::payment::activity::ActivityLog;
use crate::payment::activity::{Activity, ActivityKind};
use crate::payment::tariff::{AdmissionClass, HrgGroupId, IndexSpell, Spell};
use crate::payment::year_of_care::{CohortRule, Enrolment, PersonAttributes, select_cohort_by};
use crate::time::{DAYS_PER_YEAR, MINUTES_PER_DAY, MINUTES_PER_WEEK, SimTime};

/// `ActivityRecorder::enrolled` of a person with no open enrolment.
const NOT_ENROLLED: u32 = u32::MAX;

/// Run days on which year-of-care selection happens within a 365-day financial year:
/// the first days of April, July, October and January.
pub const SELECTION_DAYS_IN_YEAR: [u32; 4] = [0, 91, 183, 275];

/// The payment recorder of one cohort run.
pub(super) struct ActivityRecorder {
    log: ActivityLog,
    /// Delayed minutes of each person's current acute spell.
    spell_delay_minutes: Vec<u32>,
    /// Whether each person's last discharge ended an elective spell.
    last_elective: Vec<bool>,
    /// Index into `log.enrolments` of each person's open enrolment ([`NOT_ENROLLED`]
    /// when none).
    enrolled: Vec<u32>,
    /// Selection rule, when year of care is in force.
    rule: Option<CohortRule>,
    /// Emergency hazard ratio of enrolled people (1 = lever off).
    pub(super) hazard_ratio: f64,
}

impl ActivityRecorder {
    /// An empty recorder for `n` people.
    pub(super) fn new(n: usize, spec: &crate::payment::spec::PaymentSpec) -> ActivityRecorder {
        ActivityRecorder {
            log: ActivityLog::default(),
            spell_delay_minutes: vec![0; n],
            last_elective: vec![false; n],
            enrolled: vec![NOT_ENROLLED; n],
            // With every lever off enrolment changes no activity, so it is planned at
            // settlement from the run's records by the commissioner's risk model
            // (crate::payment::year_of_care::plan_enrolments); only a lever needs it here.
            rule: spec.year_of_care.as_ref().filter(|y| y.admission_hazard_ratio != 1.0).map(|y| y.rule),
            hazard_ratio: spec.year_of_care.as_ref().map_or(1.0, |y| y.admission_hazard_ratio),
        }
    }

    /// True when person `i` is enrolled in year of care now.
    #[inline]
    pub(super) fn is_enrolled(&self, i: usize) -> bool {
        self.enrolled[i] != NOT_ENROLLED
    }

    /// Records `gp` GP contacts of person `i` in the year starting at `year_start`.
    pub(super) fn gp(&mut self, i: usize, year_start: SimTime, gp: u16) {
        if gp > 0 {
            let people = self.enrolled.len();
            self.log.push_count(i as u32, day_of(year_start) + 182, Service::PrimaryCare, gp, people);
        }
    }

    /// Keeps the records of the last warm-up year (see
    /// [`ActivityLog::prior_year`](crate::payment::activity::ActivityLog::prior_year)).
    pub(super) fn set_prior_year(&mut self, rows: crate::record::PersonYearTable) {
        self.log.prior_year = rows;
    }

    /// Hands the records over, without spare capacity.
    pub(super) fn into_log(mut self) -> ActivityLog {
        self.log.shrink_to_fit();
        self.log
    }
}

/// The run day of an instant (whole days since the start).
fn day_of(t: SimTime) -> u32 {
    t.day_index() as u32
}

/// Pushes `units` of `service` accrued over `[from, to)` as one record per week (weekly
/// records let the means test cap contributions per week), each on its week's first day.
fn push_weekly(log: &mut ActivityLog, person: u32, service: Service, from: SimTime, to: SimTime, units_per_week: f64) {
    let mut start = from;
    while start < to {
        let end = SimTime(to.minutes().min(start.minutes() + MINUTES_PER_WEEK));
        let share = end.since(start).minutes() as f64 / MINUTES_PER_WEEK as f64;
        log.push(Activity {
            person,
            day: day_of(start),
            kind: ActivityKind::Units { service, units: share * units_per_week },
        });
        start = end;
    }
}

impl<'m> Replication<'m> {
    fn recorder(&mut self) -> Option<&mut ActivityRecorder> {
        self.cohort.as_mut().and_then(|c| c.recorder.as_mut())
    }

    /// True when activity at `now` falls in the measurement window and is recorded.
    fn recording(&self) -> bool {
        self.now() >= self.warmup && self.cohort.as_ref().is_some_and(|c| c.recorder.is_some())
    }

    /// Records `ae` A&E attendances of person `i` now.
    pub(super) fn record_ae(&mut self, i: usize, ae: u16) {
        // Counted over an interval that ends now: one ending at the warm-up's end lies in
        // the warm-up.
        if ae == 0 || !self.recording() || self.now() == self.warmup {
            return;
        }
        // Counted over an interval that ends now: one ending at the horizon lies in the
        // window's last day (the horizon is the first day of a year outside the window),
        // so attendances accrued at the horizon are paid and costed like the rest.
        let now = self.now();
        let day = if now >= self.horizon { day_of(SimTime(now.minutes().saturating_sub(1))) } else { day_of(now) };
        if let Some(p) = self.recorder() {
            for _ in 0..ae {
                p.log.push(Activity { person: i as u32, day, kind: ActivityKind::AeAttendance });
            }
        }
    }

    /// Records a place held at home by person `i` over `[from, now)`: a home care
    /// package, a care home placement, a nursing episode, or intermediate care or
    /// reablement held as a package (the activity a holding accrues to the person-year).
    pub(super) fn record_holding(&mut self, i: usize, setting: crate::capacity::Setting, from: SimTime, per_week: f64) {
        if !self.recording() {
            return;
        }
        let (now, from) = (self.now(), from.max(self.warmup));
        if now <= from {
            return;
        }
        let Some(p) = self.recorder() else {
            return;
        };
        use crate::capacity::Setting;
        match setting {
            Setting::HomeCare => push_weekly(&mut p.log, i as u32, Service::HomeCare, from, now, per_week),
            Setting::CareHome => push_weekly(&mut p.log, i as u32, Service::CareHome, from, now, 1.0),
            Setting::CommunityNursing => p.log.push(Activity {
                person: i as u32,
                day: day_of(from),
                kind: ActivityKind::Units {
                    service: Service::CommunityNursing,
                    units: now.since(from).minutes() as f64 / MINUTES_PER_WEEK as f64 * per_week,
                },
            }),
            Setting::IntermediateCare | Setting::Reablement => {
                let service =
                    if setting == Setting::Reablement { Service::Reablement } else { Service::IntermediateCare };
                p.log.push(Activity {
                    person: i as u32,
                    day: day_of(from),
                    kind: ActivityKind::Units { service, units: now.since(from).as_days_f64() },
                });
            }
            Setting::Acute | Setting::Other => {}
        }
    }

    /// Records days in an intermediate care bed, reablement or a care home over
    /// `[from, now)` (the activity a stay accrues to the person-year, recorded as for a
    /// holding), and counts blocked acute minutes towards the current spell's delayed days.
    pub(super) fn record_place(&mut self, i: usize, setting: crate::capacity::Setting, from: SimTime, blocked: u64) {
        use crate::capacity::Setting;
        match setting {
            Setting::Acute => {
                if let Some(p) = self.recorder() {
                    p.spell_delay_minutes[i] = p.spell_delay_minutes[i].saturating_add(blocked as u32);
                }
            }
            // A stay in these settings accrues nothing to the person-year.
            Setting::HomeCare | Setting::CommunityNursing | Setting::Other => {}
            Setting::IntermediateCare | Setting::Reablement | Setting::CareHome => {
                self.record_holding(i, setting, from, 0.0)
            }
        }
    }

    /// Records the acute spell of person `i` that ends now (discharge, transfer out of
    /// acute care, or death), admitted at `admitted`, of tariff class `class`; `previous`
    /// is the discharge before it. `open`: the spell is still open at the horizon and is
    /// recorded for the part delivered, on the window's last day.
    pub(super) fn record_spell(
        &mut self,
        i: usize,
        admitted: SimTime,
        class: AdmissionClass,
        previous: Option<SimTime>,
        open: bool,
    ) {
        let (now, warmup) = (self.now(), self.warmup);
        let stay_days = now.since(admitted).as_days_f64();
        // A spell open at the horizon is recorded on the window's last day (the horizon
        // itself is the first day of a year outside the window).
        let end_day = if open { day_of(SimTime(now.minutes().saturating_sub(1))) } else { day_of(now) };
        let age: f64 = self.cohort.as_ref().map_or(0.0, |c| c.people[i].person.age_years(admitted));
        let Some(p) = self.recorder() else {
            return;
        };
        let delayed = std::mem::take(&mut p.spell_delay_minutes[i]);
        let previous_elective = std::mem::replace(&mut p.last_elective[i], class.is_elective());
        if now < warmup {
            return;
        }
        let spell = Spell {
            hrg_group: HrgGroupId(0),
            class,
            admission_day: day_of(admitted).min(end_day),
            discharge_day: end_day,
            age_years: age.min(255.0) as u8,
            previous_discharge: previous.map(|d| IndexSpell { discharge_day: day_of(d), elective: previous_elective }),
            exclusion: None,
            specialised: false,
        };
        p.log.push(Activity {
            person: i as u32,
            day: end_day,
            kind: ActivityKind::Spell { spell, stay_days, delayed_days: delayed as f64 / MINUTES_PER_DAY as f64 },
        });
    }

    /// Patient `id`, a resident placed outside the cohort (the `[self_funded_placements]`
    /// stream) holding a care-home place, leaves it now or is still in it at the
    /// horizon: the council-funded share of their days in the measurement window is
    /// recorded for the payment pass. Other patients, and runs without payment
    /// recording, record nothing.
    pub(super) fn record_outside_cohort_stay(&mut self, id: crate::flow::PatientId) {
        let (now, warmup, model) = (self.now(), self.warmup, self.model);
        let Some(sf) = model.self_funded.as_ref().filter(|s| s.council_funded_share > 0.0) else {
            return;
        };
        let p = &self.patients[id.0 as usize];
        let in_care_home = p.held.is_some_and(|h| model.pool(h).setting == crate::capacity::Setting::CareHome);
        if p.person.is_some() || p.pathway != sf.pathway || !in_care_home {
            return;
        }
        let from = if p.admitted_at > warmup { p.admitted_at } else { warmup };
        if let Some(r) = self.recorder() {
            r.log.add_outside_cohort_council_days(from.as_days_f64(), now.as_days_f64(), sf.council_funded_share);
        }
    }

    /// Person `i` died now: the death is recorded and any enrolment ends.
    pub(super) fn record_death(&mut self, i: usize) {
        let day = day_of(self.now());
        let Some(p) = self.recorder() else {
            return;
        };
        p.log.deaths.push((i as u32, day));
        let e = std::mem::replace(&mut p.enrolled[i], NOT_ENROLLED);
        if let Some(e) = p.log.enrolments.get_mut(e as usize) {
            e.end_day = Some(day);
        }
    }

    /// Year-of-care selection, on the first day of each quarter: the people the rule
    /// selects among those alive now are enrolled (until death) unless they already are.
    /// With the lever on, a newly enrolled person's hazards are redrawn.
    pub(super) fn select_year_of_care(&mut self) {
        let now = self.now();
        let day = day_of(now);
        if now.since(SimTime::from_days(day as u64)).minutes() != 0
            || !SELECTION_DAYS_IN_YEAR.contains(&(day % DAYS_PER_YEAR))
        {
            return;
        }
        let Some(c) = self.cohort.as_ref() else {
            return;
        };
        let Some(rule) = c.recorder.as_ref().and_then(|p| p.rule) else {
            return;
        };
        let people = &c.people;
        let alive: Vec<u32> =
            (0..people.len() as u32).filter(|&i| people[i as usize].person.died_at.is_none()).collect();
        let person = |k: usize| {
            let person = &people[alive[k] as usize].person;
            PersonAttributes {
                conditions: person.n_conditions() as u8,
                frailty: person.frailty,
                risk: person.risk as f64,
                rising_risk: false,
            }
        };
        let chosen = select_cohort_by(alive.len(), person, &rule);
        let mut newly = Vec::new();
        if let Some(p) = self.recorder() {
            for (&i, band) in alive.iter().zip(chosen) {
                if let Some(band) = band
                    && p.enrolled[i as usize] == NOT_ENROLLED
                {
                    p.enrolled[i as usize] = p.log.enrolments.len() as u32;
                    p.log.enrolments.push(Enrolment { person: i, band, start_day: day, end_day: None });
                    newly.push(i);
                }
            }
        }
        let lever = self.cohort.as_ref().and_then(|c| c.recorder.as_ref()).is_some_and(|p| p.hazard_ratio != 1.0);
        if lever {
            for i in newly {
                let i = i as usize;
                if self.cohort.as_ref().is_some_and(|c| c.people[i].state.active.is_some()) {
                    continue;
                }
                self.account_interval(i);
                self.reschedule(i);
            }
        }
    }
}
