//! An SLO gate's verdict: the new version's metrics over a step's bake, read
//! the way each SLO counts its events, and judged by the same attainment the
//! SLA report computes ([`crate::slo::attainment_of`]), so a gate on an SLO
//! means what the SLO means:
//!
//! - availability: invocations without errors, of all invocations;
//! - latency (`threshold`): invocations at most that slow, from CloudWatch's
//!   percentile rank `PR(:ms)` of `Duration`;
//! - percentile latency (`percentile` + `threshold`): one latency per period,
//!   the period's `pNN`, so a timeslice is good when its `pNN` is fast (across
//!   functions the slowest function's, since the `pNN` of the union is at most that);
//! - throughput (`min_throughput`): the invocations of every version, as a
//!   throughput is the service's and a canary at 10% carries a tenth of it;
//! - composite: each component read as above, their error ratios weighted.
//!
//! The host queries what [`Read`] names, per function and per period, and
//! hands back [`Reading`]s; time in the readings is the SLO's (scaled), so
//! timeslices mean what the spec says under `--time-scale` too.

use super::gate::Verdict;
use crate::evidence::{Comparison, Measurement};
pub use crate::slo::{Read, Reading};
use crate::slo::{Sample, attainment_of};
use crate::spec::Slo;
use crate::time::Duration;
use std::collections::BTreeMap;

/// The SLOs a gate on `name` reads: it, or its components, with what each needs.
pub fn reads<'a>(slos: &'a BTreeMap<String, Slo>, name: &str) -> Vec<(&'a str, Read)> {
    let Some((name, slo)) = slos.get_key_value(name) else { return vec![] };
    if slo.composite.is_empty() {
        return vec![(name.as_str(), Read::of(slo))];
    }
    slo.composite.keys().filter_map(|part| slos.get_key_value(part.as_str())).map(|(k, s)| (k.as_str(), Read::of(s))).collect()
}

/// The verdict of a gate on SLO `name` in `scope` from `samples` (of it and
/// its components), the bake ending before `end_ms` (SLO time): a failure when
/// the attainment is under the objective, no data when nothing was counted
/// (the spec's `no_data` policy decides), else a pass; with its measurement.
pub fn judge_slo(
    slos: &BTreeMap<String, Slo>,
    name: &str,
    samples: &[Sample<'_>],
    end_ms: u64,
    scope: &str,
    window: Duration,
) -> (Verdict, Measurement) {
    let objective = slos.get(name).map(|s| f64::from(s.objective.ppm()) / 1e6);
    // The report's end is the last instant counted; a throughput slice past the bake is not silent, it is unseen.
    let attained = attainment_of(slos, name, samples, end_ms.saturating_sub(1));
    let composite = slos.get(name).map(|s| s.composite.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    let what = match attained {
        _ if !composite.is_empty() => format!("slo {name} (composite of {})", composite.join(", ")),
        Some(a) if a.sliced => format!("slo {name}: good timeslices"),
        _ => format!("slo {name}: good events"),
    };
    let m = Measurement::new(what, attained.map(|a| a.ratio.to_f64()), objective, Comparison::AtLeast, "ratio").scoped(scope).over(window);
    match attained {
        None => (Verdict::NoData, m),
        Some(a) => (if a.met { Verdict::Pass } else { Verdict::Fail }, m.counted(a.counts.bad(), a.counts.total)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly by design")]
    use super::*;
    use proptest::prelude::*;

    fn slos(yaml: &str) -> BTreeMap<String, Slo> {
        let text = format!("app: t\nregions: {{ primary: us-east-1 }}\nslos:\n{yaml}");
        crate::App::from_text(&text).unwrap_or_else(|e| panic!("{e:?}")).spec().slos.clone()
    }

    fn minute(i: u64, n: f64, value: Option<f64>) -> Reading {
        Reading { at_ms: i * 60_000, invocations: n, value }
    }

    fn judged(s: &BTreeMap<String, Slo>, name: &str, readings: &BTreeMap<&str, Vec<Reading>>) -> (Verdict, String) {
        let samples: Vec<Sample<'_>> =
            reads(s, name).into_iter().flat_map(|(part, read)| read.samples(part, readings.get(part).map_or(&[][..], |v| v))).collect();
        let (v, m) = judge_slo(s, name, &samples, 5 * 60_000, "us-east-1", Duration::from_secs(300));
        (v, m.to_string())
    }

    #[test]
    fn each_kind_of_slo_reads_what_it_counts() {
        let s = slos(concat!(
            "  up: { objective: 99% }\n",
            "  fast: { objective: 90%, threshold: 200ms }\n",
            "  p99: { objective: 80%, threshold: 200ms, percentile: 99%, budgeting: timeslices }\n",
            "  busy: { objective: 80%, min_throughput: 100, budgeting: timeslices }\n",
            "  both: { objective: 99%, composite: { up: 1, fast: 1 } }\n",
        ));
        assert_eq!(Read::of(&s["up"]), Read::Errors);
        assert_eq!(Read::of(&s["fast"]), Read::Within { ms: 200 });
        assert_eq!(Read::of(&s["p99"]), Read::Percentile { stat: "p99".into() });
        assert_eq!(Read::of(&s["busy"]), Read::Throughput);
        assert_eq!(reads(&s, "both").iter().map(|r| r.0).collect::<Vec<_>>(), ["fast", "up"]);

        // 1 error in 200: 99.5% >= 99%.
        let r = BTreeMap::from([("up", vec![minute(0, 100.0, Some(1.0)), minute(1, 100.0, Some(0.0))])]);
        assert_eq!(judged(&s, "up", &r), (Verdict::Pass, "slo up: good events in us-east-1 over 5m: 99.5% (1 bad of 200) >= 99%".into()));
        // 85% of invocations within 200 ms, two functions in the same minute: (85 + 85) of 200.
        let r = BTreeMap::from([("fast", vec![minute(0, 100.0, Some(85.0)), minute(0, 100.0, Some(85.0))])]);
        assert_eq!(judged(&s, "fast", &r), (Verdict::Fail, "slo fast: good events in us-east-1 over 5m: 85% (30 bad of 200) < 90%".into()));
        // Five minutes, one p99 over 200 ms: 4 of 5 slices good, 80%.
        let r = BTreeMap::from([("p99", (0..5).map(|i| minute(i, 10.0, Some(if i == 2 { 450.0 } else { 120.0 }))).collect())]);
        assert_eq!(judged(&s, "p99", &r).0, Verdict::Pass);
        assert!(
            judged(&s, "p99", &r).1.contains("good timeslices in us-east-1 over 5m: 80% (1 bad of 5) >= 80%"),
            "{}",
            judged(&s, "p99", &r).1
        );
        // Throughput: a silent minute in the middle is a bad slice.
        let r = BTreeMap::from([(
            "busy",
            vec![minute(0, 150.0, None), minute(1, 150.0, None), minute(3, 150.0, None), minute(4, 150.0, None)],
        )]);
        assert_eq!(judged(&s, "busy", &r).0, Verdict::Pass);
        let r = BTreeMap::from([("busy", vec![minute(0, 150.0, None), minute(1, 50.0, None), minute(4, 150.0, None)])]);
        assert_eq!(judged(&s, "busy", &r).0, Verdict::Fail, "{}", judged(&s, "busy", &r).1);
        // Composite: up perfect, fast at 95% of its own traffic: (0 + 5%) / 2 = 2.5% bad > 1%.
        let r = BTreeMap::from([("up", vec![minute(0, 1000.0, Some(0.0))]), ("fast", vec![minute(0, 20.0, Some(95.0))])]);
        let (v, text) = judged(&s, "both", &r);
        assert_eq!(v, Verdict::Fail);
        assert!(text.starts_with("slo both (composite of fast, up) in us-east-1 over 5m: 97.5%"), "{text}");
    }

    #[test]
    fn nothing_read_is_no_data_never_a_pass() {
        let s = slos("  up: { objective: 99% }\n  fast: { objective: 90%, threshold: 200ms }\n");
        assert_eq!(judged(&s, "up", &BTreeMap::new()).0, Verdict::NoData);
        // Invocations without their statistic: that period is not counted as good.
        let r = BTreeMap::from([("fast", vec![minute(0, 100.0, None)])]);
        let (v, text) = judged(&s, "fast", &r);
        assert_eq!(v, Verdict::NoData);
        assert!(text.ends_with("no data"), "{text}");
        assert_eq!(judged(&s, "missing", &r).0, Verdict::NoData);
    }

    proptest! {
        /// An availability gate passes exactly when the errors summed over
        /// every function and period stay within the budget.
        #[test]
        fn availability_follows_the_counts(points in proptest::collection::vec((0u64..5, 0u64..500, 0u64..50), 1..20)) {
            let s = slos("  up: { objective: 95% }\n");
            let readings: Vec<Reading> = points.iter().map(|&(i, n, e)| minute(i, n as f64, Some(e.min(n) as f64))).collect();
            let (n, e) = points.iter().fold((0u64, 0u64), |(n, e), &(_, pn, pe)| (n + pn, e + pe.min(pn)));
            let (v, _) = judged(&s, "up", &BTreeMap::from([("up", readings)]));
            let want = if n == 0 { Verdict::NoData } else if (n - e) * 100 >= n * 95 { Verdict::Pass } else { Verdict::Fail };
            prop_assert_eq!(v, want);
        }
    }
}
