//! Withheld money is spent, not saved (brief §2.1.2 R6, R7; §10.5).
//!
//! MRET retention and unpaid readmissions are recorded as earmarks in the commissioner's
//! reinvestment account ([`Account::MretWithheld`], [`Account::ReadmissionWithheld`]).
//! The rules of the time said what that money was for: in 2014/15 the withheld 70% of
//! MRET was to be spent by commissioners on demand management and improved discharge,
//! services that avoid admission or let hospitals discharge earlier
//! \[HFMA-MRET-2013\]\[DH-MRET-2014\]; money withheld for readmissions funds reablement
//! and post-discharge support \[HFMA-2011b\]\[HFMA-2012\]. So by default it is paid, at the
//! year end in which it was withheld (ASSUMPTION: spent within the year), to the provider
//! of those services ([`WithheldMoney::SpentBy`]); a commissioner that kept it
//! ([`WithheldMoney::Retained`], a sensitivity setting) would report a saving that the
//! acute trust's loss pays for.
//!
//! The money moves between public bodies, so it changes neither resource cost nor the
//! consolidated public spend ([`super::ledger::Ledger::consolidated`]). It buys no extra
//! activity in the simulation (the activity of a run is fixed before money is settled).

use super::MonthIndex;
use super::ledger::{Account, Currency, Ledger, Reason, Transaction};
use super::organisation::OrgId;
use crate::money::Pence;

/// Where money withheld under R6 and R7 goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WithheldMoney {
    /// The commissioner keeps it (counted as its saving).
    Retained,
    /// The commissioner pays it to this provider at year end (default: the community
    /// provider, which delivers reablement and intermediate care in the default area).
    SpentBy {
        /// The provider that receives it.
        provider: OrgId,
    },
}

/// The accounts whose earmarks are withheld money.
pub const WITHHELD_ACCOUNTS: [Account; 2] = [Account::MretWithheld, Account::ReadmissionWithheld];

/// Money withheld by each payer in `ledger` (earmarks in [`WITHHELD_ACCOUNTS`]), in payer
/// order; checked sums (`None` on overflow).
pub fn withheld_by_payer(ledger: &Ledger) -> Option<Vec<(OrgId, Pence)>> {
    let mut by: std::collections::BTreeMap<OrgId, i64> = Default::default();
    for t in ledger.transactions().iter().filter(|t| t.is_earmark() && WITHHELD_ACCOUNTS.contains(&t.account)) {
        let e = by.entry(t.payer).or_default();
        *e = e.checked_add(t.amount.0)?;
    }
    Some(by.into_iter().map(|(o, a)| (o, Pence(a))).collect())
}

/// The transactions that spend the withheld money of `ledger` under `rule`, in `month`
/// (the year's last): one per payer with money withheld, to the destination provider.
/// None under [`WithheldMoney::Retained`]; `None` on overflow.
pub fn reinvestment_transactions(ledger: &Ledger, rule: WithheldMoney, month: MonthIndex) -> Option<Vec<Transaction>> {
    let WithheldMoney::SpentBy { provider } = rule else {
        return Some(Vec::new());
    };
    Some(
        withheld_by_payer(ledger)?
            .into_iter()
            .filter(|(_, amount)| *amount != Pence::ZERO)
            .map(|(payer, amount)| Transaction {
                payer,
                payee: provider,
                account: Account::Reinvestment,
                month,
                currency: Currency::Tariff,
                reason: Reason::YearEnd,
                amount,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::organisation::TypicalArea;
    use super::*;

    fn earmark(org: OrgId, account: Account, amount: i64) -> Transaction {
        Transaction {
            payer: org,
            payee: org,
            account,
            month: MonthIndex(11),
            currency: Currency::Tariff,
            reason: Reason::YearEnd,
            amount: Pence(amount),
        }
    }

    #[test]
    fn withheld_money_is_spent_and_moves_nothing_else() {
        let a = TypicalArea::new();
        let mut l = Ledger::new();
        l.post(Transaction { account: Account::Income, payee: a.acute, ..earmark(a.ccg, Account::Income, 500_000) });
        l.post(earmark(a.ccg, Account::MretWithheld, 120_000));
        l.post(earmark(a.ccg, Account::ReadmissionWithheld, 30_000));
        l.post(earmark(a.pool, Account::ReadmissionWithheld, 7_000));
        // An earmark in another account is not withheld money.
        l.post(earmark(a.council, Account::Block, 9_999));
        assert_eq!(withheld_by_payer(&l).unwrap(), vec![(a.ccg, Pence(150_000)), (a.pool, Pence(7_000))]);
        let rule = WithheldMoney::SpentBy { provider: a.community };
        let txs = reinvestment_transactions(&l, rule, MonthIndex(11)).unwrap();
        assert_eq!(txs.len(), 2);
        assert!(txs.iter().all(|t| t.payee == a.community && t.account == Account::Reinvestment));
        let before_ccg = l.net_balance(a.ccg);
        l.extend(txs);
        l.check_balanced().unwrap();
        // The CCG spends what it withheld; the provider receives it.
        assert_eq!(l.net_balance(a.ccg), before_ccg - Pence(150_000));
        assert_eq!(l.account_balance(a.community, Account::Reinvestment), Pence(157_000));
        // Retained: nothing is paid.
        assert!(reinvestment_transactions(&l, WithheldMoney::Retained, MonthIndex(11)).unwrap().is_empty());
    }
}
