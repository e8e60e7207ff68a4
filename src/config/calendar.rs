//! The calendar of a run (`[calendar]`): which date day 0 is, and the patterns of the
//! year and the week that put pressure on hospital beds as the NHS has it.
//!
//! - **Seasonality of emergency demand**: the cohort's emergency admission hazard is
//!   multiplied by a factor for the month in force. The twelve factors are normalised
//!   to a day-weighted mean of 1 over a 365-day year, so the annual rate stays that of
//!   `[cohort.emergency]` and only its timing changes. Sampled exactly by thinning
//!   (Lewis and Shedler): candidate admissions come at the peak factor and each is kept
//!   with probability `factor(t) / peak`.
//! - **Electives on weekdays**: planned admissions are booked Monday to Friday. The
//!   elective hazard runs at 7/5 of its rate and candidates falling on a Saturday or
//!   Sunday are dropped (thinning again), so the weekly count is unchanged.
//! - **Fewer discharges at weekends**: a stay in an acute bed whose end falls on a
//!   Saturday or Sunday is, with probability `q`, extended to the same time on the
//!   Monday. With ready times spread evenly over the week, weekend discharges per day are
//!   `1 - q` and weekday ones `1 + 2q/5` of the even rate, so for weekend discharges
//!   `weekend_discharge_reduction` (`R`) below the weekday mean, `(1 - q) / (1 + 2q/5) =
//!   1 - R`, i.e. `q = R / (1 + 2(1 - R)/5)` (0.32 for R = 0.4). The extra days are bed
//!   occupancy, not delayed transfers: the patient is not recorded as ready until then
//!   (ASSUMPTION, as the weekly DToC snapshot of the period counted patients ready on a
//!   weekday).
//!
//! Absent `[calendar]`: no seasonality, electives every day, no weekend effect.

use crate::config::validate::Problems;
use crate::time::{SimDuration, SimTime};
use serde::Deserialize;

/// Days in each month of a 365-day year, January first.
pub const DAYS_IN_MONTH: [u16; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Weekday names, Monday first (weekday 0).
pub const WEEKDAY_NAMES: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// `[calendar]` as written.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCalendarSection {
    /// Month of day 0, 1 (January) to 12.
    pub start_month: i64,
    /// Day of the month of day 0, 1 to the month's length (29 February is not a day of
    /// the model's 365-day year).
    pub start_day: i64,
    /// Weekday of day 0 (`"monday"` ... `"sunday"`).
    pub start_weekday: String,
    /// Relative emergency admission rates, January to December (each > 0).
    pub emergency_admissions_by_month: Option<Vec<f64>>,
    /// Book elective admissions on weekdays only.
    #[serde(default)]
    pub electives_weekdays_only: bool,
    /// Weekend discharges per day below the weekday mean, as a share in [0, 1).
    #[serde(default)]
    pub weekend_discharge_reduction: f64,
}

/// A validated calendar.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarSpec {
    /// Day of the 365-day year of day 0 of the run (0 = 1 January).
    start_day_of_year: u16,
    /// Weekday of day 0 (0 = Monday).
    start_weekday: u8,
    /// Emergency admission hazard factor by month (January first), normalised to a
    /// day-weighted mean of 1.
    emergency_by_month: [f64; 12],
    /// The largest of `emergency_by_month`.
    emergency_peak: f64,
    /// Electives are booked on weekdays only.
    electives_weekdays_only: bool,
    /// Weekend discharges per day below the weekday mean, as a share (`R`).
    weekend_discharge_reduction: f64,
    /// Probability that a stay ending at a weekend is extended to the Monday (`q`).
    weekend_deferral: f64,
    /// Month (0 = January) of each day of the 365-day year.
    month_of_day: [u8; 365],
}

impl CalendarSpec {
    /// A calendar with day 0 on `start_day_of_year` (0 = 1 January) and weekday
    /// `start_weekday` (0 = Monday), relative emergency rates by month (normalised here to
    /// a day-weighted mean of 1), the weekday rule for electives and the weekend
    /// discharge reduction. The caller has validated the values.
    pub fn new(
        start_day_of_year: u16,
        start_weekday: u8,
        emergency_relative_by_month: [f64; 12],
        electives_weekdays_only: bool,
        weekend_discharge_reduction: f64,
    ) -> CalendarSpec {
        let weighted: f64 =
            emergency_relative_by_month.iter().zip(DAYS_IN_MONTH).map(|(m, d)| m * d as f64).sum::<f64>() / 365.0;
        let emergency_by_month = emergency_relative_by_month.map(|m| m / weighted);
        let emergency_peak = emergency_by_month.iter().copied().fold(0.0, f64::max);
        let mut month_of_day = [0u8; 365];
        let mut day = 0usize;
        for (month, len) in DAYS_IN_MONTH.iter().enumerate() {
            for _ in 0..*len {
                month_of_day[day] = month as u8;
                day += 1;
            }
        }
        CalendarSpec {
            start_day_of_year: start_day_of_year % 365,
            start_weekday: start_weekday % 7,
            emergency_by_month,
            emergency_peak,
            electives_weekdays_only,
            weekend_discharge_reduction,
            weekend_deferral: weekend_discharge_reduction / (1.0 + 0.4 * (1.0 - weekend_discharge_reduction)),
            month_of_day,
        }
    }

    /// The neutral calendar: no seasonality, electives every day, no weekend effect.
    pub fn neutral() -> CalendarSpec {
        CalendarSpec::new(0, 0, [1.0; 12], false, 0.0)
    }

    /// Month in force at `t` (0 = January).
    #[inline]
    pub fn month(&self, t: SimTime) -> usize {
        let day = (self.start_day_of_year as u64 + t.day_index()) % 365;
        self.month_of_day[day as usize] as usize
    }

    /// Weekday at `t` (0 = Monday ... 6 = Sunday).
    #[inline]
    pub fn weekday(&self, t: SimTime) -> u8 {
        ((self.start_weekday as u64 + t.day_index()) % 7) as u8
    }

    /// True on Saturdays and Sundays.
    #[inline]
    pub fn is_weekend(&self, t: SimTime) -> bool {
        self.weekday(t) >= 5
    }

    /// The emergency admission hazard factor in force at `t` (day-weighted mean 1).
    #[inline]
    pub fn emergency_factor(&self, t: SimTime) -> f64 {
        self.emergency_by_month[self.month(t)]
    }

    /// The normalised factors by month, January first.
    pub fn emergency_by_month(&self) -> &[f64; 12] {
        &self.emergency_by_month
    }

    /// The peak emergency factor: candidate admissions are drawn at this multiple of the
    /// hazard and thinned by [`CalendarSpec::keep_emergency`].
    #[inline]
    pub fn emergency_peak(&self) -> f64 {
        self.emergency_peak
    }

    /// Whether a candidate emergency admission at `t` is kept, given a uniform draw
    /// `v` in [0, 1) independent of the candidate's time.
    #[inline]
    pub fn keep_emergency(&self, t: SimTime, v: f64) -> bool {
        v * self.emergency_peak < self.emergency_factor(t)
    }

    /// The factor on the elective hazard that keeps the weekly count when weekend
    /// candidates are dropped: 7/5 with weekday-only electives, else 1.
    #[inline]
    pub fn elective_rate_factor(&self) -> f64 {
        if self.electives_weekdays_only { 7.0 / 5.0 } else { 1.0 }
    }

    /// Whether a candidate elective admission at `t` is kept.
    #[inline]
    pub fn keep_elective(&self, t: SimTime) -> bool {
        !(self.electives_weekdays_only && self.is_weekend(t))
    }

    /// True when the calendar can change a stay's end (a weekend reduction is set).
    #[inline]
    pub fn moves_weekend_discharges(&self) -> bool {
        self.weekend_discharge_reduction > 0.0
    }

    /// The end of an acute stay that would end at `end`: on a Saturday or Sunday, with
    /// the deferral probability `q` (see the module doc; `u` uniform in [0, 1)), the same
    /// time of day on the following Monday; otherwise `end`.
    #[inline]
    pub fn discharge_time(&self, end: SimTime, u: f64) -> SimTime {
        let weekday = self.weekday(end);
        if weekday >= 5 && u < self.weekend_deferral { end + SimDuration::from_days((7 - weekday) as u64) } else { end }
    }

    /// Weekend discharges per day below the weekday mean, as a share.
    pub fn weekend_discharge_reduction(&self) -> f64 {
        self.weekend_discharge_reduction
    }

    /// The probability that a stay ending at a weekend is extended to the Monday.
    pub fn weekend_deferral(&self) -> f64 {
        self.weekend_deferral
    }
}

/// The seasonality of an arrival stream (`arrivals.NAME.seasonality`):
/// `"emergency_admissions"` multiplies its rate by the calendar's monthly factors of
/// emergency demand, so that emergency arrivals from outside the cohort follow the same
/// winter peak. Needs `[calendar]` with `emergency_admissions_by_month` (without it the
/// key would do nothing); `calendar` is the validated section, `None` when it is absent
/// or invalid (then its own problem is reported).
pub fn stream_seasonality(
    p: &mut Problems,
    key: &str,
    name: &str,
    raw: Option<&RawCalendarSection>,
    calendar: Option<&CalendarSpec>,
) -> Option<crate::arrivals::Seasonality> {
    if name != "emergency_admissions" {
        p.push(key, name, "must be \"emergency_admissions\" (the calendar's monthly factors of emergency demand)");
        return None;
    }
    if raw.is_none_or(|c| c.emergency_admissions_by_month.is_none()) {
        p.push(key, name, "needs [calendar] with emergency_admissions_by_month (twelve monthly factors)");
        return None;
    }
    let c = calendar?;
    Some(crate::arrivals::Seasonality::from_days(|d| c.emergency_factor(SimTime::from_days(d))))
}

/// Validates `[calendar]`; problems are recorded under `calendar.*`.
pub fn validate(p: &mut Problems, raw: &RawCalendarSection) -> Option<CalendarSpec> {
    let before = p.0.len();
    let month = raw.start_month;
    if !(1..=12).contains(&month) {
        p.push("calendar.start_month", month, "must be a month number from 1 (January) to 12 (December)");
    }
    let day_of_year = if (1..=12).contains(&month) {
        let len = DAYS_IN_MONTH[month as usize - 1] as i64;
        if !(1..=len).contains(&raw.start_day) {
            p.push(
                "calendar.start_day",
                raw.start_day,
                format!(
                    "must be a day of month {month} from 1 to {len} (the model's year has 365 days: no 29 February)"
                ),
            );
            None
        } else {
            let before_month: u16 = DAYS_IN_MONTH[..month as usize - 1].iter().sum();
            Some(before_month + raw.start_day as u16 - 1)
        }
    } else {
        None
    };
    let weekday = WEEKDAY_NAMES.iter().position(|w| *w == raw.start_weekday.as_str());
    if weekday.is_none() {
        p.push(
            "calendar.start_weekday",
            format!("\"{}\"", raw.start_weekday),
            format!("must be a weekday name in lower case: {}", WEEKDAY_NAMES.join(", ")),
        );
    }
    let mut by_month = [1.0; 12];
    if let Some(values) = &raw.emergency_admissions_by_month {
        let key = "calendar.emergency_admissions_by_month";
        if values.len() != 12 {
            p.push(
                key,
                format!("{values:?}"),
                format!("must list 12 multipliers, January first (found {})", values.len()),
            );
        } else {
            for (i, v) in values.iter().enumerate() {
                if !(v.is_finite() && *v > 0.0) {
                    p.push(format!("{key}[{i}]"), v, "must be a finite multiplier greater than 0");
                }
            }
            by_month.copy_from_slice(values);
        }
    }
    let reduction = raw.weekend_discharge_reduction;
    if !(reduction.is_finite() && (0.0..1.0).contains(&reduction)) {
        p.push(
            "calendar.weekend_discharge_reduction",
            reduction,
            "must be a share from 0 (discharges as on weekdays) to below 1 (none at weekends)",
        );
    }
    if p.0.len() > before {
        return None;
    }
    Some(CalendarSpec::new(day_of_year?, weekday? as u8, by_month, raw.electives_weekdays_only, reduction))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MINUTES_PER_DAY;

    fn raw() -> RawCalendarSection {
        RawCalendarSection {
            start_month: 4,
            start_day: 1,
            start_weekday: "friday".into(),
            emergency_admissions_by_month: None,
            electives_weekdays_only: true,
            weekend_discharge_reduction: 0.4,
        }
    }

    #[test]
    fn day_zero_is_the_configured_date_and_weekday() {
        let c = validate(&mut Problems::default(), &raw()).expect("valid");
        // 1 April is day 90 of a 365-day year; a Friday is weekday 4.
        assert_eq!(c.month(SimTime::ZERO), 3);
        assert_eq!(c.weekday(SimTime::ZERO), 4);
        assert!(!c.is_weekend(SimTime::ZERO));
        assert!(c.is_weekend(SimTime::from_days(1)) && c.is_weekend(SimTime::from_days(2)));
        assert_eq!(c.weekday(SimTime::from_days(3)), 0);
        // 30 April is day 29, 1 May day 30; 31 December day 274, 1 January day 275.
        assert_eq!(c.month(SimTime::from_days(29)), 3);
        assert_eq!(c.month(SimTime::from_days(30)), 4);
        assert_eq!(c.month(SimTime::from_days(274)), 11);
        assert_eq!(c.month(SimTime::from_days(275)), 0);
        assert_eq!(c.month(SimTime::from_days(365)), 3);
    }

    #[test]
    fn monthly_factors_have_a_day_weighted_mean_of_one() {
        let mut r = raw();
        r.emergency_admissions_by_month = Some(vec![2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.5]);
        let c = validate(&mut Problems::default(), &r).expect("valid");
        let mean: f64 =
            c.emergency_by_month().iter().zip(DAYS_IN_MONTH).map(|(m, d)| m * d as f64).sum::<f64>() / 365.0;
        assert!((mean - 1.0).abs() < 1e-12, "{mean}");
        // The ratios are those written.
        let m = c.emergency_by_month();
        assert!((m[0] / m[1] - 2.0).abs() < 1e-12 && (m[11] / m[1] - 1.5).abs() < 1e-12);
        assert_eq!(c.emergency_peak(), m[0]);
        // Over a year of days, the share of candidates kept is the mean over the peak.
        let kept: f64 = (0..365).map(|d| c.emergency_factor(SimTime::from_days(d)) / c.emergency_peak()).sum::<f64>();
        assert!((kept / 365.0 - 1.0 / c.emergency_peak()).abs() < 1e-12);
    }

    #[test]
    fn thinning_keeps_a_candidate_with_probability_factor_over_peak() {
        let mut r = raw();
        r.emergency_admissions_by_month = Some(vec![1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
        let c = validate(&mut Problems::default(), &r).expect("valid");
        let april = SimTime::ZERO;
        let may = SimTime::from_days(40);
        assert!(c.keep_emergency(april, 0.999));
        assert!(c.keep_emergency(may, 0.49) && !c.keep_emergency(may, 0.51));
    }

    #[test]
    fn electives_are_dropped_at_weekends_and_scaled_up_on_weekdays() {
        let c = validate(&mut Problems::default(), &raw()).expect("valid");
        assert_eq!(c.elective_rate_factor(), 1.4);
        let kept = (0..7).filter(|d| c.keep_elective(SimTime::from_days(*d))).count();
        assert_eq!(kept, 5);
        let every_day = CalendarSpec::neutral();
        assert_eq!(every_day.elective_rate_factor(), 1.0);
        assert!((0..7).all(|d| every_day.keep_elective(SimTime::from_days(d))));
    }

    #[test]
    fn weekend_discharges_move_to_monday_at_the_same_time_with_the_configured_share() {
        let c = validate(&mut Problems::default(), &raw()).expect("valid");
        let saturday_noon = SimTime::from_days(1) + SimDuration::from_days_f64(0.5);
        let sunday_noon = SimTime::from_days(2) + SimDuration::from_days_f64(0.5);
        let monday_noon = SimTime::from_days(3) + SimDuration::from_days_f64(0.5);
        let q = c.weekend_deferral();
        assert!((q - 0.4 / 1.24).abs() < 1e-12, "{q}");
        assert_eq!(c.discharge_time(saturday_noon, q - 1e-6), monday_noon);
        assert_eq!(c.discharge_time(sunday_noon, 0.0), monday_noon);
        assert_eq!(c.discharge_time(saturday_noon, q + 1e-6), saturday_noon);
        assert_eq!(c.discharge_time(monday_noon, 0.0), monday_noon);
        assert_eq!(c.weekday(c.discharge_time(sunday_noon, 0.1)), 0);
        // Over evenly spread ready times, weekend discharges per day are 40% below the
        // weekday mean: a fine grid of ready times, and of u draws fine enough to put q
        // (= 0.4 / 1.24 = 10 / 31) exactly on a grid point.
        let (mut weekend, mut weekday) = (0u64, 0u64);
        for minute in (0..7 * MINUTES_PER_DAY).step_by(60) {
            for k in 0..3100 {
                let t = c.discharge_time(SimTime(minute), (k as f64 + 0.5) / 3100.0);
                if c.is_weekend(t) { weekend += 1 } else { weekday += 1 }
            }
        }
        let ratio = (weekend as f64 / 2.0) / (weekday as f64 / 5.0);
        assert!((ratio - 0.6).abs() < 1e-9, "{ratio}");
    }

    #[test]
    fn bad_values_are_named_by_key() {
        let mut r = raw();
        r.start_month = 13;
        r.start_weekday = "Friday".into();
        r.weekend_discharge_reduction = 1.0;
        r.emergency_admissions_by_month = Some(vec![1.0; 11]);
        let mut p = Problems::default();
        assert!(validate(&mut p, &r).is_none());
        let keys: Vec<&str> = p.0.iter().map(|x| x.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "calendar.start_month",
                "calendar.start_weekday",
                "calendar.emergency_admissions_by_month",
                "calendar.weekend_discharge_reduction"
            ]
        );
        let mut r = raw();
        r.start_month = 2;
        r.start_day = 29;
        let mut p = Problems::default();
        assert!(validate(&mut p, &r).is_none());
        assert_eq!(p.0[0].key, "calendar.start_day");
        let mut r = raw();
        r.emergency_admissions_by_month = Some(vec![1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
        let mut p = Problems::default();
        assert!(validate(&mut p, &r).is_none());
        assert_eq!(p.0[0].key, "calendar.emergency_admissions_by_month[2]");
    }

    /// An arrival stream with `seasonality = "emergency_admissions"` reproduces the
    /// calendar's monthly multipliers: 40 a day with day 0 on 1 April, December 1.3 and
    /// August 0.7 of the rest, over 30 years: each month's count is within 4 standard
    /// errors (Poisson) of 40 x factor x days x 30, and the annual number is kept.
    #[test]
    fn a_seasonal_arrival_stream_reproduces_the_monthly_multipliers() {
        use crate::arrivals::{ArrivalClock, ArrivalStream};
        use crate::rng::{Purpose, StreamKey};
        let mut relative = [1.0; 12];
        relative[11] = 1.3;
        relative[7] = 0.7;
        let cal = CalendarSpec::new(90, 4, relative, false, 0.0);
        let mut raw_section = raw();
        raw_section.emergency_admissions_by_month = Some(relative.to_vec());
        let mut p = Problems::default();
        let seasonality = stream_seasonality(
            &mut p,
            "arrivals.a.seasonality",
            "emergency_admissions",
            Some(&raw_section),
            Some(&cal),
        );
        assert!(p.0.is_empty(), "{:?}", p.0);
        let s = ArrivalStream {
            name: "a".into(),
            rate_per_day: 40.0,
            calendar: None,
            seasonality,
            pathway: crate::pathway::PathwayId(0),
        };
        let years = 30u64;
        let end = SimTime::from_days(365 * years);
        let mut clock = ArrivalClock::new(
            StreamKey { master_seed: 7, sample: 0, replication: 0, purpose: Purpose::Arrivals, entity: 0 }.rng(),
        );
        let mut by_month = [0u64; 12];
        let mut t = s.next_arrival(SimTime::ZERO, &mut clock);
        while t < end {
            by_month[cal.month(t)] += 1;
            t = s.next_arrival(t, &mut clock);
        }
        for (m, n) in by_month.iter().enumerate() {
            let expect = 40.0 * cal.emergency_by_month()[m] * DAYS_IN_MONTH[m] as f64 * years as f64;
            let se = expect.sqrt();
            assert!((*n as f64 - expect).abs() <= 4.0 * se, "month {m}: {n} vs {expect:.0} +- {:.0}", 4.0 * se);
        }
        let total: u64 = by_month.iter().sum();
        let expect = 40.0 * 365.0 * years as f64;
        assert!((total as f64 - expect).abs() <= 4.0 * expect.sqrt(), "{total} vs {expect}");
        assert!(by_month[11] as f64 / 31.0 > 1.7 * by_month[7] as f64 / 31.0, "December busier than August");
        // A name that is not a seasonality, or no monthly factors, is an error.
        let mut p = Problems::default();
        assert!(stream_seasonality(&mut p, "k", "winter", Some(&raw_section), Some(&cal)).is_none());
        assert!(stream_seasonality(&mut p, "k", "emergency_admissions", Some(&raw()), Some(&cal)).is_none());
        assert!(stream_seasonality(&mut p, "k", "emergency_admissions", None, None).is_none());
        assert_eq!(p.0.len(), 3, "{:?}", p.0);
    }
}
