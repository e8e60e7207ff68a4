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
//! ## Layers
//!
//! The one layer table of the crate (DESIGN.md describes the intent; this table is the
//! rule). Modules are listed lowest first: a module may use only the modules listed
//! before it (in an earlier row, or earlier in its own row), so the library's modules
//! import each other in no cycle. The test `layers` (tests/integration/layers.rs)
//! reads this table and checks every `crate::` path in `src/` against it.
//!
//! | layer | modules | job |
//! |---|---|---|
//! | units | [`time`], [`money`], [`rng`], [`stats`] | integer time and pence, keyed random streams, statistics (intervals, runs needed, MSER-5) |
//! | engine | [`engine`] | domain-free pending-event set keyed `(time, seq)`; no health words |
//! | flow rules | [`dist`], [`capacity`], [`pathway`], [`arrivals`] | distributions, pools, pathways, arrival streams: pure, no event loop |
//! | record | [`record`] | a run's key and tables: what the model measured, before any file format |
//! | care and money rules | [`cohort`], [`payment`] | the cohort's population and hazards; the payment rules, the vocabulary of paid-for activity and its resource cost ([`payment::activity`]) and the settlement pass: pure, no event loop |
//! | config | [`config`] | raw TOML to validated models and run settings, with every problem reported by key |
//! | model | [`flow`] | event handlers and one replication (the cohort's included); records activity |
//! | summary | [`summary`] | run digests, area metrics, summaries across replications, paired comparisons, calibration measures |
//! | experiment | [`experiment`] | the runner, payment calibration pilots, each run's settlement, shards |
//! | edges | `output` | Parquet tables and the merge of shards (polars, feature `parquet`); the `caresim` binary (`src/bin/caresim`: clap, indicatif) sits above the library |

#![deny(missing_docs)]

pub mod arrivals;
pub mod capacity;
pub mod cohort;
pub mod config;
pub mod dist;
pub mod engine;
pub mod experiment;
pub mod flow;
pub mod money;
pub mod pathway;
pub mod payment;
pub mod record;
pub mod rng;
pub mod stats;
pub mod summary;
pub mod time;

#[cfg(feature = "parquet")]
pub mod output;
