//! Columnar in-memory records of one run: what the model measured, before any file
//! format. The output layer turns these into tables; nothing here knows about files.

use crate::capacity::PoolStats;

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
    /// Growth of the waiting list through the window
    /// ([`crate::summary::warnings::waiting_growth`]; `None` for a window too short to tell).
    pub waiting_growth: Option<f64>,
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

/// Where a patient comes from, as its key ([`PatientOrigin::key`]) encodes it. Keys are
/// stable across scenarios: the same origin is the same patient in every scenario of a
/// pair (its own random stream is keyed by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatientOrigin {
    /// The `arrival`-th arrival (0-based) of background arrival stream `stream`.
    Arrival {
        /// Index of the `[arrivals.*]` stream in the model.
        stream: u16,
        /// Arrivals of that stream before this one (below 2^40).
        arrival: u64,
    },
    /// The `journey`-th journey (0-based, wrapping at 2^16) of a person of the cohort.
    Journey {
        /// Person index.
        person: u32,
        /// Journeys of that person before this one.
        journey: u16,
    },
}

/// Bits of an arrival key below the stream index.
const ARRIVAL_STREAM_SHIFT: u32 = 40;
/// The top bit marks a cohort journey.
const JOURNEY_FLAG: u64 = 1 << 63;
/// Bits of a journey key below the person index.
const JOURNEY_PERSON_SHIFT: u32 = 16;

impl PatientOrigin {
    /// The patient key: `stream × 2^40 + arrival` for an arrival, `2^63 + person × 2^16 +
    /// journey` for a cohort journey.
    pub fn key(self) -> u64 {
        match self {
            PatientOrigin::Arrival { stream, arrival } => ((stream as u64) << ARRIVAL_STREAM_SHIFT) | arrival,
            PatientOrigin::Journey { person, journey } => {
                JOURNEY_FLAG | ((person as u64) << JOURNEY_PERSON_SHIFT) | journey as u64
            }
        }
    }

    /// The origin a key encodes (the inverse of [`PatientOrigin::key`]).
    pub fn of_key(key: u64) -> PatientOrigin {
        if key & JOURNEY_FLAG != 0 {
            PatientOrigin::Journey {
                person: ((key & !JOURNEY_FLAG) >> JOURNEY_PERSON_SHIFT) as u32,
                journey: key as u16,
            }
        } else {
            PatientOrigin::Arrival {
                stream: (key >> ARRIVAL_STREAM_SHIFT) as u16,
                arrival: key & ((1 << ARRIVAL_STREAM_SHIFT) - 1),
            }
        }
    }
}

/// One row per completed stay (struct of columns); recorded only on request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpisodeTable {
    /// The patient's key (stable across scenarios; see [`PatientOrigin`]).
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
    /// Emergency admissions diverted to the admission-avoidance pathway in the window
    /// (one referral each).
    pub avoidance_referrals: u64,
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
    pub fn push(&mut self, at: crate::time::SimTime, name: &'static str, entity: u32) {
        self.minute.push(at.minutes());
        self.event.push(name);
        self.entity.push(entity);
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

/// Days at each end of the window over which [`waiting_growth`] averages the waiting
/// list (four weeks: long enough to average out the weekly cycle, short against a year).
pub const WAITING_ENDS_DAYS: u32 = 28;

/// The waiting list's growth through the window `[from_day, to_day)` for `pool`: the
/// mean number waiting over the last [`WAITING_ENDS_DAYS`] days less the mean over the
/// first. `None` when the window is shorter than twice that, or the table has no row
/// for the pool in either end.
pub fn waiting_growth(capacity: &CapacityTable, pool: u16, from_day: u32, to_day: u32) -> Option<f64> {
    if to_day < from_day.checked_add(2 * WAITING_ENDS_DAYS)? {
        return None;
    }
    let mean_in = |lo: u32, hi: u32| -> Option<f64> {
        let (mut sum, mut n) = (0.0, 0u32);
        for ((day, p), waiting) in capacity.day.iter().zip(&capacity.pool).zip(&capacity.waiting) {
            if *p == pool && (lo..hi).contains(day) {
                sum += waiting;
                n += 1;
            }
        }
        (n > 0).then(|| sum / n as f64)
    };
    let first = mean_in(from_day, from_day + WAITING_ENDS_DAYS)?;
    let last = mean_in(to_day - WAITING_ENDS_DAYS, to_day)?;
    Some(last - first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patient_keys_decode_to_their_origin() {
        for origin in [
            PatientOrigin::Arrival { stream: 0, arrival: 0 },
            PatientOrigin::Arrival { stream: 3, arrival: (1 << 40) - 1 },
            PatientOrigin::Journey { person: 0, journey: 0 },
            PatientOrigin::Journey { person: 274_999, journey: u16::MAX },
        ] {
            assert_eq!(PatientOrigin::of_key(origin.key()), origin);
        }
        assert_eq!(PatientOrigin::Arrival { stream: 2, arrival: 5 }.key(), 2 * (1 << 40) + 5);
        assert_eq!(PatientOrigin::Journey { person: 7, journey: 1 }.key(), (1 << 63) + 7 * (1 << 16) + 1);
    }
}
