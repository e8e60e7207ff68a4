//! Block contracts: each pays its provider twelve monthly instalments of its annual
//! value, whatever the activity.

use super::{Book, Year};
use crate::payment::{MonthIndex, PaymentError};

/// Blocks: 12 instalments.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    for b in &year.regime.blocks {
        for m in year.first.0..=year.last.0 {
            book.ledger.post(b.contract.monthly_transaction(MonthIndex(m)));
        }
    }
    Ok(())
}
