//! The serde mirror of the `[payment]` tables. Unknown keys are errors. Every key is
//! optional: an absent key takes the default that [`crate::config::payment`] documents (from
//! the domain brief, or marked ASSUMPTION there), so a scenario or `--set` can change one
//! value without restating the rest. Values that may be a word or a number
//! (`"calibrate"` or pence, `"off"` or a fraction) stay [`toml::Value`] so validation
//! can say why a value is wrong instead of "data did not match any variant".

use serde::Deserialize;
use std::collections::BTreeMap;

/// `[payment]`: the currencies in force, who delivers what, client finances.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawPayment {
    /// Replications of the baseline pilot run for calibrated values (whole number ≥ 1).
    pub pilot_replications: Option<i64>,
    /// `"separate"`, `"better_care_fund"` or `"single_budget"`.
    pub pool: Option<String>,
    /// Services of the single budget (used when `pool = "single_budget"`).
    pub single_budget_services: Option<Vec<String>>,
    /// Service name → organisation name: who delivers the service instead of its
    /// usual provider.
    #[serde(default)]
    pub providers: BTreeMap<String, String>,
    /// `[payment.tariff]`: the episode tariff of acute trusts.
    #[serde(default)]
    pub tariff: RawTariff,
    /// `[[payment.blocks]]`: block contracts (absent: the community services block).
    pub blocks: Option<Vec<RawBlock>>,
    /// `[payment.social_care]`: how councils charge for care.
    #[serde(default)]
    pub social_care: RawSocialCare,
    /// `[payment.finances]`: how people's finances are drawn for the means test.
    #[serde(default)]
    pub finances: RawFinances,
    /// `[payment.year_of_care]`: year-of-care capitation.
    #[serde(default)]
    pub year_of_care: RawYearOfCare,
    /// `[payment.delay_reimbursement]`: Care Act reimbursement of delayed days.
    #[serde(default)]
    pub delay_reimbursement: RawDelayReimbursement,
    /// `[payment.money]`: where withheld money goes, what capacity and interventions cost.
    #[serde(default)]
    pub money: RawMoney,
}

/// `[payment.delay_reimbursement]`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawDelayReimbursement {
    /// On or off (default off).
    #[serde(default)]
    pub enabled: bool,
    /// Amount per delayed day, pence (required when enabled).
    pub pence_per_day: Option<i64>,
}

/// `[payment.money]`: money that means what it says (withheld money spent, the cost of
/// staffed capacity and of interventions).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawMoney {
    /// Where MRET and readmission deductions go: a provider's name (spent there at year
    /// end) or `"retained"` (kept by the commissioner).
    pub withheld_money_to: Option<String>,
    /// Cost of an integrated care team per enrolled year-of-care person-year, pence,
    /// incurred by the budget holder while the team's lever is on.
    pub integrated_team_cost_per_person_year_pence: Option<i64>,
    /// Cost per admission-avoidance referral (the assessment that diverts an admission),
    /// pence, incurred by the provider of the avoidance pathway's first place.
    pub admission_avoidance_cost_per_referral_pence: Option<i64>,
    /// Pool name → cost of a staffed place-day that is not in use, pence.
    #[serde(default)]
    pub empty_place_day_pence: BTreeMap<String, i64>,
}

/// `[payment.tariff]`: one HRG group priced at the reference-cost averages, and the
/// rules R2–R10 of the brief's §2.1.2.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawTariff {
    /// R1 non-elective (emergency) spell price, pence.
    pub non_elective_spell_pence: Option<i64>,
    /// R1 elective spell price, pence.
    pub elective_spell_pence: Option<i64>,
    /// R1 day-case price, pence.
    pub day_case_pence: Option<i64>,
    /// R2 non-elective trim point, days.
    pub non_elective_trimpoint_days: Option<i64>,
    /// R2 elective trim point, days.
    pub elective_trimpoint_days: Option<i64>,
    /// R2 excess bed-day price, pence per day.
    pub excess_bed_day_pence: Option<i64>,
    /// R3 fraction of the base price paid for an emergency stay under 2 days.
    pub short_stay_emergency_fraction: Option<f64>,
    /// R4 specialised top-up fraction.
    pub specialised_topup: Option<f64>,
    /// R5 market forces factor.
    pub mff: Option<f64>,
    /// R6 whether MRET applies.
    pub mret: Option<bool>,
    /// R6 fraction of emergency value above baseline that is paid.
    pub mret_rate: Option<f64>,
    /// R6 annual baseline, pence, or `"calibrate"`.
    pub mret_baseline_pence: Option<toml::Value>,
    /// R7 `"clinical_review"`, `"elective_index_unpaid"` or `"off"`.
    pub readmission: Option<String>,
    /// R7 fraction withheld under `"clinical_review"`.
    pub readmission_unpaid_fraction: Option<f64>,
    /// R7 fraction paid after a non-elective index under `"elective_index_unpaid"`.
    pub readmission_non_elective_paid_fraction: Option<f64>,
    /// R7 window, days.
    pub readmission_window_days: Option<i64>,
    /// R8 price per A&E attendance, pence.
    pub ae_attendance_pence: Option<i64>,
    /// R9 price per first outpatient attendance, pence.
    pub outpatient_first_pence: Option<i64>,
    /// R9 price per follow-up outpatient attendance, pence.
    pub outpatient_follow_up_pence: Option<i64>,
    /// R10 CQUIN fraction of contract value.
    pub cquin_fraction: Option<f64>,
    // --- money that means what it says (issue 15): MRET base year, withheld money ---
    /// R6 years from the base year of a calibrated baseline to the model year.
    pub mret_baseline_years_before_model_year: Option<i64>,
    /// R6 growth of emergency activity value per year between the base and model years.
    pub mret_baseline_growth_per_year: Option<f64>,
}

/// `[[payment.blocks]]`: one block contract.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawBlock {
    /// Services covered (all delivered by one provider). Required.
    pub services: Vec<String>,
    /// Annual value, pence, or `"calibrate"` (the default).
    pub annual_value_pence: Option<toml::Value>,
    /// Optional cap and collar on activity.
    pub cap_collar: Option<RawCapCollar>,
}

/// `cap_collar = { ... }` of a block.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCapCollar {
    /// Planned activity per year, units of the service.
    pub planned_units_per_year: f64,
    /// Activity above `cap × planned` is paid extra.
    pub cap: f64,
    /// Activity below `collar × planned` is clawed back.
    pub collar: f64,
    /// Price per unit outside the corridor, pence.
    pub marginal_price_pence: i64,
}

/// `[payment.social_care]`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawSocialCare {
    /// `"means_test"` or `"free"`.
    pub charging: Option<String>,
    /// Means test: capital below this is ignored, pence.
    pub lower_capital_limit_pence: Option<i64>,
    /// Means test: capital above this makes a self-funder, pence.
    pub upper_capital_limit_pence: Option<i64>,
    /// Means test: tariff income step of capital, pence.
    pub tariff_income_step_pence: Option<i64>,
    /// Means test: tariff income per step per week, pence.
    pub tariff_income_per_step_per_week_pence: Option<i64>,
    /// Means test: Personal Expenses Allowance per week, pence.
    pub personal_expenses_allowance_per_week_pence: Option<i64>,
    /// Means test: charge tariff income between the limits.
    pub charge_tariff_income: Option<bool>,
    /// Means test: also charge assessed income above the allowance.
    pub charge_income: Option<bool>,
    /// Free care: share of the council's cost recovered from estates.
    pub estate_recovery_fraction: Option<f64>,
}

/// `[payment.finances]`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawFinances {
    /// Share of people who own their home.
    pub home_owner_share_65_plus: Option<f64>,
    /// Home value of an owner, pence.
    pub home_value_mean_pence: Option<i64>,
    /// Share with savings above the upper capital limit.
    pub savings_above_upper_share: Option<f64>,
    /// Share with savings between the limits.
    pub savings_between_share: Option<f64>,
    /// Share of owners whose home is disregarded.
    pub home_disregarded_share: Option<f64>,
    /// Assessed weekly income, pence.
    pub weekly_income_pence: Option<i64>,
}

/// `[payment.year_of_care]`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawYearOfCare {
    /// Whether year of care is in force.
    pub enabled: Option<bool>,
    /// Top fraction of the population by risk, or `"off"`.
    pub top_risk_fraction: Option<toml::Value>,
    /// Minimum LTC band, `"A"` to `"E"`.
    pub min_band: Option<String>,
    /// Minimum frailty level (`"mild"`, `"moderate"`, `"severe"`), or `"off"`.
    pub min_frailty: Option<String>,
    /// Require rising risk (not supported: must be false).
    pub require_rising_risk: Option<bool>,
    /// `"prime_provider"`, `"prime_contractor"` or `"alliance"`.
    pub holder_kind: Option<String>,
    /// The budget holder (an organisation name) for a prime provider or contractor.
    pub holder: Option<String>,
    /// Alliance members: organisation name → share of capitation and risk, or a list of
    /// members whose shares are calibrated on the pilots.
    pub alliance: Option<RawAlliance>,
    /// `"in_currency"`, `"include_if_possible"`, or a list of services.
    pub scope: Option<toml::Value>,
    /// `"calibrate"`, or pence per person-year by band: `{ B = ..., C = ..., ... }`.
    pub capitation: Option<toml::Value>,
    /// Growth fraction applied to calibrated capitation.
    pub growth: Option<f64>,
    /// Efficiency fraction applied to calibrated capitation.
    pub efficiency: Option<f64>,
    /// Upper bounds of the corridor's bounded bands, fractions of the budget.
    pub corridor_bounds: Option<Vec<f64>>,
    /// Provider's share in each band (one more than the bounds: the last is unbounded).
    pub corridor_provider_shares: Option<Vec<f64>>,
    /// Whether high-cost outliers are carved out.
    pub outlier: Option<bool>,
    /// Outlier threshold: in-scope cost per person-year, pence.
    pub outlier_threshold_pence: Option<i64>,
    /// Fraction of an outlier's cost the commissioner pays.
    pub outlier_commissioner_pays_fraction: Option<f64>,
    /// `"price"` or `"cost_plus"`.
    pub sub_contract: Option<String>,
    /// Markup on resource cost under `"cost_plus"`.
    pub cost_plus_markup: Option<f64>,
    /// Hazard ratio on emergency admissions of enrolled people (the lever).
    pub admission_hazard_ratio: Option<f64>,
}

/// `payment.year_of_care.alliance` as written.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum RawAlliance {
    /// Fixed shares: organisation name → share of capitation and risk.
    Shares(BTreeMap<String, f64>),
    /// Members only: each one's share is its part of the enrolled people's care in the
    /// pilots (what it delivered, valued as the holder's outlay values it).
    Members(Vec<String>),
}
