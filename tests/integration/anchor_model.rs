//! The shared anchor blocking model (acute beds -> 30% need a care place; blocking
//! after service) expressed as `configs/validation/anchor_flow.toml`, compared with
//! the reference implementation.
//!
//! Reference: the hand-written loop `flow_plain` of `../shared/anchors/heap_limit`
//! (which `../shared/anchors/crosscheck_flow.py` checks against SimPy and Ciw), run for
//! 40 seeds (101..=140) with `-n 200000`: across-seed mean and sd of each metric below.
//! Agreement is the Welch-style check of `crosscheck_flow.py`: the difference of the
//! means lies within the combined half-width sqrt(h1^2 + h2^2), here at 99.9% for each
//! side (t 0.9995 quantiles: 3.883 for our 20 replications, 3.558 for 39 df), so that
//! four checks have at most ~0.4% chance of a false alarm.

use crate::common::{mean_hw999, plan, root};

/// (metric, reference mean, reference sd) from `flow_plain`, 40 seeds x 200,000 patients.
const REFERENCE: [(&str, f64, f64); 4] = [
    ("mean_acute_occupancy", 87.72163, 0.55889),
    ("delayed_bed_days_per_patient", 0.15848, 0.02477),
    ("mean_wait_for_bed_days", 0.23602, 0.08158),
    ("throughput_per_day", 17.00389, 0.04071),
];
const T_9995_DF39: f64 = 3.558;
const REFERENCE_RUNS: f64 = 40.0;

#[test]
fn anchor_flow_agrees_with_the_reference_implementation() {
    let plan = plan(&root().join("configs/validation/anchor_flow.toml"), &["replications=20".into()]);
    let runs = crate::common::run(&plan);
    let acute = plan.scenarios[0].model.pool_id("acute_beds").expect("acute pool").0 as usize;
    let metric = |name: &str| -> Vec<f64> {
        runs.iter()
            .map(|r| {
                let p = &r.pools[acute];
                match name {
                    "mean_acute_occupancy" => p.mean_occupied(),
                    "delayed_bed_days_per_patient" => p.blocked_days() / p.stats.departures as f64,
                    "mean_wait_for_bed_days" => p.mean_wait_days().expect("admissions"),
                    "throughput_per_day" => p.throughput_per_day(),
                    _ => unreachable!(),
                }
            })
            .collect()
    };
    for (name, ref_mean, ref_sd) in REFERENCE {
        let (mean, hw) = mean_hw999(&metric(name));
        let ref_hw = T_9995_DF39 * ref_sd / REFERENCE_RUNS.sqrt();
        let limit = hw.hypot(ref_hw);
        assert!(
            (mean - ref_mean).abs() <= limit,
            "{name}: caresim {mean:.4} vs reference {ref_mean:.4}, |diff| > {limit:.4}"
        );
    }
    // Little's law for the acute ward: occupancy = throughput x (stay + delay).
    for r in &runs {
        let p = &r.pools[acute];
        let l = p.mean_occupied();
        let lw = p.throughput_per_day() * p.mean_sojourn_days().expect("departures");
        assert!((l - lw).abs() / l < 0.01, "Little: {l} vs {lw}");
    }
}
