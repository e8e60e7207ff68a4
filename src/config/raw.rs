//! The serde layer: a one-to-one mirror of the TOML model tables. Unknown keys are
//! errors. Numbers stay as written (signed, float) so the validation layer can say
//! *why* a value is wrong instead of "expected u32".

use crate::capacity::{CapacityUnit, DelayReason, Responsible, Setting, WhenFull};
use crate::pathway::Hold;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The model part of a config file: pools, arrival streams, pathways, and optionally the
/// cohort and its payments.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    /// Capacity pools by name.
    #[serde(default)]
    pub pools: BTreeMap<String, RawPool>,
    /// Background arrival streams by name.
    #[serde(default)]
    pub arrivals: BTreeMap<String, RawArrival>,
    /// Pathways by name.
    #[serde(default)]
    pub pathways: BTreeMap<String, RawPathway>,
    /// The synthetic population and its hazards (absent: background arrivals only).
    pub cohort: Option<crate::cohort::raw::RawCohort>,
    /// Who pays whom (absent: resource cost only). Needs `cohort`.
    pub payment: Option<crate::payment::raw::RawPayment>,
    /// The calendar: seasonality, weekday electives, weekend discharges.
    pub calendar: Option<crate::config::calendar::RawCalendarSection>,
    /// Self-funded care home placements filling most care home places.
    pub self_funded_placements: Option<crate::config::self_funded::RawSelfFunded>,
}

/// `[pools.NAME]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    /// Places: a whole number of at least 1, or `"unlimited"`. Required.
    pub capacity: toml::Value,
    /// `"queue"` (default) or `"turn_away"`.
    #[serde(default)]
    pub when_full: WhenFull,
    /// The kind of care the pool provides (for costs and person-year activity).
    #[serde(default)]
    pub setting: Setting,
    /// Why a patient blocked waiting for this pool is delayed.
    #[serde(default)]
    pub delay_reason: DelayReason,
    /// The organisation responsible for such a delay.
    #[serde(default)]
    pub responsible: Responsible,
    /// What `capacity` counts: `"places"` (default) or `"carer_hours_per_week"`.
    #[serde(default)]
    pub capacity_unit: CapacityUnit,
    /// For a pool of carer hours: the size of a package (gamma, hours a week).
    pub package_hours_per_week: Option<RawPackageHours>,
    /// How long a request waits before it is given up (reneging); absent: for ever.
    pub renege_after: Option<RawDist>,
}

/// `package_hours_per_week = { mean = .., sd = .. }`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawPackageHours {
    /// Mean carer hours a week.
    pub mean: f64,
    /// Standard deviation, hours a week.
    pub sd: f64,
}

/// One entry of `process_delays`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawProcessDelay {
    /// The reason recorded while the process runs.
    pub reason: DelayReason,
    /// The organisation responsible.
    pub responsible: Responsible,
    /// Probability that it applies.
    pub p: f64,
    /// How long it takes.
    pub duration: RawDist,
    /// Destinations (step names or `"exit"`) it applies to; absent: all.
    pub to: Option<Vec<String>>,
}

/// `[arrivals.NAME]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawArrival {
    /// Poisson arrivals per day (>= 0; 0 switches the stream off).
    pub rate_per_day: f64,
    /// The pathway arrivals start on.
    pub pathway: String,
    /// Optional multipliers of the rate.
    pub calendar: Option<RawCalendar>,
    /// Optional seasonality: `"emergency_admissions"` multiplies the rate by the model
    /// calendar's monthly factors of emergency demand (needs `[calendar]`).
    pub seasonality: Option<String>,
}

/// A calendar: exactly one of the two keys.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    /// Seven multipliers, day 0 of the run first.
    pub day_of_week: Option<Vec<f64>>,
    /// Twenty-four multipliers, midnight-1am first.
    pub hour_of_day: Option<Vec<f64>>,
}

/// `[pathways.NAME]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawPathway {
    /// Name of the first step.
    pub start: String,
    /// Steps by name.
    pub steps: BTreeMap<String, RawStep>,
    /// Planned admissions: cancel when the first pool is full and ask again this many
    /// days later (absent: wait for a place).
    pub rebook_when_full_days: Option<f64>,
}

/// `[pathways.NAME.steps.STEP]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// The pool this step needs a place in.
    pub pool: String,
    /// Length of stay once admitted.
    pub stay: RawDist,
    /// Waiting-list priority, 0 (first, default) to 7.
    #[serde(default)]
    pub priority: i64,
    /// Routing when the stay ends; absent means everyone exits.
    #[serde(default)]
    pub next: Vec<RawRoute>,
    /// Routing by frailty for people of the cohort (tables `fit`, `mild`, `moderate`,
    /// `severe`); overrides `next` for them.
    pub next_by_frailty: Option<BTreeMap<String, Vec<RawRoute>>>,
    /// How long a person of the cohort keeps the place: `"stay"` (the sampled stay,
    /// in the place; default), `"package"` (the sampled stay, at home, alongside other
    /// care) or `"until_death"` (a care home placement).
    #[serde(default)]
    pub hold: Hold,
    /// Processes between medically ready and leaving, in order.
    #[serde(default)]
    pub process_delays: Vec<RawProcessDelay>,
    /// Discharge to assess: assessments of this (acute) step happen after discharge.
    #[serde(default)]
    pub discharge_to_assess: bool,
    /// Multiplier on assessment durations (a trusted assessor); 1 = none.
    #[serde(default = "one")]
    pub assessment_multiplier: f64,
}

fn one() -> f64 {
    1.0
}

/// One routing choice.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    /// A step name of the same pathway, or `"exit"`.
    pub to: String,
    /// Probability in [0, 1]; all choices of a step sum to 1.
    pub p: f64,
}

/// A duration distribution, tagged by `dist`.
#[derive(Debug, Deserialize, Clone)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawDist {
    /// Exponential.
    Exponential {
        /// Mean, days.
        mean_days: f64,
    },
    /// Lognormal by mean and sd.
    Lognormal {
        /// Mean, days.
        mean_days: f64,
        /// Standard deviation, days.
        sd_days: f64,
    },
    /// Gamma by mean and sd.
    Gamma {
        /// Mean, days.
        mean_days: f64,
        /// Standard deviation, days.
        sd_days: f64,
    },
    /// A constant.
    Fixed {
        /// Days.
        days: f64,
    },
    /// A discrete table.
    Empirical {
        /// The values, days.
        days: Vec<f64>,
        /// Relative weights (equal when absent).
        weights: Option<Vec<f64>>,
    },
}
