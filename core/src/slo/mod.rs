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
mod openslo_import;
mod percentile;
mod prometheus;
mod promql;
mod read;
mod report;
mod rules;
mod slicer;
mod timeslices;
mod tracker;

pub use alerts::{AlertAction, AlertEvent, EVALUATION_INTERVAL, Escalation, Evaluator, RuleStatus, Status as EvaluatorStatus};
pub use openslo::openslo_yaml;
pub use openslo_import::{Imported, import_openslo};
pub use percentile::{PercentileSlices, RELATIVE_ACCURACY, SliceVerdict};
pub use prometheus::{exact_decimal, promtool_tests_yaml, rules_yaml, sliced};
pub use read::{Read, Reading};
pub use report::{
    Attained, FailoverRecord, Incident, MAX_SAMPLE_ERRORS, Report, Sample, SloReport, attainment_of, check_sample, parse_samples, report,
};
pub use rules::{AlertRule, Severity, default_rules, detection_time_ms, lint, summary};
pub use slicer::{SliceEvent, Slicer};
pub use timeslices::attainment;
pub use tracker::{COARSE_SLICE_MS, FINE_SLICE_MS, FINE_SPAN_MS, Tracker};

use crate::spec::units::Percent;
use serde::Serialize;
use std::cmp::Ordering;

/// A composite SLO's error ratio: the weighted mean of its components' error
/// ratios `(weight, counts)`, each over its own events. Components without
/// events are left out; `None` when none has any. Exact: the mean is a
/// fraction over the product of the denominators, reduced as it grows, and
/// falls back to parts per 10^18 only if even that would overflow.
pub fn composite_error_ratio(parts: &[(u32, Counts)]) -> Option<Ratio> {
    let live: Vec<(u128, Counts)> = parts.iter().filter(|(w, c)| *w > 0 && c.total > 0).map(|(w, c)| (u128::from(*w), *c)).collect();
    let weights: u128 = live.iter().map(|(w, _)| w).sum();
    if weights == 0 {
        return None;
    }
    // Σ w_i · bad_i / total_i, accumulated as num / den.
    let (mut num, mut den) = (0u128, 1u128);
    for (w, c) in &live {
        let (n, d) = (w * u128::from(c.bad()), u128::from(c.total));
        let exact = num.checked_mul(d).zip(n.checked_mul(den)).and_then(|(a, b)| a.checked_add(b)).zip(den.checked_mul(d));
        (num, den) = match exact {
            Some((a, b)) => reduce(a, b),
            None => {
                // Beyond u128: continue in parts per 10^18.
                let scale = 1_000_000_000_000_000_000u128;
                let so_far = num.saturating_mul(scale) / den.max(1);
                (so_far + n.saturating_mul(scale) / d.max(1), scale)
            }
        };
    }
    den.checked_mul(weights).and_then(|d| Ratio::new(num, d)).or_else(|| Ratio::new(num / weights, den))
}

fn reduce(a: u128, b: u128) -> (u128, u128) {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    if x > 1 { (a / x, b / x) } else { (a, b) }
}

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

        #[test]
        fn a_composite_is_the_weighted_mean_of_its_parts(parts in prop::collection::vec((1u32..10, 0u64..1_000_000, 1u64..1_000_000), 1..6)) {
            let weighted: Vec<(u32, Counts)> = parts.iter().map(|(w, bad, good)| (*w, Counts { good: *good, total: good + bad })).collect();
            let r = composite_error_ratio(&weighted).map(Ratio::to_f64).unwrap_or(f64::NAN);
            let w: f64 = parts.iter().map(|p| f64::from(p.0)).sum();
            let mean = parts.iter().map(|(w, bad, good)| f64::from(*w) * *bad as f64 / (good + bad) as f64).sum::<f64>() / w;
            prop_assert!((r - mean).abs() <= 1e-9, "{} vs {}", r, mean);
            // One part: its own error ratio, exactly.
            let (w0, c0) = weighted[0];
            prop_assert_eq!(composite_error_ratio(&[(w0, c0)]).map(|r| r.num * u128::from(c0.total)), Some(u128::from(c0.bad()) * composite_error_ratio(&[(w0, c0)]).map_or(1, |r| r.den)));
            // More good events in a part never raise the composite.
            let mut better = weighted.clone();
            better[0].1.good += 1000;
            better[0].1.total += 1000;
            let after = composite_error_ratio(&better).map(Ratio::to_f64).unwrap_or(f64::NAN);
            prop_assert!(after <= r + 1e-12);
        }
    }

    #[test]
    fn a_composite_without_events_is_no_data() {
        assert_eq!(composite_error_ratio(&[(1, Counts::default()), (2, Counts::default())]), None);
        assert_eq!(composite_error_ratio(&[]), None);
    }
}
