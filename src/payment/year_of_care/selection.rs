//! Who is in the year-of-care cohort: LTC currency bands, the selection rule (top share
//! by a risk score, band, frailty and rising-risk filters), the selection dates, and
//! enrolment spells with the person-months they give.

use crate::payment::{MonthIndex, PaymentError, check_fraction};

named_enum! {
    /// LTC currency band by number of long-term conditions (Kent \[NHSIQ-2014\]\[KENT-2015\]):
    /// B = 2, C = 3–5, D = 6–8, E = 9+. Band A (0–1) is outside the currency (ASSUMPTION,
    /// inferred from the labels).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Band {
        /// 0–1 conditions (outside the currency).
        A = 0 => "A",
        /// 2 conditions.
        B = 1 => "B",
        /// 3–5 conditions.
        C = 2 => "C",
        /// 6–8 conditions.
        D = 3 => "D",
        /// 9 or more conditions.
        E = 4 => "E",
    }
}

impl Band {
    /// The band of a person with `conditions` long-term conditions.
    pub const fn from_conditions(conditions: u8) -> Band {
        match conditions {
            0 | 1 => Band::A,
            2 => Band::B,
            3..=5 => Band::C,
            6..=8 => Band::D,
            _ => Band::E,
        }
    }
}

/// Rising-risk filter (Kent \[NHSIQ-2014\]): the score rose in `rises_required` of the
/// last `window_months` months, or a "rapid riser": rose in each of the last
/// `rapid_months` months by more than `rapid_total_points` in total.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RisingRiskParams {
    /// Months looked back: 6.
    pub window_months: usize,
    /// Monthly rises needed within the window: 4.
    pub rises_required: usize,
    /// Consecutive months of increase for a rapid riser: 3.
    pub rapid_months: usize,
    /// Total rise over those months for a rapid riser, score points (0–100): 15.
    pub rapid_total_points: f64,
}

impl Default for RisingRiskParams {
    fn default() -> Self {
        RisingRiskParams { window_months: 6, rises_required: 4, rapid_months: 3, rapid_total_points: 15.0 }
    }
}

/// True when a monthly risk score history (oldest first, score points 0–100, e.g. the
/// 12-month emergency admission probability × 100) shows rising risk.
pub fn is_rising_risk(monthly_scores_points: &[f64], params: &RisingRiskParams) -> bool {
    let n = monthly_scores_points.len();
    let changes = |months: usize| {
        let from = n.saturating_sub(months + 1);
        monthly_scores_points[from..].windows(2).map(|w| w[1] - w[0]).collect::<Vec<f64>>()
    };
    let window = changes(params.window_months);
    let rises = window.iter().filter(|d| **d > 0.0).count();
    if window.len() == params.window_months && rises >= params.rises_required {
        return true;
    }
    let rapid = changes(params.rapid_months);
    rapid.len() == params.rapid_months
        && rapid.iter().all(|d| *d > 0.0)
        && rapid.iter().sum::<f64>() > params.rapid_total_points
}

/// What the selection rule sees of a person at a selection date.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PersonAttributes {
    /// Number of long-term conditions (QOF registers).
    pub conditions: u8,
    /// Frailty level: 0 fit, 1 mild, 2 moderate, 3 severe.
    pub frailty: u8,
    /// Risk score: probability of an emergency admission in the next 12 months.
    pub risk: f64,
    /// Rising risk by [`is_rising_risk`] on the person's score history.
    pub rising_risk: bool,
}

/// Cohort selection rule (brief §3.5, §7.6). Filters combine with AND.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CohortRule {
    /// Top fraction of the **whole population** by risk (ties broken by position);
    /// `None` = no risk threshold. Default 0.02 (top 2%, Mid-Nottinghamshire \[HFMA-2016\]).
    pub top_risk_fraction: Option<f64>,
    /// Minimum LTC band. Default A (no band filter).
    pub min_band: Band,
    /// Require rising risk (Kent). Default false.
    pub require_rising_risk: bool,
    /// Minimum frailty level (e.g. 2 = moderate). Default `None`.
    pub min_frailty: Option<u8>,
}

impl Default for CohortRule {
    fn default() -> Self {
        CohortRule { top_risk_fraction: Some(0.02), min_band: Band::A, require_rising_risk: false, min_frailty: None }
    }
}

impl CohortRule {
    /// The Kent definition: band B or above with rising risk, no risk threshold
    /// (≈0.9% of the population \[NHSIQ-2014\]).
    pub fn kent() -> CohortRule {
        CohortRule { top_risk_fraction: None, min_band: Band::B, require_rising_risk: true, min_frailty: None }
    }

    /// Checks the fraction is in `[0, 1]`.
    pub fn validate(&self) -> Result<(), PaymentError> {
        if let Some(k) = self.top_risk_fraction {
            check_fraction("year_of_care.cohort.top_risk_fraction", k)?;
        }
        Ok(())
    }
}

/// The enrolment decision for each person (same order as `people`): `Some(band)` when
/// selected. The top-k% set is `round(k × N)` people with the highest risk; the other
/// filters then narrow it.
pub fn select_cohort(people: &[PersonAttributes], rule: &CohortRule) -> Vec<Option<Band>> {
    select_cohort_by(people.len(), |i| people[i], rule)
}

/// [`select_cohort`] over `n` people whose attributes `person(i)` gives on demand (no
/// vector of attributes: a cohort run selects among every living person each quarter).
/// Ties in risk go to the lower index, as in [`select_cohort`].
pub fn select_cohort_by(n: usize, person: impl Fn(usize) -> PersonAttributes, rule: &CohortRule) -> Vec<Option<Band>> {
    let mut in_top = vec![rule.top_risk_fraction.is_none(); n];
    if let Some(k) = rule.top_risk_fraction {
        let top = ((k.clamp(0.0, 1.0) * n as f64).round() as usize).min(n);
        // The `top` first people in the order "higher risk first, then lower index" (a
        // total order, so the set is unique): a partial selection, not a full sort.
        let mut order: Vec<u32> = (0..n as u32).collect();
        if top > 0 && top < n {
            let risk = |i: u32| person(i as usize).risk;
            order.select_nth_unstable_by(top, |&a, &b| risk(b).total_cmp(&risk(a)).then(a.cmp(&b)));
        }
        for &i in &order[..top] {
            in_top[i as usize] = true;
        }
    }
    in_top
        .into_iter()
        .enumerate()
        .map(|(i, top)| {
            let p = person(i);
            let band = Band::from_conditions(p.conditions);
            let ok = top
                && band >= rule.min_band
                && (!rule.require_rising_risk || p.rising_risk)
                && rule.min_frailty.is_none_or(|f| p.frailty >= f);
            ok.then_some(band)
        })
        .collect()
}

/// Months of the financial year at which people are selected and enrolled: quarterly
/// (April, July, October, January; ASSUMPTION \[brief §2.5\]).
pub const SELECTION_MONTHS_IN_YEAR: [u8; 4] = [0, 3, 6, 9];

/// True when `month` is a selection month.
pub fn is_selection_month(month: MonthIndex) -> bool {
    SELECTION_MONTHS_IN_YEAR.contains(&month.month_in_year())
}

/// One person's enrolment spell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enrolment {
    /// Person index.
    pub person: u32,
    /// Band at enrolment (fixed until re-stratification).
    pub band: Band,
    /// First enrolled run day (the first day of a selection month).
    pub start_day: u32,
    /// First day no longer enrolled: the day of death, or the first day after moving
    /// out or re-stratification; `None` while enrolled.
    pub end_day: Option<u32>,
}

/// One enrolled person-month (the unit capitation is paid on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersonMonth {
    /// Person index.
    pub person: u32,
    /// Band.
    pub band: Band,
    /// Month.
    pub month: MonthIndex,
    /// Days enrolled in the month (the month's length when enrolled throughout).
    pub enrolled_days: u32,
}

/// The person-months of `enrolment` from `first` to `last` month inclusive (skipping
/// months with no enrolled day). A person who dies on day d is enrolled up to d − 1.
pub fn person_months(enrolment: &Enrolment, first: MonthIndex, last: MonthIndex) -> Vec<PersonMonth> {
    let mut out = Vec::new();
    for m in first.0..=last.0 {
        let month = MonthIndex(m);
        let from = month.start_day().max(enrolment.start_day);
        let to = enrolment.end_day.map_or(month.end_day(), |e| e.min(month.end_day()));
        if to > from {
            out.push(PersonMonth { person: enrolment.person, band: enrolment.band, month, enrolled_days: to - from });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_from_condition_counts() {
        let got: Vec<Band> = [0, 1, 2, 3, 5, 6, 8, 9, 15].iter().map(|&n| Band::from_conditions(n)).collect();
        use Band::*;
        assert_eq!(got, vec![A, A, B, C, C, D, D, E, E]);
    }

    #[test]
    fn rising_risk_rules() {
        let p = RisingRiskParams::default();
        // Rose in 4 of the last 6 months (+1, +1, −1, +1, 0, +1): rising.
        assert!(is_rising_risk(&[10.0, 11.0, 12.0, 11.0, 12.0, 12.0, 13.0], &p));
        // Rose in 3 of 6 (+1, −1, +1, −1, +1, −1): not rising, not rapid.
        assert!(!is_rising_risk(&[10.0, 11.0, 10.0, 11.0, 10.0, 11.0, 10.0], &p));
        // Rapid riser: +5, +6, +5 = 16 > 15 over the last 3 months, with a short history.
        assert!(is_rising_risk(&[20.0, 25.0, 31.0, 36.0], &p));
        // +5, +5, +5 = 15, not more than 15.
        assert!(!is_rising_risk(&[20.0, 25.0, 30.0, 35.0], &p));
        assert!(!is_rising_risk(&[], &p));
    }

    fn person(conditions: u8, frailty: u8, risk: f64, rising_risk: bool) -> PersonAttributes {
        PersonAttributes { conditions, frailty, risk, rising_risk }
    }

    #[test]
    fn cohort_selection_top_k_and_filters() {
        // 100 people with risk i/100; top 2% = round(2) = the two highest (99 and 98).
        let people: Vec<PersonAttributes> =
            (0..100).map(|i| person((i % 10) as u8, (i % 4) as u8, i as f64 / 100.0, i % 2 == 0)).collect();
        let sel = select_cohort(&people, &CohortRule::default());
        let chosen: Vec<usize> = sel.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| i).collect();
        assert_eq!(chosen, vec![98, 99]);
        assert_eq!(sel[99], Some(Band::E)); // 9 conditions
        assert_eq!(sel[98], Some(Band::D)); // 8 conditions
        // Top 10% (90..99) and band ≥ C (3+ conditions: 93..99) and rising (even): 94, 96, 98.
        let rule = CohortRule {
            top_risk_fraction: Some(0.10),
            min_band: Band::C,
            require_rising_risk: true,
            min_frailty: None,
        };
        let chosen: Vec<usize> =
            select_cohort(&people, &rule).iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| i).collect();
        assert_eq!(chosen, vec![94, 96, 98]);
        // Add frailty ≥ moderate (i % 4 ≥ 2): 94 (2), 98 (2); 96 % 4 = 0 fails.
        let rule = CohortRule { min_frailty: Some(2), ..rule };
        let chosen: Vec<usize> =
            select_cohort(&people, &rule).iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| i).collect();
        assert_eq!(chosen, vec![94, 98]);
        // Kent: band ≥ B and rising, no threshold: even i with i % 10 ≥ 2.
        let n = select_cohort(&people, &CohortRule::kent()).iter().filter(|s| s.is_some()).count();
        assert_eq!(n, 40); // 50 even people, of whom those ending in 0 (10) are band A
        assert!(CohortRule { top_risk_fraction: Some(1.5), ..CohortRule::default() }.validate().is_err());
    }
}
