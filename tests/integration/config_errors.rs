//! Bad input never half-works: each fixture in `tests/fixtures/bad/` is one class of
//! mistake. Running it must fail, name the file, the dotted key and the reason, and
//! leave no output directory behind.

use crate::common::{root, tempdir};
use std::process::Command;

/// (fixture, file named in the message, dotted key, words of the reason)
const CASES: &[(&str, &str, &str, &str)] = &[
    ("syntax_error", "syntax_error.toml", "(syntax)", "unclosed table"),
    ("unknown_key", "unknown_key.toml", "arrivals.emergency.rate_per_dya", "unknown field"),
    ("nan_rate", "nan_rate.toml", "arrivals.emergency.rate_per_day", "finite number"),
    ("negative_rate", "negative_rate.toml", "arrivals.emergency.rate_per_day", "at least 0"),
    ("infinite_horizon", "infinite_horizon.toml", "horizon_days", "finite number of days"),
    ("negative_duration", "negative_duration.toml", "pathways.stay.steps.care_step.stay.mean_days", "greater than 0"),
    (
        "probability_out_of_range",
        "probability_out_of_range.toml",
        "pathways.stay.steps.ward.next[0].p",
        "probability between 0 and 1",
    ),
    ("routing_not_summing_to_one", "routing_not_summing_to_one.toml", "pathways.stay.steps.ward.next", "must sum to 1"),
    ("zero_capacity", "zero_capacity.toml", "pools.care.capacity", "0 places can never admit"),
    ("unknown_pool_in_pathway", "unknown_pool_in_pathway.toml", "pathways.stay.steps.care_step.pool", "is not a pool"),
    (
        "unknown_step_in_route",
        "unknown_step_in_route.toml",
        "pathways.stay.steps.ward.next[0].to",
        "neither \"exit\" nor a step",
    ),
    (
        "warmup_not_shorter_than_horizon",
        "warmup_not_shorter_than_horizon.toml",
        "warmup_days",
        "shorter than horizon_days",
    ),
    ("wrong_type", "wrong_type.toml", "pools.acute.capacity", "whole number of places"),
    ("unknown_distribution", "unknown_distribution.toml", "pathways.stay.steps.care_step.stay.dist", "unknown variant"),
    ("zero_replications", "zero_replications.toml", "replications", "at least 1"),
    ("extends_missing", "extends_missing.toml", "extends", "no such file"),
    ("target_half_width_zero", "target_half_width_zero.toml", "target_half_width_pct", "percentage above 0"),
    (
        "scenario_override_bad",
        "scenario_override_bad.toml",
        "scenarios.fewer_beds.pools.acute.capacity",
        "whole number of places",
    ),
    ("scenario_unknown_setting", "scenario_unknown_setting.toml", "scenarios.bad.seed", "scenarios may set"),
    (
        "payment_unknown_service",
        "payment_unknown_service.toml",
        "payment.blocks[0].services[1]",
        "is not a service (services: acute_emergency,",
    ),
    (
        "payment_top_risk_fraction_out_of_range",
        "payment_top_risk_fraction_out_of_range.toml",
        "payment.year_of_care.top_risk_fraction",
        "above 0 and at most 1",
    ),
    ("payment_without_cohort", "payment_without_cohort.toml", "payment", "needs a [cohort]"),
    ("zero_time_cycle", "zero_time_cycle.toml", "pathways.stay.steps.ward.next", "steps ward -> ward route back"),
    (
        "zero_time_cycle_pair",
        "zero_time_cycle_pair.toml",
        "pathways.stay.steps.care_step.next",
        "steps care_step -> ward -> care_step route back",
    ),
    (
        "scenario_unknown_pool",
        "scenario_unknown_pool.toml",
        "scenarios.bigger.pools.cares",
        "no pool named \"cares\" in the model: an override changes what exists and cannot add one; did you mean \"care\"?",
    ),
    ("scenario_name_too_long", "scenario_name_too_long.toml", "scenarios[0].name", "at most 64 letters"),
    (
        "huge_rate",
        "huge_rate.toml",
        "arrivals.emergency.rate_per_day, horizon_days",
        "raise the limit with --max-events",
    ),
    (
        "huge_horizon",
        "huge_horizon.toml",
        "arrivals.emergency.rate_per_day, horizon_days",
        "raise the limit with --max-events",
    ),
    ("huge_capacity", "huge_capacity.toml", "pools.care.capacity", "raise the limit with --max-memory-gib"),
    (
        "huge_replications",
        "huge_replications.toml",
        "arrivals.emergency.rate_per_day, horizon_days, replications",
        "raise the limit with --max-events",
    ),
    ("payment_bad_mret_rate", "payment_bad_mret_rate.toml", "payment.tariff.mret_rate", "fraction between 0 and 1"),
    (
        "money_overflow",
        "money_overflow.toml",
        "payment.tariff.non_elective_spell_pence",
        "whole number of pence from 0 to 100000000000 (£1bn)",
    ),
    (
        "cost_overflow",
        "cost_overflow.toml",
        "cohort.costs.care_home_week_pence",
        "whole number of pence from 0 to 100000000000 (£1bn)",
    ),
    (
        "payment_alliance_leaves_out_a_provider",
        "payment_alliance_leaves_out_a_provider.toml",
        "payment.year_of_care.alliance",
        "missing: home_care_provider (home_care)",
    ),
    (
        "payment_unknown_holder",
        "payment_unknown_holder.toml",
        "payment.year_of_care.holder",
        "is not a provider of the area (acute_trust,",
    ),
    (
        "package_hours_twice",
        "package_hours_twice.toml",
        "pools.home_care_packages.package_hours_per_week",
        "is set twice",
    ),
    (
        "renege_without_a_queue",
        "renege_without_a_queue.toml",
        "pools.acute.renege_after",
        "applies only to a pool whose requests wait",
    ),
    ("renege_without_a_queue", "renege_without_a_queue.toml", "pools.care.renege_after.mean_days", "greater than 0"),
    (
        "council_funded_placements_misused",
        "council_funded_placements_misused.toml",
        "self_funded_placements.council_funded_share",
        "must be a fraction between 0 and 1",
    ),
    (
        "council_funded_placements_misused",
        "council_funded_placements_misused.toml",
        "self_funded_placements.council_funded_share",
        "not a care home",
    ),
    (
        "council_funded_placements_misused",
        "council_funded_placements_misused.toml",
        "self_funded_placements.council_funded_share",
        "needs [payment]",
    ),
    (
        "payment_scenario_override_bad",
        "payment_scenario_override_bad.toml",
        "scenarios.team.payment.year_of_care.admission_hazard_ratio",
        "hazard ratio above 0",
    ),
];

fn caresim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_caresim")).args(args).current_dir(root()).output().expect("run caresim")
}

#[test]
fn each_bad_input_class_names_file_key_and_reason_and_writes_nothing() {
    let tmp = tempdir("config-errors");
    for (fixture, file, key, reason) in CASES {
        let config = format!("tests/fixtures/bad/{fixture}.toml");
        let out_dir = tmp.join(fixture);
        let out = caresim(&["run", &config, "--out", out_dir.to_str().expect("utf-8 path")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{fixture}: should fail");
        let line = stderr
            .lines()
            .find(|l| l.contains(&format!(": {key}: ")))
            .unwrap_or_else(|| panic!("{fixture}: no line names key {key}:\n{stderr}"));
        assert!(line.contains(file), "{fixture}: file {file} not named in: {line}");
        assert!(stderr.contains(reason), "{fixture}: reason '{reason}' missing in:\n{stderr}");
        assert!(!out_dir.exists(), "{fixture}: output directory left behind");
    }
}

#[test]
fn all_problems_are_reported_together() {
    let out = caresim(&["validate", "tests/fixtures/bad/many_problems.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("3 problems"), "{stderr}");
    for key in ["pools.care.capacity", "arrivals.emergency.rate_per_day", "pathways.stay.steps.ward.next"] {
        assert!(stderr.contains(&format!("many_problems.toml: {key}: ")), "{key} missing:\n{stderr}");
    }
}

#[test]
fn a_bad_step_is_one_problem_not_also_an_unknown_pathway() {
    // The step fails validation; its pathway still exists by name, so the cohort that
    // uses it must not be told that the pathway is unknown (or the run index a pathway
    // missing a step).
    let out = caresim(&[
        "validate",
        "configs/small.toml",
        "--set",
        "pathways.emergency_admission.steps.assessment.stay.days=-0.25",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("(1 problem)"), "{stderr}");
    assert!(stderr.contains("--set: pathways.emergency_admission.steps.assessment.stay.days: "), "{stderr}");
    assert!(!stderr.contains("is not a pathway"), "{stderr}");
}

#[test]
fn an_error_in_an_extended_file_names_that_file() {
    let tmp = tempdir("extends-error");
    std::fs::write(tmp.join("child.toml"), "extends = \"base.toml\"\nreplications = 3\n").expect("write");
    let base = std::fs::read_to_string(root().join("tests/fixtures/bad/negative_rate.toml")).expect("read");
    std::fs::write(tmp.join("base.toml"), base).expect("write");
    let out = caresim(&["validate", tmp.join("child.toml").to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("base.toml: arrivals.emergency.rate_per_day"), "{stderr}");
}

#[test]
fn bad_command_line_overrides_are_named_as_such() {
    let out = caresim(&["validate", "tests/fixtures/valid_base.toml", "--set", "pools.care.capacity=0"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--set: pools.care.capacity: a pool with 0 places"), "{stderr}");
    let ok = caresim(&["validate", "tests/fixtures/valid_base.toml", "--set", "pools.care.capacity=7"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
}

#[test]
fn payment_keys_can_be_set_on_the_command_line() {
    let out = caresim(&["validate", "configs/small.toml", "--set", "payment.tariff.mret_rate=1.5"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--set: payment.tariff.mret_rate: must be a fraction between 0 and 1"), "{stderr}");
    let ok = caresim(&["validate", "configs/small.toml", "--set", "payment.pool=single_budget"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
}

/// The limits are the user's to raise: `validate` prints the estimate and passes with a
/// higher --max-events; a rate of -0.0 runs (nobody arrives) instead of never ending.
#[test]
fn estimate_limits_can_be_raised_and_negative_zero_rates_run() {
    let out = caresim(&["validate", "tests/fixtures/bad/huge_rate.toml"]);
    assert!(!out.status.success());
    let out = caresim(&["validate", "tests/fixtures/bad/huge_rate.toml", "--max-events", "1e20"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("estimate: 2 run(s), about "), "{stdout}");
    let tmp = tempdir("negative-zero");
    let started = std::time::Instant::now();
    let run = caresim(&[
        "run",
        "tests/fixtures/valid_base.toml",
        "--set",
        "arrivals.emergency.rate_per_day=-0.0",
        "--out",
        tmp.join("out").to_str().expect("utf-8"),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

/// `--set` names something real, says `--set` in every error, refuses `extends` and keys
/// thousands of levels deep (which overflowed the stack).
#[test]
fn set_errors_say_set_and_name_something_real() {
    let cases: &[(&str, &str)] = &[
        ("pools.cares.capacity=66", "--set: pools.cares.capacity: pools.cares: no pool named \"cares\""),
        ("arrivals.emergncy.rate_per_day=2", "did you mean \"emergency\"?"),
        ("pathways.stay.steps.wrd.priority=1", "pathway \"stay\" has no step \"wrd\""),
        ("pathways.stay.steps.wrd.priority=1", "did you mean \"ward\"?"),
        ("extends=other.toml", "--set: extends: cannot be set with --set"),
        ("foo.bar=1", "--set: foo: unknown key"),
    ];
    for (set, expect) in cases {
        let out = caresim(&["validate", "tests/fixtures/valid_base.toml", "--set", set]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{set}");
        assert!(stderr.contains(expect), "{set}: no '{expect}' in:\n{stderr}");
    }
    let deep = format!("{}=1", vec!["a"; 5000].join("."));
    let out = caresim(&["validate", "tests/fixtures/valid_base.toml", "--set", &deep]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("has 5000 levels; config keys have at most 16"), "{stderr}");
}

/// A config path that is not a regular file is named with what it is, and never blocks:
/// a directory, a FIFO (reading one would wait for a writer for ever), a symlink loop, a
/// missing file, and a file far too large to be a config.
#[test]
fn a_config_path_that_is_not_a_file_is_named_and_never_blocks() {
    let tmp = tempdir("config-not-a-file");
    let fifo = tmp.join("pipe.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let (a, b) = (tmp.join("loop_a.toml"), tmp.join("loop_b.toml"));
    std::os::unix::fs::symlink(&b, &a).expect("symlink");
    std::os::unix::fs::symlink(&a, &b).expect("symlink");
    let big = tmp.join("big.toml");
    std::fs::write(&big, "# padding\n".repeat(2 * 1024 * 1024)).expect("write");
    let cases = [
        (tmp.clone(), "is a directory, not a config file"),
        (fifo, "is not a regular file (a FIFO, socket or device)"),
        (a, "cannot read the file"),
        (tmp.join("missing.toml"), "cannot read the file"),
        (big, "more than a config may be (16777216 bytes)"),
    ];
    for (path, reason) in cases {
        let path = path.to_str().expect("utf-8 path").to_string();
        let out = caresim(&["validate", &path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{path}");
        assert!(stderr.contains(&format!("{path}: (file): ")) && stderr.contains(reason), "{path}: {stderr}");
    }
}
