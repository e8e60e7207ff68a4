//! `[cohort]` raw tables to [`CohortParams`], with every problem reported by key, and
//! the intercepts solved so the generated population hits its targets.

use super::raw::RawCohort;
use super::*;
use crate::config::validate::Problems;
use crate::model::Model;

fn finite_at_least(p: &mut Problems, key: &str, v: f64, min: f64) -> f64 {
    if !(v.is_finite() && v >= min) {
        p.push(key, v, format!("must be a finite number of at least {min}"));
    }
    v
}

fn probability(p: &mut Problems, key: &str, v: f64) -> f64 {
    if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
        p.push(key, v, "must be a probability between 0 and 1");
    }
    v
}

fn list(p: &mut Problems, key: &str, v: &[f64], n: usize, min: f64) -> Vec<f64> {
    if v.len() != n {
        p.push(key, format!("{v:?}"), format!("must list exactly {n} values (found {})", v.len()));
    }
    for (i, x) in v.iter().enumerate() {
        finite_at_least(p, &format!("{key}[{i}]"), *x, min);
    }
    v.to_vec()
}

fn four(p: &mut Problems, key: &str, v: &[f64]) -> [f64; FRAILTY_LEVELS] {
    let v = list(p, key, v, FRAILTY_LEVELS, 0.0);
    let mut out = [1.0; FRAILTY_LEVELS];
    for (o, x) in out.iter_mut().zip(v) {
        *o = x;
    }
    out
}

fn cumulative(p: &mut Problems, key: &str, v: &[f64], n: usize) -> Vec<f64> {
    let v = list(p, key, v, n, 0.0);
    let total: f64 = v.iter().sum();
    if total.is_nan() || total <= 0.0 {
        p.push(key, format!("{v:?}"), "weights must not all be 0");
        return vec![1.0; n];
    }
    let mut acc = 0.0;
    let mut out: Vec<f64> = v
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = 1.0;
    }
    out
}

fn pathway(p: &mut Problems, key: &str, name: &str, model: Option<&Model>) -> PathwayId {
    let Some(model) = model else {
        return PathwayId(0);
    };
    match model.pathways.iter().position(|pw| pw.name == name) {
        Some(i) => PathwayId(i as u16),
        None => {
            let names: Vec<&str> = model.pathways.iter().map(|pw| pw.name.as_str()).collect();
            p.push(key, name, format!("is not a pathway (pathways: {})", names.join(", ")));
            PathwayId(0)
        }
    }
}

fn pence(p: &mut Problems, key: &str, v: i64) -> Pence {
    if v < 0 {
        p.push(key, v, "must be a whole number of pence of at least 0");
    }
    Pence(v)
}

/// Representative ages of a five-year band, matching how the generator draws ages:
/// uniform within the band (five mid-points of equal fifths), and `90 + 4 E` with `E`
/// exponential for 90+ (five quantiles at 0.1, 0.3, ..., 0.9).
fn band_ages(band: usize) -> [f64; 5] {
    let mut ages = [0.0; 5];
    for (k, a) in ages.iter_mut().enumerate() {
        let q = (k as f64 + 0.5) / 5.0;
        *a = if band == AGE_BANDS - 1 { 90.0 + 4.0 * -(1.0 - q).ln() } else { band as f64 * 5.0 + 5.0 * q };
    }
    ages
}

/// Gauss-Hermite nodes and weights for E[f(Z)], Z ~ N(0, 1) (probabilists', 8 points).
const GH_NODES: [(f64, f64); 8] = [
    (-4.1445471861258945, 0.00011261453837536769),
    (-2.8024858612875416, 0.00963522012078827),
    (-1.6365190424351082, 0.117239907661759),
    (-0.5390798113513751, 0.37301225767907736),
    (0.5390798113513751, 0.37301225767907736),
    (1.6365190424351082, 0.117239907661759),
    (2.8024858612875416, 0.00963522012078827),
    (4.1445471861258945, 0.00011261453837536769),
];

/// The configured age and IMD mix as quadrature points: each point's weight and its
/// logit without the intercept (`Condition::logit` with intercept 0).
fn mix_points(c: &Condition, age_cum: &[f64], imd_cum: &[f64], loading: f64) -> Vec<(f64, f64)> {
    let weights = |cum: &[f64], i: usize| cum[i] - if i == 0 { 0.0 } else { cum[i - 1] };
    let slope_only = Condition { intercept: 0.0, ..c.clone() };
    let mut points = Vec::with_capacity(AGE_BANDS * 5 * 5 * GH_NODES.len());
    for band in 0..AGE_BANDS {
        let wa = weights(age_cum, band);
        for imd in 0..5 {
            let wi = weights(imd_cum, imd);
            for age in band_ages(band) {
                for (z, w) in GH_NODES {
                    let weight = wa * wi * w / 5.0;
                    if weight > 0.0 {
                        points.push((weight, slope_only.logit(age, imd as u8 + 1, z, loading)));
                    }
                }
            }
        }
    }
    points
}

/// Crude prevalence implied by an intercept, over the configured age and IMD mix.
#[cfg(test)]
fn crude_prevalence(c: &Condition, age_cum: &[f64], imd_cum: &[f64], loading: f64) -> f64 {
    mix_points(c, age_cum, imd_cum, loading).iter().map(|(w, x)| w * sigmoid(c.intercept + x)).sum()
}

/// Solves the intercept for the target prevalence: Newton's method on the crude
/// prevalence (increasing in the intercept, derivative `sum w p (1 - p)`), kept inside a
/// bisection bracket so that it always converges.
fn solve_intercept(
    mut c: Condition,
    age_cum: &[f64],
    imd_cum: &[f64],
    loading: f64,
    solved: &mut SolveCache,
) -> Condition {
    let mut key: Vec<u64> = [c.prevalence, c.per_decade, c.per_imd_quintile, loading].map(f64::to_bits).to_vec();
    key.extend(age_cum.iter().chain(imd_cum).map(|x| x.to_bits()));
    c.intercept = memoised(&mut solved.intercepts, key, || newton_intercept(&c, age_cum, imd_cum, loading));
    c
}

/// Intercepts and Gompertz levels already solved, by the exact bits of their inputs. The
/// scenarios of an experiment mostly share `[cohort]` and each is validated in full, so
/// config loading keeps one of these for all of them (they are pure functions of their
/// inputs: the cache changes no result).
#[derive(Clone, Debug, Default)]
pub struct SolveCache {
    intercepts: Vec<(Vec<u64>, f64)>,
    gompertz_levels: Vec<(Vec<u64>, f64)>,
}

/// The value of a pure function of `key`, computed once per cache (cleared when it grows
/// past 4,096 entries, as a parameter sample of many draws would make it).
fn memoised(memo: &mut Vec<(Vec<u64>, f64)>, key: Vec<u64>, solve: impl FnOnce() -> f64) -> f64 {
    if let Some((_, v)) = memo.iter().find(|(k, _)| *k == key) {
        return *v;
    }
    let v = solve();
    if memo.len() >= 4096 {
        memo.clear();
    }
    memo.push((key, v));
    v
}

/// The intercept that gives `c.prevalence` (see `solve_intercept`).
fn newton_intercept(c: &Condition, age_cum: &[f64], imd_cum: &[f64], loading: f64) -> f64 {
    let points = mix_points(c, age_cum, imd_cum, loading);
    let (mut lo, mut hi) = (-30.0f64, 30.0f64);
    let mut x = 0.0f64;
    for _ in 0..200 {
        let (mut value, mut slope) = (0.0, 0.0);
        for (w, offset) in &points {
            let p = sigmoid(x + offset);
            value += w * p;
            slope += w * p * (1.0 - p);
        }
        let gap = value - c.prevalence;
        if gap < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - gap / slope;
        if gap == 0.0 || (slope > 0.0 && (newton - x).abs() <= 1e-15 * x.abs().max(1.0)) {
            x = newton;
            break;
        }
        x = if slope > 0.0 && newton > lo && newton < hi { newton } else { (lo + hi) / 2.0 };
        if hi - lo <= 1e-15 {
            break;
        }
    }
    x
}

/// Period life expectancy at 65 under `h(65 + t) = background + a exp(b t)`, years.
#[cfg(test)]
fn life_expectancy_65(a: f64, b: f64, background: f64) -> f64 {
    life_expectancy_from(&gompertz_growth(b), a, background)
}

/// Monthly steps of the life-table integral: `exp(b t)` at each step's mid-point.
fn gompertz_growth(b: f64) -> Vec<f64> {
    let step = 1.0 / 12.0;
    let mut growth = Vec::with_capacity(720);
    let mut t = 0.0f64;
    while t < 60.0 {
        growth.push((b * (t + step / 2.0)).exp());
        t += step;
    }
    growth
}

/// The life-table integral of `life_expectancy_65`, with the Gompertz growth precomputed.
fn life_expectancy_from(growth: &[f64], a: f64, background: f64) -> f64 {
    let step = 1.0 / 12.0;
    let (mut survival, mut le) = (1.0f64, 0.0);
    for g in growth {
        let h = background + a * g;
        let next = survival * (-h * step).exp();
        le += (survival + next) / 2.0 * step;
        survival = next;
    }
    le
}

fn solve_gompertz(target: f64, b: f64, background: f64, solved: &mut SolveCache) -> f64 {
    let key = [target, b, background].map(f64::to_bits).to_vec();
    memoised(&mut solved.gompertz_levels, key, || bisect_gompertz(target, b, background))
}

/// The Gompertz level that gives life expectancy `target` at 65, by bisection in logs.
fn bisect_gompertz(target: f64, b: f64, background: f64) -> f64 {
    let growth = gompertz_growth(b);
    let (mut lo, mut hi) = (1e-6f64, 1.0f64);
    for _ in 0..80 {
        let mid = (lo * hi).sqrt();
        if life_expectancy_from(&growth, mid, background) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo * hi).sqrt()
}

/// Validates `[cohort]` against the (already validated) model's pathways, reusing (and
/// adding to) the intercepts and Gompertz levels already in `solved`.
pub fn validate(
    p: &mut Problems,
    raw: &RawCohort,
    model: Option<&Model>,
    solved: &mut SolveCache,
) -> Option<CohortParams> {
    let before = p.0.len();
    let k = |s: &str| format!("cohort.{s}");
    let pop = &raw.population;
    if !(1..=50_000_000).contains(&pop.size) {
        p.push(k("population.size"), pop.size, "must be a whole number of residents from 1 to 50,000,000");
    }
    let age_band_cumulative = cumulative(p, &k("population.age_band_weights"), &pop.age_band_weights, AGE_BANDS);
    let male_share = list(p, &k("population.male_share_by_band"), &pop.male_share_by_band, AGE_BANDS, 0.0);
    for (i, m) in male_share.iter().enumerate() {
        probability(p, &k(&format!("population.male_share_by_band[{i}]")), *m);
    }
    let imd_cumulative = cumulative(p, &k("population.imd_weights"), &pop.imd_weights, 5);
    if !(1..=u16::MAX as i64).contains(&pop.gp_practices) {
        p.push(k("population.gp_practices"), pop.gp_practices, "must be a whole number from 1 to 65535");
    }
    let loading = finite_at_least(p, &k("population.multimorbidity_loading"), pop.multimorbidity_loading, 0.0);
    if raw.conditions.len() > 16 {
        p.push(k("conditions"), raw.conditions.len(), "at most 16 conditions are supported (a 16-bit set)");
    }
    let shape_ok = p.0.len() == before;
    let mut conditions = Vec::new();
    for (name, c) in &raw.conditions {
        let key = k(&format!("conditions.{name}"));
        let prev = c.prevalence;
        if !(prev.is_finite() && prev > 0.0 && prev < 1.0) {
            p.push(format!("{key}.prevalence"), prev, "must be a proportion strictly between 0 and 1");
        }
        finite_at_least(p, &format!("{key}.logit_per_decade"), c.logit_per_decade, f64::MIN);
        finite_at_least(p, &format!("{key}.logit_per_imd_quintile"), c.logit_per_imd_quintile, f64::MIN);
        let cond = Condition {
            name: name.clone(),
            prevalence: prev,
            intercept: 0.0,
            per_decade: c.logit_per_decade,
            per_imd_quintile: c.logit_per_imd_quintile,
        };
        conditions.push(if shape_ok && p.0.len() == before {
            solve_intercept(cond, &age_band_cumulative, &imd_cumulative, loading, solved)
        } else {
            cond
        });
    }

    let f = &raw.frailty;
    let shares = four(p, &k("frailty.shares_65_plus"), &f.shares_65_plus);
    if (shares.iter().sum::<f64>() - 1.0).abs() > 1e-6 {
        p.push(k("frailty.shares_65_plus"), format!("{shares:?}"), "must sum to 1");
    }
    let from =
        list(p, &k("frailty.progression_from_age"), &f.progression_from_age, f.progression_from_age.len().max(1), 0.0);
    let rates = list(p, &k("frailty.progression_per_1000_py"), &f.progression_per_1000_py, from.len(), 0.0);
    if from.windows(2).any(|w| w[0] >= w[1]) {
        p.push(k("frailty.progression_from_age"), format!("{from:?}"), "must be increasing");
    }
    let frailty = FrailtyParams {
        shares_65_plus: shares,
        score_per_decade: finite_at_least(p, &k("frailty.score_per_decade"), f.score_per_decade, f64::MIN),
        score_per_condition: finite_at_least(p, &k("frailty.score_per_condition"), f.score_per_condition, f64::MIN),
        progression_from_age: from,
        progression_per_year: rates.iter().map(|r| r / 1000.0).collect(),
        later_step_scale: finite_at_least(p, &k("frailty.later_step_scale"), f.later_step_scale, 0.0),
    };

    let m = &raw.mortality;
    let b = std::f64::consts::LN_2 / finite_at_least(p, &k("mortality.doubling_years"), m.doubling_years, 0.5);
    let background = finite_at_least(p, &k("mortality.background_per_year"), m.background_per_year, 0.0);
    let le_m = finite_at_least(p, &k("mortality.life_expectancy_65_male"), m.life_expectancy_65_male, 1.0);
    let le_f = finite_at_least(p, &k("mortality.life_expectancy_65_female"), m.life_expectancy_65_female, 1.0);
    let mortality = MortalityParams {
        gompertz_a: [solve_gompertz(le_m, b, background, solved), solve_gompertz(le_f, b, background, solved)],
        gompertz_b: b,
        background,
        frailty_hr: four(p, &k("mortality.frailty_hr"), &m.frailty_hr),
        care_home_hr: finite_at_least(p, &k("mortality.care_home_hr"), m.care_home_hr, 0.0),
    };

    let e = &raw.emergency;
    let age_from = list(p, &k("emergency.age_band_from"), &e.age_band_from, e.age_band_from.len().max(1), 0.0);
    let rows = age_from.len();
    if e.per_1000_by_age_imd.len() != rows {
        p.push(
            k("emergency.per_1000_by_age_imd"),
            e.per_1000_by_age_imd.len(),
            format!("must have one row per age band ({rows})"),
        );
    }
    let per_year: Vec<[f64; 5]> = e
        .per_1000_by_age_imd
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let v = list(p, &k(&format!("emergency.per_1000_by_age_imd[{i}]")), row, 5, 0.0);
            let mut out = [0.0; 5];
            for (o, x) in out.iter_mut().zip(v) {
                *o = x / 1000.0;
            }
            out
        })
        .collect();
    let condition_multiplier = e.condition_multiplier.clone();
    if condition_multiplier.is_empty() {
        p.push(k("emergency.condition_multiplier"), "[]", "must list at least one multiplier");
    }
    for (i, x) in condition_multiplier.iter().enumerate() {
        finite_at_least(p, &k(&format!("emergency.condition_multiplier[{i}]")), *x, 0.0);
    }
    let emergency = EmergencyParams {
        age_from: age_from.clone(),
        per_year,
        frailty_hr: four(p, &k("emergency.frailty_hr"), &e.frailty_hr),
        condition_multiplier,
        care_home_per_year: finite_at_least(p, &k("emergency.care_home_per_year"), e.care_home_per_year, 0.0),
        readmission_multiplier: finite_at_least(
            p,
            &k("emergency.readmission_multiplier"),
            e.readmission_multiplier,
            0.0,
        ),
        readmission_window: SimDuration::from_days_f64(finite_at_least(
            p,
            &k("emergency.readmission_window_days"),
            e.readmission_window_days,
            0.0,
        )),
        los_multiplier_by_frailty: four(p, &k("emergency.los_multiplier_by_frailty"), &e.los_multiplier_by_frailty),
        via_ae_share: probability(p, &k("emergency.via_ae_share"), e.via_ae_share),
        pathway: pathway(p, &k("emergency.pathway"), &e.pathway, model),
    };

    let ae_per_year_by_age = list(p, &k("ae.per_year_by_age"), &raw.ae.per_year_by_age, rows, 0.0);
    let elective_per_year_by_age = list(p, &k("elective.per_year_by_age"), &raw.elective.per_year_by_age, rows, 0.0);
    let gp_per_year_by_band =
        list(p, &k("gp.contacts_per_year_by_band"), &raw.gp.contacts_per_year_by_band, AGE_BANDS, 0.0);
    let nursing = &raw.community_nursing;
    let avoid = &raw.admission_avoidance;
    if !(0..=3).contains(&avoid.min_frailty) {
        p.push(
            k("admission_avoidance.min_frailty"),
            avoid.min_frailty,
            "must be 0 (fit), 1 (mild), 2 (moderate) or 3 (severe)",
        );
    }
    let hc = &raw.home_care;
    let c = &raw.costs;
    let params = CohortParams {
        size: pop.size.clamp(1, u32::MAX as i64) as u32,
        age_band_cumulative,
        male_share,
        imd_cumulative,
        gp_practices: pop.gp_practices.clamp(1, u16::MAX as i64) as u16,
        multimorbidity_loading: loading,
        conditions,
        frailty,
        mortality,
        emergency,
        ae_per_year_by_age,
        ae_frailty_hr: four(p, &k("ae.frailty_hr"), &raw.ae.frailty_hr),
        ae_care_home_per_year: finite_at_least(p, &k("ae.care_home_per_year"), raw.ae.care_home_per_year, 0.0),
        gp_per_year_by_band,
        gp_increase_per_condition: finite_at_least(
            p,
            &k("gp.increase_per_condition"),
            raw.gp.increase_per_condition,
            0.0,
        ),
        elective_per_year_by_age,
        elective_pathway: pathway(p, &k("elective.pathway"), &raw.elective.pathway, model),
        care_home_per_year_fit: finite_at_least(
            p,
            &k("care_home.per_year_65_plus_fit"),
            raw.care_home.per_year_65_plus_fit,
            0.0,
        ),
        care_home_frailty_hr: four(p, &k("care_home.frailty_hr"), &raw.care_home.frailty_hr),
        care_home_pathway: pathway(p, &k("care_home.pathway"), &raw.care_home.pathway, model),
        care_home_initial_occupancy: probability(p, &k("care_home.initial_occupancy"), raw.care_home.initial_occupancy),
        nursing_per_year_by_frailty: four(p, &k("community_nursing.per_year_by_frailty"), &nursing.per_year_by_frailty),
        nursing_visits_per_week: finite_at_least(
            p,
            &k("community_nursing.visits_per_week"),
            nursing.visits_per_week,
            0.0,
        ),
        nursing_pathway: pathway(p, &k("community_nursing.pathway"), &nursing.pathway, model),
        avoidance: AvoidanceParams {
            share: probability(p, &k("admission_avoidance.share"), avoid.share),
            min_age: finite_at_least(p, &k("admission_avoidance.min_age"), avoid.min_age, 0.0),
            min_frailty: avoid.min_frailty.clamp(0, 3) as u8,
            pathway: pathway(p, &k("admission_avoidance.pathway"), &avoid.pathway, model),
        },
        home_care_hours_per_week: (
            finite_at_least(p, &k("home_care.hours_per_week_mean"), hc.hours_per_week_mean, 0.01),
            finite_at_least(p, &k("home_care.hours_per_week_sd"), hc.hours_per_week_sd, 0.01),
        ),
        costs: UnitCosts {
            price_year: c.price_year.clone(),
            emergency_spell: pence(p, &k("costs.emergency_spell_pence"), c.emergency_spell_pence),
            elective_spell: pence(p, &k("costs.elective_spell_pence"), c.elective_spell_pence),
            delayed_bed_day: pence(p, &k("costs.delayed_bed_day_pence"), c.delayed_bed_day_pence),
            ae_attendance: pence(p, &k("costs.ae_attendance_pence"), c.ae_attendance_pence),
            gp_contact: pence(p, &k("costs.gp_contact_pence"), c.gp_contact_pence),
            intermediate_care_day: pence(p, &k("costs.intermediate_care_day_pence"), c.intermediate_care_day_pence),
            reablement_day: pence(p, &k("costs.reablement_day_pence"), c.reablement_day_pence),
            home_care_hour: pence(p, &k("costs.home_care_hour_pence"), c.home_care_hour_pence),
            care_home_week: pence(p, &k("costs.care_home_week_pence"), c.care_home_week_pence),
            nursing_visit: pence(p, &k("costs.nursing_visit_pence"), c.nursing_visit_pence),
        },
    };
    (p.0.len() == before).then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gompertz_level_reproduces_life_expectancy() {
        let b = std::f64::consts::LN_2 / 8.0;
        for target in [18.3, 20.8] {
            let a = solve_gompertz(target, b, 0.0002, &mut SolveCache::default());
            assert!((life_expectancy_65(a, b, 0.0002) - target).abs() < 1e-6);
        }
    }

    #[test]
    fn gauss_hermite_integrates_normal_moments() {
        let moment = |k: i32| GH_NODES.iter().map(|(z, w)| w * z.powi(k)).sum::<f64>();
        assert!((moment(0) - 1.0).abs() < 1e-12);
        assert!(moment(1).abs() < 1e-12);
        assert!((moment(2) - 1.0).abs() < 1e-12);
        assert!((moment(4) - 3.0).abs() < 1e-10);
    }

    #[test]
    fn intercept_reproduces_crude_prevalence() {
        let age_cum: Vec<f64> = (1..=AGE_BANDS).map(|i| i as f64 / AGE_BANDS as f64).collect();
        let imd_cum = vec![0.2, 0.4, 0.6, 0.8, 1.0];
        let c =
            Condition { name: "x".into(), prevalence: 0.138, intercept: 0.0, per_decade: 0.8, per_imd_quintile: 0.1 };
        let c = solve_intercept(c, &age_cum, &imd_cum, 0.7, &mut SolveCache::default());
        assert!((crude_prevalence(&c, &age_cum, &imd_cum, 0.7) - 0.138).abs() < 1e-12);
    }

    #[test]
    fn intercept_solves_extreme_prevalences() {
        let age_cum: Vec<f64> = (1..=AGE_BANDS).map(|i| i as f64 / AGE_BANDS as f64).collect();
        let imd_cum = vec![0.1, 0.3, 0.6, 0.8, 1.0];
        for (prevalence, per_decade) in [(0.001, 1.5), (0.6, 0.9), (0.02, -0.4), (0.97, 0.2)] {
            let c = Condition { name: "x".into(), prevalence, intercept: 0.0, per_decade, per_imd_quintile: -0.2 };
            let c = solve_intercept(c, &age_cum, &imd_cum, 1.1, &mut SolveCache::default());
            let got = crude_prevalence(&c, &age_cum, &imd_cum, 1.1);
            assert!((got - prevalence).abs() < 1e-12 * prevalence.max(1e-3), "{prevalence}: {got}");
        }
    }

    #[test]
    fn intercept_agrees_with_plain_bisection() {
        // The reference: 100 halvings of the bracket on the crude prevalence itself.
        let bisect = |c: &Condition, age_cum: &[f64], imd_cum: &[f64], loading: f64| {
            let (mut lo, mut hi) = (-30.0f64, 30.0f64);
            for _ in 0..100 {
                let mid = (lo + hi) / 2.0;
                let trial = Condition { intercept: mid, ..c.clone() };
                if crude_prevalence(&trial, age_cum, imd_cum, loading) < c.prevalence {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            (lo + hi) / 2.0
        };
        let age_cum: Vec<f64> = (1..=AGE_BANDS).map(|i| (i as f64 / AGE_BANDS as f64).powf(0.8)).collect();
        let imd_cum = vec![0.25, 0.45, 0.6, 0.8, 1.0];
        for prevalence in [0.004, 0.017, 0.065, 0.138, 0.5] {
            for per_decade in [-0.3, 0.2, 0.45, 0.9, 1.6] {
                for loading in [0.0, 0.7] {
                    let c =
                        Condition { name: "x".into(), prevalence, intercept: 0.0, per_decade, per_imd_quintile: 0.12 };
                    let want = bisect(&c, &age_cum, &imd_cum, loading);
                    let got = solve_intercept(c, &age_cum, &imd_cum, loading, &mut SolveCache::default()).intercept;
                    assert!((got - want).abs() < 1e-9, "p={prevalence} slope={per_decade}: {got} vs {want}");
                }
            }
        }
    }
}
