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
    let samples = lift_core::slo::parse_samples(&csv, None).unwrap();
    let r = lift_core::slo::report(app.spec(), &samples);
    let events = r.slos.iter().find(|s| s.name == "events").unwrap();
    let slices = r.slos.iter().find(|s| s.name == "slices").unwrap();
    // 9901 good of 9902 events; one of twenty 5-minute slices (401/402 good: above 90%) is good, so all 20 are.
    assert_eq!(events.attainment.as_deref(), Some("99.9899%"));
    assert_eq!(slices.attainment.as_deref(), Some("100%"));
    assert_eq!(slices.met, Some(true));
}

#[test]
fn calendar_windows_report_on_the_last_period_and_leave_out_maintenance() {
    let spec = "app: t\nregions: { primary: us-east-1 }\nslos:\n  monthly:\n    objective: 99%\n    window: month\n    time_zone: Europe/Berlin\n    maintenance: [{ from: '2026-12-01T10:00:00Z', to: '2026-12-01T11:00:00Z', reason: database upgrade }]\n  rolling: { objective: 99% }\n";
    let app = App::from_text(spec).unwrap();
    assert!(app.validate().iter().all(|d| d.severity != lift_core::Severity::Error), "{:?}", app.validate());
    let ms = |t: &str| lift_core::slo::calendar::parse_time(t).unwrap();
    let mut csv = String::new();
    // November 30th, 23:30 in Berlin (22:30 UTC) belongs to November: all bad.
    for name in ["monthly", "rolling"] {
        csv.push_str(&format!("{},{name},0,100\n", ms("2026-11-30T22:30:00Z")));
        // December in Berlin starts at 23:00 UTC on November 30th.
        csv.push_str(&format!("{},{name},100,100\n", ms("2026-11-30T23:00:00Z")));
        // An hour of maintenance, every request failing.
        csv.push_str(&format!("{},{name},0,50\n", ms("2026-12-01T10:30:00Z")));
        csv.push_str(&format!("{},{name},100,100\n", ms("2026-12-02T00:00:00Z")));
    }
    let samples = lift_core::slo::parse_samples(&csv, None).unwrap();
    let r = lift_core::slo::report(app.spec(), &samples);
    let monthly = r.slos.iter().find(|s| s.name == "monthly").unwrap();
    assert_eq!(monthly.period, Some((ms("2026-11-30T23:00:00Z"), ms("2026-12-31T23:00:00Z"))));
    assert_eq!((monthly.counts.good, monthly.counts.total), (200, 200));
    assert_eq!((monthly.excluded.good, monthly.excluded.total), (0, 50));
    assert_eq!(monthly.attainment.as_deref(), Some("100%"));
    assert!(monthly.notes().iter().any(|n| n.contains("50 events (50 bad) fell in planned maintenance")));
    let md = r.to_markdown();
    assert!(md.contains("month window: the period from 2026-11-30T23:00:00Z to 2026-12-31T23:00:00Z"), "{md}");
    // The rolling SLO keeps every sample.
    let rolling = r.slos.iter().find(|s| s.name == "rolling").unwrap();
    assert_eq!((rolling.counts.good, rolling.counts.total), (200, 350));
    assert_eq!(rolling.period, None);
}

#[test]
fn bad_time_zones_and_maintenance_are_reported_where_they_are() {
    let spec = "app: t\nregions: { primary: us-east-1 }\nslos:\n  a:\n    objective: 99%\n    window: month\n    time_zone: Europe/Berlln\n    maintenance: [{ from: 'tomorrow', to: '2026-12-01T11:00:00Z' }, { from: '2026-12-01T11:00:00Z', to: '2026-12-01T10:00:00Z' }]\n  b: { objective: 99%, window: 30d, time_zone: UTC }\n  c: { objective: 99%, window: fortnight }\n";
    let diags = match App::from_text(spec) {
        Ok(app) => app.validate(),
        Err(d) => d,
    };
    let at = |ptr: &str| diags.iter().find(|d| d.pointer == ptr).map(|d| d.message.clone()).unwrap_or_default();
    // `fortnight` fails to parse, which stops validation before the rest: check it alone, then the others.
    if !at("/slos/c/window").is_empty() {
        assert!(at("/slos/c/window").contains("`week`, `month` or `quarter`"), "{diags:?}");
        let spec = spec.replace("  c: { objective: 99%, window: fortnight }\n", "");
        let diags = App::from_text(&spec).unwrap().validate();
        let at = |ptr: &str| diags.iter().find(|d| d.pointer == ptr).map(|d| d.message.clone()).unwrap_or_default();
        assert!(at("/slos/a/time_zone").contains("Europe/Berlln"), "{diags:?}");
        assert!(at("/slos/a/maintenance/0/from").contains("RFC 3339"), "{diags:?}");
        assert!(at("/slos/a/maintenance/1/to").contains("before it starts"), "{diags:?}");
        assert!(at("/slos/b/time_zone").contains("no effect"), "{diags:?}");
    } else {
        panic!("`window: fortnight` was accepted: {diags:?}");
    }
}

#[test]
fn percentile_slos_judge_each_timeslice_by_its_p99() {
    let spec = "app: t\nregions: { primary: us-east-1 }\nslos:\n  p99: { objective: 90%, threshold: 300ms, percentile: 99%, budgeting: timeslices, timeslice: 1m }\n";
    let app = App::from_text(spec).unwrap();
    assert!(app.validate().iter().all(|d| d.severity != lift_core::Severity::Error), "{:?}", app.validate());
    // Ten minutes of 200 requests each; in minutes 3 and 7, 5% take 2 s: their p99 is slow.
    let mut csv = String::from("time_ms,slo,latency_ms\n");
    for minute in 0..10u64 {
        for i in 0..200u64 {
            let slow = (minute == 3 || minute == 7) && i % 20 == 0;
            csv.push_str(&format!("{},p99,{}\n", minute * 60_000 + i * 250, if slow { 2000.0 } else { 40.0 + (i % 7) as f64 }));
        }
    }
    let samples = lift_core::slo::parse_samples(&csv, None).unwrap();
    let r = lift_core::slo::report(app.spec(), &samples);
    let p99 = &r.slos[0];
    // Ten slices, two bad: 80% against a 90% objective.
    assert_eq!((p99.counts.good, p99.counts.total), (8, 10));
    assert_eq!(p99.attainment.as_deref(), Some("80%"));
    assert_eq!(p99.met, Some(false));
}

#[test]
fn a_percentile_needs_a_threshold_and_timeslices() {
    let spec = "app: t\nregions: { primary: us-east-1 }\nslos:\n  p: { objective: 90%, percentile: 99% }\n";
    let diags = App::from_text(spec).unwrap().validate();
    let at = |ptr: &str| diags.iter().find(|d| d.pointer == ptr).map(|d| d.message.clone()).unwrap_or_default();
    assert!(at("/slos/p/threshold").contains("needs the `threshold`"), "{diags:?}");
    assert!(at("/slos/p/percentile").contains("budgeting: timeslices"), "{diags:?}");
}

#[test]
fn composites_weight_their_parts_error_ratios_not_their_traffic() {
    let spec = "app: t\nregions: { primary: us-east-1 }\nslos:\n  busy: { objective: 99% }\n  quiet: { objective: 99% }\n  journey: { objective: 99%, composite: { busy: 1, quiet: 3 } }\n";
    let app = App::from_text(spec).unwrap();
    assert!(app.validate().iter().all(|d| d.severity != lift_core::Severity::Error), "{:?}", app.validate());
    // busy: 1,000,000 events, 0.1% bad; quiet: 100 events, 10% bad.
    let csv = "0,busy,999000,1000000\n0,quiet,90,100\n";
    let r = lift_core::slo::report(app.spec(), &lift_core::slo::parse_samples(csv, None).unwrap());
    let journey = r.slos.iter().find(|s| s.name == "journey").unwrap();
    // (1 x 0.001 + 3 x 0.1) / 4 = 0.07525: pooled by traffic it would be 0.00101 and hide the quiet part.
    assert_eq!(journey.attainment.as_deref(), Some("92.475%"));
    assert_eq!(journey.met, Some(false));
    assert_eq!(journey.budget_used.as_deref(), Some("752.5%"));
    let last = journey.burn_down.last().unwrap().1;
    assert!((last - (1.0 - 7.525)).abs() < 1e-9, "{last}");
    // A part with no events is left out of the mean.
    let r = lift_core::slo::report(app.spec(), &lift_core::slo::parse_samples("0,busy,999000,1000000\n", None).unwrap());
    let journey = r.slos.iter().find(|s| s.name == "journey").unwrap();
    assert_eq!(journey.attainment.as_deref(), Some("99.9%"));
}

#[test]
fn composite_parts_must_exist_and_be_plain() {
    let spec = "app: t\nregions: { primary: us-east-1 }\nslos:\n  a: { objective: 99% }\n  b: { objective: 99%, composite: { a: 1 } }\n  c: { objective: 99%, threshold: 1s, composite: { b: 1, a: 0, nope: 1 } }\n";
    let diags = App::from_text(spec).unwrap().validate();
    let at = |ptr: &str| diags.iter().find(|d| d.pointer == ptr).map(|d| d.message.clone()).unwrap_or_default();
    assert!(at("/slos/c/composite/nope").contains("not an SLO"), "{diags:?}");
    assert!(at("/slos/c/composite/b").contains("itself a composite"), "{diags:?}");
    assert!(at("/slos/c/composite/a").contains("weight 0"), "{diags:?}");
    assert!(at("/slos/c/threshold").contains("belongs on them"), "{diags:?}");
}

#[test]
fn throughput_slos_count_slices_with_enough_events_and_empty_ones_as_bad() {
    let spec = "app: t\nregions: { primary: us-east-1 }\nslos:\n  orders: { objective: 90%, min_throughput: 50, budgeting: timeslices, timeslice: 1m }\n  other: { objective: 99% }\n";
    let app = App::from_text(spec).unwrap();
    assert!(app.validate().iter().all(|d| d.severity != lift_core::Severity::Error), "{:?}", app.validate());
    // Ten minutes: minute 4 gets 10 orders, minutes 6 and 7 none at all (only `other` reports then).
    let mut csv = String::new();
    for minute in 0..10u64 {
        let n = match minute {
            4 => 10,
            6 | 7 => 0,
            _ => 80,
        };
        if n > 0 {
            csv.push_str(&format!("{},orders,{n},{n}\n", minute * 60_000 + 5_000));
        }
        csv.push_str(&format!("{},other,100,100\n", minute * 60_000));
    }
    let r = lift_core::slo::report(app.spec(), &lift_core::slo::parse_samples(&csv, None).unwrap());
    let orders = r.slos.iter().find(|s| s.name == "orders").unwrap();
    assert_eq!((orders.counts.good, orders.counts.total), (7, 10));
    assert_eq!(orders.attainment.as_deref(), Some("70%"));
    assert_eq!(orders.met, Some(false));
    let bad = App::from_text("app: t\nregions: { primary: us-east-1 }\nslos:\n  o: { objective: 90%, min_throughput: 5, threshold: 1s }\n")
        .unwrap()
        .validate();
    assert!(bad.iter().any(|d| d.pointer == "/slos/o/min_throughput" && d.message.contains("budgeting: timeslices")), "{bad:?}");
    assert!(bad.iter().any(|d| d.pointer == "/slos/o/min_throughput" && d.message.contains("not both")), "{bad:?}");
}

#[test]
fn samples_are_refused_by_line_when_they_cannot_be_true() {
    let app = App::from_text("app: a\nregions: { primary: us-east-1 }\nslos: { avail: { objective: 99%, window: 30d } }\n").unwrap();
    let report = |csv: &str| app.slo_report(csv, lift_core::app::ReportFormat::Json).map_err(|e| e.to_string());
    // A byte-order mark is fine.
    assert!(report("\u{feff}time_ms,slo,good,total\n0,avail,99,100\n").is_ok());
    // A name the spec lacks, more good than total, and counts that would overflow: each by its line.
    let e = report("0,avail,99,100\n1,avial,1,1\n2,avail,100,10\n").unwrap_err();
    assert!(e.contains("line 2: `1,avial,1,1`: the spec has no SLO named `avial` (it has avail)"), "{e}");
    assert!(e.contains("line 3: `2,avail,100,10`: 100 good events of 10 is more good than there were"), "{e}");
    let huge = format!("0,avail,{m},{m}\n1,avail,{m},{m}\n", m = u64::MAX);
    let e = report(&huge).unwrap_err();
    assert!(e.contains("line 2") && e.contains("would pass 2^64"), "{e}");
    // A million bad lines: the first twenty, then how many more.
    let bad = "x\n".repeat(1_000_000);
    let e = report(&bad).unwrap_err();
    assert_eq!(e.lines().count(), lift_core::slo::MAX_SAMPLE_ERRORS + 1, "{}", &e[..200]);
    assert!(e.ends_with("and 999980 more bad lines"), "{}", &e[e.len() - 80..]);
    // The spec is validated first: an objective of 100% is refused before any sample is read.
    let perfect = App::from_text("app: a\nregions: { primary: us-east-1 }\nslos: { s: { objective: 100%, window: 30d } }\n").unwrap();
    assert!(perfect.slo_report("0,s,1,1\n", lift_core::app::ReportFormat::Json).is_err());
}
