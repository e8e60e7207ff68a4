//! Runs N replications of a config through the experiment runner with a sink that stores
//! nothing, to see whether memory grows with the number of runs without the output
//! layer. Usage: `memory_probe CONFIG N`.

use caresim::config::{self, Overrides};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: memory_probe CONFIG N")?;
    let n: u32 = args.next().ok_or("usage: memory_probe CONFIG N")?.parse()?;
    let plan = config::load(std::path::Path::new(&path), &Overrides { set: vec![format!("replications={n}")] })?;
    let digests = caresim::experiment::run_all::<std::io::Error, _, _>(
        &plan,
        plan.run_settings(false),
        1,
        |_, _| Ok(()),
        |_| {},
    )?;
    println!("runs={} events={}", digests.len(), digests.iter().map(|d| d.events).sum::<u64>());
    Ok(())
}
