//! Arguments, progress bar and the end-of-run table: the only place that prints.

use caresim::config::{self, ExperimentPlan, Overrides};
use caresim::estimate;
use caresim::experiment;
use caresim::experiment::shard::Shard;
use caresim::output::merge;
use caresim::output::run::{RunEvent, RunRequest, default_out, run_into_dir};
use caresim::stats::{Bound, Summary};
use caresim::summary::compare::{self, RunMetrics};
use caresim::summary::digest::SummaryRow;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

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
        #[command(flatten)]
        limits: LimitArgs,
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
        /// Worker threads the run would use (for the memory estimate); 0 = one per core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

/// Limits an experiment is checked against before it runs (see `caresim::estimate`).
#[derive(clap::Args, Debug, Clone, Copy)]
struct LimitArgs {
    /// Most events the whole experiment may simulate [default: 1e12].
    #[arg(long, value_name = "N")]
    max_events: Option<f64>,
    /// Most memory the runs in flight may hold, GiB [default: 3/4 of this machine's].
    #[arg(long, value_name = "GIB")]
    max_memory_gib: Option<f64>,
}

impl LimitArgs {
    fn limits(self) -> estimate::Limits {
        estimate::Limits::chosen(self.max_events, self.max_memory_gib)
    }
}

/// Refuses an experiment whose estimate exceeds the limits, before anything is written.
fn check_estimate(plan: &ExperimentPlan, threads: usize, events: bool, limits: LimitArgs) -> Result<(), BoxError> {
    let e = estimate::of(plan, events);
    e.check(limits.limits(), estimate::runs_at_once(plan, threads))
        .map_err(|m| format!("{}: {m}", plan.source.display()).into())
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
            limits,
        } => {
            if let Some(s) = seed {
                set.push(format!("seed={s}"));
            }
            if let Some(r) = replications {
                set.push(format!("replications={r}"));
            }
            let shard = Shard::new(shard_index, shard_count)?;
            let plan = with_warnings(config::load(&config, &Overrides { set })?);
            let out = out.unwrap_or_else(|| default_out(&config));
            let record = Record { episodes, events };
            let threads = capped_threads(threads);
            check_estimate(&plan, threads, events, limits)?;
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
            let plan = with_warnings(config::load(&config, &Overrides { set })?);
            let threads = capped_threads(threads);
            check_estimate(&plan, threads, false, LimitArgs { max_events: None, max_memory_gib: None })?;
            crate::warmup::run(&plan, scenario.as_deref(), threads)
        }
        Command::Calibrate { config, replications, threads, mut set } => {
            if let Some(r) = replications {
                set.push(format!("replications={r}"));
            }
            let plan = with_warnings(config::load(&config, &Overrides { set })?);
            let threads = capped_threads(threads);
            check_estimate(&plan, threads, false, LimitArgs { max_events: None, max_memory_gib: None })?;
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
        Command::Validate { config, set, threads, limits } => {
            let plan = with_warnings(config::load(&config, &Overrides { set })?);
            describe(&plan);
            let threads = capped_threads(threads);
            println!("{}", estimate::of(&plan, false).describe(estimate::runs_at_once(&plan, threads)));
            check_estimate(&plan, threads, false, limits)
        }
    }
}

/// Most worker threads per core: runs are CPU-bound, so more only costs memory and
/// start-up time (a hundred thousand threads took minutes to fail).
const MAX_THREADS_PER_CORE: usize = 4;

/// `--threads`, capped at [`MAX_THREADS_PER_CORE`] x the cores, saying so when it is.
fn capped_threads(threads: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let cap = cores.saturating_mul(MAX_THREADS_PER_CORE);
    if threads > cap {
        eprintln!("--threads {threads} is more than {MAX_THREADS_PER_CORE} per core ({cores} core(s)); using {cap}");
        return cap;
    }
    threads
}

fn calibrate(plan: &ExperimentPlan, threads: usize) -> Result<(), BoxError> {
    let rows = caresim::experiment::calibration_report(plan, threads)?;
    if rows.is_empty() {
        return Err(format!("{}: calibration needs a model with a [cohort]", plan.source.display()).into());
    }
    println!(
        "calibration of scenario {} over {} replication(s): mean [95% interval] (Wilson (t) for shares, log-t for \
         counts and rates: docs/outputs.md#intervals); targets and their source keys: docs/calibration.md, docs/sources.md",
        plan.scenarios[0].name, plan.replications
    );
    println!("{:<56} {:>12} {:>22} {:>34} {:>8}", "target", "expected", "tolerance", "simulated", "status");
    let mut inside = 0;
    for r in &rows {
        let m = &r.measure;
        let s = &r.summary;
        let simulated = format_interval(s, m.bound(), 4, 1.0);
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

/// Prints the config's warnings on stderr and hands the plan on.
fn with_warnings(plan: ExperimentPlan) -> ExperimentPlan {
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    plan
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
        for cycle in caresim::config::delays::queue_cycles(m) {
            let names: Vec<&str> = cycle.iter().map(|p| m.pool(*p).name.as_str()).collect();
            eprintln!(
                "warning: scenario {}: pools {} are finite `queue` pools that pathways route between in a cycle; \
                 blocking can lock them (every place held by a patient waiting for another of them), and a run \
                 that locks stops with an error. Give one of them `when_full = \"turn_away\"` or break the cycle \
                 if that is not intended",
                s.name,
                names.join(", ")
            );
        }
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
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Ctrl-C or SIGTERM: start no new run and abandon the runs in flight within a few
    // thousand events (even one long run stops at once); finished runs are stored whole
    // and a rerun redoes the rest. A second one exits at once (say, during the
    // calibration pilots, which run to their end): every file is renamed into place
    // whole, so nothing partial is left either way.
    ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("\nstopped at once; rerun the same command to resume");
            std::process::exit(130);
        }
        eprintln!(
            "\nstopping: the run(s) in flight are abandoned and redone when you rerun the same command \
             (interrupt again to exit at once)"
        );
    })?;
    let request = RunRequest { plan, out, threads, episodes: record.episodes, events: record.events, force, shard };
    let bar: OnceLock<ProgressBar> = OnceLock::new();
    let report = run_into_dir(&request, &stop, |event| match event {
        RunEvent::Damaged { problems } => {
            eprintln!(
                "{} damaged or incomplete file(s) in {}; their runs are done again:",
                problems.len(),
                out.display()
            );
            for d in problems.iter().take(10) {
                eprintln!("  - {d}");
            }
            if problems.len() > 10 {
                eprintln!("  - ... and {} more", problems.len() - 10);
            }
        }
        RunEvent::Resuming { complete, total, temporary_removed } => eprintln!(
            "resuming in {}: {complete} of {total} run(s) already complete{}",
            out.display(),
            if temporary_removed > 0 {
                format!(", {temporary_removed} temporary file(s) removed")
            } else {
                String::new()
            }
        ),
        // The pilots start first and the runs beside them, but no run is stored before the
        // pilots are in: say so, or the bar sits at 0 meanwhile.
        RunEvent::Calibrating { pilots, runs } => {
            eprintln!("calibrating payments: {pilots} pilot run(s) of the baseline scenario, alongside {runs} run(s)")
        }
        RunEvent::Started { runs } => {
            bar.get_or_init(|| progress_bar(runs as u64));
        }
        RunEvent::Progress { done } => {
            if let Some(bar) = bar.get() {
                bar.set_position(done as u64);
            }
        }
    });
    if let Some(bar) = bar.get() {
        bar.finish_and_clear();
    }
    let report = report?;
    let dir = report.dir.display();
    if report.interrupted {
        return Err(format!("{}. Rerun the same command to finish the rest", report.interruption()).into());
    }
    let elapsed = report.elapsed_s;
    if !shard.is_all() {
        eprintln!(
            "shard {} of {}: {} run(s) ({} new) in {elapsed:.2} s ({:.2} runs/s); when every shard is done, run \
             `caresim merge {dir}`",
            shard.index,
            shard.count,
            report.runs,
            report.new,
            report.runs_per_s(),
        );
        return Ok(());
    }
    print_tables(plan, &report.metrics);
    eprintln!(
        "{} run(s) ({} new), {} events in {elapsed:.2} s ({:.1} M events/s, {:.2} runs/s); results in {dir}",
        report.runs,
        report.new,
        report.events,
        report.events as f64 / elapsed.max(1e-9) / 1e6,
        report.runs_per_s(),
    );
    Ok(())
}

fn summary_cell(rows: &[SummaryRow], scenario: usize, pool: &str, metric: &str, digits: usize) -> String {
    rows.iter()
        .find(|r| r.scenario as usize == scenario && r.pool == pool && r.metric == metric)
        .map_or_else(|| "-".into(), |r| format_interval(&r.summary, compare::metric_bound(metric), digits, 1.0))
}

/// `mean [low, high]` of a summary with the interval for `bound`, times `scale` (e.g.
/// pence to pounds, or -1 to turn a saving into a change); `-` when empty, the mean
/// alone when there is no interval (one run).
fn format_interval(s: &Summary, bound: Bound, digits: usize, scale: f64) -> String {
    if s.n == 0 {
        return "-".into();
    }
    // (+ 0.0 turns the -0.0 of a scaled zero into 0.0)
    let mean = s.mean * scale + 0.0;
    let (low, high) = s.interval(bound);
    if low.is_nan() || high.is_nan() {
        return format!("{mean:.digits$}");
    }
    let (a, b) = (low * scale + 0.0, high * scale + 0.0);
    format!("{mean:.digits$} [{:.digits$}, {:.digits$}]", a.min(b), a.max(b))
}

/// Width of a name column: the longest name, and at least the header.
fn name_width<'a>(header: &str, names: impl Iterator<Item = &'a str>) -> usize {
    names.map(|n| n.chars().count()).chain([header.len()]).max().unwrap_or(0)
}

/// The end-of-run tables: per scenario and pool, then paired differences.
fn print_tables(plan: &ExperimentPlan, metrics: &[RunMetrics]) {
    let rows = compare::summarise(plan, metrics);
    let samples = if plan.samples > 1 { format!(" x {} parameter sample(s)", plan.samples) } else { String::new() };
    let sw = name_width("scenario", plan.scenarios.iter().map(|s| s.name.as_str()));
    let pw = name_width("pool", plan.scenarios.iter().flat_map(|s| s.model.pools.iter().map(|p| p.name.as_str())));
    println!(
        "mean [95% interval] over {} replication(s){samples}, after {} warm-up days; intervals respect the bounds: \
         log-t for quantities that cannot be negative, Wilson (t) for the probability P(wait) (docs/outputs.md#intervals)",
        plan.replications, plan.warmup_days
    );
    println!(
        "{:<sw$} {:<pw$} {:>26} {:>26} {:>26} {:>28}",
        "scenario", "pool", "mean occupied", "mean wait (days)", "P(wait)", "blocked (place-days)"
    );
    for (s, scenario) in plan.scenarios.iter().enumerate() {
        for pool in &scenario.model.pools {
            let p = pool.name.as_str();
            println!(
                "{:<sw$} {:<pw$} {:>26} {:>26} {:>26} {:>28}",
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
    let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
    for w in caresim::summary::warnings::warnings(&names, &rows, &paired) {
        println!("{w}");
    }
    if paired.is_empty() {
        return;
    }
    let baseline = plan.scenarios.first().map_or("", |s| s.name.as_str());
    println!(
        "\npaired differences, scenario - {baseline} (negative: less than in {baseline}): mean [95% t interval] over \
         the pairs of runs with common random numbers; share<0 is the share of pairs below zero (not a p-value)"
    );
    println!("{:<sw$} {:<pw$} {:>42} {:>42}", "scenario", "pool", "mean occupied", "blocked (place-days)");
    let cell = |s: usize, pool: &str, metric: &str, digits: usize| -> String {
        paired.iter().find(|r| r.scenario as usize == s && r.pool == pool && r.metric == metric).map_or_else(
            || "-".into(),
            |r| format!("{} share<0 {:.2}", format_interval(&r.summary, Bound::Any, digits, 1.0), r.share_below_zero),
        )
    };
    for (s, scenario) in plan.scenarios.iter().enumerate().skip(1) {
        for pool in &scenario.model.pools {
            let p = pool.name.as_str();
            println!(
                "{:<sw$} {:<pw$} {:>42} {:>42}",
                scenario.name,
                pool.name,
                cell(s, p, "mean_occupied", 2),
                cell(s, p, "blocked_days", 1)
            );
        }
    }
    print_money(plan, &paired);
}

/// The area-level paired comparison, when runs were settled: activity, spend by
/// commissioner, the consolidated public spend and its change split into resource change
/// and transfers, and the national equivalent, always with its split; all as scenario -
/// baseline, as in the `paired` table.
fn print_money(plan: &ExperimentPlan, paired: &[compare::PairedRow]) {
    let area = caresim::summary::area::AREA;
    if !paired.iter().any(|r| r.pool == area && r.metric == "consolidated_change_pct") {
        return;
    }
    // Mean [interval] of an area metric, scaled (e.g. pence to pounds).
    let cell = |s: usize, metric: &str, scale: f64, digits: usize| -> String {
        paired
            .iter()
            .find(|r| r.scenario as usize == s && r.pool == area && r.metric == metric)
            .map_or_else(|| "-".into(), |r| format_interval(&r.summary, Bound::Any, digits, scale))
    };
    let baseline = plan.scenarios.first().map_or("", |s| s.name.as_str());
    let sw = name_width("scenario", plan.scenarios.iter().skip(1).map(|s| s.name.as_str()));
    println!(
        "\narea, scenario - {baseline} per year (negative: less than in {baseline}), mean [95% t interval] over the \
         pairs, £m; NHS and council are spend by commissioner; consolidated counts NHS bodies and councils as one \
         public sector (its change = resource change + transfers)"
    );
    println!(
        "{:<sw$} {:>22} {:>22} {:>22} {:>22} {:>22} {:>22} {:>24}",
        "scenario",
        "emergency admissions",
        "NHS spend",
        "council spend",
        "consolidated",
        "of which resource",
        "of which transfers",
        "consolidated (%)"
    );
    for (s, scenario) in plan.scenarios.iter().enumerate().skip(1) {
        println!(
            "{:<sw$} {:>22} {:>22} {:>22} {:>22} {:>22} {:>22} {:>24}",
            scenario.name,
            cell(s, "emergency_admissions_per_year", 1.0, 0),
            cell(s, "nhs_spend_pence_per_year", 1e-8, 2),
            cell(s, "council_spend_pence_per_year", 1e-8, 2),
            cell(s, "consolidated_spend_pence_per_year", 1e-8, 2),
            cell(s, "consolidated_resource_pence_per_year", 1e-8, 2),
            cell(s, "consolidated_transfers_pence_per_year", 1e-8, 2),
            cell(s, "consolidated_change_pct", 1.0, 2),
        );
    }
    println!(
        "\nnational equivalent of the change in consolidated spend, £bn a year (England's 53.9m residents), \
         scenario - {baseline}, with its split; staffed places used: the change in the value of staffed \
         place-days used in the area, £m (negative: capacity released)"
    );
    println!(
        "{:<sw$} {:>24} {:>24} {:>24} {:>24}",
        "scenario", "change", "from resource", "from transfers", "staffed places used (£m)"
    );
    for (s, scenario) in plan.scenarios.iter().enumerate().skip(1) {
        println!(
            "{:<sw$} {:>24} {:>24} {:>24} {:>24}",
            scenario.name,
            cell(s, "national_change_pence_per_year", 1e-11, 2),
            cell(s, "national_resource_change_pence_per_year", 1e-11, 2),
            cell(s, "national_transfer_change_pence_per_year", 1e-11, 2),
            cell(s, "used_places_change_pence_per_year", 1e-8, 2),
        );
    }
}
