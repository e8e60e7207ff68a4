//! The synthetic population: a struct of arrays indexed by person, generated
//! deterministically from keyed random streams (one per person, purpose `Cohort`).

use super::{AGE_BANDS, CohortParams, FRAILTY_LEVELS, sigmoid};
use crate::rng::{Purpose, StreamKey};
use crate::time::SimTime;
use rand::RngExt;
use rand_distr::StandardNormal;

/// Days per year used for ages.
pub const DAYS_PER_YEAR: f64 = 365.25;

/// Typed index of a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonId(pub u32);

/// Everyone in the area, one entry per person in each column.
#[derive(Clone, Debug, Default)]
pub struct Population {
    /// Age at time zero, days.
    pub age0_days: Vec<u32>,
    /// Sex: true for male.
    pub male: Vec<bool>,
    /// Deprivation quintile, 1 (least deprived) to 5 (most).
    pub imd: Vec<u8>,
    /// GP practice index.
    pub practice: Vec<u16>,
    /// Latent multimorbidity propensity (standard normal).
    pub latent: Vec<f32>,
    /// Long-term conditions, a bit per condition in config order.
    pub conditions: Vec<u16>,
    /// Frailty: 0 fit, 1 mild, 2 moderate, 3 severe.
    pub frailty: Vec<u8>,
    /// Living in a care home.
    pub care_home: Vec<bool>,
    /// Probability of an emergency admission in the next 12 months (kept up to date).
    pub risk: Vec<f32>,
    /// When the person died, if they did.
    pub died_at: Vec<Option<SimTime>>,
}

impl Population {
    /// Number of people.
    pub fn len(&self) -> usize {
        self.age0_days.len()
    }

    /// True when nobody lives in the area.
    pub fn is_empty(&self) -> bool {
        self.age0_days.is_empty()
    }

    /// Age of person `i` at `t`, years.
    #[inline]
    pub fn age_years(&self, i: usize, t: SimTime) -> f64 {
        (self.age0_days[i] as f64 + t.as_days_f64()) / DAYS_PER_YEAR
    }

    /// Number of long-term conditions of person `i`.
    #[inline]
    pub fn n_conditions(&self, i: usize) -> u32 {
        self.conditions[i].count_ones()
    }

    /// Dependency (none, low, medium, high) follows frailty in this model.
    #[inline]
    pub fn dependency(&self, i: usize) -> u8 {
        self.frailty[i]
    }

    /// Generates the population of one run. `care_home_places` residents-to-be are
    /// chosen among people aged 65+, weighted towards the old and the frail.
    pub fn generate(
        params: &CohortParams,
        master_seed: u64,
        sample: u32,
        replication: u32,
        care_home_places: u32,
    ) -> Population {
        let n = params.size as usize;
        let mut pop = Population {
            age0_days: Vec::with_capacity(n),
            male: Vec::with_capacity(n),
            imd: Vec::with_capacity(n),
            practice: Vec::with_capacity(n),
            latent: Vec::with_capacity(n),
            conditions: Vec::with_capacity(n),
            frailty: vec![0; n],
            care_home: vec![false; n],
            risk: vec![0.0; n],
            died_at: vec![None; n],
        };
        let mut scores = Vec::with_capacity(n);
        let mut home_keys: Vec<(f64, u32)> = Vec::new();
        let loading = params.multimorbidity_loading;
        for i in 0..n {
            let mut rng =
                StreamKey { master_seed, sample, replication, purpose: Purpose::Cohort, entity: i as u64 }.rng();
            let u: f64 = rng.random();
            let band = params.age_band_cumulative.partition_point(|c| *c <= u).min(AGE_BANDS - 1);
            let age_years = if band == AGE_BANDS - 1 {
                let e: f64 = rng.sample(rand_distr::Exp1);
                (90.0 + 4.0 * e).min(109.0)
            } else {
                band as f64 * 5.0 + 5.0 * rng.random::<f64>()
            };
            let male = rng.random::<f64>() < params.male_share[band];
            let u: f64 = rng.random();
            let imd = params.imd_cumulative.partition_point(|c| *c <= u).min(4) as u8 + 1;
            let practice = rng.random_range(0..params.gp_practices);
            let z: f64 = rng.sample(StandardNormal);
            let mut set = 0u16;
            for (bit, c) in params.conditions.iter().enumerate() {
                if rng.random::<f64>() < sigmoid(c.logit(age_years, imd, z, loading)) {
                    set |= 1 << bit;
                }
            }
            let noise: f64 = rng.sample(StandardNormal);
            let score = params.frailty.score_per_decade * (age_years - 65.0) / 10.0
                + params.frailty.score_per_condition * set.count_ones() as f64
                + noise;
            scores.push(score);
            pop.age0_days.push((age_years * DAYS_PER_YEAR) as u32);
            pop.male.push(male);
            pop.imd.push(imd);
            pop.practice.push(practice);
            pop.latent.push(z as f32);
            pop.conditions.push(set);
            if age_years >= 65.0 {
                // Weighted sampling without replacement (Efraimidis-Spirakis): key u^(1/w).
                let w = (1.0 + (score - 0.0).max(-3.0)).exp();
                let u: f64 = rng.random();
                home_keys.push((u.powf(1.0 / w), i as u32));
            }
        }
        // Frailty cut-points at the configured quantiles of the 65+ scores.
        let mut older: Vec<f64> =
            (0..n).filter(|i| pop.age0_days[*i] as f64 >= 65.0 * DAYS_PER_YEAR).map(|i| scores[i]).collect();
        let mut cuts = [f64::INFINITY; FRAILTY_LEVELS - 1];
        let mut acc = 0.0;
        for (level, cut) in cuts.iter_mut().enumerate() {
            acc += params.frailty.shares_65_plus[level];
            if !older.is_empty() {
                // The idx-th smallest score: a selection, no full sort needed.
                let idx = ((acc * older.len() as f64) as usize).min(older.len() - 1);
                *cut = *older.select_nth_unstable_by(idx, f64::total_cmp).1;
            }
        }
        for (i, score) in scores.iter().enumerate() {
            // The electronic frailty index applies from age 50 here; younger people are fit.
            if pop.age0_days[i] as f64 >= 50.0 * DAYS_PER_YEAR {
                pop.frailty[i] = cuts.iter().filter(|c| score >= *c).count() as u8;
            }
        }
        // The residents are the `care_home_places` largest keys (ties by index): which
        // people, not their order, matters, so a selection is enough.
        let places = (care_home_places as usize).min(home_keys.len());
        if places > 0 && places < home_keys.len() {
            home_keys.select_nth_unstable_by(places, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        }
        for (_, i) in &home_keys[..places] {
            pop.care_home[*i as usize] = true;
        }
        pop
    }

    /// Approximate heap memory of the population, bytes.
    pub fn memory_bytes(&self) -> usize {
        self.len()
            * (std::mem::size_of::<u32>() * 2
                + std::mem::size_of::<bool>() * 2
                + std::mem::size_of::<u8>() * 2
                + std::mem::size_of::<u16>() * 2
                + std::mem::size_of::<f32>()
                + std::mem::size_of::<Option<SimTime>>())
    }
}
