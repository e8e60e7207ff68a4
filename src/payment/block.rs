//! Block contracts (brief §2.2): a fixed annual sum for a service irrespective of
//! activity, paid monthly, with optional "crude" risk sharing by a cap and a collar on
//! activity \[HFMA-2019\]. Default: no cap or collar (ASSUMPTION).

use super::ledger::{Account, Currency, Reason, Transaction};
use super::organisation::OrgId;
use super::{MonthIndex, PaymentError, Scope, Service, check_non_negative, instalment};
use crate::money::Pence;

/// Cap and collar on activity, settled at year end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CapCollar {
    /// Planned activity per year (units of the service: contacts, bed-days, ...).
    pub planned_units_per_year: f64,
    /// Activity above `cap × planned` is paid extra at the marginal price (e.g. 1.1).
    pub cap: f64,
    /// Activity below `collar × planned` is clawed back at the marginal price (e.g. 0.9).
    pub collar: f64,
    /// Price per unit outside the corridor, pence.
    pub marginal_price_pence: Pence,
}

/// The unit in which a cap and collar counts activity of `service`: the unit of the
/// activity records the simulation keeps (bed-days, days, visits, hours, weeks,
/// contacts), or `None` for a service whose activity is not counted in units (acute
/// spells and attendances are paid by the tariff).
pub const fn activity_unit(service: Service) -> Option<&'static str> {
    match service {
        Service::IntermediateCare | Service::Reablement => Some("day"),
        Service::CommunityNursing => Some("visit"),
        Service::HomeCare => Some("hour"),
        Service::CareHome => Some("week"),
        Service::PrimaryCare => Some("contact"),
        _ => None,
    }
}

/// The one unit in which a cap and collar on a block covering `services` counts
/// activity, or why there is none (services counted in different units, or in none).
pub fn cap_collar_unit(services: Scope) -> Result<&'static str, String> {
    let mut unit = None;
    for s in services.services() {
        let Some(u) = activity_unit(s) else {
            return Err(format!("{} has no activity units a cap and collar can count", s.name()));
        };
        match unit {
            None => unit = Some(u),
            Some(v) if v != u => {
                return Err(format!(
                    "a cap and collar counts one unit of activity, but the block's services are counted in {v}s \
                     and {u}s; give each service its own block"
                ));
            }
            Some(_) => {}
        }
    }
    unit.ok_or_else(|| "the block covers no service".to_string())
}

/// A block contract from a payer to a provider.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockContract {
    /// Payer (CCG, council or pool).
    pub payer: OrgId,
    /// Provider.
    pub provider: OrgId,
    /// Annual value, pence.
    pub annual_value_pence: Pence,
    /// Optional cap and collar; `None` (default, ASSUMPTION) = pure block.
    pub cap_collar: Option<CapCollar>,
}

impl BlockContract {
    /// Checks the cap and collar: non-negative, collar ≤ cap.
    pub fn validate(&self) -> Result<(), PaymentError> {
        if let Some(c) = self.cap_collar {
            check_non_negative("block.cap_collar.planned_units_per_year", c.planned_units_per_year)?;
            check_non_negative("block.cap_collar.cap", c.cap)?;
            check_non_negative("block.cap_collar.collar", c.collar)?;
            if c.collar > c.cap {
                return Err(PaymentError::InvalidParameter {
                    name: "block.cap_collar.collar",
                    reason: format!("collar {} is above cap {}", c.collar, c.cap),
                });
            }
        }
        Ok(())
    }

    /// The instalment for `month`: `annual / 12`, with pennies spread so that the 12
    /// instalments of a year sum to the annual value exactly ([`instalment`]).
    pub fn monthly_payment(&self, month: MonthIndex) -> Pence {
        instalment(self.annual_value_pence, month.month_in_year() as u32, 12)
    }

    /// The instalment for `month` as a transaction.
    pub fn monthly_transaction(&self, month: MonthIndex) -> Transaction {
        Transaction {
            payer: self.payer,
            payee: self.provider,
            account: Account::Block,
            month,
            currency: Currency::Block,
            reason: Reason::MonthlyInstalment,
            amount: self.monthly_payment(month),
        }
    }

    /// Year-end cap/collar adjustment for `actual_units` of activity in the year:
    /// `(actual − cap × planned) × price` paid extra when above the cap, and
    /// `−(collar × planned − actual) × price` (claw-back, negative) when below the
    /// collar; zero inside the corridor or without a cap/collar.
    pub fn year_end_adjustment(&self, actual_units: f64) -> Pence {
        let Some(c) = self.cap_collar else { return Pence::ZERO };
        let cap_units = c.cap * c.planned_units_per_year;
        let collar_units = c.collar * c.planned_units_per_year;
        if actual_units > cap_units {
            c.marginal_price_pence.scale(actual_units - cap_units)
        } else if actual_units < collar_units {
            -c.marginal_price_pence.scale(collar_units - actual_units)
        } else {
            Pence::ZERO
        }
    }

    /// The year-end adjustment as a transaction in `month` (a negative amount becomes a
    /// provider → payer flow when posted to a ledger).
    pub fn year_end_transaction(&self, actual_units: f64, month: MonthIndex) -> Transaction {
        Transaction {
            payer: self.payer,
            payee: self.provider,
            account: Account::Block,
            month,
            currency: Currency::Block,
            reason: Reason::YearEnd,
            amount: self.year_end_adjustment(actual_units),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(cap_collar: Option<CapCollar>) -> BlockContract {
        BlockContract { payer: OrgId(0), provider: OrgId(4), annual_value_pence: Pence(1_000_000_000), cap_collar }
    }

    #[test]
    fn monthly_instalments_sum_to_annual_value_whatever_the_activity() {
        // £10m a year: £833,333.33 a month; 12 instalments sum to exactly £10m.
        let b = contract(None);
        let months: Vec<Pence> = (0..12).map(|m| b.monthly_payment(MonthIndex(m))).collect();
        assert_eq!(months[0], Pence(83_333_333));
        assert_eq!(months.iter().copied().sum::<Pence>(), Pence(1_000_000_000));
        // Second year repeats the first.
        assert_eq!(b.monthly_payment(MonthIndex(12)), months[0]);
        // Pure block: no year-end adjustment at any activity level.
        assert_eq!(b.year_end_adjustment(0.0), Pence::ZERO);
        assert_eq!(b.year_end_adjustment(1e6), Pence::ZERO);
        assert_eq!(b.monthly_transaction(MonthIndex(3)).account, Account::Block);
    }

    #[test]
    fn cap_and_collar() {
        // Planned 10,000 contacts, cap 110%, collar 90%, £32 a contact (district nurse visit).
        let cc =
            CapCollar { planned_units_per_year: 10_000.0, cap: 1.1, collar: 0.9, marginal_price_pence: Pence(3_200) };
        let b = contract(Some(cc));
        b.validate().unwrap();
        // 11,500 contacts: 500 above the cap of 11,000 → +£16,000.
        assert_eq!(b.year_end_adjustment(11_500.0), Pence(1_600_000));
        // 8,000 contacts: 1,000 below the collar of 9,000 → −£32,000 claw-back.
        assert_eq!(b.year_end_adjustment(8_000.0), Pence(-3_200_000));
        // Inside the corridor: nothing.
        assert_eq!(b.year_end_adjustment(10_900.0), Pence::ZERO);
        assert_eq!(b.year_end_adjustment(9_000.0), Pence::ZERO);
        let bad = contract(Some(CapCollar { collar: 1.2, ..cc }));
        assert!(bad.validate().is_err());
    }

    #[test]
    fn a_cap_and_collar_counts_one_unit() {
        let ic = Scope::of(&[Service::IntermediateCare, Service::Reablement]);
        assert_eq!(cap_collar_unit(ic), Ok("day"));
        assert_eq!(cap_collar_unit(Scope::of(&[Service::CommunityNursing])), Ok("visit"));
        let mixed = cap_collar_unit(ic.with(Service::CommunityNursing)).unwrap_err();
        assert!(mixed.contains("days") && mixed.contains("visits"), "{mixed}");
        assert!(cap_collar_unit(Scope::of(&[Service::AcuteEmergency])).is_err());
        assert!(cap_collar_unit(Scope::EMPTY).is_err());
    }
}
