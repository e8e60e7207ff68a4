//! Arguments, progress bar and the end-of-run table: the only place that prints.

use caresim::config::{self, ExperimentPlan, Overrides};
use caresim::experiment;
use caresim::experiment::shard::Shard;
use caresim::output::ParquetSink;
use caresim::output::merge;
use caresim::record::RunKey;
use caresim::stats::Summary;
use caresim::summary::compare::{self, RunMetrics};
use caresim::summary::digest::SummaryRow;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
        /// Also write the `events` table (one row per event processed; large).
        #[arg(long)]
        events: bool,
        /// Replace the results in the output directory (of a different config, or to
        /// start afresh); without it, a rerun of the same config resumes.
        #[arg(long)]
        force: bool,
        /// Run only shard I (0-based) of --shard-count N: a fixed slice of the grid.
        #[arg(long, value_name = "I", default_value_t = 0, requires = "shard_count")]
        shard_index: u32,
        /// Number of shards the grid is split into (then finish with `caresim merge`).
        #[arg(long, value_name = "N", default_value_t = 1)]
        shard_count: u32,
    },
    /// Check that every run of a (sharded) experiment is present with one config, and
    /// write the tables built from all runs (summary, paired, parameters).
    Merge {
        /// The output directory the shards wrote to.
        dir: PathBuf,
    },
    /// Propose a warm-up length: run replications with no warm-up and apply MSER-5 to
    /// each pool's daily mean occupancy.
    Warmup {
        /// The experiment config (TOML).
        config: PathBuf,
        /// Override a config value: dotted.key=value (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Replications of the trial (overrides `replications`).
        #[arg(long)]
        replications: Option<u32>,
        /// The scenario to study [default: the first].
        #[arg(long)]
        scenario: Option<String>,
        /// Worker threads; 0 = one per core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// Run the baseline scenario and compare it with the calibration targets.
    Calibrate {
        /// The experiment config (TOML); its first scenario is the baseline.
        config: PathBuf,
        /// Replications (overrides `replications`).
        #[arg(long)]
        replications: Option<u32>,
        /// Worker threads; 0 = one per core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Override a config value: dotted.key=value (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Write one self-contained HTML report of an output directory (charts inline).
    Report {
        /// The output directory of `caresim run` (or `merge`).
        dir: PathBuf,
        /// The HTML file to write [default: DIR/report.html].
        #[arg(long)]
        out: Option<PathBuf>,
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
        Command::Run {
            config,
            out,
            seed,
            replications,
            threads,
            mut set,
            episodes,
            events,
            force,
            shard_index,
            shard_count,
        } => {
            if let Some(s) = seed {
                set.push(format!("seed={s}"));
            }
            if let Some(r) = replications {
                set.push(format!("replications={r}"));
            }
            let shard = Shard::new(shard_index, shard_count)?;
            let plan = config::load(&config, &Overrides { set })?;
            let out = out.unwrap_or_else(|| default_out(&config));
            let record = Record { episodes, events };
            run(&plan, &out, threads, record, force, shard)
        }
        Command::Merge { dir } => {
            let report = merge::merge(&dir)?;
            let plan = merge::plan_of(&dir)?;
            let metrics = merge::read_metrics(&dir, &plan, &experiment::run_keys(&plan))?;
            print_tables(&plan, &metrics);
            eprintln!(
                "merged {} run(s) of config {} in {}{}",
                report.runs,
                report.config_hash,
                dir.display(),
                if report.temporary_removed > 0 {
                    format!(" ({} temporary file(s) removed)", report.temporary_removed)
                } else {
                    String::new()
                }
            );
            Ok(())
        }
        Command::Warmup { config, mut set, replications, scenario, threads } => {
            if let Some(r) = replications {
                set.push(format!("replications={r}"));
            }
            let plan = config::load(&config, &Overrides { set })?;
            crate::warmup::run(&plan, scenario.as_deref(), threads)
        }
        Command::Calibrate { config, replications, threads, mut set } => {
            if let Some(r) = replications {
                set.push(format!("replications={r}"));
            }
            let plan = config::load(&config, &Overrides { set })?;
            calibrate(&plan, threads)
        }
        Command::Report { dir, out } => {
            let out = out.unwrap_or_else(|| caresim::output::report::default_path(&dir));
            let written = caresim::output::report::write(&dir, &out)?;
            let skipped = written.missing_tables.join(", ");
            eprintln!(
                "report with {} chart(s) written to {}{}",
                written.charts,
                written.path.display(),
                if skipped.is_empty() { String::new() } else { format!(" (tables not in the folder: {skipped})") }
            );
            Ok(())
        }
        Command::Validate { config, set } => {
            let plan = config::load(&config, &Overrides { set })?;
            describe(&plan);
            Ok(())
        }
    }
}

fn calibrate(plan: &ExperimentPlan, threads: usize) -> Result<(), BoxError> {
    let rows = caresim::experiment::calibration_report(plan, threads)?;
    if rows.is_empty() {
        return Err(format!("{}: calibration needs a model with a [cohort]", plan.source.display()).into());
    }
    println!(
        "calibration of scenario {} over {} replication(s) (mean [95% interval]; targets from the domain brief §7.9)",
        plan.scenarios[0].name, plan.replications
    );
    println!("{:<56} {:>12} {:>22} {:>34} {:>8}", "target", "expected", "tolerance", "simulated", "status");
    let mut inside = 0;
    for r in &rows {
        let m = &r.measure;
        let s = &r.summary;
        let simulated = if s.n == 0 {
            "-".to_string()
        } else if s.half_width.is_nan() {
            format!("{:.4}", s.mean)
        } else {
            format!("{:.4} [{:.4}, {:.4}]", s.mean, s.low(), s.high())
        };
        let status = if s.n == 0 {
            "n/a"
        } else if r.inside() {
            "inside"
        } else {
            "OUTSIDE"
        };
        inside += usize::from(r.inside());
        println!(
            "{:<56} {:>12.4} {:>22} {:>34} {:>8}   [{}]",
            m.target,
            m.expected,
            format!("[{:.4}, {:.4}]", m.tolerance.0, m.tolerance.1),
            simulated,
            status,
            m.source
        );
    }
    println!("{inside} of {} targets inside tolerance", rows.len());
    Ok(())
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

/// Which optional tables a run writes.
#[derive(Clone, Copy, Debug)]
struct Record {
    episodes: bool,
    events: bool,
}

fn run(
    plan: &ExperimentPlan,
    out: &Path,
    threads: usize,
    record: Record,
    force: bool,
    shard: Shard,
) -> Result<(), BoxError> {
    let episodes = record.episodes;
    let sink = ParquetSink::create(out, plan, force)?;
    let keys = shard.keys(plan);
    // A shard clears only its own runs' temporary files: others may be writing theirs.
    let removed = sink.remove_temporary(if shard.is_all() { None } else { Some(&keys) })?;
    let todo: Vec<RunKey> = keys.iter().copied().filter(|k| !sink.is_complete(*k, episodes)).collect();
    let skipped: Vec<RunKey> = keys.iter().copied().filter(|k| !todo.contains(k)).collect();
    if !skipped.is_empty() || removed > 0 {
        eprintln!(
            "resuming in {}: {} of {} run(s) already complete{}",
            sink.dir().display(),
            skipped.len(),
            keys.len(),
            if removed > 0 { format!(", {removed} temporary file(s) removed") } else { String::new() }
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Ctrl-C or SIGTERM: start no new run; runs in flight finish and are stored whole.
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))?;
    let pilots = experiment::pilot_plan(plan, &experiment::scenarios_of(&todo)).runs();
    if pilots > 0 {
        // The pilots start first and the runs beside them, but no run is stored before the
        // pilots are in: say so, or the bar sits at 0 meanwhile.
        eprintln!(
            "calibrating payments: {pilots} pilot run(s) of the baseline scenario, alongside {} run(s)",
            todo.len()
        );
    }
    let bar = progress_bar(todo.len() as u64);
    let started = Instant::now();
    let digests = experiment::run_selected(
        plan,
        &todo,
        caresim::config::RunSettings { record_events: record.events, ..plan.run_settings(episodes) },
        threads,
        &stop,
        |_, o| sink.write_run(o),
        |done| bar.set_position(done as u64),
    )?;
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let events: u64 = digests.iter().map(|d| d.events).sum();
    if stop.load(Ordering::SeqCst) && digests.len() < todo.len() {
        return Err(format!(
            "interrupted: {} of {} run(s) stored in {}; no partial file is left. Rerun the same command to \
             finish the rest",
            skipped.len() + digests.len(),
            keys.len(),
            sink.dir().display()
        )
        .into());
    }
    let rate = |n: usize| n as f64 / elapsed.max(1e-9);
    if !shard.is_all() {
        eprintln!(
            "shard {} of {}: {} run(s) ({} new) in {elapsed:.2} s ({:.2} runs/s); when every shard is done, run \
             `caresim merge {}`",
            shard.index,
            shard.count,
            keys.len(),
            digests.len(),
            rate(digests.len()),
            sink.dir().display()
        );
        return Ok(());
    }
    let mut metrics: Vec<RunMetrics> = digests.iter().map(RunMetrics::of).collect();
    metrics.extend(merge::read_metrics(sink.dir(), plan, &skipped)?);
    metrics.sort_by_key(|m| m.key);
    merge::write_finished(&sink, plan, &metrics)?;
    print_tables(plan, &metrics);
    eprintln!(
        "{} run(s) ({} new), {events} events in {elapsed:.2} s ({:.1} M events/s, {:.2} runs/s); results in {}",
        keys.len(),
        digests.len(),
        events as f64 / elapsed.max(1e-9) / 1e6,
        rate(digests.len()),
        sink.dir().display()
    );
    Ok(())
}

fn summary_cell(rows: &[SummaryRow], scenario: usize, pool: &str, metric: &str, digits: usize) -> String {
    rows.iter()
        .find(|r| r.scenario as usize == scenario && r.pool == pool && r.metric == metric)
        .map_or_else(|| "-".into(), |r| format_summary(&r.summary, digits))
}

fn format_summary(s: &Summary, digits: usize) -> String {
    format_scaled(s, digits, 1.0)
}

/// `mean [low, high]` of a summary times `scale` (e.g. pence to pounds); `-` when empty.
fn format_scaled(s: &Summary, digits: usize, scale: f64) -> String {
    if s.n == 0 {
        return "-".into();
    }
    if s.half_width.is_nan() {
        return format!("{:.*}", digits, s.mean * scale);
    }
    format!("{:.*} [{:.*}, {:.*}]", digits, s.mean * scale, digits, s.low() * scale, digits, s.high() * scale)
}

/// The end-of-run tables: per scenario and pool, then paired differences.
fn print_tables(plan: &ExperimentPlan, metrics: &[RunMetrics]) {
    let rows = compare::summarise(plan, metrics);
    let samples = if plan.samples > 1 { format!(" x {} parameter sample(s)", plan.samples) } else { String::new() };
    println!(
        "mean [95% interval] over {} replication(s){samples}, after {} warm-up days",
        plan.replications, plan.warmup_days
    );
    println!(
        "{:<20} {:<20} {:>26} {:>26} {:>26} {:>26}",
        "scenario", "pool", "mean occupied", "mean wait (days)", "P(wait)", "blocked (place-days)"
    );
    for (s, scenario) in plan.scenarios.iter().enumerate() {
        for pool in &scenario.model.pools {
            let p = pool.name.as_str();
            println!(
                "{:<20} {:<20} {:>26} {:>26} {:>26} {:>26}",
                scenario.name,
                pool.name,
                summary_cell(&rows, s, p, "mean_occupied", 2),
                summary_cell(&rows, s, p, "mean_wait_days", 3),
                summary_cell(&rows, s, p, "p_wait", 3),
                summary_cell(&rows, s, p, "blocked_days", 1),
            );
        }
    }
    let paired = compare::paired(plan, metrics);
    if paired.is_empty() {
        return;
    }
    let baseline = plan.scenarios.first().map_or("", |s| s.name.as_str());
    println!("\npaired difference from {baseline} (scenario - {baseline}): mean [95% interval], P(difference < 0)");
    println!("{:<20} {:<20} {:>34} {:>34}", "scenario", "pool", "mean occupied", "blocked (place-days)");
    let cell = |s: usize, pool: &str, metric: &str, digits: usize| -> String {
        paired
            .iter()
            .find(|r| r.scenario as usize == s && r.pool == pool && r.metric == metric)
            .map_or_else(|| "-".into(), |r| format!("{} P={:.2}", format_summary(&r.summary, digits), r.p_below_zero))
    };
    for (s, scenario) in plan.scenarios.iter().enumerate().skip(1) {
        for pool in &scenario.model.pools {
            let p = pool.name.as_str();
            println!(
                "{:<20} {:<20} {:>34} {:>34}",
                scenario.name,
                pool.name,
                cell(s, p, "mean_occupied", 2),
                cell(s, p, "blocked_days", 1)
            );
        }
    }
    print_money(plan, &paired);
}

/// The area-level paired comparison, when runs were settled: activity, public spend and
/// the savings split, with the national equivalent of the saving.
fn print_money(plan: &ExperimentPlan, paired: &[compare::PairedRow]) {
    let area = caresim::summary::area::AREA;
    if !paired.iter().any(|r| r.pool == area && r.metric == "savings_pct") {
        return;
    }
    // Mean [interval] of an area metric, scaled (e.g. pence to pounds).
    let cell = |s: usize, metric: &str, scale: f64, digits: usize| -> String {
        paired
            .iter()
            .find(|r| r.scenario as usize == s && r.pool == area && r.metric == metric)
            .map_or_else(|| "-".into(), |r| format_scaled(&r.summary, digits, scale))
    };
    println!("\narea, paired with the baseline: mean [95% interval] per year");
    println!(
        "{:<28} {:>24} {:>26} {:>22} {:>22} {:>26}",
        "scenario",
        "emergency admissions",
        "public spend (£/resident)",
        "savings (%)",
        "of which resource (%)",
        "national equivalent (£bn)"
    );
    for (s, scenario) in plan.scenarios.iter().enumerate().skip(1) {
        println!(
            "{:<28} {:>24} {:>26} {:>22} {:>22} {:>26}",
            scenario.name,
            cell(s, "emergency_admissions_per_year", 1.0, 0),
            cell(s, "public_spend_pence_per_resident", 0.01, 2),
            cell(s, "savings_pct", 1.0, 2),
            cell(s, "resource_savings_pct", 1.0, 2),
            cell(s, "national_saving_pence_per_year", 1e-11, 2),
        );
    }
}
