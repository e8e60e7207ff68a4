//! Money withheld under R6 (MRET) and R7 (readmissions) is spent at year end, by the
//! rule in force ([`crate::payment::reinvestment`]). Spent, it is part of its payer's net
//! spend on the service it was withheld from (so a pool that pays acute care is funded
//! for it and its contributor meets it, as without the pool).

use super::{Book, Year};
use crate::payment::PaymentError;
use crate::payment::reinvestment::{WithheldMoney, reinvestment_transactions};

/// The year's withheld money, spent (or kept).
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    let spent = reinvestment_transactions(&book.ledger, year.regime.withheld_money, year.last).ok_or(
        PaymentError::InvalidParameter { name: "ledger", reason: "withheld money overflows 64-bit pence".into() },
    )?;
    book.ledger.extend(spent);
    if matches!(year.regime.withheld_money, WithheldMoney::SpentBy { .. }) {
        for (key, amount) in std::mem::take(&mut book.withheld) {
            *book.spend.entry(key).or_default() += amount;
        }
    }
    Ok(())
}
