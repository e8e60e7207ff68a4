//! `[payment.social_care]` and `[payment.finances]`: council charging (means test or
//! free care with estate recovery) and the distribution of people's finances
//! (brief §2.3).

use super::*;

pub(super) fn charging(p: &mut Problems, raw: &RawSocialCare) -> Charging {
    let d = MeansTestParams::default();
    let amount =
        |p: &mut Problems, name: &str, v: Option<i64>, default: Pence| v.map_or(default, |v| pence(p, name, v));
    let m = MeansTestParams {
        lower_capital_limit_pence: amount(
            p,
            "payment.social_care.lower_capital_limit_pence",
            raw.lower_capital_limit_pence,
            d.lower_capital_limit_pence,
        ),
        upper_capital_limit_pence: amount(
            p,
            "payment.social_care.upper_capital_limit_pence",
            raw.upper_capital_limit_pence,
            d.upper_capital_limit_pence,
        ),
        tariff_income_step_pence: amount(
            p,
            "payment.social_care.tariff_income_step_pence",
            raw.tariff_income_step_pence,
            d.tariff_income_step_pence,
        ),
        tariff_income_per_step_per_week_pence: amount(
            p,
            "payment.social_care.tariff_income_per_step_per_week_pence",
            raw.tariff_income_per_step_per_week_pence,
            d.tariff_income_per_step_per_week_pence,
        ),
        personal_expenses_allowance_per_week_pence: amount(
            p,
            "payment.social_care.personal_expenses_allowance_per_week_pence",
            raw.personal_expenses_allowance_per_week_pence,
            d.personal_expenses_allowance_per_week_pence,
        ),
        minimum_income_guarantee_per_week_pence: d.minimum_income_guarantee_per_week_pence,
        charge_tariff_income: raw.charge_tariff_income.unwrap_or(d.charge_tariff_income),
        charge_income: raw.charge_income.unwrap_or(d.charge_income),
    };
    if m.lower_capital_limit_pence > m.upper_capital_limit_pence {
        p.push(
            "payment.social_care.lower_capital_limit_pence",
            m.lower_capital_limit_pence.0,
            format!("must not be above upper_capital_limit_pence ({})", m.upper_capital_limit_pence.0),
        );
    }
    if raw.tariff_income_step_pence == Some(0) {
        p.push(
            "payment.social_care.tariff_income_step_pence",
            m.tariff_income_step_pence.0,
            "must be at least 1 penny",
        );
    }
    let estate_recovery_fraction = raw
        .estate_recovery_fraction
        .map_or(DEFAULT_ESTATE_RECOVERY_FRACTION, |v| fraction(p, "payment.social_care.estate_recovery_fraction", v));
    let word = raw.charging.as_deref().unwrap_or("means_test");
    match choice(p, "payment.social_care.charging", word, &["means_test", "free"]) {
        Some("free") => Charging::FreeAtPointOfNeed { estate_recovery_fraction },
        _ => Charging::MeansTest(m),
    }
}

pub(super) fn finances(p: &mut Problems, raw: &RawFinances) -> FinancesParams {
    let d = FinancesParams::default();
    let share =
        |p: &mut Problems, name: &str, v: Option<f64>, default: f64| v.map_or(default, |v| fraction(p, name, v));
    let f = FinancesParams {
        home_owner_share_65_plus: share(
            p,
            "payment.finances.home_owner_share_65_plus",
            raw.home_owner_share_65_plus,
            d.home_owner_share_65_plus,
        ),
        home_value_mean_pence: raw
            .home_value_mean_pence
            .map_or(d.home_value_mean_pence, |v| pence(p, "payment.finances.home_value_mean_pence", v)),
        savings_above_upper_share: share(
            p,
            "payment.finances.savings_above_upper_share",
            raw.savings_above_upper_share,
            d.savings_above_upper_share,
        ),
        savings_between_share: share(
            p,
            "payment.finances.savings_between_share",
            raw.savings_between_share,
            d.savings_between_share,
        ),
        home_disregarded_share: share(
            p,
            "payment.finances.home_disregarded_share",
            raw.home_disregarded_share,
            d.home_disregarded_share,
        ),
        weekly_income_pence: raw
            .weekly_income_pence
            .map_or(d.weekly_income_pence, |v| pence(p, "payment.finances.weekly_income_pence", v)),
        deferred_payment_share: d.deferred_payment_share,
    };
    let both = f.savings_above_upper_share + f.savings_between_share;
    if both > 1.0 {
        p.push(
            "payment.finances.savings_between_share",
            f.savings_between_share,
            format!(
                "plus savings_above_upper_share ({}) must not exceed 1 (the rest have savings below the lower limit)",
                f.savings_above_upper_share
            ),
        );
    }
    f
}
