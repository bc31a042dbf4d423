//! A gate's verdict from what was measured over a step's bake: pure, so the
//! runner, the simulator and the tests judge the same numbers the same way.
//!
//! The new version is judged on its own traffic (Lambda's `ExecutedVersion`
//! metrics); the previous version's numbers go beside it in the evidence, so a
//! person sees whether the new one is worse or the whole region is.

use super::gate::Verdict;
use crate::evidence::{Comparison, Evidence, Measurement};
use crate::time::Duration;
use serde::{Deserialize, Serialize};

/// What one version did over the window: invocations, errors, p99 latency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Traffic {
    /// Invocations.
    pub invocations: u64,
    /// Invocations that failed.
    pub errors: u64,
    /// The 99th percentile of duration (ms), when there were invocations.
    pub p99_ms: Option<f64>,
}

impl Traffic {
    /// Both windows' traffic together; the slower p99 (a p99 of the union is not known from the parts).
    pub fn and(self, other: Traffic) -> Traffic {
        Traffic {
            invocations: self.invocations.saturating_add(other.invocations),
            errors: self.errors.saturating_add(other.errors),
            p99_ms: match (self.p99_ms, other.p99_ms) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
        }
    }

    /// Errors per invocation; `None` without invocations.
    pub fn error_rate(&self) -> Option<f64> {
        (self.invocations > 0).then(|| self.errors.min(self.invocations) as f64 / self.invocations as f64)
    }
}

/// The thresholds a step's metric gates hold the new version to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// The highest error rate (a ratio), if the spec gates on it.
    pub error_rate: Option<f64>,
    /// The highest p99 latency (ms), if the spec gates on it.
    pub latency_p99_ms: Option<f64>,
}

/// What was measured in one scope (a region) over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    /// Where: a region.
    pub scope: String,
    /// The new version's traffic.
    pub new: Traffic,
    /// The previous version's, when it still serves some.
    pub previous: Option<Traffic>,
}

/// The verdict on `observed` over `window`: a failure if any scope's new
/// version is over a threshold; no data if a scope's new version served
/// nothing (the spec's `no_data` policy decides what that means, never this);
/// else a pass. The evidence holds every number, the previous version's too.
pub fn judge(thresholds: &Thresholds, observed: &[Observed], window: Duration) -> (Verdict, Evidence) {
    let mut measurements = vec![];
    let (mut failed, mut missing) = (false, observed.is_empty());
    for o in observed {
        let rate = o.new.error_rate();
        missing |= rate.is_none();
        if let Some(t) = thresholds.error_rate {
            let m = Measurement::new("error rate", rate, Some(t), Comparison::AtMost, "ratio").scoped(&o.scope).over(window);
            let m = if rate.is_some() { m.counted(o.new.errors.min(o.new.invocations), o.new.invocations) } else { m };
            failed |= m.within() == Some(false);
            measurements.push(m);
        }
        if let Some(t) = thresholds.latency_p99_ms {
            let value = o.new.p99_ms.filter(|_| o.new.invocations > 0);
            let m = Measurement::new("p99", value, Some(t), Comparison::AtMost, "ms").scoped(&o.scope).over(window);
            failed |= m.within() == Some(false);
            measurements.push(m);
        }
        if let Some(p) = o.previous.filter(|p| p.invocations > 0) {
            let scope = format!("{} (previous version)", o.scope);
            if thresholds.error_rate.is_some() {
                let m = Measurement::new("error rate", p.error_rate(), None, Comparison::AtMost, "ratio").scoped(&scope).over(window);
                measurements.push(m.counted(p.errors.min(p.invocations), p.invocations));
            }
            if thresholds.latency_p99_ms.is_some() {
                measurements.push(Measurement::new("p99", p.p99_ms, None, Comparison::AtMost, "ms").scoped(&scope).over(window));
            }
        }
    }
    let verdict = if failed {
        Verdict::Fail
    } else if missing {
        Verdict::NoData
    } else {
        Verdict::Pass
    };
    let evidence =
        if measurements.is_empty() { Evidence::said("the new version served no traffic to measure") } else { Evidence::of(measurements) };
    (verdict, evidence)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly by design")]
    use super::*;
    use proptest::prelude::*;

    fn seen(invocations: u64, errors: u64, p99: f64) -> Observed {
        Observed { scope: "us-east-1".into(), new: Traffic { invocations, errors, p99_ms: Some(p99) }, previous: None }
    }
    const GATES: Thresholds = Thresholds { error_rate: Some(0.01), latency_p99_ms: Some(300.0) };

    #[test]
    fn a_regression_fails_with_its_numbers() {
        let mut o = seen(500, 100, 20.0);
        o.previous = Some(Traffic { invocations: 4500, errors: 0, p99_ms: Some(18.0) });
        let (verdict, evidence) = judge(&GATES, &[o], Duration::from_secs(300));
        assert_eq!(verdict, Verdict::Fail);
        let text = evidence.to_string();
        assert!(text.contains("error rate in us-east-1 over 5m: 20% (100 bad of 500) > 1%"), "{text}");
        assert!(text.contains("error rate in us-east-1 (previous version) over 5m: 0% (0 bad of 4500)"), "{text}");
    }

    #[test]
    fn no_traffic_is_no_data_never_a_pass() {
        let (verdict, evidence) = judge(&GATES, &[seen(0, 0, 0.0)], Duration::from_secs(60));
        assert_eq!(verdict, Verdict::NoData);
        assert!(evidence.to_string().contains("no data"), "{evidence}");
        assert_eq!(judge(&GATES, &[], Duration::from_secs(60)).0, Verdict::NoData);
    }

    #[test]
    fn slow_fails_even_without_errors() {
        assert_eq!(judge(&GATES, &[seen(100, 0, 301.0)], Duration::from_secs(60)).0, Verdict::Fail);
        assert_eq!(judge(&GATES, &[seen(100, 1, 300.0)], Duration::from_secs(60)).0, Verdict::Pass);
    }

    proptest! {
        /// The verdict is a failure exactly when some region's new version is over a threshold, and a
        /// pass exactly when every region served traffic within both.
        #[test]
        fn the_verdict_follows_the_numbers(cases in proptest::collection::vec((0u64..1000, 0u64..1000, 0.0f64..1000.0), 1..5)) {
            let observed: Vec<Observed> = cases.iter().map(|&(n, e, p)| seen(n, e.min(n), p)).collect();
            let (verdict, _) = judge(&GATES, &observed, Duration::from_secs(60));
            let over = observed.iter().any(|o| o.new.invocations > 0 && (o.new.error_rate().unwrap() > 0.01 || o.new.p99_ms.unwrap() > 300.0));
            let empty = observed.iter().any(|o| o.new.invocations == 0);
            let want = if over { Verdict::Fail } else if empty { Verdict::NoData } else { Verdict::Pass };
            prop_assert_eq!(verdict, want);
        }
    }
}
