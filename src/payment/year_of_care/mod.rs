//! NHS England "LTC Year of Care Commissioning" capitation (brief §2.5), one job per
//! module:
//!
//! * [`selection`]: LTC bands, the cohort rule, selection dates, enrolment spells;
//! * [`risk_model`]: the risk score a commissioner can compute: a logistic model of
//!   next-year emergency admission fitted on observable history, with its
//!   discrimination (C-statistic) and positive predictive value;
//! * [`enrolment`]: annual re-stratification and quarterly top-up, so the cohort stays
//!   at the configured share of the population;
//! * [`capitation`]: capitation per band, its calibration, and who funds it;
//! * [`holder`]: the budget holder and its sub-contracts;
//! * [`corridor`]: the year-end risk corridor and the high-cost outlier carve-out.

pub mod capitation;
pub mod corridor;
pub mod enrolment;
pub mod holder;
pub mod risk_model;
pub mod selection;

pub use capitation::*;
pub use corridor::*;
pub use enrolment::*;
pub use holder::*;
pub use risk_model::*;
pub use selection::*;
