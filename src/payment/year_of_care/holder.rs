//! Who holds the year-of-care budget (prime provider, prime contractor or alliance) and
//! how the holder pays the providers it sub-contracts (brief §2.5, \[KF-CONTRACT-2014\]).

use crate::money::Pence;
use crate::payment::ledger::{Account, Currency, Reason, Transaction};
use crate::payment::organisation::OrgId;
use crate::payment::{MonthIndex, PaymentError, Service, allocate, check_non_negative};

/// Who holds the year-of-care budget (brief §2.5, \[KF-CONTRACT-2014\]).
#[derive(Clone, Debug, PartialEq)]
pub enum BudgetHolder {
    /// One provider holds the budget, delivers some services and sub-contracts the rest
    /// (default: the ICO, brief §7.6).
    PrimeProvider(OrgId),
    /// One organisation holds the budget and sub-contracts every service.
    PrimeContractor(OrgId),
    /// Several providers share the budget and the risk by fixed shares; no sub-contracts.
    Alliance(Vec<(OrgId, f64)>),
}

impl BudgetHolder {
    /// The organisations paid capitation and their weights.
    pub fn holders(&self) -> Vec<(OrgId, f64)> {
        match self {
            BudgetHolder::PrimeProvider(h) | BudgetHolder::PrimeContractor(h) => vec![(*h, 1.0)],
            BudgetHolder::Alliance(m) => m.clone(),
        }
    }

    /// Checks an alliance has members with non-negative, not all zero shares.
    pub fn validate(&self) -> Result<(), PaymentError> {
        if let BudgetHolder::Alliance(m) = self {
            for (_, s) in m {
                check_non_negative("year_of_care.alliance.share", *s)?;
            }
            if m.iter().map(|(_, s)| s).sum::<f64>() <= 0.0 {
                return Err(PaymentError::InvalidParameter {
                    name: "year_of_care.alliance",
                    reason: "no member with a positive share".into(),
                });
            }
        }
        Ok(())
    }

    /// Transactions paying `amount` (capitation or a settlement) from `payer` to the
    /// holder(s), split by alliance share so that the parts sum to `amount`.
    pub fn pay(
        &self,
        payer: OrgId,
        amount: Pence,
        account: Account,
        reason: Reason,
        month: MonthIndex,
    ) -> Vec<Transaction> {
        let holders = self.holders();
        let weights: Vec<f64> = holders.iter().map(|h| h.1).collect();
        holders
            .iter()
            .zip(allocate(amount, &weights))
            .map(|((org, _), a)| Transaction {
                payer,
                payee: *org,
                account,
                month,
                currency: Currency::YearOfCare,
                reason,
                amount: a,
            })
            .collect()
    }
}

/// How a budget holder pays its sub-contractors for in-scope activity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SubContractBasis {
    /// The activity's price under the currency the sub-contractor would otherwise be
    /// paid (tariff, per hour, ...), as supplied in [`InScopeActivity::price_pence`].
    Price,
    /// Resource cost × (1 + markup).
    CostPlus(f64),
}

impl Default for SubContractBasis {
    /// `Price` (ASSUMPTION: sub-contracts replicate the national currencies).
    fn default() -> Self {
        SubContractBasis::Price
    }
}

/// In-scope activity delivered to an enrolled person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InScopeActivity {
    /// Provider that delivered it.
    pub provider: OrgId,
    /// Service.
    pub service: Service,
    /// Month.
    pub month: MonthIndex,
    /// Price under the provider's usual currency, pence.
    pub price_pence: Pence,
    /// Resource cost, pence.
    pub resource_cost_pence: Pence,
}

/// Sub-contract payments from the budget holder to the providers that delivered in-scope
/// activity: nothing for the holder's own activity, nothing in an alliance (members keep
/// their capitation shares).
pub fn sub_contract_transactions(
    holder: &BudgetHolder,
    activity: &[InScopeActivity],
    basis: SubContractBasis,
) -> Vec<Transaction> {
    let h = match holder {
        BudgetHolder::PrimeProvider(h) | BudgetHolder::PrimeContractor(h) => *h,
        BudgetHolder::Alliance(_) => return Vec::new(),
    };
    activity
        .iter()
        .filter(|a| a.provider != h)
        .map(|a| Transaction {
            payer: h,
            payee: a.provider,
            account: Account::SubContract,
            month: a.month,
            currency: Currency::SubContract,
            reason: Reason::SubContractedActivity,
            amount: match basis {
                SubContractBasis::Price => a.price_pence,
                SubContractBasis::CostPlus(markup) => a.resource_cost_pence.scale(1.0 + markup),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_holders_and_sub_contracts() {
        let (ccg, acute, community, ico) = (OrgId(0), OrgId(3), OrgId(4), OrgId(8));
        let act = |provider, price| InScopeActivity {
            provider,
            service: Service::AcuteEmergency,
            month: MonthIndex(1),
            price_pence: Pence(price),
            resource_cost_pence: Pence(price / 2),
        };
        let activity = [act(acute, 200_000), act(ico, 50_000), act(community, 10_000)];
        // Prime provider (ICO): pays the acute trust and the community provider at price,
        // not itself.
        let t = sub_contract_transactions(&BudgetHolder::PrimeProvider(ico), &activity, SubContractBasis::Price);
        assert_eq!(t.len(), 2);
        assert!(t.iter().all(|t| t.payer == ico && t.account == Account::SubContract));
        assert_eq!(t.iter().map(|t| t.amount).sum::<Pence>(), Pence(210_000));
        // Cost plus 10%: (100,000 + 5,000) × 1.1 = 115,500.
        let t =
            sub_contract_transactions(&BudgetHolder::PrimeProvider(ico), &activity, SubContractBasis::CostPlus(0.1));
        assert_eq!(t.iter().map(|t| t.amount).sum::<Pence>(), Pence(115_500));
        // Alliance: no sub-contracts; capitation £1,000 split 60/40 = £600 / £400.
        let alliance = BudgetHolder::Alliance(vec![(acute, 0.6), (community, 0.4)]);
        alliance.validate().unwrap();
        assert!(sub_contract_transactions(&alliance, &activity, SubContractBasis::Price).is_empty());
        let t = alliance.pay(ccg, Pence(100_000), Account::YocCapitation, Reason::PersonMonth, MonthIndex(0));
        assert_eq!(
            t.iter().map(|t| (t.payee, t.amount)).collect::<Vec<_>>(),
            vec![(acute, Pence(60_000)), (community, Pence(40_000))]
        );
        assert!(BudgetHolder::Alliance(vec![(acute, 0.0)]).validate().is_err());
    }
}
