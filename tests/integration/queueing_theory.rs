//! A single pool with Poisson arrivals and exponential stays against closed forms:
//! Erlang C (M/M/c with a queue), Erlang B (M/M/c/c, turn away), mean occupied against
//! offered load, M/M/inf zero waits, and Little's law inside each run.
//!
//! Tolerances: each run is one independent replication after a warm-up, so the
//! per-replication estimates are i.i.d.; the theoretical value must lie in their 99.9%
//! t-interval (see `common::T_9995_DF19`). The only systematic error is rounding
//! durations to whole minutes, at most half a minute per stay (3.5e-4 days), far below
//! the interval widths here.

use crate::common::{erlang_b, erlang_c, mean_hw999, plan_from_str, run};

fn single_pool(name: &str, c: &str, when_full: &str, lambda: f64, mean_stay: f64) -> String {
    format!(
        r#"
        seed = 4242
        replications = 20
        horizon_days = 3000
        warmup_days = 100
        [pools.{name}]
        capacity = {c}
        when_full = "{when_full}"
        [arrivals.a]
        rate_per_day = {lambda}
        pathway = "p"
        [pathways.p]
        start = "s"
        steps.s = {{ pool = "{name}", stay = {{ dist = "exponential", mean_days = {mean_stay} }} }}
        "#
    )
}

fn check(label: &str, values: &[f64], expected: f64) {
    let (mean, hw) = mean_hw999(values);
    assert!(
        (mean - expected).abs() <= hw,
        "{label}: simulated {mean:.5} +- {hw:.5} (99.9%) does not cover theory {expected:.5}"
    );
}

/// M/M/c: P(wait) = C(c, a), mean wait Wq = C / (c mu - lambda), mean in service = a.
fn mmc(c: u32, lambda: f64, mean_stay: f64) {
    let plan = plan_from_str(&format!("mmc{c}"), &single_pool("servers", &c.to_string(), "queue", lambda, mean_stay));
    let runs = run(&plan);
    let pools: Vec<_> = runs.iter().map(|r| &r.pools[0]).collect();
    let a = lambda * mean_stay;
    let p_wait = erlang_c(c, a);
    let wq = p_wait / (c as f64 / mean_stay - lambda);
    check(&format!("M/M/{c} P(wait)"), &pools.iter().map(|p| p.p_wait().unwrap()).collect::<Vec<_>>(), p_wait);
    check(&format!("M/M/{c} Wq"), &pools.iter().map(|p| p.mean_wait_days().unwrap()).collect::<Vec<_>>(), wq);
    check(&format!("M/M/{c} mean occupied"), &pools.iter().map(|p| p.mean_occupied()).collect::<Vec<_>>(), a);
    check(&format!("M/M/{c} Lq"), &pools.iter().map(|p| p.mean_waiting()).collect::<Vec<_>>(), lambda * wq);
}

#[test]
fn mmc_matches_erlang_c_at_high_load() {
    mmc(10, 9.0, 1.0); // the anchor model (a): rho = 0.9
}

#[test]
fn mmc_matches_erlang_c_at_moderate_load() {
    mmc(3, 4.0, 0.5); // rho = 0.667
}

/// M/M/c/c: P(turned away) = B(c, a), mean occupied = a (1 - B).
fn loss(c: u32, lambda: f64, mean_stay: f64) {
    let plan = plan_from_str(&format!("loss{c}"), &single_pool("beds", &c.to_string(), "turn_away", lambda, mean_stay));
    let runs = run(&plan);
    let pools: Vec<_> = runs.iter().map(|r| &r.pools[0]).collect();
    let a = lambda * mean_stay;
    let b = erlang_b(c, a);
    check(&format!("M/M/{c}/{c} loss"), &pools.iter().map(|p| p.p_turned_away().unwrap()).collect::<Vec<_>>(), b);
    check(
        &format!("M/M/{c}/{c} occupied"),
        &pools.iter().map(|p| p.mean_occupied()).collect::<Vec<_>>(),
        a * (1.0 - b),
    );
    assert!(pools.iter().all(|p| p.stats.waited == 0 && p.stats.wait_minutes == 0), "a loss system never queues");
}

#[test]
fn loss_system_matches_erlang_b() {
    loss(10, 8.0, 1.0);
}

#[test]
fn small_loss_system_matches_erlang_b() {
    loss(4, 6.0, 0.5); // a = 3
}

#[test]
fn unlimited_pool_never_waits_and_holds_the_offered_load() {
    let plan = plan_from_str("mminf", &single_pool("ward", "\"unlimited\"", "queue", 12.0, 2.0));
    let runs = run(&plan);
    assert!(runs.iter().all(|r| r.pools[0].stats.wait_minutes == 0 && r.pools[0].stats.waited == 0));
    check("M/M/inf occupied", &runs.iter().map(|r| r.pools[0].mean_occupied()).collect::<Vec<_>>(), 24.0);
}

/// Little's law per run: L = lambda W for places (mean occupied = throughput x mean
/// sojourn) and for the waiting list (mean waiting = admission rate x mean wait).
/// The identity is exact on a sample path but for customers straddling the ends of the
/// window; their share is about 2 L W / T = 2 x 9 x 1 / 2900 = 0.6% for occupancy
/// here, so 2% bounds it with room for the fluctuation of those few customers.
#[test]
fn littles_law_holds_inside_each_run() {
    let plan = plan_from_str("little", &single_pool("servers", "10", "queue", 9.0, 1.0));
    for r in run(&plan) {
        let p = &r.pools[0];
        let l = p.mean_occupied();
        let lw = p.throughput_per_day() * p.mean_sojourn_days().unwrap();
        assert!((l - lw).abs() / l < 0.02, "places: L {l} vs lambda W {lw}");
        let lq = p.mean_waiting();
        let lwq = p.stats.admitted as f64 / p.window_days * p.mean_wait_days().unwrap();
        assert!((lq - lwq).abs() / lq < 0.02, "queue: Lq {lq} vs lambda Wq {lwq}");
    }
}

/// M/M/c+M (Erlang A): waiting requests give up after an exponential patience of mean
/// 1/theta (`renege_after`). The number in the system is a birth-death chain with birth
/// rate lambda and death rate min(n, c) mu + max(n - c, 0) theta; its stationary law
/// (truncated where the tail is below 1e-300) gives the mean waiting, the mean occupied
/// and the share who give up, theta Lq / lambda.
fn erlang_a(c: u32, lambda: f64, mean_stay: f64, mean_patience: f64) {
    let toml = single_pool("servers", &c.to_string(), "queue", lambda, mean_stay).replace(
        "when_full = \"queue\"",
        &format!(
            "when_full = \"queue\"\n        renege_after = {{ dist = \"exponential\", mean_days = {mean_patience} }}"
        ),
    );
    let plan = plan_from_str(&format!("erlang_a{c}"), &toml);
    let runs = run(&plan);
    let pools: Vec<_> = runs.iter().map(|r| &r.pools[0]).collect();
    let (mu, theta) = (1.0 / mean_stay, 1.0 / mean_patience);
    let mut weights = vec![1.0_f64];
    while *weights.last().unwrap_or(&0.0) > 1e-300 && weights.len() < 100_000 {
        let n = weights.len() as f64; // moving from n - 1 to n
        let death = mu * n.min(c as f64) + theta * (n - c as f64).max(0.0);
        weights.push(weights[weights.len() - 1] * lambda / death);
    }
    let total: f64 = weights.iter().sum();
    let expect = |f: &dyn Fn(f64) -> f64| weights.iter().enumerate().map(|(n, w)| w * f(n as f64)).sum::<f64>() / total;
    let lq = expect(&|n| (n - c as f64).max(0.0));
    let busy = expect(&|n| n.min(c as f64));
    let p_abandon = theta * lq / lambda;
    let label = format!("M/M/{c}+M (lambda {lambda}, patience {mean_patience})");
    check(&format!("{label} Lq"), &pools.iter().map(|p| p.mean_waiting()).collect::<Vec<_>>(), lq);
    check(&format!("{label} mean occupied"), &pools.iter().map(|p| p.mean_occupied()).collect::<Vec<_>>(), busy);
    check(
        &format!("{label} P(give up)"),
        &pools.iter().map(|p| p.stats.reneged as f64 / p.stats.arrivals as f64).collect::<Vec<_>>(),
        p_abandon,
    );
    assert!(pools.iter().all(|p| p.stats.reneged > 0), "{label}: somebody gives up");
}

#[test]
fn overloaded_pool_with_reneging_matches_erlang_a() {
    erlang_a(10, 12.0, 1.0, 0.5); // offered load 1.2 x the servers: stable only by reneging
}

#[test]
fn pool_with_reneging_below_capacity_matches_erlang_a() {
    erlang_a(5, 4.5, 1.0, 2.0);
}
