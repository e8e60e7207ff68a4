//! `caresim warmup`: a trial with no warm-up, and MSER-5 on each pool's daily mean
//! occupancy, printed with its evidence.

use caresim::config::ExperimentPlan;
use caresim::experiment;
use caresim::record::{CapacityTable, RunKey};
use caresim::stats::mser::{self, Mser};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the trial and prints the proposal.
pub fn run(plan: &ExperimentPlan, scenario: Option<&str>, threads: usize) -> Result<(), BoxError> {
    let s = match scenario {
        None => 0,
        Some(name) => plan.scenarios.iter().position(|s| s.name == name).ok_or_else(|| {
            let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
            format!("no scenario named {name:?}; the scenarios are {}", names.join(", "))
        })?,
    };
    let keys: Vec<RunKey> =
        (0..plan.replications).map(|replication| RunKey { scenario: s as u16, sample: 0, replication }).collect();
    let mut settings = plan.run_settings(false);
    settings.warmup_days = 0.0;
    let tables: Mutex<Vec<(u32, CapacityTable)>> = Mutex::new(Vec::new());
    experiment::run_selected::<std::io::Error, _, _>(
        plan,
        &keys,
        settings,
        threads,
        &AtomicBool::new(false),
        |_, out| {
            if let Ok(mut t) = tables.lock() {
                t.push((out.key.replication, out.capacity.clone()));
            }
            Ok(())
        },
        |_| {},
    )?;
    let tables = tables.into_inner().map_err(|_| "a worker thread panicked")?;
    let scenario = &plan.scenarios[s];
    let pools = &scenario.model.pools;
    let days = plan.horizon_days.floor() as usize;
    // Daily occupancy per pool, averaged over replications.
    let mut series = vec![vec![0.0; days]; pools.len()];
    for (_, t) in &tables {
        for i in 0..t.day.len() {
            let (d, p) = (t.day[i] as usize, t.pool[i] as usize);
            if d < days && p < pools.len() {
                series[p][d] += t.occupied[i] / tables.len() as f64;
            }
        }
    }
    println!(
        "MSER-5 warm-up on daily mean occupancy: scenario {}, {} replication(s) with no warm-up, {} days",
        scenario.name,
        tables.len(),
        days
    );
    println!(
        "{:<20} {:>10} {:>14} {:>14} {:>14} {:>14} {:>12}",
        "pool", "warm-up", "mean day 0-4", "mean deleted", "mean after", "mean overall", "MSER min"
    );
    let mut proposal = 0usize;
    let mut short = Vec::new();
    for (p, pool) in pools.iter().enumerate() {
        let Some(m): Option<Mser> = mser::mser5(&series[p]) else {
            println!("{:<20} {:>10}", pool.name, "too short");
            continue;
        };
        let first = series[p].iter().take(mser::BATCH).sum::<f64>() / mser::BATCH as f64;
        println!(
            "{:<20} {:>10} {:>14.2} {:>14.2} {:>14.2} {:>14.2} {:>12.3e}",
            pool.name,
            format!("{} d", m.truncation_days),
            first,
            m.mean_deleted,
            m.mean_after,
            m.mean_all,
            m.statistic
        );
        if m.at_search_limit {
            short.push(pool.name.as_str());
        }
        proposal = proposal.max(m.truncation_days);
    }
    println!("\nproposed warm-up: {proposal} days (the longest over pools); set `warmup_days = {proposal}`");
    if !short.is_empty() {
        println!(
            "warning: for {} the minimum lies at the end of the search window (half the run): the run may be too \
             short to reach steady state; try a longer horizon_days",
            short.join(", ")
        );
    }
    if plan.warmup_days > 0.0 {
        println!("(the config currently has warmup_days = {})", plan.warmup_days);
    }
    Ok(())
}
