//! SLO exports: the Prometheus rules of the examples are golden; custom
//! queries are used as written.

#![allow(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, reason = "tests fail loudly by design")]

use lift_core::App;

#[test]
fn shop_prometheus_rules_are_golden() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/shop/lift.yaml")).unwrap();
    let app = App::from_text(&text).unwrap();
    insta::assert_snapshot!("shop-slo-rules", lift_core::slo::rules_yaml(app.spec()));
    insta::assert_snapshot!("shop-slo-rules-tests", lift_core::slo::promtool_tests_yaml(app.spec(), "slo-rules.yaml"));
}

#[test]
fn custom_queries_are_used_with_their_window() {
    let spec = "app: q\nregions: { primary: us-east-1 }\nslos:\n  avail:\n    objective: 99.95%\n    prometheus:\n      errors: sum(rate(http_requests_total{code=~\"5..\"}[{{window}}]))\n      total: sum(rate(http_requests_total[{{window}}]))\n";
    let app = App::from_text(spec).unwrap();
    let rules = lift_core::slo::rules_yaml(app.spec());
    assert!(rules.contains("sum(rate(http_requests_total{code=~\\\"5..\\\"}[1h]))"), "{rules}");
    assert!(rules.contains("vector(0.9995)") && rules.contains("vector(0.0005)"));
    // 14.4 x 0.05% = 0.72%, exactly.
    assert!(rules.contains("> 0.0072)"), "{rules}");
    // No promtool test for queries Lift cannot synthesise data for.
    assert!(!lift_core::slo::promtool_tests_yaml(app.spec(), "r.yaml").contains("input_series:\n"));
}

#[test]
fn cloudwatch_alarms_pair_each_rule_windows_and_skip_impossible_ones() {
    let spec = |objective: &str| {
        format!(
            "app: c\nregions: {{ primary: us-east-1 }}\nfunctions: {{ f: {{ runtime: python3.12, handler: a.h, code: {{ bucket: b, key: k.zip }} }} }}\nhttp: {{ routes: {{ \"GET /\": f }} }}\nslos: {{ avail: {{ objective: {objective} }}, fast: {{ objective: 99%, threshold: 250ms }} }}\n"
        )
    };
    let t = App::from_text(&spec("99.9%")).unwrap().template("us-east-1").unwrap().0;
    let r = t["Resources"].as_object().unwrap();
    let composites: Vec<&String> = r.iter().filter(|(_, v)| v["Type"] == "AWS::CloudWatch::CompositeAlarm").map(|(k, _)| k).collect();
    assert_eq!(composites.len(), 8, "{composites:?}"); // 2 SLOs x 4 rules
    assert_eq!(r["AvailSloPage1hLongAlarm"]["Properties"]["Threshold"], 0.0144);
    assert_eq!(r["AvailSloTicket3dLongAlarm"]["Properties"]["EvaluationPeriods"], 3);
    assert_eq!(r["FastSloPage1hShortAlarm"]["Properties"]["Metrics"][0]["MetricStat"]["Stat"], "PR(:250)");
    assert_eq!(
        r["AvailSloPage1hAlarm"]["Properties"]["AlarmRule"]["Fn::Sub"],
        "ALARM(\"${AvailSloPage1hLongAlarm}\") AND ALARM(\"${AvailSloPage1hShortAlarm}\")"
    );
    // At 90% the 14.4x page would need 144% errors: no such alarm.
    let t = App::from_text(&spec("90%")).unwrap().template("us-east-1").unwrap().0;
    assert!(t["Resources"].get("AvailSloPage1hAlarm").is_none());
    assert!(t["Resources"].get("AvailSloPage6hAlarm").is_some());
}

#[test]
fn reports_count_attainment_by_the_budgeting_method() {
    let spec = "app: t\nregions: { primary: us-east-1 }\nslos:\n  events: { objective: 99% }\n  slices: { objective: 99%, budgeting: timeslices, timeslice: 5m, timeslice_target: 90% }\n";
    let app = App::from_text(spec).unwrap();
    // 100 minutes: minute 7 is a bad minute of a quiet hour (1 of 2 fail), the rest are busy and clean.
    let mut csv = String::from("time_ms,slo,good,total\n");
    for m in 0..100u64 {
        let (good, total) = if m == 7 { (1, 2) } else { (100, 100) };
        csv.push_str(&format!("{},events,{good},{total}\n{},slices,{good},{total}\n", m * 60_000, m * 60_000));
    }
    let samples = lift_core::slo::parse_samples(&csv).unwrap();
    let r = lift_core::slo::report(app.spec(), &samples);
    let events = r.slos.iter().find(|s| s.name == "events").unwrap();
    let slices = r.slos.iter().find(|s| s.name == "slices").unwrap();
    // 9901 good of 9902 events; one of twenty 5-minute slices (401/402 good: above 90%) is good, so all 20 are.
    assert_eq!(events.attainment.as_deref(), Some("99.9899%"));
    assert_eq!(slices.attainment.as_deref(), Some("100%"));
    assert_eq!(slices.met, Some(true));
}
