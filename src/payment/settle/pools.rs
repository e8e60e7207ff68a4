//! Pooled funds, last, once every flow they pay is known: contributions at the start of
//! each month, and the risk share at year end on the pool's net spend (outflows less
//! inflows, other than contributions and risk shares).

use super::{Book, Year};
use crate::money::Pence;
use crate::payment::ledger::{Account, Transaction};
use crate::payment::{MonthIndex, PaymentError};

/// Pools: contributions, then the year-end risk share.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    for p in &year.regime.pools {
        for m in year.first.0..=year.last.0 {
            book.ledger.extend(p.contribution_transactions(MonthIndex(m)));
        }
        let is_spend = |t: &&Transaction| {
            !t.is_earmark() && !matches!(t.account, Account::PoolContribution | Account::PoolRiskShare)
        };
        let txs = book.ledger.transactions();
        let out: Pence = txs.iter().filter(is_spend).filter(|t| t.payer == p.pool).map(|t| t.amount).sum();
        let back: Pence = txs.iter().filter(is_spend).filter(|t| t.payee == p.pool).map(|t| t.amount).sum();
        book.ledger.extend(p.year_end_transactions(out - back, year.last));
    }
    Ok(())
}
