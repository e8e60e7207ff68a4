//! The synthetic population: one record per person, generated
//! deterministically from keyed random streams (one per person, purpose `Cohort`).

use super::{AGE_BANDS, CohortParams, FRAILTY_LEVELS, sigmoid};
use crate::rng::{Purpose, StreamKey};
use crate::time::{MEAN_DAYS_PER_YEAR, SimTime};
use rand::RngExt;
use rand_distr::StandardNormal;

/// Typed index of a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonId(pub u32);

/// One person of the area: everything the simulation reads about them at each of their
/// events sits together, so an event at a random person touches one record.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Person {
    /// Age at time zero, days.
    pub age0_days: u32,
    /// Latent multimorbidity propensity (standard normal).
    pub latent: f32,
    /// Probability of an emergency admission in the next 12 months (kept up to date).
    pub risk: f32,
    /// GP practice index.
    pub practice: u16,
    /// Long-term conditions, a bit per condition in config order.
    pub conditions: u16,
    /// Deprivation quintile, 1 (least deprived) to 5 (most).
    pub imd: u8,
    /// Frailty: 0 fit, 1 mild, 2 moderate, 3 severe.
    pub frailty: u8,
    /// Sex: true for male.
    pub male: bool,
    /// Living in a care home.
    pub care_home: bool,
    /// When the person died, if they did.
    pub died_at: Option<SimTime>,
}

impl Person {
    /// Age at `t`, years.
    #[inline]
    pub fn age_years(&self, t: SimTime) -> f64 {
        (self.age0_days as f64 + t.as_days_f64()) / MEAN_DAYS_PER_YEAR
    }

    /// Number of long-term conditions.
    #[inline]
    pub fn n_conditions(&self) -> u32 {
        self.conditions.count_ones()
    }
}

/// Everyone in the area, one record per person (an array of structs: the simulation
/// visits people in random order and reads most of a record each time).
#[derive(Clone, Debug, Default)]
pub struct Population {
    /// The people, indexed by [`PersonId`].
    pub people: Vec<Person>,
}

impl Population {
    /// Number of people.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// True when nobody lives in the area.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// Age of person `i` at `t`, years.
    #[inline]
    pub fn age_years(&self, i: usize, t: SimTime) -> f64 {
        self.people[i].age_years(t)
    }

    /// Number of long-term conditions of person `i`.
    #[inline]
    pub fn n_conditions(&self, i: usize) -> u32 {
        self.people[i].n_conditions()
    }

    /// Dependency (none, low, medium, high) follows frailty in this model.
    #[inline]
    pub fn dependency(&self, i: usize) -> u8 {
        self.people[i].frailty
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
        let mut pop = Population { people: Vec::with_capacity(n) };
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
            pop.people.push(Person {
                age0_days: (age_years * MEAN_DAYS_PER_YEAR) as u32,
                latent: z as f32,
                practice,
                conditions: set,
                imd,
                male,
                ..Person::default()
            });
            if age_years >= 65.0 {
                // Weighted sampling without replacement (Efraimidis-Spirakis): key u^(1/w).
                let w = (1.0 + (score - 0.0).max(-3.0)).exp();
                let u: f64 = rng.random();
                home_keys.push((u.powf(1.0 / w), i as u32));
            }
        }
        // Frailty cut-points at the configured quantiles of the 65+ scores.
        let mut older: Vec<f64> = pop
            .people
            .iter()
            .zip(&scores)
            .filter(|(p, _)| p.age0_days as f64 >= 65.0 * MEAN_DAYS_PER_YEAR)
            .map(|(_, s)| *s)
            .collect();
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
        for (person, score) in pop.people.iter_mut().zip(&scores) {
            // The electronic frailty index applies from age 50 here; younger people are fit.
            if person.age0_days as f64 >= 50.0 * MEAN_DAYS_PER_YEAR {
                person.frailty = cuts.iter().filter(|c| score >= *c).count() as u8;
            }
        }
        // The residents are the `care_home_places` largest keys (ties by index): which
        // people, not their order, matters, so a selection is enough.
        let places = (care_home_places as usize).min(home_keys.len());
        if places > 0 && places < home_keys.len() {
            home_keys.select_nth_unstable_by(places, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        }
        for (_, i) in &home_keys[..places] {
            pop.people[*i as usize].care_home = true;
        }
        pop
    }

    /// Heap memory of the population, bytes.
    pub fn memory_bytes(&self) -> usize {
        self.people.capacity() * std::mem::size_of::<Person>()
    }
}
