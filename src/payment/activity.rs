//! The vocabulary of paid-for activity: what a person used ([`Activity`]: a spell, an A&E
//! attendance, units of a service), its resource cost at unit costs ([`resource_cost`],
//! the one place a unit cost is applied to a unit of activity), and the compact log a
//! run records for the payment pass ([`ActivityLog`]).

use super::tariff::{AdmissionClass, Spell};
use super::year_of_care::Enrolment;
use super::{DAYS_PER_YEAR, MonthIndex, PaymentError, Service};
use crate::cohort::UnitCosts;
use crate::money::Pence;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ActivityKind {
    /// An admitted spell (priced at discharge), with its delayed (DToC) bed-days.
    Spell {
        /// The spell.
        spell: Spell,
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

/// Resource cost of one activity at unit costs (brief §5); independent of any currency.
/// Day cases cost an elective spell (ASSUMPTION: `UnitCosts` has no day-case price).
pub fn resource_cost(a: &Activity, costs: &UnitCosts) -> Result<Pence, PaymentError> {
    Ok(match a.kind {
        ActivityKind::Spell { spell, delayed_days } => {
            let spell_cost =
                if spell.class == AdmissionClass::Emergency { costs.emergency_spell } else { costs.elective_spell };
            spell_cost + costs.delayed_bed_day.scale(delayed_days)
        }
        ActivityKind::AeAttendance => costs.ae_attendance,
        ActivityKind::Units { service, units } => {
            let unit = match service {
                Service::IntermediateCare => costs.intermediate_care_day,
                Service::Reablement => costs.reablement_day,
                Service::CommunityNursing => costs.nursing_visit,
                Service::HomeCare => costs.home_care_hour,
                Service::CareHome => costs.care_home_week,
                Service::PrimaryCare => costs.gp_contact,
                other => {
                    return Err(PaymentError::InvalidParameter {
                        name: "activity.service",
                        reason: format!("no unit cost for {} units", other.name()),
                    });
                }
            };
            unit.scale(units)
        }
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
    /// The person-year records of the year just before the measurement window (the last
    /// warm-up year), kept so the commissioner's year-of-care risk score can use the
    /// history before the window's first year (empty without a warm-up).
    pub prior_year: crate::record::PersonYearTable,
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
        self.records(move |day| day / DAYS_PER_YEAR == year as u32)
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
