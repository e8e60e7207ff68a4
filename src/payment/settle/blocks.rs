//! Block contracts: each pays its provider twelve monthly instalments of its annual
//! value, whatever the activity, then settles its cap and collar, if it has one, on the
//! year's units of the covered services.

use super::{Book, Year};
use crate::payment::{MonthIndex, PaymentError};

/// Blocks: 12 instalments and the year-end cap/collar adjustment.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    for (i, b) in year.regime.blocks.iter().enumerate() {
        b.contract.validate()?;
        for m in year.first.0..=year.last.0 {
            book.ledger.post(b.contract.monthly_transaction(MonthIndex(m)));
        }
        let units = book.block_units.get(i).copied().unwrap_or(0.0);
        book.ledger.post(b.contract.year_end_transaction(units, year.last));
    }
    Ok(())
}
