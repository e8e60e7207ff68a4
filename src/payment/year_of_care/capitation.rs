//! Capitation: the annual price per LTC band paid per enrolled person-month, and its
//! calibration from the cost of a baseline cohort (brief §2.5, "budget calculation").

use super::corridor::OutlierParams;
use super::selection::{Band, PersonMonth};
use crate::cohort::UnitCosts;
use crate::money::Pence;
use crate::payment::organisation::OrgId;
use crate::payment::{DAYS_PER_YEAR, Scope, Service, allocate, fraction_of, instalment};
use crate::record::PersonYearTable;

/// Annual capitation per band (per person-year enrolled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapitationRates {
    /// Pence per person-year, by band A–E.
    pub per_year_pence: [Pence; 5],
}

impl Default for CapitationRates {
    /// £11,630 per person-year for bands B–E before calibration (DERIVED, Kent complex
    /// cohort early findings, price year ≈2013/14 \[NHSIQ-YOC\]; brief §5, §7.7); band A 0.
    fn default() -> Self {
        let c = Pence(1_163_000);
        CapitationRates { per_year_pence: [Pence::ZERO, c, c, c, c] }
    }
}

impl CapitationRates {
    /// Capitation for one person-month: the month's twelfth of the band's annual rate
    /// ([`instalment`], so 12 full months pay exactly the annual rate), pro rata to the
    /// days enrolled in the month.
    pub fn for_person_month(&self, pm: &PersonMonth) -> Pence {
        let monthly = instalment(self.per_year_pence[pm.band.index()], pm.month.month_in_year() as u32, 12);
        let len = pm.month.length_days();
        if pm.enrolled_days >= len { monthly } else { fraction_of(monthly, pm.enrolled_days as u64, len as u64) }
    }
}

/// One baseline person-year for calibration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BaselinePersonYear {
    /// Band.
    pub band: Band,
    /// Days alive in the year.
    pub exposure_days: f64,
    /// Cost of in-scope services in the year, pence.
    pub in_scope_cost_pence: Pence,
}

/// Growth and efficiency applied to a calibrated capitation (brief §2.5: default 0 and
/// 0, ASSUMPTION).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CapitationUplift {
    /// Growth fraction.
    pub growth: f64,
    /// Efficiency fraction.
    pub efficiency: f64,
}

/// Calibrates capitation per band from baseline person-years: `Σ cost / Σ
/// (exposure_days / 365)` per band (cost per person-year of exposure), then
/// `× (1 + growth) × (1 − efficiency)`. Also returns the person-years per band; a band
/// with none gets 0 (the caller decides whether that is acceptable).
pub fn calibrate_capitation(baseline: &[BaselinePersonYear], uplift: &CapitationUplift) -> (CapitationRates, [f64; 5]) {
    let mut cost = [0i64; 5];
    let mut years = [0f64; 5];
    for r in baseline {
        cost[r.band.index()] += r.in_scope_cost_pence.0;
        years[r.band.index()] += r.exposure_days.max(0.0) / DAYS_PER_YEAR as f64;
    }
    let factor = (1.0 + uplift.growth) * (1.0 - uplift.efficiency);
    let mut rates = CapitationRates { per_year_pence: [Pence::ZERO; 5] };
    for b in 0..5 {
        if years[b] > 0.0 {
            rates.per_year_pence[b] = Pence::round_from_pence_f64(cost[b] as f64 / years[b] * factor);
        }
    }
    (rates, years)
}

/// [`calibrate_capitation`] net of the outlier carve-out. A person-year whose in-scope
/// cost is above the carve-out threshold is paid by the carve-out
/// ([`super::settle_year`]: `fraction × cost` in all, its capitation netted off), so it
/// does not count as a person-year of the capitation; but the holder keeps the rest of
/// its cost, `(1 − fraction) × cost`, and that part is loaded onto the capitation of
/// its band (the holder's expected outlay, as an insurer prices what a reinsurer does
/// not pay). So with care unchanged capitation, carve-out and corridor together pay the
/// holder its outlay in expectation, and no money moves between the commissioners and
/// the holder (or between the NHS and the council) because of the carve-out. Without
/// a carve-out every person-year counts in full.
pub fn calibrate_capitation_net_of_outliers(
    baseline: &[BaselinePersonYear],
    uplift: &CapitationUplift,
    outlier: Option<&OutlierParams>,
) -> (CapitationRates, [f64; 5]) {
    let Some(o) = outlier else {
        return calibrate_capitation(baseline, uplift);
    };
    let kept: Vec<BaselinePersonYear> = baseline
        .iter()
        .map(|r| {
            if r.in_scope_cost_pence <= o.threshold_pence {
                *r
            } else {
                let retained = retained_outlier_cost(r.in_scope_cost_pence, o);
                BaselinePersonYear { band: r.band, exposure_days: 0.0, in_scope_cost_pence: retained }
            }
        })
        .collect();
    calibrate_capitation(&kept, uplift)
}

/// The part of an outlier's in-scope cost the carve-out does not pay, which the holder
/// keeps: `cost − fraction × cost`.
pub fn retained_outlier_cost(cost: Pence, o: &OutlierParams) -> Pence {
    cost - cost.scale(o.commissioner_pays_fraction)
}

/// Who funds capitation: each commissioner pays its share of every capitation
/// payment and of the year-end settlement, the share being what it would have paid
/// for the enrolled people's in-scope care without year of care (calibrated from the
/// pilot). So the CCG no longer pays for council home care: with care unchanged each
/// commissioner pays what it paid before.
#[derive(Clone, Debug, PartialEq)]
pub struct CapitationFunding {
    /// Funders and their (positive) shares; they need not sum to 1.
    pub funders: Vec<(OrgId, f64)>,
}

impl CapitationFunding {
    /// One funder pays everything.
    pub fn single(funder: OrgId) -> CapitationFunding {
        CapitationFunding { funders: vec![(funder, 1.0)] }
    }

    /// Shares in proportion to each funder's outlay (funders with none are dropped,
    /// order kept); `None` when nobody has a positive outlay.
    pub fn from_outlay(outlay: &[(OrgId, Pence)]) -> Option<CapitationFunding> {
        let funders: Vec<(OrgId, f64)> =
            outlay.iter().filter(|(_, p)| *p > Pence::ZERO).map(|(o, p)| (*o, p.0 as f64)).collect();
        (!funders.is_empty()).then_some(CapitationFunding { funders })
    }

    /// `amount` split by share; the parts sum to `amount` exactly.
    pub fn split(&self, amount: Pence) -> Vec<(OrgId, Pence)> {
        let weights: Vec<f64> = self.funders.iter().map(|f| f.1).collect();
        self.funders.iter().map(|f| f.0).zip(allocate(amount, &weights)).collect()
    }
}

/// Resource cost by service of row `row` of a person-year table, at `costs` (the same
/// mapping as the cohort model's sector costs). The row's acute spells, costed as they
/// ended (per spell and per bed-day, day cases at their own cost), count as emergency
/// acute care: the table does not split them by class. `None` if the row does not exist.
pub fn person_year_service_costs(
    table: &PersonYearTable,
    row: usize,
    costs: &UnitCosts,
) -> Option<[Pence; Service::COUNT]> {
    if row >= table.len() {
        return None;
    }
    let mut c = [Pence::ZERO; Service::COUNT];
    let f = |v: f32| v as f64;
    let ae = costs.ae_attendance.scale(table.ae_attendances[row] as f64);
    c[Service::AcuteEmergency.index()] = Pence(table.acute_cost_pence[row]) - ae;
    c[Service::AccidentAndEmergency.index()] = ae;
    c[Service::PrimaryCare.index()] = costs.gp_contact.scale(table.gp_contacts[row] as f64);
    c[Service::IntermediateCare.index()] = costs.intermediate_care_day.scale(f(table.intermediate_care_days[row]));
    c[Service::Reablement.index()] = costs.reablement_day.scale(f(table.reablement_days[row]));
    c[Service::CommunityNursing.index()] = costs.nursing_visit.scale(f(table.nursing_visits[row]));
    c[Service::HomeCare.index()] = costs.home_care_hour.scale(f(table.home_care_hours[row]));
    c[Service::CareHome.index()] = costs.care_home_week.scale(f(table.care_home_weeks[row]));
    Some(c)
}

/// Baseline person-years of the rows for which `include(row)` holds (e.g. the selected
/// cohort, or everyone in bands B–E), with in-scope cost under `scope`.
pub fn baseline_from_person_years(
    table: &PersonYearTable,
    costs: &UnitCosts,
    scope: Scope,
    include: impl Fn(usize) -> bool,
) -> Vec<BaselinePersonYear> {
    (0..table.len())
        .filter(|&i| include(i))
        .filter_map(|i| {
            let by_service = person_year_service_costs(table, i, costs)?;
            Some(BaselinePersonYear {
                band: Band::from_conditions(table.conditions[i]),
                exposure_days: table.exposure_days[i] as f64,
                in_scope_cost_pence: scope.services().map(|s| by_service[s.index()]).sum(),
            })
        })
        .collect()
}

/// The "in the currency" scope of brief §2.5: all acute PbR activity, community
/// services, mental health, reablement and adult home care; not GP services, not public
/// health, and not care homes (means-tested residential care is "include if possible").
pub fn scope_in_currency() -> Scope {
    Scope::all().without(Service::PrimaryCare).without(Service::PublicHealth).without(Service::CareHome)
}

/// [`scope_in_currency`] plus the "include if possible" column (residential care).
pub fn scope_include_if_possible() -> Scope {
    scope_in_currency().with(Service::CareHome)
}

#[cfg(test)]
mod tests {
    use super::super::selection::{Enrolment, is_selection_month, person_months};
    use super::*;
    use crate::payment::MonthIndex;

    #[test]
    fn pro_rata_capitation_at_death() {
        // Band C £12,000 a year = £1,000 a month. Enrolled at the July selection date
        // (month 3, day 91), dies on day 200 (month 6 = October starts day 183; 17 days
        // enrolled of 31).
        let rates = CapitationRates {
            per_year_pence: [Pence::ZERO, Pence(1_200_000), Pence(1_200_000), Pence::ZERO, Pence::ZERO],
        };
        assert!(is_selection_month(MonthIndex(3)) && !is_selection_month(MonthIndex(4)));
        let e = Enrolment { person: 7, band: Band::C, start_day: MonthIndex(3).start_day(), end_day: Some(200) };
        assert_eq!(e.start_day, 91);
        let months = person_months(&e, MonthIndex(0), MonthIndex(11));
        assert_eq!(
            months.iter().map(|m| (m.month.0, m.enrolled_days)).collect::<Vec<_>>(),
            vec![(3, 31), (4, 31), (5, 30), (6, 17)]
        );
        let pay: Vec<Pence> = months.iter().map(|m| rates.for_person_month(m)).collect();
        // Full months £1,000; October £1,000 × 17/31 = £548.387 → £548.39.
        assert_eq!(pay, vec![Pence(100_000), Pence(100_000), Pence(100_000), Pence(54_839)]);
        // A full year enrolled pays the annual rate exactly.
        let all_year = Enrolment { person: 1, band: Band::B, start_day: 0, end_day: None };
        let total: Pence =
            person_months(&all_year, MonthIndex(0), MonthIndex(11)).iter().map(|m| rates.for_person_month(m)).sum();
        assert_eq!(total, Pence(1_200_000));
    }

    #[test]
    fn capitation_calibrated_from_baseline() {
        // Band B: £10,000 over 1 person-year + £3,000 over half a year (182.5 days):
        // £13,000 / 1.5 = £8,666.67 per person-year; with growth 3% and efficiency 2%:
        // × 1.03 × 0.98 (= × 1.0094) = £8,748.13.
        let rows = [
            BaselinePersonYear { band: Band::B, exposure_days: 365.0, in_scope_cost_pence: Pence(1_000_000) },
            BaselinePersonYear { band: Band::B, exposure_days: 182.5, in_scope_cost_pence: Pence(300_000) },
            BaselinePersonYear { band: Band::D, exposure_days: 365.0, in_scope_cost_pence: Pence(2_500_000) },
        ];
        let (r, years) = calibrate_capitation(&rows, &CapitationUplift::default());
        assert_eq!(r.per_year_pence[Band::B.index()], Pence(866_667));
        assert_eq!(r.per_year_pence[Band::D.index()], Pence(2_500_000));
        assert_eq!(r.per_year_pence[Band::C.index()], Pence::ZERO);
        assert_eq!(years[Band::B.index()], 1.5);
        let (r, _) = calibrate_capitation(&rows, &CapitationUplift { growth: 0.03, efficiency: 0.02 });
        assert_eq!(r.per_year_pence[Band::B.index()], Pence(874_813));
    }

    #[test]
    fn outliers_are_paid_once_and_the_holder_breaks_even_with_care_unchanged() {
        use super::super::corridor::{EnrolledYear, RiskCorridor, settle_year};
        // Band C: two ordinary person-years of £10,000 and £14,000, and an outlier of
        // £80,000 (above £50,000), of which the carve-out pays 80% and the holder keeps
        // 20%, £16,000. Capitation per ordinary person-year: (£24,000 + £16,000) / 2 =
        // £20,000, not (£104,000 / 3) and not the ordinary mean £12,000 (which would
        // leave the holder £16,000 short every year).
        let o = OutlierParams::default();
        let row =
            |cost: i64| BaselinePersonYear { band: Band::C, exposure_days: 365.0, in_scope_cost_pence: Pence(cost) };
        let rows = [row(1_000_000), row(1_400_000), row(8_000_000)];
        let (r, years) = calibrate_capitation_net_of_outliers(&rows, &CapitationUplift::default(), Some(&o));
        assert_eq!(r.per_year_pence[Band::C.index()], Pence(2_000_000));
        assert_eq!(years[Band::C.index()], 2.0);
        let (all, _) = calibrate_capitation_net_of_outliers(&rows, &CapitationUplift::default(), None);
        assert_eq!(all.per_year_pence[Band::C.index()], Pence(3_466_667));
        // The same people a year later, paid that capitation: the outlier is paid 80% of
        // its cost in all (capitation + carve-out), never its capitation on top of that;
        // the ordinary two's capitation covers their cost and the 20% the holder keeps
        // (no corridor payment): the commissioners pay exactly the cost of care.
        let c = r.per_year_pence[Band::C.index()];
        let years = [
            EnrolledYear { person: 0, capitation_pence: c, in_scope_cost_pence: Pence(1_000_000) },
            EnrolledYear { person: 1, capitation_pence: c, in_scope_cost_pence: Pence(1_400_000) },
            EnrolledYear { person: 2, capitation_pence: c, in_scope_cost_pence: Pence(8_000_000) },
        ];
        let s = settle_year(&years, &RiskCorridor::default(), Some(&o));
        let paid = Pence(3 * c.0) + s.net_payment_pence;
        assert_eq!(s.outlier_payment_pence, Pence(8_000_000).scale(0.8) - c);
        assert_eq!(paid, Pence(2_400_000) + Pence(8_000_000));
        assert_eq!(s.corridor.variance_pence, Pence::ZERO);
        assert_eq!(s.corridor.commissioner_share_pence, Pence::ZERO);
    }

    #[test]
    fn funding_follows_the_baseline_payers() {
        let (ccg, council) = (OrgId(0), OrgId(1));
        let f = CapitationFunding::from_outlay(&[(ccg, Pence(300)), (council, Pence(100)), (OrgId(5), Pence::ZERO)])
            .unwrap();
        assert_eq!(f.funders.len(), 2);
        // £1,000.01 split 3:1, parts summing exactly.
        let parts = f.split(Pence(100_001));
        assert_eq!(parts.iter().map(|p| p.1).sum::<Pence>(), Pence(100_001));
        assert_eq!(parts[1].0, council);
        assert!((parts[1].1.0 - 25_000).abs() <= 1);
        assert!(CapitationFunding::from_outlay(&[(ccg, Pence::ZERO)]).is_none());
        assert_eq!(CapitationFunding::single(ccg).split(Pence(7)), vec![(ccg, Pence(7))]);
    }

    fn costs() -> UnitCosts {
        crate::payment::test_unit_costs()
    }

    #[test]
    fn baseline_cost_respects_scope() {
        // One person-year: 1 five-day emergency spell, 2 of its days delayed (£542.60 +
        // 5 × £313 = £2,107.60, the table's acute cost), 10 GP contacts (£350, out of
        // scope), 4 care-home weeks (£2,196, out of the "in currency" scope), 10 home
        // care hours (£137.70, in scope).
        let mut t = PersonYearTable::default();
        t.person.push(0);
        t.conditions.push(3);
        t.exposure_days.push(365.0);
        t.emergency_admissions.push(1);
        t.elective_admissions.push(0);
        t.dtoc_days.push(2.0);
        t.ae_attendances.push(0);
        t.gp_contacts.push(10);
        t.intermediate_care_days.push(0.0);
        t.reablement_days.push(0.0);
        t.nursing_visits.push(0.0);
        t.home_care_hours.push(10.0);
        t.care_home_weeks.push(4.0);
        t.acute_cost_pence.push(210_760);
        let b = baseline_from_person_years(&t, &costs(), scope_in_currency(), |_| true);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].band, Band::C);
        assert_eq!(b[0].in_scope_cost_pence, Pence(210_760 + 13_770));
        let b = baseline_from_person_years(&t, &costs(), scope_include_if_possible(), |_| true);
        assert_eq!(b[0].in_scope_cost_pence, Pence(210_760 + 13_770 + 219_600));
        assert!(person_year_service_costs(&t, 1, &costs()).is_none());
        assert!(!scope_in_currency().covers(Service::PrimaryCare));
    }
}
