//! Runs-per-second and peak memory of a whole experiment on T threads: loads a config,
//! runs every (scenario, sample, replication) through `caresim::experiment::run_all` with
//! a sink that stores nothing, and prints the throughput and the process's peak resident
//! memory (`VmHWM` of `/proc/self/status`, read at the end).
//!
//! Usage: `thread_scaling [--config PATH] [--threads T] [--replications R]
//! [--set KEY=VALUE]... [--no-calibration-timing]`
//!
//! The default config is `configs/small.toml`; `--replications` overrides the config's
//! (`--set replications=R`), so the number of runs is scenarios x samples x R. A config
//! with `[payment]` whose values come from pilots first runs the calibration pilots
//! (`caresim::experiment::calibrate_payments`); `run_all` runs them beside the first
//! runs, as the first jobs handed out. Unless `--no-calibration-timing` is given, the
//! pass is first timed on its own (same threads) for reference: it is not subtracted,
//! since inside `run_all` it overlaps the runs.
//!
//! Builds without the default features:
//! `cargo run --release --no-default-features --example thread_scaling -- --threads 2`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use caresim::config::{self, Overrides};
use caresim::experiment;

/// Command-line options.
struct Options {
    /// The experiment file.
    config: PathBuf,
    /// Worker threads (at least 1).
    threads: usize,
    /// `--set` overrides, `--replications` included.
    set: Vec<String>,
    /// Whether to time the calibration pass on its own first.
    time_calibration: bool,
}

/// The usage line.
const USAGE: &str = "usage: thread_scaling [--config PATH] [--threads T] [--replications R] [--set KEY=VALUE]... \
                     [--no-calibration-timing]";

/// Parses the command line; an error is a message for the user.
fn parse_args() -> Result<Options, String> {
    let mut opts = Options {
        config: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("configs/small.toml"),
        threads: 1,
        set: Vec::new(),
        time_calibration: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--no-calibration-timing" {
            opts.time_calibration = false;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("missing value for {flag}; {USAGE}"))?;
        match flag.as_str() {
            "--config" => opts.config = PathBuf::from(value),
            "--threads" => {
                opts.threads = value.parse().map_err(|_| format!("{flag} must be a whole number, got {value:?}"))?;
                if opts.threads == 0 {
                    return Err(format!("{flag} must be at least 1"));
                }
            }
            "--replications" => {
                let r: u32 = value.parse().map_err(|_| format!("{flag} must be a whole number, got {value:?}"))?;
                opts.set.push(format!("replications={r}"));
            }
            "--set" => opts.set.push(value),
            _ => return Err(format!("unknown argument {flag}; {USAGE}")),
        }
    }
    Ok(opts)
}

/// A `kB` field of `/proc/self/status` (`VmHWM`, `VmRSS`), in MiB; `None` off Linux.
fn status_mib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 =
        line.trim_start_matches(key).trim_start_matches(':').trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

/// Formats an optional MiB figure.
fn mib(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.1}"))
}

/// Loads the plan, runs it and prints the figures.
fn run(opts: &Options) -> Result<(), String> {
    let t_load = Instant::now();
    let plan = config::load(&opts.config, &Overrides { set: opts.set.clone() }).map_err(|e| e.to_string())?;
    let load_s = t_load.elapsed().as_secs_f64();
    let settings = plan.run_settings(false);
    let runs = experiment::run_keys(&plan).len();
    let people = plan.scenarios.first().and_then(|s| s.model.cohort.as_ref()).map_or(0, |c| c.size);
    println!(
        "config={} scenarios={} samples={} replications={} runs={} threads={} people={} horizon_days={} warmup_days={}",
        opts.config.display(),
        plan.scenarios.len(),
        plan.samples,
        plan.replications,
        runs,
        opts.threads,
        people,
        plan.horizon_days,
        plan.warmup_days
    );
    let rss_loaded = status_mib("VmRSS");
    // The pilots `calibrate_payments` runs (shared between specs).
    let all: Vec<u16> = (0..plan.scenarios.len() as u16).collect();
    let pilot_plan = caresim::experiment::pilot_plan(&plan, &all);
    let (specs, pilots) = (&pilot_plan.specs, pilot_plan.runs());
    println!("calibration: {} distinct payment specs, {pilots} pilot runs", specs.len());

    // The calibration pass alone, on the same number of threads as the runs.
    let mut calibration_s = None;
    if opts.time_calibration {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads)
            .stack_size(experiment::RUN_STACK_BYTES)
            .build()
            .map_err(|e| e.to_string())?;
        let scenarios: Vec<u16> = (0..plan.scenarios.len() as u16).collect();
        let t = Instant::now();
        pool.install(|| experiment::calibrate_payments::<std::io::Error>(&plan, settings, &scenarios))
            .map_err(|e| e.to_string())?;
        calibration_s = Some(t.elapsed().as_secs_f64());
    }

    let t = Instant::now();
    let digests = experiment::run_all::<std::io::Error, _, _>(&plan, settings, opts.threads, |_, _| Ok(()), |_| {})
        .map_err(|e| e.to_string())?;
    let wall = t.elapsed().as_secs_f64();
    let events: u64 = digests.iter().map(|d| d.events).sum();
    let hwm = status_mib("VmHWM");
    let rss_end = status_mib("VmRSS");

    println!("load_s={load_s:.3} rss_after_load_mib={}", mib(rss_loaded));
    match calibration_s {
        Some(c) => println!(
            "calibration_alone_s={c:.3} (the pilots timed on their own; run_all runs them again, beside the runs)"
        ),
        None => println!("calibration_alone_s=not_timed"),
    }
    println!(
        "wall_s={wall:.3} runs={} runs_per_s={:.3} events={events} events_per_s={:.0}",
        digests.len(),
        digests.len() as f64 / wall,
        events as f64 / wall
    );
    println!("peak_rss_mib={} rss_end_mib={}", mib(hwm), mib(rss_end));
    Ok(())
}

/// Runs the example; exits 2 with a message on bad arguments or a failed run.
fn main() -> ExitCode {
    match parse_args().and_then(|opts| run(&opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("thread_scaling: {e}");
            ExitCode::from(2)
        }
    }
}
