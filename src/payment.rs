//! Payment rules: who pays whom for recorded activity, as a separate, pure pass
//! (STYLE §4 rule 11; domain brief §2).
//!
//! The engine records activity and its **resource cost**; this module turns the same
//! activity into **payment transactions** under a chosen *currency* (episode tariff,
//! block contract, social care charging, year-of-care capitation, pooled budgets). A
//! change of currency moves money between organisations and never changes resource
//! cost; only a change of activity does (brief §2, §7.8).
//!
//! | module | job | brief |
//! |---|---|---|
//! | [`organisation`] | typed registry of payers and providers; which provider delivers which service | §1, §7.5 |
//! | [`tariff`] | episode tariff rules R1–R10 (spell price, excess bed days, MFF, MRET, readmissions, A&E, outpatients, CQUIN) | §2.1 |
//! | [`block`] | block contracts: annual value paid monthly, optional cap and collar | §2.2 |
//! | [`social_care`] | council-arranged care per hour / per week with a means test, or free with estate recovery | §2.3 |
//! | [`year_of_care`] | cohort selection, enrolment, capitation, budget holder, risk corridor and outliers | §2.5 |
//! | [`pooled`] | Better Care Fund and Barker-style single budgets | §2.6 |
//! | [`ledger`] | double-entry ledger in integer pence, resource cost, surplus and public spend | §7.5 |
//! | [`finances`] | people's savings, home and income for the means test, drawn per person | §2.3 |
//! | [`spec`] | the validated `[payment]` section and the regime of one run | §7.6 |
//! | [`activity`] | the vocabulary of paid-for activity, its resource cost (the one place), the activity log of a run | §5 |
//! | [`settle`] | one year settled: route and price each activity, then the year-end passes | §2, §7.5 |
//! | [`run`] | a whole run settled year by year, client finances drawn, calibration from pilots | §7.6 |
//! | [`raw`] | the `[payment]` TOML tables (validated, with defaults, by [`crate::config::payment`]) | §7.6 |
//!
//! Every function is pure: inputs are small activity records and parameter structs, and
//! outputs are amounts or [`ledger::Transaction`]s. Money is [`Pence`]; every fractional
//! amount is rounded by [`Pence::round_from_pence_f64`] (directly, through
//! [`Pence::scale`], or through [`fraction_of`] / [`instalment`] / [`allocate`] here),
//! never by integer division.
//!
//! ## Calendar
//!
//! Payment periods are months of the NHS financial year. Day 0 of a run is 1 April
//! (ASSUMPTION, so that the 365-day years of the person-year table are financial years),
//! years have 365 days (no leap years), and months have their calendar lengths
//! (April 30 days, ..., March 31 days); see [`MonthIndex`].

pub mod activity;
pub mod block;
pub mod finances;
pub mod ledger;
pub mod organisation;
pub mod pooled;
pub mod raw;
pub mod reinvestment;
pub mod run;
pub mod settle;
pub mod social_care;
pub mod spec;
pub mod tariff;
pub mod year_of_care;

use crate::money::Pence;

/// Unit costs shared by the payment tests (the domain brief's values; acute spells split
/// into a per-spell and a per-bed-day part as in the default config).
#[cfg(test)]
pub(crate) fn test_unit_costs() -> crate::cohort::UnitCosts {
    crate::cohort::UnitCosts {
        price_year: "2015/16".into(),
        emergency_spell: Pence(54_260),
        elective_spell: Pence(249_460),
        day_case: Pence(73_800),
        acute_bed_day: Pence(31_300),
        ae_attendance: Pence(14_800),
        gp_contact: Pence(3_500),
        intermediate_care_day: Pence(20_000),
        reablement_day: Pence(3_600),
        home_care_hour: Pence(1_377),
        care_home_week: Pence(54_900),
        nursing_visit: Pence(3_200),
    }
}

/// Days in a (365-day) financial year (the run's year, see [`crate::time`]).
pub use crate::time::DAYS_PER_YEAR;

/// Month lengths of the financial year, April first (no leap years).
pub const MONTH_LENGTHS_DAYS: [u32; 12] = [30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 28, 31];

/// A month of the run: 0 = the first April, 12 = the next April, ... (payment period).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthIndex(pub u16);

impl MonthIndex {
    /// The month containing run day `day` (day 0 = 1 April of year 0).
    pub fn of_day(day: u32) -> MonthIndex {
        let year = day / DAYS_PER_YEAR;
        let mut rest = day % DAYS_PER_YEAR;
        let mut month = 0u16;
        for len in MONTH_LENGTHS_DAYS {
            if rest < len {
                break;
            }
            rest -= len;
            month += 1;
        }
        MonthIndex((year as u16) * 12 + month)
    }

    /// Financial year index (0 = the first year of the run).
    pub const fn year(self) -> u16 {
        self.0 / 12
    }

    /// Month within the financial year, 0 = April ... 11 = March.
    pub const fn month_in_year(self) -> u8 {
        (self.0 % 12) as u8
    }

    /// Run day of the first day of this month.
    pub fn start_day(self) -> u32 {
        let before: u32 = MONTH_LENGTHS_DAYS[..self.month_in_year() as usize].iter().sum();
        self.year() as u32 * DAYS_PER_YEAR + before
    }

    /// Number of days in this month.
    pub fn length_days(self) -> u32 {
        MONTH_LENGTHS_DAYS[self.month_in_year() as usize]
    }

    /// Run day one past the last day of this month.
    pub fn end_day(self) -> u32 {
        self.start_day() + self.length_days()
    }
}

/// `amount × numerator / denominator`, rounded by the one rounding rule (half away from
/// zero). A zero denominator gives zero.
pub fn fraction_of(amount: Pence, numerator: u64, denominator: u64) -> Pence {
    if denominator == 0 {
        return Pence::ZERO;
    }
    Pence::round_from_pence_f64(amount.0 as f64 * numerator as f64 / denominator as f64)
}

/// Instalment `part` (0-based) of `parts` equal instalments of `total`, so that the
/// instalments sum to `total` exactly: instalment k is
/// `round(total × (k+1)/parts) − round(total × k/parts)`. Used for monthly payments of an
/// annual value (block contracts, capitation). `part ≥ parts` gives zero.
pub fn instalment(total: Pence, part: u32, parts: u32) -> Pence {
    if part >= parts {
        return Pence::ZERO;
    }
    fraction_of(total, part as u64 + 1, parts as u64) - fraction_of(total, part as u64, parts as u64)
}

/// `total` split in proportion to non-negative `weights`, summing to `total` exactly
/// (cumulative rounding; the last share takes the remainder). All-zero or empty weights
/// put everything on the first share (or return an empty vector).
pub fn allocate(total: Pence, weights: &[f64]) -> Vec<Pence> {
    let clean: Vec<f64> = weights.iter().map(|w| if w.is_finite() && *w > 0.0 { *w } else { 0.0 }).collect();
    let sum: f64 = clean.iter().sum();
    let n = clean.len();
    if n == 0 {
        return Vec::new();
    }
    let mut out = vec![Pence::ZERO; n];
    if sum <= 0.0 {
        out[0] = total;
        return out;
    }
    let mut cumulative_weight = 0.0;
    let mut previous = Pence::ZERO;
    for (i, w) in clean.iter().enumerate() {
        cumulative_weight += w;
        let upto = if i + 1 == n { total } else { total.scale(cumulative_weight / sum) };
        out[i] = upto - previous;
        previous = upto;
    }
    out
}

named_enum! {
    /// A type of service, the unit at which providers are assigned, scopes are drawn and
    /// resource cost is reported.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Service {
        /// Emergency (non-elective) admitted care, delayed bed-days included.
        AcuteEmergency = 0 => "acute_emergency",
        /// Elective (ordinary) admitted care.
        AcuteElective = 1 => "acute_elective",
        /// Elective day cases.
        AcuteDayCase = 2 => "acute_day_case",
        /// A&E attendances.
        AccidentAndEmergency = 3 => "accident_and_emergency",
        /// Outpatient attendances.
        Outpatient = 4 => "outpatient",
        /// Intermediate care beds (step-up and step-down).
        IntermediateCare = 5 => "intermediate_care",
        /// Reablement.
        Reablement = 6 => "reablement",
        /// Community (district) nursing.
        CommunityNursing = 7 => "community_nursing",
        /// Home care (domiciliary), per hour.
        HomeCare = 8 => "home_care",
        /// Care homes (residential and nursing), per week.
        CareHome = 9 => "care_home",
        /// Primary care (GP and practice nurse).
        PrimaryCare = 10 => "primary_care",
        /// Mental health services.
        MentalHealth = 11 => "mental_health",
        /// Public health services.
        PublicHealth = 12 => "public_health",
    }
}

impl Service {
    /// True for hospital (acute trust) services.
    pub const fn is_acute(self) -> bool {
        matches!(
            self,
            Service::AcuteEmergency
                | Service::AcuteElective
                | Service::AcuteDayCase
                | Service::AccidentAndEmergency
                | Service::Outpatient
        )
    }

    /// True for services a council commissions when budgets are separate (adult social
    /// care and public health, brief §1, §2.3); the rest are commissioned by the CCG.
    /// Reablement is council-commissioned here (brief §2.5 lists it under social care).
    pub const fn council_commissioned(self) -> bool {
        matches!(self, Service::Reablement | Service::HomeCare | Service::CareHome | Service::PublicHealth)
    }
}

/// A set of services (the scope of a capitated budget or a pooled fund).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    bits: u16,
}

impl Scope {
    /// No service.
    pub const EMPTY: Scope = Scope { bits: 0 };

    /// Every service.
    pub fn all() -> Scope {
        Scope::of(&Service::ALL)
    }

    /// Exactly these services.
    pub fn of(services: &[Service]) -> Scope {
        let mut s = Scope::EMPTY;
        for &x in services {
            s = s.with(x);
        }
        s
    }

    /// This scope plus `service`.
    pub const fn with(self, service: Service) -> Scope {
        Scope { bits: self.bits | (1 << service as u16) }
    }

    /// This scope less `service`.
    pub const fn without(self, service: Service) -> Scope {
        Scope { bits: self.bits & !(1 << service as u16) }
    }

    /// True when `service` is in scope.
    pub const fn covers(self, service: Service) -> bool {
        self.bits & (1 << service as u16) != 0
    }

    /// The services in scope, in code order.
    pub fn services(self) -> impl Iterator<Item = Service> {
        Service::ALL.into_iter().filter(move |s| self.covers(*s))
    }
}

/// An invalid payment parameter or input, named by its field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PaymentError {
    /// A parameter is outside its valid range; fix the named value and call again.
    #[error("payment parameter {name} is invalid: {reason}")]
    InvalidParameter {
        /// Field name, e.g. `mret.rate`.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// No provider is assigned to a service that has activity; assign one in the
    /// [`organisation::ServiceMap`].
    #[error("no provider is assigned to service {0}")]
    NoProvider(&'static str),
    /// An organisation id is not in the registry.
    #[error("organisation id {0} is not in the registry")]
    UnknownOrganisation(u16),
}

/// Checks that `value` is a finite fraction in `[0, 1]`.
pub(crate) fn check_fraction(name: &'static str, value: f64) -> Result<(), PaymentError> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(PaymentError::InvalidParameter { name, reason: format!("{value} is not a fraction in [0, 1]") })
    }
}

/// Checks that `value` is finite and non-negative.
pub(crate) fn check_non_negative(name: &'static str, value: f64) -> Result<(), PaymentError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(PaymentError::InvalidParameter { name, reason: format!("{value} is not a finite non-negative number") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_calendar_months() {
        // April has 30 days: day 29 is 30 April, day 30 is 1 May.
        assert_eq!(MonthIndex::of_day(29), MonthIndex(0));
        assert_eq!(MonthIndex::of_day(30), MonthIndex(1));
        // March: 365 − 31 = 334 is 1 March; 364 is 31 March; 365 is April of year 1.
        assert_eq!(MonthIndex::of_day(334), MonthIndex(11));
        assert_eq!(MonthIndex::of_day(364), MonthIndex(11));
        assert_eq!(MonthIndex::of_day(365), MonthIndex(12));
        assert_eq!(MonthIndex(12).year(), 1);
        assert_eq!(MonthIndex(13).start_day(), 365 + 30);
        assert_eq!(MonthIndex(10).length_days(), 28);
        assert_eq!(MONTH_LENGTHS_DAYS.iter().sum::<u32>(), DAYS_PER_YEAR);
        for d in 0..800 {
            let m = MonthIndex::of_day(d);
            assert!(m.start_day() <= d && d < m.end_day(), "day {d} month {m:?}");
        }
    }

    #[test]
    fn instalments_sum_exactly() {
        // £100.00 in 12 instalments: 10000/12 = 833.33..; cumulative rounding gives
        // 833, 834, 833, 833, 834, 833, ... and the total is exactly 10000.
        let parts: Vec<Pence> = (0..12).map(|k| instalment(Pence(10_000), k, 12)).collect();
        assert_eq!(parts[0], Pence(833));
        assert_eq!(parts[1], Pence(834)); // round(1666.67) − 833 = 1667 − 833
        assert_eq!(parts.iter().copied().sum::<Pence>(), Pence(10_000));
        assert_eq!(instalment(Pence(10_000), 12, 12), Pence::ZERO);
        for total in [1, 7, 11, 999_999, -12_345] {
            let s: Pence = (0..12).map(|k| instalment(Pence(total), k, 12)).sum();
            assert_eq!(s, Pence(total));
        }
    }

    #[test]
    fn allocation_sums_exactly_and_is_proportional() {
        // 100p in thirds: 33, 34 (round(66.67) − 33), 33.
        assert_eq!(allocate(Pence(100), &[1.0, 1.0, 1.0]), vec![Pence(33), Pence(34), Pence(33)]);
        assert_eq!(allocate(Pence(-100), &[3.0, 1.0]), vec![Pence(-75), Pence(-25)]);
        assert_eq!(allocate(Pence(5), &[0.0, 0.0]), vec![Pence(5), Pence(0)]);
        assert!(allocate(Pence(5), &[]).is_empty());
    }

    #[test]
    fn scopes() {
        let s = Scope::of(&[Service::HomeCare, Service::CareHome]);
        assert!(s.covers(Service::HomeCare) && !s.covers(Service::AcuteEmergency));
        assert_eq!(s.services().count(), 2);
        assert_eq!(s.without(Service::HomeCare).services().collect::<Vec<_>>(), vec![Service::CareHome]);
        assert_eq!(Scope::all().services().count(), Service::COUNT);
        for (i, s) in Service::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
    }

    #[test]
    fn fraction_checks() {
        assert!(check_fraction("x", 0.3).is_ok());
        assert!(check_fraction("x", 1.3).is_err());
        assert!(check_fraction("x", f64::NAN).is_err());
        assert!(check_non_negative("x", -0.1).is_err());
    }
}
