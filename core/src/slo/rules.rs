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

/// The Workbook's four rules for `period`: pages at 2% of the budget in 1h and
/// 5% in 6h, tickets at 10% in 1d and 10% in 3d. For 30 days: 14.4x, 6x, 3x, 1x.
pub fn default_rules(period: Duration) -> Vec<AlertRule> {
    let h = |n: u64| Duration::from_secs(n * 3600);
    vec![
        AlertRule::for_budget(Severity::Page, 20_000, period, h(1)),
        AlertRule::for_budget(Severity::Page, 50_000, period, h(6)),
        AlertRule::for_budget(Severity::Ticket, 100_000, period, h(24)),
        AlertRule::for_budget(Severity::Ticket, 100_000, period, h(72)),
    ]
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

/// Problems with a set of rules for an objective: impossible ones (the
/// threshold error ratio is 100% or more) and budgets so small a single bad
/// event pages.
pub fn lint(objective: Percent, rules: &[AlertRule]) -> Vec<String> {
    let budget = u128::from(super::budget_ppm(objective));
    let mut out = Vec::new();
    for r in rules.iter().filter(|r| !r.can_fire(objective)) {
        let needed = r.error_ratio(objective);
        out.push(format!(
            "a {}x burn over {} can never fire at {objective}: it needs {}% errors",
            r.burn_rate.to_decimal(),
            r.long_window,
            Ratio { num: needed.num * 100, den: needed.den }.to_decimal()
        ));
    }
    if budget > 0 && budget < 100 {
        out.push(format!(
            "the budget of {objective} is {budget} events per million: expect pages from a handful of failures; set `min_events`"
        ));
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
        let outage = Duration::from_millis(
            u64::try_from(u128::from(slo.window.period().as_millis()) * u128::from(budget) / 1_000_000).unwrap_or(u64::MAX),
        );
        let kind = slo.threshold.map_or("availability".to_owned(), |t| format!("latency at most {t}"));
        let _ = writeln!(
            out,
            "{name}: {} {kind} over {}; budget {budget} per million events ({outage} of total outage)",
            slo.objective, slo.window
        );
        let _ = writeln!(
            out,
            "  {:<7} {:>6} {:>12} {:>6} {:>6} {:>16} {:>16}",
            "alert", "burn", "error ratio", "long", "short", "fires at 100% in", "fires at 10% in"
        );
        for r in default_rules(slo.window.period()) {
            let threshold = super::exact_decimal(r.error_ratio(slo.objective));
            let t = |ppm| {
                detection_time_ms(&r, slo.objective, ppm).map_or("never".to_owned(), |ms| Duration::from_millis(ms - ms % 1000).to_string())
            };
            let sev = r.severity.as_str();
            let _ = writeln!(
                out,
                "  {:<7} {:>5}x {:>12} {:>6} {:>6} {:>16} {:>16}",
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
        let rules = default_rules(Duration::from_secs(28 * 86_400));
        assert_eq!(rules[0].burn_rate.to_decimal(), "13.44");
    }

    #[test]
    fn impossible_rules_are_linted() {
        let rules = default_rules(Duration::from_secs(30 * 86_400));
        let l = lint(p("90%"), &rules);
        assert_eq!(l.len(), 1, "{l:?}");
        assert!(l[0].contains("14.4x") && l[0].contains("144%"), "{l:?}");
        assert!(lint(p("99.9%"), &rules).is_empty());
        assert!(lint(p("99.999%"), &rules).iter().any(|m| m.contains("min_events")));
    }
}
