//! `caresim._caresim`: the Rust side of the Python package. Thin: it loads and validates
//! an experiment with the library's config loader and runs it into an output folder with
//! the same library function as the command line (so the files are the same bytes); the
//! Python layer (`python/caresim/`) adds the `Experiment` and `Results` classes, the
//! progress bar and the DataFrames.
//!
//! Nothing here prints. Errors become Python exceptions carrying the command line's
//! text: `ConfigError` (a `ValueError`) with every problem as (file, key, value, reason),
//! `RunError` (a `RuntimeError`) for a run that failed, `KeyboardInterrupt` for Ctrl-C.

use caresim::config::{self, ExperimentPlan, Overrides};
use caresim::output::run::{self as run_dir, RunEvent, RunReport, RunRequest};
use caresim::shard::Shard;
use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

create_exception!(
    _caresim,
    ConfigError,
    PyValueError,
    "An invalid config: args are (message, [(file, key, value, reason), ...])."
);
create_exception!(_caresim, RunError, PyRuntimeError, "A run that could not complete (the command line's error text).");

/// How often the waiting thread looks for Ctrl-C while no run finishes.
const SIGNAL_POLL: Duration = Duration::from_millis(100);

/// An error and its causes, as the command line prints them (without `error: `).
fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!("\n  caused by: {s}"));
        source = s.source();
    }
    text
}

/// A validated experiment (the library's `ExperimentPlan`).
#[pyclass(frozen, name = "Plan", module = "caresim._caresim")]
struct Plan {
    inner: Arc<ExperimentPlan>,
}

#[pymethods]
impl Plan {
    /// The config's fingerprint, as written in the output manifest.
    #[getter]
    fn config_hash(&self) -> &str {
        &self.inner.config_hash
    }

    /// What `caresim validate` describes: source, hash, seed, replications, samples,
    /// horizon and warm-up, and per scenario its name, description and model size.
    fn describe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = &self.inner;
        let d = PyDict::new(py);
        d.set_item("source", p.source.display().to_string())?;
        d.set_item("config_hash", &p.config_hash)?;
        d.set_item("seed", p.seed)?;
        d.set_item("replications", p.replications)?;
        d.set_item("samples", p.samples)?;
        d.set_item("horizon_days", p.horizon_days)?;
        d.set_item("warmup_days", p.warmup_days)?;
        let scenarios = PyList::empty(py);
        for s in &p.scenarios {
            let one = PyDict::new(py);
            one.set_item("name", &s.name)?;
            one.set_item("description", &s.description)?;
            one.set_item("pools", s.model.pools.len())?;
            one.set_item("pathways", s.model.pathways.len())?;
            one.set_item("arrival_streams", s.model.arrivals.len())?;
            scenarios.append(one)?;
        }
        d.set_item("scenarios", scenarios)?;
        Ok(d)
    }
}

/// Loads, merges (`extends`), overrides (`dotted.key=value`, as `--set`) and validates
/// an experiment file. Raises `ConfigError` with every problem found.
#[pyfunction]
#[pyo3(signature = (path, set=Vec::new()))]
fn load(py: Python<'_>, path: PathBuf, set: Vec<String>) -> PyResult<Plan> {
    match py.detach(|| config::load(&path, &Overrides { set })) {
        Ok(plan) => Ok(Plan { inner: Arc::new(plan) }),
        Err(e) => {
            let problems: Vec<(String, String, String, String)> = e
                .issues
                .iter()
                .map(|i| (i.file.display().to_string(), i.key.clone(), i.value.clone(), i.reason.clone()))
                .collect();
            Err(ConfigError::new_err((e.to_string(), problems)))
        }
    }
}

/// The folder the command line writes to when no `--out` is given.
#[pyfunction]
fn default_out(config: PathBuf) -> PathBuf {
    run_dir::default_out(&config)
}

/// Passes one progress event to the Python callback as `(kind, info)`.
fn notify(py: Python<'_>, callback: &Bound<'_, PyAny>, event: RunEvent) -> PyResult<()> {
    let info = PyDict::new(py);
    let kind = match event {
        RunEvent::Resuming { complete, total, temporary_removed } => {
            info.set_item("complete", complete)?;
            info.set_item("total", total)?;
            info.set_item("temporary_removed", temporary_removed)?;
            "resuming"
        }
        RunEvent::Calibrating { pilots, runs } => {
            info.set_item("pilots", pilots)?;
            info.set_item("runs", runs)?;
            "calibrating"
        }
        RunEvent::Started { runs } => {
            info.set_item("runs", runs)?;
            "started"
        }
        RunEvent::Progress { done } => {
            info.set_item("done", done)?;
            "progress"
        }
    };
    callback.call1((kind, info))?;
    Ok(())
}

fn report_dict<'py>(py: Python<'py>, r: &RunReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("dir", r.dir.clone())?;
    d.set_item("runs", r.runs)?;
    d.set_item("skipped", r.skipped)?;
    d.set_item("new", r.new)?;
    d.set_item("events", r.events)?;
    d.set_item("elapsed_s", r.elapsed_s)?;
    d.set_item("temporary_removed", r.temporary_removed)?;
    Ok(d)
}

/// Runs every scenario and replication of `plan` into the folder `out`, exactly as
/// `caresim run` does (same files, same bytes; a rerun of the same config resumes;
/// `force` replaces results of another config). `on_event(kind, info)` is called on this
/// thread as runs finish. Ctrl-C (or an exception from `on_event`) starts no new run:
/// runs in flight finish and are stored whole, then `KeyboardInterrupt` (or that
/// exception) is raised; no partial file is left. Returns the run's report as a dict.
#[pyfunction]
#[pyo3(signature = (plan, out, threads=0, episodes=false, events=false, force=false, on_event=None))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of the Python function
fn run<'py>(
    py: Python<'py>,
    plan: &Plan,
    out: PathBuf,
    threads: usize,
    episodes: bool,
    events: bool,
    force: bool,
    on_event: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let plan = Arc::clone(&plan.inner);
    let request = RunRequest { plan: &plan, out: &out, threads, episodes, events, force, shard: Shard::ALL };
    let stop = AtomicBool::new(false);
    let (tx, mut rx) = mpsc::channel::<RunEvent>();
    // The first exception seen while waiting (Ctrl-C, or one from the callback).
    let mut pending: Option<PyErr> = None;
    let joined = std::thread::scope(|scope| {
        let (request, stop) = (&request, &stop);
        let worker = scope.spawn(move || {
            run_dir::run_into_dir(request, stop, |event| {
                // The receiver lives until this thread has ended.
                let _ = tx.send(event);
            })
        });
        loop {
            // Wait without the interpreter, so Python threads go on meanwhile.
            let (back, next) = py.detach(move || {
                let next = rx.recv_timeout(SIGNAL_POLL);
                (rx, next)
            });
            rx = back;
            match next {
                Ok(event) => {
                    if let (None, Some(callback)) = (&pending, &on_event)
                        && let Err(e) = notify(py, callback, event)
                    {
                        stop.store(true, Ordering::SeqCst);
                        pending = Some(e);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            // Python's SIGINT handler only runs here, on the main thread.
            if pending.is_none()
                && let Err(e) = py.check_signals()
            {
                stop.store(true, Ordering::SeqCst);
                pending = Some(e);
            }
        }
        py.detach(move || worker.join())
    });
    let report = match joined {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => return Err(RunError::new_err(error_text(&e))),
        Err(_) => return Err(RunError::new_err("the run stopped on an internal error (a panic); please report it")),
    };
    match pending {
        Some(e) if e.is_instance_of::<PyKeyboardInterrupt>(py) => {
            let text = if report.interrupted {
                format!(
                    "{}. Run it again with the same out folder to finish the rest",
                    report.interruption()
                )
            } else {
                format!("interrupted after the last run: all {} run(s) stored in {}", report.runs, report.dir.display())
            };
            Err(PyKeyboardInterrupt::new_err(text))
        }
        Some(e) => Err(e),
        None => report_dict(py, &report),
    }
}

/// The extension module.
#[pymodule]
fn _caresim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("RunError", py.get_type::<RunError>())?;
    m.add("TABLES", caresim::output::TABLES.to_vec())?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Plan>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(default_out, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    Ok(())
}
