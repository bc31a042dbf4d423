//! Prometheus recording and alerting rules for the app's SLOs (Sloth's metric
//! names, so dashboards carry over), and a promtool unit-test file that
//! replays a synthetic outage and says when each alert fires and resets.

use super::{AlertRule, Ratio, Severity, budget_ppm, default_rules};
use crate::spec::Spec;
use crate::spec::units::Duration;
use crate::text::tree::{Bump, MapBuilder, Tree, list};
use crate::text::yaml::tree_to_yaml;
use crate::tmap;

/// An exact decimal for a fraction with a terminating expansion (up to 18 places).
pub fn exact_decimal(r: Ratio) -> String {
    let int = r.num / r.den;
    let mut rem = r.num % r.den;
    let mut digits = String::new();
    while rem != 0 && digits.len() < 18 {
        rem *= 10;
        digits.push(char::from(b'0' + u8::try_from(rem / r.den).unwrap_or(0)));
        rem %= r.den;
    }
    if digits.is_empty() { int.to_string() } else { format!("{int}.{digits}") }
}

/// A duration as Prometheus writes it (`5m`, `2d19h12m`, `4w`, `30d`): years
/// and weeks only when they are whole, as Sloth names its period series
/// (`ratio_rate30d`, `ratio_rate4w`).
pub(crate) fn prom_window(d: Duration) -> String {
    const UNITS: [(&str, u64, bool); 7] = [
        ("y", 365 * 86_400_000, true),
        ("w", 7 * 86_400_000, true),
        ("d", 86_400_000, false),
        ("h", 3_600_000, false),
        ("m", 60_000, false),
        ("s", 1000, false),
        ("ms", 1, false),
    ];
    let mut rest = d.as_millis();
    if rest == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, factor, whole) in UNITS {
        if rest >= factor && !(whole && rest % factor != 0) {
            out.push_str(&format!("{}{unit}", rest / factor));
            rest %= factor;
        }
    }
    out
}

/// Sloth's labels of an SLO's series (`sloth_id`, `sloth_service`, `sloth_slo`):
/// the app is the service, so Sloth's dashboards read Lift's rules unchanged.
pub(crate) struct Ids<'s> {
    id: String,
    service: &'s str,
    slo: &'s str,
}

impl<'s> Ids<'s> {
    pub(crate) fn new(spec: &'s Spec, name: &'s str) -> Ids<'s> {
        Ids { id: format!("{}-{name}", spec.app), service: &spec.app, slo: name }
    }

    /// The three labels, into a map being built.
    fn push<'a>(&self, m: &mut MapBuilder<'a>, a: &'a Bump) {
        m.push("sloth_id", a.alloc_str(&self.id) as &str);
        m.push("sloth_service", a.alloc_str(self.service) as &str);
        m.push("sloth_slo", a.alloc_str(self.slo) as &str);
    }

    /// The labels, with `sloth_window` on a ratio over a window.
    fn labels<'a>(&self, a: &'a Bump, window: Option<&str>) -> Tree<'a> {
        let mut m = MapBuilder::new(a);
        self.push(&mut m, a);
        if let Some(w) = window {
            m.push("sloth_window", a.alloc_str(w) as &str);
        }
        m.finish()
    }

    /// A PromQL label matcher of these series.
    pub(crate) fn selector(&self) -> String {
        self.matcher(None)
    }

    /// The matcher, with `sloth_window` when given (a series' full label set, as promtool prints it).
    fn matcher(&self, window: Option<&str>) -> String {
        let w = window.map(|w| format!(", sloth_window=\"{w}\"")).unwrap_or_default();
        format!("{{sloth_id=\"{}\", sloth_service=\"{}\", sloth_slo=\"{}\"{w}}}", self.id, self.service, self.slo)
    }
}

/// One window of a pair: its error ratio above the rule's threshold, without
/// `sloth_window` so that the pair's two windows match (Sloth's shape).
fn over(window: Duration, selector: &str, threshold: &str) -> String {
    format!("max(slo:sli_error:ratio_rate{}{selector} > {threshold}) without (sloth_window)", prom_window(window))
}

/// The SLO's period in days, exactly (`slo:time_period:days`).
fn period_days(slo: &crate::spec::Slo) -> String {
    exact_decimal(Ratio { num: u128::from(slo.window.period().as_millis()), den: 86_400_000 })
}

/// The PromQL of an SLO's bad and all events, `{{window}}` standing for the
/// range. For an SLO judged per timeslice the events are its slices: the
/// recorded verdicts ([`SLICE_RECORD`]) summed and counted over the window.
pub(crate) fn queries(spec: &Spec, name: &str, slo: &crate::spec::Slo) -> (String, String) {
    if !records_slices(slo) {
        return request_queries(spec, name, slo);
    }
    let series = format!("{SLICE_RECORD}{}", Ids::new(spec, name).selector());
    (format!("sum_over_time({series}[{{{{window}}}}])"), format!("count_over_time({series}[{{{{window}}}}])"))
}

/// The rates of bad and all requests: the SLO's own queries, or Lift's default metric.
fn request_queries(spec: &Spec, name: &str, slo: &crate::spec::Slo) -> (String, String) {
    match &slo.prometheus {
        Some(q) => (q.errors.clone(), q.total.clone()),
        None => (
            format!("sum(rate(lift_events_total{{app=\"{}\",slo=\"{name}\",outcome=\"bad\"}}[{{{{window}}}}]))", spec.app),
            format!("sum(rate(lift_events_total{{app=\"{}\",slo=\"{name}\"}}[{{{{window}}}}]))", spec.app),
        ),
    }
}

/// Whether the SLO's rule group records a verdict per slice (a composite reads its parts' instead).
fn records_slices(slo: &crate::spec::Slo) -> bool {
    sliced(slo) && slo.composite.is_empty()
}

/// The recorded verdict of each timeslice (1 bad, 0 good; a ratio for
/// ratio-timeslices), written once per slice by the SLO's rule group, whose
/// interval is the slice: windows then read a plain range of it, far cheaper
/// than a subquery per window.
const SLICE_RECORD: &str = "slo:timeslice_bad:ratio";

/// The recording rule of a sliced SLO's verdicts, and the group interval.
fn slice_rule(spec: &Spec, name: &str, slo: &crate::spec::Slo) -> Option<(String, String)> {
    if !records_slices(slo) {
        return None;
    }
    let (errors, total) = request_queries(spec, name, slo);
    Some((slice_predicate(spec, name, slo, &errors, &total)?, prom_window(slo.timeslice)))
}

/// Whether a slice is bad (1) or good (0), as PromQL over one slice; `None` for an occurrences SLO.
fn slice_predicate(spec: &Spec, name: &str, slo: &crate::spec::Slo, errors: &str, total: &str) -> Option<String> {
    let slice = prom_window(slo.timeslice);
    let at_slice = |q: &str| q.replace("{{window}}", &slice);
    // A slice without events has no ratio (0/0 is NaN, which would poison the window's sum): left out.
    let ratio = || format!("(({}) / ({})) and (({}) > 0)", at_slice(errors), at_slice(total), at_slice(total));
    if let (Some(pct), Some(threshold), None) = (slo.percentile, slo.threshold, &slo.prometheus) {
        let q = exact_decimal(Ratio { num: u128::from(pct.ppm()), den: 1_000_000 });
        let seconds = exact_decimal(Ratio { num: u128::from(threshold.as_millis()), den: 1000 });
        return Some(format!(
            "histogram_quantile({q}, sum by (le) (rate(lift_request_duration_seconds_bucket{{app=\"{}\",slo=\"{name}\"}}[{slice}]))) > bool {seconds}",
            spec.app
        ));
    }
    if let Some(min) = slo.min_throughput {
        // Events in the slice: the rate times the slice's seconds.
        return Some(format!("({}) * {} < bool {min}", at_slice(total), slo.timeslice.as_secs()));
    }
    match slo.budgeting {
        crate::spec::Budgeting::Occurrences => None,
        crate::spec::Budgeting::Timeslices => {
            let target = slo.timeslice_target.unwrap_or(slo.objective);
            Some(format!("({}) > bool {}", ratio(), super::ppm_decimal(1_000_000 - target.ppm())))
        }
        // The slice's own error ratio: the window's mean is the mean of the slices'.
        crate::spec::Budgeting::RatioTimeslices => Some(ratio()),
    }
}

/// Whether an SLO's events are timeslices (percentile, throughput, or timeslice budgeting).
pub fn sliced(slo: &crate::spec::Slo) -> bool {
    slo.percentile.is_some() || slo.min_throughput.is_some() || slo.budgeting != crate::spec::Budgeting::Occurrences
}

/// The alert of a severity: `AvailabilityBudgetBurnPage`.
fn alert_name(name: &str, severity: Severity) -> String {
    let camel: String = name
        .split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect();
    format!("{camel}BudgetBurn{}", severity.title())
}

/// Lift's own helper series: an SLO's bad and all events per second over
/// 5 minutes, from which the period's error ratio is weighted by traffic.
const ERRORS_5M: &str = "lift_slo:errors:rate5m";
const EVENTS_5M: &str = "lift_slo:events:rate5m";

/// The windows an SLO's rules read: each rule's two, and 5m for the current burn rate.
fn windows(rules: &[AlertRule]) -> Vec<Duration> {
    let mut w: Vec<Duration> = rules.iter().flat_map(|r| [r.short_window, r.long_window]).collect();
    w.push(Duration::from_secs(300));
    w.sort();
    w.dedup();
    w
}

/// The summary and description of a severity's alert, which fires on any of its rules.
fn alert_text(spec: &Spec, name: &str, slo: &crate::spec::Slo, rules: &[&AlertRule]) -> (String, String) {
    let severity = rules.first().map_or(Severity::Page, |r| r.severity);
    let summary = format!("{} SLO {name}: error budget burning fast ({})", spec.app, severity.as_str());
    let parts: Vec<String> = rules
        .iter()
        .map(|r| {
            format!(
                "{}x over {} and {} ({}% of the budget in {})",
                r.burn_rate.to_decimal(),
                prom_window(r.long_window),
                prom_window(r.short_window),
                ratio_pct(r.budget_ppm),
                prom_window(r.long_window)
            )
        })
        .collect();
    let description = format!("{}; objective {} over {}", parts.join(", or "), slo.objective, prom_window(slo.window.period()));
    (summary, description)
}

/// The rules file for every SLO of `spec`, as YAML: Sloth's series, labels
/// and alert shape (one page and one ticket alert, each the OR of its window
/// pairs), with Lift's exact thresholds and traffic-weighted period ratio.
pub fn rules_yaml(spec: &Spec) -> String {
    let a = Bump::new();
    let mut groups = vec![];
    for (name, slo) in &spec.slos {
        let ids = Ids::new(spec, name);
        let selector = ids.selector();
        let rules = default_rules(slo.window.period());
        let (errors, total) = queries(spec, name, slo);
        let composite = composite_queries(spec, slo);
        let period = prom_window(slo.window.period());
        let mut recs = vec![];
        let slicing = slice_rule(spec, name, slo);
        if let Some((predicate, _)) = &slicing {
            record(&a, &mut recs, &ids, SLICE_RECORD, predicate, None);
        }
        for w in windows(&rules) {
            let wt = prom_window(w);
            let expr = match &composite {
                Some((ratio, _)) => ratio.replace("{{window}}", &wt),
                None => format!("({})\n/\n({})", errors.replace("{{window}}", &wt), total.replace("{{window}}", &wt)),
            };
            record(&a, &mut recs, &ids, &format!("slo:sli_error:ratio_rate{wt}"), &expr, Some(&wt));
        }
        // The period's error ratio. Sloth averages the 5m ratios, which weighs a quiet
        // night's five minutes as much as a busy hour's; Lift weighs them by traffic.
        let period_expr = if composite.is_some() {
            composite_period(spec, slo, &period)
        } else if records_slices(slo) {
            format!("({})\n/\n({})", errors.replace("{{window}}", &period), total.replace("{{window}}", &period))
        } else {
            record(&a, &mut recs, &ids, ERRORS_5M, &errors.replace("{{window}}", "5m"), None);
            record(&a, &mut recs, &ids, EVENTS_5M, &total.replace("{{window}}", "5m"), None);
            format!("sum_over_time({ERRORS_5M}{selector}[{period}])\n/\nsum_over_time({EVENTS_5M}{selector}[{period}])")
        };
        record(&a, &mut recs, &ids, &format!("slo:sli_error:ratio_rate{period}"), &period_expr, Some(&period));
        record(&a, &mut recs, &ids, "slo:objective:ratio", &format!("vector({})", super::ppm_decimal(slo.objective.ppm())), None);
        record(&a, &mut recs, &ids, "slo:error_budget:ratio", &format!("vector({})", super::ppm_decimal(budget_ppm(slo.objective))), None);
        record(&a, &mut recs, &ids, "slo:time_period:days", &format!("vector({})", period_days(slo)), None);
        let per_budget = |series: &str| {
            format!("{series}{selector}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio{selector}")
        };
        record(&a, &mut recs, &ids, "slo:current_burn_rate:ratio", &per_budget("slo:sli_error:ratio_rate5m"), None);
        record(&a, &mut recs, &ids, "slo:period_burn_rate:ratio", &per_budget(&format!("slo:sli_error:ratio_rate{period}")), None);
        record(&a, &mut recs, &ids, "slo:period_error_budget_remaining:ratio", &format!("1 - slo:period_burn_rate:ratio{selector}"), None);
        let mut info = MapBuilder::new(&a);
        ids.push(&mut info, &a);
        info.push("sloth_mode", "lift");
        info.push("sloth_objective", a.alloc_str(&exact_decimal(Ratio { num: u128::from(slo.objective.ppm()), den: 10_000 })) as &str);
        info.push("sloth_spec", "lift");
        info.push("sloth_version", concat!("lift-", env!("CARGO_PKG_VERSION")));
        recs.push(tmap! { &a; "record" => "sloth_slo_info", "expr" => "vector(1)", "labels" => info.finish() });
        let mut alerts = vec![];
        for severity in [Severity::Page, Severity::Ticket] {
            let of: Vec<&AlertRule> = rules.iter().filter(|r| r.severity == severity).collect();
            let pairs: Vec<String> = of
                .iter()
                .map(|r| {
                    let threshold = exact_decimal(r.error_ratio(slo.objective));
                    let lw = prom_window(r.long_window);
                    let both = format!(
                        "    {}\n    and\n    {}",
                        over(r.short_window, &selector, &threshold),
                        over(r.long_window, &selector, &threshold)
                    );
                    // Low traffic: too few events in the long window is no alert (slices already stand for their traffic).
                    if sliced(slo) {
                        format!("(\n{both}\n)")
                    } else {
                        let events = composite.as_ref().map_or(&total, |(_, t)| t).replace("{{window}}", &lw);
                        format!("(\n{both}\n    and on()\n    (({events}) * {} >= {})\n)", r.long_window.as_secs(), slo.min_events)
                    }
                })
                .collect();
            let (summary, description) = alert_text(spec, name, slo, &of);
            alerts.push(tmap! { &a;
                "alert" => a.alloc_str(&alert_name(name, severity)) as &str,
                "expr" => a.alloc_str(&pairs.join("\nor\n")) as &str,
                "labels" => tmap! { &a; "severity" => severity.as_str(), "sloth_severity" => severity.as_str() },
                "annotations" => tmap! { &a; "summary" => a.alloc_str(&summary) as &str, "description" => a.alloc_str(&description) as &str },
            });
        }
        let group_name: &str = a.alloc_str(&format!("lift-slo-{}-{name}", spec.app));
        let rules = list(&a, recs.into_iter().chain(alerts));
        groups.push(match &slicing {
            // One evaluation per slice: each recorded verdict is one slice.
            Some((_, interval)) => tmap! { &a; "name" => group_name, "interval" => a.alloc_str(interval) as &str, "rules" => rules },
            None => tmap! { &a; "name" => group_name, "rules" => rules },
        });
    }
    tree_to_yaml(&tmap! { &a; "groups" => list(&a, groups) })
}

/// Append a recording rule with the SLO's labels.
fn record<'a>(a: &'a Bump, recs: &mut Vec<Tree<'a>>, ids: &Ids<'_>, name: &str, expr: &str, window: Option<&str>) {
    recs.push(tmap! { a; "record" => a.alloc_str(name) as &str, "expr" => a.alloc_str(expr) as &str, "labels" => ids.labels(a, window) });
}

/// A composite's error ratio over its period: the weighted mean of its parts'
/// recorded period ratios when they share the period, else of their queries.
fn composite_period(spec: &Spec, slo: &crate::spec::Slo, period: &str) -> String {
    let same = slo.composite.keys().all(|p| spec.slos.get(p).is_some_and(|s| s.window.period() == slo.window.period()));
    if !same {
        return composite_queries(spec, slo).map(|(ratio, _)| ratio.replace("{{window}}", period)).unwrap_or_default();
    }
    let weights: u64 = slo.composite.values().map(|w| u64::from(*w)).sum();
    let terms: Vec<String> = slo
        .composite
        .iter()
        .map(|(part, weight)| format!("{weight} * sum(slo:sli_error:ratio_rate{period}{})", Ids::new(spec, part).selector()))
        .collect();
    format!("(\n  {}\n) / {weights}", terms.join("\n  +\n  "))
}

/// A composite's error ratio (the weighted mean of its parts' ratios) and
/// its event rate (all its parts' events), with `{{window}}` for the range.
/// Each part is summed to one series, so parts with different labels combine.
fn composite_queries(spec: &Spec, slo: &crate::spec::Slo) -> Option<(String, String)> {
    if slo.composite.is_empty() {
        return None;
    }
    let mut terms = vec![];
    let mut totals = vec![];
    // One series per part, whatever labels its queries keep.
    let summed = |q: String| if q.starts_with("sum(") && q.ends_with(')') { q } else { format!("sum({q})") };
    for (part, weight) in &slo.composite {
        let p = spec.slos.get(part)?;
        let (e, t) = queries(spec, part, p);
        let (e, t) = (summed(e), summed(t));
        terms.push(format!("{weight} * ({e} / {t})"));
        totals.push(t);
    }
    let weights: u64 = slo.composite.values().map(|w| u64::from(*w)).sum();
    Some((format!("(\n  {}\n) / {weights}", terms.join("\n  +\n  ")), totals.join("\n+\n")))
}

fn ratio_pct(ppm: u32) -> String {
    exact_decimal(Ratio { num: u128::from(ppm), den: 10_000 })
}

/// A promtool unit-test file for [`rules_yaml`]: 1,000 requests a minute,
/// a total outage from minute 60 to 120, and the alerts expected before,
/// during and long after it. Only for SLOs on Lift's default metric.
pub fn promtool_tests_yaml(spec: &Spec, rules_file: &str) -> String {
    let a = Bump::new();
    let mut tests = vec![];
    // SLOs on Lift's default metric, and composites whose parts all are.
    // (Percentile and throughput SLOs read other series than the outage's.)
    let default_metric =
        |s: &crate::spec::Slo| s.prometheus.is_none() && s.composite.is_empty() && s.percentile.is_none() && s.min_throughput.is_none();
    let testable = |s: &crate::spec::Slo| {
        default_metric(s) || (!s.composite.is_empty() && s.composite.keys().all(|p| spec.slos.get(p).is_some_and(default_metric)))
    };
    for (name, slo) in spec.slos.iter().filter(|(_, s)| testable(s)) {
        // A composite's parts all go down together: its error ratio is theirs.
        let sources: Vec<&str> =
            if slo.composite.is_empty() { vec![name.as_str()] } else { slo.composite.keys().map(String::as_str).collect() };
        // good: 1000/min (250 every 15s, so even a 1m window holds samples) for 60 min,
        // flat for 60 (outage), then 1000/min; bad: the reverse.
        let good = "0+250x240 60000x240 60000+250x2160";
        let bad = "0x240 0+250x240 60000x2160";
        let input = list(
            &a,
            sources.iter().flat_map(|source| {
                let series = |outcome: &str| format!("lift_events_total{{app=\"{}\",slo=\"{source}\",outcome=\"{outcome}\"}}", spec.app);
                [
                    tmap! { &a; "series" => a.alloc_str(&series("good")) as &str, "values" => good },
                    tmap! { &a; "series" => a.alloc_str(&series("bad")) as &str, "values" => bad },
                ]
            }),
        );
        let ids = Ids::new(spec, name);
        let rules = default_rules(slo.window.period());
        let mut cases = vec![];
        // Before the outage nothing fires; a quarter hour in both severities fire (a composite
        // reads its parts' recorded series, one evaluation behind them);
        // eight hours after it the short windows are clean and all reset.
        for at in ["50m", "75m", "600m"] {
            for severity in [Severity::Page, Severity::Ticket] {
                let of: Vec<&AlertRule> = rules.iter().filter(|r| r.severity == severity).collect();
                let exp = if at == "75m" {
                    let (summary, description) = alert_text(spec, name, slo, &of);
                    let mut labels = MapBuilder::new(&a);
                    labels.push("severity", severity.as_str());
                    labels.push("sloth_severity", severity.as_str());
                    ids.push(&mut labels, &a);
                    list(
                        &a,
                        [tmap! { &a;
                            "exp_labels" => labels.finish(),
                            "exp_annotations" => tmap! { &a; "summary" => a.alloc_str(&summary) as &str, "description" => a.alloc_str(&description) as &str },
                        }],
                    )
                } else {
                    Tree::List(&[])
                };
                cases.push(
                    tmap! { &a; "eval_time" => at, "alertname" => a.alloc_str(&alert_name(name, severity)) as &str, "exp_alerts" => exp },
                );
            }
        }
        // Each window pair on its own: both windows over the rule's threshold a quarter hour in.
        let selector = ids.selector();
        let mut exprs = vec![];
        for r in &rules {
            let threshold = exact_decimal(r.error_ratio(slo.objective));
            let expr = format!("count({} and {})", over(r.short_window, &selector, &threshold), over(r.long_window, &selector, &threshold));
            exprs.push(tmap! { &a; "expr" => a.alloc_str(&expr) as &str, "eval_time" => "75m", "exp_samples" => list(&a, [tmap! { &a; "labels" => "{}", "value" => 1u64 }]) });
        }
        // Sloth's series: before the outage no budget is spent and none is burning.
        let days = period_days(slo);
        for (series, value) in [
            ("slo:period_error_budget_remaining:ratio", "1"),
            ("slo:current_burn_rate:ratio", "0"),
            ("slo:time_period:days", a.alloc_str(&days) as &str),
        ] {
            let expr = format!("{series}{selector} + 0");
            // As in Sloth, a burn rate keeps the `sloth_window` of the ratio it divides.
            let window = match series {
                "slo:time_period:days" => None,
                "slo:current_burn_rate:ratio" => Some("5m".to_owned()),
                _ => Some(prom_window(slo.window.period())),
            };
            let labels: &str = a.alloc_str(&ids.matcher(window.as_deref()));
            let value = value.parse::<serde_json::Number>().map_or(Tree::Str(value), |n| Tree::Num(a.alloc(n)));
            let sample = list(&a, [tmap! { &a; "labels" => labels, "value" => value }]);
            exprs.push(tmap! { &a; "expr" => a.alloc_str(&expr) as &str, "eval_time" => "50m", "exp_samples" => sample });
        }
        tests.push(tmap! { &a; "interval" => "15s", "input_series" => input, "alert_rule_test" => list(&a, cases), "promql_expr_test" => list(&a, exprs) });
    }
    tree_to_yaml(&tmap! { &a; "rule_files" => tlist_one(&a, rules_file), "evaluation_interval" => "1m", "tests" => list(&a, tests) })
}

fn tlist_one<'a>(a: &'a Bump, s: &str) -> Tree<'a> {
    Tree::List(a.alloc_slice_copy(&[Tree::Str(a.alloc_str(s))]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_prometheus_writes_them() {
        let d = |s: u64| prom_window(Duration::from_secs(s));
        assert_eq!(
            [d(300), d(241_920), d(28 * 86_400), d(30 * 86_400), d(90 * 86_400), d(14 * 86_400), d(365 * 86_400)],
            ["5m", "2d19h12m", "4w", "30d", "90d", "2w", "1y"]
        );
    }

    #[test]
    fn exact_decimals() {
        assert_eq!(exact_decimal(Ratio { num: 144, den: 10_000 }), "0.0144");
        assert_eq!(exact_decimal(Ratio { num: 999, den: 1000 }), "0.999");
        assert_eq!(exact_decimal(Ratio { num: 3, den: 1 }), "3");
    }
}
