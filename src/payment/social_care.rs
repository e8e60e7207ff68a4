//! Adult social care commissioned by councils (brief §2.3): care paid per hour (home
//! care) or per week (care homes), with either a **means test** (England 2015/16 capital
//! limits) deciding the client contribution, or care **free at the point of need**
//! financed by recovery from estates at death (the seeds' alternative; brief §7.6).
//!
//! Rule (brief §2.3): each care hour or care-home week generates a resource cost; the
//! council pays `cost − client contribution` and the person pays the contribution. The
//! means test here is assessed per week of care ([`charge_week`]).

use super::ledger::{Account, Currency, Reason, Transaction};
use super::organisation::OrgId;
use super::{MonthIndex, PaymentError, check_fraction};
use crate::money::Pence;

/// Where care is delivered; residential settings count the home as capital.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CareSetting {
    /// Home care (non-residential): the home's value is not capital.
    HomeCare,
    /// Residential or nursing care home: the home's value is capital unless disregarded.
    CareHome,
}

/// Means test parameters; defaults are England 2015/16, frozen through 2020
/// \[SERENITY-2015\]\[CL-MEANS\]\[CC-2020\].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeansTestParams {
    /// Lower capital limit: capital below it is ignored. £14,250.
    pub lower_capital_limit_pence: Pence,
    /// Upper capital limit: above it the person is a self-funder and pays the full
    /// cost. £23,250.
    pub upper_capital_limit_pence: Pence,
    /// Tariff income step: £250 of capital above the lower limit ...
    pub tariff_income_step_pence: Pence,
    /// ... counts as £1 per week of income.
    pub tariff_income_per_step_per_week_pence: Pence,
    /// Personal Expenses Allowance kept from income in a care home: £24.90 per week
    /// (ASSUMPTION: the 2015/16 figure was not found; £24.90 is the commonly quoted
    /// value, the 2019/20 figure frozen for five years \[CC-2020\], brief §10.4).
    pub personal_expenses_allowance_per_week_pence: Pence,
    /// Minimum Income Guarantee left to a person receiving care at home: £185.45 per
    /// week, single person of pension credit age, 2015/16 (SI 2014/2672 reg. 7
    /// \[SI-2014-2672\], brief §10.4). Home care charges never take income below it.
    pub minimum_income_guarantee_per_week_pence: Pence,
    /// Charge tariff income between the limits (default true: the brief's rule).
    pub charge_tariff_income: bool,
    /// Also charge assessed weekly income above the allowance (default true: the Care
    /// Act 2014 charging rules leave the person the Minimum Income Guarantee at home and
    /// the Personal Expenses Allowance in a care home, and charge the rest).
    pub charge_income: bool,
}

impl Default for MeansTestParams {
    fn default() -> Self {
        MeansTestParams {
            lower_capital_limit_pence: Pence(1_425_000),
            upper_capital_limit_pence: Pence(2_325_000),
            tariff_income_step_pence: Pence(25_000),
            tariff_income_per_step_per_week_pence: Pence(100),
            personal_expenses_allowance_per_week_pence: Pence(2_490),
            minimum_income_guarantee_per_week_pence: Pence(18_545),
            charge_tariff_income: true,
            charge_income: true,
        }
    }
}

/// How councils charge for care (a policy lever, brief §7.6).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Charging {
    /// Means-tested charges (default).
    MeansTest(MeansTestParams),
    /// Free at the point of need; at death the council recovers
    /// `estate_recovery_fraction` of the cost it paid, up to the estate's value.
    FreeAtPointOfNeed {
        /// Share of the council's cost recovered from the estate.
        estate_recovery_fraction: f64,
    },
}

impl Default for Charging {
    fn default() -> Self {
        Charging::MeansTest(MeansTestParams::default())
    }
}

impl Charging {
    /// Checks the limits are ordered and the step positive, or the fraction in `[0, 1]`.
    pub fn validate(&self) -> Result<(), PaymentError> {
        match self {
            Charging::MeansTest(m) => {
                if m.lower_capital_limit_pence > m.upper_capital_limit_pence {
                    return Err(PaymentError::InvalidParameter {
                        name: "social_care.means_test.lower_capital_limit_pence",
                        reason: "above the upper capital limit".into(),
                    });
                }
                if m.tariff_income_step_pence <= Pence::ZERO {
                    return Err(PaymentError::InvalidParameter {
                        name: "social_care.means_test.tariff_income_step_pence",
                        reason: "must be positive".into(),
                    });
                }
                Ok(())
            }
            Charging::FreeAtPointOfNeed { estate_recovery_fraction } => {
                check_fraction("social_care.estate_recovery_fraction", *estate_recovery_fraction)
            }
        }
    }
}

/// A person's finances as the financial assessment sees them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientFinances {
    /// Savings and other capital excluding the home, pence.
    pub savings_pence: Pence,
    /// Value of the home, pence (0 if none).
    pub home_value_pence: Pence,
    /// True when the home is disregarded (e.g. a partner still lives there).
    pub home_disregarded: bool,
    /// Assessed weekly income, pence.
    pub weekly_income_pence: Pence,
}

impl ClientFinances {
    /// Capital counted in the means test: savings, plus the home for care-home
    /// residents unless disregarded.
    pub fn assessed_capital(&self, setting: CareSetting) -> Pence {
        match setting {
            CareSetting::CareHome if !self.home_disregarded => self.savings_pence + self.home_value_pence,
            _ => self.savings_pence,
        }
    }
}

/// Capital band of the means test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapitalBand {
    /// Below the lower limit: capital ignored.
    BelowLower,
    /// Between the limits (inclusive): tariff income applies.
    Between,
    /// Above the upper limit: self-funder.
    AboveUpper,
}

/// The capital band of `capital`.
pub fn capital_band(capital: Pence, params: &MeansTestParams) -> CapitalBand {
    if capital > params.upper_capital_limit_pence {
        CapitalBand::AboveUpper
    } else if capital < params.lower_capital_limit_pence {
        CapitalBand::BelowLower
    } else {
        CapitalBand::Between
    }
}

/// Weekly tariff income: £1 per whole £250 of capital above the lower limit
/// (ASSUMPTION: whole steps; the brief states "£1/week per £250"). The count of steps
/// is an integer division of pence by pence, not a rounding of money.
pub fn tariff_income_per_week(capital: Pence, params: &MeansTestParams) -> Pence {
    let above = (capital - params.lower_capital_limit_pence).max(Pence::ZERO);
    let steps = above.0 / params.tariff_income_step_pence.0.max(1);
    Pence(steps * params.tariff_income_per_step_per_week_pence.0)
}

impl MeansTestParams {
    /// Weekly income a person keeps in `setting`: the Minimum Income Guarantee at home,
    /// the Personal Expenses Allowance in a care home (Care Act 2014 charging rules).
    pub fn income_allowance(&self, setting: CareSetting) -> Pence {
        match setting {
            CareSetting::HomeCare => self.minimum_income_guarantee_per_week_pence,
            CareSetting::CareHome => self.personal_expenses_allowance_per_week_pence,
        }
    }
}

/// Weekly income above the setting's allowance ([`MeansTestParams::income_allowance`]):
/// what the person can pay from income without falling below it.
pub fn income_above_allowance(finances: &ClientFinances, setting: CareSetting, m: &MeansTestParams) -> Pence {
    (finances.weekly_income_pence - m.income_allowance(setting)).max(Pence::ZERO)
}

/// Who pays for one week of care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeekCharge {
    /// Resource cost of the week's care (price × hours, or the weekly price).
    pub cost_pence: Pence,
    /// Paid by the council: `cost − client`.
    pub council_pence: Pence,
    /// Paid by the person: the client contribution.
    pub client_pence: Pence,
    /// Part of `council_pence` deferred against the person's home under a deferred
    /// payment agreement: a debt to the council, recovered from the estate.
    pub deferred_pence: Pence,
    /// Capital band (`None` when care is free at the point of need).
    pub band: Option<CapitalBand>,
}

/// Charges one week of care costing `cost` (brief §2.3): under a means test, a
/// self-funder above the upper limit pays everything; between the limits the person
/// pays tariff income (and, if configured, income above the setting's allowance: the
/// Minimum Income Guarantee at home, the Personal Expenses Allowance in a care home),
/// at most the cost; below the lower limit only income (if configured). Free at the
/// point of need: the council pays everything now (see [`recovery_at_death`]).
pub fn charge_week(cost: Pence, finances: &ClientFinances, setting: CareSetting, charging: &Charging) -> WeekCharge {
    match charging {
        Charging::FreeAtPointOfNeed { .. } => WeekCharge {
            cost_pence: cost,
            council_pence: cost,
            client_pence: Pence::ZERO,
            deferred_pence: Pence::ZERO,
            band: None,
        },
        Charging::MeansTest(m) => {
            let capital = finances.assessed_capital(setting);
            let band = capital_band(capital, m);
            let income_part = if m.charge_income { income_above_allowance(finances, setting, m) } else { Pence::ZERO };
            let client = match band {
                CapitalBand::AboveUpper => cost,
                CapitalBand::Between => {
                    let tariff = if m.charge_tariff_income { tariff_income_per_week(capital, m) } else { Pence::ZERO };
                    (tariff + income_part).min(cost)
                }
                CapitalBand::BelowLower => income_part.min(cost),
            }
            .max(Pence::ZERO);
            WeekCharge {
                cost_pence: cost,
                council_pence: cost - client,
                client_pence: client,
                deferred_pence: Pence::ZERO,
                band: Some(band),
            }
        }
    }
}

/// One person's means-test position, carried from week to week and from year to year:
/// capital spent down by the charges paid from it, charges deferred against the home,
/// and what the council has paid for the person's care (for estate recovery).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CareAccount {
    /// Savings and other capital left, excluding the home, pence.
    pub savings_pence: Pence,
    /// Value of the home left to the person (0 once it has gone on care-home fees).
    pub home_value_pence: Pence,
    /// Charges deferred against the home under a deferred payment agreement: owed to
    /// the council and recovered from the estate.
    pub deferred_pence: Pence,
    /// Council payments for the person's care over every year so far.
    pub council_paid_pence: Pence,
    /// True when the person takes a deferred payment agreement where eligible.
    pub defers: bool,
}

impl CareAccount {
    /// The account at the start: the person's drawn finances, nothing paid or owed.
    pub fn open(finances: &ClientFinances, defers: bool) -> CareAccount {
        CareAccount {
            savings_pence: finances.savings_pence,
            home_value_pence: finances.home_value_pence,
            deferred_pence: Pence::ZERO,
            council_paid_pence: Pence::ZERO,
            defers,
        }
    }

    /// Finances as assessed now: `base` with capital as spent down.
    pub fn finances(&self, base: &ClientFinances) -> ClientFinances {
        ClientFinances { savings_pence: self.savings_pence, home_value_pence: self.home_value_pence, ..*base }
    }

    /// The estate at death before the council's claim: savings and home left.
    pub fn estate_pence(&self) -> Pence {
        self.savings_pence.max(Pence::ZERO) + self.home_value_pence.max(Pence::ZERO)
    }
}

/// Charges one week of care against a person's account (Care Act 2014 rules as in
/// [`charge_week`], plus):
///
/// * **spend-down**: what the person pays beyond their income above the allowance comes
///   out of their capital, savings first, then (in a care home, where it counts) the
///   home; so a self-funder becomes council-supported once capital falls below the
///   upper limit;
/// * **deferred payment**: a care-home resident whose home makes them a self-funder
///   while their other capital is below the upper limit, and who takes a deferred
///   payment agreement, is charged as if the home were disregarded; the council pays
///   the rest now and the whole of it is owed back ([`WeekCharge::deferred_pence`]);
/// * what the council pays is added to the account, for estate recovery over every
///   year of care ([`recovery_at_death`]).
pub fn charge_week_on_account(
    cost: Pence,
    base: &ClientFinances,
    account: &mut CareAccount,
    setting: CareSetting,
    charging: &Charging,
) -> WeekCharge {
    let now = account.finances(base);
    let charge = match charging {
        Charging::MeansTest(m)
            if setting == CareSetting::CareHome
                && account.defers
                && !base.home_disregarded
                && account.home_value_pence > Pence::ZERO
                && capital_band(now.assessed_capital(setting), m) == CapitalBand::AboveUpper
                && capital_band(now.savings_pence, m) != CapitalBand::AboveUpper =>
        {
            let mut w = charge_week(cost, &ClientFinances { home_disregarded: true, ..now }, setting, charging);
            w.deferred_pence = w.council_pence;
            w
        }
        _ => charge_week(cost, &now, setting, charging),
    };
    if let Charging::MeansTest(m) = charging {
        let from_capital = (charge.client_pence - income_above_allowance(&now, setting, m)).max(Pence::ZERO);
        let from_savings = from_capital.min(account.savings_pence.max(Pence::ZERO));
        account.savings_pence -= from_savings;
        let rest = from_capital - from_savings;
        if rest > Pence::ZERO && setting == CareSetting::CareHome && !base.home_disregarded {
            let from_home = rest.min(account.home_value_pence.max(Pence::ZERO));
            account.home_value_pence -= from_home;
        }
    }
    account.council_paid_pence += charge.council_pence;
    account.deferred_pence += charge.deferred_pence;
    charge
}

/// What the council recovers from a person's estate at death: under free care,
/// `estate_recovery_fraction` of everything it paid for the person's care over every
/// year ([`CareAccount::council_paid_pence`]); under a means test, the charges
/// deferred against the home. Never more than the estate.
pub fn recovery_at_death(account: &CareAccount, charging: &Charging) -> Pence {
    let claim = match charging {
        Charging::FreeAtPointOfNeed { estate_recovery_fraction } => {
            account.council_paid_pence.scale(*estate_recovery_fraction)
        }
        Charging::MeansTest(_) => account.deferred_pence,
    };
    claim.min(account.estate_pence()).max(Pence::ZERO)
}

/// Cost of `hours` of home care at `price_per_hour`, rounded once.
pub fn cost_of_hours(hours: f64, price_per_hour: Pence) -> Pence {
    price_per_hour.scale(hours)
}

/// Estate recovery at death under free care: `fraction × council cost paid`, at most
/// the estate's value. Zero under a means test.
pub fn estate_recovery(council_cost_paid: Pence, estate_value: Pence, charging: &Charging) -> Pence {
    match charging {
        Charging::FreeAtPointOfNeed { estate_recovery_fraction } => {
            council_cost_paid.scale(*estate_recovery_fraction).min(estate_value.max(Pence::ZERO))
        }
        Charging::MeansTest(_) => Pence::ZERO,
    }
}

/// The transactions of a charged week: council → provider and person → provider.
pub fn week_transactions(
    charge: &WeekCharge,
    council: OrgId,
    person: OrgId,
    provider: OrgId,
    setting: CareSetting,
    month: MonthIndex,
) -> [Transaction; 2] {
    let reason = match setting {
        CareSetting::HomeCare => Reason::CareHours,
        CareSetting::CareHome => Reason::CareWeeks,
    };
    let t = |payer, account, amount| Transaction {
        payer,
        payee: provider,
        account,
        month,
        currency: Currency::SocialCare,
        reason,
        amount,
    };
    [t(council, Account::Income, charge.council_pence), t(person, Account::ClientContribution, charge.client_pence)]
}

/// The estate recovery transaction: person → council at death.
pub fn estate_recovery_transaction(amount: Pence, person: OrgId, council: OrgId, month: MonthIndex) -> Transaction {
    Transaction {
        payer: person,
        payee: council,
        account: Account::EstateRecovery,
        month,
        currency: Currency::SocialCare,
        reason: Reason::Death,
        amount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARE_HOME_WEEK: Pence = Pence(54_900); // £549 residential 65+, 2015/16 [ASC-1617]

    fn finances(savings_pounds: i64) -> ClientFinances {
        ClientFinances { savings_pence: Pence(savings_pounds * 100), ..Default::default() }
    }

    #[test]
    fn capital_bands_2015_16() {
        let m = MeansTestParams::default();
        assert_eq!(capital_band(Pence(1_424_999), &m), CapitalBand::BelowLower);
        assert_eq!(capital_band(Pence(1_425_000), &m), CapitalBand::Between);
        assert_eq!(capital_band(Pence(2_325_000), &m), CapitalBand::Between);
        assert_eq!(capital_band(Pence(2_325_001), &m), CapitalBand::AboveUpper);
    }

    #[test]
    fn means_test_bands_worked_examples() {
        let c = Charging::default();
        // £10,000 savings: below £14,250, council pays all £549.
        let w = charge_week(CARE_HOME_WEEK, &finances(10_000), CareSetting::CareHome, &c);
        assert_eq!((w.council_pence, w.client_pence), (CARE_HOME_WEEK, Pence::ZERO));
        // £18,000: (18,000 − 14,250) / 250 = 15 steps → £15/week tariff income;
        // council £549 − £15 = £534.
        let w = charge_week(CARE_HOME_WEEK, &finances(18_000), CareSetting::CareHome, &c);
        assert_eq!((w.client_pence, w.council_pence), (Pence(1_500), Pence(53_400)));
        // £18,100: 3,850 / 250 = 15.4 → still 15 whole steps.
        assert_eq!(tariff_income_per_week(Pence(1_810_000), &MeansTestParams::default()), Pence(1_500));
        // £30,000: self-funder pays the full £549.
        let w = charge_week(CARE_HOME_WEEK, &finances(30_000), CareSetting::CareHome, &c);
        assert_eq!(
            (w.client_pence, w.council_pence, w.band),
            (CARE_HOME_WEEK, Pence::ZERO, Some(CapitalBand::AboveUpper))
        );
    }

    #[test]
    fn home_counts_only_in_residential_care() {
        // £5,000 savings and a £150,000 home: at home the capital is £5,000 (council
        // pays); in a care home it is £155,000 (self-funder) unless the home is disregarded.
        let f =
            ClientFinances { savings_pence: Pence(500_000), home_value_pence: Pence(15_000_000), ..Default::default() };
        let c = Charging::default();
        // 10 hours of home care at £13.77 = £137.70.
        let cost = cost_of_hours(10.0, Pence(1_377));
        assert_eq!(cost, Pence(13_770));
        assert_eq!(charge_week(cost, &f, CareSetting::HomeCare, &c).client_pence, Pence::ZERO);
        assert_eq!(charge_week(CARE_HOME_WEEK, &f, CareSetting::CareHome, &c).client_pence, CARE_HOME_WEEK);
        let d = ClientFinances { home_disregarded: true, ..f };
        assert_eq!(charge_week(CARE_HOME_WEEK, &d, CareSetting::CareHome, &c).client_pence, Pence::ZERO);
    }

    #[test]
    fn income_charging_keeps_the_allowance() {
        // Income £150/week, allowance £24.90: £125.10 charged; with £18,000 savings
        // add £15 tariff income → £140.10; council pays £549 − £140.10 = £408.90.
        let m = MeansTestParams { charge_income: true, ..Default::default() };
        let f = ClientFinances { weekly_income_pence: Pence(15_000), ..finances(18_000) };
        let w = charge_week(CARE_HOME_WEEK, &f, CareSetting::CareHome, &Charging::MeansTest(m));
        assert_eq!((w.client_pence, w.council_pence), (Pence(14_010), Pence(40_890)));
        // Contribution never exceeds the cost: a £100 week is fully paid by the person.
        let w = charge_week(Pence(10_000), &f, CareSetting::CareHome, &Charging::MeansTest(m));
        assert_eq!((w.client_pence, w.council_pence), (Pence(10_000), Pence::ZERO));
    }

    #[test]
    fn free_care_with_estate_recovery() {
        let c = Charging::FreeAtPointOfNeed { estate_recovery_fraction: 0.5 };
        c.validate().unwrap();
        // A self-funder's week is free at the point of need.
        let w = charge_week(CARE_HOME_WEEK, &finances(30_000), CareSetting::CareHome, &c);
        assert_eq!((w.council_pence, w.client_pence, w.band), (CARE_HOME_WEEK, Pence::ZERO, None));
        // 52 weeks × £549 = £28,548 paid; half recovered = £14,274 from a £100,000 estate,
        // but only £9,000 from a £9,000 estate.
        let paid = Pence(52 * 54_900);
        assert_eq!(estate_recovery(paid, Pence(10_000_000), &c), Pence(1_427_400));
        assert_eq!(estate_recovery(paid, Pence(900_000), &c), Pence(900_000));
        assert_eq!(estate_recovery(paid, Pence(10_000_000), &Charging::default()), Pence::ZERO);
        assert!(Charging::FreeAtPointOfNeed { estate_recovery_fraction: 2.0 }.validate().is_err());
    }

    #[test]
    fn home_care_keeps_the_minimum_income_guarantee() {
        // Income £200 a week, capital below the lower limit, income charged: at home
        // the person keeps the MIG (£185.45) and pays £14.55; in a care home they keep
        // the PEA (£24.90) and pay £175.10.
        let m = MeansTestParams { charge_income: true, ..Default::default() };
        let c = Charging::MeansTest(m);
        let f = ClientFinances { weekly_income_pence: Pence(20_000), ..finances(5_000) };
        assert_eq!(charge_week(Pence(30_000), &f, CareSetting::HomeCare, &c).client_pence, Pence(1_455));
        assert_eq!(charge_week(CARE_HOME_WEEK, &f, CareSetting::CareHome, &c).client_pence, Pence(17_510));
        // A basic State Pension (£115.95) is below the MIG: nothing charged at home.
        let pension = ClientFinances { weekly_income_pence: Pence(11_595), ..f };
        assert_eq!(charge_week(Pence(30_000), &pension, CareSetting::HomeCare, &c).client_pence, Pence::ZERO);
        assert_eq!(m.income_allowance(CareSetting::HomeCare), Pence(18_545));
    }

    #[test]
    fn self_funders_spend_down_to_the_upper_limit() {
        // £30,000 savings, home care at £300 a week, no income: the person pays the
        // full £300 from savings while they are above £23,250, i.e. for
        // ceil((30,000 − 23,250) / 300) = 23 weeks (£23,100 left), then tariff income:
        // (23,100 − 14,250) / 250 = 35 steps = £35 a week.
        let c = Charging::default();
        let base = finances(30_000);
        let mut a = CareAccount::open(&base, false);
        let weeks: Vec<WeekCharge> =
            (0..30).map(|_| charge_week_on_account(Pence(30_000), &base, &mut a, CareSetting::HomeCare, &c)).collect();
        assert!(weeks[..23].iter().all(|w| w.client_pence == Pence(30_000)));
        assert_eq!(weeks[23].client_pence, Pence(3_500));
        assert_eq!(weeks[23].council_pence, Pence(26_500));
        // Capital falls by exactly what the person paid (no income to pay from).
        let paid: Pence = weeks.iter().map(|w| w.client_pence).sum();
        assert_eq!(a.savings_pence, Pence(3_000_000) - paid);
        assert_eq!(a.council_paid_pence, weeks.iter().map(|w| w.council_pence).sum::<Pence>());
        assert_eq!(a.deferred_pence, Pence::ZERO);
    }

    #[test]
    fn deferred_payments_are_recovered_from_the_estate() {
        // £10,000 savings and a £150,000 home, in a care home at £549 a week. Without a
        // deferred payment agreement the home makes them a self-funder and the fees
        // come out of savings, then the home. With one, the council pays now and the
        // debt is recovered at death.
        let c = Charging::default();
        let base = ClientFinances { home_value_pence: Pence(15_000_000), ..finances(10_000) };
        let mut sells = CareAccount::open(&base, false);
        let w = charge_week_on_account(CARE_HOME_WEEK, &base, &mut sells, CareSetting::CareHome, &c);
        assert_eq!((w.client_pence, w.deferred_pence), (CARE_HOME_WEEK, Pence::ZERO));
        assert_eq!(sells.savings_pence, Pence(1_000_000 - 54_900));
        let mut defers = CareAccount::open(&base, true);
        for _ in 0..10 {
            let w = charge_week_on_account(CARE_HOME_WEEK, &base, &mut defers, CareSetting::CareHome, &c);
            assert_eq!(
                (w.client_pence, w.council_pence, w.deferred_pence),
                (Pence::ZERO, CARE_HOME_WEEK, CARE_HOME_WEEK)
            );
        }
        assert_eq!(defers.deferred_pence, Pence(549_000));
        assert_eq!(recovery_at_death(&defers, &c), Pence(549_000));
        // A debt larger than the estate is recovered only up to the estate.
        let poor = CareAccount { savings_pence: Pence(100_000), home_value_pence: Pence(200_000), ..defers };
        assert_eq!(recovery_at_death(&poor, &c), Pence(300_000));
        // Home care never touches the home, deferred or not.
        let w = charge_week_on_account(Pence(20_000), &base, &mut defers, CareSetting::HomeCare, &c);
        assert_eq!((w.client_pence, w.deferred_pence), (Pence::ZERO, Pence::ZERO));
        assert_eq!(defers.home_value_pence, Pence(15_000_000));
    }

    #[test]
    fn estate_recovery_counts_every_year_of_care() {
        // Free care, 50% recovery: two years of 52 care-home weeks each are paid by the
        // council; at death half of both years is recovered, not half of the last.
        let c = Charging::FreeAtPointOfNeed { estate_recovery_fraction: 0.5 };
        let base = ClientFinances { home_value_pence: Pence(20_000_000), ..finances(30_000) };
        let mut a = CareAccount::open(&base, false);
        for _ in 0..104 {
            let w = charge_week_on_account(CARE_HOME_WEEK, &base, &mut a, CareSetting::CareHome, &c);
            assert_eq!(w.council_pence, CARE_HOME_WEEK);
        }
        assert_eq!(a.council_paid_pence, Pence(104 * 54_900));
        assert_eq!(recovery_at_death(&a, &c), Pence(52 * 54_900));
        // Free care spends none of the person's capital.
        assert_eq!(a.estate_pence(), Pence(3_000_000 + 20_000_000));
    }

    #[test]
    fn week_transactions_split_cost() {
        let w = charge_week(CARE_HOME_WEEK, &finances(18_000), CareSetting::CareHome, &Charging::default());
        let [council, person] =
            week_transactions(&w, OrgId(1), OrgId(9), OrgId(6), CareSetting::CareHome, MonthIndex(2));
        assert_eq!(council.amount + person.amount, CARE_HOME_WEEK);
        assert_eq!(person.account, Account::ClientContribution);
        assert_eq!(person.payer, OrgId(9));
    }
}
