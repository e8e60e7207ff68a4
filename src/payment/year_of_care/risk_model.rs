//! The risk score a commissioner can compute: a logistic model of "an emergency
//! admission in the next 12 months" fitted on observable history (last year's
//! admissions, A&E attendances and care use; conditions, frailty, age, sex, care home
//! residence) from linked records, as the risk-stratification tools of the time were
//! (brief §2.5 step 1, §3.5). The simulation's own hazard is never an input.
//!
//! The fit is deterministic (Newton–Raphson on the log-likelihood with a tiny ridge for
//! stability, fixed iteration cap, rows in their given order), so the same records give
//! the same coefficients bit for bit. [`discrimination`] reports how well a score ranks
//! people: the C-statistic (area under the ROC curve) and the positive predictive value
//! of the top share selected.

use crate::payment::PaymentError;
use crate::record::PersonYearTable;

/// What a commissioner observes of a person at a scoring date (the start of a
/// financial year): attributes now and counts over the year just ended.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RiskFeatures {
    /// Age at the scoring date, years.
    pub age_years: f64,
    /// True for male.
    pub male: bool,
    /// Long-term conditions on the registers.
    pub conditions: u8,
    /// Frailty: 0 fit, 1 mild, 2 moderate, 3 severe.
    pub frailty: u8,
    /// Living in a care home.
    pub care_home: bool,
    /// Emergency admissions in the year just ended.
    pub prior_emergency_admissions: u16,
    /// Elective admissions in the year just ended.
    pub prior_elective_admissions: u16,
    /// A&E attendances in the year just ended.
    pub prior_ae_attendances: u16,
    /// Home care hours in the year just ended.
    pub prior_home_care_hours: f64,
    /// Intermediate care and reablement days in the year just ended.
    pub prior_community_days: f64,
}

/// Number of terms of the model (intercept included).
pub const RISK_TERMS: usize = 15;

impl RiskFeatures {
    /// The design row: intercept; age (centred at 75, per decade) and its square; male;
    /// conditions (capped at 10); frailty mild/moderate/severe indicators; care home;
    /// prior emergency admissions (capped at 5) and "any"; prior electives (capped at
    /// 5); prior A&E attendances (capped at 10); ln(1 + home care hours); ln(1 +
    /// intermediate care and reablement days).
    pub fn terms(&self) -> [f64; RISK_TERMS] {
        let age = (self.age_years - 75.0) / 10.0;
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        [
            1.0,
            age,
            age * age,
            b(self.male),
            f64::from(self.conditions.min(10)),
            b(self.frailty == 1),
            b(self.frailty == 2),
            b(self.frailty >= 3),
            b(self.care_home),
            f64::from(self.prior_emergency_admissions.min(5)),
            b(self.prior_emergency_admissions > 0),
            f64::from(self.prior_elective_admissions.min(5)),
            f64::from(self.prior_ae_attendances.min(10)),
            self.prior_home_care_hours.max(0.0).ln_1p(),
            self.prior_community_days.max(0.0).ln_1p(),
        ]
    }
}

/// A fitted logistic risk model.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskModel {
    /// Coefficients of [`RiskFeatures::terms`], log-odds scale.
    pub coefficients: [f64; RISK_TERMS],
}

/// The sigmoid, computed without overflow.
fn logistic(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Ridge added to the diagonal of the information matrix (every term but the
/// intercept): ASSUMPTION, small enough (1 against hundreds of thousands of records) to
/// leave the estimates unchanged in practice, large enough that a term with no variation
/// (e.g. nobody in a care home) gets a zero coefficient instead of a singular system.
pub const RISK_RIDGE: f64 = 1.0;

/// Newton iterations at most; the fit stops earlier when no coefficient moves by more
/// than [`RISK_FIT_TOLERANCE`].
pub const RISK_FIT_MAX_ITERATIONS: usize = 50;

/// Convergence tolerance on the coefficients.
pub const RISK_FIT_TOLERANCE: f64 = 1e-9;

impl RiskModel {
    /// The model fitted on the records of every pilot run ([`training_rows`] of each,
    /// pilots in order).
    pub fn fit_on_runs(runs: &[Vec<ObservedYear>]) -> Result<RiskModel, PaymentError> {
        let rows: Vec<(RiskFeatures, bool)> = runs.iter().flat_map(|r| training_rows(r)).collect();
        RiskModel::fit(&rows)
    }

    /// Probability of an emergency admission in the next 12 months.
    pub fn probability(&self, f: &RiskFeatures) -> f64 {
        let t = f.terms();
        logistic(t.iter().zip(&self.coefficients).map(|(x, b)| x * b).sum())
    }

    /// Maximum-likelihood fit (with the [`RISK_RIDGE`]) on `(features, admitted)` rows.
    /// Fails on no rows, on rows all of one outcome, or when Newton's method does not
    /// converge.
    pub fn fit(rows: &[(RiskFeatures, bool)]) -> Result<RiskModel, PaymentError> {
        let bad =
            |reason: &str| PaymentError::InvalidParameter { name: "year_of_care.risk_model", reason: reason.into() };
        let events = rows.iter().filter(|r| r.1).count();
        if rows.is_empty() || events == 0 || events == rows.len() {
            return Err(bad("the pilot records give no people with and without an admission to fit the model on"));
        }
        let design: Vec<[f64; RISK_TERMS]> = rows.iter().map(|r| r.0.terms()).collect();
        let mut beta = [0.0; RISK_TERMS];
        // Start at the mean log-odds: one Newton step closer.
        let p0 = events as f64 / rows.len() as f64;
        beta[0] = (p0 / (1.0 - p0)).ln();
        for _ in 0..RISK_FIT_MAX_ITERATIONS {
            let mut grad = [0.0; RISK_TERMS];
            let mut info = [[0.0; RISK_TERMS]; RISK_TERMS];
            for (x, (_, y)) in design.iter().zip(rows) {
                let p = logistic(x.iter().zip(&beta).map(|(a, b)| a * b).sum());
                let w = p * (1.0 - p);
                let r = if *y { 1.0 } else { 0.0 } - p;
                for j in 0..RISK_TERMS {
                    grad[j] += x[j] * r;
                    let wx = w * x[j];
                    for k in 0..=j {
                        info[j][k] += wx * x[k];
                    }
                }
            }
            for j in 1..RISK_TERMS {
                info[j][j] += RISK_RIDGE;
                grad[j] -= RISK_RIDGE * beta[j];
            }
            let mut step =
                solve_symmetric(&info, &grad).ok_or_else(|| bad("the fit's information matrix is singular"))?;
            // Damped Newton: halve the step until the penalised log-likelihood does not
            // fall (a full step can overshoot far from the optimum).
            let here = penalised_log_likelihood(&design, rows, &beta);
            let mut tries = 0;
            loop {
                let trial: [f64; RISK_TERMS] = std::array::from_fn(|j| beta[j] + step[j]);
                if penalised_log_likelihood(&design, rows, &trial) >= here || tries >= 60 {
                    break;
                }
                step = step.map(|x| x / 2.0);
                tries += 1;
            }
            let mut moved = 0.0f64;
            for j in 0..RISK_TERMS {
                beta[j] += step[j];
                moved = moved.max(step[j].abs());
            }
            if !beta.iter().all(|b| b.is_finite()) {
                return Err(bad("the fit diverged"));
            }
            if moved < RISK_FIT_TOLERANCE {
                return Ok(RiskModel { coefficients: beta });
            }
        }
        Err(bad("the fit did not converge"))
    }
}

/// The log-likelihood of `beta` on the rows, less the ridge penalty (every term but the
/// intercept).
fn penalised_log_likelihood(
    design: &[[f64; RISK_TERMS]],
    rows: &[(RiskFeatures, bool)],
    beta: &[f64; RISK_TERMS],
) -> f64 {
    let mut ll = 0.0;
    for (x, (_, y)) in design.iter().zip(rows) {
        let z: f64 = x.iter().zip(beta).map(|(a, b)| a * b).sum();
        // ln(1 + e^z) without overflow.
        let softplus = if z > 0.0 { z + (-z).exp().ln_1p() } else { z.exp().ln_1p() };
        ll += if *y { z } else { 0.0 } - softplus;
    }
    ll - 0.5 * RISK_RIDGE * beta[1..].iter().map(|b| b * b).sum::<f64>()
}

/// Solves `a x = b` for a symmetric positive definite `a` given by its lower triangle
/// (Cholesky); `None` when `a` is not positive definite.
fn solve_symmetric(a: &[[f64; RISK_TERMS]; RISK_TERMS], b: &[f64; RISK_TERMS]) -> Option<[f64; RISK_TERMS]> {
    let n = RISK_TERMS;
    let mut l = [[0.0; RISK_TERMS]; RISK_TERMS];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut y = [0.0; RISK_TERMS];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0; RISK_TERMS];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Some(x)
}

/// How well a score ranks people by an outcome.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Discrimination {
    /// People scored.
    pub people: usize,
    /// Share with the outcome.
    pub prevalence: f64,
    /// C-statistic: the probability that a random person with the outcome scores above
    /// a random person without (ties count one half); 0.5 = no better than chance.
    pub c_statistic: f64,
    /// Share of the population selected (the top scores).
    pub top_fraction: f64,
    /// Positive predictive value: share of the selected with the outcome.
    pub ppv: f64,
    /// Sensitivity: share of those with the outcome who were selected.
    pub sensitivity: f64,
}

/// The C-statistic of `scores` against `outcomes` (Mann–Whitney, ties at mid-rank) and
/// the PPV and sensitivity of selecting the `round(top_fraction × n)` highest scores
/// (ties broken by position, as [`super::select_cohort_by`] does). `None` when the
/// outcome is all one value or the lengths differ.
pub fn discrimination(scores: &[f64], outcomes: &[bool], top_fraction: f64) -> Option<Discrimination> {
    let n = scores.len();
    let positives = outcomes.iter().filter(|o| **o).count();
    if n != outcomes.len() || positives == 0 || positives == n {
        return None;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(a.cmp(&b)));
    // Sum of the positives' mid-ranks (1-based), over runs of tied scores.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += mid * order[i..=j].iter().filter(|&&k| outcomes[k]).count() as f64;
        i = j + 1;
    }
    let (pos, neg) = (positives as f64, (n - positives) as f64);
    let c = (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg);
    let top = ((top_fraction.clamp(0.0, 1.0) * n as f64).round() as usize).min(n);
    // Highest first, lower index first among ties.
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let hits = order[..top].iter().filter(|&&k| outcomes[k]).count();
    Some(Discrimination {
        people: n,
        prevalence: pos / n as f64,
        c_statistic: c,
        top_fraction,
        ppv: if top > 0 { hits as f64 / top as f64 } else { 0.0 },
        sensitivity: hits as f64 / pos,
    })
}

/// People-weighted means of several discrimination reports (e.g. one per pilot and
/// year); `None` for none.
pub fn mean_discrimination(reports: &[Discrimination]) -> Option<Discrimination> {
    let people: usize = reports.iter().map(|d| d.people).sum();
    if people == 0 {
        return None;
    }
    let mean =
        |f: fn(&Discrimination) -> f64| reports.iter().map(|d| f(d) * d.people as f64).sum::<f64>() / people as f64;
    Some(Discrimination {
        people,
        prevalence: mean(|d| d.prevalence),
        c_statistic: mean(|d| d.c_statistic),
        top_fraction: mean(|d| d.top_fraction),
        ppv: mean(|d| d.ppv),
        sensitivity: mean(|d| d.sensitivity),
    })
}

/// The features of a person at the start of the year after row `row` of `table` (the
/// year just ended): attributes at the row's end, counts over the row's year. `None`
/// when the row does not exist or the person died in that year.
pub fn features_after(table: &PersonYearTable, row: usize) -> Option<RiskFeatures> {
    if row >= table.len() || table.died[row] {
        return None;
    }
    Some(RiskFeatures {
        age_years: f64::from(table.age_years[row]) + 1.0,
        male: table.male[row],
        conditions: table.conditions[row],
        frailty: table.frailty[row],
        care_home: table.care_home[row],
        prior_emergency_admissions: table.emergency_admissions[row],
        prior_elective_admissions: table.elective_admissions[row],
        prior_ae_attendances: table.ae_attendances[row],
        prior_home_care_hours: f64::from(table.home_care_hours[row]),
        prior_community_days: f64::from(table.intermediate_care_days[row] + table.reablement_days[row]),
    })
}

/// What a commissioner's linked records hold about one financial year of a run, by
/// person index: each person's features at the year's end (for scoring the next year;
/// `None` without a record or after death) and whether they had an emergency admission
/// in the year (`None` without a record).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObservedYear {
    /// Financial year of the run.
    pub year: u16,
    /// Features after the year, by person.
    pub features_after: Vec<Option<RiskFeatures>>,
    /// Emergency admission in the year, by person.
    pub admitted: Vec<Option<bool>>,
}

/// The years of a person-year table as [`ObservedYear`]s, in year order, each sized for
/// `people` people.
pub fn observed_years(table: &PersonYearTable, people: usize) -> Vec<ObservedYear> {
    let mut years: Vec<ObservedYear> = Vec::new();
    for row in 0..table.len() {
        let (year, person) = (table.year[row], table.person[row] as usize);
        if person >= people {
            continue;
        }
        let k = match years.iter().position(|y| y.year == year) {
            Some(k) => k,
            None => {
                years.push(ObservedYear { year, features_after: vec![None; people], admitted: vec![None; people] });
                years.len() - 1
            }
        };
        years[k].features_after[person] = features_after(table, row);
        years[k].admitted[person] = Some(table.emergency_admissions[row] > 0);
    }
    years.sort_by_key(|y| y.year);
    years
}

/// Training rows from a run's observed years: for each pair of consecutive years
/// `(y, y + 1)` and each person with features after `y` and a record in `y + 1`, the
/// features and whether they were admitted in `y + 1` (pairs in year order, people in
/// index order).
pub fn training_rows(years: &[ObservedYear]) -> Vec<(RiskFeatures, bool)> {
    let mut out = Vec::new();
    for pair in years.windows(2).filter(|p| p[1].year == p[0].year + 1) {
        for (f, y) in pair[0].features_after.iter().zip(&pair[1].admitted) {
            if let (Some(f), Some(y)) = (f, y) {
                out.push((*f, *y));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamKey};
    use rand::RngExt;

    /// People whose admission probability follows a known logistic model of their
    /// features; outcomes drawn from a fixed-seed stream.
    fn synthetic(n: usize, entity: u64, truth: &[f64; RISK_TERMS]) -> Vec<(RiskFeatures, bool)> {
        let mut rng =
            StreamKey { master_seed: 42, sample: 0, replication: 0, purpose: Purpose::Parameters, entity }.rng();
        let model = RiskModel { coefficients: *truth };
        (0..n)
            .map(|_| {
                let f = RiskFeatures {
                    age_years: rng.random_range(40.0..100.0),
                    male: rng.random(),
                    conditions: rng.random_range(0..8u8),
                    frailty: rng.random_range(0..4u8),
                    care_home: rng.random_range(0..20u8) == 0,
                    prior_emergency_admissions: [0, 0, 0, 1, 1, 2, 4][rng.random_range(0..7usize)],
                    prior_elective_admissions: rng.random_range(0..2u16),
                    prior_ae_attendances: rng.random_range(0..3u16),
                    prior_home_care_hours: if rng.random_range(0..10u8) == 0 { 300.0 } else { 0.0 },
                    prior_community_days: if rng.random_range(0..20u8) == 0 { 10.0 } else { 0.0 },
                };
                let y = rng.random::<f64>() < model.probability(&f);
                (f, y)
            })
            .collect()
    }

    const TRUTH: [f64; RISK_TERMS] = [-2.5, 0.4, 0.05, 0.1, 0.2, 0.2, 0.4, 0.7, 0.3, 0.35, 0.3, 0.0, 0.1, 0.08, 0.0];

    #[test]
    fn fit_recovers_a_known_model_and_is_deterministic() {
        let rows = synthetic(60_000, 7, &TRUTH);
        let m = RiskModel::fit(&rows).unwrap();
        assert_eq!(m, RiskModel::fit(&rows).unwrap(), "same rows, same coefficients");
        // Each coefficient within 5 standard errors: the largest standard error here is
        // below 0.08 (n = 60,000, prevalence ~0.25), so 0.4 is a loose, safe bound.
        for (k, (got, want)) in m.coefficients.iter().zip(&TRUTH).enumerate() {
            assert!((got - want).abs() < 0.4, "term {k}: {got} vs {want}");
        }
        // The strongest term, prior admissions, comes out with the right sign and size.
        assert!((m.coefficients[9] - TRUTH[9]).abs() < 0.15, "{:?}", m.coefficients);
        // All one outcome: no model.
        let all: Vec<_> = rows.iter().map(|(f, _)| (*f, true)).collect();
        assert!(RiskModel::fit(&all).is_err());
        assert!(RiskModel::fit(&[]).is_err());
    }

    #[test]
    fn c_statistic_and_ppv_worked_examples() {
        // Scores 1..4, outcomes at 2 and 4: pairs (pos, neg) = (2,1) win, (2,3) loss,
        // (4,1) win, (4,3) win → 3/4. Top 50% = {4, 3}: PPV 1/2, sensitivity 1/2.
        let d = discrimination(&[1.0, 2.0, 3.0, 4.0], &[false, true, false, true], 0.5).unwrap();
        assert_eq!(d.c_statistic, 0.75);
        assert_eq!((d.ppv, d.sensitivity, d.prevalence), (0.5, 0.5, 0.5));
        // All tied: 0.5 exactly.
        let d = discrimination(&[1.0; 4], &[false, true, false, true], 0.25).unwrap();
        assert_eq!(d.c_statistic, 0.5);
        // Perfect ranking: 1.
        assert_eq!(discrimination(&[0.1, 0.9], &[false, true], 0.5).unwrap().c_statistic, 1.0);
        assert!(discrimination(&[0.1, 0.9], &[true, true], 0.5).is_none());
    }

    #[test]
    fn a_fitted_model_discriminates_out_of_sample() {
        let train = synthetic(40_000, 8, &TRUTH);
        let test = synthetic(20_000, 9, &TRUTH);
        let m = RiskModel::fit(&train).unwrap();
        let scores: Vec<f64> = test.iter().map(|(f, _)| m.probability(f)).collect();
        let outcomes: Vec<bool> = test.iter().map(|r| r.1).collect();
        let d = discrimination(&scores, &outcomes, 0.02).unwrap();
        // The true model's own C-statistic on the same people bounds what any fit can
        // reach; the fit comes within 0.01 of it, far above chance (0.5).
        let truth = RiskModel { coefficients: TRUTH };
        let best: Vec<f64> = test.iter().map(|(f, _)| truth.probability(f)).collect();
        let bound = discrimination(&best, &outcomes, 0.02).unwrap().c_statistic;
        assert!(d.c_statistic > 0.6 && d.c_statistic > bound - 0.01, "{} vs {bound}", d.c_statistic);
        // Selecting the top 2% finds people at well above the average risk.
        assert!(d.ppv > 2.0 * d.prevalence, "{d:?}");
    }
}
