//! Background arrival streams: Poisson arrivals with a rate per day, optionally
//! modulated by a weekly or daily calendar of multipliers.
//!
//! A time-varying stream is sampled exactly by thinning (Lewis and Shedler): candidate
//! arrivals come at the peak rate and each is kept with probability
//! `rate(t) / peak rate`.

use crate::pathway::PathwayId;
use crate::rng::SimRng;
use crate::time::{MINUTES_PER_DAY, SimDuration, SimTime};
use rand::RngExt;
use rand_distr::Exp1;

/// Multipliers of the base rate over a repeating calendar.
#[derive(Clone, Debug, PartialEq)]
pub enum Calendar {
    /// One multiplier per day of the week; day 0 of the run is the first entry.
    DayOfWeek([f64; 7]),
    /// One multiplier per hour of the day; minute 0 of each day is the first entry.
    HourOfDay([f64; 24]),
}

impl Calendar {
    /// The multiplier in force at `t`.
    #[inline]
    pub fn multiplier(&self, t: SimTime) -> f64 {
        match self {
            Calendar::DayOfWeek(m) => m[(t.day_index() % 7) as usize],
            Calendar::HourOfDay(m) => m[((t.minutes() % MINUTES_PER_DAY) / 60) as usize],
        }
    }

    /// The largest multiplier.
    pub fn peak(&self) -> f64 {
        let values: &[f64] = match self {
            Calendar::DayOfWeek(m) => m,
            Calendar::HourOfDay(m) => m,
        };
        values.iter().copied().fold(0.0, f64::max)
    }

    /// The mean multiplier over one cycle.
    pub fn mean(&self) -> f64 {
        match self {
            Calendar::DayOfWeek(m) => m.iter().sum::<f64>() / 7.0,
            Calendar::HourOfDay(m) => m.iter().sum::<f64>() / 24.0,
        }
    }
}

/// A validated background arrival stream.
#[derive(Clone, Debug)]
pub struct ArrivalStream {
    /// Name, as written in the config.
    pub name: String,
    /// Base rate, arrivals per day (> 0).
    pub rate_per_day: f64,
    /// Optional calendar of multipliers (at least one positive).
    pub calendar: Option<Calendar>,
    /// The pathway arrivals start on.
    pub pathway: PathwayId,
}

impl ArrivalStream {
    /// The next arrival strictly after-or-at `now`, drawn from `rng`.
    #[inline]
    pub fn next_arrival(&self, now: SimTime, rng: &mut SimRng) -> SimTime {
        match &self.calendar {
            None => {
                let e: f64 = rng.sample(Exp1);
                now + SimDuration::from_days_f64(e / self.rate_per_day)
            }
            Some(cal) => {
                let peak = self.rate_per_day * cal.peak();
                let mut t = now;
                loop {
                    let e: f64 = rng.sample(Exp1);
                    t += SimDuration::from_days_f64(e / peak);
                    let u: f64 = rng.random();
                    if u * peak < self.rate_per_day * cal.multiplier(t) {
                        return t;
                    }
                }
            }
        }
    }

    /// Mean arrivals per day over a calendar cycle.
    pub fn mean_rate_per_day(&self) -> f64 {
        self.rate_per_day * self.calendar.as_ref().map_or(1.0, Calendar::mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamKey};

    fn rng() -> SimRng {
        StreamKey { master_seed: 5, sample: 0, replication: 0, purpose: Purpose::Arrivals, entity: 0 }.rng()
    }

    /// Counts per calendar slot match rate x multiplier within 4 Poisson standard errors.
    #[test]
    fn day_of_week_calendar_shapes_counts() {
        let m = [2.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0];
        let s = ArrivalStream {
            name: "a".into(),
            rate_per_day: 20.0,
            calendar: Some(Calendar::DayOfWeek(m)),
            pathway: PathwayId(0),
        };
        let weeks = 2000u64;
        let end = SimTime::from_days(7 * weeks);
        let mut counts = [0u64; 7];
        let mut r = rng();
        let mut t = s.next_arrival(SimTime::ZERO, &mut r);
        while t < end {
            counts[(t.day_index() % 7) as usize] += 1;
            t = s.next_arrival(t, &mut r);
        }
        for (d, c) in counts.iter().enumerate() {
            let expect = 20.0 * m[d] * weeks as f64;
            assert!((*c as f64 - expect).abs() <= 4.0 * expect.sqrt() + 1e-9, "day {d}: {c} vs {expect}");
        }
        assert!((s.mean_rate_per_day() - 20.0 * 6.5 / 7.0).abs() < 1e-12);
    }
}
