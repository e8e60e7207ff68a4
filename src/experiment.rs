//! Running an experiment: every (scenario, sample, replication) of a plan, in parallel
//! across runs ([`runner`]: the job list, threads and digests), the payment calibration
//! pilots beside them ([`pilots`], [`gate`]), each run's settlement ([`settle`]), and
//! fixed slices of the grid for independent processes ([`shard`]).

mod gate;
mod pilots;
mod runner;
mod settle;
pub mod shard;

pub use pilots::{PilotGroup, PilotPass, PilotPlan, calibrate_payments, pilot_plan};
pub use runner::*;
pub use settle::settle_output;
use settle::window_days;
