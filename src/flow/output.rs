//! What one run of the flow model hands back: its tables, and (with `[payment]`) the
//! activity for the payment pass and, once settled, the payments.

use crate::payment::activity::ActivityLog;
use crate::payment::run::RunPayments;
use crate::record::{
    CalibrationCounts, CapacityTable, DelayTable, EpisodeTable, EventTable, PersonYearTable, PoolSummary, RunKey,
};

/// Everything one run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOutput {
    /// Which run.
    pub key: RunKey,
    /// Events processed (stale events excluded).
    pub events: u64,
    /// Run length, days.
    pub horizon_days: f64,
    /// Warm-up excluded from the summaries, days.
    pub warmup_days: f64,
    /// Per-pool summaries over the measurement window.
    pub pools: Vec<PoolSummary>,
    /// Daily pool state.
    pub capacity: CapacityTable,
    /// Completed stays, when requested.
    pub episodes: Option<EpisodeTable>,
    /// Person-years of the cohort (empty without a cohort).
    pub person_year: PersonYearTable,
    /// Blocked place-days by pool held and pool waited for.
    pub delays: DelayTable,
    /// Calibration counters (zero without a cohort).
    pub calibration: CalibrationCounts,
    /// People in the cohort at the start of the run.
    pub population: u32,
    /// Every event processed, when requested.
    pub events_log: Option<EventTable>,
    /// Activity for the payment pass, when the model has `[payment]` (consumed by the
    /// runner, which settles it into `payments`).
    pub activity: Option<ActivityLog>,
    /// The run's settlement, when the model has `[payment]`.
    pub payments: Option<RunPayments>,
}
