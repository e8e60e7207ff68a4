//! Running an experiment into an output folder: the one implementation behind
//! `caresim run` and the Python package's `Experiment.run`, so both write the same bytes.
//!
//! [`run_into_dir`] opens the folder (a rerun of the same config resumes; `force`
//! replaces another config's results), removes temporary files, skips the runs already
//! stored, runs the rest until done or until `stop` is raised (runs in flight finish and
//! are stored whole), and for a whole grid writes the tables built from all runs. It
//! prints nothing: the caller shows the [`RunEvent`]s and the [`RunReport`].

use super::merge::{self, MergeError};
use super::verify::FileProblem;
use super::{OutputError, ParquetSink};
use crate::config::{ExperimentPlan, RunSettings};
use crate::experiment::shard::Shard;
use crate::experiment::{self, RunError};
use crate::record::RunKey;
use crate::summary::compare::RunMetrics;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// What to run, and where.
#[derive(Clone, Copy, Debug)]
pub struct RunRequest<'a> {
    /// The validated experiment.
    pub plan: &'a ExperimentPlan,
    /// The output folder.
    pub out: &'a Path,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    /// Also write the `episodes` table.
    pub episodes: bool,
    /// Also write the `events` table.
    pub events: bool,
    /// Replace the results of a different config in `out`.
    pub force: bool,
    /// The slice of the grid to run ([`Shard::ALL`] for all of it).
    pub shard: Shard,
}

/// What happens during [`run_into_dir`], in this order, for a front end to show.
#[derive(Clone, Debug)]
pub enum RunEvent {
    /// Files of runs stored earlier are damaged or incomplete: those runs are done again.
    Damaged {
        /// Each damaged or incomplete file, with what is wrong.
        problems: Vec<FileProblem>,
    },
    /// Some runs were already stored, or temporary files were removed: the run resumes.
    Resuming {
        /// Runs of the grid (or shard) already complete.
        complete: usize,
        /// Runs of the grid (or shard).
        total: usize,
        /// Temporary files removed.
        temporary_removed: usize,
    },
    /// Payment calibration pilots start first, the runs beside them; no run is stored
    /// before the pilots are in.
    Calibrating {
        /// Pilot runs.
        pilots: u32,
        /// Runs to do.
        runs: usize,
    },
    /// The runs to do are known: [`RunEvent::Progress`] counts up to `runs`.
    Started {
        /// Runs to do.
        runs: usize,
    },
    /// Another run is finished and stored (called from worker threads).
    Progress {
        /// Runs finished so far.
        done: usize,
    },
}

/// The outcome of [`run_into_dir`].
#[derive(Clone, Debug)]
pub struct RunReport {
    /// The output folder.
    pub dir: PathBuf,
    /// Runs of the grid (or shard).
    pub runs: usize,
    /// Runs already complete before this call.
    pub skipped: usize,
    /// Runs completed by this call.
    pub new: usize,
    /// Temporary files removed before running.
    pub temporary_removed: usize,
    /// Events processed by the new runs.
    pub events: u64,
    /// Wall time of the new runs, seconds.
    pub elapsed_s: f64,
    /// `stop` was raised before every run was done: `new` < the runs to do, and the
    /// tables built from all runs were not written.
    pub interrupted: bool,
    /// Every run's metrics in key order, when the whole grid is complete (the tables
    /// built from all runs were written); empty for a shard or an interrupted run.
    pub metrics: Vec<RunMetrics>,
}

impl RunReport {
    /// What an interrupted run left: `interrupted: N of M run(s) stored in DIR; no
    /// partial file is left`.
    pub fn interruption(&self) -> String {
        format!(
            "interrupted: {} of {} run(s) stored in {}; no partial file is left",
            self.skipped + self.new,
            self.runs,
            self.dir.display()
        )
    }

    /// New runs per second of wall time.
    pub fn runs_per_s(&self) -> f64 {
        self.new as f64 / self.elapsed_s.max(1e-9)
    }
}

/// Why [`run_into_dir`] failed (the inner error's text and causes, unchanged).
#[derive(Debug, thiserror::Error)]
pub enum RunIntoDirError {
    /// The folder could not be opened or written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A run failed.
    #[error(transparent)]
    Run(#[from] RunError<OutputError>),
    /// The runs stored earlier could not be read back.
    #[error(transparent)]
    Merge(#[from] MergeError),
}

/// The folder `caresim run` writes to when none is given: `results/<config file stem>`.
pub fn default_out(config: &Path) -> PathBuf {
    let stem = config.file_stem().map_or_else(|| "experiment".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("results").join(stem)
}

/// Runs `request` into its folder (see the module doc). `stop` is read before each run
/// starts; `on_event` is called in the order of [`RunEvent`], `Progress` from worker
/// threads. An interrupted run is not an error: see [`RunReport::interrupted`].
pub fn run_into_dir<F>(request: &RunRequest<'_>, stop: &AtomicBool, on_event: F) -> Result<RunReport, RunIntoDirError>
where
    F: Fn(RunEvent) + Sync,
{
    let RunRequest { plan, out, threads, episodes, events, force, shard } = *request;
    let sink = ParquetSink::create(out, plan, force, shard)?;
    let keys = shard.keys(plan);
    // A shard clears only its own runs' temporary files: others may be writing theirs.
    let removed = sink.remove_temporary(if shard.is_all() { None } else { Some(&keys) })?;
    let mut required = Vec::new();
    if episodes {
        required.push("episodes");
    }
    if events {
        required.push("events");
    }
    // A run is done only when its marker and every file it records are intact: anything
    // else (missing, truncated, changed, of another config) is run again.
    let mut damaged = Vec::new();
    let todo: Vec<RunKey> = keys
        .iter()
        .copied()
        .filter(|k| {
            let problems = sink.run_problems(*k, &required);
            let marker_missing = problems.len() == 1 && problems[0].problem.starts_with("missing (the run's marker");
            if !marker_missing {
                damaged.extend(problems.iter().cloned());
            }
            !problems.is_empty()
        })
        .collect();
    let skipped: Vec<RunKey> = keys.iter().copied().filter(|k| !todo.contains(k)).collect();
    if !damaged.is_empty() {
        on_event(RunEvent::Damaged { problems: damaged });
    }
    if !skipped.is_empty() || removed > 0 {
        on_event(RunEvent::Resuming { complete: skipped.len(), total: keys.len(), temporary_removed: removed });
    }
    let pilots = experiment::pilot_plan(plan, &experiment::scenarios_of(&todo)).runs();
    if pilots > 0 {
        on_event(RunEvent::Calibrating { pilots, runs: todo.len() });
    }
    on_event(RunEvent::Started { runs: todo.len() });
    let started = Instant::now();
    let digests = experiment::run_selected(
        plan,
        &todo,
        RunSettings { record_events: events, ..plan.run_settings(episodes) },
        threads,
        stop,
        |_, o| sink.write_run(o),
        |done| on_event(RunEvent::Progress { done }),
    )?;
    let mut report = RunReport {
        dir: sink.dir().to_path_buf(),
        runs: keys.len(),
        skipped: skipped.len(),
        new: digests.len(),
        temporary_removed: removed,
        events: digests.iter().map(|d| d.events).sum(),
        elapsed_s: started.elapsed().as_secs_f64(),
        interrupted: stop.load(Ordering::SeqCst) && digests.len() < todo.len(),
        metrics: Vec::new(),
    };
    if report.interrupted || !shard.is_all() {
        return Ok(report);
    }
    let mut metrics: Vec<RunMetrics> = digests.iter().map(RunMetrics::of).collect();
    metrics.extend(merge::read_metrics(sink.dir(), plan, &skipped)?);
    metrics.sort_by_key(|m| m.key);
    merge::write_finished(&sink, plan, &metrics)?;
    report.metrics = metrics;
    Ok(report)
}
