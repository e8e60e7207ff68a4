//! Columnar in-memory records of one run: what the model measured, before any file
//! format. The output layer turns these into tables; nothing here knows about files.

use crate::capacity::PoolStats;

/// Identifies one run of an experiment grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunKey {
    /// Index of the scenario in the experiment (its name lives in the plan).
    pub scenario: u16,
    /// Parameter sample index (0 when parameters are fixed).
    pub sample: u32,
    /// Replication index.
    pub replication: u32,
}

/// One pool's summary over a run's measurement window (after warm-up).
#[derive(Clone, Debug, PartialEq)]
pub struct PoolSummary {
    /// Pool index in the model.
    pub pool: u16,
    /// Number of places (`None` = unlimited).
    pub capacity: Option<u32>,
    /// Raw counts and integrals over the window.
    pub stats: PoolStats,
    /// Window length, days.
    pub window_days: f64,
}

impl PoolSummary {
    fn window_minutes(&self) -> f64 {
        self.window_days * crate::time::MINUTES_PER_DAY as f64
    }

    /// Time-averaged number of places occupied (blocked occupants included).
    pub fn mean_occupied(&self) -> f64 {
        self.stats.occupied_area as f64 / self.window_minutes()
    }

    /// Time-averaged length of the waiting list.
    pub fn mean_waiting(&self) -> f64 {
        self.stats.waiting_area as f64 / self.window_minutes()
    }

    /// Time-averaged number of blocked occupants.
    pub fn mean_blocked(&self) -> f64 {
        self.stats.blocked_area as f64 / self.window_minutes()
    }

    /// Mean wait for a place of the requests admitted in the window, days.
    pub fn mean_wait_days(&self) -> Option<f64> {
        (self.stats.admitted > 0)
            .then(|| self.stats.wait_minutes as f64 / self.stats.admitted as f64 / crate::time::MINUTES_PER_DAY as f64)
    }

    /// Share of admissions in the window that had to wait.
    pub fn p_wait(&self) -> Option<f64> {
        (self.stats.admitted > 0).then(|| self.stats.waited as f64 / self.stats.admitted as f64)
    }

    /// Share of requests in the window that were turned away.
    pub fn p_turned_away(&self) -> Option<f64> {
        (self.stats.arrivals > 0).then(|| self.stats.turned_away as f64 / self.stats.arrivals as f64)
    }

    /// Place-days spent blocked (holding a place here while waiting downstream).
    pub fn blocked_days(&self) -> f64 {
        self.stats.blocked_area as f64 / crate::time::MINUTES_PER_DAY as f64
    }

    /// Mean time from admission to leaving, over departures in the window, days.
    pub fn mean_sojourn_days(&self) -> Option<f64> {
        (self.stats.departures > 0).then(|| {
            self.stats.sojourn_minutes as f64 / self.stats.departures as f64 / crate::time::MINUTES_PER_DAY as f64
        })
    }

    /// Departures per day over the window.
    pub fn throughput_per_day(&self) -> f64 {
        self.stats.departures as f64 / self.window_days
    }
}

/// Daily time-averaged pool state, one row per pool and whole day (struct of columns).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CapacityTable {
    /// Day index from the start of the run (warm-up days included).
    pub day: Vec<u32>,
    /// Pool index.
    pub pool: Vec<u16>,
    /// Mean places occupied over the day.
    pub occupied: Vec<f64>,
    /// Mean waiting-list length over the day.
    pub waiting: Vec<f64>,
    /// Mean blocked occupants over the day.
    pub blocked: Vec<f64>,
}

/// One row per completed stay (struct of columns); recorded only on request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpisodeTable {
    /// The patient's key (stable across scenarios: stream index << 40 | arrival number).
    pub patient: Vec<u64>,
    /// Pool index.
    pub pool: Vec<u16>,
    /// Day (fractional) the place was requested.
    pub requested_day: Vec<f64>,
    /// Day the place was taken.
    pub admitted_day: Vec<f64>,
    /// Day the stay ended (ready to leave).
    pub ready_day: Vec<f64>,
    /// Day the place was given up.
    pub exit_day: Vec<f64>,
    /// Days waiting for the place.
    pub wait_days: Vec<f64>,
    /// Days holding the place while waiting for the next one.
    pub blocked_days: Vec<f64>,
}

impl EpisodeTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.patient.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.patient.is_empty()
    }
}

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
}
