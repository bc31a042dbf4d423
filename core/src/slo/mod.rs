//! SLO math, held exactly: error budgets, burn rates, and multi-window,
//! multi-burn-rate alert rules derived from what they protect (a share of the
//! budget over a long window) rather than copied constants, so they stay right
//! for any objective and period.
//!
//! Objectives are parts per million ([`Percent`]); counts are integers; a burn
//! rate is a fraction compared by cross-multiplication, never a float that
//! prints as `0.9990000000000001`. No events means no data, never NaN.

mod alerts;
pub mod calendar;
mod openslo;
mod percentile;
mod prometheus;
mod report;
mod rules;
mod timeslices;
mod tracker;

pub use alerts::{AlertAction, AlertEvent, EVALUATION_INTERVAL_MS, Escalation, Evaluator};
pub use openslo::{import_openslo, openslo_yaml};
pub use percentile::{PercentileSlices, RELATIVE_ACCURACY, SliceVerdict};
pub use prometheus::{exact_decimal, promtool_tests_yaml, rules_yaml};
pub use report::{Incident, Report, Sample, SloReport, parse_samples, report};
pub use rules::{AlertRule, Severity, default_rules, detection_time_ms, lint, summary};
pub use timeslices::attainment;
pub use tracker::{COARSE_SLICE_MS, FINE_SLICE_MS, FINE_SPAN_MS, Tracker};

use crate::spec::units::Percent;
use serde::Serialize;
use std::cmp::Ordering;

/// A non-negative fraction `num / den`, compared exactly.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize)]
pub struct Ratio {
    /// Numerator.
    pub num: u128,
    /// Denominator (never 0).
    pub den: u128,
}

impl Ratio {
    /// `num / den`; `None` when `den` is 0 (no data).
    pub fn new(num: u128, den: u128) -> Option<Ratio> {
        (den != 0).then_some(Ratio { num, den })
    }

    /// For display only: the nearest `f64`.
    pub fn to_f64(self) -> f64 {
        // u128 → f64 rounds; fine for printing.
        self.num as f64 / self.den as f64
    }

    /// Shortest exact-enough decimal for people: up to 4 places, trailing zeros dropped.
    pub fn to_decimal(self) -> String {
        let scaled = (self.num * 10_000 + self.den / 2) / self.den;
        let (int, frac) = (scaled / 10_000, scaled % 10_000);
        if frac == 0 {
            return int.to_string();
        }
        format!("{int}.{}", format!("{frac:04}").trim_end_matches('0'))
    }
}

impl PartialEq for Ratio {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ratio {}
impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

/// A share in parts per million as an exact decimal fraction of one (`999000` → `0.999`).
pub fn ppm_decimal(ppm: u32) -> String {
    exact_decimal(Ratio { num: u128::from(ppm), den: 1_000_000 })
}

/// Good and total events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counts {
    /// Good events.
    pub good: u64,
    /// All events.
    pub total: u64,
}

impl Counts {
    /// Bad events (a total below `good` counts as none).
    pub fn bad(self) -> u64 {
        self.total.saturating_sub(self.good)
    }

    /// Share of bad events; `None` with no events.
    pub fn error_ratio(self) -> Option<Ratio> {
        Ratio::new(u128::from(self.bad()), u128::from(self.total))
    }
}

/// The error budget of an objective: the share of events allowed to be bad (ppm).
pub fn budget_ppm(objective: Percent) -> u32 {
    1_000_000u32.saturating_sub(objective.ppm())
}

/// How fast the budget burns: the error ratio over the budget. `1` spends
/// exactly the budget over the window; `None` with no events or no budget.
pub fn burn_rate(objective: Percent, counts: Counts) -> Option<Ratio> {
    let budget = u128::from(budget_ppm(objective));
    if budget == 0 {
        return None;
    }
    Ratio::new(u128::from(counts.bad()) * 1_000_000, u128::from(counts.total) * budget)
}

/// The share of the window's budget `counts` have used (`1` = all of it).
/// `window_total` is the number of events the whole window is expected to
/// carry; with `counts` for the whole window it is `counts.total`.
pub fn budget_used(objective: Percent, counts: Counts, window_total: u64) -> Option<Ratio> {
    let budget = u128::from(budget_ppm(objective));
    Ratio::new(u128::from(counts.bad()) * 1_000_000, u128::from(window_total) * budget)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Percent {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn budgets_and_burn_rates_are_exact() {
        assert_eq!(budget_ppm(p("99.9%")), 1_000);
        assert_eq!(budget_ppm(p("99.999%")), 10);
        // 1% errors against a 99% objective burns at exactly 1.
        let b = burn_rate(p("99%"), Counts { good: 99, total: 100 });
        assert_eq!(b.map(Ratio::to_decimal), Some("1".into()));
        // 0.1% errors against 99.9%: exactly 1, not 0.9999999999999998.
        let b = burn_rate(p("99.9%"), Counts { good: 999, total: 1_000 });
        assert_eq!(b, Ratio::new(1, 1));
        assert_eq!(burn_rate(p("99.9%"), Counts { good: 0, total: 1_000 }).map(Ratio::to_decimal), Some("1000".into()));
        // No events: no data, not NaN.
        assert_eq!(burn_rate(p("99.9%"), Counts::default()), None);
        assert_eq!(burn_rate(p("100%"), Counts { good: 1, total: 1 }), None);
    }

    proptest! {
        #[test]
        fn good_events_never_raise_the_burn_rate(good in 0u64..1_000_000, bad in 0u64..1_000_000, more in 1u64..1_000_000, obj in 1u32..999_999) {
            let o = Percent::from_ppm(obj);
            let before = burn_rate(o, Counts { good, total: good + bad });
            let after = burn_rate(o, Counts { good: good + more, total: good + bad + more });
            if let (Some(b), Some(a)) = (before, after) {
                prop_assert!(a <= b);
            }
        }

        #[test]
        fn merging_slices_equals_the_union(slices in prop::collection::vec((0u64..1000, 0u64..1000), 1..20), obj in 1u32..999_999) {
            let o = Percent::from_ppm(obj);
            let union = slices.iter().fold(Counts::default(), |c, (g, b)| Counts { good: c.good + g, total: c.total + g + b });
            let direct = Counts { good: slices.iter().map(|s| s.0).sum(), total: slices.iter().map(|s| s.0 + s.1).sum() };
            prop_assert_eq!(burn_rate(o, union), burn_rate(o, direct));
        }
    }
}
