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
