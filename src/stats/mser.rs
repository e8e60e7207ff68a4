//! Choosing a warm-up length: MSER-5 (White, 1997; the Marginal Standard Error Rule on
//! batch means of 5 observations) applied to a daily time series, e.g. the mean
//! occupancy of a pool averaged over replications of a trial run with no warm-up.
//!
//! For each candidate truncation `d` (in batches) MSER computes
//! `sum_{j > d} (b_j - mean_{j > d})^2 / (k - d)^2` over the `k` batch means `b_j` and
//! picks the `d` that minimises it, searching the first half of the series only (a
//! minimum in the second half says the series is too short to judge).

/// Observations per batch.
pub const BATCH: usize = 5;

/// The result of MSER-5 on one series.
#[derive(Clone, Debug, PartialEq)]
pub struct Mser {
    /// Observations (days) to delete: `BATCH x` the best truncation in batches.
    pub truncation_days: usize,
    /// The MSER statistic at the chosen truncation.
    pub statistic: f64,
    /// The MSER statistic for every candidate truncation `0..=k/2` (in batches).
    pub curve: Vec<f64>,
    /// Mean of the whole series.
    pub mean_all: f64,
    /// Mean after the truncation.
    pub mean_after: f64,
    /// Mean of the deleted part (NaN when nothing is deleted).
    pub mean_deleted: f64,
    /// True when the minimum is at the last candidate, i.e. the run may be too short.
    pub at_search_limit: bool,
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
}

/// MSER-5 on `series` (one value per day). `None` when there are fewer than 4 batches.
pub fn mser5(series: &[f64]) -> Option<Mser> {
    let batches: Vec<f64> = series.chunks_exact(BATCH).map(mean).collect();
    let k = batches.len();
    if k < 4 {
        return None;
    }
    let curve: Vec<f64> = (0..=k / 2)
        .map(|d| {
            let rest = &batches[d..];
            let m = mean(rest);
            rest.iter().map(|b| (b - m).powi(2)).sum::<f64>() / ((k - d) as f64).powi(2)
        })
        .collect();
    let (best, statistic) =
        curve.iter().enumerate().fold((0, f64::INFINITY), |acc, (d, s)| if *s < acc.1 { (d, *s) } else { acc });
    let cut = best * BATCH;
    Some(Mser {
        truncation_days: cut,
        statistic,
        mean_all: mean(series),
        mean_after: mean(&series[cut..]),
        mean_deleted: mean(&series[..cut]),
        at_search_limit: best == curve.len() - 1 && best > 0,
        curve,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_of_a_ramp() {
        // 50 days climbing from 0 to 100, then 450 days at 100 with a small wiggle.
        let series: Vec<f64> =
            (0..500).map(|d| if d < 50 { 2.0 * d as f64 } else { 100.0 + ((d * 7919) % 13) as f64 / 13.0 }).collect();
        let m = mser5(&series).expect("long enough");
        assert!((45..=60).contains(&m.truncation_days), "{m:?}");
        assert!(m.mean_after > 99.0 && m.mean_deleted < 60.0);
        assert!(!m.at_search_limit);
    }

    #[test]
    fn stationary_series_needs_little_or_no_warm_up() {
        let series: Vec<f64> = (0..500).map(|d| 10.0 + ((d * 7919) % 17) as f64 / 17.0).collect();
        let m = mser5(&series).expect("long enough");
        assert!(m.truncation_days <= 50, "{m:?}");
        assert!(mser5(&series[..15]).is_none());
    }
}
