//! Pooled budgets (brief §2.6): a Section 75 / Better Care Fund pool and a Barker-style
//! single budget whose scope is configurable service by service.
//!
//! Rule: contributions go into the pool at the start of the year (or monthly); the pool
//! pays providers for in-scope services under whatever currency the pool manager uses
//! (it replaces the CCG or council as payer, [`payer_of`]); at year end the over- or
//! underspend is split by a risk-share ratio (default pro rata to contributions,
//! ASSUMPTION).
//!
//! Contributions are each commissioner's baseline **net** spend on the pool's scope
//! ([`PooledFund::calibrated`], [`net_spend_on_scope`]): what it paid providers for
//! those services in the baseline, after client contributions and recoveries, never the
//! gross resource cost. So a pool with care unchanged spends what it receives and the
//! risk share returns nothing systematic: no cost moves between NHS and council.

use super::ledger::{Account, Currency, Reason, Transaction};
use super::organisation::{OrgId, TypicalArea};
use super::{MonthIndex, PaymentError, Scope, Service, allocate, check_non_negative, instalment};
use crate::money::Pence;

/// A contributor's annual contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contribution {
    /// The contributor (CCG or council).
    pub contributor: OrgId,
    /// Annual contribution, pence.
    pub annual_pence: Pence,
}

/// When contributions are paid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContributionTiming {
    /// All at the start of the year (April) (default, brief §2.6).
    #[default]
    YearStart,
    /// In twelve monthly instalments.
    Monthly,
}

/// How a year-end over- or underspend is shared.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RiskShare {
    /// Pro rata to contributions (default, ASSUMPTION \[brief §2.6\]).
    #[default]
    ProRataContributions,
    /// Fixed weights per contributor (same order as the contributions).
    Fixed(Vec<f64>),
    /// Each contributor meets the over- or underspend on the services it commissions
    /// without the pool (the CCG on NHS services, the council on social care); spend
    /// with no service of its own (e.g. capitation) is shared pro rata to contributions.
    /// With care unchanged no cost then moves between them, whatever the year's noise.
    ByCommissioner,
}

/// A pooled fund.
#[derive(Clone, Debug, PartialEq)]
pub struct PooledFund {
    /// The pool (an organisation of kind `PooledFund`).
    pub pool: OrgId,
    /// Contributions.
    pub contributions: Vec<Contribution>,
    /// Services the pool pays for.
    pub scope: Scope,
    /// Payment timing of contributions.
    pub timing: ContributionTiming,
    /// Year-end risk share.
    pub risk_share: RiskShare,
}

/// Better Care Fund per head: £70.50 (DERIVED £3.8bn ÷ 53.9m people \[BCF-2015\]
/// \[SIMUL8-2016\], brief §2.6: ≈£19.4m for 275,000 people).
pub const BCF_PER_HEAD_PENCE: Pence = Pence(7_050);

/// Council share of the BCF minimum: the Disabled Facilities Grant, ≈£220m of £3.8bn
/// (DERIVED 0.058 \[BCF-2015\]); ASSUMPTION that the CCG pays the rest (brief §2.6:
/// "paid by CCGs into s75 pools").
pub const BCF_COUNCIL_SHARE: f64 = 220.0 / 3_800.0;

/// The Better Care Fund's scope in the model: the out-of-hospital community health
/// services the NHS contribution was to commission (intermediate care, reablement,
/// community nursing) and the social care that supports people at home and out of
/// hospital (home care), which the fund had to protect \[PAC-BCF-2015\]\[SITRA-BCF\]
/// (brief §2.6, §10.5). Carers' breaks, the Disabled Facilities Grant and social care
/// capital are outside the model; care homes stay with the council's own budget
/// (ASSUMPTION: BCF plans protected social care mainly through community and home-based
/// services).
pub fn bcf_scope() -> Scope {
    Scope::of(&[Service::IntermediateCare, Service::Reablement, Service::CommunityNursing, Service::HomeCare])
}

/// A commissioner's net spend on `scope`: the sum of `spend` rows `(payer, service,
/// net pence)` with that payer and an in-scope service. Net spend is what the payer
/// paid providers less what it recovered (client contributions are never in it).
pub fn net_spend_on_scope(spend: &[(OrgId, Service, Pence)], scope: Scope, payer: OrgId) -> Pence {
    spend.iter().filter(|(o, s, _)| *o == payer && scope.covers(*s)).map(|r| r.2).sum()
}

impl PooledFund {
    /// A pool over `scope` funded by the CCG and the council with their baseline net
    /// spend on it (`ccg_pence`, `council_pence` a year, from the pilot): paid at the
    /// start of the year, risk share pro rata to contributions.
    ///
    /// Risk share [`RiskShare::ByCommissioner`]: ASSUMPTION, as section 75 agreements for
    /// the BCF commonly left an overspend on a scheme with the partner that commissions
    /// it; pro rata sharing would move each year's random over- or underspend on one
    /// partner's services onto the other.
    pub fn calibrated(area: &TypicalArea, scope: Scope, ccg_pence: Pence, council_pence: Pence) -> PooledFund {
        PooledFund {
            pool: area.pool,
            contributions: vec![
                Contribution { contributor: area.ccg, annual_pence: ccg_pence },
                Contribution { contributor: area.council, annual_pence: council_pence },
            ],
            scope,
            timing: ContributionTiming::YearStart,
            risk_share: RiskShare::ByCommissioner,
        }
    }

    /// The national minimum BCF scaled to an area (for reference: the pool's size when
    /// set by the national allocation rather than by local baseline spend) of an area of `population` people: `population × £70.50`,
    /// split CCG / council by [`BCF_COUNCIL_SHARE`]; scope: the services BCF plans fund
    /// (ASSUMPTION: intermediate care, reablement, community nursing, home care; the
    /// 2015/16 composition protects social care and funds reablement \[BCF-2015\]).
    pub fn better_care_fund(area: &TypicalArea, population: u64) -> PooledFund {
        let total = Pence(BCF_PER_HEAD_PENCE.0 * population as i64);
        let council = total.scale(BCF_COUNCIL_SHARE);
        PooledFund {
            pool: area.pool,
            contributions: vec![
                Contribution { contributor: area.ccg, annual_pence: total - council },
                Contribution { contributor: area.council, annual_pence: council },
            ],
            scope: bcf_scope(),
            timing: ContributionTiming::YearStart,
            risk_share: RiskShare::ProRataContributions,
        }
    }

    /// A Barker-style single budget: adult social care, community health, primary care,
    /// mental health, public health and the `defined_acute` services \[BARKER\]\[SEEDS\].
    pub fn barker_scope(defined_acute: &[Service]) -> Scope {
        let mut s = Scope::of(&[
            Service::IntermediateCare,
            Service::Reablement,
            Service::CommunityNursing,
            Service::HomeCare,
            Service::CareHome,
            Service::PrimaryCare,
            Service::MentalHealth,
            Service::PublicHealth,
        ]);
        for &a in defined_acute.iter().filter(|s| s.is_acute()) {
            s = s.with(a);
        }
        s
    }

    /// Total annual contributions.
    pub fn total_pence(&self) -> Pence {
        self.contributions.iter().map(|c| c.annual_pence).sum()
    }

    /// Checks contributions are non-negative and fixed weights match contributors.
    pub fn validate(&self) -> Result<(), PaymentError> {
        if self.contributions.iter().any(|c| c.annual_pence < Pence::ZERO) {
            return Err(PaymentError::InvalidParameter {
                name: "pool.contributions",
                reason: "negative contribution".into(),
            });
        }
        if let RiskShare::Fixed(w) = &self.risk_share {
            if w.len() != self.contributions.len() {
                return Err(PaymentError::InvalidParameter {
                    name: "pool.risk_share",
                    reason: format!("{} weights for {} contributors", w.len(), self.contributions.len()),
                });
            }
            for &x in w {
                check_non_negative("pool.risk_share", x)?;
            }
        }
        Ok(())
    }

    /// Contribution transactions due in `month` (contributor → pool).
    pub fn contribution_transactions(&self, month: MonthIndex) -> Vec<Transaction> {
        self.contributions
            .iter()
            .map(|c| {
                let amount = match self.timing {
                    ContributionTiming::YearStart if month.month_in_year() == 0 => c.annual_pence,
                    ContributionTiming::YearStart => Pence::ZERO,
                    ContributionTiming::Monthly => instalment(c.annual_pence, month.month_in_year() as u32, 12),
                };
                Transaction {
                    payer: c.contributor,
                    payee: self.pool,
                    account: Account::PoolContribution,
                    month,
                    currency: Currency::Pool,
                    reason: Reason::Contribution,
                    amount,
                }
            })
            .filter(|t| t.amount != Pence::ZERO)
            .collect()
    }

    /// Year-end risk share given the pool's spend in the year: the outturn
    /// `contributions − spend` is split by the risk share; an underspend (positive) is
    /// returned pool → contributor, an overspend is met contributor → pool (negative
    /// amounts, reversed when posted). Parts sum to the outturn exactly.
    pub fn year_end_transactions(&self, spend: Pence, month: MonthIndex) -> Vec<Transaction> {
        let outturn = self.total_pence() - spend;
        let weights: Vec<f64> = match &self.risk_share {
            RiskShare::ProRataContributions | RiskShare::ByCommissioner => {
                self.contributions.iter().map(|c| c.annual_pence.0 as f64).collect()
            }
            RiskShare::Fixed(w) => w.clone(),
        };
        self.contributions
            .iter()
            .zip(allocate(outturn, &weights))
            .map(|(c, a)| Transaction {
                payer: self.pool,
                payee: c.contributor,
                account: Account::PoolRiskShare,
                month,
                currency: Currency::Pool,
                reason: Reason::YearEnd,
                amount: a,
            })
            .collect()
    }
}

impl PooledFund {
    /// Year-end risk share when the pool's net `spend` is known by the contributor whose
    /// services it paid for (`attributed[i]` for contributor `i`, the rest of `spend`
    /// having no contributor's service): under [`RiskShare::ByCommissioner`] contributor
    /// `i` gets back `contribution − attributed − its pro-rata part of the rest` (or
    /// meets it, when negative); otherwise as [`PooledFund::year_end_transactions`].
    /// Parts sum to the outturn exactly.
    pub fn year_end_by_commissioner(&self, spend: Pence, attributed: &[Pence], month: MonthIndex) -> Vec<Transaction> {
        if self.risk_share != RiskShare::ByCommissioner || attributed.len() != self.contributions.len() {
            return self.year_end_transactions(spend, month);
        }
        let rest = spend - attributed.iter().copied().sum::<Pence>();
        let weights: Vec<f64> = self.contributions.iter().map(|c| c.annual_pence.0 as f64).collect();
        self.contributions
            .iter()
            .zip(attributed)
            .zip(allocate(rest, &weights))
            .map(|((c, a), r)| Transaction {
                payer: self.pool,
                payee: c.contributor,
                account: Account::PoolRiskShare,
                month,
                currency: Currency::Pool,
                reason: Reason::YearEnd,
                amount: c.annual_pence - *a - r,
            })
            .collect()
    }
}

/// The payer for `service`: the first pool whose scope covers it, else its commissioner
/// when budgets are separate (council or CCG, [`TypicalArea::commissioner_of`]).
pub fn payer_of(service: Service, pools: &[PooledFund], area: &TypicalArea) -> OrgId {
    pools.iter().find(|p| p.scope.covers(service)).map_or_else(|| area.commissioner_of(service), |p| p.pool)
}

#[cfg(test)]
mod tests {
    use super::super::ledger::Ledger;
    use super::*;

    #[test]
    fn bcf_default_scale_and_split() {
        // 275,000 × £70.50 = £19,387,500 (brief: ≈£19.4m); council 220/3800 of it =
        // £1,122,434.21; CCG the rest, £18,265,065.79.
        let a = TypicalArea::new();
        let f = PooledFund::better_care_fund(&a, 275_000);
        f.validate().unwrap();
        assert_eq!(f.total_pence(), Pence(1_938_750_000));
        assert_eq!(f.contributions[1].annual_pence, Pence(112_243_421));
        assert_eq!(f.contributions[0].annual_pence, Pence(1_938_750_000 - 112_243_421));
        // Paid in April only.
        assert_eq!(f.contribution_transactions(MonthIndex(0)).len(), 2);
        assert!(f.contribution_transactions(MonthIndex(1)).is_empty());
        assert_eq!(f.contribution_transactions(MonthIndex(12)).len(), 2);
        // Monthly timing: 12 instalments sum to the annual contributions.
        let m = PooledFund { timing: ContributionTiming::Monthly, ..f.clone() };
        let s: Pence = (0..12).flat_map(|k| m.contribution_transactions(MonthIndex(k))).map(|t| t.amount).sum();
        assert_eq!(s, f.total_pence());
    }

    #[test]
    fn year_end_risk_share_overspend_and_underspend() {
        // Pool £1,000,000: CCG £750,000, council £250,000, pro rata.
        let a = TypicalArea::new();
        let f = PooledFund {
            pool: a.pool,
            contributions: vec![
                Contribution { contributor: a.ccg, annual_pence: Pence(75_000_000) },
                Contribution { contributor: a.council, annual_pence: Pence(25_000_000) },
            ],
            scope: PooledFund::barker_scope(&[]),
            timing: ContributionTiming::YearStart,
            risk_share: RiskShare::ProRataContributions,
        };
        // Overspend £40,000 (spend £1,040,000): CCG meets £30,000, council £10,000.
        let mut l = Ledger::new();
        l.extend(f.year_end_transactions(Pence(104_000_000), MonthIndex(11)));
        let t = l.transactions();
        assert_eq!((t[0].payer, t[0].payee, t[0].amount), (a.ccg, a.pool, Pence(3_000_000)));
        assert_eq!((t[1].payer, t[1].payee, t[1].amount), (a.council, a.pool, Pence(1_000_000)));
        // Underspend £20,000 with fixed 50/50 shares: £10,000 back to each.
        let g = PooledFund { risk_share: RiskShare::Fixed(vec![1.0, 1.0]), ..f.clone() };
        let t = g.year_end_transactions(Pence(98_000_000), MonthIndex(11));
        assert_eq!(
            t.iter().map(|t| (t.payer, t.payee, t.amount)).collect::<Vec<_>>(),
            vec![(a.pool, a.ccg, Pence(1_000_000)), (a.pool, a.council, Pence(1_000_000))]
        );
        assert!(PooledFund { risk_share: RiskShare::Fixed(vec![1.0]), ..f }.validate().is_err());
    }

    #[test]
    fn net_contributions_move_no_cost_between_commissioners() {
        // Baseline: the CCG pays a £100,000 community block; the council pays £50,000 of
        // £70,000 home care (people pay £20,000 themselves) and £30,000 of care homes
        // (outside the BCF scope). Pooled with contributions at net spend on the scope,
        // the pool pays the same providers the same amounts, the outturn is zero and
        // each commissioner's spend is what it was.
        let a = TypicalArea::new();
        let spend = [
            (a.ccg, Service::CommunityNursing, Pence(10_000_000)),
            (a.council, Service::HomeCare, Pence(5_000_000)),
            (a.council, Service::CareHome, Pence(3_000_000)),
        ];
        let ccg = net_spend_on_scope(&spend, bcf_scope(), a.ccg);
        let council = net_spend_on_scope(&spend, bcf_scope(), a.council);
        assert_eq!((ccg, council), (Pence(10_000_000), Pence(5_000_000)));
        let pool = PooledFund::calibrated(&a, bcf_scope(), ccg, council);
        let mut l = Ledger::new();
        l.extend(pool.contribution_transactions(MonthIndex(0)));
        let pays = |payee, amount| Transaction {
            payer: a.pool,
            payee,
            account: Account::Income,
            month: MonthIndex(3),
            currency: Currency::Pool,
            reason: Reason::CareHours,
            amount,
        };
        l.extend([pays(a.community, Pence(10_000_000)), pays(a.home_care, Pence(5_000_000))]);
        l.extend(pool.year_end_transactions(Pence(15_000_000), MonthIndex(11)));
        let net = |o| -l.net_balance(o);
        assert_eq!(net(a.ccg), Pence(10_000_000));
        assert_eq!(net(a.council), Pence(5_000_000));
        assert_eq!(l.net_balance(a.pool), Pence::ZERO);
        // By commissioner, an overspend of £10,000 on the council's home care falls to the
        // council alone.
        let t =
            pool.year_end_by_commissioner(Pence(16_000_000), &[Pence(10_000_000), Pence(6_000_000)], MonthIndex(11));
        assert_eq!((t[0].amount, t[1].amount), (Pence::ZERO, Pence(-1_000_000)));
        // Had the council paid in its gross cost (£70,000), the pro-rata return of the
        // £20,000 surplus would have moved money between the two: the shift the net rule
        // removes.
        let gross = PooledFund::calibrated(&a, bcf_scope(), ccg, Pence(7_000_000));
        let back = gross.year_end_transactions(Pence(15_000_000), MonthIndex(11));
        assert_ne!(back[1].amount, Pence(2_000_000));
    }

    #[test]
    fn single_budget_scope_and_payer() {
        let a = TypicalArea::new();
        // Barker: social care, community, primary, MH, public health, plus emergency
        // acute care as a "defined acute service"; non-acute entries in the list are ignored.
        let scope = PooledFund::barker_scope(&[Service::AcuteEmergency, Service::HomeCare]);
        assert!(scope.covers(Service::AcuteEmergency) && scope.covers(Service::PrimaryCare));
        assert!(!scope.covers(Service::AcuteElective));
        let pool = PooledFund { scope, ..PooledFund::better_care_fund(&a, 1000) };
        assert_eq!(payer_of(Service::AcuteEmergency, std::slice::from_ref(&pool), &a), a.pool);
        assert_eq!(payer_of(Service::AcuteElective, std::slice::from_ref(&pool), &a), a.ccg);
        // Without pools: council for care homes, CCG for A&E.
        assert_eq!(payer_of(Service::CareHome, &[], &a), a.council);
        assert_eq!(payer_of(Service::AccidentAndEmergency, &[], &a), a.ccg);
    }
}
