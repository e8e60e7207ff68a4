//! # caresim
//!
//! A discrete-event simulator of patient flow through acute (hospital), community and
//! social care, with finite capacity and blocking after service: when the next service
//! is full, a patient keeps the hospital bed they hold and waits — a *delayed transfer
//! of care* (DToC).
//!
//! ## Concepts
//!
//! - **Pool**: a set of places (beds, caseload slots, care-home places) with a capacity
//!   (or unlimited) and a behaviour when full: *queue* or *turn away*.
//! - **Pathway**: data, not code. A set of *steps*; each step is a stay in a pool for a
//!   sampled time, then a probabilistic route to another step or out.
//! - **Arrival stream**: Poisson arrivals per day, optionally shaped by a weekly or
//!   daily calendar, starting patients on a pathway.
//! - **Episode**: one stay in one pool: requested, admitted, ready, left. Its *wait* is
//!   admitted − requested; its *blocked* time is left − ready.
//! - **Run**: one replication of one scenario (and parameter sample), keyed by
//!   [`record::RunKey`]. Random streams depend on the seed, sample, replication and
//!   purpose — never on the scenario — so scenarios are compared on common random
//!   numbers.
//!
//! ## Quick start
//!
//! ```
//! use caresim::{config, experiment, flow};
//! # let dir = std::env::temp_dir().join(format!("caresim-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("mm1.toml");
//! std::fs::write(&path, r#"
//!     seed = 1
//!     replications = 2
//!     horizon_days = 200
//!     warmup_days = 20
//!     [pools.ward]
//!     capacity = 1
//!     [arrivals.walk_in]
//!     rate_per_day = 0.5
//!     pathway = "visit"
//!     [pathways.visit]
//!     start = "stay"
//!     steps.stay = { pool = "ward", stay = { dist = "exponential", mean_days = 1.0 } }
//! "#).unwrap();
//! let plan = config::load(&path, &config::Overrides::default()).unwrap();
//! let digests = experiment::run_all::<std::io::Error, _, _>(
//!     &plan, plan.run_settings(false), 1, |_, _| Ok(()), |_| {}).unwrap();
//! assert_eq!(digests.len(), 2);
//! let ward = &digests[0].pools[0];
//! assert!(ward.mean_occupied() > 0.2 && ward.mean_occupied() < 0.8); // rho = 0.5
//! ```
//!
//! ## Module map (lowest layer first; a module uses only those above it)
//!
//! | layer | modules |
//! |---|---|
//! | units | [`time`], [`money`], [`rng`] |
//! | engine | [`engine`] (domain-free pending-event set) |
//! | rules | [`dist`], [`capacity`], [`pathway`], [`arrivals`], [`cohort`] (population and hazards), [`model`], [`config`], [`stats`], [`payment`] (currencies and ledger, pure) |
//! | model | [`flow`] (event handlers and the replication loop, the cohort's included) |
//! | runs | [`record`], [`experiment`], [`shard`], [`compare`], [`warmup`], [`calibration`] |
//! | edges | `output` and `merge` (Parquet, feature `parquet`) and the `caresim` binary |

#![deny(missing_docs)]

pub mod arrivals;
pub mod calibration;
pub mod capacity;
pub mod cohort;
pub mod compare;
pub mod config;
pub mod dist;
pub mod economy;
pub mod engine;
pub mod experiment;
pub mod flow;
pub mod model;
pub mod money;
pub mod pathway;
pub mod payment;
pub mod record;
pub mod rng;
pub mod shard;
pub mod stats;
pub mod time;
pub mod warmup;
pub mod warnings;

#[cfg(feature = "parquet")]
pub mod merge;
#[cfg(feature = "parquet")]
pub mod output;
