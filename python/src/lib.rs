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
use caresim::experiment::shard::Shard;
use caresim::output::run::{self as run_dir, RunEvent, RunReport, RunRequest};
use pyo3::conversion::FromPyObjectOwned;
use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyList, PyTuple};
use std::path::{Path, PathBuf};
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

/// Positional argument `i` of a call from the Python layer.
fn arg<'py, T: FromPyObjectOwned<'py>>(args: &Bound<'py, PyTuple>, i: usize) -> PyResult<T> {
    args.get_item(i)?.extract::<T>().map_err(Into::into)
}

/// Loads, merges (`extends`), overrides (`dotted.key=value`, as `--set`) and validates
/// an experiment file; `ConfigError` lists every problem found.
fn load_plan(path: &Path, set: Vec<String>) -> PyResult<ExperimentPlan> {
    config::load(path, &Overrides { set }).map_err(|e| {
        let problems: Vec<(String, String, String, String)> = e
            .issues
            .iter()
            .map(|i| (i.file.display().to_string(), i.key.clone(), i.value.clone(), i.reason.clone()))
            .collect();
        ConfigError::new_err((e.to_string(), problems))
    })
}

/// `load(path, sets)`: validates the experiment and returns what `caresim validate`
/// describes: source, hash, seed, replications, samples, horizon and warm-up, and per
/// scenario its name, description and model size.
fn load<'py>(args: &Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyDict>> {
    let py = args.py();
    let (path, set): (PathBuf, Vec<String>) = (arg(args, 0)?, arg(args, 1)?);
    let p = load_plan(&path, set)?;
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

/// `default_out(path)`: the folder the command line writes to when no `--out` is given.
fn default_out(args: &Bound<'_, PyTuple>) -> PyResult<PathBuf> {
    Ok(run_dir::default_out(&arg::<PathBuf>(args, 0)?))
}

/// Passes one progress event to the Python callback as `(kind, info)`.
fn notify(py: Python<'_>, callback: &Bound<'_, PyAny>, event: RunEvent) -> PyResult<()> {
    let info = PyDict::new(py);
    let kind = match event {
        RunEvent::Damaged { problems } => {
            info.set_item("problems", problems.iter().map(ToString::to_string).collect::<Vec<_>>())?;
            "damaged"
        }
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

/// The command line's check of an experiment's size, before anything is written: the
/// estimate of events and memory (`caresim::estimate`) against the limits, this
/// machine's defaults unless `max_events` or `max_memory_gib` raise them. A refusal is
/// a `ConfigError` naming the keys that drive the excess and the argument that raises
/// the limit.
fn check_size(
    plan: &ExperimentPlan,
    threads: usize,
    events: bool,
    max_events: Option<f64>,
    max_memory_gib: Option<f64>,
) -> PyResult<()> {
    use caresim::estimate;
    let limits = estimate::Limits::chosen(max_events, max_memory_gib);
    estimate::of(plan, events).check(limits, estimate::runs_at_once(plan, threads)).map_err(|m| {
        // The command line's text, with the Python argument names for its options.
        let reason = m
            .replace("--max-events", "max_events=")
            .replace("--max-memory-gib", "max_memory_gib=")
            .replace("--threads", "threads=");
        let file = plan.source.display().to_string();
        let keys = reason.split(':').next().unwrap_or_default().to_string();
        ConfigError::new_err((format!("{file}: {reason}"), vec![(file, keys, String::new(), reason)]))
    })
}

/// `run(path, sets, out, threads, episodes, events, force, on_event, max_events,
/// max_memory_gib)`: loads the experiment (as `load`), checks its size (as the command
/// line does, [`check_size`]) and runs every scenario and replication into the folder `out`,
/// exactly as `caresim run` does (same files, same bytes; a rerun of the same config
/// resumes; `force` replaces results of another config). `on_event(kind, info)` (or
/// None) is called on this thread as runs finish. Ctrl-C (or an exception from
/// `on_event`) starts no new run and abandons the runs in flight (redone on a rerun);
/// finished runs are stored whole, then `KeyboardInterrupt` (or that exception) is
/// raised; no partial file is left. Returns
/// the run's report as a dict.
fn run<'py>(args: &Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyDict>> {
    let py = args.py();
    let plan = load_plan(&arg::<PathBuf>(args, 0)?, arg(args, 1)?)?;
    let out: PathBuf = arg(args, 2)?;
    let (threads, episodes, events, force): (usize, bool, bool, bool) =
        (arg(args, 3)?, arg(args, 4)?, arg(args, 5)?, arg(args, 6)?);
    let on_event = Some(args.get_item(7)?).filter(|c| !c.is_none());
    let (max_events, max_memory_gib): (Option<f64>, Option<f64>) = (arg(args, 8)?, arg(args, 9)?);
    check_size(&plan, threads, events, max_events, max_memory_gib)?;
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
                format!("{}. Run it again with the same out folder to finish the rest", report.interruption())
            } else {
                format!("interrupted after the last run: all {} run(s) stored in {}", report.runs, report.dir.display())
            };
            Err(PyKeyboardInterrupt::new_err(text))
        }
        Some(e) => Err(e),
        None => report_dict(py, &report),
    }
}

/// The module's definition: no methods or state of its own (the functions are added as
/// attributes); the import machinery requires one for a single-phase extension.
static mut MODULE_DEF: pyo3::ffi::PyModuleDef = pyo3::ffi::PyModuleDef {
    m_base: pyo3::ffi::PyModuleDef_HEAD_INIT,
    m_name: c"caresim._caresim".as_ptr(),
    m_doc: std::ptr::null(),
    m_size: -1,
    m_methods: std::ptr::null_mut(),
    m_slots: std::ptr::null_mut(),
    m_traverse: None,
    m_clear: None,
    m_free: None,
};

/// The module's contents: the exceptions, the table names and the three functions.
fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    // SAFETY: MODULE_DEF is a valid definition that lives for the whole process and is
    // handed to the interpreter once, here (single-phase initialisation, called with the
    // interpreter attached); the result is a new reference or null with an exception set.
    let m = unsafe {
        let ptr = pyo3::ffi::PyModule_Create2(&raw mut MODULE_DEF, pyo3::ffi::PYTHON_API_VERSION);
        Bound::from_owned_ptr_or_err(py, ptr)?.cast_into::<PyModule>()?
    };
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("RunError", py.get_type::<RunError>())?;
    m.add("TABLES", caresim::output::TABLES.to_vec())?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add("load", PyCFunction::new_closure(py, Some(c"load"), None, |a, _| load(a).map(Bound::unbind))?)?;
    m.add("default_out", PyCFunction::new_closure(py, Some(c"default_out"), None, |a, _| default_out(a))?)?;
    m.add("run", PyCFunction::new_closure(py, Some(c"run"), None, |a, _| run(a).map(Bound::unbind))?)?;
    Ok(m)
}

/// The extension's entry point, called by `import caresim._caresim` (single-phase
/// initialisation). Written out rather than with `#[pymodule]`: PyO3's macros would
/// build `syn` with other features than the rest of the workspace, and so rebuild polars.
#[unsafe(no_mangle)]
pub extern "C" fn PyInit__caresim() -> *mut pyo3::ffi::PyObject {
    let init = std::panic::catch_unwind(|| {
        Python::attach(|py| match module(py) {
            Ok(m) => m.into_ptr(),
            Err(e) => {
                e.restore(py);
                std::ptr::null_mut()
            }
        })
    });
    // A panic must not unwind into the interpreter; the import then fails with SystemError.
    init.unwrap_or(std::ptr::null_mut())
}
