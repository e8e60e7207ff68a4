//! The year-end settlement of a year-of-care budget: the risk corridor on the
//! holder's gain or loss, and the high-cost outlier carve-out (brief §2.5).

use super::capitation::CapitationFunding;
use super::holder::BudgetHolder;
use crate::money::Pence;
use crate::payment::ledger::{Account, Reason, Transaction};
use crate::payment::{MonthIndex, PaymentError, check_fraction};

/// `up_to_fraction` of the budget (from the previous band's bound).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CorridorBand {
    /// Upper bound of the slice as a fraction of the budget (`f64::INFINITY` for the last).
    pub up_to_fraction: f64,
    /// Provider's share of gains and losses in the slice.
    pub provider_share: f64,
}

/// A symmetric risk corridor on gains and losses.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskCorridor {
    /// Bands in increasing order of bound.
    pub bands: Vec<CorridorBand>,
}

impl Default for RiskCorridor {
    /// Provider bears 100% of |v| ≤ 2%, 50% of 2–4%, 20% beyond; symmetric for gains
    /// (ASSUMPTION: shape from a US Medicaid ACO contract \[MASSHEALTH\], brief §2.5).
    fn default() -> Self {
        RiskCorridor {
            bands: vec![
                CorridorBand { up_to_fraction: 0.02, provider_share: 1.0 },
                CorridorBand { up_to_fraction: 0.04, provider_share: 0.5 },
                CorridorBand { up_to_fraction: f64::INFINITY, provider_share: 0.2 },
            ],
        }
    }
}

impl RiskCorridor {
    /// Checks shares are fractions, bounds increase and the last is infinite.
    pub fn validate(&self) -> Result<(), PaymentError> {
        let mut previous = 0.0;
        for b in &self.bands {
            check_fraction("year_of_care.corridor.provider_share", b.provider_share)?;
            if b.up_to_fraction.is_nan() || b.up_to_fraction <= previous {
                return Err(PaymentError::InvalidParameter {
                    name: "year_of_care.corridor.up_to_fraction",
                    reason: "bounds must be positive and increasing".into(),
                });
            }
            previous = b.up_to_fraction;
        }
        if self.bands.last().is_none_or(|b| b.up_to_fraction.is_finite()) {
            return Err(PaymentError::InvalidParameter {
                name: "year_of_care.corridor",
                reason: "the last band must be unbounded (infinity)".into(),
            });
        }
        Ok(())
    }
}

/// A corridor settlement: how a variance is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CorridorSettlement {
    /// `actual − budget`: positive = overspend (loss), negative = underspend (gain).
    pub variance_pence: Pence,
    /// Part borne (loss) or kept (gain) by the provider, same sign as the variance.
    pub provider_share_pence: Pence,
    /// Part borne by the commissioner, same sign: the commissioner pays the holder this
    /// amount (a negative amount is a return from the holder).
    pub commissioner_share_pence: Pence,
}

/// Shares `actual − budget` by the corridor: slice `[bound_{i−1}, bound_i) × budget` of
/// |variance| goes `provider_share_i` to the provider; the commissioner takes the rest
/// (`settle_yoc`, brief §2.5). Slice bounds round once each.
pub fn settle_corridor(budget: Pence, actual: Pence, corridor: &RiskCorridor) -> CorridorSettlement {
    let variance = actual - budget;
    let magnitude = Pence(variance.0.abs());
    let mut lower = Pence::ZERO;
    let mut commissioner = Pence::ZERO;
    for b in &corridor.bands {
        let upper =
            if b.up_to_fraction.is_finite() { budget.max(Pence::ZERO).scale(b.up_to_fraction) } else { magnitude };
        let slice = (magnitude.min(upper) - lower).max(Pence::ZERO);
        commissioner += slice.scale(1.0 - b.provider_share);
        lower = lower.max(upper);
        if lower >= magnitude {
            break;
        }
    }
    let sign = if variance < Pence::ZERO { -1 } else { 1 };
    let commissioner = Pence(commissioner.0 * sign);
    CorridorSettlement {
        variance_pence: variance,
        provider_share_pence: variance - commissioner,
        commissioner_share_pence: commissioner,
    }
}

/// High-cost outlier carve-out (ASSUMPTION, brief §2.5).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutlierParams {
    /// Person-years with in-scope cost above this are carved out: £50,000.
    pub threshold_pence: Pence,
    /// The commissioner pays this fraction of an outlier's cost: 0.8.
    pub commissioner_pays_fraction: f64,
}

impl Default for OutlierParams {
    fn default() -> Self {
        OutlierParams { threshold_pence: Pence(5_000_000), commissioner_pays_fraction: 0.8 }
    }
}

/// One enrolled person's year, for settlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnrolledYear {
    /// Person index.
    pub person: u32,
    /// Capitation paid for the person in the year.
    pub capitation_pence: Pence,
    /// In-scope resource cost of the person's enrolled months.
    pub in_scope_cost_pence: Pence,
}

/// The year-end settlement of a year-of-care budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearEndSettlement {
    /// Capitation of non-outliers (the corridor's budget).
    pub budget_pence: Pence,
    /// The holder's outlay the budget is for (the corridor's actual): the cost of
    /// non-outliers plus the part of outliers' cost the carve-out does not pay (which
    /// the calibrated capitation carries, see
    /// [`calibrate_capitation_net_of_outliers`](super::calibrate_capitation_net_of_outliers)).
    pub actual_pence: Pence,
    /// Number of outlier person-years.
    pub outliers: u32,
    /// Outliers' in-scope cost.
    pub outlier_cost_pence: Pence,
    /// Outliers' capitation already paid.
    pub outlier_capitation_pence: Pence,
    /// Outlier carve-out payment to the holder: `fraction × outlier cost − outlier
    /// capitation` (so an outlier is paid `fraction × cost` in all; may be negative).
    pub outlier_payment_pence: Pence,
    /// Corridor on the rest.
    pub corridor: CorridorSettlement,
    /// Net payment commissioner → holder: corridor commissioner share + outlier payment.
    pub net_payment_pence: Pence,
}

/// Settles a year: outlier person-years (cost above the threshold) are carved out of
/// the budget and paid at `fraction × cost` in total (ASSUMPTION on how the carve-out
/// interacts with capitation already paid); the rest goes through the corridor, whose
/// actual includes the `(1 − fraction) × cost` of outliers that the holder keeps (the
/// capitation is loaded with it, so it is part of what the budget is for).
pub fn settle_year(
    enrolled: &[EnrolledYear],
    corridor: &RiskCorridor,
    outlier: Option<&OutlierParams>,
) -> YearEndSettlement {
    let mut budget = Pence::ZERO;
    let mut actual = Pence::ZERO;
    let mut outliers = 0u32;
    let mut outlier_cost = Pence::ZERO;
    let mut outlier_capitation = Pence::ZERO;
    for e in enrolled {
        if outlier.is_some_and(|o| e.in_scope_cost_pence > o.threshold_pence) {
            outliers += 1;
            outlier_cost += e.in_scope_cost_pence;
            outlier_capitation += e.capitation_pence;
        } else {
            budget += e.capitation_pence;
            actual += e.in_scope_cost_pence;
        }
    }
    let outlier_payment =
        outlier.map_or(Pence::ZERO, |o| outlier_cost.scale(o.commissioner_pays_fraction) - outlier_capitation);
    actual += outlier.map_or(Pence::ZERO, |o| super::capitation::retained_outlier_cost(outlier_cost, o));
    let c = settle_corridor(budget, actual, corridor);
    YearEndSettlement {
        budget_pence: budget,
        actual_pence: actual,
        outliers,
        outlier_cost_pence: outlier_cost,
        outlier_capitation_pence: outlier_capitation,
        outlier_payment_pence: outlier_payment,
        corridor: c,
        net_payment_pence: c.commissioner_share_pence + outlier_payment,
    }
}

/// The settlement as transactions from the funders to the holder(s) in `month`, each
/// funder paying its share (corridor on [`Account::YocRiskShare`], carve-out on
/// [`Account::YocOutlier`]); negative amounts become holder → funder flows when posted.
pub fn settlement_transactions(
    s: &YearEndSettlement,
    funding: &CapitationFunding,
    holder: &BudgetHolder,
    month: MonthIndex,
) -> Vec<Transaction> {
    let mut t = Vec::new();
    for (funder, part) in funding.split(s.corridor.commissioner_share_pence) {
        t.extend(holder.pay(funder, part, Account::YocRiskShare, Reason::YearEnd, month));
    }
    for (funder, part) in funding.split(s.outlier_payment_pence) {
        t.extend(holder.pay(funder, part, Account::YocOutlier, Reason::YearEnd, month));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::organisation::OrgId;

    #[test]
    fn corridor_loss_and_gain_bands() {
        let c = RiskCorridor::default();
        c.validate().unwrap();
        // Loss: budget £1,000,000, actual £1,050,000 (v = +5%). Slices: 0–2% £20,000
        // all provider; 2–4% £20,000 half each; 4–5% £10,000, 20% provider.
        // Commissioner: £0 + £10,000 + £8,000 = £18,000; provider £32,000.
        let s = settle_corridor(Pence(100_000_000), Pence(105_000_000), &c);
        assert_eq!(s.variance_pence, Pence(5_000_000));
        assert_eq!(s.commissioner_share_pence, Pence(1_800_000));
        assert_eq!(s.provider_share_pence, Pence(3_200_000));
        // Gain: actual £970,000 (v = −3%): 0–2% £20,000 kept by provider; 2–3% £10,000
        // half each. Provider keeps £25,000 and returns £5,000.
        let s = settle_corridor(Pence(100_000_000), Pence(97_000_000), &c);
        assert_eq!(s.commissioner_share_pence, Pence(-500_000));
        assert_eq!(s.provider_share_pence, Pence(-2_500_000));
        // Inside ±2%: the provider bears it all.
        let s = settle_corridor(Pence(100_000_000), Pence(101_500_000), &c);
        assert_eq!(s.commissioner_share_pence, Pence::ZERO);
        // Invalid corridors.
        assert!(
            RiskCorridor { bands: vec![CorridorBand { up_to_fraction: 0.02, provider_share: 1.0 }] }
                .validate()
                .is_err()
        );
    }

    #[test]
    fn outlier_carve_out_at_year_end() {
        // A: capitation £12,000, cost £60,000 (> £50,000: outlier); B: capitation
        // £12,000, cost £11,000. Outlier: 0.8 x £60,000 - £12,000 = £36,000 to the
        // holder, who keeps 0.2 x £60,000 = £12,000 of A's cost. Corridor: budget
        // £12,000 (B's capitation), actual £11,000 + £12,000 = £23,000: a loss of
        // £11,000 = 91.67%: slices £240 (provider), £240 (half: £120 commissioner),
        // £10,520 (80%: £8,416 commissioner), so the commissioner pays £8,536. Net
        // £44,536 to the holder.
        let e = [
            EnrolledYear { person: 0, capitation_pence: Pence(1_200_000), in_scope_cost_pence: Pence(6_000_000) },
            EnrolledYear { person: 1, capitation_pence: Pence(1_200_000), in_scope_cost_pence: Pence(1_100_000) },
        ];
        let s = settle_year(&e, &RiskCorridor::default(), Some(&OutlierParams::default()));
        assert_eq!(s.outliers, 1);
        assert_eq!(s.actual_pence, Pence(2_300_000));
        assert_eq!(s.corridor.commissioner_share_pence, Pence(853_600));
        assert_eq!(s.outlier_payment_pence, Pence(3_600_000));
        assert_eq!(s.net_payment_pence, Pence(4_453_600));
        // Without carve-out: budget £24,000, actual £71,000, loss £47,000 (195.8%):
        // commissioner £0 + £240 + 0.8 × (£47,000 − £960) = £240 + £36,832 = £37,072.
        let s = settle_year(&e, &RiskCorridor::default(), None);
        assert_eq!(s.corridor.commissioner_share_pence, Pence(3_707_200));
        let funding = CapitationFunding::single(OrgId(0));
        let t = settlement_transactions(&s, &funding, &BudgetHolder::PrimeProvider(OrgId(8)), MonthIndex(11));
        assert_eq!(t.iter().map(|t| t.amount).sum::<Pence>(), Pence(3_707_200));
        // Two funders 3:1 share the settlement; the parts still sum to it.
        let two = CapitationFunding { funders: vec![(OrgId(0), 3.0), (OrgId(1), 1.0)] };
        let t = settlement_transactions(&s, &two, &BudgetHolder::PrimeProvider(OrgId(8)), MonthIndex(11));
        assert_eq!(t.iter().map(|t| t.amount).sum::<Pence>(), Pence(3_707_200));
        let council: Pence = t.iter().filter(|t| t.payer == OrgId(1)).map(|t| t.amount).sum();
        assert!((council.0 - 926_800).abs() <= 1, "{council:?}");
    }
}
