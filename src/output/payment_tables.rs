//! The money tables of a run: `economy` (the area-level metrics, one row per metric),
//! `ledger` (transactions summed by payer, payee, account and month) and `org_year`
//! (each organisation's income, resource cost, surplus and public spend per year).

use super::{OutputError, ParquetSink, run_file_name};
use crate::flow::RunOutput;
use crate::payment::ledger::Account;
use crate::summary::area::{ECONOMY_METRICS, RunEconomy};
use polars::prelude::*;

impl ParquetSink {
    /// Writes `economy` for a cohort run, and `ledger` and `org_year` when it was settled.
    pub(super) fn write_payment_tables(&self, out: &RunOutput) -> Result<(), OutputError> {
        if out.population == 0 {
            return Ok(());
        }
        let k = out.key;
        let file = run_file_name(k);
        let keyed = |n: usize| self.key_columns(k, n);
        let frame = |table: &'static str, cols: Vec<Column>, rest: Vec<Column>| self.keyed_frame(table, k, cols, rest);
        let registry = self.registries[k.scenario as usize].as_ref();
        let economy = RunEconomy::of(out, registry);
        let n = ECONOMY_METRICS.len();
        let table = frame(
            "economy",
            keyed(n),
            vec![
                Column::new("metric".into(), ECONOMY_METRICS.as_slice()),
                Column::new("value".into(), economy.values.as_slice()),
            ],
        )?;
        self.write("economy", k.scenario, &file, table)?;

        let (Some(p), Some(registry)) = (&out.payments, registry) else {
            return Ok(());
        };
        let org = |id: u16| {
            registry.get(crate::payment::organisation::OrgId(id)).map_or("unknown", |o| o.name.as_str()).to_string()
        };
        let l = &p.ledger;
        let account = |code: &u8| Account::ALL.get(*code as usize).map_or("unknown", |a| a.name());
        let ledger = frame(
            "ledger",
            keyed(l.len()),
            vec![
                Column::new("payer".into(), l.payer.iter().map(|i| org(*i)).collect::<Vec<_>>()),
                Column::new("payee".into(), l.payee.iter().map(|i| org(*i)).collect::<Vec<_>>()),
                Column::new("account".into(), l.account.iter().map(account).collect::<Vec<_>>()),
                Column::new("year".into(), l.month.iter().map(|m| m / 12).collect::<Vec<_>>()),
                Column::new("month".into(), l.month.as_slice()),
                Column::new("amount_pence".into(), l.amount_pence.as_slice()),
                Column::new("transactions".into(), l.transactions.as_slice()),
            ],
        )?;
        self.write("ledger", k.scenario, &file, ledger)?;

        let o = &p.org_years;
        let kind = |id: crate::payment::organisation::OrgId| registry.kind(id).map_or("unknown", |k| k.name());
        let org_year = frame(
            "org_year",
            keyed(o.len()),
            vec![
                Column::new("year".into(), o.iter().map(|r| r.year).collect::<Vec<_>>()),
                Column::new("org".into(), o.iter().map(|r| org(r.org.0)).collect::<Vec<_>>()),
                Column::new("kind".into(), o.iter().map(|r| kind(r.org)).collect::<Vec<_>>()),
                Column::new("net_income_pence".into(), o.iter().map(|r| r.net_income_pence.0).collect::<Vec<_>>()),
                Column::new(
                    "resource_cost_pence".into(),
                    o.iter().map(|r| r.resource_cost_pence.0).collect::<Vec<_>>(),
                ),
                Column::new("surplus_pence".into(), o.iter().map(|r| r.surplus_pence().0).collect::<Vec<_>>()),
                Column::new("public_spend_pence".into(), o.iter().map(|r| r.public_spend_pence.0).collect::<Vec<_>>()),
            ],
        )?;
        self.write("org_year", k.scenario, &file, org_year)
    }
}
