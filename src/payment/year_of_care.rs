//! NHS England "LTC Year of Care Commissioning" capitation (brief §2.5): cohort
//! selection, quarterly enrolment with exit at death, capitation per LTC band paid per
//! enrolled person-month, capitation calibrated from a baseline, service scope, the
//! budget holder and its sub-contracts, and the year-end risk corridor with a high-cost
//! outlier carve-out.

use super::ledger::{Account, Currency, Reason, Transaction};
use super::organisation::OrgId;
use super::{
    DAYS_PER_YEAR, MonthIndex, PaymentError, Scope, Service, allocate, check_fraction, check_non_negative, fraction_of,
    instalment,
};
use crate::cohort::UnitCosts;
use crate::money::Pence;
use crate::record::PersonYearTable;

/// LTC currency band by number of long-term conditions (Kent \[NHSIQ-2014\]\[KENT-2015\]):
/// B = 2, C = 3–5, D = 6–8, E = 9+. Band A (0–1) is outside the currency (ASSUMPTION,
/// inferred from the labels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Band {
    /// 0–1 conditions (outside the currency).
    A = 0,
    /// 2 conditions.
    B = 1,
    /// 3–5 conditions.
    C = 2,
    /// 6–8 conditions.
    D = 3,
    /// 9 or more conditions.
    E = 4,
}

impl Band {
    /// Every band, A first.
    pub const ALL: [Band; 5] = [Band::A, Band::B, Band::C, Band::D, Band::E];

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

    /// Index 0 (A) to 4 (E).
    pub const fn index(self) -> usize {
        self as usize
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

/// Annual capitation per band (per person-year enrolled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapitationRates {
    /// Pence per person-year, by band A–E.
    pub per_year_pence: [Pence; 5],
}

impl Default for CapitationRates {
    /// £11,630 per person-year for bands B–E before calibration (DERIVED, Kent complex
    /// cohort early findings, price year ≈2013/14 \[NHSIQ-YOC\]; brief §5, §7.7); band A 0.
    fn default() -> Self {
        let c = Pence(1_163_000);
        CapitationRates { per_year_pence: [Pence::ZERO, c, c, c, c] }
    }
}

impl CapitationRates {
    /// Capitation for one person-month: the month's twelfth of the band's annual rate
    /// ([`instalment`], so 12 full months pay exactly the annual rate), pro rata to the
    /// days enrolled in the month.
    pub fn for_person_month(&self, pm: &PersonMonth) -> Pence {
        let monthly = instalment(self.per_year_pence[pm.band.index()], pm.month.month_in_year() as u32, 12);
        let len = pm.month.length_days();
        if pm.enrolled_days >= len { monthly } else { fraction_of(monthly, pm.enrolled_days as u64, len as u64) }
    }
}

/// One baseline person-year for calibration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BaselinePersonYear {
    /// Band.
    pub band: Band,
    /// Days alive in the year.
    pub exposure_days: f64,
    /// Cost of in-scope services in the year, pence.
    pub in_scope_cost_pence: Pence,
}

/// Growth and efficiency applied to a calibrated capitation (brief §2.5: default 0 and
/// 0, ASSUMPTION).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CapitationUplift {
    /// Growth fraction.
    pub growth: f64,
    /// Efficiency fraction.
    pub efficiency: f64,
}

/// Calibrates capitation per band from baseline person-years: `Σ cost / Σ
/// (exposure_days / 365)` per band (cost per person-year of exposure), then
/// `× (1 + growth) × (1 − efficiency)`. Also returns the person-years per band; a band
/// with none gets 0 (the caller decides whether that is acceptable).
pub fn calibrate_capitation(baseline: &[BaselinePersonYear], uplift: &CapitationUplift) -> (CapitationRates, [f64; 5]) {
    let mut cost = [0i64; 5];
    let mut years = [0f64; 5];
    for r in baseline {
        cost[r.band.index()] += r.in_scope_cost_pence.0;
        years[r.band.index()] += r.exposure_days.max(0.0) / DAYS_PER_YEAR as f64;
    }
    let factor = (1.0 + uplift.growth) * (1.0 - uplift.efficiency);
    let mut rates = CapitationRates { per_year_pence: [Pence::ZERO; 5] };
    for b in 0..5 {
        if years[b] > 0.0 {
            rates.per_year_pence[b] = Pence::round_from_pence_f64(cost[b] as f64 / years[b] * factor);
        }
    }
    (rates, years)
}

/// Resource cost by service of row `row` of a person-year table, at `costs` (the same
/// mapping as the cohort model's sector costs). The row's acute spells, costed as they
/// ended (per spell and per bed-day, day cases at their own cost), count as emergency
/// acute care: the table does not split them by class. `None` if the row does not exist.
pub fn person_year_service_costs(
    table: &PersonYearTable,
    row: usize,
    costs: &UnitCosts,
) -> Option<[Pence; Service::COUNT]> {
    if row >= table.len() {
        return None;
    }
    let mut c = [Pence::ZERO; Service::COUNT];
    let f = |v: f32| v as f64;
    let ae = costs.ae_attendance.scale(table.ae_attendances[row] as f64);
    c[Service::AcuteEmergency.index()] = Pence(table.acute_cost_pence[row]) - ae;
    c[Service::AccidentAndEmergency.index()] = ae;
    c[Service::PrimaryCare.index()] = costs.gp_contact.scale(table.gp_contacts[row] as f64);
    c[Service::IntermediateCare.index()] = costs.intermediate_care_day.scale(f(table.intermediate_care_days[row]));
    c[Service::Reablement.index()] = costs.reablement_day.scale(f(table.reablement_days[row]));
    c[Service::CommunityNursing.index()] = costs.nursing_visit.scale(f(table.nursing_visits[row]));
    c[Service::HomeCare.index()] = costs.home_care_hour.scale(f(table.home_care_hours[row]));
    c[Service::CareHome.index()] = costs.care_home_week.scale(f(table.care_home_weeks[row]));
    Some(c)
}

/// Baseline person-years of the rows for which `include(row)` holds (e.g. the selected
/// cohort, or everyone in bands B–E), with in-scope cost under `scope`.
pub fn baseline_from_person_years(
    table: &PersonYearTable,
    costs: &UnitCosts,
    scope: Scope,
    include: impl Fn(usize) -> bool,
) -> Vec<BaselinePersonYear> {
    (0..table.len())
        .filter(|&i| include(i))
        .filter_map(|i| {
            let by_service = person_year_service_costs(table, i, costs)?;
            Some(BaselinePersonYear {
                band: Band::from_conditions(table.conditions[i]),
                exposure_days: table.exposure_days[i] as f64,
                in_scope_cost_pence: scope.services().map(|s| by_service[s.index()]).sum(),
            })
        })
        .collect()
}

/// The "in the currency" scope of brief §2.5: all acute PbR activity, community
/// services, mental health, reablement and adult home care; not GP services, not public
/// health, and not care homes (means-tested residential care is "include if possible").
pub fn scope_in_currency() -> Scope {
    Scope::all().without(Service::PrimaryCare).without(Service::PublicHealth).without(Service::CareHome)
}

/// [`scope_in_currency`] plus the "include if possible" column (residential care).
pub fn scope_include_if_possible() -> Scope {
    scope_in_currency().with(Service::CareHome)
}

/// Who holds the year-of-care budget (brief §2.5, \[KF-CONTRACT-2014\]).
#[derive(Clone, Debug, PartialEq)]
pub enum BudgetHolder {
    /// One provider holds the budget, delivers some services and sub-contracts the rest
    /// (default: the ICO, brief §7.6).
    PrimeProvider(OrgId),
    /// One organisation holds the budget and sub-contracts every service.
    PrimeContractor(OrgId),
    /// Several providers share the budget and the risk by fixed shares; no sub-contracts.
    Alliance(Vec<(OrgId, f64)>),
}

impl BudgetHolder {
    /// The organisations paid capitation and their weights.
    pub fn holders(&self) -> Vec<(OrgId, f64)> {
        match self {
            BudgetHolder::PrimeProvider(h) | BudgetHolder::PrimeContractor(h) => vec![(*h, 1.0)],
            BudgetHolder::Alliance(m) => m.clone(),
        }
    }

    /// Checks an alliance has members with non-negative, not all zero shares.
    pub fn validate(&self) -> Result<(), PaymentError> {
        if let BudgetHolder::Alliance(m) = self {
            for (_, s) in m {
                check_non_negative("year_of_care.alliance.share", *s)?;
            }
            if m.iter().map(|(_, s)| s).sum::<f64>() <= 0.0 {
                return Err(PaymentError::InvalidParameter {
                    name: "year_of_care.alliance",
                    reason: "no member with a positive share".into(),
                });
            }
        }
        Ok(())
    }

    /// Transactions paying `amount` (capitation or a settlement) from `payer` to the
    /// holder(s), split by alliance share so that the parts sum to `amount`.
    pub fn pay(
        &self,
        payer: OrgId,
        amount: Pence,
        account: Account,
        reason: Reason,
        month: MonthIndex,
    ) -> Vec<Transaction> {
        let holders = self.holders();
        let weights: Vec<f64> = holders.iter().map(|h| h.1).collect();
        holders
            .iter()
            .zip(allocate(amount, &weights))
            .map(|((org, _), a)| Transaction {
                payer,
                payee: *org,
                account,
                month,
                currency: Currency::YearOfCare,
                reason,
                amount: a,
            })
            .collect()
    }
}

/// How a budget holder pays its sub-contractors for in-scope activity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SubContractBasis {
    /// The activity's price under the currency the sub-contractor would otherwise be
    /// paid (tariff, per hour, ...), as supplied in [`InScopeActivity::price_pence`].
    Price,
    /// Resource cost × (1 + markup).
    CostPlus(f64),
}

impl Default for SubContractBasis {
    /// `Price` (ASSUMPTION: sub-contracts replicate the national currencies).
    fn default() -> Self {
        SubContractBasis::Price
    }
}

/// In-scope activity delivered to an enrolled person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InScopeActivity {
    /// Provider that delivered it.
    pub provider: OrgId,
    /// Service.
    pub service: Service,
    /// Month.
    pub month: MonthIndex,
    /// Price under the provider's usual currency, pence.
    pub price_pence: Pence,
    /// Resource cost, pence.
    pub resource_cost_pence: Pence,
}

/// Sub-contract payments from the budget holder to the providers that delivered in-scope
/// activity: nothing for the holder's own activity, nothing in an alliance (members keep
/// their capitation shares).
pub fn sub_contract_transactions(
    holder: &BudgetHolder,
    activity: &[InScopeActivity],
    basis: SubContractBasis,
) -> Vec<Transaction> {
    let h = match holder {
        BudgetHolder::PrimeProvider(h) | BudgetHolder::PrimeContractor(h) => *h,
        BudgetHolder::Alliance(_) => return Vec::new(),
    };
    activity
        .iter()
        .filter(|a| a.provider != h)
        .map(|a| Transaction {
            payer: h,
            payee: a.provider,
            account: Account::SubContract,
            month: a.month,
            currency: Currency::SubContract,
            reason: Reason::SubContractedActivity,
            amount: match basis {
                SubContractBasis::Price => a.price_pence,
                SubContractBasis::CostPlus(markup) => a.resource_cost_pence.scale(1.0 + markup),
            },
        })
        .collect()
}

/// One band of a risk corridor: the provider's share of the variance slice up to
/// `up_to_fraction` of the budget (from the previous band's bound).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CorridorBand {
    /// Upper bound of the slice as a fraction of the budget (`f64::INFINITY` for the last).
    pub up_to_fraction: f64,
    /// Provider's share of gains and losses in the slice.
    pub provider_share: f64,
}

/// A symmetric risk corridor on gains and losses.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskCorridor {
    /// Bands in increasing order of bound.
    pub bands: Vec<CorridorBand>,
}

impl Default for RiskCorridor {
    /// Provider bears 100% of |v| ≤ 2%, 50% of 2–4%, 20% beyond; symmetric for gains
    /// (ASSUMPTION: shape from a US Medicaid ACO contract \[MASSHEALTH\], brief §2.5).
    fn default() -> Self {
        RiskCorridor {
            bands: vec![
                CorridorBand { up_to_fraction: 0.02, provider_share: 1.0 },
                CorridorBand { up_to_fraction: 0.04, provider_share: 0.5 },
                CorridorBand { up_to_fraction: f64::INFINITY, provider_share: 0.2 },
            ],
        }
    }
}

impl RiskCorridor {
    /// Checks shares are fractions, bounds increase and the last is infinite.
    pub fn validate(&self) -> Result<(), PaymentError> {
        let mut previous = 0.0;
        for b in &self.bands {
            check_fraction("year_of_care.corridor.provider_share", b.provider_share)?;
            if b.up_to_fraction.is_nan() || b.up_to_fraction <= previous {
                return Err(PaymentError::InvalidParameter {
                    name: "year_of_care.corridor.up_to_fraction",
                    reason: "bounds must be positive and increasing".into(),
                });
            }
            previous = b.up_to_fraction;
        }
        if self.bands.last().is_none_or(|b| b.up_to_fraction.is_finite()) {
            return Err(PaymentError::InvalidParameter {
                name: "year_of_care.corridor",
                reason: "the last band must be unbounded (infinity)".into(),
            });
        }
        Ok(())
    }
}

/// A corridor settlement: how a variance is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CorridorSettlement {
    /// `actual − budget`: positive = overspend (loss), negative = underspend (gain).
    pub variance_pence: Pence,
    /// Part borne (loss) or kept (gain) by the provider, same sign as the variance.
    pub provider_share_pence: Pence,
    /// Part borne by the commissioner, same sign: the commissioner pays the holder this
    /// amount (a negative amount is a return from the holder).
    pub commissioner_share_pence: Pence,
}

/// Shares `actual − budget` by the corridor: slice `[bound_{i−1}, bound_i) × budget` of
/// |variance| goes `provider_share_i` to the provider; the commissioner takes the rest
/// (`settle_yoc`, brief §2.5). Slice bounds round once each.
pub fn settle_corridor(budget: Pence, actual: Pence, corridor: &RiskCorridor) -> CorridorSettlement {
    let variance = actual - budget;
    let magnitude = Pence(variance.0.abs());
    let mut lower = Pence::ZERO;
    let mut commissioner = Pence::ZERO;
    for b in &corridor.bands {
        let upper =
            if b.up_to_fraction.is_finite() { budget.max(Pence::ZERO).scale(b.up_to_fraction) } else { magnitude };
        let slice = (magnitude.min(upper) - lower).max(Pence::ZERO);
        commissioner += slice.scale(1.0 - b.provider_share);
        lower = lower.max(upper);
        if lower >= magnitude {
            break;
        }
    }
    let sign = if variance < Pence::ZERO { -1 } else { 1 };
    let commissioner = Pence(commissioner.0 * sign);
    CorridorSettlement {
        variance_pence: variance,
        provider_share_pence: variance - commissioner,
        commissioner_share_pence: commissioner,
    }
}

/// High-cost outlier carve-out (ASSUMPTION, brief §2.5).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutlierParams {
    /// Person-years with in-scope cost above this are carved out: £50,000.
    pub threshold_pence: Pence,
    /// The commissioner pays this fraction of an outlier's cost: 0.8.
    pub commissioner_pays_fraction: f64,
}

impl Default for OutlierParams {
    fn default() -> Self {
        OutlierParams { threshold_pence: Pence(5_000_000), commissioner_pays_fraction: 0.8 }
    }
}

/// One enrolled person's year, for settlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnrolledYear {
    /// Person index.
    pub person: u32,
    /// Capitation paid for the person in the year.
    pub capitation_pence: Pence,
    /// In-scope resource cost of the person's enrolled months.
    pub in_scope_cost_pence: Pence,
}

/// The year-end settlement of a year-of-care budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearEndSettlement {
    /// Capitation of non-outliers (the corridor's budget).
    pub budget_pence: Pence,
    /// Cost of non-outliers (the corridor's actual).
    pub actual_pence: Pence,
    /// Number of outlier person-years.
    pub outliers: u32,
    /// Outliers' in-scope cost.
    pub outlier_cost_pence: Pence,
    /// Outliers' capitation already paid.
    pub outlier_capitation_pence: Pence,
    /// Outlier carve-out payment to the holder: `fraction × outlier cost − outlier
    /// capitation` (so an outlier is paid `fraction × cost` in all; may be negative).
    pub outlier_payment_pence: Pence,
    /// Corridor on the rest.
    pub corridor: CorridorSettlement,
    /// Net payment commissioner → holder: corridor commissioner share + outlier payment.
    pub net_payment_pence: Pence,
}

/// Settles a year: outlier person-years (cost above the threshold) are carved out of
/// both budget and actual and paid at `fraction × cost` in total (ASSUMPTION on how the
/// carve-out interacts with capitation already paid); the rest goes through the corridor.
pub fn settle_year(
    enrolled: &[EnrolledYear],
    corridor: &RiskCorridor,
    outlier: Option<&OutlierParams>,
) -> YearEndSettlement {
    let mut budget = Pence::ZERO;
    let mut actual = Pence::ZERO;
    let mut outliers = 0u32;
    let mut outlier_cost = Pence::ZERO;
    let mut outlier_capitation = Pence::ZERO;
    for e in enrolled {
        if outlier.is_some_and(|o| e.in_scope_cost_pence > o.threshold_pence) {
            outliers += 1;
            outlier_cost += e.in_scope_cost_pence;
            outlier_capitation += e.capitation_pence;
        } else {
            budget += e.capitation_pence;
            actual += e.in_scope_cost_pence;
        }
    }
    let outlier_payment =
        outlier.map_or(Pence::ZERO, |o| outlier_cost.scale(o.commissioner_pays_fraction) - outlier_capitation);
    let c = settle_corridor(budget, actual, corridor);
    YearEndSettlement {
        budget_pence: budget,
        actual_pence: actual,
        outliers,
        outlier_cost_pence: outlier_cost,
        outlier_capitation_pence: outlier_capitation,
        outlier_payment_pence: outlier_payment,
        corridor: c,
        net_payment_pence: c.commissioner_share_pence + outlier_payment,
    }
}

/// The settlement as transactions from `commissioner` to the holder(s) in `month`
/// (corridor on [`Account::YocRiskShare`], carve-out on [`Account::YocOutlier`]);
/// negative amounts become holder → commissioner flows when posted.
pub fn settlement_transactions(
    s: &YearEndSettlement,
    commissioner: OrgId,
    holder: &BudgetHolder,
    month: MonthIndex,
) -> Vec<Transaction> {
    let mut t =
        holder.pay(commissioner, s.corridor.commissioner_share_pence, Account::YocRiskShare, Reason::YearEnd, month);
    t.extend(holder.pay(commissioner, s.outlier_payment_pence, Account::YocOutlier, Reason::YearEnd, month));
    t
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

    #[test]
    fn pro_rata_capitation_at_death() {
        // Band C £12,000 a year = £1,000 a month. Enrolled at the July selection date
        // (month 3, day 91), dies on day 200 (month 6 = October starts day 183; 17 days
        // enrolled of 31).
        let rates = CapitationRates {
            per_year_pence: [Pence::ZERO, Pence(1_200_000), Pence(1_200_000), Pence::ZERO, Pence::ZERO],
        };
        assert!(is_selection_month(MonthIndex(3)) && !is_selection_month(MonthIndex(4)));
        let e = Enrolment { person: 7, band: Band::C, start_day: MonthIndex(3).start_day(), end_day: Some(200) };
        assert_eq!(e.start_day, 91);
        let months = person_months(&e, MonthIndex(0), MonthIndex(11));
        assert_eq!(
            months.iter().map(|m| (m.month.0, m.enrolled_days)).collect::<Vec<_>>(),
            vec![(3, 31), (4, 31), (5, 30), (6, 17)]
        );
        let pay: Vec<Pence> = months.iter().map(|m| rates.for_person_month(m)).collect();
        // Full months £1,000; October £1,000 × 17/31 = £548.387 → £548.39.
        assert_eq!(pay, vec![Pence(100_000), Pence(100_000), Pence(100_000), Pence(54_839)]);
        // A full year enrolled pays the annual rate exactly.
        let all_year = Enrolment { person: 1, band: Band::B, start_day: 0, end_day: None };
        let total: Pence =
            person_months(&all_year, MonthIndex(0), MonthIndex(11)).iter().map(|m| rates.for_person_month(m)).sum();
        assert_eq!(total, Pence(1_200_000));
    }

    #[test]
    fn capitation_calibrated_from_baseline() {
        // Band B: £10,000 over 1 person-year + £3,000 over half a year (182.5 days):
        // £13,000 / 1.5 = £8,666.67 per person-year; with growth 3% and efficiency 2%:
        // × 1.03 × 0.98 (= × 1.0094) = £8,748.13.
        let rows = [
            BaselinePersonYear { band: Band::B, exposure_days: 365.0, in_scope_cost_pence: Pence(1_000_000) },
            BaselinePersonYear { band: Band::B, exposure_days: 182.5, in_scope_cost_pence: Pence(300_000) },
            BaselinePersonYear { band: Band::D, exposure_days: 365.0, in_scope_cost_pence: Pence(2_500_000) },
        ];
        let (r, years) = calibrate_capitation(&rows, &CapitationUplift::default());
        assert_eq!(r.per_year_pence[Band::B.index()], Pence(866_667));
        assert_eq!(r.per_year_pence[Band::D.index()], Pence(2_500_000));
        assert_eq!(r.per_year_pence[Band::C.index()], Pence::ZERO);
        assert_eq!(years[Band::B.index()], 1.5);
        let (r, _) = calibrate_capitation(&rows, &CapitationUplift { growth: 0.03, efficiency: 0.02 });
        assert_eq!(r.per_year_pence[Band::B.index()], Pence(874_813));
    }

    fn costs() -> UnitCosts {
        crate::payment::test_unit_costs()
    }

    #[test]
    fn baseline_cost_respects_scope() {
        // One person-year: 1 five-day emergency spell, 2 of its days delayed (£542.60 +
        // 5 × £313 = £2,107.60, the table's acute cost), 10 GP contacts (£350, out of
        // scope), 4 care-home weeks (£2,196, out of the "in currency" scope), 10 home
        // care hours (£137.70, in scope).
        let mut t = PersonYearTable::default();
        t.person.push(0);
        t.conditions.push(3);
        t.exposure_days.push(365.0);
        t.emergency_admissions.push(1);
        t.elective_admissions.push(0);
        t.dtoc_days.push(2.0);
        t.ae_attendances.push(0);
        t.gp_contacts.push(10);
        t.intermediate_care_days.push(0.0);
        t.reablement_days.push(0.0);
        t.nursing_visits.push(0.0);
        t.home_care_hours.push(10.0);
        t.care_home_weeks.push(4.0);
        t.acute_cost_pence.push(210_760);
        let b = baseline_from_person_years(&t, &costs(), scope_in_currency(), |_| true);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].band, Band::C);
        assert_eq!(b[0].in_scope_cost_pence, Pence(210_760 + 13_770));
        let b = baseline_from_person_years(&t, &costs(), scope_include_if_possible(), |_| true);
        assert_eq!(b[0].in_scope_cost_pence, Pence(210_760 + 13_770 + 219_600));
        assert!(person_year_service_costs(&t, 1, &costs()).is_none());
        assert!(!scope_in_currency().covers(Service::PrimaryCare));
    }

    #[test]
    fn corridor_loss_and_gain_bands() {
        let c = RiskCorridor::default();
        c.validate().unwrap();
        // Loss: budget £1,000,000, actual £1,050,000 (v = +5%). Slices: 0–2% £20,000
        // all provider; 2–4% £20,000 half each; 4–5% £10,000, 20% provider.
        // Commissioner: £0 + £10,000 + £8,000 = £18,000; provider £32,000.
        let s = settle_corridor(Pence(100_000_000), Pence(105_000_000), &c);
        assert_eq!(s.variance_pence, Pence(5_000_000));
        assert_eq!(s.commissioner_share_pence, Pence(1_800_000));
        assert_eq!(s.provider_share_pence, Pence(3_200_000));
        // Gain: actual £970,000 (v = −3%): 0–2% £20,000 kept by provider; 2–3% £10,000
        // half each. Provider keeps £25,000 and returns £5,000.
        let s = settle_corridor(Pence(100_000_000), Pence(97_000_000), &c);
        assert_eq!(s.commissioner_share_pence, Pence(-500_000));
        assert_eq!(s.provider_share_pence, Pence(-2_500_000));
        // Inside ±2%: the provider bears it all.
        let s = settle_corridor(Pence(100_000_000), Pence(101_500_000), &c);
        assert_eq!(s.commissioner_share_pence, Pence::ZERO);
        // Invalid corridors.
        assert!(
            RiskCorridor { bands: vec![CorridorBand { up_to_fraction: 0.02, provider_share: 1.0 }] }
                .validate()
                .is_err()
        );
    }

    #[test]
    fn outlier_carve_out_at_year_end() {
        // A: capitation £12,000, cost £60,000 (> £50,000: outlier); B: capitation
        // £12,000, cost £11,000. Corridor on B: gain £1,000 = 8.33% of £12,000:
        // slices £240 (provider), £240 (half: £120 commissioner), £520 (80%: £416
        // commissioner) → provider returns £536. Outlier: 0.8 × £60,000 − £12,000 =
        // £36,000 to the holder. Net £35,464 to the holder.
        let e = [
            EnrolledYear { person: 0, capitation_pence: Pence(1_200_000), in_scope_cost_pence: Pence(6_000_000) },
            EnrolledYear { person: 1, capitation_pence: Pence(1_200_000), in_scope_cost_pence: Pence(1_100_000) },
        ];
        let s = settle_year(&e, &RiskCorridor::default(), Some(&OutlierParams::default()));
        assert_eq!(s.outliers, 1);
        assert_eq!(s.corridor.commissioner_share_pence, Pence(-53_600));
        assert_eq!(s.outlier_payment_pence, Pence(3_600_000));
        assert_eq!(s.net_payment_pence, Pence(3_546_400));
        // Without carve-out: budget £24,000, actual £71,000, loss £47,000 (195.8%):
        // commissioner £0 + £240 + 0.8 × (£47,000 − £960) = £240 + £36,832 = £37,072.
        let s = settle_year(&e, &RiskCorridor::default(), None);
        assert_eq!(s.corridor.commissioner_share_pence, Pence(3_707_200));
        let t = settlement_transactions(&s, OrgId(0), &BudgetHolder::PrimeProvider(OrgId(8)), MonthIndex(11));
        assert_eq!(t.iter().map(|t| t.amount).sum::<Pence>(), Pence(3_707_200));
    }

    #[test]
    fn budget_holders_and_sub_contracts() {
        let (ccg, acute, community, ico) = (OrgId(0), OrgId(3), OrgId(4), OrgId(8));
        let act = |provider, price| InScopeActivity {
            provider,
            service: Service::AcuteEmergency,
            month: MonthIndex(1),
            price_pence: Pence(price),
            resource_cost_pence: Pence(price / 2),
        };
        let activity = [act(acute, 200_000), act(ico, 50_000), act(community, 10_000)];
        // Prime provider (ICO): pays the acute trust and the community provider at price,
        // not itself.
        let t = sub_contract_transactions(&BudgetHolder::PrimeProvider(ico), &activity, SubContractBasis::Price);
        assert_eq!(t.len(), 2);
        assert!(t.iter().all(|t| t.payer == ico && t.account == Account::SubContract));
        assert_eq!(t.iter().map(|t| t.amount).sum::<Pence>(), Pence(210_000));
        // Cost plus 10%: (100,000 + 5,000) × 1.1 = 115,500.
        let t =
            sub_contract_transactions(&BudgetHolder::PrimeProvider(ico), &activity, SubContractBasis::CostPlus(0.1));
        assert_eq!(t.iter().map(|t| t.amount).sum::<Pence>(), Pence(115_500));
        // Alliance: no sub-contracts; capitation £1,000 split 60/40 = £600 / £400.
        let alliance = BudgetHolder::Alliance(vec![(acute, 0.6), (community, 0.4)]);
        alliance.validate().unwrap();
        assert!(sub_contract_transactions(&alliance, &activity, SubContractBasis::Price).is_empty());
        let t = alliance.pay(ccg, Pence(100_000), Account::YocCapitation, Reason::PersonMonth, MonthIndex(0));
        assert_eq!(
            t.iter().map(|t| (t.payee, t.amount)).collect::<Vec<_>>(),
            vec![(acute, Pence(60_000)), (community, Pence(40_000))]
        );
        assert!(BudgetHolder::Alliance(vec![(acute, 0.0)]).validate().is_err());
    }
}
