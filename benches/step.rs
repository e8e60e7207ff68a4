//! Micro-benchmarks of single steps: one tariff pricing of a spell (rules R1-R7) and one
//! pathway step of the flow model (a stay drawn and routed), as in SimPy's benchmark
//! groups.
//!
//! ```text
//! cargo bench --no-default-features --bench step -- --quick --noplot
//! ```

use std::hint::black_box;
use std::time::Duration;

use caresim::dist::DurationDist;
use caresim::pathway::{Next, Route, StepId};
use caresim::payment::tariff::{AdmissionClass, HrgGroupId, Spell, TariffParams, price_spell};
use caresim::rng::{Purpose, StreamKey};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::RngExt;

fn tariff_pricing(c: &mut Criterion) {
    let params = TariffParams::default();
    let spell = Spell {
        hrg_group: HrgGroupId(0),
        class: AdmissionClass::Emergency,
        admission_day: 100,
        discharge_day: 140,
        age_years: 81,
        previous_discharge: None,
        exclusion: None,
        specialised: false,
    };
    c.bench_function("step/tariff_pricing", |b| b.iter(|| black_box(price_spell(black_box(&spell), &params))));
}

fn pathway_step(c: &mut Criterion) {
    let stay = DurationDist::lognormal(5.0, 5.0).expect("valid lognormal");
    let route = Route::new(&[(0.3, Next::Step(StepId(1))), (0.7, Next::Exit)]);
    let mut rng = StreamKey { master_seed: 1, sample: 0, replication: 0, purpose: Purpose::Patient, entity: 0 }.rng();
    c.bench_function("step/stay_and_route", |b| {
        b.iter(|| {
            let d = stay.sample(&mut rng);
            let u: f64 = rng.random();
            black_box((d, route.choose(u)))
        })
    });
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1))
}

criterion_group! { name = benches; config = config(); targets = tariff_pricing, pathway_step }
criterion_main!(benches);
