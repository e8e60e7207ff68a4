//! Settings every run of an experiment shares, and the default precision target of the
//! `runs_needed` estimates.

/// Settings shared by every run of an experiment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSettings {
    /// Master seed of the experiment.
    pub master_seed: u64,
    /// Run length, days (> 0).
    pub horizon_days: f64,
    /// Warm-up, days (>= 0 and < horizon).
    pub warmup_days: f64,
    /// Record one row per completed stay.
    pub record_episodes: bool,
    /// Record every event processed (large: one row per event).
    pub record_events: bool,
}

/// The default target half-width of a 95% interval, relative to the absolute mean, for
/// the `runs_needed` estimates (5%; `target_half_width_pct` in a config changes it).
pub const TARGET_RELATIVE_HALF_WIDTH: f64 = 0.05;
