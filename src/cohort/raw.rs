//! The serde mirror of the `[cohort]` tables. Every value is required so that a config
//! states (and cites) every default it uses; unknown keys are errors.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `[cohort]`: the synthetic population of the area and its hazards.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCohort {
    /// Size and structure of the population.
    pub population: RawPopulation,
    /// Long-term conditions by name.
    pub conditions: BTreeMap<String, RawCondition>,
    /// Frailty (electronic frailty index categories).
    pub frailty: RawFrailty,
    /// Mortality.
    pub mortality: RawMortality,
    /// Emergency admissions.
    pub emergency: RawEmergency,
    /// A&E attendances that do not lead to admission.
    pub ae: RawAe,
    /// GP and practice nurse contacts.
    pub gp: RawGp,
    /// Elective admissions.
    pub elective: RawElective,
    /// Care home admissions from the community (step-up).
    pub care_home: RawCareHome,
    /// Community nursing episodes.
    pub community_nursing: RawNursing,
    /// Admission avoidance through step-up intermediate care.
    pub admission_avoidance: RawAvoidance,
    /// Home care packages.
    pub home_care: RawHomeCare,
    /// Unit costs (resource cost), in pence.
    pub costs: RawCosts,
}

/// `[cohort.population]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawPopulation {
    /// Residents.
    pub size: i64,
    /// Relative weights of the 19 five-year age bands 0-4, 5-9, ..., 85-89, 90+.
    pub age_band_weights: Vec<f64>,
    /// Share male in each of the 19 bands.
    pub male_share_by_band: Vec<f64>,
    /// Relative weights of deprivation quintiles 1 (least deprived) to 5 (most).
    pub imd_weights: Vec<f64>,
    /// GP practices the population is registered with (assigned uniformly).
    pub gp_practices: i64,
    /// Loading of a person-level latent propensity on every condition's log-odds
    /// (induces multimorbidity clustering beyond age and deprivation).
    pub multimorbidity_loading: f64,
}

/// `[cohort.conditions.NAME]`: prevalence model `logit P = a + b (age - 50)/10 + c (imd - 3) + loading z`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    /// Crude prevalence in the generated population (the intercept `a` is solved for it).
    pub prevalence: f64,
    /// Change in log-odds per decade of age.
    pub logit_per_decade: f64,
    /// Change in log-odds per quintile towards the most deprived.
    pub logit_per_imd_quintile: f64,
}

/// `[cohort.frailty]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawFrailty {
    /// Shares fit, mild, moderate, severe among people aged 65+.
    pub shares_65_plus: Vec<f64>,
    /// Weight of age (per decade) in the latent frailty score.
    pub score_per_decade: f64,
    /// Weight of each long-term condition in the latent frailty score.
    pub score_per_condition: f64,
    /// Lower ages of the bands of the fit -> frail transition rates.
    pub progression_from_age: Vec<f64>,
    /// Fit -> any frailty transitions per 1,000 person-years, per band.
    pub progression_per_1000_py: Vec<f64>,
    /// Scale of the same rates for mild -> moderate and moderate -> severe.
    pub later_step_scale: f64,
}

/// `[cohort.mortality]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawMortality {
    /// Period life expectancy at 65, men, years (Gompertz `a` is solved for it).
    pub life_expectancy_65_male: f64,
    /// Period life expectancy at 65, women, years.
    pub life_expectancy_65_female: f64,
    /// Years for the Gompertz hazard to double.
    pub doubling_years: f64,
    /// Age-independent background hazard per year (Makeham term).
    pub background_per_year: f64,
    /// Hazard ratios fit, mild, moderate, severe (normalised to keep age-sex mortality).
    pub frailty_hr: Vec<f64>,
    /// Hazard ratio for care home residents.
    pub care_home_hr: f64,
}

/// `[cohort.emergency]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawEmergency {
    /// Lower ages of the rows of `per_1000_by_age_imd`.
    pub age_band_from: Vec<f64>,
    /// Admissions per 1,000 per year: a row per age band, columns IMD quintile 1..5.
    pub per_1000_by_age_imd: Vec<Vec<f64>>,
    /// Hazard ratios fit, mild, moderate, severe.
    pub frailty_hr: Vec<f64>,
    /// Multipliers for 0, 1, 2, 3, 4+ conditions.
    pub condition_multiplier: Vec<f64>,
    /// Admissions per year of care home residents (replaces the table).
    pub care_home_per_year: f64,
    /// Hazard multiplier in the window after a discharge (readmission risk).
    pub readmission_multiplier: f64,
    /// Length of that window, days.
    pub readmission_window_days: f64,
    /// Multipliers of the acute length of stay by frailty (fit, mild, moderate, severe).
    pub los_multiplier_by_frailty: Vec<f64>,
    /// Share of emergency admissions that come through A&E (each counts an attendance).
    pub via_ae_share: f64,
    /// The pathway an emergency admission starts.
    pub pathway: String,
}

/// `[cohort.ae]`: attendances not admitted.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawAe {
    /// Per person-year, one per row of `emergency.age_band_from`.
    pub per_year_by_age: Vec<f64>,
    /// Hazard ratios fit, mild, moderate, severe.
    pub frailty_hr: Vec<f64>,
    /// Per person-year for care home residents.
    pub care_home_per_year: f64,
}

/// `[cohort.gp]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawGp {
    /// Contacts per person-year by five-year age band (19 values).
    pub contacts_per_year_by_band: Vec<f64>,
    /// Relative increase per long-term condition.
    pub increase_per_condition: f64,
}

/// `[cohort.elective]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawElective {
    /// Per person-year, one per row of `emergency.age_band_from`.
    pub per_year_by_age: Vec<f64>,
    /// The pathway an elective admission starts.
    pub pathway: String,
}

/// `[cohort.care_home]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCareHome {
    /// Step-up admissions per person-year, fit people aged 65+ at home.
    pub per_year_65_plus_fit: f64,
    /// Hazard ratios fit, mild, moderate, severe.
    pub frailty_hr: Vec<f64>,
    /// The pathway a step-up care home admission starts (its first pool is the care
    /// home pool, which is also filled at the start).
    pub pathway: String,
    /// Share of the care home pool's places occupied by residents at the start.
    pub initial_occupancy: f64,
}

/// `[cohort.community_nursing]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawNursing {
    /// Episodes per person-year by frailty (fit, mild, moderate, severe), people aged 65+.
    pub per_year_by_frailty: Vec<f64>,
    /// Visits per week during an episode.
    pub visits_per_week: f64,
    /// The pathway an episode starts.
    pub pathway: String,
}

/// `[cohort.admission_avoidance]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawAvoidance {
    /// Share of eligible emergency admissions offered step-up care instead (0 = off).
    pub share: f64,
    /// Minimum age to be eligible.
    pub min_age: f64,
    /// Minimum frailty to be eligible: 0 fit, 1 mild, 2 moderate, 3 severe.
    pub min_frailty: i64,
    /// The step-up pathway (taken only if its first pool has a free place).
    pub pathway: String,
}

/// `[cohort.home_care]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawHomeCare {
    /// Mean hours per week of a package.
    pub hours_per_week_mean: f64,
    /// Standard deviation of hours per week (gamma).
    pub hours_per_week_sd: f64,
}

/// `[cohort.costs]`: unit costs in pence, with their price year.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    /// The price year of all values, e.g. "2016/17".
    pub price_year: String,
    /// Per emergency spell: the per-spell part, before its bed-days.
    pub emergency_spell_pence: i64,
    /// Per elective (ordinary) spell: the per-spell part, before its bed-days.
    pub elective_spell_pence: i64,
    /// Per elective day case (no bed-day part).
    pub day_case_pence: i64,
    /// Per acute bed-day of an emergency or elective spell, delayed days included.
    pub acute_bed_day_pence: i64,
    /// Per A&E attendance.
    pub ae_attendance_pence: i64,
    /// Per GP or nurse contact.
    pub gp_contact_pence: i64,
    /// Per intermediate care bed-day.
    pub intermediate_care_day_pence: i64,
    /// Per reablement day.
    pub reablement_day_pence: i64,
    /// Per home care hour.
    pub home_care_hour_pence: i64,
    /// Per care home week.
    pub care_home_week_pence: i64,
    /// Per community nurse visit.
    pub nursing_visit_pence: i64,
}
