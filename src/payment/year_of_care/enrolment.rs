//! Enrolment over a year, re-stratified (brief §2.5: "people enter at selection dates
//! (quarterly) and leave on death, moving out, or annual re-stratification"):
//!
//! * at the start of each financial year the commissioner scores everyone alive with
//!   its risk model ([`super::risk_model`]) and selects the cohort by the rule
//!   ([`super::select_cohort_by`]); everyone enrolled the year before leaves, and those
//!   selected again start a new spell the same day;
//! * at each later quarterly selection date the cohort is topped up to the size chosen
//!   at re-stratification, from the next people in the year's ranking who pass the
//!   rule's filters and are alive, replacing those who died;
//! * the year's spells end at the next re-stratification or at death.
//!
//! So the cohort stays at the configured share of the population all year instead of
//! growing until death (ASSUMPTION: the scores are those of the re-stratification date
//! until the next one, as a commissioner re-running its tool once a year would have).

use super::risk_model::{Discrimination, ObservedYear, RiskModel, discrimination};
use super::selection::{Band, CohortRule, Enrolment, PersonAttributes, SELECTION_MONTHS_IN_YEAR, select_cohort_by};
use crate::payment::MonthIndex;

/// A person who can be selected at a re-stratification date.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Person index.
    pub person: u32,
    /// The commissioner's risk score at the re-stratification date.
    pub score: f64,
    /// Long-term conditions at that date.
    pub conditions: u8,
    /// Frailty at that date.
    pub frailty: u8,
    /// Run day of death, if the person dies.
    pub death_day: Option<u32>,
}

impl Candidate {
    fn alive_on(&self, day: u32) -> bool {
        self.death_day.is_none_or(|d| d > day)
    }
}

/// One year's enrolment: everyone in `candidates` is alive on `start_day`, the
/// re-stratification date; `top_up_days` are the year's later selection dates; every
/// spell ends by `end_day` (the next re-stratification, or the run's end). Spells in
/// person order of enrolment: the re-stratified cohort first (by candidate order), then
/// each top-up.
pub fn enrol_year(
    candidates: &[Candidate],
    rule: &CohortRule,
    start_day: u32,
    top_up_days: &[u32],
    end_day: u32,
) -> Vec<Enrolment> {
    let attributes = |k: usize| {
        let c = &candidates[k];
        PersonAttributes { conditions: c.conditions, frailty: c.frailty, risk: c.score, rising_risk: false }
    };
    let chosen = select_cohort_by(candidates.len(), attributes, rule);
    let spell = |c: &Candidate, band: Band, from: u32| Enrolment {
        person: c.person,
        band,
        start_day: from,
        end_day: Some(c.death_day.map_or(end_day, |d| d.min(end_day))),
    };
    let mut out: Vec<Enrolment> =
        candidates.iter().zip(&chosen).filter_map(|(c, b)| b.map(|band| spell(c, band, start_day))).collect();
    let target = out.len();
    // The rest of the ranking: not selected, passing the band and frailty filters,
    // highest score first (ties to the lower index, as at selection).
    let passes = |c: &Candidate| {
        Band::from_conditions(c.conditions) >= rule.min_band && rule.min_frailty.is_none_or(|f| c.frailty >= f)
    };
    let mut reserve: Vec<usize> =
        (0..candidates.len()).filter(|&k| chosen[k].is_none() && passes(&candidates[k])).collect();
    reserve.sort_by(|&a, &b| candidates[b].score.total_cmp(&candidates[a].score).then(a.cmp(&b)));
    let mut next = 0;
    for &day in top_up_days.iter().filter(|&&d| d > start_day && d < end_day) {
        let enrolled_now = out.iter().filter(|e| e.start_day <= day && e.end_day.is_none_or(|x| x > day)).count();
        let mut vacancies = target.saturating_sub(enrolled_now);
        while vacancies > 0 && next < reserve.len() {
            let c = &candidates[reserve[next]];
            next += 1;
            if c.alive_on(day) {
                out.push(spell(c, Band::from_conditions(c.conditions), day));
                vacancies -= 1;
            }
        }
    }
    out
}

/// Mean share of the living population enrolled on `days`: enrolled people alive on
/// the day over the people of `candidates` alive on the day.
pub fn enrolled_share(enrolments: &[Enrolment], candidates: &[Candidate], days: &[u32]) -> f64 {
    if days.is_empty() {
        return 0.0;
    }
    let total: f64 = days
        .iter()
        .map(|&d| {
            let alive = candidates.iter().filter(|c| c.alive_on(d)).count();
            let enrolled = enrolments.iter().filter(|e| e.start_day <= d && e.end_day.is_none_or(|x| x > d)).count();
            if alive == 0 { 0.0 } else { enrolled as f64 / alive as f64 }
        })
        .sum();
    total / days.len() as f64
}

/// A run's year-of-care enrolment and how well the commissioner's score did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlannedEnrolment {
    /// Enrolment spells, year by year.
    pub enrolments: Vec<Enrolment>,
    /// By financial year: the score's discrimination against the emergency admissions
    /// of that year, among the people scored (years without records are left out).
    pub discrimination: Vec<(u16, Discrimination)>,
    /// Mean share of the living enrolled, over the selection days of the years.
    pub enrolled_share: f64,
}

/// Enrolment in the financial years `years` of a run (each needs the observed year
/// before it in `observed`; a year without one enrols nobody): everyone with features
/// after the year before is scored by `model` and the cohort chosen by `rule` at the
/// year's start, then topped up quarterly ([`enrol_year`]); `deaths` are (person, run
/// day); spells end at `horizon_day` at the latest. The same observed records give the
/// same enrolment, whichever run (pilot or scenario) they come from.
pub fn plan_enrolments(
    observed: &[ObservedYear],
    deaths: &[(u32, u32)],
    model: &RiskModel,
    rule: &CohortRule,
    years: &[u16],
    horizon_day: u32,
) -> PlannedEnrolment {
    let people = observed.iter().map(|y| y.features_after.len()).max().unwrap_or(0);
    let mut death_day = vec![None; people];
    for &(p, d) in deaths {
        if let Some(slot) = death_day.get_mut(p as usize) {
            *slot = Some(d);
        }
    }
    let mut out = PlannedEnrolment::default();
    let mut shares = Vec::new();
    for &year in years {
        let Some(before) = observed.iter().find(|y| y.year + 1 == year) else {
            continue;
        };
        let start_day = MonthIndex(year * 12).start_day();
        if start_day >= horizon_day {
            continue;
        }
        let end_day = MonthIndex(year * 12 + 12).start_day().min(horizon_day);
        let candidates: Vec<Candidate> = before
            .features_after
            .iter()
            .enumerate()
            .filter_map(|(p, f)| {
                let f = f.as_ref()?;
                let death_day = death_day.get(p).copied().flatten();
                death_day.is_none_or(|d| d > start_day).then(|| Candidate {
                    person: p as u32,
                    score: model.probability(f),
                    conditions: f.conditions,
                    frailty: f.frailty,
                    death_day,
                })
            })
            .collect();
        let days: Vec<u32> = SELECTION_MONTHS_IN_YEAR
            .iter()
            .map(|m| MonthIndex(year * 12 + u16::from(*m)).start_day())
            .filter(|d| *d < end_day)
            .collect();
        let spells = enrol_year(&candidates, rule, start_day, &days[1..], end_day);
        shares.push(enrolled_share(&spells, &candidates, &days));
        if let Some(outcome) = observed.iter().find(|y| y.year == year) {
            let scored: Vec<(f64, bool)> = candidates
                .iter()
                .filter_map(|c| outcome.admitted.get(c.person as usize).copied().flatten().map(|a| (c.score, a)))
                .collect();
            let (scores, admitted): (Vec<f64>, Vec<bool>) = scored.into_iter().unzip();
            if let Some(d) = discrimination(&scores, &admitted, rule.top_risk_fraction.unwrap_or(0.02)) {
                out.discrimination.push((year, d));
            }
        }
        out.enrolments.extend(spells);
    }
    out.enrolled_share = if shares.is_empty() { 0.0 } else { shares.iter().sum::<f64>() / shares.len() as f64 };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamKey};
    use rand::RngExt;

    /// 10,000 people with random scores, conditions and frailty; about 1 in 10 die
    /// during the year, the highest scores more often.
    fn population() -> Vec<Candidate> {
        let mut rng =
            StreamKey { master_seed: 3, sample: 0, replication: 0, purpose: Purpose::Parameters, entity: 1 }.rng();
        (0..10_000)
            .map(|i| {
                let score: f64 = rng.random();
                let dies = rng.random::<f64>() < 0.2 * score;
                Candidate {
                    person: i,
                    score,
                    conditions: rng.random_range(0..8u8),
                    frailty: rng.random_range(0..4u8),
                    death_day: dies.then(|| 365 + rng.random_range(0..365u32)),
                }
            })
            .collect()
    }

    #[test]
    fn the_cohort_stays_at_the_configured_share() {
        let people = population();
        let rule = CohortRule::default(); // top 2%
        let tops = [456, 548, 640];
        let e = enrol_year(&people, &rule, 365, &tops, 730);
        // 200 at re-stratification: the 200 highest scores.
        let first: Vec<&Enrolment> = e.iter().filter(|x| x.start_day == 365).collect();
        assert_eq!(first.len(), 200);
        let lowest_in = first.iter().map(|x| people[x.person as usize].score).fold(f64::INFINITY, f64::min);
        assert_eq!(people.iter().filter(|c| c.score >= lowest_in).count(), 200);
        // After each top-up exactly 200 are enrolled and alive: deaths were replaced.
        for d in tops {
            let n = e.iter().filter(|x| x.start_day <= d && x.end_day.is_none_or(|y| y > d)).count();
            assert_eq!(n, 200, "day {d}");
        }
        // Averaged over the quarter days the share is 200 / the living ≥ 2% and at most
        // 2% × N / (N − deaths) (≤ 10% deaths: ≤ 2.23%).
        let share = enrolled_share(&e, &people, &[365, 456, 548, 640]);
        assert!((0.02..0.0223).contains(&share), "{share}");
        // Every spell ends by the year's end or at death, never before it starts.
        for x in &e {
            let c = &people[x.person as usize];
            let end = x.end_day.unwrap();
            assert!(end > x.start_day && end <= 730);
            assert_eq!(end, c.death_day.map_or(730, |d| d.min(730)));
            assert!(c.alive_on(x.start_day));
        }
        // Nobody is enrolled twice in the year.
        let mut ids: Vec<u32> = e.iter().map(|x| x.person).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), e.len());
    }

    #[test]
    fn a_run_is_enrolled_year_by_year_from_its_records() {
        use super::super::risk_model::{RISK_TERMS, RiskFeatures};
        // 1,000 people observed in years 0 and 1; admissions in year 1 for those with a
        // prior admission. A model that scores prior admissions high selects them.
        let people = 1_000;
        let f = |p: usize| RiskFeatures {
            age_years: 70.0,
            prior_emergency_admissions: u16::from(p.is_multiple_of(10)),
            conditions: (p % 7) as u8,
            ..Default::default()
        };
        let year = |y: u16| ObservedYear {
            year: y,
            features_after: (0..people).map(|p| Some(f(p))).collect(),
            admitted: (0..people).map(|p| Some(p.is_multiple_of(10))).collect(),
        };
        let mut beta = [0.0; RISK_TERMS];
        beta[0] = -3.0;
        beta[9] = 2.0;
        beta[4] = 0.01;
        let model = RiskModel { coefficients: beta };
        let deaths = [(10u32, 400u32), (20, 800)];
        let rule = CohortRule { top_risk_fraction: Some(0.05), ..CohortRule::default() };
        let plan = plan_enrolments(&[year(0), year(1)], &deaths, &model, &rule, &[1], 730);
        // Year 1 only (year 2 has no observed year before it in the slice).
        assert!(plan.enrolments.iter().all(|e| e.start_day >= 365 && e.end_day.is_some_and(|d| d <= 730)));
        // 50 at re-stratification, person 10 replaced after dying on day 400.
        assert_eq!(plan.enrolments.iter().filter(|e| e.start_day == 365).count(), 50);
        assert_eq!(plan.enrolments.iter().find(|e| e.person == 10).and_then(|e| e.end_day), Some(400));
        assert_eq!(plan.enrolments.len(), 51);
        // Everyone selected had a prior admission: PPV 1 against a prevalence of 10%.
        let (y, d) = plan.discrimination[0];
        assert_eq!(y, 1);
        assert_eq!(d.ppv, 1.0);
        assert!((d.prevalence - 0.1).abs() < 1e-12 && d.c_statistic > 0.99);
        assert!((plan.enrolled_share - 0.05).abs() < 0.001, "{}", plan.enrolled_share);
    }

    #[test]
    fn top_ups_respect_the_filters() {
        let people = population();
        let rule = CohortRule { min_band: Band::C, min_frailty: Some(2), ..CohortRule::default() };
        let e = enrol_year(&people, &rule, 365, &[456, 548, 640], 730);
        assert!(!e.is_empty());
        for x in &e {
            let c = &people[x.person as usize];
            assert!(c.conditions >= 3 && c.frailty >= 2, "{c:?}");
        }
    }
}
