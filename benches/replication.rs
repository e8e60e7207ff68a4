//! Whole-replication benchmarks of the shared anchor model
//! (`configs/validation/anchor_flow.toml`: acute ward -> care places with blocking).
//!
//! - `replication/anchor_flow/full`: one replication at the config's horizon
//!   (200,000 patients, about 11,765 days; roughly 50-100 ms).
//! - `replication/anchor_flow/365d`: one replication of one simulated year, which
//!   shows the fixed set-up cost (pools, streams, buffers) next to the event loop.
//!
//! Throughput is reported in events (as counted by `RunOutput::events`) per second.
//!
//! ```text
//! cargo bench --no-default-features --bench replication -- --quick --noplot
//! ```

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use caresim::config::{self, ExperimentPlan, Overrides};
use caresim::flow;
use caresim::record::RunKey;
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

/// The anchor model's config, found from the crate root.
fn anchor_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("configs/validation/anchor_flow.toml")
}

/// Loads the anchor config with the given `dotted.key=value` overrides.
fn load(set: &[&str]) -> ExperimentPlan {
    let overrides = Overrides { set: set.iter().map(|s| s.to_string()).collect() };
    config::load(&anchor_path(), &overrides).expect("configs/validation/anchor_flow.toml must load")
}

/// The run key of the one replication benchmarked.
const KEY: RunKey = RunKey { scenario: 0, sample: 0, replication: 0 };

/// Benchmarks `flow::run` on the first scenario of `plan`.
fn bench_plan(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    label: &str,
    plan: &ExperimentPlan,
) {
    let model = &plan.scenarios[0].model;
    let settings = plan.run_settings(false);
    // Every run of the same key processes the same events: count them once.
    let events = flow::run(model, settings, KEY).expect("the model does not deadlock").events;
    group.throughput(Throughput::Elements(events));
    group.bench_function(BenchmarkId::new("anchor_flow", label), |b| {
        b.iter(|| black_box(flow::run(black_box(model), settings, KEY).expect("the model does not deadlock")).events);
    });
}

/// One full replication and one short (one-year) replication of the anchor model.
fn replication(c: &mut Criterion) {
    let full = load(&[]);
    let year = load(&["horizon_days=365"]);
    let mut group = c.benchmark_group("replication");
    // A full run takes tens of milliseconds: the same iteration count in every sample.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    bench_plan(&mut group, "full", &full);
    bench_plan(&mut group, "365d", &year);
    group.finish();
}

/// Quick defaults; command-line flags (`--quick`, `--measurement-time`, ...) override.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = replication
}
criterion_main!(benches);
