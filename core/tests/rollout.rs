//! Rollout plans: golden timelines for the examples, and properties that hold
//! for any strategy, waves and timings.

#![allow(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, reason = "tests fail loudly by design")]

use lift_core::App;
use lift_core::rollout::{Action, Plan};
use proptest::prelude::*;
use std::path::Path;

fn example(name: &str) -> App {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name).join("lift.yaml")).unwrap();
    App::from_text(&text).unwrap()
}

#[test]
fn example_plans_are_golden() {
    for name in ["shop", "minimal", "events"] {
        let plan = example(name).plan().unwrap();
        insta::assert_snapshot!(format!("plan-{name}"), plan.to_text());
        insta::assert_snapshot!(format!("plan-{name}-svg"), plan.to_svg());
    }
}

#[test]
fn shop_canary_in_two_waves() {
    let plan = example("shop").plan().unwrap();
    assert_eq!(plan.waves.len(), 2);
    let weights: Vec<u32> = plan
        .steps
        .iter()
        .filter_map(|s| match s.action {
            Action::Shift { weight } => Some(weight.ppm()),
            Action::Deploy => None,
        })
        .collect();
    assert_eq!(weights, vec![100_000, 500_000, 1_000_000, 100_000, 500_000, 1_000_000]);
    // deploy 2m + 5m + 10m + wave bake 10m, stagger 5m, the same again: 59m.
    assert_eq!(plan.fastest_promotion.as_millis(), (2 + 5 + 10 + 10 + 5 + 2 + 5 + 10 + 10) * 60_000);
    // The first wave's canary puts 10% of us-east-1 on the new version: 5% of the app.
    assert_eq!(plan.steps[1].traffic_ppm, 50_000);
    assert_eq!(plan.max_regions_at_risk, 1);
}

#[test]
fn presets_expand_like_codedeploy() {
    let text = |s: &str| {
        format!("app: p\nregions: {{ primary: us-east-1 }}\nrollout: {{ strategy: {s}, deploy_time: 0s, wave_bake: 0s, bake: 0s }}\n")
    };
    let plan = |s: &str| App::from_text(&text(s)).unwrap().plan().unwrap();
    let p = plan("LambdaCanary10Percent5Minutes");
    assert_eq!(p.fastest_promotion.as_millis(), 5 * 60_000);
    let p = plan("linear-10pct-every-1m");
    assert_eq!(p.steps.iter().filter(|s| matches!(s.action, Action::Shift { .. })).count(), 10);
    assert_eq!(p.fastest_promotion.as_millis(), 9 * 60_000);
    assert_eq!(plan("LambdaAllAtOnce").fastest_promotion.as_millis(), 0);
    // A strategy is read when the spec is: a name that is none is refused where it is written.
    let bad = App::from_text(&text("canary-ten-5m")).err().unwrap();
    assert!(bad.iter().any(|d| d.code == "E104" && d.pointer == "/rollout/strategy" && d.location.is_some()), "{bad:?}");
    let typo = App::from_text(&text("canari")).err().unwrap();
    assert_eq!((typo[0].message.as_str(), typo[0].hint.as_deref()), ("`canari` is not a strategy", Some("did you mean `canary`?")));
}

#[test]
fn waves_must_cover_every_region_once() {
    let spec = "app: w\nregions: { primary: us-east-1, standby: [eu-west-1, ap-south-1] }\nrollout: { waves: [[us-east-1, eu-west-1], [eu-west-1, us-west-9]] }\n";
    let codes: Vec<(String, String)> = App::from_text(spec).unwrap().validate().into_iter().map(|d| (d.code, d.pointer)).collect();
    assert!(codes.contains(&("E204".into(), "/rollout/waves/1/0".into())), "{codes:?}");
    assert!(codes.contains(&("E201".into(), "/rollout/waves/1/1".into())), "{codes:?}");
    assert!(codes.contains(&("E102".into(), "/rollout/waves".into())), "{codes:?}");
}

fn spec_for(strategy: &str, steps: &[(u32, u32)], regions: usize, waves: usize, batch: u32, stagger: u32) -> String {
    let all = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-south-1"];
    let regions = &all[..regions.max(1)];
    let waves = waves.clamp(1, regions.len());
    let per = regions.len().div_ceil(waves);
    let wave_list: Vec<String> = regions.chunks(per).map(|c| format!("[{}]", c.join(", "))).collect();
    let steps: Vec<String> = steps.iter().map(|(w, b)| format!("{{ weight: {w}%, bake: {b}s }}")).collect();
    format!(
        "app: prop\nregions: {{ primary: {}, standby: [{}] }}\nrollout:\n  strategy: {strategy}\n  steps: [{}]\n  batch: {batch}\n  waves: [{}]\n  stagger: {stagger}s\n",
        regions[0],
        regions[1..].join(", "),
        steps.join(", "),
        wave_list.join(", ")
    )
}

fn check(plan: &Plan) -> Result<(), TestCaseError> {
    let total: usize = plan.waves.iter().map(|w| w.regions.len()).sum();
    let mut t = 0;
    for s in &plan.steps {
        // Steps follow each other; only the stagger between waves leaves a gap.
        prop_assert!(s.start.as_millis() >= t, "step at {} before {}", s.start, t);
        t = s.start.as_millis() + s.duration.as_millis();
        prop_assert!(s.regions_at_risk <= total);
        prop_assert!(s.traffic_ppm <= 1_000_000);
        prop_assert!(s.worst_rollback >= s.duration);
    }
    prop_assert_eq!(t, plan.fastest_promotion.as_millis());
    // Traffic never goes down and ends with every region on the new version.
    let traffic: Vec<u32> = plan.steps.iter().map(|s| s.traffic_ppm).collect();
    prop_assert!(traffic.windows(2).all(|w| w[0] <= w[1]), "{:?}", traffic);
    prop_assert!(plan.steps.last().is_some_and(|s| s.traffic_ppm >= 999_999 && s.regions_at_risk == total));
    // A wave starts only after the one before has ended.
    prop_assert!(plan.waves.windows(2).all(|w| w[1].start >= w[0].end));
    Ok(())
}

proptest! {
    #[test]
    fn plans_are_consistent(
        strategy in prop::sample::select(vec!["canary", "linear", "all-at-once", "blue-green", "rolling", "canary-10pct-15m", "linear-25pct-every-2m"]),
        raw_steps in prop::collection::vec((1u32..99, 0u32..900), 0..4),
        regions in 1usize..8,
        waves in 1usize..5,
        batch in 1u32..4,
        stagger in 0u32..600,
    ) {
        let mut steps: Vec<(u32, u32)> = raw_steps;
        steps.sort_unstable();
        steps.dedup_by_key(|s| s.0);
        let app = App::from_text(&spec_for(strategy, &steps, regions, waves, batch, stagger)).unwrap();
        let plan = app.plan().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        check(&plan)?;
    }
}

#[test]
fn hooks_must_name_functions_of_the_app() {
    let spec = "app: h\nregions: { primary: us-east-1 }\nfunctions: { smoke: { runtime: python3.12, handler: a.h, code: ./s } }\nrollout: { gates: [{ hook: functions.smok, when: pre-traffic }, { hook: tables.t, when: post-traffic }, { hook: functions.smoke, when: post-traffic }] }\n";
    let diags = App::from_text(spec).unwrap().validate();
    let got: Vec<(String, String)> = diags.iter().map(|d| (d.code.clone(), d.pointer.clone())).collect();
    assert_eq!(got, vec![("E201".into(), "/rollout/gates/0/hook".into()), ("E201".into(), "/rollout/gates/1/hook".into())]);
    assert_eq!(diags[0].hint.as_deref(), Some("did you mean `functions.smoke`?"));
}

#[test]
fn codedeploy_runs_what_it_can_and_says_why_not_otherwise() {
    let spec = |strategy: &str| {
        format!(
            "app: c\nregions: {{ primary: us-east-1 }}\nfunctions: {{ f: {{ runtime: python3.12, handler: a.h, code: {{ bucket: b, key: k.zip }} }} }}\nrollout: {{ shift: codedeploy, strategy: {strategy} }}\n"
        )
    };
    let template = |strategy: &str| App::from_text(&spec(strategy)).unwrap().template("us-east-1").unwrap().0;
    let t = template("LambdaCanary10Percent30Minutes");
    assert_eq!(
        t["Resources"]["FFunctionDeploymentGroup"]["Properties"]["DeploymentConfigName"],
        "CodeDeployDefault.LambdaCanary10Percent30Minutes"
    );
    assert!(t["Resources"].get("CodeDeployConfig").is_none());
    assert_eq!(
        t["Resources"]["FFunctionAlias"]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["DeploymentGroupName"]["Ref"],
        "FFunctionDeploymentGroup"
    );
    let custom = template("linear-20pct-every-4m");
    assert_eq!(custom["Resources"]["CodeDeployConfig"]["Properties"]["TrafficRoutingConfig"]["TimeBasedLinear"]["LinearPercentage"], 20);
    for bad in ["blue-green", "canary-12.5pct-5m", "rolling"] {
        let diags = App::from_text(&spec(bad)).unwrap().validate();
        assert!(diags.iter().any(|d| d.code == "E104" && d.pointer == "/rollout/shift"), "{bad}: {diags:?}");
    }
}

#[test]
fn slo_gates_name_declared_slos_and_impossible_rules_are_flagged() {
    let spec =
        "app: s\nregions: { primary: us-east-1 }\nslos: { availability: { objective: 90% } }\nrollout: { gates: [{ slo: availabilty }] }\n";
    let diags = App::from_text(spec).unwrap().validate();
    let got: Vec<(&str, &str)> = diags.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    assert!(got.contains(&("E201", "/rollout/gates/0/slo")), "{got:?}");
    assert_eq!(diags.iter().find(|d| d.code == "E201").and_then(|d| d.hint.as_deref()), Some("did you mean `availability`?"));
    // 14.4x can never fire at 90%: it would need 144% errors.
    assert!(diags.iter().any(|d| d.code == "W501" && d.message.contains("144%")), "{diags:?}");
}

#[test]
fn a_strategy_plugin_is_a_shipped_name_or_a_manifest_and_shows_in_the_plan() {
    let spec = |rollout: &str| format!("app: p\nregions: {{ primary: us-east-1 }}\nrollout: {{ {rollout} }}\n");
    for good in ["plugin: business-hours", "plugin: plugins/mine.toml", "plugin: /opt/strategies/night.toml"] {
        let app = App::from_text(&spec(good)).unwrap();
        assert!(app.validate().iter().all(|d| d.pointer != "/rollout/plugin"), "{good}: {:?}", app.validate());
        let named = good.trim_start_matches("plugin: ");
        assert!(app.plan().unwrap().to_text().contains(&format!("decided by the strategy plugin `{named}`")), "{good}");
    }
    for (bad, says) in [
        ("plugin: My Strategy", "neither a shipped plugin's name nor a plugin manifest"),
        ("plugin: mine.wasm", "neither a shipped plugin's name nor a plugin manifest"),
        ("plugin: business-hours, shift: codedeploy, strategy: canary-10pct-5m", "CodeDeploy decides"),
    ] {
        let diags = App::from_text(&spec(bad)).unwrap().validate();
        assert!(diags.iter().any(|d| d.code == "E104" && d.pointer == "/rollout/plugin" && d.message.contains(says)), "{bad}: {diags:?}");
    }
    let plain = App::from_text(&spec("strategy: canary-10pct-5m")).unwrap().plan().unwrap();
    assert!(plain.decided_by.is_none() && !plain.to_text().contains("strategy plugin"));
}

#[test]
fn a_pilot_light_is_a_pilot_light_modes_and_bounded() {
    let spec = |recovery: &str| format!("app: p\nregions: {{ primary: us-east-1, standby: [eu-west-1] }}\nrecovery: {{ {recovery} }}\n");
    let app = App::from_text(&spec("mode: pilot-light")).unwrap();
    assert_eq!(app.spec().recovery.as_ref().and_then(|r| r.pilot()), Some(2));
    let app = App::from_text(&spec("mode: pilot-light, pilot_concurrency: 7")).unwrap();
    assert_eq!(app.spec().recovery.as_ref().and_then(|r| r.pilot()), Some(7));
    assert!(app.validate().iter().all(|d| d.pointer != "/recovery/pilot_concurrency"));
    let app = App::from_text(&spec("mode: warm-standby")).unwrap();
    assert_eq!(app.spec().recovery.as_ref().and_then(|r| r.pilot()), None);
    for (bad, says) in [
        ("mode: warm-standby, pilot_concurrency: 2", "the mode is `warm-standby`"),
        ("mode: pilot-light, pilot_concurrency: 0", "from 1 to 1000"),
    ] {
        let diags = App::from_text(&spec(bad)).unwrap().validate();
        assert!(diags.iter().any(|d| d.pointer == "/recovery/pilot_concurrency" && d.message.contains(says)), "{bad}: {diags:?}");
    }
}
