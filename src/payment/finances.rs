//! People's finances for the social care means test (brief §2.3): a savings band, home
//! ownership and whether the home is disregarded, and whether the person would take a
//! deferred payment agreement, drawn once per person.
//!
//! [`draw_finances`] then [`draw_deferral`] take exactly [`DRAWS_PER_PERSON`] uniforms
//! from the stream they are given, whatever the outcome, so the draws of a person's stream after it do not depend
//! on the finances parameters or the means test limits (common random numbers across
//! scenarios that change them).

use super::social_care::{ClientFinances, MeansTestParams};
use super::spec::FinancesParams;
use crate::money::Pence;
use rand::RngExt;

/// Uniform draws taken by one call of [`draw_finances`] (four) and
/// [`draw_deferral`] (one), in that order.
pub const DRAWS_PER_PERSON: usize = 5;

/// Age from which a person has finances of their own; children have none (no capital,
/// no home, no income), ASSUMPTION: children's social care is out of scope (brief §2.5
/// excludes children's services).
pub const ADULT_AGE_YEARS: f64 = 18.0;

/// Savings of a person above the upper limit are drawn uniformly from `(upper, this ×
/// upper]`: ASSUMPTION (the brief gives no distribution of capital; the means test needs
/// only the band, and the amount matters only to the size of estates).
pub const ABOVE_UPPER_MAX_MULTIPLE: f64 = 3.0;

/// Draws one person's finances.
///
/// * Savings band: above the upper capital limit with probability
///   `savings_above_upper_share`, between the limits with `savings_between_share`, else
///   below the lower limit; the amount is uniform within the band (below: `[0, lower)`;
///   between: `[lower, upper]`; above: `(upper, 3 × upper]`,
///   [`ABOVE_UPPER_MAX_MULTIPLE`]).
/// * Home: owned with probability `home_owner_share_65_plus`, worth
///   `home_value_mean_pence` (ASSUMPTION: one value, as only the mean is configured; the
///   means test only asks whether capital exceeds the limit). Adults under 65 use the
///   same share (ASSUMPTION: the brief gives no age gradient, and the model's social
///   care users are nearly all 65+).
/// * An owner's home is disregarded with probability `home_disregarded_share`.
/// * Weekly income: `weekly_income_pence` for every adult.
///
/// The limits are `means_test`'s, or the 2015/16 defaults when care is free (so that
/// people have the same finances in a scenario without a means test, for estate
/// recovery). People under [`ADULT_AGE_YEARS`] get no finances. The four draws are
/// independent: savings, ownership and disregard are uncorrelated (ASSUMPTION).
pub fn draw_finances(
    params: &FinancesParams,
    means_test: Option<&MeansTestParams>,
    age_years: f64,
    rng: &mut impl rand::Rng,
) -> ClientFinances {
    let u: [f64; 4] = [rng.random(), rng.random(), rng.random(), rng.random()];
    if age_years.is_nan() || age_years < ADULT_AGE_YEARS {
        return ClientFinances::default();
    }
    let defaults = MeansTestParams::default();
    let m = means_test.unwrap_or(&defaults);
    let lower = m.lower_capital_limit_pence.0.max(0) as f64;
    let upper = (m.upper_capital_limit_pence.0 as f64).max(lower);
    let [u_band, u_amount, u_owner, u_disregard] = u;
    let savings = if u_band < params.savings_above_upper_share {
        // Strictly above the limit: at least one penny more.
        let top = upper * ABOVE_UPPER_MAX_MULTIPLE;
        Pence((upper + 1.0 + (u_amount * (top - upper)).floor()).min(top.max(upper + 1.0)) as i64)
    } else if u_band < params.savings_above_upper_share + params.savings_between_share {
        Pence((lower + (u_amount * (upper - lower + 1.0)).floor()).min(upper) as i64)
    } else {
        Pence((u_amount * lower).floor() as i64)
    };
    let owner = u_owner < params.home_owner_share_65_plus;
    ClientFinances {
        savings_pence: savings,
        home_value_pence: if owner { params.home_value_mean_pence } else { Pence::ZERO },
        home_disregarded: owner && u_disregard < params.home_disregarded_share,
        weekly_income_pence: params.weekly_income_pence,
    }
}

/// Whether a person takes a deferred payment agreement when eligible: one uniform draw,
/// below `params.deferred_payment_share`. Drawn after [`draw_finances`] on the same
/// stream, whatever the person's finances, so it changes none of them.
pub fn draw_deferral(params: &FinancesParams, rng: &mut impl rand::Rng) -> bool {
    rng.random::<f64>() < params.deferred_payment_share
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::social_care::{CapitalBand, CareSetting, capital_band};
    use crate::rng::SimRng;
    use rand::SeedableRng;

    /// Draws per test.
    const N: usize = 100_000;
    /// Two-sided 0.9999 quantile of the standard normal: each share check fails by chance
    /// with probability 1e-4 under the binomial model (normal approximation; n p ≥ 2,000
    /// for every share checked here).
    const Z: f64 = 3.89;

    fn assert_share(what: &str, hits: usize, n: usize, p: f64) {
        let sd = (p * (1.0 - p) / n as f64).sqrt();
        let got = hits as f64 / n as f64;
        assert!((got - p).abs() <= Z * sd, "{what}: {got:.5} vs {p:.5} (tolerance {:.5})", Z * sd);
    }

    fn draws(params: &FinancesParams, m: Option<&MeansTestParams>, age: f64, seed: u64) -> Vec<ClientFinances> {
        let mut rng = SimRng::seed_from_u64(seed);
        (0..N).map(|_| draw_finances(params, m, age, &mut rng)).collect()
    }

    #[test]
    fn shares_match_the_parameters_within_binomial_intervals() {
        let params = FinancesParams::default();
        let m = MeansTestParams::default();
        let people = draws(&params, Some(&m), 78.0, 11);
        let band = |b: CapitalBand| people.iter().filter(|f| capital_band(f.savings_pence, &m) == b).count();
        assert_share("above upper", band(CapitalBand::AboveUpper), N, params.savings_above_upper_share);
        assert_share("between", band(CapitalBand::Between), N, params.savings_between_share);
        let owners: Vec<&ClientFinances> = people.iter().filter(|f| f.home_value_pence > Pence::ZERO).collect();
        assert_share("owners", owners.len(), N, params.home_owner_share_65_plus);
        let disregarded = owners.iter().filter(|f| f.home_disregarded).count();
        assert_share("disregarded among owners", disregarded, owners.len(), params.home_disregarded_share);
        assert!(people.iter().all(|f| f.home_value_pence == Pence::ZERO || f.home_value_pence == Pence(20_000_000)));
        assert!(people.iter().all(|f| !f.home_disregarded || f.home_value_pence > Pence::ZERO));
    }

    #[test]
    fn default_self_funder_shares_follow_from_the_cited_shares() {
        // Home care: 27% self-funders [KF-HOMECARE-2018]. Care homes, where an owned
        // home that is not disregarded counts: 0.27 + 0.73 × own × 0.9 with own = 0.79
        // [EHS-65] = 0.789 before spend-down and deferred payments.
        let params = FinancesParams::default();
        let m = MeansTestParams::default();
        let people = draws(&params, Some(&m), 82.0, 12);
        let self_funders = |setting| {
            people.iter().filter(|f| capital_band(f.assessed_capital(setting), &m) == CapitalBand::AboveUpper).count()
        };
        assert_share("home care self-funders", self_funders(CareSetting::HomeCare), N, 0.27);
        assert_eq!(params.home_owner_share_65_plus, 0.79);
        let expected: f64 = 0.27 + 0.73 * 0.79 * 0.9;
        assert_share("care home self-funders", self_funders(CareSetting::CareHome), N, expected);
    }

    #[test]
    fn amounts_lie_in_their_bands() {
        let params =
            FinancesParams { savings_above_upper_share: 0.3, savings_between_share: 0.3, ..Default::default() };
        let m = MeansTestParams::default();
        let (lower, upper) = (m.lower_capital_limit_pence, m.upper_capital_limit_pence);
        for f in draws(&params, Some(&m), 70.0, 13) {
            let s = f.savings_pence;
            assert!(s >= Pence::ZERO && s.0 as f64 <= upper.0 as f64 * ABOVE_UPPER_MAX_MULTIPLE, "{s:?}");
        }
        // All in one band: every amount is in that band.
        let all_above = FinancesParams { savings_above_upper_share: 1.0, savings_between_share: 0.0, ..params };
        assert!(draws(&all_above, Some(&m), 70.0, 14).iter().all(|f| f.savings_pence > upper));
        let all_between = FinancesParams { savings_above_upper_share: 0.0, savings_between_share: 1.0, ..params };
        assert!(
            draws(&all_between, Some(&m), 70.0, 15)
                .iter()
                .all(|f| f.savings_pence >= lower && f.savings_pence <= upper)
        );
        let all_below = FinancesParams { savings_above_upper_share: 0.0, savings_between_share: 0.0, ..params };
        assert!(draws(&all_below, Some(&m), 70.0, 16).iter().all(|f| f.savings_pence < lower));
    }

    #[test]
    fn deferral_share_and_stream_position() {
        // The share of people who would defer matches the parameter (binomial bound),
        // and the deferral draw never changes the finances drawn before it.
        let params = FinancesParams::default();
        let mut rng = SimRng::seed_from_u64(31);
        let defers = (0..N).filter(|_| draw_deferral(&params, &mut rng)).count();
        assert_share("deferral", defers, N, params.deferred_payment_share);
        let mut a = SimRng::seed_from_u64(32);
        let mut b = SimRng::seed_from_u64(32);
        let f = draw_finances(&params, None, 80.0, &mut a);
        let _ = draw_deferral(&params, &mut a);
        let other = FinancesParams { deferred_payment_share: 1.0, ..params };
        assert_eq!(f, draw_finances(&other, None, 80.0, &mut b));
        assert!(draw_deferral(&other, &mut b));
        assert_eq!(a.random::<u64>(), b.random::<u64>());
    }

    #[test]
    fn children_have_no_finances_and_every_call_takes_four_draws() {
        let params = FinancesParams::default();
        let mut a = SimRng::seed_from_u64(5);
        let mut b = SimRng::seed_from_u64(5);
        assert_eq!(draw_finances(&params, None, 9.0, &mut a), ClientFinances::default());
        let other = FinancesParams { savings_above_upper_share: 1.0, home_owner_share_65_plus: 1.0, ..params };
        let adult = draw_finances(&other, None, 40.0, &mut b);
        assert!(adult.savings_pence > Pence::ZERO && adult.home_value_pence > Pence::ZERO);
        // Same stream position afterwards, whatever the age, parameters or outcome.
        assert_eq!(a.random::<u64>(), b.random::<u64>());
    }

    #[test]
    fn free_care_uses_the_default_limits() {
        let params = FinancesParams::default();
        let m = MeansTestParams::default();
        let mut a = SimRng::seed_from_u64(21);
        let mut b = SimRng::seed_from_u64(21);
        for _ in 0..1_000 {
            assert_eq!(draw_finances(&params, None, 80.0, &mut a), draw_finances(&params, Some(&m), 80.0, &mut b));
        }
    }
}
