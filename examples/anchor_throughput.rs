//! Throughput of one replication of the shared anchor model (b), timed in-process, for
//! comparison with the hand-written reference loop `flow_plain`
//! (`../shared/anchors/heap_limit`). Only `caresim::flow::run` is timed: no config
//! parsing, output writing or process start-up.
//!
//! Usage: `anchor_throughput [-n PATIENTS] [--seed S] [--config PATH]`
//!
//! `-n` sets the horizon to `PATIENTS / rate` days, where `rate` is the config's total
//! mean arrival rate per day (17 for the anchor model (b), 9 for the M/M/c of
//! `configs/validation/mmc.toml`), as `--set horizon_days=...` would, and the warm-up to
//! 0 (the reference models start empty and keep every event); the default is the
//! config's own horizon and warm-up (200,000 patients for the anchor model). `--seed`
//! overrides the master seed (as `--set seed=S`). Output is `key=value` lines in the
//! style of `flow_plain`; for a model without the anchor's two pools (the M/M/c), one
//! `pool=...` line per pool with its mean occupancy and mean wait for a place.
//!
//! Builds without the default features:
//! `cargo run --release --no-default-features --example anchor_throughput -- -n 200000`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use caresim::config::{self, Overrides};
use caresim::flow;
use caresim::record::RunKey;

/// Command-line options.
struct Options {
    /// Number of patients (sets the horizon); `None` keeps the config's horizon.
    patients: Option<u64>,
    /// Master seed; `None` keeps the config's seed.
    seed: Option<u64>,
    /// The experiment file.
    config: PathBuf,
}

/// Parses the command line; an error is a message for the user.
fn parse_args() -> Result<Options, String> {
    let mut opts = Options {
        patients: None,
        seed: None,
        config: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("configs/validation/anchor_flow.toml"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("missing value for {flag}"))?;
        match flag.as_str() {
            "-n" | "--patients" => {
                let n: u64 =
                    value.parse().map_err(|_| format!("{flag} must be a whole number of patients, got {value:?}"))?;
                if n == 0 {
                    return Err(format!("{flag} must be at least 1"));
                }
                opts.patients = Some(n);
            }
            "--seed" => {
                let seed: u64 = value.parse().map_err(|_| format!("{flag} must be a whole number, got {value:?}"))?;
                opts.seed = Some(seed);
            }
            "--config" => opts.config = PathBuf::from(value),
            _ => {
                return Err(format!(
                    "unknown argument {flag}; usage: anchor_throughput [-n PATIENTS] [--seed S] [--config PATH]"
                ));
            }
        }
    }
    Ok(opts)
}

/// Loads the model, runs one replication and prints its throughput.
fn run(opts: &Options) -> Result<(), String> {
    let mut set = Vec::new();
    if let Some(seed) = opts.seed {
        set.push(format!("seed={seed}"));
    }
    let plan = config::load(&opts.config, &Overrides { set }).map_err(|e| e.to_string())?;
    let scenario = plan.scenarios.first().ok_or("the config has no scenario")?;
    let model = &scenario.model;
    let mut settings = plan.run_settings(false);
    if let Some(n) = opts.patients {
        // The horizon in which `n` arrivals are expected, from the config's own rates (the
        // model does not depend on the horizon, so the settings alone change).
        let rate: f64 = model.arrivals.iter().map(|a| a.mean_rate_per_day()).sum();
        if rate <= 0.0 {
            return Err("-n needs a config with background arrivals".into());
        }
        settings.horizon_days = n as f64 / rate;
        settings.warmup_days = 0.0;
    }
    let key = RunKey { scenario: 0, sample: 0, replication: 0 };

    let t0 = Instant::now();
    let out = flow::run(model, settings, key).expect("the model does not deadlock");
    let wall = t0.elapsed().as_secs_f64();

    let acute = model.pool_id("acute_beds").map(|id| &out.pools[id.0 as usize]);
    let care = model.pool_id("care_places").map(|id| &out.pools[id.0 as usize]);
    println!(
        "tool=caresim model=flow config={} horizon_days={:.1} seed={}",
        opts.config.display(),
        settings.horizon_days,
        plan.seed
    );
    if let (Some(acute), Some(care)) = (acute, care) {
        let discharged = acute.stats.departures;
        println!(
            "mean_acute_occupancy={:.3} delayed_bed_days_per_patient={:.4} mean_wait_for_bed_days={:.4} throughput_per_day={:.4} share_to_care={:.4}",
            acute.mean_occupied(),
            acute.blocked_days() / discharged.max(1) as f64,
            acute.mean_wait_days().unwrap_or(f64::NAN),
            acute.throughput_per_day(),
            care.stats.arrivals as f64 / discharged.max(1) as f64,
        );
        println!("events_processed={} admitted={} discharged={}", out.events, acute.stats.admitted, discharged);
        println!(
            "wall_s={wall:.3} patients_per_s={:.0} events_per_s={:.0}",
            acute.stats.admitted as f64 / wall,
            out.events as f64 / wall
        );
    } else {
        for (spec, pool) in model.pools.iter().zip(&out.pools) {
            println!(
                "pool={} mean_occupied={:.4} mean_wait_days={:.5} p_wait={:.4} admitted={}",
                spec.name,
                pool.mean_occupied(),
                pool.mean_wait_days().unwrap_or(f64::NAN),
                pool.p_wait().unwrap_or(f64::NAN),
                pool.stats.admitted
            );
        }
        println!("events_processed={}", out.events);
        println!("wall_s={wall:.3} events_per_s={:.0}", out.events as f64 / wall);
    }
    Ok(())
}

/// Runs the example; exits 2 with a message on bad arguments or a bad config.
fn main() -> ExitCode {
    match parse_args().and_then(|opts| run(&opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("anchor_throughput: {e}");
            ExitCode::from(2)
        }
    }
}
