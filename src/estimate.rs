//! What an experiment will cost before it runs: about how many events it simulates and
//! how much memory its runs hold, so that a config whose numbers are valid one by one
//! but absurd together (a rate of 1e12 a day, a horizon of 1e12 days, 2e9 places, 1e9
//! replications) is refused with the keys that make it so, before anything is written,
//! instead of growing memory until the allocator aborts.
//!
//! The figures are deliberately rough upper-side estimates (the constants below are
//! ASSUMPTIONs, each with its reason); the limits they are checked against are generous
//! and the user can raise them explicitly.

use crate::capacity::Places;
use crate::config::ExperimentPlan;
use crate::config::model::Model;

/// ASSUMPTION: events per patient step (a request, an admission and a stay end, with
/// room for a blocked transfer): an upper-side figure for the flow model's loop.
const EVENTS_PER_STEP: f64 = 4.0;
/// ASSUMPTION: events per person of a cohort per year (deaths, onsets, frailty changes,
/// admissions, attendances, year ends); the shipped cohort configs run at about 2-4.
const COHORT_EVENTS_PER_PERSON_YEAR: f64 = 8.0;
/// ASSUMPTION: a run costs at least this many events' worth of work (building its
/// state, writing its files), so a grid of a billion tiny runs is not "cheap".
const EVENTS_PER_RUN_OVERHEAD: f64 = 10_000.0;
/// ASSUMPTION: bytes per patient slot of a pool's place (the patient record, arena and
/// free list reserve twice the places, and the waiting list): an upper-side figure.
const BYTES_PER_PLACE: f64 = 2.0 * 96.0 + 16.0;
/// Bytes per row of the daily capacity table (day, pool, occupied, waiting, blocked).
const BYTES_PER_CAPACITY_ROW: f64 = 24.0;
/// ASSUMPTION: bytes per person of a cohort (the person's record, 160 bytes, and state)
/// plus their `person_year` rows (about 128 bytes a year).
const BYTES_PER_PERSON: f64 = 256.0;
/// Bytes per `person_year` row.
const BYTES_PER_PERSON_YEAR: f64 = 128.0;
/// Bytes per row of the optional `events` table.
const BYTES_PER_EVENT_ROW: f64 = 24.0;

/// Default limit on events over the whole experiment: about a day of one core at the
/// flow model's speed; far above every shipped config.
pub const DEFAULT_MAX_EVENTS: f64 = 1e12;

/// The estimate of one experiment.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Runs in the grid (scenarios x samples x replications).
    pub runs: f64,
    /// Events over every run (with the per-run overhead).
    pub events: f64,
    /// Peak bytes one run holds (the largest scenario).
    pub bytes_per_run: f64,
    /// Payment calibration pilots (baseline runs whose records are all held until the
    /// calibration is made: [`crate::config::ExperimentPlan`]'s `payment.pilot_replications`).
    pub pilot_runs: f64,
    /// Bytes the pilots' records hold together until the calibration.
    pub pilot_bytes: f64,
    /// The keys that drive the events most, for messages.
    pub event_keys: Vec<String>,
    /// The keys that drive a run's memory most, for messages.
    pub memory_keys: Vec<String>,
}

/// Events and bytes of one run of `model`, and the keys behind the largest terms.
fn per_run(model: &Model, horizon_days: f64, record_events: bool) -> (f64, f64, String, String) {
    let mut events = horizon_days; // day ends
    let mut event_key = "horizon_days".to_string();
    let mut top = 0.0;
    for s in &model.arrivals {
        let steps = model.pathways.get(s.pathway.0 as usize).map_or(1, |p| p.steps.len()) as f64;
        let e = s.mean_rate_per_day() * horizon_days * steps * EVENTS_PER_STEP;
        events += e;
        if e > top {
            top = e;
            event_key = format!("arrivals.{}.rate_per_day, horizon_days", s.name);
        }
    }
    let years = horizon_days / 365.25;
    let mut bytes = horizon_days.ceil() * model.pools.len() as f64 * BYTES_PER_CAPACITY_ROW;
    let mut memory_key = "horizon_days".to_string();
    let mut top_bytes = bytes;
    if let Some(c) = &model.cohort {
        let e = c.size as f64 * years.max(1.0) * COHORT_EVENTS_PER_PERSON_YEAR;
        events += e;
        if e > top {
            event_key = "cohort.size, horizon_days".into();
        }
        let b = c.size as f64 * (BYTES_PER_PERSON + BYTES_PER_PERSON_YEAR * years.ceil());
        bytes += b;
        if b > top_bytes {
            top_bytes = b;
            memory_key = "cohort.size".into();
        }
    }
    for p in &model.pools {
        if let Places::Limited(n) = p.places {
            let b = n as f64 * BYTES_PER_PLACE;
            bytes += b;
            if b > top_bytes {
                top_bytes = b;
                memory_key = format!("pools.{}.capacity", p.name);
            }
        }
    }
    if record_events {
        bytes += events * BYTES_PER_EVENT_ROW;
        if events * BYTES_PER_EVENT_ROW > top_bytes {
            memory_key = "--events".into();
        }
    }
    (events + EVENTS_PER_RUN_OVERHEAD, bytes, event_key, memory_key)
}

/// Runs in flight on `threads` worker threads (0 = one per core): at most one per
/// thread, and never more than the experiment has.
pub fn runs_at_once(plan: &ExperimentPlan, threads: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = if threads == 0 { cores } else { threads };
    let runs = plan.scenarios.len() as u64 * plan.samples as u64 * plan.replications as u64;
    workers.min(usize::try_from(runs).unwrap_or(usize::MAX)).max(1)
}

/// Estimates `plan` (with the `events` table when `record_events`).
pub fn of(plan: &ExperimentPlan, record_events: bool) -> Estimate {
    let per_scenario = plan.samples as f64 * plan.replications as f64;
    let mut events = 0.0;
    let mut bytes_per_run: f64 = 0.0;
    let mut event_keys = Vec::new();
    let mut memory_keys = Vec::new();
    let mut top_events: f64 = 0.0;
    for s in &plan.scenarios {
        let (e, b, ek, mk) = per_run(&s.model, plan.horizon_days, record_events);
        events += e * per_scenario;
        if e > top_events {
            top_events = e;
            event_keys = vec![ek];
        }
        if b > bytes_per_run {
            bytes_per_run = b;
            memory_keys = vec![mk];
        }
    }
    // Pilots: one set of baseline runs (scenarios sharing a year-of-care selection rule
    // share it; ASSUMPTION that one set is typical), each held until the calibration.
    let pilot_runs = plan
        .scenarios
        .iter()
        .filter_map(|s| s.model.payment.as_ref().filter(|p| p.needs_calibration()))
        .map(|p| p.pilot_replications as f64)
        .fold(0.0, f64::max);
    let (mut pilot_bytes, mut pilot_events) = (0.0, 0.0);
    if pilot_runs > 0.0
        && let Some(baseline) = plan.scenarios.first()
    {
        let (e, b, _, _) = per_run(&baseline.model, plan.horizon_days, false);
        pilot_events = e * pilot_runs;
        pilot_bytes = b * pilot_runs;
    }
    events += pilot_events;
    let runs = plan.scenarios.len() as f64 * per_scenario;
    if runs > 1e4 {
        event_keys.push("replications".into());
        if plan.samples > 1 {
            event_keys.push("samples".into());
        }
    }
    if pilot_bytes > bytes_per_run {
        memory_keys.push("payment.pilot_replications".into());
    }
    Estimate { runs, events, bytes_per_run, pilot_runs, pilot_bytes, event_keys, memory_keys }
}

/// Limits an experiment is checked against before it runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Most events over the whole experiment.
    pub max_events: f64,
    /// Most bytes held at once (a run's peak times the runs in flight).
    pub max_bytes: f64,
}

impl Limits {
    /// The defaults: [`DEFAULT_MAX_EVENTS`], and three quarters of this machine's memory
    /// (16 GiB where it cannot be read).
    pub fn default_for_this_machine() -> Limits {
        Limits { max_events: DEFAULT_MAX_EVENTS, max_bytes: 0.75 * physical_memory_bytes().unwrap_or(16.0 * GIB) }
    }

    /// This machine's defaults, with the limits the user raised (or lowered) explicitly:
    /// `max_events` events, `max_memory_gib` GiB.
    pub fn chosen(max_events: Option<f64>, max_memory_gib: Option<f64>) -> Limits {
        let d = Limits::default_for_this_machine();
        Limits {
            max_events: max_events.unwrap_or(d.max_events),
            max_bytes: max_memory_gib.map_or(d.max_bytes, |g| g * GIB),
        }
    }
}

/// Bytes in a gibibyte.
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Total memory of this machine from `/proc/meminfo` (Linux), if readable.
pub fn physical_memory_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

impl Estimate {
    /// A one-line description for `validate`.
    pub fn describe(&self, runs_at_once: usize) -> String {
        let pilots = if self.pilot_runs > 0.0 {
            format!(" and the {} calibration pilot(s) held until calibrated", self.pilot_runs)
        } else {
            String::new()
        };
        format!(
            "estimate: {} run(s), about {:.3e} events, about {:.2} GiB per run ({:.2} GiB with {runs_at_once} run(s) at once{pilots})",
            self.runs,
            self.events,
            self.bytes_per_run / GIB,
            self.peak_bytes(runs_at_once) / GIB
        )
    }

    /// Bytes held at once with `runs_at_once` runs in flight, the pilots' records
    /// included.
    pub fn peak_bytes(&self, runs_at_once: usize) -> f64 {
        self.bytes_per_run * runs_at_once as f64 + self.pilot_bytes
    }

    /// Checks the estimate against `limits` with `runs_at_once` runs in flight; the error
    /// names the keys that drive the excess and the option that raises the limit.
    pub fn check(&self, limits: Limits, runs_at_once: usize) -> Result<(), String> {
        if self.events.is_nan() || self.events > limits.max_events {
            return Err(format!(
                "{}: the experiment would simulate about {:.3e} events, more than the limit of {:.3e}; lower them, or \
                 raise the limit with --max-events",
                self.event_keys.join(", "),
                self.events,
                limits.max_events
            ));
        }
        let bytes = self.peak_bytes(runs_at_once);
        if bytes.is_nan() || bytes > limits.max_bytes {
            return Err(format!(
                "{}: {runs_at_once} run(s) at once would hold about {:.2} GiB, more than the limit of {:.2} GiB; lower \
                 them, use fewer --threads, or raise the limit with --max-memory-gib",
                self.memory_keys.join(", "),
                bytes / GIB,
                limits.max_bytes / GIB
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, load};

    fn plan(set: &[&str]) -> ExperimentPlan {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid_base.toml");
        load(&path, &Overrides { set: set.iter().map(|s| s.to_string()).collect() }).unwrap_or_else(|e| panic!("{e}"))
    }

    const LIMITS: Limits = Limits { max_events: DEFAULT_MAX_EVENTS, max_bytes: 16.0 * GIB };

    #[test]
    fn a_small_config_passes_and_absurd_ones_name_their_keys() {
        assert!(of(&plan(&[]), false).check(LIMITS, 8).is_ok());
        let cases = [
            ("arrivals.emergency.rate_per_day=1e12", "arrivals.emergency.rate_per_day", "--max-events"),
            ("horizon_days=1e12", "arrivals.emergency.rate_per_day, horizon_days", "--max-events"),
            ("replications=1000000000", "replications", "--max-events"),
            ("pools.care.capacity=2000000000", "pools.care.capacity", "--max-memory-gib"),
        ];
        for (set, key, option) in cases {
            let e = of(&plan(&[set]), false);
            let err = e.check(LIMITS, 8).expect_err(set);
            assert!(err.contains(key) && err.contains(option), "{set}: {err}");
        }
    }

    #[test]
    fn events_grow_with_rate_horizon_and_runs() {
        let base = of(&plan(&[]), false);
        let double = of(&plan(&["arrivals.emergency.rate_per_day=6.0"]), false);
        assert!(double.events > base.events);
        assert_eq!(of(&plan(&["replications=4"]), false).runs, 2.0 * base.runs);
        assert!(of(&plan(&[]), true).bytes_per_run > base.bytes_per_run);
    }

    /// The payment calibration pilots are baseline runs whose records are all held
    /// until the calibration is made: they count in the events and in the memory held
    /// at once, in proportion to `payment.pilot_replications`, and a config with no
    /// payment has none.
    #[test]
    fn calibration_pilots_count_in_events_and_memory() {
        assert_eq!(of(&plan(&[]), false).pilot_runs, 0.0, "no [payment], no pilots");
        let small = |set: &[&str]| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/small.toml");
            let overrides = Overrides { set: set.iter().map(|s| s.to_string()).collect() };
            of(&load(&path, &overrides).unwrap_or_else(|e| panic!("{e}")), false)
        };
        let two = small(&["payment.pilot_replications=2"]);
        let eight = small(&["payment.pilot_replications=8"]);
        assert_eq!((two.pilot_runs, eight.pilot_runs), (2.0, 8.0));
        assert!((eight.pilot_bytes - 4.0 * two.pilot_bytes).abs() < 1e-6 * eight.pilot_bytes);
        assert!(eight.pilot_bytes >= 8.0 * 0.5 * eight.bytes_per_run, "a pilot holds about a run's records");
        assert!(eight.peak_bytes(2) > two.peak_bytes(2) && eight.events > two.events);
        assert!(eight.describe(2).contains("8 calibration pilot(s)"), "{}", eight.describe(2));
    }
}
