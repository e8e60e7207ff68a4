//! What is made of finished runs: each run's digest and per-pool metrics ([`digest`]),
//! area-level activity and money ([`area`]), summaries across replications and paired
//! differences between scenarios ([`compare`]), and the calibration measures
//! ([`calibration`]).

pub mod area;
pub mod calibration;
pub mod compare;
pub mod digest;
