//! `[cohort]` raw tables to [`CohortParams`], with every problem reported by key, and
//! the intercepts solved so the generated population hits its targets.

use super::validate::{Problems, at_least, pence, probability};
use crate::cohort::raw::RawCohort;
use crate::cohort::solve::{SolveCache, solve_gompertz, solve_intercept};
use crate::cohort::*;
use crate::pathway::PathwayId;
use crate::time::SimDuration;

fn list(p: &mut Problems, key: &str, v: &[f64], n: usize, min: f64) -> Vec<f64> {
    if v.len() != n {
        p.push(key, format!("{v:?}"), format!("must list exactly {n} values (found {})", v.len()));
    }
    for (i, x) in v.iter().enumerate() {
        at_least(p, &format!("{key}[{i}]"), *x, min);
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

/// The id of pathway `name` among `pathway_names`, the model's pathways as written (ids
/// are positions in that order), or a problem naming the key.
fn pathway(p: &mut Problems, key: &str, name: &str, pathway_names: Option<&[&String]>) -> PathwayId {
    let Some(names) = pathway_names else {
        return PathwayId(0);
    };
    match names.iter().position(|n| n.as_str() == name) {
        Some(i) => PathwayId(i as u16),
        None => {
            let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
            p.push(key, name, format!("is not a pathway (pathways: {})", names.join(", ")));
            PathwayId(0)
        }
    }
}

/// Validates `[cohort]` against the model's pathway names (as written), reusing (and
/// adding to) the intercepts and Gompertz levels already in `solved`.
pub fn validate(
    p: &mut Problems,
    raw: &RawCohort,
    pathway_names: Option<&[&String]>,
    solved: &mut SolveCache,
) -> Option<CohortParams> {
    let before = p.0.len();
    let pop = &raw.population;
    if !(1..=50_000_000).contains(&pop.size) {
        p.push("cohort.population.size", pop.size, "must be a whole number of residents from 1 to 50,000,000");
    }
    let age_band_cumulative = cumulative(p, "cohort.population.age_band_weights", &pop.age_band_weights, AGE_BANDS);
    let male_share = list(p, "cohort.population.male_share_by_band", &pop.male_share_by_band, AGE_BANDS, 0.0);
    for (i, m) in male_share.iter().enumerate() {
        probability(p, &format!("cohort.population.male_share_by_band[{i}]"), *m);
    }
    let imd_cumulative = cumulative(p, "cohort.population.imd_weights", &pop.imd_weights, 5);
    if !(1..=u16::MAX as i64).contains(&pop.gp_practices) {
        p.push("cohort.population.gp_practices", pop.gp_practices, "must be a whole number from 1 to 65535");
    }
    let loading = at_least(p, "cohort.population.multimorbidity_loading", pop.multimorbidity_loading, 0.0);
    if raw.conditions.len() > 16 {
        p.push("cohort.conditions", raw.conditions.len(), "at most 16 conditions are supported (a 16-bit set)");
    }
    let shape_ok = p.0.len() == before;
    let mut conditions = Vec::new();
    for (name, c) in &raw.conditions {
        let key = format!("cohort.conditions.{name}");
        let prev = c.prevalence;
        if !(prev.is_finite() && prev > 0.0 && prev < 1.0) {
            p.push(format!("{key}.prevalence"), prev, "must be a proportion strictly between 0 and 1");
        }
        at_least(p, &format!("{key}.logit_per_decade"), c.logit_per_decade, f64::MIN);
        at_least(p, &format!("{key}.logit_per_imd_quintile"), c.logit_per_imd_quintile, f64::MIN);
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
    let shares = four(p, "cohort.frailty.shares_65_plus", &f.shares_65_plus);
    if (shares.iter().sum::<f64>() - 1.0).abs() > 1e-6 {
        p.push("cohort.frailty.shares_65_plus", format!("{shares:?}"), "must sum to 1");
    }
    let from = list(
        p,
        "cohort.frailty.progression_from_age",
        &f.progression_from_age,
        f.progression_from_age.len().max(1),
        0.0,
    );
    let rates = list(p, "cohort.frailty.progression_per_1000_py", &f.progression_per_1000_py, from.len(), 0.0);
    if from.windows(2).any(|w| w[0] >= w[1]) {
        p.push("cohort.frailty.progression_from_age", format!("{from:?}"), "must be increasing");
    }
    let frailty = FrailtyParams {
        shares_65_plus: shares,
        score_per_decade: at_least(p, "cohort.frailty.score_per_decade", f.score_per_decade, f64::MIN),
        score_per_condition: at_least(p, "cohort.frailty.score_per_condition", f.score_per_condition, f64::MIN),
        progression_from_age: from,
        progression_per_year: rates.iter().map(|r| r / 1000.0).collect(),
        later_step_scale: at_least(p, "cohort.frailty.later_step_scale", f.later_step_scale, 0.0),
    };

    let m = &raw.mortality;
    let b = std::f64::consts::LN_2 / at_least(p, "cohort.mortality.doubling_years", m.doubling_years, 0.5);
    let background = at_least(p, "cohort.mortality.background_per_year", m.background_per_year, 0.0);
    let le_m = at_least(p, "cohort.mortality.life_expectancy_65_male", m.life_expectancy_65_male, 1.0);
    let le_f = at_least(p, "cohort.mortality.life_expectancy_65_female", m.life_expectancy_65_female, 1.0);
    let mortality = MortalityParams {
        gompertz_a: [solve_gompertz(le_m, b, background, solved), solve_gompertz(le_f, b, background, solved)],
        gompertz_b: b,
        background,
        frailty_hr: four(p, "cohort.mortality.frailty_hr", &m.frailty_hr),
        care_home_hr: at_least(p, "cohort.mortality.care_home_hr", m.care_home_hr, 0.0),
    };

    let e = &raw.emergency;
    let age_from = list(p, "cohort.emergency.age_band_from", &e.age_band_from, e.age_band_from.len().max(1), 0.0);
    let rows = age_from.len();
    if e.per_1000_by_age_imd.len() != rows {
        p.push(
            "cohort.emergency.per_1000_by_age_imd",
            e.per_1000_by_age_imd.len(),
            format!("must have one row per age band ({rows})"),
        );
    }
    let per_year: Vec<[f64; 5]> = e
        .per_1000_by_age_imd
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let v = list(p, &format!("cohort.emergency.per_1000_by_age_imd[{i}]"), row, 5, 0.0);
            let mut out = [0.0; 5];
            for (o, x) in out.iter_mut().zip(v) {
                *o = x / 1000.0;
            }
            out
        })
        .collect();
    let condition_multiplier = e.condition_multiplier.clone();
    if condition_multiplier.is_empty() {
        p.push("cohort.emergency.condition_multiplier", "[]", "must list at least one multiplier");
    }
    for (i, x) in condition_multiplier.iter().enumerate() {
        at_least(p, &format!("cohort.emergency.condition_multiplier[{i}]"), *x, 0.0);
    }
    let emergency = EmergencyParams {
        age_from: age_from.clone(),
        per_year,
        frailty_hr: four(p, "cohort.emergency.frailty_hr", &e.frailty_hr),
        condition_multiplier,
        care_home_per_year: at_least(p, "cohort.emergency.care_home_per_year", e.care_home_per_year, 0.0),
        readmission_multiplier: at_least(p, "cohort.emergency.readmission_multiplier", e.readmission_multiplier, 0.0),
        readmission_window: SimDuration::from_days_f64(at_least(
            p,
            "cohort.emergency.readmission_window_days",
            e.readmission_window_days,
            0.0,
        )),
        los_multiplier_by_frailty: four(p, "cohort.emergency.los_multiplier_by_frailty", &e.los_multiplier_by_frailty),
        via_ae_share: probability(p, "cohort.emergency.via_ae_share", e.via_ae_share),
        pathway: pathway(p, "cohort.emergency.pathway", &e.pathway, pathway_names),
    };

    let ae_per_year_by_age = list(p, "cohort.ae.per_year_by_age", &raw.ae.per_year_by_age, rows, 0.0);
    let elective_per_year_by_age = list(p, "cohort.elective.per_year_by_age", &raw.elective.per_year_by_age, rows, 0.0);
    let gp_per_year_by_band =
        list(p, "cohort.gp.contacts_per_year_by_band", &raw.gp.contacts_per_year_by_band, AGE_BANDS, 0.0);
    let nursing = &raw.community_nursing;
    let avoid = &raw.admission_avoidance;
    if !(0..=3).contains(&avoid.min_frailty) {
        p.push(
            "cohort.admission_avoidance.min_frailty",
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
        ae_frailty_hr: four(p, "cohort.ae.frailty_hr", &raw.ae.frailty_hr),
        ae_care_home_per_year: at_least(p, "cohort.ae.care_home_per_year", raw.ae.care_home_per_year, 0.0),
        gp_per_year_by_band,
        gp_increase_per_condition: at_least(p, "cohort.gp.increase_per_condition", raw.gp.increase_per_condition, 0.0),
        elective_per_year_by_age,
        elective_pathway: pathway(p, "cohort.elective.pathway", &raw.elective.pathway, pathway_names),
        care_home_per_year_fit: at_least(
            p,
            "cohort.care_home.per_year_65_plus_fit",
            raw.care_home.per_year_65_plus_fit,
            0.0,
        ),
        care_home_frailty_hr: four(p, "cohort.care_home.frailty_hr", &raw.care_home.frailty_hr),
        care_home_pathway: pathway(p, "cohort.care_home.pathway", &raw.care_home.pathway, pathway_names),
        care_home_initial_occupancy: probability(
            p,
            "cohort.care_home.initial_occupancy",
            raw.care_home.initial_occupancy,
        ),
        nursing_per_year_by_frailty: four(
            p,
            "cohort.community_nursing.per_year_by_frailty",
            &nursing.per_year_by_frailty,
        ),
        nursing_visits_per_week: at_least(p, "cohort.community_nursing.visits_per_week", nursing.visits_per_week, 0.0),
        nursing_pathway: pathway(p, "cohort.community_nursing.pathway", &nursing.pathway, pathway_names),
        avoidance: AvoidanceParams {
            share: probability(p, "cohort.admission_avoidance.share", avoid.share),
            min_age: at_least(p, "cohort.admission_avoidance.min_age", avoid.min_age, 0.0),
            min_frailty: avoid.min_frailty.clamp(0, 3) as u8,
            pathway: pathway(p, "cohort.admission_avoidance.pathway", &avoid.pathway, pathway_names),
        },
        home_care_hours_per_week: (
            at_least(p, "cohort.home_care.hours_per_week_mean", hc.hours_per_week_mean, 0.01),
            at_least(p, "cohort.home_care.hours_per_week_sd", hc.hours_per_week_sd, 0.01),
        ),
        costs: UnitCosts {
            price_year: c.price_year.clone(),
            emergency_spell: pence(p, "cohort.costs.emergency_spell_pence", c.emergency_spell_pence),
            elective_spell: pence(p, "cohort.costs.elective_spell_pence", c.elective_spell_pence),
            day_case: pence(p, "cohort.costs.day_case_pence", c.day_case_pence),
            acute_bed_day: pence(p, "cohort.costs.acute_bed_day_pence", c.acute_bed_day_pence),
            ae_attendance: pence(p, "cohort.costs.ae_attendance_pence", c.ae_attendance_pence),
            gp_contact: pence(p, "cohort.costs.gp_contact_pence", c.gp_contact_pence),
            intermediate_care_day: pence(p, "cohort.costs.intermediate_care_day_pence", c.intermediate_care_day_pence),
            reablement_day: pence(p, "cohort.costs.reablement_day_pence", c.reablement_day_pence),
            home_care_hour: pence(p, "cohort.costs.home_care_hour_pence", c.home_care_hour_pence),
            care_home_week: pence(p, "cohort.costs.care_home_week_pence", c.care_home_week_pence),
            nursing_visit: pence(p, "cohort.costs.nursing_visit_pence", c.nursing_visit_pence),
        },
    };
    (p.0.len() == before).then_some(params)
}
