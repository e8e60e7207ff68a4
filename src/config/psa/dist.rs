//! Parameter distributions: one draw per (seed, sample, parameter) from its own stream.

use crate::rng::{Purpose, StreamKey};
use rand::RngExt;
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Normal, Triangular};

/// A validated parameter distribution.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamDist {
    /// Beta with shape parameters `alpha`, `beta` (given directly or from mean and sd).
    Beta {
        /// First shape parameter (> 0).
        alpha: f64,
        /// Second shape parameter (> 0).
        beta: f64,
    },
    /// Normal with a mean and sd.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
    /// Lognormal parameterised by its own mean and sd (both > 0).
    LogNormal {
        /// Mean of the value.
        mean: f64,
        /// Standard deviation of the value.
        sd: f64,
    },
    /// Gamma parameterised by its mean and sd (both > 0).
    Gamma {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Uniform on `[min, max)`.
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end (> min).
        max: f64,
    },
    /// Triangular on `[min, max]` with its peak at `mode`.
    Triangular {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end (> min).
        max: f64,
    },
}

impl ParamDist {
    /// The `dist` name as written in configs.
    pub fn name(&self) -> &'static str {
        match self {
            ParamDist::Beta { .. } => "beta",
            ParamDist::Normal { .. } => "normal",
            ParamDist::LogNormal { .. } => "lognormal",
            ParamDist::Gamma { .. } => "gamma",
            ParamDist::Uniform { .. } => "uniform",
            ParamDist::Triangular { .. } => "triangular",
        }
    }

    /// One draw from the stream of `(master_seed, sample, entity)`: the first value of
    /// that stream, so a parameter's draw depends on nothing else.
    pub fn draw(&self, master_seed: u64, sample: u32, entity: u64) -> f64 {
        let mut rng = StreamKey { master_seed, sample, replication: 0, purpose: Purpose::Parameters, entity }.rng();
        // Parameters are validated, so the constructors succeed; NaN would be caught by
        // the model's own validation of the drawn value.
        match *self {
            ParamDist::Beta { alpha, beta } => Beta::new(alpha, beta).map_or(f64::NAN, |d| d.sample(&mut rng)),
            ParamDist::Normal { mean, sd } => Normal::new(mean, sd).map_or(f64::NAN, |d| d.sample(&mut rng)),
            ParamDist::LogNormal { mean, sd } => {
                let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
                LogNormal::new(mean.ln() - sigma2 / 2.0, sigma2.sqrt()).map_or(f64::NAN, |d| d.sample(&mut rng))
            }
            ParamDist::Gamma { mean, sd } => {
                Gamma::new((mean / sd).powi(2), sd * sd / mean).map_or(f64::NAN, |d| d.sample(&mut rng))
            }
            ParamDist::Uniform { min, max } => {
                let u: f64 = rng.random();
                min + u * (max - min)
            }
            ParamDist::Triangular { min, mode, max } => {
                Triangular::new(min, max, mode).map_or(f64::NAN, |d| d.sample(&mut rng))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sample means of many draws (each from its own sample stream) agree with the
    /// distribution's mean within 5 standard errors.
    #[test]
    fn draws_have_the_stated_means() {
        let cases = [
            (ParamDist::Beta { alpha: 2.0, beta: 3.0 }, 0.4, 0.2),
            (ParamDist::Normal { mean: 5.0, sd: 2.0 }, 5.0, 2.0),
            (ParamDist::LogNormal { mean: 5.0, sd: 2.0 }, 5.0, 2.0),
            (ParamDist::Gamma { mean: 5.0, sd: 2.0 }, 5.0, 2.0),
            (ParamDist::Uniform { min: 1.0, max: 3.0 }, 2.0, (4.0f64 / 12.0).sqrt()),
            (ParamDist::Triangular { min: 0.0, mode: 1.0, max: 2.0 }, 1.0, (1.0f64 / 6.0).sqrt()),
        ];
        for (d, mean, sd) in cases {
            let n = 20_000;
            let m = (0..n).map(|s| d.draw(9, s, 77)).sum::<f64>() / n as f64;
            assert!((m - mean).abs() < 5.0 * sd / (n as f64).sqrt(), "{d:?}: {m} vs {mean}");
        }
        // Keyed: same key same value; another entity or sample another value.
        let d = ParamDist::Normal { mean: 0.0, sd: 1.0 };
        assert_eq!(d.draw(1, 2, 3), d.draw(1, 2, 3));
        assert_ne!(d.draw(1, 2, 3), d.draw(1, 2, 4));
        assert_ne!(d.draw(1, 2, 3), d.draw(1, 3, 3));
    }
}
