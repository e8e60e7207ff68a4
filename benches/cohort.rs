//! Benchmark of the cohort model: one replication of the default area
//! (`configs/default.toml`, 275,000 people) for one simulated year, without output.
//!
//! ```text
//! cargo bench --no-default-features --bench cohort -- --quick --noplot
//! ```

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use caresim::config::{self, Overrides};
use caresim::flow;
use caresim::record::RunKey;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn default_area_one_year(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("configs/default.toml");
    let set = vec!["horizon_days=365".to_string(), "warmup_days=0".to_string()];
    let plan = config::load(&path, &Overrides { set }).expect("configs/default.toml is valid");
    let model = &plan.scenarios[0].model;
    let settings = plan.run_settings(false);
    let key = RunKey { scenario: 0, sample: 0, replication: 0 };
    let events = flow::run(model, settings, key).expect("the model does not deadlock").events;
    let mut group = c.benchmark_group("cohort");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).throughput(Throughput::Elements(events));
    group.bench_function("default_area/365d", |b| {
        b.iter(|| black_box(flow::run(black_box(model), settings, key).expect("the model does not deadlock")))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(10))
}

criterion_group! { name = benches; config = config(); targets = default_area_one_year }
criterion_main!(benches);
