//! Arguments, progress bar and the end-of-run table: the only place that prints.

use caresim::config::{self, ExperimentPlan, Overrides};
use caresim::experiment::{self, RunDigest};
use caresim::output::ParquetSink;
use caresim::stats::Summary;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Discrete-event simulation of patient flow through acute, community and social care.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every scenario and replication of an experiment and write Parquet tables.
    Run {
        /// The experiment config (TOML).
        config: PathBuf,
        /// Output directory [default: results/<config file stem>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed (overrides `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Replications per scenario (overrides `replications`).
        #[arg(long)]
        replications: Option<u32>,
        /// Worker threads; 0 = one per core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Override a config value: dotted.key=value (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Also write the `episodes` table (one row per stay).
        #[arg(long)]
        episodes: bool,
        /// Replace results of a different config in the output directory.
        #[arg(long)]
        force: bool,
    },
    /// Check a config and describe the experiment, without running it.
    Validate {
        /// The experiment config (TOML).
        config: PathBuf,
        /// Override a config value: dotted.key=value (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Entry point of the binary.
pub fn main() -> Result<(), BoxError> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { config, out, seed, replications, threads, mut set, episodes, force } => {
            if let Some(s) = seed {
                set.push(format!("seed={s}"));
            }
            if let Some(r) = replications {
                set.push(format!("replications={r}"));
            }
            let plan = config::load(&config, &Overrides { set })?;
            let out = out.unwrap_or_else(|| default_out(&config));
            run(&plan, &out, threads, episodes, force)
        }
        Command::Validate { config, set } => {
            let plan = config::load(&config, &Overrides { set })?;
            describe(&plan);
            Ok(())
        }
    }
}

fn default_out(config: &Path) -> PathBuf {
    let stem = config.file_stem().map_or_else(|| "experiment".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("results").join(stem)
}

fn describe(plan: &ExperimentPlan) {
    println!("{}: valid (config hash {})", plan.source.display(), plan.config_hash);
    println!(
        "seed {}, {} replication(s), horizon {} days, warm-up {} days",
        plan.seed, plan.replications, plan.horizon_days, plan.warmup_days
    );
    for s in &plan.scenarios {
        let m = &s.model;
        println!(
            "scenario {}: {} pool(s), {} pathway(s), {} arrival stream(s){}",
            s.name,
            m.pools.len(),
            m.pathways.len(),
            m.arrivals.len(),
            if s.description.is_empty() { String::new() } else { format!(" — {}", s.description) }
        );
    }
}

fn progress_bar(len: u64) -> ProgressBar {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
    if ci || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} runs (eta {eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn run(plan: &ExperimentPlan, out: &Path, threads: usize, episodes: bool, force: bool) -> Result<(), BoxError> {
    let sink = ParquetSink::create(out, plan, force)?;
    let runs = experiment::run_keys(plan).len();
    let bar = progress_bar(runs as u64);
    let started = Instant::now();
    let digests = experiment::run_all(
        plan,
        plan.run_settings(episodes),
        threads,
        |_, o| sink.write_run(o),
        |done| bar.set_position(done as u64),
    )?;
    bar.finish_and_clear();
    let rows = experiment::summarise(plan, &digests);
    sink.write_summary(&rows)?;
    let elapsed = started.elapsed().as_secs_f64();
    let events: u64 = digests.iter().map(|d| d.events).sum();
    print_table(plan, &digests);
    eprintln!(
        "{runs} run(s), {events} events in {elapsed:.2} s ({:.1} M events/s); results in {}",
        events as f64 / elapsed.max(1e-9) / 1e6,
        sink.dir().display()
    );
    Ok(())
}

fn cell(values: &[f64], digits: usize) -> String {
    let s = Summary::of(values);
    if s.n == 0 {
        return "-".into();
    }
    if s.half_width.is_nan() {
        return format!("{:.*}", digits, s.mean);
    }
    format!("{:.*} [{:.*}, {:.*}]", digits, s.mean, digits, s.low(), digits, s.high())
}

fn print_table(plan: &ExperimentPlan, digests: &[RunDigest]) {
    println!("mean [95% interval] over {} replication(s), after {} warm-up days", plan.replications, plan.warmup_days);
    println!(
        "{:<20} {:<20} {:>26} {:>26} {:>26} {:>26}",
        "scenario", "pool", "mean occupied", "mean wait (days)", "P(wait)", "blocked (place-days)"
    );
    for (s, scenario) in plan.scenarios.iter().enumerate() {
        let runs: Vec<&RunDigest> = digests.iter().filter(|d| d.key.scenario as usize == s).collect();
        for (pi, pool) in scenario.model.pools.iter().enumerate() {
            let col = |f: &dyn Fn(&caresim::record::PoolSummary) -> Option<f64>| -> Vec<f64> {
                runs.iter().filter_map(|d| d.pools.get(pi).and_then(f)).collect()
            };
            println!(
                "{:<20} {:<20} {:>26} {:>26} {:>26} {:>26}",
                scenario.name,
                pool.name,
                cell(&col(&|p| Some(p.mean_occupied())), 2),
                cell(&col(&|p| p.mean_wait_days()), 3),
                cell(&col(&|p| p.p_wait()), 3),
                cell(&col(&|p| Some(p.blocked_days())), 1),
            );
        }
    }
}
