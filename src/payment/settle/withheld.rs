//! Money withheld under R6 (MRET) and R7 (readmissions) is spent at year end, by the
//! rule in force ([`crate::payment::reinvestment`]).

use super::{Book, Year};
use crate::payment::PaymentError;
use crate::payment::reinvestment::reinvestment_transactions;

/// The year's withheld money, spent (or kept).
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    let spent = reinvestment_transactions(&book.ledger, year.regime.withheld_money, year.last).ok_or(
        PaymentError::InvalidParameter { name: "ledger", reason: "withheld money overflows 64-bit pence".into() },
    )?;
    book.ledger.extend(spent);
    Ok(())
}
