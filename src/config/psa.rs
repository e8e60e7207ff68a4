//! Probabilistic sensitivity analysis (PSA) and parameter sweeps.
//!
//! Any numeric model value may be written as a **parameter distribution** instead of a
//! number, e.g. `rate_per_day = { dist = "gamma", mean = 30, sd = 3 }`, or as a **sweep**
//! over listed values, `capacity = { dist = "sweep", values = [200, 250, 300] }`.
//! `samples = N` (top level, default 1) draws N parameter sets; sweeps multiply them
//! (full factorial, the last sweep key varying fastest, then the N draws), so the
//! experiment grid is scenario x sample x replication with
//! `samples x product(number of sweep values)` samples.
//!
//! Draws come from [`Purpose::Parameters`](crate::rng::Purpose::Parameters) streams keyed by `(seed, sample, entity)`
//! with replication 0 and `entity` a hash of the parameter's dotted model key (e.g.
//! `pools.acute.capacity`), so all scenarios see the same draw for the same key, and
//! adding a parameter shifts no other parameter's draws. A scenario that overrides a
//! value with its own distribution or number uses its own.
//!
//! Parameter tables are told apart from duration distributions by their keys: duration
//! tables use `mean_days`, `sd_days` and `days`; parameter tables use `mean`, `sd`,
//! `min`, `max`, `mode`, `alpha`, `beta` and `values`. They are resolved to plain
//! numbers in the TOML tree, per sample, *before* the model is deserialized, so every
//! rule of the model (ranges, routing sums, types) applies to drawn values too.
//!
//! [`dist`] draws, [`parse`] reads one parameter table, and [`grid`] expands a config
//! into the samples of its experiment grid.

pub mod dist;
pub mod grid;
pub mod parse;

pub use dist::ParamDist;
pub(in crate::config) use grid::load_sampled;
pub use grid::{Parameters, SampleSource, VariedParameter, entity_of};
pub use parse::{Variation, is_parameter_table};

/// Keys that mark a table as a parameter distribution (as opposed to a duration).
pub const PARAMETER_KEYS: [&str; 8] = ["mean", "sd", "min", "max", "mode", "alpha", "beta", "values"];

/// The `dist` names of parameter distributions.
pub const PARAMETER_DISTS: [&str; 7] = ["beta", "normal", "lognormal", "gamma", "uniform", "triangular", "sweep"];

/// Most samples one experiment may have (after sweeps multiply them).
pub const MAX_SAMPLES: u64 = 1_000_000;
