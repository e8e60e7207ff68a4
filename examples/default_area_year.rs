//! Times one replication of the default area (`configs/default.toml`, 275,000 people)
//! for one simulated year, without output, and reports events/s and the population's
//! memory. Usage: `cargo run --release --no-default-features --example default_area_year [DAYS]`.

use caresim::config::{self, Overrides};
use caresim::record::RunKey;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let days: f64 = std::env::args().nth(1).map(|d| d.parse()).transpose()?.unwrap_or(365.0);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/default.toml");
    let set = vec![format!("horizon_days={days}"), "warmup_days=0".to_string()];
    let plan = config::load(&path, &Overrides { set })?;
    let model = &plan.scenarios[0].model;
    if let Some(params) = &model.cohort {
        let t = Instant::now();
        let pop = caresim::cohort::population::Population::generate(params, plan.seed, 0, 0, 0);
        println!("generation_s={:.3} population_bytes={}", t.elapsed().as_secs_f64(), pop.memory_bytes());
    }
    let started = Instant::now();
    let out = caresim::flow::run(model, plan.run_settings(false), RunKey { scenario: 0, sample: 0, replication: 0 });
    let wall = started.elapsed().as_secs_f64();
    println!(
        "people={} days={days} events={} person_year_rows={} wall_s={wall:.3} events_per_s={:.0}",
        out.population,
        out.events,
        out.person_year.len(),
        out.events as f64 / wall
    );
    Ok(())
}
