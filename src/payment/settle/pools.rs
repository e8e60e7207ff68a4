//! Pooled funds, last, once every flow they pay is known: contributions at the start of
//! each month, and the risk share at year end on the pool's net spend (outflows less
//! inflows, other than contributions and risk shares), attributed to the contributor
//! that commissions each service without the pool
//! ([`PooledFund::year_end_by_commissioner`](crate::payment::pooled::PooledFund::year_end_by_commissioner)).

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
        // The pool's spend by the contributor that commissions each service without it:
        // per-activity payments and recoveries by service, and blocks by their services.
        let owner = |service| year.area.commissioner_of(service);
        let attributed: Vec<Pence> = p
            .contributions
            .iter()
            .map(|c| {
                let activity: Pence = book
                    .spend
                    .iter()
                    .filter(|((payer, service), _)| *payer == p.pool && owner(*service) == c.contributor)
                    .map(|(_, a)| *a)
                    .sum();
                // The pool's block payments (instalments and any cap/collar adjustment),
                // by the commissioner of the block's services.
                let owns = |provider| {
                    year.regime.blocks.iter().any(|b| {
                        b.contract.payer == p.pool
                            && b.contract.provider == provider
                            && b.commissioner(year.area) == c.contributor
                    })
                };
                // (A collar's refund is posted as a flow from the provider to the pool.)
                let blocks: Pence = txs
                    .iter()
                    .filter(|t| t.account == Account::Block)
                    .map(|t| match (t.payer == p.pool && owns(t.payee), t.payee == p.pool && owns(t.payer)) {
                        (true, _) => t.amount,
                        (_, true) => -t.amount,
                        _ => Pence::ZERO,
                    })
                    .sum();
                activity + blocks
            })
            .collect();
        book.ledger.extend(p.year_end_by_commissioner(out - back, &attributed, year.last));
    }
    Ok(())
}
