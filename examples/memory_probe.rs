//! Runs N replications of a config through the experiment runner with a sink that stores
//! nothing, to see whether memory grows with the number of runs without the output
//! layer, and prints a digest of each run's money (the `ledger` and `org_year` tables,
//! the person-year payment and cost columns and the area metrics), so that a change to
//! the payment pass can be checked to settle the same money, bit for bit.
//!
//! Usage: `memory_probe CONFIG N [THREADS]` (THREADS defaults to 1).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;

use caresim::config::{self, Overrides};
use caresim::flow::RunOutput;
use caresim::record::RunKey;

/// A digest of the money of one run (`DefaultHasher::new` uses fixed keys, so the digest
/// is the same from one process to the next).
fn money_digest(out: &RunOutput, registry: Option<&caresim::payment::organisation::Registry>) -> u64 {
    let mut h = DefaultHasher::new();
    if let Some(p) = &out.payments {
        let l = &p.ledger;
        (&l.payer, &l.payee, &l.account, &l.month, &l.amount_pence, &l.transactions).hash(&mut h);
        for o in &p.org_years {
            (o.year, o.org.0, o.net_income_pence.0, o.resource_cost_pence.0, o.public_spend_pence.0).hash(&mut h);
        }
        (&p.years, p.enrolled_people).hash(&mut h);
    }
    let t = &out.person_year;
    if let Some(p) = &t.payments {
        (&p.ccg_paid_pence, &p.council_paid_pence, &p.pool_paid_pence, &p.client_paid_pence).hash(&mut h);
    }
    (&t.person, &t.year, &t.acute_cost_pence, &t.community_cost_pence, &t.social_care_cost_pence).hash(&mut h);
    t.primary_care_cost_pence.hash(&mut h);
    for v in caresim::summary::area::RunEconomy::of(out, registry).values {
        v.map(f64::to_bits).hash(&mut h);
    }
    h.finish()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: memory_probe CONFIG N [THREADS]";
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or(USAGE)?;
    let n: u32 = args.next().ok_or(USAGE)?.parse()?;
    let threads: usize = args.next().map_or(Ok(1), |t| t.parse())?;
    let plan = config::load(std::path::Path::new(&path), &Overrides { set: vec![format!("replications={n}")] })?;
    let digests: Mutex<Vec<(RunKey, u64)>> = Mutex::new(Vec::new());
    let runs = caresim::experiment::run_all::<std::io::Error, _, _>(
        &plan,
        plan.run_settings(false),
        threads,
        |plan, out| {
            let model = plan.model(out.key.scenario, out.key.sample).map_err(std::io::Error::other)?;
            let d = money_digest(out, model.payment.as_ref().map(|s| &s.area.registry));
            digests.lock().map_err(|_| std::io::Error::other("digest lock poisoned"))?.push((out.key, d));
            Ok(())
        },
        |_| {},
    )?;
    let mut digests = digests.into_inner().map_err(|_| "digest lock poisoned")?;
    digests.sort_unstable();
    let mut all = DefaultHasher::new();
    for (k, d) in &digests {
        println!("scenario={} sample={} replication={} money_digest={d:016x}", k.scenario, k.sample, k.replication);
        d.hash(&mut all);
    }
    println!("runs={} events={}", runs.len(), runs.iter().map(|d| d.events).sum::<u64>());
    println!("money_digest_all={:016x}", all.finish());
    Ok(())
}
