//! Simulated time as integer minutes: exact ties, total order, no float epsilons.
//!
//! A [`SimTime`] is an instant, in whole minutes since the start of a run; a
//! [`SimDuration`] is a span of whole minutes. Durations sampled from continuous
//! distributions (in days) are converted once, by [`SimDuration::from_days_f64`], which
//! rounds to the nearest minute.
//!
//! ## Years
//!
//! Two year lengths are used, each for one job:
//!
//! - [`DAYS_PER_YEAR`] = 365: the years *of a run*. Day 0 is 1 April, and each run
//!   year is a 365-day financial year (no leap days): the person-year table's years,
//!   payment months and years, and year-of-care selection days count in these.
//! - [`MEAN_DAYS_PER_YEAR`] = 365.25: years *of age and of rates*. Ages in years, and
//!   hazards and rates quoted per year (of the cohort's events, GP contacts, A&E
//!   attendances), convert to days with the mean calendar year.

use std::ops::{Add, AddAssign, Sub};

/// Minutes in one day.
pub const MINUTES_PER_DAY: u64 = 24 * 60;

/// Minutes in one week.
pub const MINUTES_PER_WEEK: u64 = 7 * MINUTES_PER_DAY;

/// Days in one year of a run (a financial year; see the module docs).
pub const DAYS_PER_YEAR: u32 = 365;

/// Mean days in a calendar year, for ages and rates per year (see the module docs).
pub const MEAN_DAYS_PER_YEAR: f64 = 365.25;

/// An instant of simulated time, in whole minutes since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in whole minutes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);

    /// The instant `days` whole days after the start of the run.
    pub const fn from_days(days: u64) -> SimTime {
        SimTime(days * MINUTES_PER_DAY)
    }

    /// Minutes since the start of the run.
    pub const fn minutes(self) -> u64 {
        self.0
    }

    /// This instant in (fractional) days since the start of the run.
    pub fn as_days_f64(self) -> f64 {
        self.0 as f64 / MINUTES_PER_DAY as f64
    }

    /// The index of the day this instant falls in (day 0 is the first day).
    pub const fn day_index(self) -> u64 {
        self.0 / MINUTES_PER_DAY
    }

    /// Time elapsed since `earlier`; zero if `earlier` is later than `self`.
    pub const fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of whole days.
    pub const fn from_days(days: u64) -> SimDuration {
        SimDuration(days * MINUTES_PER_DAY)
    }

    /// Converts a (non-negative, finite) number of days to whole minutes, rounding to the
    /// nearest minute. Negative or NaN input gives zero; values beyond the range saturate.
    pub fn from_days_f64(days: f64) -> SimDuration {
        let x = days * MINUTES_PER_DAY as f64;
        // Below 2^52 the fraction `x - trunc(x)` is exact, so rounding half away from
        // zero needs no call to `round` (a library routine on baseline x86-64, and on
        // the hot path: one per sampled duration).
        if x < (1u64 << 52) as f64 {
            if x.is_nan() || x < 0.5 {
                return SimDuration::ZERO; // also negative values
            }
            let whole = x as u64;
            return SimDuration(whole + u64::from(x - whole as f64 >= 0.5));
        }
        let minutes = x.round();
        if minutes.is_nan() || minutes <= 0.0 {
            SimDuration::ZERO
        } else if minutes >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            SimDuration(minutes as u64)
        }
    }

    /// Whole minutes in this span.
    pub const fn minutes(self) -> u64 {
        self.0
    }

    /// This span in (fractional) days.
    pub fn as_days_f64(self) -> f64 {
        self.0 as f64 / MINUTES_PER_DAY as f64
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.since(rhs)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_to_nearest_minute() {
        assert_eq!(SimDuration::from_days_f64(1.0), SimDuration(1440));
        // 0.5 minute rounds away from zero, 0.49 minute rounds down.
        assert_eq!(SimDuration::from_days_f64(0.5 / 1440.0), SimDuration(1));
        assert_eq!(SimDuration::from_days_f64(0.49 / 1440.0), SimDuration(0));
        assert_eq!(SimDuration::from_days_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_days_f64(f64::NAN), SimDuration::ZERO);
    }

    #[test]
    fn minutes_agree_with_round_everywhere() {
        // Halves, their neighbours, the 2^52 boundary, huge and special values, and a
        // spread of ordinary durations.
        let mut xs: Vec<f64> = vec![0.0, 0.5, 1.5, 2.5, 1e6 + 0.5, (1u64 << 52) as f64, 1e300, f64::INFINITY];
        for k in 0..2000u64 {
            let half = k as f64 * 1.37 + 0.5;
            xs.extend([half, f64::from_bits(half.to_bits() - 1), f64::from_bits(half.to_bits() + 1)]);
            xs.push((k as f64).powf(3.1) * 0.731);
        }
        for x in xs {
            let days = x / MINUTES_PER_DAY as f64;
            let want = (days * MINUTES_PER_DAY as f64).round();
            let want = if want >= u64::MAX as f64 { u64::MAX } else { want as u64 };
            assert_eq!(SimDuration::from_days_f64(days).minutes(), want, "{x} minutes");
        }
    }

    #[test]
    fn day_index_and_arithmetic() {
        let t = SimTime::from_days(3) + SimDuration(1439);
        assert_eq!(t.day_index(), 3);
        assert_eq!((t + SimDuration(1)).day_index(), 4);
        assert_eq!(t - SimTime::from_days(3), SimDuration(1439));
        assert_eq!(SimTime::ZERO - t, SimDuration::ZERO);
    }
}
