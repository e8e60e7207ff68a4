//! Raw model tables to a validated [`Model`]: every problem found is recorded with its
//! dotted key, the bad value and the reason; validation goes on after a problem so
//! that all of them are reported together.

use super::model::Model;
use super::raw::{RawCalendar, RawDist, RawModel, RawPool, RawRoute};
use crate::arrivals::{ArrivalStream, Calendar};
use crate::capacity::{MAX_PRIORITY, Places, PoolId, PoolSpec};
use crate::dist::DurationDist;
use crate::money::Pence;
use crate::pathway::{Next, Pathway, PathwayId, Route, Step, StepId};

/// Tolerance on the sum of routing probabilities.
pub const PROBABILITY_SUM_TOLERANCE: f64 = 1e-9;

/// One problem: the dotted key, the offending value (as written), the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key, e.g. `pools.acute.capacity`.
    pub key: String,
    /// The value found, rendered as TOML-ish text (empty when the key is missing).
    pub value: String,
    /// Why it is wrong, and what would be right.
    pub reason: String,
}

/// Collects problems.
#[derive(Default, Debug, PartialEq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Records one problem.
    pub fn push(&mut self, key: impl Into<String>, value: impl ToString, reason: impl Into<String>) {
        self.0.push(Problem { key: key.into(), value: value.to_string(), reason: reason.into() });
    }
}

// ---- The range checks, one of each, for every section of the config. Each records a
// problem under its dotted key when the value is out of range, and returns the value,
// so that validation goes on and reports every problem together.

/// `v`, which must be a finite number of at least `min`.
pub fn at_least(p: &mut Problems, key: &str, v: f64, min: f64) -> f64 {
    if !(v.is_finite() && v >= min) {
        p.push(key, v, format!("must be a finite number of at least {min}"));
    }
    v
}

/// `v`, which must be a finite number of at least 0.
pub fn non_negative(p: &mut Problems, key: &str, v: f64) -> f64 {
    at_least(p, key, v, 0.0)
}

/// `v`, which must lie in `[0, 1]`: a `noun` ("probability", "fraction").
fn unit_interval(p: &mut Problems, key: &str, v: f64, noun: &str) -> f64 {
    if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
        p.push(key, v, format!("must be a {noun} between 0 and 1"));
    }
    v
}

/// `v`, which must be a probability in `[0, 1]`.
pub fn probability(p: &mut Problems, key: &str, v: f64) -> f64 {
    unit_interval(p, key, v, "probability")
}

/// `v`, which must be a fraction in `[0, 1]`.
pub fn fraction(p: &mut Problems, key: &str, v: f64) -> f64 {
    unit_interval(p, key, v, "fraction")
}

/// The largest amount any money key accepts: £1bn (10^11 pence). The largest real
/// amounts in a config are an area's annual contract values and baselines (£10m-£300m);
/// a unit price is at most tens of thousands of pounds. Bounding every amount keeps the
/// settlement's sums in `i64` pence: 10^11 pence times 9 x 10^7 priced activities in
/// one account still fits, so a run that validates cannot overflow its money.
pub const MAX_PENCE: i64 = 100_000_000_000;

/// The problem's reason for a money key out of range.
pub fn pence_range_reason() -> String {
    format!("must be a whole number of pence from 0 to {MAX_PENCE} (£1bn)")
}

/// `v` pence, which must be a whole number from 0 to [`MAX_PENCE`].
pub fn pence(p: &mut Problems, key: &str, v: i64) -> Pence {
    if !(0..=MAX_PENCE).contains(&v) {
        p.push(key, v, pence_range_reason());
    }
    Pence(v)
}

/// `v` days, which must be a whole number from `min` to `max`.
pub fn whole_days(p: &mut Problems, key: &str, v: i64, min: i64, max: i64) -> u32 {
    if !(min..=max).contains(&v) {
        p.push(key, v, format!("must be a whole number of days from {min} to {max}"));
    }
    v.clamp(0, u32::MAX as i64) as u32
}

/// True when `check` records no problem.
pub fn passes(p: &mut Problems, check: impl FnOnce(&mut Problems)) -> bool {
    let before = p.0.len();
    check(p);
    p.0.len() == before
}

fn pool_places(p: &mut Problems, key: &str, pool: &RawPool) -> Option<Places> {
    match &pool.capacity {
        toml::Value::Integer(n) if *n >= 1 && *n <= u32::MAX as i64 => Some(Places::Limited(*n as u32)),
        toml::Value::Integer(0) => {
            p.push(
                key,
                0,
                "a pool with 0 places can never admit anyone; give at least 1 place, \"unlimited\", or remove the pool",
            );
            None
        }
        toml::Value::String(s) if s == "unlimited" => Some(Places::Unlimited),
        other => {
            p.push(key, other, "must be a whole number of places of at least 1, or \"unlimited\"");
            None
        }
    }
}

fn calendar(p: &mut Problems, key: &str, raw: &RawCalendar) -> Option<Calendar> {
    let check = |p: &mut Problems, k: &str, values: &[f64], n: usize| -> bool {
        if values.len() != n {
            p.push(k, format!("{values:?}"), format!("must list exactly {n} multipliers (found {})", values.len()));
            return false;
        }
        let mut ok = true;
        for (i, v) in values.iter().enumerate() {
            ok &= passes(p, |p| {
                non_negative(p, &format!("{k}[{i}]"), *v);
            });
        }
        if ok && values.iter().all(|v| *v == 0.0) {
            p.push(
                k,
                format!("{values:?}"),
                "needs at least one multiplier above 0 (set rate_per_day = 0 to switch a stream off)",
            );
            ok = false;
        }
        ok
    };
    match (&raw.day_of_week, &raw.hour_of_day) {
        (Some(d), None) => {
            let k = format!("{key}.day_of_week");
            check(p, &k, d, 7).then(|| Calendar::DayOfWeek(d.as_slice().try_into().expect("invariant: length checked")))
        }
        (None, Some(h)) => {
            let k = format!("{key}.hour_of_day");
            check(p, &k, h, 24)
                .then(|| Calendar::HourOfDay(h.as_slice().try_into().expect("invariant: length checked")))
        }
        _ => {
            p.push(key, "", "must set exactly one of day_of_week (7 values) or hour_of_day (24 values)");
            None
        }
    }
}

/// Builds a validated distribution from its raw form.
pub fn duration(p: &mut Problems, key: &str, raw: &RawDist) -> Option<DurationDist> {
    let built = match raw {
        RawDist::Exponential { mean_days } => DurationDist::exponential(*mean_days),
        RawDist::Lognormal { mean_days, sd_days } => DurationDist::lognormal(*mean_days, *sd_days),
        RawDist::Gamma { mean_days, sd_days } => DurationDist::gamma(*mean_days, *sd_days),
        RawDist::Fixed { days } => DurationDist::fixed(*days),
        RawDist::Empirical { days, weights } => DurationDist::empirical(days, weights.as_deref()),
    };
    match built {
        Ok(d) => Some(d),
        Err(e) => {
            p.push(format!("{key}.{}", e.field), e.value, e.reason);
            None
        }
    }
}

/// Validates a raw model; returns the model when no problem was found. The cohort's
/// intercepts already solved in `solved` are reused (config loading validates every
/// scenario's model in full, and most share `[cohort]`).
pub fn model(p: &mut Problems, raw: &RawModel, solved: &mut crate::cohort::SolveCache) -> Option<Model> {
    let before = p.0.len();
    if raw.pools.is_empty() {
        p.push("pools", "", "at least one pool is needed, e.g. [pools.acute_beds] capacity = 100");
    }
    let pools: Vec<PoolSpec> = raw
        .pools
        .iter()
        .filter_map(|(name, pool)| {
            let places = pool_places(p, &format!("pools.{name}.capacity"), pool)?;
            let cohort_hours =
                raw.cohort.as_ref().map(|c| (c.home_care.hours_per_week_mean, c.home_care.hours_per_week_sd));
            let (unit, package_hours_per_week) =
                super::delays::pool_unit(p, &format!("pools.{name}"), pool, cohort_hours);
            let renege_after = super::delays::renege_after(p, &format!("pools.{name}"), pool, places);
            Some(PoolSpec {
                name: name.clone(),
                places,
                unit,
                package_hours_per_week,
                when_full: pool.when_full,
                setting: pool.setting,
                delay_reason: pool.delay_reason,
                responsible: pool.responsible,
                renege_after,
            })
        })
        .collect();
    let pool_names: Vec<&String> = raw.pools.keys().collect();
    let pool_id = |name: &str| pool_names.iter().position(|n| *n == name).map(|i| PoolId(i as u16));
    let pathway_names: Vec<&String> = raw.pathways.keys().collect();

    let mut pathways = Vec::new();
    for (pname, raw_pw) in &raw.pathways {
        let base = format!("pathways.{pname}");
        let step_names: Vec<&String> = raw_pw.steps.keys().collect();
        let step_id = |name: &str| step_names.iter().position(|n| *n == name).map(|i| StepId(i as u16));
        if raw_pw.steps.is_empty() {
            p.push(format!("{base}.steps"), "", "a pathway needs at least one step");
        }
        let start = step_id(&raw_pw.start);
        if start.is_none() {
            p.push(
                format!("{base}.start"),
                &raw_pw.start,
                format!("names no step of this pathway (steps: {})", join(&step_names)),
            );
        }
        let mut steps = Vec::new();
        for (sname, raw_step) in &raw_pw.steps {
            let skey = format!("{base}.steps.{sname}");
            let pool = pool_id(&raw_step.pool);
            if pool.is_none() {
                p.push(format!("{skey}.pool"), &raw_step.pool, format!("is not a pool (pools: {})", join(&pool_names)));
            }
            let stay = duration(p, &format!("{skey}.stay"), &raw_step.stay);
            if !(0..=MAX_PRIORITY as i64).contains(&raw_step.priority) {
                p.push(
                    format!("{skey}.priority"),
                    raw_step.priority,
                    format!("must be a whole number from 0 (served first) to {MAX_PRIORITY}"),
                );
            }
            let route = build_route(p, &format!("{skey}.next"), &raw_step.next, &step_id, &step_names);
            let route_by_frailty = raw_step.next_by_frailty.as_ref().and_then(|table| {
                let key = format!("{skey}.next_by_frailty");
                for k in table.keys() {
                    if !crate::cohort::FRAILTY_NAMES.contains(&k.as_str()) {
                        p.push(format!("{key}.{k}"), "", "is not a frailty level (fit, mild, moderate, severe)");
                    }
                }
                let routes: Vec<Route> = crate::cohort::FRAILTY_NAMES
                    .iter()
                    .map(|level| match table.get(*level) {
                        Some(r) => build_route(p, &format!("{key}.{level}"), r, &step_id, &step_names),
                        None => {
                            p.push(format!("{key}.{level}"), "", "is required: give a route for every frailty level");
                            Route::exit()
                        }
                    })
                    .collect();
                routes.try_into().ok()
            });
            let hold = raw_step.hold;
            let process_delays = super::delays::process_delays(p, &skey, &raw_step.process_delays, &step_id);
            let levers = super::delays::levers(p, &skey, raw_step);
            if let (Some(pool), Some(stay)) = (pool, stay) {
                let priority = raw_step.priority.clamp(0, MAX_PRIORITY as i64) as u8;
                steps.push(Step {
                    name: sname.clone(),
                    pool,
                    stay,
                    priority,
                    route,
                    route_by_frailty,
                    hold,
                    process_delays,
                    levers,
                });
            }
        }
        if let Some(start) = start {
            let rebook_when_full =
                super::delays::rebook(p, &format!("{base}.rebook_when_full_days"), raw_pw.rebook_when_full_days);
            // A step that failed validation is not built, and step ids are positions
            // among all the steps written: a pathway missing any of them would be
            // indexed wrongly by every later check, so it stays out of the partial model
            // (its problems are reported already).
            if steps.len() == raw_pw.steps.len() {
                pathways.push(Pathway { name: pname.clone(), start, steps, rebook_when_full });
            }
        }
    }

    let model_calendar = raw.calendar.as_ref().and_then(|c| crate::config::calendar::validate(p, c));
    let mut arrivals = Vec::new();
    for (aname, raw_a) in &raw.arrivals {
        let akey = format!("arrivals.{aname}");
        let rate_ok = passes(p, |p| {
            non_negative(p, &format!("{akey}.rate_per_day"), raw_a.rate_per_day);
        });
        let pathway = pathway_names.iter().position(|n| **n == raw_a.pathway).map(|i| PathwayId(i as u16));
        if pathway.is_none() {
            p.push(
                format!("{akey}.pathway"),
                &raw_a.pathway,
                format!("is not a pathway (pathways: {})", join(&pathway_names)),
            );
        }
        let cal = match &raw_a.calendar {
            Some(c) => calendar(p, &format!("{akey}.calendar"), c).map(Some),
            None => Some(None),
        };
        let seasonality = match raw_a.seasonality.as_deref() {
            None => Some(None),
            Some(s) => crate::config::calendar::stream_seasonality(
                p,
                &format!("{akey}.seasonality"),
                s,
                raw.calendar.as_ref(),
                model_calendar.as_ref(),
            )
            .map(Some),
        };
        if let (true, Some(pathway), Some(calendar), Some(seasonality)) = (rate_ok, pathway, cal, seasonality) {
            arrivals.push(ArrivalStream {
                name: aname.clone(),
                rate_per_day: raw_a.rate_per_day,
                calendar,
                seasonality,
                pathway,
            });
        }
    }
    // Self-funded care home placements: one more arrival stream, after those written.
    let self_funded = raw.self_funded_placements.as_ref().and_then(|raw_sf| {
        if pathways.len() != pathway_names.len() {
            return None;
        }
        let (spec, stream) =
            crate::config::self_funded::validate(p, raw_sf, &pathway_names, &pathways, &pools, arrivals.len())?;
        arrivals.push(stream);
        Some(spec)
    });
    let partial =
        Model { pools, pathways, arrivals, cohort: None, payment: None, calendar: model_calendar, self_funded };
    let cohort = raw.cohort.as_ref().and_then(|c| super::cohort::validate(p, c, Some(&pathway_names), solved));
    let payment = raw.payment.as_ref().and_then(|pay| {
        if raw.cohort.is_none() {
            p.push(
                "payment",
                "",
                "needs a [cohort]: payments are settled on the activity of the synthetic population, and \
                 background arrivals have no person to charge or enrol (add [cohort] or remove [payment])",
            );
        }
        let pool_names: Vec<&str> = partial.pools.iter().map(|x| x.name.as_str()).collect();
        super::payment::validate(p, pay, &pool_names)
    });
    if raw.payment.is_none() && partial.self_funded.as_ref().is_some_and(|s| s.council_funded_share > 0.0) {
        p.push(
            "self_funded_placements.council_funded_share",
            partial.self_funded.as_ref().map_or(0.0, |s| s.council_funded_share),
            "needs [payment]: the council's funding of these residents is settled by the payment pass \
             (add [payment] or remove the key)",
        );
    }
    (p.0.len() == before).then_some(Model { cohort, payment, ..partial })
}

/// Validates a routing list (`next`) into a [`Route`]; an empty list means exit.
fn build_route(
    p: &mut Problems,
    key: &str,
    raw: &[RawRoute],
    step_id: &dyn Fn(&str) -> Option<StepId>,
    step_names: &[&String],
) -> Route {
    let mut pairs = Vec::new();
    let mut sum = 0.0;
    let mut ok = true;
    for (i, r) in raw.iter().enumerate() {
        let rkey = format!("{key}[{i}]");
        ok &= passes(p, |p| {
            probability(p, &format!("{rkey}.p"), r.p);
        });
        sum += r.p;
        let to = if r.to == "exit" { Some(Next::Exit) } else { step_id(&r.to).map(Next::Step) };
        match to {
            Some(n) => pairs.push((r.p, n)),
            None => {
                ok = false;
                p.push(
                    format!("{rkey}.to"),
                    &r.to,
                    format!("is neither \"exit\" nor a step of this pathway (steps: {})", join(step_names)),
                );
            }
        }
    }
    if ok && !raw.is_empty() && (sum - 1.0).abs() > PROBABILITY_SUM_TOLERANCE {
        p.push(key, format!("sum of p = {sum}"), "routing probabilities must sum to 1");
    }
    if raw.is_empty() || !ok { Route::exit() } else { Route::new(&pairs) }
}

fn join(names: &[&String]) -> String {
    if names.is_empty() {
        return "none defined".into();
    }
    names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}
