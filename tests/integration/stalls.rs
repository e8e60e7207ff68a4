//! A run whose clock stands still stops with an error naming the pathway and steps,
//! instead of going round at one instant forever (ignoring SIGTERM and SIGINT).

use crate::common::{plan, root};
use caresim::dist::DurationDist;
use caresim::experiment::{self, RunError};
use caresim::pathway::{Next, Route, StepId};
use caresim::time::SimDuration;

#[test]
fn a_zero_time_cycle_stops_the_run_with_its_pathway_and_steps() {
    let mut p = plan(&root().join("tests/fixtures/valid_base.toml"), &["replications=1".into()]);
    // What validation rejects, built directly: the ward routes to itself with no stay.
    let model = &mut p.scenarios[0].model;
    let pathway = &mut model.pathways[0];
    let ward = pathway.steps.iter().position(|s| s.name == "ward").expect("ward step");
    pathway.steps[ward].stay = DurationDist::Fixed(SimDuration::ZERO);
    pathway.steps[ward].route = Route::new(&[(1.0, Next::Step(StepId(ward as u16)))]);
    let started = std::time::Instant::now();
    let result = experiment::run_all::<std::io::Error, _, _>(&p, p.run_settings(false), 1, |_, _| Ok(()), |_| {});
    let Err(RunError::Stalled { scenario, reason, .. }) = result else {
        panic!("expected a stalled run, got {:?}", result.map(|d| d.len()));
    };
    assert_eq!(scenario, "baseline");
    assert!(reason.contains("pathway stay, steps ward"), "{reason}");
    assert!(reason.contains("the clock stood still at day 0."), "{reason}");
    assert!(started.elapsed() < std::time::Duration::from_secs(300));
}
