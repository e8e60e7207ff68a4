//! Validated duration distributions, sampled in days and returned as [`SimDuration`].

use crate::rng::SimRng;
use crate::time::SimDuration;
use rand::RngExt;
use rand_distr::{Distribution, Exp1, Gamma, LogNormal};

/// A distribution of durations. Built only by config validation (or the constructors
/// below), so every instance has finite, non-negative parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum DurationDist {
    /// Exponential with the given mean, in days.
    Exponential {
        /// Mean, days (> 0).
        mean_days: f64,
    },
    /// Lognormal parameterised by its mean and standard deviation, in days.
    LogNormal {
        /// Mean, days.
        mean_days: f64,
        /// Standard deviation, days.
        sd_days: f64,
        /// The underlying distribution.
        dist: LogNormal<f64>,
    },
    /// Gamma parameterised by its mean and standard deviation, in days.
    Gamma {
        /// Mean, days.
        mean_days: f64,
        /// Standard deviation, days.
        sd_days: f64,
        /// The underlying distribution.
        dist: Gamma<f64>,
    },
    /// Always the same duration.
    Fixed(SimDuration),
    /// A discrete empirical table: one of `values`, with probability proportional to its
    /// weight.
    Empirical {
        /// The possible durations.
        values: Vec<SimDuration>,
        /// Cumulative probabilities, ending at exactly 1.
        cumulative: Vec<f64>,
    },
}

/// Why a distribution could not be built: the parameter at fault, its value, the reason.
#[derive(Clone, Debug, PartialEq)]
pub struct DistError {
    /// The parameter's key, e.g. `mean_days`.
    pub field: &'static str,
    /// The offending value, as text.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl DistError {
    fn new(field: &'static str, value: impl std::fmt::Debug, reason: impl Into<String>) -> DistError {
        DistError { field, value: format!("{value:?}"), reason: reason.into() }
    }
}

fn positive_finite(field: &'static str, v: f64) -> Result<(), DistError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(DistError::new(field, v, "must be a finite number greater than 0"))
    }
}

impl DurationDist {
    /// Exponential with mean `mean_days` (> 0).
    pub fn exponential(mean_days: f64) -> Result<Self, DistError> {
        positive_finite("mean_days", mean_days)?;
        Ok(DurationDist::Exponential { mean_days })
    }

    /// Lognormal with the given mean and sd, both > 0, in days.
    pub fn lognormal(mean_days: f64, sd_days: f64) -> Result<Self, DistError> {
        positive_finite("mean_days", mean_days)?;
        positive_finite("sd_days", sd_days)?;
        let sigma2 = (1.0 + (sd_days / mean_days).powi(2)).ln();
        let mu = mean_days.ln() - sigma2 / 2.0;
        let dist = LogNormal::new(mu, sigma2.sqrt()).map_err(|e| DistError::new("sd_days", sd_days, e.to_string()))?;
        Ok(DurationDist::LogNormal { mean_days, sd_days, dist })
    }

    /// Gamma with the given mean and sd, both > 0, in days.
    pub fn gamma(mean_days: f64, sd_days: f64) -> Result<Self, DistError> {
        positive_finite("mean_days", mean_days)?;
        positive_finite("sd_days", sd_days)?;
        let shape = (mean_days / sd_days).powi(2);
        let scale = sd_days * sd_days / mean_days;
        let dist = Gamma::new(shape, scale).map_err(|e| DistError::new("sd_days", sd_days, e.to_string()))?;
        Ok(DurationDist::Gamma { mean_days, sd_days, dist })
    }

    /// Always `days` (>= 0).
    pub fn fixed(days: f64) -> Result<Self, DistError> {
        if !(days.is_finite() && days >= 0.0) {
            return Err(DistError::new("days", days, "must be a finite number of at least 0"));
        }
        Ok(DurationDist::Fixed(SimDuration::from_days_f64(days)))
    }

    /// An empirical table of `days` with optional `weights` (equal when absent).
    pub fn empirical(days: &[f64], weights: Option<&[f64]>) -> Result<Self, DistError> {
        if days.is_empty() {
            return Err(DistError::new("days", days, "must list at least one value"));
        }
        if let Some(bad) = days.iter().find(|d| !(d.is_finite() && **d >= 0.0)) {
            return Err(DistError::new("days", days, format!("must all be finite and at least 0 (found {bad})")));
        }
        let ones = vec![1.0; days.len()];
        let weights = weights.unwrap_or(&ones);
        if weights.len() != days.len() {
            return Err(DistError::new(
                "weights",
                weights,
                format!("must have one entry per value of days ({} days, {} weights)", days.len(), weights.len()),
            ));
        }
        if let Some(bad) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
            return Err(DistError::new("weights", weights, format!("must all be finite and at least 0 (found {bad})")));
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return Err(DistError::new("weights", weights, "must not all be 0"));
        }
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        let values = days.iter().map(|d| SimDuration::from_days_f64(*d)).collect();
        Ok(DurationDist::Empirical { values, cumulative })
    }

    /// The mean of the distribution, in days.
    pub fn mean_days(&self) -> f64 {
        match self {
            DurationDist::Exponential { mean_days }
            | DurationDist::LogNormal { mean_days, .. }
            | DurationDist::Gamma { mean_days, .. } => *mean_days,
            DurationDist::Fixed(d) => d.as_days_f64(),
            DurationDist::Empirical { values, cumulative } => empirical_moment_days(values, cumulative, 1),
        }
    }

    /// Draws one duration.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> SimDuration {
        let days = match self {
            DurationDist::Exponential { mean_days } => {
                let e: f64 = rng.sample(Exp1);
                e * mean_days
            }
            DurationDist::LogNormal { dist, .. } => dist.sample(rng),
            DurationDist::Gamma { dist, .. } => dist.sample(rng),
            DurationDist::Fixed(d) => return *d,
            DurationDist::Empirical { values, cumulative } => {
                let u: f64 = rng.random();
                let i = cumulative.partition_point(|c| *c <= u).min(values.len() - 1);
                return values[i];
            }
        };
        SimDuration::from_days_f64(days)
    }

    /// Mean of [`DurationDist::sample_residual`], days: `E[S^2] / (2 E[S])`, the mean
    /// remaining stay of someone found in a place at a random instant of a steady state.
    pub fn residual_mean_days(&self) -> f64 {
        let mean = self.mean_days();
        let second_moment = match self {
            DurationDist::Exponential { mean_days } => 2.0 * mean_days * mean_days,
            DurationDist::LogNormal { mean_days, sd_days, .. } | DurationDist::Gamma { mean_days, sd_days, .. } => {
                sd_days * sd_days + mean_days * mean_days
            }
            DurationDist::Fixed(d) => d.as_days_f64().powi(2),
            DurationDist::Empirical { values, cumulative } => empirical_moment_days(values, cumulative, 2),
        };
        if mean > 0.0 { second_moment / (2.0 * mean) } else { 0.0 }
    }

    /// Draws the time left of a stay in progress at a random instant of a steady state
    /// (the stationary excess distribution): a length-biased stay (a stay is found in
    /// progress in proportion to its length) times an independent uniform. Length-biased
    /// forms: exponential stays are memoryless (the residual is the same exponential);
    /// a lognormal `(mu, sigma)` becomes `(mu + sigma^2, sigma)`; a gamma of shape `k`
    /// becomes shape `k + 1` with the same scale; a table's weights are multiplied by
    /// its values. Used to start a run with places already occupied as they would be
    /// after a long time.
    pub fn sample_residual(&self, rng: &mut SimRng) -> SimDuration {
        let u: f64 = rng.random();
        let biased = match self {
            DurationDist::Exponential { mean_days } => {
                let e: f64 = rng.sample(Exp1);
                return SimDuration::from_days_f64(e * mean_days);
            }
            DurationDist::LogNormal { mean_days, sd_days, .. } => {
                let sigma2 = (1.0 + (sd_days / mean_days).powi(2)).ln();
                let mu = mean_days.ln() - sigma2 / 2.0;
                let z: f64 = rng.sample(rand_distr::StandardNormal);
                (mu + sigma2 + sigma2.sqrt() * z).exp()
            }
            DurationDist::Gamma { mean_days, sd_days, .. } => {
                let shape = (mean_days / sd_days).powi(2);
                let scale = sd_days * sd_days / mean_days;
                Gamma::new(shape + 1.0, scale).map_or(*mean_days, |g| g.sample(rng))
            }
            DurationDist::Fixed(d) => d.as_days_f64(),
            DurationDist::Empirical { values, cumulative } => {
                let mut prev = 0.0;
                let mut acc = 0.0;
                let weighted: Vec<f64> = values
                    .iter()
                    .zip(cumulative)
                    .map(|(v, c)| {
                        acc += (c - prev) * v.as_days_f64();
                        prev = *c;
                        acc
                    })
                    .collect();
                let w: f64 = rng.random::<f64>() * acc;
                let i = weighted.partition_point(|c| *c <= w).min(values.len() - 1);
                values[i].as_days_f64()
            }
        };
        SimDuration::from_days_f64(u * biased)
    }
}

/// The `k`-th raw moment, in days^k, of an empirical distribution given by its values
/// and cumulative probabilities.
fn empirical_moment_days(values: &[SimDuration], cumulative: &[f64], k: i32) -> f64 {
    let mut prev = 0.0;
    values
        .iter()
        .zip(cumulative)
        .map(|(v, c)| {
            let p = c - prev;
            prev = *c;
            p * v.as_days_f64().powi(k)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamKey};

    fn rng() -> SimRng {
        StreamKey { master_seed: 1, sample: 0, replication: 0, purpose: Purpose::Patient, entity: 9 }.rng()
    }

    /// Sample mean within 4 standard errors of the true mean (false alarm ~6e-5).
    fn check_mean(d: &DurationDist, true_sd_days: f64) {
        let n = 200_000;
        let mut r = rng();
        let sum: f64 = (0..n).map(|_| d.sample(&mut r).as_days_f64()).sum();
        let mean = sum / n as f64;
        let se = true_sd_days / (n as f64).sqrt();
        // Rounding to whole minutes adds at most half a minute of bias.
        let tol = 4.0 * se + 0.5 / 1440.0;
        assert!((mean - d.mean_days()).abs() < tol, "{d:?}: mean {mean} vs {} (tol {tol})", d.mean_days());
    }

    #[test]
    fn sample_means_match_parameters() {
        check_mean(&DurationDist::exponential(14.0).unwrap(), 14.0);
        check_mean(&DurationDist::lognormal(5.0, 5.0).unwrap(), 5.0);
        check_mean(&DurationDist::gamma(3.0, 1.5).unwrap(), 1.5);
        check_mean(&DurationDist::empirical(&[0.0, 1.0, 10.0], Some(&[1.0, 2.0, 1.0])).unwrap(), 16.5f64.sqrt());
        assert_eq!(DurationDist::fixed(2.0).unwrap().sample(&mut rng()), SimDuration::from_days(2));
    }

    #[test]
    fn residual_stays_have_the_stationary_excess_mean() {
        // E[residual] = E[S^2] / (2 E[S]); the sample mean is checked within 4 standard
        // errors estimated from the sample (false alarm ~6e-5 per case).
        let cases = [
            DurationDist::exponential(14.0).unwrap(),
            DurationDist::lognormal(801.0, 1100.0).unwrap(),
            DurationDist::gamma(21.0, 10.5).unwrap(),
            DurationDist::fixed(10.0).unwrap(),
            DurationDist::empirical(&[1.0, 3.0], Some(&[3.0, 1.0])).unwrap(),
        ];
        // Empirical: E[S] = 1.5, E[S^2] = 0.75 + 2.25 = 3, so 3 / 3 = 1.
        let expected =
            [14.0, (1100.0f64.powi(2) + 801.0f64.powi(2)) / 1602.0, (10.5f64.powi(2) + 441.0) / 42.0, 5.0, 1.0];
        for (d, want) in cases.iter().zip(expected) {
            assert!((d.residual_mean_days() - want).abs() < 1e-9, "{d:?}");
        }
        let n = 200_000;
        for d in &cases {
            let mut r = rng();
            let xs: Vec<f64> = (0..n).map(|_| d.sample_residual(&mut r).as_days_f64()).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            let tol = 4.0 * sd / (n as f64).sqrt() + 0.5 / 1440.0;
            assert!((mean - d.residual_mean_days()).abs() < tol, "{d:?}: {mean} vs {}", d.residual_mean_days());
        }
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(DurationDist::exponential(0.0).is_err());
        assert!(DurationDist::lognormal(f64::NAN, 1.0).is_err());
        assert!(DurationDist::gamma(1.0, -1.0).is_err());
        assert!(DurationDist::fixed(f64::INFINITY).is_err());
        assert!(DurationDist::empirical(&[], None).is_err());
        assert!(DurationDist::empirical(&[1.0], Some(&[1.0, 2.0])).is_err());
        assert!(DurationDist::empirical(&[1.0, 2.0], Some(&[0.0, 0.0])).is_err());
    }
}
