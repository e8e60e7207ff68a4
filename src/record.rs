//! Columnar in-memory records of one run: what the model measured, before any file
//! format. The output layer turns these into tables; nothing here knows about files.

use crate::capacity::PoolStats;
use crate::payment::Service;
use crate::payment::settle::{Activity, ActivityKind};
use crate::payment::tariff::Spell;

/// Identifies one run of an experiment grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunKey {
    /// Index of the scenario in the experiment (its name lives in the plan).
    pub scenario: u16,
    /// Parameter sample index (0 when parameters are fixed).
    pub sample: u32,
    /// Replication index.
    pub replication: u32,
}

/// One pool's summary over a run's measurement window (after warm-up).
#[derive(Clone, Debug, PartialEq)]
pub struct PoolSummary {
    /// Pool index in the model.
    pub pool: u16,
    /// Number of places (`None` = unlimited).
    pub capacity: Option<u32>,
    /// Raw counts and integrals over the window.
    pub stats: PoolStats,
    /// Window length, days.
    pub window_days: f64,
}

impl PoolSummary {
    fn window_minutes(&self) -> f64 {
        self.window_days * crate::time::MINUTES_PER_DAY as f64
    }

    /// Time-averaged number of places occupied (blocked occupants included).
    pub fn mean_occupied(&self) -> f64 {
        self.stats.occupied_area as f64 / self.window_minutes()
    }

    /// Time-averaged length of the waiting list.
    pub fn mean_waiting(&self) -> f64 {
        self.stats.waiting_area as f64 / self.window_minutes()
    }

    /// Time-averaged number of blocked occupants.
    pub fn mean_blocked(&self) -> f64 {
        self.stats.blocked_area as f64 / self.window_minutes()
    }

    /// Mean wait for a place of the requests admitted in the window, days.
    pub fn mean_wait_days(&self) -> Option<f64> {
        (self.stats.admitted > 0)
            .then(|| self.stats.wait_minutes as f64 / self.stats.admitted as f64 / crate::time::MINUTES_PER_DAY as f64)
    }

    /// Share of admissions in the window that had to wait.
    pub fn p_wait(&self) -> Option<f64> {
        (self.stats.admitted > 0).then(|| self.stats.waited as f64 / self.stats.admitted as f64)
    }

    /// Share of requests in the window that were turned away.
    pub fn p_turned_away(&self) -> Option<f64> {
        (self.stats.arrivals > 0).then(|| self.stats.turned_away as f64 / self.stats.arrivals as f64)
    }

    /// Place-days spent blocked (holding a place here while waiting downstream).
    pub fn blocked_days(&self) -> f64 {
        self.stats.blocked_area as f64 / crate::time::MINUTES_PER_DAY as f64
    }

    /// Mean time from admission to leaving, over departures in the window, days.
    pub fn mean_sojourn_days(&self) -> Option<f64> {
        (self.stats.departures > 0).then(|| {
            self.stats.sojourn_minutes as f64 / self.stats.departures as f64 / crate::time::MINUTES_PER_DAY as f64
        })
    }

    /// Departures per day over the window.
    pub fn throughput_per_day(&self) -> f64 {
        self.stats.departures as f64 / self.window_days
    }
}

/// Daily time-averaged pool state, one row per pool and whole day (struct of columns).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CapacityTable {
    /// Day index from the start of the run (warm-up days included).
    pub day: Vec<u32>,
    /// Pool index.
    pub pool: Vec<u16>,
    /// Mean places occupied over the day.
    pub occupied: Vec<f64>,
    /// Mean waiting-list length over the day.
    pub waiting: Vec<f64>,
    /// Mean blocked occupants over the day.
    pub blocked: Vec<f64>,
}

/// One row per completed stay (struct of columns); recorded only on request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpisodeTable {
    /// The patient's key (stable across scenarios: stream index << 40 | arrival number).
    pub patient: Vec<u64>,
    /// Pool index.
    pub pool: Vec<u16>,
    /// Day (fractional) the place was requested.
    pub requested_day: Vec<f64>,
    /// Day the place was taken.
    pub admitted_day: Vec<f64>,
    /// Day the stay ended (ready to leave).
    pub ready_day: Vec<f64>,
    /// Day the place was given up.
    pub exit_day: Vec<f64>,
    /// Days waiting for the place.
    pub wait_days: Vec<f64>,
    /// Days holding the place while waiting for the next one.
    pub blocked_days: Vec<f64>,
}

impl EpisodeTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.patient.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.patient.is_empty()
    }
}

/// One row per person per simulated year of the cohort (struct of columns). Years are
/// whole 365-day years from the start of the run, after the warm-up; the last may be
/// partial (`exposure_days`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PersonYearTable {
    /// Person index.
    pub person: Vec<u32>,
    /// Year index from the start of the run.
    pub year: Vec<u16>,
    /// Age at the start of the year, whole years.
    pub age_years: Vec<u8>,
    /// Five-year age band index (0 = 0-4, ..., 18 = 90+), at the start of the year.
    pub age_band: Vec<u8>,
    /// True for male.
    pub male: Vec<bool>,
    /// Deprivation quintile 1 (least) to 5 (most).
    pub imd: Vec<u8>,
    /// Long-term conditions at the end of the year (or at death).
    pub conditions: Vec<u8>,
    /// Frailty at the end of the year: 0 fit, 1 mild, 2 moderate, 3 severe.
    pub frailty: Vec<u8>,
    /// Living in a care home at the end of the year.
    pub care_home: Vec<bool>,
    /// Risk of an emergency admission in the next 12 months, at the end of the year.
    pub risk: Vec<f32>,
    /// Days alive within the year and the run.
    pub exposure_days: Vec<f32>,
    /// Emergency admissions.
    pub emergency_admissions: Vec<u16>,
    /// Elective admissions.
    pub elective_admissions: Vec<u16>,
    /// Acute bed-days (delayed days included).
    pub bed_days: Vec<f32>,
    /// Delayed transfer of care days (blocked in an acute bed).
    pub dtoc_days: Vec<f32>,
    /// A&E attendances.
    pub ae_attendances: Vec<u16>,
    /// GP and practice nurse contacts.
    pub gp_contacts: Vec<u16>,
    /// Intermediate care bed-days.
    pub intermediate_care_days: Vec<f32>,
    /// Reablement days.
    pub reablement_days: Vec<f32>,
    /// Home care hours.
    pub home_care_hours: Vec<f32>,
    /// Care home weeks.
    pub care_home_weeks: Vec<f32>,
    /// Community nurse visits.
    pub nursing_visits: Vec<f32>,
    /// Resource cost of acute activity (spells, delayed days, A&E), pence.
    pub acute_cost_pence: Vec<i64>,
    /// Resource cost of community health care (intermediate care, reablement, nursing), pence.
    pub community_cost_pence: Vec<i64>,
    /// Resource cost of social care (home care, care homes), pence.
    pub social_care_cost_pence: Vec<i64>,
    /// Resource cost of primary care (GP contacts), pence.
    pub primary_care_cost_pence: Vec<i64>,
    /// Died in the year.
    pub died: Vec<bool>,
    /// Payments attributable to each person-year, by payer (when the model has
    /// `[payment]`; see [`crate::payment::settle::Settlement::by_person`]).
    pub payments: Option<PersonYearPayments>,
}

/// Payments attributable to person-years, by payer, pence (one entry per row of the
/// [`PersonYearTable`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PersonYearPayments {
    /// Paid by the CCG (NHS), capitation included.
    pub ccg_paid_pence: Vec<i64>,
    /// Paid by the council, less estate recovered.
    pub council_paid_pence: Vec<i64>,
    /// Paid by a pooled fund.
    pub pool_paid_pence: Vec<i64>,
    /// Paid by the person: client contributions and estate recovery.
    pub client_paid_pence: Vec<i64>,
}

impl PersonYearTable {
    /// Adds the payments of a settled run as columns (rows with none get zeros).
    pub fn attach_payments(
        &mut self,
        by_person_year: &[(u32, u16, crate::payment::organisation::OrgId, crate::money::Pence)],
        registry: &crate::payment::organisation::Registry,
    ) {
        use crate::payment::organisation::OrgKind;
        let n = self.len();
        let mut out = PersonYearPayments {
            ccg_paid_pence: vec![0; n],
            council_paid_pence: vec![0; n],
            pool_paid_pence: vec![0; n],
            client_paid_pence: vec![0; n],
        };
        // Rows are recorded year by year in person order, so a row is found by binary
        // search on (year, person); a table in any other order is indexed by a map.
        let sorted = (1..n).all(|r| (self.year[r - 1], self.person[r - 1]) < (self.year[r], self.person[r]));
        let rows: std::collections::HashMap<(u32, u16), usize> =
            if sorted { Default::default() } else { (0..n).map(|r| ((self.person[r], self.year[r]), r)).collect() };
        let find = |person: u32, year: u16| {
            if sorted {
                let (lo, hi) = (self.year.partition_point(|&y| y < year), self.year.partition_point(|&y| y <= year));
                self.person[lo..hi].binary_search(&person).ok().map(|r| lo + r)
            } else {
                rows.get(&(person, year)).copied()
            }
        };
        for &(person, year, payer, amount) in by_person_year {
            let Some(r) = find(person, year) else { continue };
            let column = match registry.kind(payer) {
                Ok(OrgKind::Commissioner) => &mut out.ccg_paid_pence,
                Ok(OrgKind::Council) => &mut out.council_paid_pence,
                Ok(OrgKind::PooledFund) => &mut out.pool_paid_pence,
                Ok(OrgKind::Person) => &mut out.client_paid_pence,
                _ => continue,
            };
            column[r] += amount.0;
        }
        self.payments = Some(out);
    }
}

impl PersonYearTable {
    /// Reserves room for exactly `additional` more rows in every column, so that a
    /// year's rows, pushed one person at a time, do not grow the columns by doubling
    /// (which leaves up to half of each column unused, and copies it as it grows).
    pub fn reserve(&mut self, additional: usize) {
        self.person.reserve_exact(additional);
        self.year.reserve_exact(additional);
        self.age_years.reserve_exact(additional);
        self.age_band.reserve_exact(additional);
        self.male.reserve_exact(additional);
        self.imd.reserve_exact(additional);
        self.conditions.reserve_exact(additional);
        self.frailty.reserve_exact(additional);
        self.care_home.reserve_exact(additional);
        self.risk.reserve_exact(additional);
        self.exposure_days.reserve_exact(additional);
        self.emergency_admissions.reserve_exact(additional);
        self.elective_admissions.reserve_exact(additional);
        self.bed_days.reserve_exact(additional);
        self.dtoc_days.reserve_exact(additional);
        self.ae_attendances.reserve_exact(additional);
        self.gp_contacts.reserve_exact(additional);
        self.intermediate_care_days.reserve_exact(additional);
        self.reablement_days.reserve_exact(additional);
        self.home_care_hours.reserve_exact(additional);
        self.care_home_weeks.reserve_exact(additional);
        self.nursing_visits.reserve_exact(additional);
        self.acute_cost_pence.reserve_exact(additional);
        self.community_cost_pence.reserve_exact(additional);
        self.social_care_cost_pence.reserve_exact(additional);
        self.primary_care_cost_pence.reserve_exact(additional);
        self.died.reserve_exact(additional);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.person.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.person.is_empty()
    }
}

/// Place-days spent delayed (between medically ready and leaving), by the pool held,
/// the pool waited for, the reason in force and the responsible organisation, over the
/// measurement window (struct of columns).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DelayTable {
    /// Pool where the place was held (for acute pools: delayed transfers of care).
    pub held_pool: Vec<u16>,
    /// Pool waited for, or bound for during a process delay (`None`: leaving the
    /// modelled system).
    pub waiting_for_pool: Vec<Option<u16>>,
    /// The reason in force (the pool's for a capacity delay, the process's for a
    /// process delay).
    pub reason: Vec<crate::capacity::DelayReason>,
    /// The organisation responsible.
    pub responsible: Vec<crate::capacity::Responsible>,
    /// Place-days blocked.
    pub delayed_days: Vec<f64>,
    /// Delays that ended in the window (transfers that had been blocked).
    pub delayed_transfers: Vec<u64>,
}

/// Counters for the calibration report, over the measurement window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CalibrationCounts {
    /// Emergency spells that left acute care.
    pub emergency_spells: u64,
    /// Of which shorter than one day (zero-day).
    pub zero_day_spells: u64,
    /// Total acute length of those spells, minutes (delays included).
    pub emergency_spell_minutes: u128,
    /// Discharges of people aged 65+ from emergency spells.
    pub discharges_65_plus: u64,
    /// Of which followed by an emergency admission within the readmission window.
    pub readmissions_65_plus: u64,
    /// Discharge destinations of people 65+ leaving acute care after an emergency
    /// spell: home, home with support, intermediate care bed, care home.
    pub d2a_65_plus: [u64; 4],
    /// New care home placements of people aged 65+.
    pub care_home_admissions_65_plus: u64,
    /// New placements early enough to be followed for a year.
    pub care_home_followed: u64,
    /// Of those, alive a year later.
    pub care_home_alive_after_year: u64,
}

/// Every event processed, in order (struct of columns); recorded only on request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventTable {
    /// When, minutes since the start of the run.
    pub minute: Vec<u64>,
    /// What happened (see `FlowEvent::name`).
    pub event: Vec<&'static str>,
    /// Which entity (see `FlowEvent::entity`).
    pub entity: Vec<u32>,
}

impl EventTable {
    /// Appends one event.
    pub fn push(&mut self, at: crate::time::SimTime, event: &crate::flow::FlowEvent) {
        self.minute.push(at.minutes());
        self.event.push(event.name());
        self.entity.push(event.entity());
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.minute.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.minute.is_empty()
    }
}

/// What the payment pass needs from a cohort run with `[payment]` (measurement window
/// only, except enrolments, which are kept from the first selection).
///
/// The activity records are stored compactly, by kind, rather than as one vector of
/// [`Activity`]: spells with their delayed days, A&E attendances as (person, day), units
/// of each service in a vector of their own, and counts recorded for every person on
/// one day (GP contacts per year) as one `u16` per person. [`ActivityLog::iter`] gives
/// them back as [`Activity`] values, by kind rather than in the order they happened;
/// every use of the log (the payment pass sums integer pence) is independent of that
/// order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActivityLog {
    /// Admitted spells.
    pub(crate) spells: Vec<SpellRecord>,
    /// A&E attendances: (person, run day).
    pub(crate) ae: Vec<(u32, u32)>,
    /// Units of each service, indexed by [`Service::index`].
    pub(crate) units: [Vec<UnitsRecord>; Service::COUNT],
    /// Counts of a service recorded for each person on one day.
    pub(crate) counts: Vec<DayCounts>,
    /// Records held, over every kind.
    pub(crate) len: usize,
    /// Deaths: (person, run day).
    pub deaths: Vec<(u32, u32)>,
    /// Year-of-care enrolment spells (empty when year of care is not in force).
    pub enrolments: Vec<crate::payment::year_of_care::Enrolment>,
    /// Each person's age at the start of the run, days (for client finances).
    pub age0_days: Vec<u32>,
}

/// One admitted spell of an [`ActivityLog`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SpellRecord {
    /// Person index.
    person: u32,
    /// Run day of the record.
    day: u32,
    /// Delayed transfer of care days within the spell.
    delayed_days: f64,
    /// The spell.
    spell: Spell,
}

/// Units of one service for one person on one day, in an [`ActivityLog`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct UnitsRecord {
    /// Person index.
    person: u32,
    /// Run day.
    day: u32,
    /// Units.
    units: f64,
}

/// Whole units of one service recorded on one day, one count per person (0 = no record).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DayCounts {
    /// The service.
    service: Service,
    /// Run day.
    day: u32,
    /// Units of each person, by person index.
    counts: Vec<u16>,
}

impl ActivityLog {
    /// Records one activity.
    pub fn push(&mut self, a: Activity) {
        let Activity { person, day, kind } = a;
        match kind {
            ActivityKind::Spell { spell, delayed_days } => {
                self.spells.push(SpellRecord { person, day, delayed_days, spell })
            }
            ActivityKind::AeAttendance => self.ae.push((person, day)),
            ActivityKind::Units { service, units } => {
                self.units[service.index()].push(UnitsRecord { person, day, units })
            }
        }
        self.len += 1;
    }

    /// Records `count` units of `service` for `person` on `day`: the same record as
    /// [`ActivityLog::push`] of `count` units, stored as one `u16` per person of `people`
    /// for every (service, day) recorded this way (so a count recorded for most people
    /// on one day, such as GP contacts per year, costs two bytes a person).
    pub fn push_count(&mut self, person: u32, day: u32, service: Service, count: u16, people: usize) {
        let i = person as usize;
        let block = match self.counts.iter().position(|c| c.service == service && c.day == day) {
            Some(b) => b,
            None => {
                self.counts.push(DayCounts { service, day, counts: Vec::new() });
                self.counts.len() - 1
            }
        };
        let counts = &mut self.counts[block].counts;
        if counts.len() <= i {
            counts.resize(people.max(i + 1), 0);
        }
        if count == 0 || counts[i] != 0 {
            // A zero count, or a second one for the same day: an ordinary record.
            self.push(Activity { person, day, kind: ActivityKind::Units { service, units: count as f64 } });
            return;
        }
        counts[i] = count;
        self.len += 1;
    }

    /// Number of activity records.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no activity is recorded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every activity record, by kind (spells, A&E attendances, units by service,
    /// counts), each kind in the order recorded.
    pub fn iter(&self) -> impl Iterator<Item = Activity> + Clone + '_ {
        self.records(|_| true)
    }

    /// The activity records of financial year `year` (run days `365 × year` to
    /// `365 × (year + 1)`), in the order of [`ActivityLog::iter`].
    pub fn in_year(&self, year: u16) -> impl Iterator<Item = Activity> + Clone + '_ {
        self.records(move |day| day / crate::payment::DAYS_PER_YEAR == year as u32)
    }

    /// The records whose day passes `keep`.
    fn records<'a, F: Fn(u32) -> bool + Copy + 'a>(&'a self, keep: F) -> impl Iterator<Item = Activity> + Clone + 'a {
        let spells = self.spells.iter().filter(move |r| keep(r.day)).map(|r| Activity {
            person: r.person,
            day: r.day,
            kind: ActivityKind::Spell { spell: r.spell, delayed_days: r.delayed_days },
        });
        let ae = self.ae.iter().filter(move |r| keep(r.1)).map(|&(person, day)| Activity {
            person,
            day,
            kind: ActivityKind::AeAttendance,
        });
        let units = Service::ALL.into_iter().zip(&self.units).flat_map(move |(service, records)| {
            records.iter().filter(move |r| keep(r.day)).map(move |r| Activity {
                person: r.person,
                day: r.day,
                kind: ActivityKind::Units { service, units: r.units },
            })
        });
        let counts = self.counts.iter().filter(move |c| keep(c.day)).flat_map(|c| {
            c.counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(person, &n)| Activity {
                person: person as u32,
                day: c.day,
                kind: ActivityKind::Units { service: c.service, units: n as f64 },
            })
        });
        spells.chain(ae).chain(units).chain(counts)
    }

    /// Releases the spare capacity of every record vector (once recording is over).
    pub fn shrink_to_fit(&mut self) {
        self.spells.shrink_to_fit();
        self.ae.shrink_to_fit();
        self.units.iter_mut().for_each(Vec::shrink_to_fit);
        self.deaths.shrink_to_fit();
        self.enrolments.shrink_to_fit();
    }
}

/// Everything one run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOutput {
    /// Which run.
    pub key: RunKey,
    /// Events processed (stale events excluded).
    pub events: u64,
    /// Run length, days.
    pub horizon_days: f64,
    /// Warm-up excluded from the summaries, days.
    pub warmup_days: f64,
    /// Per-pool summaries over the measurement window.
    pub pools: Vec<PoolSummary>,
    /// Daily pool state.
    pub capacity: CapacityTable,
    /// Completed stays, when requested.
    pub episodes: Option<EpisodeTable>,
    /// Person-years of the cohort (empty without a cohort).
    pub person_year: PersonYearTable,
    /// Blocked place-days by pool held and pool waited for.
    pub delays: DelayTable,
    /// Calibration counters (zero without a cohort).
    pub calibration: CalibrationCounts,
    /// People in the cohort at the start of the run.
    pub population: u32,
    /// Every event processed, when requested.
    pub events_log: Option<EventTable>,
    /// Activity for the payment pass, when the model has `[payment]` (consumed by the
    /// runner, which settles it into `payments`).
    pub activity: Option<ActivityLog>,
    /// The run's settlement, when the model has `[payment]`.
    pub payments: Option<crate::payment::run::RunPayments>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::tariff::{AdmissionClass, HrgGroupId, IndexSpell};

    /// A few records of every kind over two financial years, as pushed.
    fn records() -> Vec<Activity> {
        let spell = Spell {
            hrg_group: HrgGroupId(0),
            class: AdmissionClass::Emergency,
            admission_day: 360,
            discharge_day: 370,
            age_years: 81,
            previous_discharge: Some(IndexSpell { discharge_day: 300, elective: true }),
            exclusion: None,
            specialised: false,
        };
        let units =
            |person, day, service, units| Activity { person, day, kind: ActivityKind::Units { service, units } };
        vec![
            Activity { person: 4, day: 370, kind: ActivityKind::Spell { spell, delayed_days: 1.25 } },
            Activity { person: 2, day: 12, kind: ActivityKind::AeAttendance },
            units(1, 364, Service::HomeCare, 3.5),
            units(1, 365, Service::HomeCare, 0.1 + 0.2),
            units(3, 40, Service::CareHome, 1.0),
            units(0, 547, Service::PrimaryCare, 4.0),
        ]
    }

    fn sorted(mut v: Vec<Activity>) -> Vec<Activity> {
        v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        v
    }

    #[test]
    fn the_log_gives_back_every_record_it_was_given() {
        let mut log = ActivityLog::default();
        let mut expected = records();
        for a in records() {
            log.push(a);
        }
        // Counts: one per person on a day, a zero count and a second count for the same
        // day kept as ordinary records.
        for (person, count) in [(0u32, 2u16), (5, 7), (5, 1), (6, 0)] {
            log.push_count(person, 182, Service::PrimaryCare, count, 8);
            let kind = ActivityKind::Units { service: Service::PrimaryCare, units: count as f64 };
            expected.push(Activity { person, day: 182, kind });
        }
        assert_eq!(log.len(), expected.len());
        assert_eq!(sorted(log.iter().collect()), sorted(expected.clone()));
        for year in 0..3u16 {
            let want: Vec<Activity> = expected.iter().filter(|a| a.day / 365 == year as u32).copied().collect();
            assert_eq!(sorted(log.in_year(year).collect()), sorted(want), "year {year}");
        }
        let mut shrunk = log.clone();
        shrunk.shrink_to_fit();
        assert_eq!(shrunk, log);
    }
}
