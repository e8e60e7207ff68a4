//! Times one replication of the default area (`configs/default.toml`, 275,000 people)
//! for one simulated year, without output, and reports events/s and the population's
//! memory. Usage: `cargo run --release --no-default-features --example default_area_year [DAYS] [PEOPLE]`.

use caresim::config::{self, Overrides};
use caresim::record::RunKey;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let days: f64 = std::env::args().nth(1).map(|d| d.parse()).transpose()?.unwrap_or(365.0);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/default.toml");
    let mut set = vec![format!("horizon_days={days}"), "warmup_days=0".to_string()];
    if let Some(people) = std::env::args().nth(2) {
        let people: u32 = people.parse()?;
        set.push(format!("cohort.population.size={people}"));
    }
    let plan = config::load(&path, &Overrides { set })?;
    // With another population size, every capacity is scaled in proportion, so the
    // area's load (and so the events per person) stays the same.
    let mut scaled = plan.scenarios[0].model.clone();
    if let Some(c) = &scaled.cohort {
        let factor = c.size as f64 / 275_000.0;
        for pool in &mut scaled.pools {
            if let caresim::capacity::Places::Limited(n) = pool.places {
                pool.places = caresim::capacity::Places::Limited(((n as f64 * factor).round() as u32).max(1));
            }
        }
    }
    let model = &scaled;
    if let Some(params) = &model.cohort {
        let t = Instant::now();
        let pop = caresim::cohort::population::Population::generate(params, plan.seed, 0, 0, 0);
        println!("generation_s={:.3} population_bytes={}", t.elapsed().as_secs_f64(), pop.memory_bytes());
    }
    let started = Instant::now();
    let out = caresim::flow::run(model, plan.run_settings(false), RunKey { scenario: 0, sample: 0, replication: 0 })
        .expect("the model does not deadlock");
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
