//! Tests of bed pressure through whole runs: seasonal emergency admissions, weekday
//! electives, weekend discharges and self-funded care home placements (see
//! [`crate::config::calendar`] and [`crate::config::self_funded`]).

use crate::config::RunSettings;
use crate::config::calendar::DAYS_IN_MONTH;
use crate::config::{ExperimentPlan, Overrides, load_resolved};
use crate::flow::RunOutput;
use crate::record::RunKey;
use crate::time::{MINUTES_PER_DAY, SimTime};
use std::path::Path;

fn small_area(set: &[&str]) -> ExperimentPlan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/small.toml");
    let overrides = Overrides { set: set.iter().map(|s| s.to_string()).collect() };
    crate::config::load(&path, &overrides).unwrap_or_else(|e| panic!("{e}"))
}

fn run(plan: &ExperimentPlan, record_events: bool, record_episodes: bool) -> RunOutput {
    let settings = RunSettings { record_events, record_episodes, ..plan.run_settings(false) };
    crate::flow::run(&plan.scenarios[0].model, settings, RunKey { scenario: 0, sample: 0, replication: 0 })
        .expect("the model does not deadlock")
}

/// Minutes of each event called `name` in the run's event log.
fn event_minutes(out: &RunOutput, name: &str) -> Vec<u64> {
    let log = out.events_log.as_ref().expect("events recorded");
    log.event.iter().zip(&log.minute).filter(|(e, _)| **e == name).map(|(_, m)| *m).collect()
}

/// A strong seasonal pattern (January first), so that a calendar that did nothing
/// would fail the tests below by many standard errors.
const PATTERN: [f64; 12] = [1.6, 1.4, 1.2, 1.0, 0.8, 0.6, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6];

fn pattern_set() -> String {
    let v: Vec<String> = PATTERN.iter().map(|x| format!("{x:?}")).collect();
    format!("calendar.emergency_admissions_by_month=[{}]", v.join(", "))
}

const COMMON: [&str; 4] =
    ["cohort.population.size=50000", "horizon_days=365", "warmup_days=0", "calendar.weekend_discharge_reduction=0.0"];

/// Emergency admissions by month follow the configured factors. The same area is run
/// with the pattern and with flat factors (same seed); month m's count with the pattern,
/// `C_m`, is compared with `E_m = T x f_m F_m / sum_k f_k F_k`, where `F_m` is the flat
/// run's count (which carries the cohort's own trend over the year and the month's
/// length), `f_m` the normalised factor and `T` the pattern run's total. Counts are
/// close to Poisson, so `(C_m - E_m)^2 / (E_m (1 + E_m / F_m))` summed over the months is
/// about chi-squared with 11 degrees of freedom (the variance adds the flat run's
/// Poisson noise carried by `E_m`; common random numbers only make it smaller). The
/// 1 - 1e-4 quantile of chi-squared(11) is 37.4.
#[test]
fn seasonality_reproduces_the_monthly_factors_in_emergency_admissions() {
    let pattern = pattern_set();
    let mut set: Vec<&str> = COMMON.to_vec();
    set.push(&pattern);
    let with = small_area(&set);
    let mut flat_set = COMMON.to_vec();
    flat_set.push("calendar.emergency_admissions_by_month=[1,1,1,1,1,1,1,1,1,1,1,1]");
    let flat = small_area(&flat_set);
    let cal = with.scenarios[0].model.calendar.clone().expect("calendar");
    let by_month = |plan: &ExperimentPlan| -> [f64; 12] {
        let out = run(plan, true, false);
        let mut counts = [0.0; 12];
        for m in event_minutes(&out, "emergency_admission") {
            counts[cal.month(SimTime(m))] += 1.0;
        }
        counts
    };
    let c = by_month(&with);
    let f = by_month(&flat);
    let factors = cal.emergency_by_month();
    let total: f64 = c.iter().sum();
    let weight: f64 = (0..12).map(|m| factors[m] * f[m]).sum();
    let mut chi2 = 0.0;
    for m in 0..12 {
        let e = total * factors[m] * f[m] / weight;
        chi2 += (c[m] - e).powi(2) / (e * (1.0 + e / f[m]));
    }
    assert!(total > 3000.0, "too few admissions to test: {total}");
    assert!(chi2 < 37.4, "chi-squared {chi2:.1} over 11 df: counts {c:?}, flat {f:?}");
    // And the pattern is visible: January's rate per day is well above June's.
    let per_day = |m: usize| c[m] / f[m];
    assert!(per_day(0) / per_day(5) > 2.0, "{c:?} vs {f:?}");
}

/// Electives fall on weekdays only, and their weekly number is unchanged: the counts
/// with and without the rule (same seed) differ by less than 4 standard deviations of
/// the difference of two Poisson counts.
#[test]
fn electives_are_admitted_on_weekdays_with_the_weekly_number_kept() {
    let mut set = COMMON.to_vec();
    set.push("calendar.electives_weekdays_only=true");
    let weekdays = small_area(&set);
    let mut set = COMMON.to_vec();
    set.push("calendar.electives_weekdays_only=false");
    let every_day = small_area(&set);
    let cal = weekdays.scenarios[0].model.calendar.clone().expect("calendar");
    let a = event_minutes(&run(&weekdays, true, false), "elective_admission");
    let b = event_minutes(&run(&every_day, true, false), "elective_admission");
    assert!(a.iter().all(|m| !cal.is_weekend(SimTime(*m))), "an elective admission at a weekend");
    let weekend_b = b.iter().filter(|m| cal.is_weekend(SimTime(**m))).count() as f64;
    assert!(weekend_b > 0.2 * b.len() as f64, "without the rule electives are spread over the week");
    let (na, nb) = (a.len() as f64, b.len() as f64);
    assert!((na - nb).abs() < 4.0 * (na + nb).sqrt(), "{na} vs {nb}");
}

const ACUTE_ONLY: &str = r#"
seed = 7
replications = 1
horizon_days = 700
warmup_days = 0
[pools.acute_beds]
capacity = "unlimited"
setting = "acute"
[pathways.stay]
start = "ward"
[pathways.stay.steps.ward]
pool = "acute_beds"
stay = { dist = "fixed", days = 3.5 }
[arrivals.emergencies]
rate_per_day = 100.0
pathway = "stay"
[calendar]
start_month = 4
start_day = 1
start_weekday = "friday"
weekend_discharge_reduction = 0.4
"#;

/// With ready times spread evenly over the week, discharges per weekend day are 40%
/// below those per weekday: the ratio of two Poisson-like counts (about 20,000 weekend
/// and 50,000 weekday discharges) is checked within 4 standard errors.
#[test]
fn weekend_discharges_are_the_configured_share_below_weekdays() {
    let plan = load_resolved(Path::new("acute_only.toml"), ACUTE_ONLY).unwrap_or_else(|e| panic!("{e}"));
    let cal = plan.scenarios[0].model.calendar.clone().expect("calendar");
    let out = run(&plan, false, true);
    let episodes = out.episodes.as_ref().expect("episodes");
    // Whole weeks after the first, so every weekday is counted equally often.
    let (mut weekend, mut weekday) = (0.0f64, 0.0f64);
    for exit in &episodes.exit_day {
        let t = SimTime((exit * MINUTES_PER_DAY as f64).round() as u64);
        if !(7..7 + 98 * 7).contains(&t.day_index()) {
            continue;
        }
        if cal.is_weekend(t) { weekend += 1.0 } else { weekday += 1.0 }
    }
    let ratio = (weekend / 2.0) / (weekday / 5.0);
    let se = ratio * (1.0 / weekend + 1.0 / weekday).sqrt();
    assert!((ratio - 0.6).abs() < 4.0 * se, "weekend/weekday discharges per day {ratio:.4} (se {se:.4})");
}

const CARE_HOMES_ONLY: &str = r#"
seed = 11
replications = 1
horizon_days = 730
warmup_days = 0
[pools.care_home_beds]
capacity = 1000
setting = "care_home"
[pathways.self_funded_care_home]
start = "care_home"
[pathways.self_funded_care_home.steps.care_home]
pool = "care_home_beds"
stay = { dist = "lognormal", mean_days = 801.0, sd_days = 1100.0 }
[self_funded_placements]
pathway = "self_funded_care_home"
occupied_share = 0.6
"#;

/// Self-funders fill the care homes to the configured share from the start and keep
/// them there. Occupancy at any instant of the steady state is Poisson with mean 600
/// (sd 24.5; the capacity of 1,000 is never reached), so each replication's
/// time-averaged occupancy over two years has an sd of at most 24.5, and the mean over
/// 8 independent replications one of at most 8.7: checked within 4 of those. A start
/// from empty (or from fresh stays instead of stays in progress) would be hundreds of
/// residents short in the first year.
#[test]
fn self_funders_fill_care_homes_to_the_configured_occupancy() {
    let plan = load_resolved(Path::new("care_homes.toml"), CARE_HOMES_ONLY).unwrap_or_else(|e| panic!("{e}"));
    let model = &plan.scenarios[0].model;
    let sf = model.self_funded.as_ref().expect("self-funded placements");
    assert!((sf.mean_residents - 600.0).abs() < 1e-9);
    assert!((sf.rate_per_day - 600.0 / 801.0).abs() < 1e-12);
    let reps = 8;
    let mut overall = 0.0f64;
    let mut first_year = 0.0f64;
    for replication in 0..reps {
        let out = crate::flow::run(model, plan.run_settings(false), RunKey { scenario: 0, sample: 0, replication })
            .expect("the model does not deadlock");
        overall += out.pools[0].mean_occupied() / reps as f64;
        let days = &out.capacity;
        let year: f64 =
            (0..days.day.len()).filter(|i| days.day[*i] < 365).map(|i| days.occupied[i]).sum::<f64>() / 365.0;
        first_year += year / reps as f64;
    }
    let tol = 4.0 * 24.5 / (reps as f64).sqrt();
    assert!((overall - 600.0).abs() < tol, "mean occupancy {overall:.1}");
    assert!((first_year - 600.0).abs() < tol, "first-year occupancy {first_year:.1}");
}

/// Days of the year in each month add up to a 365-day year.
#[test]
fn months_make_a_year() {
    assert_eq!(DAYS_IN_MONTH.iter().map(|d| *d as u32).sum::<u32>(), 365);
}

/// Delayed days in beds (acute and intermediate care) of one run, per year.
fn bed_delayed_days(out: &RunOutput, model: &crate::config::Model) -> f64 {
    let d = &out.delays;
    let days: f64 = (0..d.held_pool.len())
        .filter(|i| {
            matches!(
                model.pools[d.held_pool[*i] as usize].setting,
                crate::capacity::Setting::Acute | crate::capacity::Setting::IntermediateCare
            )
        })
        .map(|i| d.delayed_days[i])
        .sum();
    days / ((out.horizon_days - out.warmup_days) / 365.0)
}

/// `community_capacity_uplift` (more intermediate care, reablement and home care)
/// reduces delayed days in the small area: replications are paired (same seeds, so the
/// same people and demand in both scenarios), and the 95% t interval of the mean
/// paired difference (uplift minus baseline) lies below zero.
#[test]
fn community_capacity_uplift_reduces_delayed_days_with_a_paired_interval_below_zero() {
    let plan = small_area(&["horizon_days=730", "warmup_days=365"]);
    let baseline = plan.scenarios.iter().position(|s| s.name == "baseline").expect("baseline");
    let uplift = plan.scenarios.iter().position(|s| s.name == "community_capacity_uplift").expect("uplift");
    let reps = 8u32;
    let settings = plan.run_settings(false);
    let diffs: Vec<f64> = (0..reps)
        .map(|replication| {
            let key = RunKey { scenario: 0, sample: 0, replication };
            let a = &plan.scenarios[baseline].model;
            let b = &plan.scenarios[uplift].model;
            let da = bed_delayed_days(&crate::flow::run(a, settings, key).expect("no deadlock"), a);
            let db = bed_delayed_days(&crate::flow::run(b, settings, key).expect("no deadlock"), b);
            db - da
        })
        .collect();
    let n = reps as f64;
    let mean = diffs.iter().sum::<f64>() / n;
    let sd = (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    // t quantile 0.975 with 7 degrees of freedom.
    let upper = mean + 2.365 * sd / n.sqrt();
    assert!(upper < 0.0, "paired difference {mean:.1} (sd {sd:.1}), 95% interval upper bound {upper:.1}: {diffs:?}");
}

/// A stop flag already set abandons a run after its first check ([`crate::flow::STOP_CHECK_EVENTS`]
/// events): `Ok(None)`, nothing kept, however long the run; a flag never set gives the
/// same output as [`crate::flow::run`].
#[test]
fn a_stop_flag_abandons_even_a_single_long_run_at_its_next_check() {
    use std::sync::atomic::AtomicBool;
    let plan = small_area(&["horizon_days=36500", "warmup_days=0"]);
    let settings = plan.run_settings(false);
    let key = RunKey { scenario: 0, sample: 0, replication: 0 };
    let model = &plan.scenarios[0].model;
    let stopped = crate::flow::run_until(model, settings, key, &AtomicBool::new(true)).expect("no deadlock");
    assert!(stopped.is_none(), "a set flag abandons the run");
    let short = small_area(&["horizon_days=30", "warmup_days=0"]);
    let settings = short.run_settings(false);
    let model = &short.scenarios[0].model;
    let whole = crate::flow::run_until(model, settings, key, &AtomicBool::new(false)).expect("no deadlock");
    let plain = crate::flow::run(model, settings, key).expect("no deadlock");
    assert_eq!(whole.as_ref(), Some(&plain), "an unset flag changes nothing");
}
