//! Solving the cohort's parameters from their published targets: each condition's
//! log-odds intercept from its crude prevalence (Newton's method over the population's
//! age and deprivation mix, Gauss-Hermite over the latent loading), and the Gompertz
//! mortality level from life expectancy at 65. Pure functions of their inputs, memoised
//! in a [`SolveCache`].

use super::{AGE_BANDS, Condition, sigmoid};

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
pub fn solve_intercept(
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

/// The Gompertz level that gives life expectancy `target` at 65 with growth `b` and
/// the `background` hazard, memoised in `solved`.
pub fn solve_gompertz(target: f64, b: f64, background: f64, solved: &mut SolveCache) -> f64 {
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
