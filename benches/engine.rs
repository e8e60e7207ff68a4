//! Pending-event set micro-benchmarks: the classic *hold model*.
//!
//! The queue is pre-filled with `pending` events at exponential times; each measured
//! operation pops the earliest event and pushes one new event at `now + Exp(mean 1 day)`
//! (whole minutes, so ties happen as they do in the models). The queue size therefore
//! stays constant and the cost measured is one pop + one push + one exponential draw.
//!
//! Benchmarks are named `queue/<heap|radix>/<1k|100k>`; the reported throughput is
//! hold operations (events) per second.
//!
//! ```text
//! cargo bench --no-default-features --bench engine -- --quick --noplot
//! ```

use std::hint::black_box;
use std::time::Duration;

use caresim::engine::{EventQueue, HeapQueue, PendingSet, RadixQueue};
use caresim::rng::{Purpose, SimRng, StreamKey};
use caresim::time::{SimDuration, SimTime};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use rand_distr::Exp1;

/// Hold operations per measured iteration (amortises the timing overhead).
const HOLDS_PER_ITER: u64 = 1_000;

/// Mean increment of the hold model, days.
const MEAN_INCREMENT_DAYS: f64 = 1.0;

/// The deterministic increment generator: a keyed stream of the crate itself.
fn increment_rng() -> SimRng {
    StreamKey { master_seed: 2024, sample: 0, replication: 0, purpose: Purpose::Arrivals, entity: 0 }.rng()
}

/// One exponential increment, rounded to whole minutes.
#[inline]
fn increment(rng: &mut SimRng) -> SimDuration {
    SimDuration::from_days_f64(rng.sample::<f64, _>(Exp1) * MEAN_INCREMENT_DAYS)
}

/// A queue over `set` holding `pending` events at exponential times from zero.
fn filled<P: PendingSet<u32>>(set: P, pending: usize, rng: &mut SimRng) -> EventQueue<u32, P> {
    let mut q = EventQueue::with_set(set);
    for i in 0..pending {
        q.schedule(SimTime::ZERO + increment(rng), i as u32);
    }
    q
}

/// `n` hold operations: pop the earliest event, push it back at `now + increment`.
#[inline]
fn hold<P: PendingSet<u32>>(q: &mut EventQueue<u32, P>, rng: &mut SimRng, n: u64) -> u64 {
    let mut checksum = 0u64;
    for _ in 0..n {
        let item = q.pop().expect("hold model: the queue never empties");
        checksum = checksum.wrapping_add(item.at.minutes() ^ item.event as u64);
        q.schedule_in(increment(rng), item.event);
    }
    checksum
}

/// Benchmarks one pending-set implementation at one size.
fn bench_one<P: PendingSet<u32>>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    label: &str,
    pending: usize,
    set: P,
) {
    let mut rng = increment_rng();
    let mut q = filled(set, pending, &mut rng);
    // Reach the steady-state distribution of event times before measuring.
    hold(&mut q, &mut rng, 2 * pending as u64);
    group.bench_function(BenchmarkId::new(name, label), |b| {
        b.iter(|| black_box(hold(&mut q, &mut rng, HOLDS_PER_ITER)));
    });
    assert_eq!(q.len(), pending, "hold model keeps the queue size constant");
}

/// Heap vs radix heap at 1,000 and 100,000 pending events.
fn queues(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue");
    group.throughput(Throughput::Elements(HOLDS_PER_ITER));
    for (label, pending) in [("1k", 1_000usize), ("100k", 100_000)] {
        bench_one(&mut group, "heap", label, pending, HeapQueue::<u32>::default());
        bench_one(&mut group, "radix", label, pending, RadixQueue::<u32>::new());
    }
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
    targets = queues
}
criterion_main!(benches);
