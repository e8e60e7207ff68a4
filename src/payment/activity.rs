//! The vocabulary of paid-for activity: what a person used ([`Activity`]: a spell, an A&E
//! attendance, units of a service), its resource cost at unit costs ([`resource_cost`],
//! the one place a unit cost is applied to a unit of activity), and the compact log a
//! run records for the payment pass ([`ActivityLog`]).

use super::tariff::{AdmissionClass, Spell};
use super::year_of_care::Enrolment;
use super::{MonthIndex, PaymentError, Service};
use crate::cohort::UnitCosts;
use crate::money::Pence;
use crate::time::DAYS_PER_YEAR;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ActivityKind {
    /// An admitted spell (priced at discharge, or at the horizon for the part delivered
    /// when still open), with its length and delayed (DToC) bed-days.
    Spell {
        /// The spell.
        spell: Spell,
        /// Days in the bed (fractional; delayed days included), for its resource cost.
        stay_days: f64,
        /// Delayed transfer of care days within the spell.
        delayed_days: f64,
    },
    /// One A&E attendance.
    AeAttendance,
    /// Units of a non-acute service: intermediate care bed-days, reablement days,
    /// nursing visits, GP contacts, home care hours (one record per person-week), or
    /// care-home weeks (at most one week per record).
    Units {
        /// The service.
        service: Service,
        /// Units (days, visits, contacts, hours or weeks).
        units: f64,
    },
}

/// One activity record of one person.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Activity {
    /// Person index.
    pub person: u32,
    /// Run day (discharge day for a spell; the week's first day for care).
    pub day: u32,
    /// What happened.
    pub kind: ActivityKind,
}

impl Activity {
    /// The service of this activity.
    pub fn service(&self) -> Service {
        match self.kind {
            ActivityKind::Spell { spell, .. } => match spell.class {
                AdmissionClass::Emergency => Service::AcuteEmergency,
                AdmissionClass::Elective => Service::AcuteElective,
                AdmissionClass::DayCase => Service::AcuteDayCase,
            },
            ActivityKind::AeAttendance => Service::AccidentAndEmergency,
            ActivityKind::Units { service, .. } => service,
        }
    }

    /// Payment month.
    pub fn month(&self) -> MonthIndex {
        MonthIndex::of_day(self.day)
    }
}

/// What a unit cost is a price of: one per price of [`UnitCosts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostUnit {
    /// The per-spell part of an emergency spell.
    EmergencySpell,
    /// The per-spell part of an elective (ordinary) spell.
    ElectiveSpell,
    /// An elective day case (whole).
    DayCase,
    /// An acute bed-day of an emergency or elective spell, delayed days included.
    AcuteBedDay,
    /// An A&E attendance.
    AeAttendance,
    /// A GP contact.
    GpContact,
    /// An intermediate care bed-day.
    IntermediateCareDay,
    /// A reablement day.
    ReablementDay,
    /// A home care hour.
    HomeCareHour,
    /// A care home week.
    CareHomeWeek,
    /// A community nurse visit.
    NursingVisit,
}

impl CostUnit {
    /// The unit [`ActivityKind::Units`] of `service` are counted in; `None` for the
    /// services recorded as spells or attendances, and those with no unit cost.
    pub const fn of_units(service: Service) -> Option<CostUnit> {
        match service {
            Service::IntermediateCare => Some(CostUnit::IntermediateCareDay),
            Service::Reablement => Some(CostUnit::ReablementDay),
            Service::CommunityNursing => Some(CostUnit::NursingVisit),
            Service::HomeCare => Some(CostUnit::HomeCareHour),
            Service::CareHome => Some(CostUnit::CareHomeWeek),
            Service::PrimaryCare => Some(CostUnit::GpContact),
            _ => None,
        }
    }
}

/// True for the services the simulation records activity for: exactly those
/// [`resource_cost`] can cost (admitted spells, A&E attendances, and units with a
/// [`CostUnit`]); outpatients, mental health and public health are never recorded.
pub const fn is_recorded(service: Service) -> bool {
    matches!(
        service,
        Service::AcuteEmergency | Service::AcuteElective | Service::AcuteDayCase | Service::AccidentAndEmergency
    ) || CostUnit::of_units(service).is_some()
}

/// The price of one `unit` at `costs`: the one place a unit cost is looked up (the
/// year close of the person-year table, [`resource_cost`] for the settlement).
#[inline]
pub fn unit_cost(costs: &UnitCosts, unit: CostUnit) -> Pence {
    match unit {
        CostUnit::EmergencySpell => costs.emergency_spell,
        CostUnit::ElectiveSpell => costs.elective_spell,
        CostUnit::DayCase => costs.day_case,
        CostUnit::AcuteBedDay => costs.acute_bed_day,
        CostUnit::AeAttendance => costs.ae_attendance,
        CostUnit::GpContact => costs.gp_contact,
        CostUnit::IntermediateCareDay => costs.intermediate_care_day,
        CostUnit::ReablementDay => costs.reablement_day,
        CostUnit::HomeCareHour => costs.home_care_hour,
        CostUnit::CareHomeWeek => costs.care_home_week,
        CostUnit::NursingVisit => costs.nursing_visit,
    }
}

/// The resource cost of `quantity` units (rounded once, by [`Pence::scale`]).
#[inline]
pub fn cost_of(costs: &UnitCosts, unit: CostUnit, quantity: f64) -> Pence {
    unit_cost(costs, unit).scale(quantity)
}

/// Resource cost of an acute spell of `class` that lasted `stay_days` (fractional days
/// in the bed, delayed days included): a per-spell part and a per-bed-day part
/// (reference costs: the excess bed-day cost is the per-day figure, brief §5), so a
/// zero-day stay costs less than the average spell, a long stay more, and delayed
/// bed-days carry their cost. A day case costs its per-case figure whatever its
/// (same-day) length.
pub fn acute_spell_cost(costs: &UnitCosts, class: AdmissionClass, stay_days: f64) -> Pence {
    let spell = match class {
        AdmissionClass::DayCase => return unit_cost(costs, CostUnit::DayCase),
        AdmissionClass::Emergency => CostUnit::EmergencySpell,
        AdmissionClass::Elective => CostUnit::ElectiveSpell,
    };
    unit_cost(costs, spell) + cost_of(costs, CostUnit::AcuteBedDay, stay_days.max(0.0))
}

/// Resource cost of one activity at unit costs (brief §5); independent of any currency.
/// A spell costs its per-spell part and its bed-days ([`acute_spell_cost`]), a day
/// case the day-case cost.
pub fn resource_cost(a: &Activity, costs: &UnitCosts) -> Result<Pence, PaymentError> {
    Ok(match a.kind {
        ActivityKind::Spell { spell, stay_days, .. } => acute_spell_cost(costs, spell.class, stay_days),
        ActivityKind::AeAttendance => unit_cost(costs, CostUnit::AeAttendance),
        ActivityKind::Units { service, units } => match CostUnit::of_units(service) {
            Some(unit) => cost_of(costs, unit, units),
            None => {
                return Err(PaymentError::InvalidParameter {
                    name: "activity.service",
                    reason: format!("no unit cost for {} units", service.name()),
                });
            }
        },
    })
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
    pub enrolments: Vec<Enrolment>,
    /// Each person's age at the start of the run, days (for client finances).
    pub age0_days: Vec<u32>,
    /// Run days of acute delayed days the council alone is responsible for, one per
    /// patient delayed at midnight (for the Care Act reimbursement).
    pub reimbursable_delay_days: Vec<u32>,
    /// The person-year records of the year just before the measurement window (the last
    /// warm-up year), kept so the commissioner's year-of-care risk score can use the
    /// history before the window's first year (empty without a warm-up).
    pub prior_year: crate::record::PersonYearTable,
    /// Care-home resident-days of residents placed outside the cohort that the council
    /// funds (the council-funded share of the `[self_funded_placements]` residents'
    /// days), by payment month ([`MonthIndex`]`.0`), in the measurement window.
    pub outside_cohort_council_days: Vec<f64>,
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
    /// Days in the bed (fractional, delayed days included).
    stay_days: f64,
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
            ActivityKind::Spell { spell, stay_days, delayed_days } => {
                self.spells.push(SpellRecord { person, day, delayed_days, stay_days, spell })
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
        self.records(move |day| day / DAYS_PER_YEAR == year as u32)
    }

    /// The records whose day passes `keep`.
    fn records<'a, F: Fn(u32) -> bool + Copy + 'a>(&'a self, keep: F) -> impl Iterator<Item = Activity> + Clone + 'a {
        let spells = self.spells.iter().filter(move |r| keep(r.day)).map(|r| Activity {
            person: r.person,
            day: r.day,
            kind: ActivityKind::Spell { spell: r.spell, stay_days: r.stay_days, delayed_days: r.delayed_days },
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

    /// Adds `share` of the care-home days between run days `from` and `to` (fractional)
    /// to [`ActivityLog::outside_cohort_council_days`], split by payment month.
    pub fn add_outside_cohort_council_days(&mut self, from: f64, to: f64, share: f64) {
        if !(to > from && from >= 0.0 && share > 0.0) {
            return;
        }
        let mut month = MonthIndex::of_day(from.floor() as u32);
        loop {
            let (start, end) = (month.start_day() as f64, month.end_day() as f64);
            if start >= to {
                break;
            }
            let days = to.min(end) - from.max(start);
            if days > 0.0 {
                let m = month.0 as usize;
                if self.outside_cohort_council_days.len() <= m {
                    self.outside_cohort_council_days.resize(m + 1, 0.0);
                }
                self.outside_cohort_council_days[m] += days * share;
            }
            month = MonthIndex(month.0 + 1);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::tariff::{HrgGroupId, IndexSpell};

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
            Activity { person: 4, day: 370, kind: ActivityKind::Spell { spell, stay_days: 3.5, delayed_days: 1.25 } },
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
    fn the_recorded_services_are_those_resource_cost_can_cost() {
        let recorded: Vec<Service> = Service::ALL.into_iter().filter(|s| is_recorded(*s)).collect();
        assert_eq!(recorded.len(), 10, "{recorded:?}");
        let c = crate::payment::test_unit_costs();
        for s in Service::ALL {
            let units = Activity { person: 0, day: 0, kind: ActivityKind::Units { service: s, units: 1.0 } };
            let costed_as_units = resource_cost(&units, &c).is_ok();
            let spell_or_attendance = s.is_acute() && s != Service::Outpatient;
            assert_eq!(is_recorded(s), costed_as_units || spell_or_attendance, "{s:?}");
        }
        assert!(!is_recorded(Service::MentalHealth) && !is_recorded(Service::Outpatient));
    }

    #[test]
    fn outside_cohort_days_are_split_by_payment_month() {
        let mut log = ActivityLog::default();
        // From day 20.5 (April, 30 days) to day 365 + 10 (the next April): 9.5 days of
        // April, every later month of year 0 whole, 10 days of April of year 1.
        log.add_outside_cohort_council_days(20.5, 375.0, 0.5);
        let d = &log.outside_cohort_council_days;
        assert_eq!(d.len(), 13);
        assert!((d[0] - 0.5 * 9.5).abs() < 1e-12 && (d[1] - 0.5 * 31.0).abs() < 1e-12);
        assert!((d[10] - 0.5 * 28.0).abs() < 1e-12 && (d[12] - 0.5 * 10.0).abs() < 1e-12);
        assert!((d.iter().sum::<f64>() - 0.5 * (375.0 - 20.5)).abs() < 1e-9);
        // Nothing for an empty interval or a zero share.
        let before = log.clone();
        log.add_outside_cohort_council_days(40.0, 40.0, 0.5);
        log.add_outside_cohort_council_days(40.0, 90.0, 0.0);
        assert_eq!(log, before);
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

#[cfg(test)]
mod acute_spell_tests {
    use super::*;

    #[test]
    fn acute_spells_cost_a_spell_part_and_a_bed_day_part() {
        let c = crate::payment::test_unit_costs();
        // Default split: £542.60 a spell + £313 a bed-day; a 5.8-day stay costs the
        // brief's average emergency spell of £2,358 (to the penny of the derivation).
        assert_eq!(acute_spell_cost(&c, AdmissionClass::Emergency, 5.8), Pence(54_260 + 181_540));
        assert_eq!(acute_spell_cost(&c, AdmissionClass::Emergency, 0.0), Pence(54_260));
        assert!(acute_spell_cost(&c, AdmissionClass::Emergency, 30.0) > Pence(235_800 * 3));
        // A delayed day costs a bed-day, whoever is responsible.
        let one_more_day =
            acute_spell_cost(&c, AdmissionClass::Elective, 4.5) - acute_spell_cost(&c, AdmissionClass::Elective, 3.5);
        assert_eq!(one_more_day, c.acute_bed_day);
        assert_eq!(acute_spell_cost(&c, AdmissionClass::Elective, 3.5), Pence(249_460 + 109_550));
        assert_eq!(acute_spell_cost(&c, AdmissionClass::DayCase, 0.3), Pence(73_800));
    }
}
