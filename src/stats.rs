//! Small statistics for summaries across replications: mean, standard deviation and a
//! Student-t 95% confidence interval; the number of runs a target precision needs; and
//! [`mser`], MSER-5 for choosing a warm-up length.

pub mod mser;

/// Two-sided 97.5% quantiles of Student's t for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
    2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom (table to 30, then
/// the Cornish-Fisher expansion around the normal quantile, error < 1e-4).
pub fn t_quantile_975(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T975[df - 1],
        _ => {
            let z: f64 = 1.959_963_984_540_054;
            let n = df as f64;
            z + (z.powi(3) + z) / (4.0 * n) + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        }
    }
}

/// Mean, sample standard deviation and 95% t-interval of a set of values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean (NaN when `n == 0`).
    pub mean: f64,
    /// Sample standard deviation, `n - 1` denominator (NaN when `n < 2`).
    pub sd: f64,
    /// Half-width of the 95% confidence interval of the mean (NaN when `n < 2`).
    pub half_width: f64,
}

impl Summary {
    /// Summarises `values`.
    pub fn of(values: &[f64]) -> Summary {
        let n = values.len();
        if n == 0 {
            return Summary { n, mean: f64::NAN, sd: f64::NAN, half_width: f64::NAN };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Summary { n, mean, sd: f64::NAN, half_width: f64::NAN };
        }
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        Summary { n, mean, sd, half_width: t_quantile_975(n - 1) * sd / (n as f64).sqrt() }
    }

    /// Lower end of the 95% interval.
    pub fn low(&self) -> f64 {
        self.mean - self.half_width
    }

    /// Upper end of the 95% interval.
    pub fn high(&self) -> f64 {
        self.mean + self.half_width
    }

    /// True when `x` lies inside the 95% interval.
    pub fn covers(&self, x: f64) -> bool {
        self.low() <= x && x <= self.high()
    }
}

/// Smallest number of runs `n >= 2` whose 95% Student-t half-width `t(n-1) sd / sqrt(n)`
/// is at most `half_width`, given the standard deviation `sd`; `None` when it cannot be
/// estimated (sd undefined, target not positive) or exceeds 10^12.
pub fn runs_needed(sd: f64, half_width: f64) -> Option<u64> {
    if !(sd.is_finite() && half_width.is_finite() && half_width > 0.0) {
        return None;
    }
    let z = 1.959_963_984_540_054;
    let guess = ((z * sd / half_width).powi(2)).ceil();
    if guess > 1e12 {
        return None;
    }
    let mut n = (guess as u64).max(2);
    while t_quantile_975(n as usize - 1) * sd / (n as f64).sqrt() > half_width {
        n += 1;
    }
    Some(n)
}

/// [`runs_needed`] for a half-width of `relative` x |mean|.
pub fn runs_needed_relative(s: &Summary, relative: f64) -> Option<u64> {
    runs_needed(s.sd, relative * s.mean.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_values() {
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.n, 4);
        assert!((s.mean - 2.5).abs() < 1e-12);
        assert!((s.sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((s.half_width - 3.182 * s.sd / 2.0).abs() < 1e-12);
        assert!(s.covers(2.5) && !s.covers(10.0));
        assert!(Summary::of(&[1.0]).half_width.is_nan());
    }

    #[test]
    fn t_quantile_approaches_normal() {
        assert!((t_quantile_975(40) - 2.021).abs() < 1e-3);
        assert!((t_quantile_975(120) - 1.980).abs() < 1e-3);
        assert!((t_quantile_975(100_000) - 1.960).abs() < 1e-3);
    }

    #[test]
    fn runs_needed_meets_the_target_and_no_fewer_do() {
        let (sd, h) = (2.0, 0.5);
        let n = runs_needed(sd, h).expect("estimable");
        assert!(t_quantile_975(n as usize - 1) * sd / (n as f64).sqrt() <= h);
        assert!(t_quantile_975(n as usize - 2) * sd / ((n - 1) as f64).sqrt() > h);
        assert_eq!(runs_needed(0.0, 1.0), Some(2));
        assert_eq!(runs_needed(f64::NAN, 1.0), None);
        assert_eq!(runs_needed(1.0, 0.0), None);
    }

    #[test]
    fn a_wider_target_needs_fewer_runs() {
        let s = Summary::of(&[9.0, 10.0, 11.0, 10.5, 9.5]);
        let (five, ten) = (runs_needed_relative(&s, 0.05), runs_needed_relative(&s, 0.10));
        assert!(ten.expect("estimable") < five.expect("estimable"));
        assert_eq!(runs_needed_relative(&s, 0.05), runs_needed(s.sd, 0.05 * s.mean));
    }
}
