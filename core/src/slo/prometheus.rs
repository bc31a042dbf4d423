//! Prometheus recording and alerting rules for the app's SLOs (Sloth's metric
//! names, so dashboards carry over), and a promtool unit-test file that
//! replays a synthetic outage and says when each alert fires and resets.

use super::{AlertRule, Ratio, budget_ppm, default_rules};
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

/// Prometheus's duration syntax (`5m`, `1h`, `3d`).
fn prom_window(d: Duration) -> String {
    d.to_string()
}

/// The PromQL of an SLO's bad and all events, `{{window}}` standing for the
/// range. For an SLO judged per timeslice the events are its slices: the
/// recorded verdicts ([`SLICE_RECORD`]) summed and counted over the window.
pub(crate) fn queries(spec: &Spec, name: &str, slo: &crate::spec::Slo) -> (String, String) {
    if !records_slices(slo) {
        return request_queries(spec, name, slo);
    }
    let series = format!("{SLICE_RECORD}{{lift_app=\"{}\",lift_slo=\"{name}\"}}", spec.app);
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

fn alert_name(name: &str, r: &AlertRule) -> String {
    let sev = r.severity.title();
    let camel: String = name
        .split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect();
    format!("{camel}BudgetBurn{sev}{}", prom_window(r.long_window))
}

/// The rules file for every SLO of `spec`, as YAML.
pub fn rules_yaml(spec: &Spec) -> String {
    let a = Bump::new();
    let mut groups = vec![];
    for (name, slo) in &spec.slos {
        let rules = default_rules(slo.window.period());
        let (errors, total) = queries(spec, name, slo);
        let composite = composite_queries(spec, slo);
        let labels = || tmap! { &a; "lift_app" => spec.app.as_str(), "lift_slo" => name.as_str() };
        let mut windows: Vec<Duration> = rules.iter().flat_map(|r| [r.short_window, r.long_window]).collect();
        windows.sort();
        windows.dedup();
        let mut recs = vec![];
        let slicing = slice_rule(spec, name, slo);
        if let Some((predicate, _)) = &slicing {
            recs.push(tmap! { &a; "record" => SLICE_RECORD, "expr" => a.alloc_str(predicate) as &str, "labels" => labels() });
        }
        for w in &windows {
            let wt = prom_window(*w);
            let expr = match &composite {
                Some((ratio, _)) => ratio.replace("{{window}}", &wt),
                None => format!("({})\n/\n({})", errors.replace("{{window}}", &wt), total.replace("{{window}}", &wt)),
            };
            recs.push(tmap! { &a; "record" => a.alloc_str(&format!("slo:sli_error:ratio_rate{wt}")) as &str, "expr" => a.alloc_str(&expr) as &str, "labels" => labels() });
        }
        recs.push(tmap! { &a; "record" => "slo:objective:ratio", "expr" => a.alloc_str(&format!("vector({})", super::ppm_decimal(slo.objective.ppm()))) as &str, "labels" => labels() });
        recs.push(tmap! { &a; "record" => "slo:error_budget:ratio", "expr" => a.alloc_str(&format!("vector({})", super::ppm_decimal(budget_ppm(slo.objective)))) as &str, "labels" => labels() });
        let selector = format!("{{lift_app=\"{}\",lift_slo=\"{name}\"}}", spec.app);
        let mut alerts = vec![];
        for r in &rules {
            let threshold = exact_decimal(r.error_ratio(slo.objective));
            let (lw, sw) = (prom_window(r.long_window), prom_window(r.short_window));
            let secs = r.long_window.as_secs();
            let both = format!(
                "(slo:sli_error:ratio_rate{lw}{selector} > {threshold})\nand\n(slo:sli_error:ratio_rate{sw}{selector} > {threshold})"
            );
            // Low traffic: too few events in the long window is no page (slices already stand for their traffic).
            let expr = if sliced(slo) {
                both
            } else {
                format!(
                    "{both}\nand on()\n(({}) * {secs} >= {})",
                    composite.as_ref().map_or(&total, |(_, t)| t).replace("{{window}}", &lw),
                    slo.min_events
                )
            };
            let mut lab = MapBuilder::new(&a);
            lab.push("severity", r.severity.as_str());
            lab.push("lift_app", spec.app.as_str());
            lab.push("lift_slo", name.as_str());
            let summary = format!("{} SLO {name}: error budget burning {}x over {lw} and {sw}", spec.app, r.burn_rate.to_decimal());
            let description = format!(
                "{}% of the {} budget would be spent in {lw} at this rate (objective {})",
                ratio_pct(r.budget_ppm),
                prom_window(slo.window.period()),
                slo.objective
            );
            alerts.push(tmap! { &a;
                "alert" => a.alloc_str(&alert_name(name, r)) as &str,
                "expr" => a.alloc_str(&expr) as &str,
                "labels" => lab.finish(),
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
        // good: 1000/min for 60 min, flat for 60 (outage), then 1000/min; bad: the reverse.
        let good = "0+1000x60 60000x60 60000+1000x540";
        let bad = "0x60 0+1000x60 60000x540";
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
        let rules = default_rules(slo.window.period());
        let firing = |at: &str| {
            let mut cases = vec![];
            for r in &rules {
                let exp = if at == "75m" {
                    let summary = format!(
                        "{} SLO {name}: error budget burning {}x over {} and {}",
                        spec.app,
                        r.burn_rate.to_decimal(),
                        prom_window(r.long_window),
                        prom_window(r.short_window)
                    );
                    let description = format!(
                        "{}% of the {} budget would be spent in {} at this rate (objective {})",
                        ratio_pct(r.budget_ppm),
                        prom_window(slo.window.period()),
                        prom_window(r.long_window),
                        slo.objective
                    );
                    let sev = r.severity.as_str();
                    list(
                        &a,
                        [tmap! { &a;
                            "exp_labels" => tmap! { &a; "severity" => sev, "lift_app" => spec.app.as_str(), "lift_slo" => name.as_str() },
                            "exp_annotations" => tmap! { &a; "summary" => a.alloc_str(&summary) as &str, "description" => a.alloc_str(&description) as &str },
                        }],
                    )
                } else {
                    Tree::List(&[])
                };
                cases.push(tmap! { &a; "eval_time" => a.alloc_str(at) as &str, "alertname" => a.alloc_str(&alert_name(name, r)) as &str, "exp_alerts" => exp });
            }
            cases
        };
        // Before the outage nothing fires; a quarter hour in every rule fires (a composite
        // reads its parts' recorded series, one evaluation behind them);
        // eight hours after it the short windows are clean and all reset.
        let cases: Vec<Tree<'_>> = ["50m", "75m", "600m"].iter().flat_map(|at| firing(at)).collect();
        tests.push(tmap! { &a; "interval" => "1m", "input_series" => input, "alert_rule_test" => list(&a, cases) });
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
    fn exact_decimals() {
        assert_eq!(exact_decimal(Ratio { num: 144, den: 10_000 }), "0.0144");
        assert_eq!(exact_decimal(Ratio { num: 999, den: 1000 }), "0.999");
        assert_eq!(exact_decimal(Ratio { num: 3, den: 1 }), "3");
    }
}
