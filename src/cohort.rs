//! The cohort model's rules: a synthetic population of an area and the hazards that move
//! it (ageing, onset of long-term conditions, frailty progression, death) and that
//! generate demand (GP contacts, A&E attendances, emergency and elective admissions,
//! care home admissions, community nursing). Pure data and functions; the event
//! handlers that apply them live in [`crate::flow`].
//!
//! Parameters come from `[cohort]` in the config (every value stated and cited there).
//! Intercepts that make the generated population hit its targets are solved once at
//! validation: each condition's log-odds intercept (crude prevalence) and the Gompertz
//! level per sex (life expectancy at 65).

pub mod hazards;
pub mod population;
pub mod raw;
pub mod solve;

pub use solve::SolveCache;

use crate::money::Pence;
use crate::pathway::PathwayId;
use crate::time::{MEAN_DAYS_PER_YEAR, MINUTES_PER_DAY, SimDuration};

/// Number of five-year age bands (0-4, ..., 85-89, 90+).
pub const AGE_BANDS: usize = 19;
/// Frailty categories: fit, mild, moderate, severe.
pub const FRAILTY_LEVELS: usize = 4;
/// Frailty category names, in order.
pub const FRAILTY_NAMES: [&str; FRAILTY_LEVELS] = ["fit", "mild", "moderate", "severe"];

/// The five-year band of an age in years.
#[inline]
pub fn age_band(age_years: f64) -> usize {
    ((age_years / 5.0) as usize).min(AGE_BANDS - 1)
}

/// The standard logistic function.
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// One long-term condition's prevalence model.
#[derive(Clone, Debug)]
pub struct Condition {
    /// Name (the config key).
    pub name: String,
    /// Target crude prevalence.
    pub prevalence: f64,
    /// Solved intercept of the log-odds.
    pub intercept: f64,
    /// Log-odds per decade of age (centred on 50).
    pub per_decade: f64,
    /// Log-odds per quintile towards the most deprived (centred on quintile 3).
    pub per_imd_quintile: f64,
}

impl Condition {
    /// Log-odds of having the condition for a person's characteristics.
    #[inline]
    pub fn logit(&self, age_years: f64, imd: u8, latent: f64, loading: f64) -> f64 {
        self.intercept
            + self.per_decade * (age_years - 50.0) / 10.0
            + self.per_imd_quintile * (imd as f64 - 3.0)
            + loading * latent
    }

    /// Onset hazard per year at this age: the rate that keeps prevalence on its age
    /// curve, `dP/dage / (1 - P) = (per_decade / 10) P` (zero when prevalence falls with age).
    #[inline]
    pub fn onset_per_year(&self, age_years: f64, imd: u8, latent: f64, loading: f64) -> f64 {
        (self.per_decade.max(0.0) / 10.0) * sigmoid(self.logit(age_years, imd, latent, loading))
    }
}

/// Oldest completed age with its own row in an [`OnsetTable`]; older people use it.
const ONSET_TABLE_MAX_AGE: usize = 150;

/// How far before a birthday, in years, a person counts as having reached it: one
/// minute, the resolution of simulated time (review times are rounded to the minute).
const BIRTHDAY_TOLERANCE_YEARS: f64 = 1.0 / (MEAN_DAYS_PER_YEAR * MINUTES_PER_DAY as f64);

/// Onset hazards of every condition, piecewise constant by completed year of age.
///
/// The hazard of condition `c` is `(per_decade / 10) sigmoid(logit)` (see
/// [`Condition::onset_per_year`]), and `exp(-logit)` factors into a part fixed by
/// completed age and IMD quintile, tabulated here, and the person's latent part
/// `exp(-loading z)`. A person's hazards then take one exponential instead of one per
/// condition.
#[derive(Clone, Debug)]
pub struct OnsetTable {
    /// Hazard scale of each condition, `max(per_decade, 0) / 10` per year.
    scale: Vec<f64>,
    /// `exp(-logit)` without the latent term, by `(age * 5 + imd - 1) * conditions + c`.
    odds_against: Vec<f64>,
    /// The latent loading shared by the conditions.
    loading: f64,
}

impl OnsetTable {
    /// Tabulates the conditions of `params` for completed ages 0 to 150.
    pub fn new(params: &CohortParams) -> OnsetTable {
        let n = params.conditions.len();
        let mut odds_against = Vec::with_capacity((ONSET_TABLE_MAX_AGE + 1) * 5 * n);
        for age in 0..=ONSET_TABLE_MAX_AGE {
            for imd in 1..=5u8 {
                odds_against.extend(params.conditions.iter().map(|c| (-c.logit(age as f64, imd, 0.0, 0.0)).exp()));
            }
        }
        OnsetTable {
            scale: params.conditions.iter().map(|c| c.per_decade.max(0.0) / 10.0).collect(),
            odds_against,
            loading: params.multimorbidity_loading,
        }
    }

    /// The onset hazard per year of each condition not in `held` (bit per condition), in
    /// condition order, for a person aged `age_years` (its completed years count) in IMD
    /// quintile `imd` with latent propensity `latent`.
    pub fn hazards(&self, age_years: f64, imd: u8, latent: f64, held: u16) -> impl Iterator<Item = (usize, f64)> + '_ {
        let age = ((age_years + BIRTHDAY_TOLERANCE_YEARS).floor().max(0.0) as usize).min(ONSET_TABLE_MAX_AGE);
        let n = self.scale.len();
        let row = (age * 5 + (imd.clamp(1, 5) as usize - 1)) * n;
        let latent_odds = (-self.loading * latent).exp();
        let odds = &self.odds_against[row..row + n];
        self.scale
            .iter()
            .zip(odds)
            .enumerate()
            .filter(move |(bit, _)| held & (1 << bit) == 0)
            .map(move |(bit, (scale, odds))| (bit, if *scale > 0.0 { scale / (1.0 + odds * latent_odds) } else { 0.0 }))
    }

    /// The total onset hazard per year of the conditions not in `held`.
    pub fn total(&self, age_years: f64, imd: u8, latent: f64, held: u16) -> f64 {
        self.hazards(age_years, imd, latent, held).map(|(_, h)| h).sum()
    }
}

/// Validated cohort parameters.
#[derive(Clone, Debug)]
pub struct CohortParams {
    /// Residents.
    pub size: u32,
    /// Cumulative weights of the age bands (last = 1).
    pub age_band_cumulative: Vec<f64>,
    /// Share male per band.
    pub male_share: Vec<f64>,
    /// Cumulative weights of IMD quintiles 1..5 (last = 1).
    pub imd_cumulative: Vec<f64>,
    /// Number of GP practices.
    pub gp_practices: u16,
    /// Latent loading shared by all conditions.
    pub multimorbidity_loading: f64,
    /// Conditions (at most 16), in config order (sorted by name).
    pub conditions: Vec<Condition>,
    /// Frailty parameters.
    pub frailty: FrailtyParams,
    /// Mortality parameters.
    pub mortality: MortalityParams,
    /// Emergency admissions.
    pub emergency: EmergencyParams,
    /// A&E attendances not admitted: per year by emergency age row.
    pub ae_per_year_by_age: Vec<f64>,
    /// A&E hazard ratios by frailty.
    pub ae_frailty_hr: [f64; FRAILTY_LEVELS],
    /// A&E per year, care home residents.
    pub ae_care_home_per_year: f64,
    /// GP contacts per year by five-year band.
    pub gp_per_year_by_band: Vec<f64>,
    /// Relative increase of GP contacts per condition.
    pub gp_increase_per_condition: f64,
    /// Elective admissions per year by emergency age row.
    pub elective_per_year_by_age: Vec<f64>,
    /// Elective pathway.
    pub elective_pathway: PathwayId,
    /// Care home step-up, per year, fit 65+.
    pub care_home_per_year_fit: f64,
    /// Care home step-up hazard ratios by frailty.
    pub care_home_frailty_hr: [f64; FRAILTY_LEVELS],
    /// Care home pathway.
    pub care_home_pathway: PathwayId,
    /// Share of care home places occupied at the start.
    pub care_home_initial_occupancy: f64,
    /// Community nursing episodes per year by frailty (65+).
    pub nursing_per_year_by_frailty: [f64; FRAILTY_LEVELS],
    /// Nurse visits per week during an episode.
    pub nursing_visits_per_week: f64,
    /// Community nursing pathway.
    pub nursing_pathway: PathwayId,
    /// Admission avoidance.
    pub avoidance: AvoidanceParams,
    /// Home care package hours per week (mean, sd).
    pub home_care_hours_per_week: (f64, f64),
    /// Unit costs.
    pub costs: UnitCosts,
}

/// Frailty parameters.
#[derive(Clone, Debug)]
pub struct FrailtyParams {
    /// Target shares among 65+ (fit, mild, moderate, severe).
    pub shares_65_plus: [f64; FRAILTY_LEVELS],
    /// Latent score weight per decade of age.
    pub score_per_decade: f64,
    /// Latent score weight per condition.
    pub score_per_condition: f64,
    /// Lower ages of the progression bands.
    pub progression_from_age: Vec<f64>,
    /// Fit -> mild transitions per person-year per band.
    pub progression_per_year: Vec<f64>,
    /// Scale for later steps.
    pub later_step_scale: f64,
}

impl FrailtyParams {
    /// Rate of moving up one frailty level from `level`, per year.
    pub fn progression(&self, age_years: f64, level: u8) -> f64 {
        if level as usize >= FRAILTY_LEVELS - 1 {
            return 0.0;
        }
        let Some(i) = self.progression_from_age.iter().rposition(|a| age_years >= *a) else {
            return 0.0;
        };
        self.progression_per_year[i] * if level == 0 { 1.0 } else { self.later_step_scale }
    }
}

/// Mortality parameters: `h(x) = background + a_sex exp(b (x - 65))`, times hazard ratios.
#[derive(Clone, Debug)]
pub struct MortalityParams {
    /// Gompertz level at 65, per year: male, female (solved).
    pub gompertz_a: [f64; 2],
    /// Gompertz slope per year of age.
    pub gompertz_b: f64,
    /// Makeham term per year.
    pub background: f64,
    /// Frailty hazard ratios.
    pub frailty_hr: [f64; FRAILTY_LEVELS],
    /// Care home hazard ratio.
    pub care_home_hr: f64,
}

impl MortalityParams {
    /// Baseline hazard per year at an age, for `male`.
    #[inline]
    pub fn baseline(&self, age_years: f64, male: bool) -> f64 {
        self.background + self.gompertz_a[usize::from(!male)] * (self.gompertz_b * (age_years - 65.0)).exp()
    }
}

/// Emergency admission parameters.
#[derive(Clone, Debug)]
pub struct EmergencyParams {
    /// Lower ages of the rows.
    pub age_from: Vec<f64>,
    /// Per person-year, row per age band, columns IMD quintile 1..5.
    pub per_year: Vec<[f64; 5]>,
    /// Frailty hazard ratios.
    pub frailty_hr: [f64; FRAILTY_LEVELS],
    /// Multipliers by condition count 0, 1, ..., last = that many or more.
    pub condition_multiplier: Vec<f64>,
    /// Per year for care home residents.
    pub care_home_per_year: f64,
    /// Multiplier within the readmission window.
    pub readmission_multiplier: f64,
    /// The readmission window.
    pub readmission_window: SimDuration,
    /// Acute length-of-stay multipliers by frailty.
    pub los_multiplier_by_frailty: [f64; FRAILTY_LEVELS],
    /// Share via A&E.
    pub via_ae_share: f64,
    /// Emergency pathway.
    pub pathway: PathwayId,
}

impl EmergencyParams {
    /// The row of the age table for an age.
    #[inline]
    pub fn row(&self, age_years: f64) -> usize {
        self.age_from.iter().rposition(|a| age_years >= *a).unwrap_or(0)
    }

    /// The condition-count multiplier.
    #[inline]
    pub fn condition_factor(&self, n_conditions: u32) -> f64 {
        let i = (n_conditions as usize).min(self.condition_multiplier.len() - 1);
        self.condition_multiplier[i]
    }
}

/// Admission avoidance parameters.
#[derive(Clone, Debug)]
pub struct AvoidanceParams {
    /// Share of eligible admissions diverted when a place is free.
    pub share: f64,
    /// Minimum age.
    pub min_age: f64,
    /// Minimum frailty level.
    pub min_frailty: u8,
    /// Step-up pathway.
    pub pathway: PathwayId,
}

/// Unit costs (resource cost), with their price year.
#[derive(Clone, Debug)]
pub struct UnitCosts {
    /// Price year of every value.
    pub price_year: String,
    /// Per emergency spell: the per-spell part; its bed-days cost
    /// [`UnitCosts::acute_bed_day`] each.
    pub emergency_spell: Pence,
    /// Per elective (ordinary) spell: the per-spell part; its bed-days cost
    /// [`UnitCosts::acute_bed_day`] each.
    pub elective_spell: Pence,
    /// Per elective day case, whole (a day case uses no bed overnight).
    pub day_case: Pence,
    /// Per acute bed-day of an emergency or elective spell, whether the patient is
    /// still being treated or waiting to leave (a delayed transfer of care).
    pub acute_bed_day: Pence,
    /// Per A&E attendance.
    pub ae_attendance: Pence,
    /// Per GP contact.
    pub gp_contact: Pence,
    /// Per intermediate care bed-day.
    pub intermediate_care_day: Pence,
    /// Per reablement day.
    pub reablement_day: Pence,
    /// Per home care hour.
    pub home_care_hour: Pence,
    /// Per care home week.
    pub care_home_week: Pence,
    /// Per nurse visit.
    pub nursing_visit: Pence,
}

#[cfg(test)]
mod onset_table_tests {
    use super::*;

    fn params() -> CohortParams {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/small.toml");
        let plan = crate::config::load(&path, &Default::default()).expect("configs/small.toml loads");
        plan.scenarios[0].model.cohort.clone().expect("a cohort")
    }

    #[test]
    fn table_hazards_equal_the_formula_at_completed_ages() {
        let p = params();
        let table = OnsetTable::new(&p);
        let loading = p.multimorbidity_loading;
        for age in [0.0, 17.0, 49.0, 50.0, 65.0, 88.0, 104.0] {
            for imd in 1..=5u8 {
                for z in [-2.5, -0.3, 0.0, 1.7] {
                    let held = 0b0000_0101_0010_0001u16;
                    let got: Vec<(usize, f64)> = table.hazards(age + 0.73, imd, z, held).collect();
                    let want: Vec<(usize, f64)> = p
                        .conditions
                        .iter()
                        .enumerate()
                        .filter(|(bit, _)| held & (1 << bit) == 0)
                        .map(|(bit, c)| (bit, c.onset_per_year(age, imd, z, loading)))
                        .collect();
                    assert_eq!(got.len(), want.len());
                    for ((gb, g), (wb, w)) in got.iter().zip(&want) {
                        assert_eq!(gb, wb);
                        assert!((g - w).abs() <= 1e-12 * w.abs().max(1e-300), "age {age} imd {imd} z {z}: {g} vs {w}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_birthday_counts_from_a_minute_before() {
        let p = params();
        let table = OnsetTable::new(&p);
        let minute = 1.0 / (MEAN_DAYS_PER_YEAR * MINUTES_PER_DAY as f64);
        let at = |age: f64| table.total(age, 3, 0.4, 0);
        assert_eq!(at(70.0 - 0.5 * minute), at(70.0));
        assert_ne!(at(70.0 - 3.0 * minute), at(70.0));
        assert_eq!(at(200.0), at(150.0));
    }
}
