//! Money calibration targets (`caresim calibrate`): the baseline's spend beside what
//! England spent on the same services, so the model's totals can be compared with
//! reality (brief §5 budget scale checks, §10.5).
//!
//! Every target covers **only the services the model simulates**; the spend it leaves
//! out is listed in [`SPEND_LEFT_OUT`]. Targets are DERIVED from national activity and
//! unit costs of the brief, at mixed price years (ASSUMPTION, as for the unit costs), so
//! their tolerances are wide.
//!
//! * NHS spend per resident on the modelled services, £778 a year: emergency admissions
//!   £12.5bn \[NAO-2013\]; elective admissions 15.9m all admissions \[HES-APC-1415\] less
//!   5.3m emergency = 10.6m, 80% day cases \[MAR-DAYCASE\] at £738 and the rest at
//!   £3,684 \[REFCOST-1617\] = £14.07bn; A&E 19.6m attendances \[HES-AE-1415\] × £148 =
//!   £2.90bn; GP and nurse consultations 5.16 a person-year \[HOBBS-2016\] × £35
//!   \[PSSRU-2015-HF\] = £180.6 a resident; community nursing £2bn for 42.4m contacts
//!   \[BJCN-2022\] = £37.1; intermediate care half of £28 a resident (ASSUMPTION: the NHS
//!   half of NAIC's £2.8m per 100,000 \[RCNI-NAIC\]) = £14; per resident of 53.9m
//!   \[SIMUL8-2016\]: 231.9 + 261.0 + 53.8 + 180.6 + 37.1 + 14 = £778; tolerance ±25%.
//! * Council spend per resident on the modelled social care (net of client
//!   contributions), £150 a year: council-funded older home care 257,000 users
//!   \[KF-HOMECARE-2018\] × 12.4 h a week \[CCS-HOMECARE-2008\] × 52 × £13.77
//!   \[UKHCA-2015\] = £2.28bn (£42 a resident); council-supported care home residents,
//!   about half of 410,000 \[CMA-2017\]\[ONS-SELFFUND-2020\] at £565 a week
//!   \[ASC-1617\] = £6.08bn (£113) less client contributions (ASSUMPTION: about a fifth),
//!   and reablement, the other half of £28 (£14): about £150; tolerance £100-£220. All
//!   adult social care, every age and client group, was £320 a resident
//!   \[NHSD-ASC-2017\] (brief §5).
//! * Acute income by point of delivery (the same national figures): emergency spells
//!   £12.5bn, elective ordinary spells £7.81bn, day cases £6.26bn, A&E £2.90bn of
//!   £29.47bn: shares 0.42, 0.27, 0.21, 0.10.

use super::calibration::Measure;
use crate::payment::Service;

/// The spend the model leaves out, so that its totals compare with national ones only
/// on the modelled services (README text).
pub const SPEND_LEFT_OUT: [&str; 9] = [
    "primary care prescribing and other drugs",
    "mental health services (the model has no mental health pathway)",
    "specialised services commissioned by NHS England (cancer drugs, transplants, renal, etc.)",
    "outpatient attendances (priced by the tariff but not simulated)",
    "maternity, children's services and learning disability care",
    "adult social care for people under 65 and client groups other than older people",
    "NHS continuing healthcare (out of scope by default, brief §2.3)",
    "ambulance, NHS 111 and out-of-hours services",
    "public health and capital spending",
];

/// What a baseline run spent, per year of its measurement window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MoneyFigures {
    /// Residents.
    pub population: u32,
    /// NHS spend (CCG and its share of pools), pence per year.
    pub nhs_spend_pence_per_year: f64,
    /// Council spend, pence per year.
    pub council_spend_pence_per_year: f64,
    /// Acute trust income by service, pence per year ([`Service::index`] order).
    pub acute_income_pence_per_year: [f64; Service::COUNT],
}

/// The money calibration rows of one run.
pub fn money_measures(f: &MoneyFigures) -> Vec<Measure> {
    let per_resident = |pence: f64| (f.population > 0).then(|| pence / 100.0 / f.population as f64);
    let mut m = vec![
        Measure {
            target: "NHS spend per resident on the modelled services, £ a year",
            expected: 778.0,
            tolerance: (585.0, 975.0),
            source: "DERIVED NAO-2013, HES-APC-1415, MAR-DAYCASE, REFCOST-1617, HES-AE-1415, HOBBS-2016, BJCN-2022, \
                     RCNI-NAIC",
            value: per_resident(f.nhs_spend_pence_per_year),
        },
        Measure {
            target: "council spend per resident on the modelled social care, £ a year",
            expected: 150.0,
            tolerance: (100.0, 220.0),
            source: "DERIVED KF-HOMECARE-2018, CCS-HOMECARE-2008, UKHCA-2015, CMA-2017, ASC-1617; all ASC £320 \
                     NHSD-ASC-2017",
            value: per_resident(f.council_spend_pence_per_year),
        },
    ];
    let acute: f64 = f.acute_income_pence_per_year.iter().sum();
    let share = |services: &[Service]| {
        (acute > 0.0).then(|| services.iter().map(|s| f.acute_income_pence_per_year[s.index()]).sum::<f64>() / acute)
    };
    let source = "DERIVED NAO-2013, HES-APC-1415, MAR-DAYCASE, REFCOST-1617, HES-AE-1415";
    for (target, expected, tolerance, services) in [
        ("share of acute income: emergency spells", 0.42, (0.34, 0.50), &[Service::AcuteEmergency][..]),
        ("share of acute income: elective ordinary spells", 0.27, (0.20, 0.34), &[Service::AcuteElective][..]),
        ("share of acute income: day cases", 0.21, (0.15, 0.28), &[Service::AcuteDayCase][..]),
        ("share of acute income: A&E attendances", 0.10, (0.06, 0.14), &[Service::AccidentAndEmergency][..]),
    ] {
        m.push(Measure { target, expected, tolerance, source, value: share(services) });
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_targets_add_up_and_measure_what_they_say() {
        // The derivation in the module doc, recomputed.
        let elective: f64 = 15.9e6 - 5.3e6;
        let (day, ordinary) = (0.8 * elective * 738.0, 0.2 * elective * 3_684.0);
        let (emergency, ae): (f64, f64) = (12.5e9, 19.6e6 * 148.0);
        let nhs = (emergency + day + ordinary + ae) / 53.9e6 + 5.16 * 35.0 + 2e9 / 53.9e6 + 14.0;
        assert!((nhs - 778.0).abs() < 2.0, "{nhs}");
        let total = emergency + day + ordinary + ae;
        for (share, expect) in [(emergency, 0.42), (ordinary, 0.27), (day, 0.21), (ae, 0.10)] {
            assert!((share / total - expect).abs() < 0.01, "{} vs {expect}", share / total);
        }
        // A run's figures: £778 and £150 a resident, and income in the national shares.
        let mut income = [0.0; Service::COUNT];
        income[Service::AcuteEmergency.index()] = 42.0;
        income[Service::AcuteElective.index()] = 27.0;
        income[Service::AcuteDayCase.index()] = 21.0;
        income[Service::AccidentAndEmergency.index()] = 10.0;
        let f = MoneyFigures {
            population: 1_000,
            nhs_spend_pence_per_year: 77_800_000.0,
            council_spend_pence_per_year: 15_000_000.0,
            acute_income_pence_per_year: income,
        };
        let m = money_measures(&f);
        assert_eq!(m.len(), 6);
        for x in &m {
            let v = x.value.expect("defined");
            assert!((v - x.expected).abs() < 1e-9, "{}: {v}", x.target);
            assert!(x.tolerance.0 < v && v < x.tolerance.1);
        }
        let none = money_measures(&MoneyFigures { population: 0, acute_income_pence_per_year: [0.0; 13], ..f });
        assert!(none.iter().all(|x| x.value.is_none()));
    }
}
