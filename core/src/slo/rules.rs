//! Multi-window, multi-burn-rate alert rules (Google SRE Workbook, "Alerting
//! on SLOs"), derived from the share of the budget each protects.

use super::Ratio;
use crate::spec::units::{Duration, Percent};
use serde::Serialize;

/// Who is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Wake someone up.
    Page,
    /// A ticket for working hours.
    Ticket,
}

impl Severity {
    /// `page` or `ticket`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
        }
    }

    /// `Page` or `Ticket`, for names such as alert names and logical IDs.
    pub fn title(self) -> &'static str {
        match self {
            Severity::Page => "Page",
            Severity::Ticket => "Ticket",
        }
    }
}

/// Fire when the burn rate over both windows is at least `burn_rate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AlertRule {
    /// Page or ticket.
    pub severity: Severity,
    /// The share of the period's budget spent in `long_window` when it fires (ppm).
    pub budget_ppm: u32,
    /// The long window.
    pub long_window: Duration,
    /// The short window (about a twelfth of the long one): resets the alert soon after recovery.
    pub short_window: Duration,
    /// `budget share × period / long window`.
    pub burn_rate: Ratio,
}

impl AlertRule {
    /// The rule that fires when `budget_ppm` of the budget of `period` is spent within `long_window`.
    pub fn for_budget(severity: Severity, budget_ppm: u32, period: Duration, long_window: Duration) -> AlertRule {
        let burn_rate = Ratio {
            num: u128::from(budget_ppm) * u128::from(period.as_millis()),
            den: 1_000_000 * u128::from(long_window.as_millis().max(1)),
        };
        AlertRule { severity, budget_ppm, long_window, short_window: Duration::from_millis(long_window.as_millis() / 12), burn_rate }
    }

    /// The error ratio at which the rule fires for `objective`: burn rate × budget.
    pub fn error_ratio(&self, objective: Percent) -> Ratio {
        Ratio { num: self.burn_rate.num * u128::from(super::budget_ppm(objective)), den: self.burn_rate.den * 1_000_000 }
    }

    /// Whether the rule can fire at all: its error ratio is below 100%
    /// (a 90% objective cannot have a 14.4x page).
    pub fn can_fire(&self, objective: Percent) -> bool {
        let r = self.error_ratio(objective);
        r.num < r.den
    }
}

/// The Workbook's four rules at 30 days: (severity, share of the budget, long window).
const WORKBOOK: [(Severity, u32, u64); 4] = [
    (Severity::Page, 20_000, 3600),
    (Severity::Page, 50_000, 6 * 3600),
    (Severity::Ticket, 100_000, 86_400),
    (Severity::Ticket, 100_000, 3 * 86_400),
];

/// The period the Workbook's rules are written for.
const WORKBOOK_PERIOD_MS: u64 = 30 * 86_400_000;

/// The alert rules for `period`. At 30 days, the Workbook's: pages at 2% of
/// the budget in 1h and 5% in 6h, tickets at 10% in 1d and 10% in 3d (14.4x,
/// 6x, 3x, 1x), short windows a twelfth of the long. Every rule keeps its share
/// of the budget, so:
/// - shorter periods keep the Workbook's burn factors and shrink the windows
///   with the period (whole minutes, rounded down so no factor drops below the
///   Workbook's): no rule fires on a burn below 1x, which cannot spend the
///   budget within the period;
/// - longer periods keep the Workbook's windows and raise the factors (a
///   90-day period pages at 43.2x): longer windows would detect and reset no
///   sooner, for no gain.
pub fn default_rules(period: Duration) -> Vec<AlertRule> {
    let p = period.as_millis().max(1);
    WORKBOOK
        .iter()
        .map(|&(severity, share, window_s)| {
            let workbook = u128::from(window_s) * 1000;
            let long_ms = if p >= WORKBOOK_PERIOD_MS {
                workbook
            } else {
                // window × period / 30 days, down to the minute, at least one.
                let scaled = workbook * u128::from(p) / u128::from(WORKBOOK_PERIOD_MS);
                (scaled - scaled % 60_000).max(60_000)
            };
            let long = Duration::from_millis(u64::try_from(long_ms).unwrap_or(u64::MAX));
            let mut rule = AlertRule::for_budget(severity, share, period, long);
            // The Workbook's factor: share × 30 days / window.
            let factor = Ratio { num: u128::from(share) * u128::from(WORKBOOK_PERIOD_MS), den: 1_000_000 * workbook };
            if rule.burn_rate < factor {
                // A period under 12 hours: the window stopped at a minute; keep the factor, and the share grows.
                rule.burn_rate = factor;
                let ppm = factor.num * long_ms * 1_000_000 / (factor.den * u128::from(p));
                rule.budget_ppm = u32::try_from(ppm.min(1_000_000)).unwrap_or(1_000_000);
            }
            // The short window: a twelfth of the long, to the nearest minute (CloudWatch's periods are whole minutes).
            let short = (long.as_millis() + 360_000) / 720_000 * 60_000;
            rule.short_window = Duration::from_millis(short.max(60_000));
            rule
        })
        .collect()
}

/// How long an outage with error ratio `error_ppm` takes to fire `rule`: the
/// long window's error ratio reaches the rule's threshold after
/// `burn × budget × long window / error ratio`. `None` when it never fires.
pub fn detection_time_ms(rule: &AlertRule, objective: Percent, error_ppm: u32) -> Option<u64> {
    let budget = u128::from(super::budget_ppm(objective));
    if error_ppm == 0 {
        return None;
    }
    // threshold error ratio = burn × budget / 1e6 (as ppm: burn × budget)
    let threshold_num = rule.burn_rate.num * budget; // / (den) ppm
    let needed = threshold_num * u128::from(rule.long_window.as_millis());
    let t = needed / (rule.burn_rate.den * u128::from(error_ppm));
    (threshold_num <= rule.burn_rate.den * 1_000_000 && t <= u128::from(rule.long_window.as_millis()))
        .then(|| u64::try_from(t).unwrap_or(u64::MAX))
}

/// Problems with an SLO's alert rules: impossible ones (the threshold error
/// ratio is 100% or more), budgets so small a single bad event pages, and
/// windows too short to measure (a short period shrinks them).
pub fn lint(slo: &crate::spec::Slo) -> Vec<(String, &'static str)> {
    let objective = slo.objective;
    let rules = default_rules(slo.window.period());
    let budget = u128::from(super::budget_ppm(objective));
    let mut out = Vec::new();
    for r in rules.iter().filter(|r| !r.can_fire(objective)) {
        let needed = r.error_ratio(objective);
        let message = format!(
            "a {}x burn over {} can never fire at {objective}: it needs {}% errors",
            r.burn_rate.to_decimal(),
            r.long_window,
            Ratio { num: needed.num * 100, den: needed.den }.to_decimal()
        );
        out.push((message, "lower the objective, lengthen the window, or rely on the longer-window rules"));
    }
    if budget > 0 && budget < 100 {
        let message = format!("the budget of {objective} is {budget} events per million: expect pages from a handful of failures");
        out.push((message, "set `min_events`, or lower the objective"));
    }
    let sliced = super::sliced(slo);
    if let Some(r) = rules.iter().find(|r| r.short_window.as_millis() < 120_000 && !sliced) {
        let message = format!(
            "over a {} period the {}x rule's short window is {}: Prometheus' rate() needs two samples inside it, so scrape every {} or more often (the default is 1m)",
            slo.window.period(),
            r.burn_rate.to_decimal(),
            r.short_window,
            Duration::from_millis(r.short_window.as_millis() / 2)
        );
        out.push((message, "scrape that often, or lengthen the window to 12 days or more (docs/slos.md has the windows of each period)"));
    }
    if let Some(r) = rules.iter().find(|r| sliced && r.short_window < slo.timeslice) {
        let message = format!(
            "over a {} period the {}x rule's short window ({}) is shorter than a {} timeslice: it reads at most one slice's verdict",
            slo.window.period(),
            r.burn_rate.to_decimal(),
            r.short_window,
            slo.timeslice
        );
        out.push((message, "shorten the timeslice or lengthen the window (docs/slos.md has the windows of each period)"));
    }
    out
}

/// A readable summary of every SLO of a spec: its budget, and each alert rule
/// with its burn rate, error-ratio threshold, windows and how long a total
/// outage and a 10% error rate take to fire it.
pub fn summary(spec: &crate::spec::Spec) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (name, slo) in &spec.slos {
        let budget = super::budget_ppm(slo.objective);
        let outage_ms = u64::try_from(u128::from(slo.window.period().as_millis()) * u128::from(budget) / 1_000_000).unwrap_or(u64::MAX);
        // To the second: a 28-day budget is 40m19s, not 40m19s200ms.
        let outage = Duration::from_millis(outage_ms - outage_ms % 1000);
        let rules = default_rules(slo.window.period());
        // Windows such as 2d19h12m (28 days) widen their columns.
        let w = rules.iter().map(|r| r.long_window.to_string().len()).max().unwrap_or(0).max(6);
        let kind = slo.threshold.map_or("availability".to_owned(), |t| format!("latency at most {t}"));
        let _ = writeln!(
            out,
            "{name}: {} {kind} over {}; budget {budget} per million events ({outage} of total outage)",
            slo.objective, slo.window
        );
        let _ = writeln!(
            out,
            "  {:<7} {:>6} {:>12} {:>w$} {:>w$} {:>16} {:>16}",
            "alert", "burn", "error ratio", "long", "short", "fires at 100% in", "fires at 10% in"
        );
        for r in rules {
            let threshold = super::exact_decimal(r.error_ratio(slo.objective));
            let t = |ppm| {
                detection_time_ms(&r, slo.objective, ppm).map_or("never".to_owned(), |ms| Duration::from_millis(ms - ms % 1000).to_string())
            };
            let sev = r.severity.as_str();
            let _ = writeln!(
                out,
                "  {:<7} {:>5}x {:>12} {:>w$} {:>w$} {:>16} {:>16}",
                sev,
                r.burn_rate.to_decimal(),
                threshold,
                r.long_window.to_string(),
                r.short_window.to_string(),
                t(1_000_000),
                t(100_000)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Percent {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn the_workbook_numbers_for_thirty_days() {
        let rules = default_rules(Duration::from_secs(30 * 86_400));
        let burns: Vec<String> = rules.iter().map(|r| r.burn_rate.to_decimal()).collect();
        assert_eq!(burns, ["14.4", "6", "3", "1"]);
        let shorts: Vec<String> = rules.iter().map(|r| r.short_window.to_string()).collect();
        assert_eq!(shorts, ["5m", "30m", "2h", "6h"]);
        // At 99.9%, a total outage pages within about 0.9 minutes, 10% errors within about 8.6.
        let page = &rules[0];
        assert_eq!(detection_time_ms(page, p("99.9%"), 1_000_000), Some(51_840)); // 0.864 min
        assert_eq!(detection_time_ms(page, p("99.9%"), 100_000), Some(518_400)); // 8.64 min
        // 0.1% errors is exactly the budget: it never reaches 14.4x.
        assert_eq!(detection_time_ms(page, p("99.9%"), 1_000), None);
    }

    #[test]
    fn rules_follow_the_period() {
        // Below 30 days the windows shrink and the factors stay; above, the windows stay and the factors grow.
        let table = |days: u64| -> Vec<String> {
            default_rules(Duration::from_secs(days * 86_400))
                .iter()
                .map(|r| format!("{}x {}/{}", r.burn_rate.to_decimal(), r.long_window, r.short_window))
                .collect()
        };
        assert_eq!(table(7), ["14.4x 14m/1m", "6x 1h24m/7m", "3x 5h36m/28m", "1x 16h48m/1h24m"]);
        assert_eq!(table(14), ["14.4x 28m/2m", "6x 2h48m/14m", "3x 11h12m/56m", "1x 1d9h36m/2h48m"]);
        assert_eq!(table(28), ["14.4x 56m/5m", "6x 5h36m/28m", "3x 22h24m/1h52m", "1x 2d19h12m/5h36m"]);
        assert_eq!(table(30), ["14.4x 1h/5m", "6x 6h/30m", "3x 1d/2h", "1x 3d/6h"]);
        assert_eq!(table(90), ["43.2x 1h/5m", "18x 6h/30m", "9x 1d/2h", "3x 3d/6h"]);
    }

    #[test]
    fn the_summary_keeps_its_columns_for_long_windows() {
        let app = crate::App::from_text("app: a\nregions: { primary: us-east-1 }\nslos:\n  s: { objective: 99.9%, window: 28d }\n")
            .unwrap_or_else(|d| panic!("{d:?}"));
        let text = summary(app.spec());
        assert!(text.starts_with("s: 99.9% availability over 28d; budget 1000 per million events (40m19s of total outage)\n"), "{text}");
        let rows: Vec<&str> = text.lines().skip(1).collect();
        // Every row as wide as the header, the 2d19h12m window included.
        assert!(rows.iter().all(|r| r.len() == rows[0].len()) && rows.iter().any(|r| r.contains(" 2d19h12m ")), "{text}");
    }

    #[test]
    fn the_docs_table_is_the_rules() {
        let docs = include_str!("../../../docs/slos.md");
        for days in [7u64, 14, 28, 30, 90] {
            let cells: Vec<String> = default_rules(Duration::from_secs(days * 86_400))
                .iter()
                .map(|r| format!("{}x {} / {}", r.burn_rate.to_decimal(), r.long_window, r.short_window))
                .collect();
            let row = format!("| {days}d | {} |", cells.join(" | "));
            assert!(docs.contains(&row), "docs/slos.md lacks the row {row}");
        }
    }

    proptest::proptest! {
        #[test]
        fn no_rule_fires_on_a_burn_that_cannot_spend_the_budget(minutes in proptest::prop_oneof![1u64..720, 1u64..600_000]) {
            let period = Duration::from_secs(minutes * 60);
            for r in default_rules(period) {
                // At least 1x: a burn below it leaves budget at the end of the period.
                proptest::prop_assert!(r.burn_rate >= Ratio { num: 1, den: 1 }, "{:?} over {}", r, period);
                proptest::prop_assert!(r.short_window < r.long_window || r.long_window.as_millis() == 60_000);
                proptest::prop_assert!(r.long_window.as_millis() % 60_000 == 0 && r.short_window.as_millis() % 60_000 == 0);
            }
        }
    }

    fn slo(text: &str) -> crate::spec::Slo {
        let app = crate::App::from_text(&format!("app: a\nregions: {{ primary: us-east-1 }}\nslos:\n  s: {text}\n"))
            .unwrap_or_else(|d| panic!("{d:?}"));
        app.spec().slos["s"].clone()
    }

    #[test]
    fn impossible_rules_and_unmeasurable_windows_are_linted() {
        let lint = |text: &str| -> Vec<String> { lint(&slo(text)).into_iter().map(|(m, _)| m).collect() };
        let l = lint("{ objective: 90% }");
        assert_eq!(l.len(), 1, "{l:?}");
        assert!(l[0].contains("14.4x") && l[0].contains("144%"), "{l:?}");
        assert!(lint("{ objective: 99.9% }").is_empty());
        assert!(lint("{ objective: 99.999% }").iter().any(|m| m.contains("handful of failures")));
        let l = lint("{ objective: 99.9%, window: 7d }");
        assert_eq!(
            l,
            [
                "over a 7d period the 14.4x rule's short window is 1m: Prometheus' rate() needs two samples inside it, so scrape every 30s or more often (the default is 1m)"
            ]
        );
        assert!(lint("{ objective: 99.9%, window: 14d }").is_empty());
        let l = lint("{ objective: 99%, window: 14d, budgeting: timeslices, timeslice: 5m }");
        assert_eq!(l.len(), 1, "{l:?}");
        assert!(l[0].contains("short window (2m) is shorter than a 5m timeslice"), "{l:?}");
    }
}
