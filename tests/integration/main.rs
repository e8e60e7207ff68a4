//! The one integration-test binary: a module per concern.

#![allow(clippy::unwrap_used)]

mod anchor_model;
mod cohort_model;
mod common;
mod docs;
mod flow_invariants;
mod layers;
mod payers;
mod payment_config;
mod payments;
mod queueing_theory;
mod reimbursement;
mod stalls;

#[cfg(feature = "parquet")]
mod analyst;
#[cfg(feature = "parquet")]
mod cli;
#[cfg(feature = "parquet")]
mod config_errors;
#[cfg(feature = "parquet")]
mod experiments;
#[cfg(feature = "parquet")]
mod output_folder;
mod report;
#[cfg(feature = "parquet")]
mod reproducibility;
