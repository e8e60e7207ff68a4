//! The serde layer: a one-to-one mirror of the TOML model tables. Unknown keys are
//! errors. Numbers stay as written (signed, float) so the validation layer can say
//! *why* a value is wrong instead of "expected u32".

use crate::capacity::{DelayReason, Responsible, Setting, WhenFull};
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
    pub calendar: Option<crate::calendar::RawCalendarSection>,
    /// Self-funded care home placements filling most care home places.
    pub self_funded_placements: Option<crate::self_funded::RawSelfFunded>,
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
