//! What is made of finished runs: each run's digest and per-pool metrics ([`digest`]),
//! area-level activity and money ([`area`]), summaries across replications and paired
//! differences between scenarios ([`compare`]), and the calibration measures
//! ([`calibration`]), and the warnings a reader of the end-of-run tables needs
//! ([`warnings`]).

pub mod area;
pub mod calibration;
pub mod compare;
pub mod delay_calibration;
pub mod digest;
pub mod money_targets;
pub mod warnings;
