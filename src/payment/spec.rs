//! The validated `[payment]` section of a model: which currencies are in force, the
//! organisations of the area and who delivers what, client finances, and the one
//! activity-changing lever. Built by [`crate::config::payment`] from `[payment]` (serde mirror
//! in [`super::raw`]); turned into a [`Regime`] for one run by [`PaymentSpec::regime`],
//! once the values that come from a baseline pilot ([`PaymentCalibration`]) are known.

use super::block::{BlockContract, CapCollar};
use super::organisation::TypicalArea;
use super::pooled::{PooledFund, bcf_scope};
use super::settle::{BlockCover, Regime, YocRegime};
use super::social_care::Charging;
use super::tariff::TariffParams;
use super::year_of_care::{
    BudgetHolder, CapitationFunding, CapitationRates, CapitationUplift, CohortRule, Discrimination, Enrolment,
    OutlierParams, RiskCorridor, RiskModel, SubContractBasis,
};
use super::{PaymentError, Scope};
use crate::money::Pence;

/// How people's finances are drawn for the means test (brief §2.3; per person, from a
/// keyed stream, identical in every scenario).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FinancesParams {
    /// Share of people aged 65+ who own their home (adults under 65 use the same share,
    /// ASSUMPTION; see [`super::finances::draw_finances`]).
    pub home_owner_share_65_plus: f64,
    /// Mean home value of an owner, pence.
    pub home_value_mean_pence: Pence,
    /// Share of people whose savings exceed the upper capital limit.
    pub savings_above_upper_share: f64,
    /// Share whose savings fall between the limits (the rest are below the lower limit).
    pub savings_between_share: f64,
    /// Share of owners whose home is disregarded (a partner still lives there).
    pub home_disregarded_share: f64,
    /// Assessed weekly income, pence.
    pub weekly_income_pence: Pence,
    /// Share of people who take a deferred payment agreement when eligible (a care-home
    /// resident whose home, not other capital, puts them above the upper limit).
    pub deferred_payment_share: f64,
}

impl Default for FinancesParams {
    /// The brief gives the share of self-funders among care users, not the finances of
    /// the population, so the defaults are chosen to reproduce those shares (people's
    /// finances are drawn independently of their care needs, ASSUMPTION):
    ///
    /// * `savings_above_upper_share` 0.27: DERIVED, of more than 350,000 older home care
    ///   users in 2015, 257,000 were council-funded (73%) \[KF-HOMECARE-2018\] (brief
    ///   §2.3); the home does not count for home care, so home care self-funders are the
    ///   people with savings above the upper limit.
    /// * `savings_between_share` 0.10: ASSUMPTION (the brief gives no distribution of
    ///   capital; one person in ten in the £9,000-wide tariff-income band).
    /// * `home_disregarded_share` 0.10: ASSUMPTION (a partner or dependent relative
    ///   still lives in the home; no figure in the brief).
    /// * `home_owner_share_65_plus` 0.79: people 65+ in England, 74% owning outright and
    ///   5% with a mortgage (English Housing Survey 2017-19 \[EHS-65\], brief §10.4).
    ///   (It was once back-solved to 0.213 to reproduce a 0.41 care-home self-funder
    ///   share; with finances drawn independently of care needs, the cited share gives
    ///   more self-funders than that, before spend-down and deferred payments.)
    /// * `deferred_payment_share` 0.3: ASSUMPTION, 3,600 agreements in 2015/16 against
    ///   the Department of Health's projection of 12,300 \[REFORM-DPA-2017\], taking the
    ///   projection as the eligible number.
    /// * `home_value_mean_pence` £200,000: ASSUMPTION, about the average English house
    ///   price of 2015 (not a figure of the brief; check before use). It matters only
    ///   to estate recovery under free care: any home worth more than the upper limit
    ///   makes its owner a self-funder in a care home.
    /// * `weekly_income_pence` £115.95: ASSUMPTION, the full basic State Pension of
    ///   2015/16 (not a figure of the brief); used only when the means test charges
    ///   income (`charge_income`, on by default: Care Act charging).
    fn default() -> Self {
        FinancesParams {
            home_owner_share_65_plus: 0.79,
            home_value_mean_pence: Pence(20_000_000),
            savings_above_upper_share: 0.27,
            savings_between_share: 0.10,
            home_disregarded_share: 0.10,
            weekly_income_pence: Pence(11_595),
            deferred_payment_share: 0.3,
        }
    }
}

/// A block contract as configured: the annual value is either stated or taken from the
/// baseline pilot's resource cost of the covered services (`None`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockSpec {
    /// Services covered (all delivered by one provider).
    pub services: Scope,
    /// Annual value, pence; `None` = calibrate from the pilot.
    pub annual_value_pence: Option<Pence>,
    /// Optional cap and collar.
    pub cap_collar: Option<CapCollar>,
}

/// Which pooled budget, if any.
#[derive(Clone, Debug, PartialEq)]
pub enum PoolSpec {
    /// Separate budgets: the CCG pays NHS services, the council social care.
    Separate,
    /// The Better Care Fund pool over [`bcf_scope`], funded by the CCG and the council at
    /// their baseline net spend on it (from the pilot).
    BetterCareFund,
    /// A Barker-style single budget over `scope`; contributions are each commissioner's
    /// baseline net spend on the in-scope services (from the pilot).
    SingleBudget {
        /// Services the single budget pays for.
        scope: Scope,
    },
}

/// Year-of-care as configured.
#[derive(Clone, Debug, PartialEq)]
pub struct YocSpec {
    /// Who is enrolled (selected quarterly; enrolled until death).
    pub rule: CohortRule,
    /// Budget holder.
    pub holder: BudgetHolder,
    /// Services the capitation covers.
    pub scope: Scope,
    /// Capitation per band; `None` = calibrate from the pilot (two-pass).
    pub capitation: Option<CapitationRates>,
    /// Growth and efficiency applied to calibrated capitation.
    pub uplift: CapitationUplift,
    /// Risk corridor.
    pub corridor: RiskCorridor,
    /// High-cost outlier carve-out.
    pub outlier: Option<OutlierParams>,
    /// Sub-contract basis.
    pub basis: SubContractBasis,
    /// Lever (activity-changing, off = 1.0): hazard ratio on emergency admissions of
    /// enrolled people (an integrated care team effect).
    pub admission_hazard_ratio: f64,
    /// An alliance whose shares are calibrated on the pilots
    /// ([`PaymentCalibration::alliance_shares`]); its members' shares in `holder` are
    /// placeholders until then.
    pub calibrate_alliance_shares: bool,
}

/// The validated `[payment]` section.
#[derive(Clone, Debug, PartialEq)]
pub struct PaymentSpec {
    /// Organisations and who delivers what.
    pub area: TypicalArea,
    /// Episode tariff; `mret.baseline_pence = None` with MRET on = calibrate.
    pub tariff: TariffParams,
    /// Block contracts.
    pub blocks: Vec<BlockSpec>,
    /// Social care charging.
    pub charging: Charging,
    /// Client finances.
    pub finances: FinancesParams,
    /// Pooled budget.
    pub pool: PoolSpec,
    /// Year of care, if in force.
    pub year_of_care: Option<YocSpec>,
    /// Replications of the baseline pilot used for calibration.
    pub pilot_replications: u32,
    /// Care Act reimbursement of delayed days (`[payment.delay_reimbursement]`), if on.
    pub delay_reimbursement: Option<crate::payment::settle::delay_reimbursement::DelayReimbursement>,
    /// Where withheld money goes, what capacity and interventions cost.
    pub money: MoneyRules,
}

/// `[payment.money]`: money that means what it says (issue-level defaults documented on
/// [`MoneyRules::default_for`]).
#[derive(Clone, Debug, PartialEq)]
pub struct MoneyRules {
    /// Where MRET and readmission deductions go.
    pub withheld_money: super::reinvestment::WithheldMoney,
    /// Cost of an integrated care team per enrolled person-year while the team's lever
    /// is on ([`YocSpec::admission_hazard_ratio`] below 1), incurred by the budget holder.
    pub integrated_team_cost_per_person_year_pence: Pence,
    /// Cost per admission-avoidance referral, incurred by the provider of the avoidance
    /// pathway's first place.
    pub admission_avoidance_cost_per_referral_pence: Pence,
    /// Cost of a staffed place-day not in use, by pool name (pools not named: zero, the
    /// place costs only when used).
    pub empty_place_day_pence: Vec<(String, Pence)>,
}

impl MoneyRules {
    /// The defaults in `area`:
    ///
    /// * withheld money is spent by the community provider, which delivers reablement
    ///   and intermediate care (demand management and improved discharge, the 2014/15
    ///   use of MRET money \[HFMA-MRET-2013\]\[DH-MRET-2014\]; readmission money funds
    ///   reablement \[HFMA-2012\]);
    /// * an integrated care team costs £1,024 per person-year: DERIVED, 80 minutes of
    ///   nurse case management per patient per month \[GAGE-2013\] × £64 per hour of
    ///   patient-related community nurse time \[PSSRU-2014-UCD\] × 12;
    /// * an admission-avoidance referral costs £64: ASSUMPTION, one hour of
    ///   patient-related community nurse time for the rapid assessment that diverts the
    ///   admission \[PSSRU-2014-UCD\];
    /// * no empty place-day cost unless configured (the default config sets them for the
    ///   staffed community pools).
    pub fn default_for(area: &super::organisation::TypicalArea) -> MoneyRules {
        MoneyRules {
            withheld_money: super::reinvestment::WithheldMoney::SpentBy { provider: area.community },
            integrated_team_cost_per_person_year_pence: Pence(102_400),
            admission_avoidance_cost_per_referral_pence: Pence(6_400),
            empty_place_day_pence: Vec::new(),
        }
    }

    /// The empty place-day cost of pool `name` (zero when not configured).
    pub fn empty_place_day(&self, name: &str) -> Pence {
        self.empty_place_day_pence.iter().find(|(n, _)| n == name).map_or(Pence::ZERO, |(_, p)| *p)
    }
}

/// Values taken from a baseline pilot (the same model with every lever off).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaymentCalibration {
    /// Annual emergency tariff value (after R7) per payer–acute pair.
    pub mret_baseline_pence: Option<Pence>,
    /// Capitation per band.
    pub capitation: Option<CapitationRates>,
    /// Annual value of each calibrated block, in [`PaymentSpec::blocks`] order.
    pub block_values_pence: Vec<Option<Pence>>,
    /// Pool contributions (single budget or BCF): (CCG, council) annual pence, each
    /// commissioner's baseline net spend on the pool's scope.
    pub pool_contributions_pence: Option<(Pence, Pence)>,
    /// The commissioner's risk model for year-of-care selection, fitted on the pilots'
    /// records.
    pub risk_model: Option<RiskModel>,
    /// How well the risk model ranked the pilots' people for the following year
    /// (pooled over the pilots' years of enrolment).
    pub risk_discrimination: Option<Discrimination>,
    /// Who funds capitation, in what shares (from the pilot's outlay by commissioner).
    pub capitation_funding: Option<CapitationFunding>,
    /// Share of each block's covered cost (in [`PaymentSpec::blocks`] order) that went to
    /// people enrolled in year of care in the pilot: carved out of the block, paid by
    /// the budget holder.
    pub block_carve_out: Vec<f64>,
    /// An alliance's calibrated shares, in the order of its members: each member's part
    /// of the holder's outlay on the enrolled people's covered care in the pilots.
    pub alliance_shares: Option<Vec<f64>>,
}

impl PaymentSpec {
    /// True when some value must come from a pilot.
    pub fn needs_calibration(&self) -> bool {
        (self.tariff.mret.enabled && self.tariff.mret.baseline_pence.is_none())
            || self.blocks.iter().any(|b| b.annual_value_pence.is_none())
            || matches!(self.pool, PoolSpec::SingleBudget { .. } | PoolSpec::BetterCareFund)
            // Year of care always: the commissioner's risk model is fitted on the pilots.
            || self.year_of_care.is_some()
    }

    /// True when an activity-changing lever is on.
    pub fn levers_on(&self) -> bool {
        self.year_of_care.as_ref().is_some_and(|y| y.admission_hazard_ratio != 1.0)
    }

    /// The same spec with every activity-changing lever off (for the pilot).
    pub fn without_levers(&self) -> PaymentSpec {
        let mut s = self.clone();
        if let Some(y) = s.year_of_care.as_mut() {
            y.admission_hazard_ratio = 1.0;
        }
        s
    }

    /// The regime of one run: calibrated values filled in (block values net of the
    /// year-of-care carve-out, pool contributions, capitation and who funds it), with
    /// the run's year-of-care `enrolments`.
    pub fn regime(&self, calibration: &PaymentCalibration, enrolments: Vec<Enrolment>) -> Result<Regime, PaymentError> {
        let area = &self.area;
        let mut tariff = self.tariff.clone();
        if tariff.mret.enabled && tariff.mret.baseline_pence.is_none() {
            tariff.mret.baseline_pence = calibration.mret_baseline_pence;
        }
        let mut blocks = Vec::with_capacity(self.blocks.len());
        for (i, b) in self.blocks.iter().enumerate() {
            let value = b
                .annual_value_pence
                .or_else(|| calibration.block_values_pence.get(i).copied().flatten())
                .ok_or(PaymentError::InvalidParameter {
                    name: "payment.blocks.annual_value_pence",
                    reason: "not set and not calibrated".into(),
                })?;
            // Under year of care the enrolled people's share of the block is carved out:
            // the budget holder pays for their covered activity instead.
            let carved = match &self.year_of_care {
                Some(y) if b.services.services().any(|s| y.scope.covers(s)) => {
                    calibration.block_carve_out.get(i).copied().unwrap_or(0.0).clamp(0.0, 1.0)
                }
                _ => 0.0,
            };
            let value = value - value.scale(carved);
            let provider = match b.services.services().next() {
                Some(s) => area.services.provider_of(s)?,
                None => {
                    return Err(PaymentError::InvalidParameter {
                        name: "payment.blocks.services",
                        reason: "a block covers no service".into(),
                    });
                }
            };
            let mut block = BlockCover {
                contract: BlockContract {
                    payer: area.ccg,
                    provider,
                    annual_value_pence: value,
                    cap_collar: b.cap_collar,
                },
                services: b.services,
            };
            block.contract.payer = block.commissioner(area);
            blocks.push(block);
        }
        let contributions = || {
            calibration.pool_contributions_pence.ok_or(PaymentError::InvalidParameter {
                name: "payment.pool",
                reason: "pool contributions were not calibrated".into(),
            })
        };
        let pools = match &self.pool {
            PoolSpec::Separate => Vec::new(),
            PoolSpec::BetterCareFund => {
                let (ccg, council) = contributions()?;
                vec![PooledFund::calibrated(area, bcf_scope(), ccg, council)]
            }
            PoolSpec::SingleBudget { scope } => {
                let (ccg, council) = contributions()?;
                vec![PooledFund::calibrated(area, *scope, ccg, council)]
            }
        };
        // A block paid by a commissioner whose services a pool now pays is paid by the pool.
        for b in &mut blocks {
            if let Some(p) = pools.iter().find(|p| b.services.services().all(|s| p.scope.covers(s))) {
                b.contract.payer = p.pool;
            }
        }
        let year_of_care = match &self.year_of_care {
            None => None,
            Some(y) => Some(YocRegime {
                funding: calibration.capitation_funding.clone().unwrap_or_else(|| CapitationFunding::single(area.ccg)),
                holder: match (&y.holder, &calibration.alliance_shares) {
                    (BudgetHolder::Alliance(members), Some(shares)) if y.calibrate_alliance_shares => {
                        BudgetHolder::Alliance(members.iter().zip(shares).map(|((m, _), s)| (*m, *s)).collect())
                    }
                    (h, _) => h.clone(),
                },
                scope: y.scope,
                rates: y.capitation.or(calibration.capitation).ok_or(PaymentError::InvalidParameter {
                    name: "payment.year_of_care.capitation",
                    reason: "not set and not calibrated".into(),
                })?,
                corridor: y.corridor.clone(),
                outlier: y.outlier,
                basis: y.basis,
                enrolments,
            }),
        };
        Ok(Regime {
            tariff,
            blocks,
            charging: self.charging,
            pools,
            year_of_care,
            delay_reimbursement: self.delay_reimbursement,
            withheld_money: self.money.withheld_money,
        })
    }
}
