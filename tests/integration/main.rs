//! The one integration-test binary: a module per concern.

mod anchor_model;
mod common;
mod flow_invariants;
mod queueing_theory;

#[cfg(feature = "parquet")]
mod cli;
#[cfg(feature = "parquet")]
mod config_errors;
#[cfg(feature = "parquet")]
mod reproducibility;
