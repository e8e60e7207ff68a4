//! The cohort model on the small area: population marginals, flow invariants,
//! reproducibility with the cohort, and the calibration targets that are achievable.

use crate::common::{plan, root};
use caresim::calibration;
use caresim::capacity::Setting;
use caresim::config::ExperimentPlan;
use caresim::flow;
use caresim::record::{RunKey, RunOutput};

fn small() -> ExperimentPlan {
    plan(&root().join("configs/small.toml"), &[])
}

fn run_one(plan: &ExperimentPlan, scenario: u16, replication: u32) -> RunOutput {
    flow::run(&plan.scenarios[scenario as usize].model, plan.run_settings(false), RunKey { scenario, sample: 0, replication })
}

#[test]
fn print_calibration() {
    let plan = small();
    let model = &plan.scenarios[0].model;
    let out = run_one(&plan, 0, 0);
    let acute: Vec<u16> =
        model.pools.iter().enumerate().filter(|(_, p)| p.setting == Setting::Acute).map(|(i, _)| i as u16).collect();
    let resp: Vec<(u16, &'static str)> =
        model.pools.iter().enumerate().map(|(i, p)| (i as u16, p.responsible.name())).collect();
    for m in calibration::measures(&out, &acute, &resp) {
        println!("{:<55} {:>10.4} target {:>10.4} [{:.3}, {:.3}] {:?}", m.target, m.value.unwrap_or(f64::NAN), m.expected, m.tolerance.0, m.tolerance.1, m.value.map(|v| calibration::within(&m, v)));
    }
    println!("events {} rows {}", out.events, out.person_year.len());
    for p in &out.pools {
        println!("{:?} occ {:.1} wait {:?} blocked {:.1}", model.pools[p.pool as usize].name, p.mean_occupied(), p.mean_wait_days(), p.blocked_days());
    }
}
