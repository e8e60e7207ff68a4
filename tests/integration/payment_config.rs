//! The `[payment]` section of the shipped configs, loaded whole: the specs each
//! scenario states key by key, command-line overrides, and errors naming their key.

use caresim::config::payment::{barker_scope, community_block_services};
use caresim::config::{ExperimentPlan, Overrides};
use caresim::money::Pence;
use caresim::payment::organisation::TypicalArea;
use caresim::payment::social_care::{Charging, MeansTestParams};
use caresim::payment::spec::{
    BlockSpec, FinancesParams, MoneyRules, PaymentCalibration, PaymentSpec, PoolSpec, YocSpec,
};
use caresim::payment::tariff::TariffParams;
use caresim::payment::year_of_care::{
    BudgetHolder, CapitationRates, CapitationUplift, CohortRule, OutlierParams, RiskCorridor, SubContractBasis,
    scope_in_currency,
};
use std::path::{Path, PathBuf};

fn config(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("configs").join(name)
}

fn load(name: &str, set: &[&str]) -> ExperimentPlan {
    let set = set.iter().map(|s| s.to_string()).collect();
    caresim::config::load(&config(name), &Overrides { set }).unwrap_or_else(|e| panic!("{e}"))
}

fn scenario_spec(plan: &ExperimentPlan, name: &str) -> PaymentSpec {
    let s = plan.scenarios.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no scenario {name}"));
    s.model.payment.clone().unwrap_or_else(|| panic!("{name}: no payment spec"))
}

/// The baseline the default config states key by key.
fn expected_baseline() -> PaymentSpec {
    PaymentSpec {
        area: TypicalArea::new(),
        tariff: TariffParams::default(),
        blocks: vec![BlockSpec { services: community_block_services(), annual_value_pence: None, cap_collar: None }],
        charging: Charging::MeansTest(MeansTestParams::default()),
        finances: FinancesParams::default(),
        pool: PoolSpec::Separate,
        year_of_care: None,
        pilot_replications: 8,
        delay_reimbursement: None,
        money: MoneyRules {
            empty_place_day_pence: vec![
                ("community_nursing".into(), Pence(914)),
                ("intermediate_care_beds".into(), Pence(20_000)),
                ("reablement".into(), Pence(5_357)),
            ],
            ..MoneyRules::default_for(&TypicalArea::new())
        },
    }
}

fn expected_year_of_care() -> YocSpec {
    YocSpec {
        rule: CohortRule::default(),
        holder: BudgetHolder::PrimeContractor(TypicalArea::new().ico),
        scope: scope_in_currency(),
        capitation: None,
        uplift: CapitationUplift::default(),
        corridor: RiskCorridor::default(),
        outlier: Some(OutlierParams::default()),
        basis: SubContractBasis::Price,
        admission_hazard_ratio: 1.0,
        calibrate_alliance_shares: false,
    }
}

#[test]
fn default_config_gives_the_expected_specs() {
    let plan = load("default.toml", &[]);
    let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "baseline",
            "year_of_care",
            "year_of_care_integrated_team",
            "pooled_single_budget",
            "admission_avoidance",
            "community_capacity_uplift",
            "pooled_better_care_fund"
        ]
    );
    let bcf = scenario_spec(&plan, "pooled_better_care_fund");
    assert_eq!(bcf, PaymentSpec { pool: PoolSpec::BetterCareFund, ..expected_baseline() });
    assert!(bcf.needs_calibration());
    let baseline = scenario_spec(&plan, "baseline");
    assert_eq!(baseline, expected_baseline());
    assert!(baseline.needs_calibration() && !baseline.levers_on());
    for name in ["admission_avoidance", "community_capacity_uplift"] {
        assert_eq!(scenario_spec(&plan, name), expected_baseline(), "{name}");
    }

    let yoc = scenario_spec(&plan, "year_of_care");
    assert_eq!(yoc, PaymentSpec { year_of_care: Some(expected_year_of_care()), ..expected_baseline() });
    assert!(!yoc.levers_on() && yoc.needs_calibration());

    let team = scenario_spec(&plan, "year_of_care_integrated_team");
    assert_eq!(team.year_of_care.as_ref().map(|y| y.admission_hazard_ratio), Some(0.85));
    assert!(team.levers_on());
    assert_eq!(team.without_levers(), yoc);

    let pooled = scenario_spec(&plan, "pooled_single_budget");
    assert_eq!(pooled, PaymentSpec { pool: PoolSpec::SingleBudget { scope: barker_scope() }, ..expected_baseline() });
}

#[test]
fn default_specs_build_a_regime_once_calibrated() {
    let plan = load("default.toml", &[]);
    let calibration = PaymentCalibration {
        mret_baseline_pence: Some(Pence(1_000_000_000)),
        capitation: Some(CapitationRates::default()),
        block_values_pence: vec![Some(Pence(500_000_000))],
        pool_contributions_pence: Some((Pence(100), Pence(200))),
        ..Default::default()
    };
    for s in &plan.scenarios {
        let spec = s.model.payment.as_ref().expect("payment");
        let regime = spec.regime(&calibration, Vec::new()).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        assert_eq!(regime.blocks.len(), 1);
        assert_eq!(regime.blocks[0].contract.provider, spec.area.community);
        assert_eq!(regime.tariff.mret.baseline_pence, Some(Pence(1_000_000_000)));
        assert_eq!(regime.year_of_care.is_some(), s.name.starts_with("year_of_care"), "{}", s.name);
        assert_eq!(regime.pools.len(), usize::from(s.name.starts_with("pooled_")), "{}", s.name);
    }
}

#[test]
fn small_config_scenarios_validate_with_payments() {
    let plan = load("small.toml", &[]);
    assert_eq!(plan.scenarios.len(), 7);
    assert!(plan.scenarios.iter().all(|s| s.model.payment.is_some()));
    assert_eq!(scenario_spec(&plan, "baseline"), expected_baseline());
}

#[test]
fn command_line_sets_payment_keys() {
    let plan = load(
        "default.toml",
        &["payment.pool=single_budget", "payment.tariff.mret_rate=0.5", "payment.year_of_care.enabled=true"],
    );
    let spec = scenario_spec(&plan, "baseline");
    assert!(matches!(spec.pool, PoolSpec::SingleBudget { .. }));
    assert_eq!(spec.tariff.mret.rate, 0.5);
    assert!(spec.year_of_care.is_some());

    let err =
        caresim::config::load(&config("default.toml"), &Overrides { set: vec!["payment.tariff.mret_rate=1.5".into()] })
            .expect_err("rate above 1");
    // Reported once, for the base model, not again for every scenario.
    assert_eq!(err.issues.len(), 1, "{err}");
    let issue = err.issues.iter().find(|i| i.key == "payment.tariff.mret_rate").expect("key named");
    assert_eq!(issue.file, PathBuf::from("--set"));
    assert!(issue.reason.contains("between 0 and 1"), "{}", issue.reason);
}

#[test]
fn payment_without_cohort_is_an_error_naming_the_key() {
    let text =
        "seed = 1\nreplications = 1\nhorizon_days = 10\n[pools.beds]\ncapacity = 2\n[payment]\npool = \"separate\"\n";
    let err = caresim::config::load_resolved(Path::new("no_cohort.toml"), text).expect_err("needs a cohort");
    let issue = err.issues.iter().find(|i| i.key == "payment").expect("payment named");
    assert!(issue.reason.contains("needs a [cohort]"), "{}", issue.reason);
}

#[test]
fn a_bad_scenario_override_is_named_under_the_scenario() {
    let base = std::fs::read_to_string(config("default.toml")).expect("read default");
    let start = base.find("[[scenarios]]").expect("scenarios");
    let text = format!(
        "{}[[scenarios]]\nname = \"baseline\"\n\n[[scenarios]]\nname = \"bad\"\npayment.year_of_care.enabled = true\n\
         payment.year_of_care.admission_hazard_ratio = 0.0\n",
        &base[..start]
    );
    let err = caresim::config::load_resolved(Path::new("scenario.toml"), &text).expect_err("ratio 0");
    assert_eq!(err.issues.len(), 1, "{err}");
    assert_eq!(err.issues[0].key, "scenarios.bad.payment.year_of_care.admission_hazard_ratio");
    assert!(err.issues[0].reason.contains("above 0"));
}
