//! The alert evaluator, sans-IO: samples and time go in, alert transitions,
//! notifications and budget-policy actions come out, each with its evidence.
//!
//! ```text
//! evaluator.handle(AlertEvent::Sample { good, total }, now);
//! while let Some(action) = evaluator.poll(now) { /* notify, freeze rollouts, ... */ }
//! evaluator.next_deadline()   // the next evaluation, or an escalation
//! evaluator.status()
//! ```

use super::{AlertRule, Counts, Ratio, Severity, Slicer, Tracker, budget_ppm, burn_rate, calendar, default_rules};
use crate::rollout::Verdict;
use crate::spec::units::{CalendarUnit, Duration, Percent};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// How often the rules are evaluated.
pub const EVALUATION_INTERVAL_MS: u64 = 60_000;

/// What the evaluator observes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AlertEvent {
    /// Good and total events just seen.
    Sample {
        /// Good events.
        good: u64,
        /// All events.
        total: u64,
    },
    /// One request's latency, for a percentile SLO.
    Latency {
        /// Milliseconds.
        ms: f64,
    },
    /// A person acknowledged the alert of rule `rule`: escalation stops.
    Acknowledge {
        /// Index of the rule.
        rule: usize,
    },
}

/// What the host does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AlertAction {
    /// A rule started firing.
    Fire {
        /// Index of the rule.
        rule: usize,
        /// Page or ticket.
        severity: Severity,
        /// Burn rates and counts behind it.
        evidence: String,
    },
    /// A rule stopped firing.
    Resolve {
        /// Index of the rule.
        rule: usize,
        /// Why.
        evidence: String,
    },
    /// Tell someone (`level` 0 first, then up the escalation chain while unacknowledged).
    Notify {
        /// Index of the rule.
        rule: usize,
        /// Escalation level.
        level: usize,
        /// Who.
        target: String,
    },
    /// The budget of the period is spent: rollouts must stop (or start again when `frozen` is false).
    FreezeRollouts {
        /// Frozen or thawed.
        frozen: bool,
        /// Budget used, as a share of the period's budget.
        evidence: String,
    },
}

/// Who is told, and after how long unacknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// Targets in order, each with the delay after the alert fires.
    pub steps: Vec<(String, Duration)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
enum RuleState {
    Inactive,
    Firing { since: u64, acknowledged: bool, notified: usize },
}

/// Evaluates one SLO's rules as samples stream in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluator {
    objective: Percent,
    period: Duration,
    min_events: u64,
    rules: Vec<AlertRule>,
    states: Vec<RuleState>,
    escalation: Escalation,
    tracker: Tracker,
    next_eval: u64,
    frozen: bool,
    pending: Vec<AlertAction>,
    /// A calendar window's unit and IANA zone (UTC when `None`): the budget restarts with each period.
    calendar: Option<(CalendarUnit, Option<String>)>,
    /// Planned maintenance, `[from, to)` in ms, sorted: samples in it are dropped.
    maintenance: Vec<(u64, u64)>,
    /// For a timeslice SLO: the open slice, whose verdict becomes one event when it closes.
    slicer: Option<Slicer>,
}

fn describe(label: &str, c: Option<Counts>, objective: Percent) -> String {
    match c {
        Some(c) if c.total > 0 => {
            format!("{label}: {} bad of {} (burn {}x)", c.bad(), c.total, burn_rate(objective, c).map_or("-".into(), Ratio::to_decimal))
        }
        _ => format!("{label}: no data"),
    }
}

impl Evaluator {
    /// An evaluator with the default rules of `period`.
    pub fn new(objective: Percent, period: Duration, min_events: u64, escalation: Escalation) -> Evaluator {
        let rules = default_rules(period);
        Evaluator {
            objective,
            period,
            min_events,
            states: vec![RuleState::Inactive; rules.len()],
            rules,
            escalation,
            tracker: Tracker::new(period),
            next_eval: 0,
            frozen: false,
            pending: vec![],
            calendar: None,
            maintenance: vec![],
            slicer: None,
        }
    }

    /// An evaluator for an SLO of the spec: its objective, window (calendar
    /// periods in its time zone), low-traffic floor and maintenance.
    pub fn for_slo(slo: &crate::spec::Slo, escalation: Escalation) -> Evaluator {
        let mut ev = Evaluator::new(slo.objective, slo.window.period(), slo.min_events, escalation);
        if let Some(unit) = slo.window.calendar() {
            // The longest period of the unit, so that the whole of the current one is kept.
            let longest = match unit {
                CalendarUnit::Week => 7,
                CalendarUnit::Month => 31,
                CalendarUnit::Quarter => 92,
            };
            ev.tracker = Tracker::new(Duration::from_secs(longest * 86_400));
            ev.calendar = Some((unit, slo.time_zone.clone()));
        }
        ev.maintenance = calendar::intervals(&slo.maintenance);
        ev.slicer = Slicer::for_slo(slo);
        if ev.slicer.is_some() {
            // Events are slices now; a slice already stands for its traffic.
            ev.min_events = 0;
        }
        ev
    }

    /// Feed an observation.
    pub fn handle(&mut self, event: AlertEvent, now: u64) {
        match event {
            AlertEvent::Sample { good, total } => {
                if calendar::in_maintenance(&self.maintenance, now) {
                    return;
                }
                match &mut self.slicer {
                    Some(slicer) => {
                        for (at, good, total) in slicer.record(now, good, total) {
                            self.tracker.record(at, good, total);
                        }
                    }
                    None => self.tracker.record(now, good, total),
                }
            }
            AlertEvent::Latency { ms } => {
                if calendar::in_maintenance(&self.maintenance, now) {
                    return;
                }
                if let Some(slicer) = &mut self.slicer {
                    for (at, good, total) in slicer.record_latency(now, ms) {
                        self.tracker.record(at, good, total);
                    }
                }
            }
            AlertEvent::Acknowledge { rule } => {
                if let Some(RuleState::Firing { acknowledged, .. }) = self.states.get_mut(rule) {
                    *acknowledged = true;
                }
            }
        }
    }

    fn evaluate(&mut self, now: u64) {
        for i in 0..self.rules.len() {
            let Some(rule) = self.rules.get(i).copied() else { continue };
            let long = self.tracker.counts(now, rule.long_window);
            let short = self.tracker.counts(now, rule.short_window);
            let hot = |c: Option<Counts>| c.and_then(|c| burn_rate(self.objective, c)).is_some_and(|b| b >= rule.burn_rate);
            // Low traffic: too few events in the long window is no page.
            let enough = long.is_some_and(|c| c.total >= self.min_events);
            let firing = hot(long) && hot(short) && enough;
            let evidence = format!(
                "{}; {}; threshold {}x",
                describe(&format!("{} window", rule.long_window), long, self.objective),
                describe(&format!("{} window", rule.short_window), short, self.objective),
                rule.burn_rate.to_decimal()
            );
            let Some(state) = self.states.get_mut(i) else { continue };
            match (*state, firing) {
                (RuleState::Inactive, true) => {
                    *state = RuleState::Firing { since: now, acknowledged: false, notified: 0 };
                    self.pending.push(AlertAction::Fire { rule: i, severity: rule.severity, evidence });
                }
                (RuleState::Firing { .. }, false) => {
                    *state = RuleState::Inactive;
                    self.pending.push(AlertAction::Resolve { rule: i, evidence });
                }
                _ => {}
            }
        }
        // The error-budget policy: the period's budget spent freezes rollouts.
        // A calendar period counts from its start, so a new month thaws.
        let (period, label) = match &self.calendar {
            Some((unit, zone)) => match calendar::period_bounds(*unit, &calendar::time_zone(zone.as_deref()).unwrap_or(TimeZone::UTC), now)
            {
                Some((start, _)) => {
                    (self.tracker.counts(now, Duration::from_millis(now - start + 1)), format!("{} since {}", unit.as_str(), start))
                }
                None => (None, unit.as_str().to_owned()),
            },
            None => (self.tracker.counts(now, self.period), format!("{} period", self.period)),
        };
        let spent = period.is_some_and(|c| {
            u128::from(c.bad()) * 1_000_000 >= u128::from(c.total) * u128::from(budget_ppm(self.objective)) && c.total > 0
        });
        if spent != self.frozen {
            self.frozen = spent;
            self.pending.push(AlertAction::FreezeRollouts { frozen: spent, evidence: describe(&label, period, self.objective) });
        }
    }

    fn escalate(&mut self, now: u64) {
        for (i, state) in self.states.iter_mut().enumerate() {
            if let RuleState::Firing { since, acknowledged: false, notified } = state {
                while let Some((target, after)) = self.escalation.steps.get(*notified) {
                    if now < *since + after.as_millis() {
                        break;
                    }
                    self.pending.push(AlertAction::Notify { rule: i, level: *notified, target: target.clone() });
                    *notified += 1;
                }
            }
        }
    }

    /// The next action, if any is due. Evaluates the rules once per interval.
    pub fn poll(&mut self, now: u64) -> Option<AlertAction> {
        if let Some(slicer) = &mut self.slicer {
            for (at, good, total) in slicer.tick(now) {
                self.tracker.record(at, good, total);
            }
        }
        if now >= self.next_eval {
            self.evaluate(now);
            self.next_eval = now - now % EVALUATION_INTERVAL_MS + EVALUATION_INTERVAL_MS;
        }
        self.escalate(now);
        if self.pending.is_empty() { None } else { Some(self.pending.remove(0)) }
    }

    /// When to poll next without new events.
    pub fn next_deadline(&self) -> u64 {
        let escalations = self.states.iter().filter_map(|s| match s {
            RuleState::Firing { since, acknowledged: false, notified } => {
                self.escalation.steps.get(*notified).map(|(_, after)| since + after.as_millis())
            }
            _ => None,
        });
        escalations.fold(self.next_eval, u64::min)
    }

    /// Which rules fire, and whether rollouts are frozen.
    pub fn status(&self) -> (Vec<bool>, bool) {
        (self.states.iter().map(|s| matches!(s, RuleState::Firing { .. })).collect(), self.frozen)
    }

    /// The verdict of a rollout's SLO gate, as of the last evaluation: a
    /// firing page rolls back (the new version may be what burns), a spent
    /// budget with no page asks a person (the policy freezes releases, but a
    /// fix may be what is rolling out), a quiet SLO with no events is no data.
    pub fn gate(&self) -> (Verdict, String) {
        let paging: Vec<String> = self
            .rules
            .iter()
            .zip(&self.states)
            .filter(|(r, s)| r.severity == Severity::Page && matches!(s, RuleState::Firing { .. }))
            .map(|(r, _)| format!("{} burn over {} and {}", r.burn_rate.to_decimal(), r.long_window, r.short_window))
            .collect();
        if !paging.is_empty() {
            return (Verdict::Fail, format!("paging: {}", paging.join("; ")));
        }
        if self.frozen {
            return (Verdict::Inconclusive, "error budget spent: the budget policy freezes releases".to_owned());
        }
        if self.tracker.counts(self.next_eval.saturating_sub(1), self.period).is_none_or(|c| c.total == 0) {
            return (Verdict::NoData, "no events in the SLO's window".to_owned());
        }
        (Verdict::Pass, "no page firing and budget left".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn run(errors_per_min: impl Fn(u64) -> (u64, u64), minutes: u64, ev: &mut Evaluator) -> Vec<(u64, AlertAction)> {
        let mut out = vec![];
        for m in 0..minutes {
            let now = m * 60_000;
            let (good, total) = errors_per_min(m);
            ev.handle(AlertEvent::Sample { good, total }, now);
            while let Some(a) = ev.poll(now) {
                out.push((m, a));
            }
        }
        out
    }

    fn slo(yaml: &str) -> crate::spec::Slo {
        let text = format!("app: t\nregions: {{ primary: us-east-1 }}\nslos:\n  s: {yaml}\n");
        crate::App::from_text(&text).ok().and_then(|a| a.spec().slos.get("s").cloned()).unwrap_or_else(|| panic!("{yaml}"))
    }

    #[test]
    fn a_calendar_month_thaws_rollouts_when_the_next_month_starts() {
        let mut ev = Evaluator::for_slo(&slo("{ objective: 99%, window: month }"), Escalation { steps: vec![] });
        // 2026-01-31 23:00 UTC: an hour of total outage spends January's budget.
        let jan31 = 1_769_900_400_000;
        let feb1 = jan31 + 3_600_000;
        let mut actions = vec![];
        for m in 0..120u64 {
            let now = jan31 + m * 60_000;
            let (good, total) = if now < feb1 { (0, 100) } else { (100, 100) };
            ev.handle(AlertEvent::Sample { good, total }, now);
            while let Some(a) = ev.poll(now) {
                actions.push((now, a));
            }
        }
        let freezes: Vec<(u64, bool)> = actions
            .iter()
            .filter_map(|(t, a)| if let AlertAction::FreezeRollouts { frozen, .. } = a { Some((*t, *frozen)) } else { None })
            .collect();
        assert_eq!(freezes.first(), Some(&(jan31, true)), "{actions:?}");
        // February's first evaluation counts February only: clean, so rollouts may go again.
        assert_eq!(freezes.get(1), Some(&(feb1, false)), "{actions:?}");
    }

    #[test]
    fn planned_maintenance_neither_pages_nor_spends_budget() {
        let mut ev = Evaluator::for_slo(
            &slo("{ objective: 99.9%, maintenance: [{ from: '1970-01-01T00:00:00Z', to: '1970-01-01T02:00:00Z' }] }"),
            Escalation { steps: vec![] },
        );
        // Two hours of total outage inside the maintenance window, then clean traffic.
        let actions = run(|m| if m < 120 { (0, 1000) } else { (1000, 1000) }, 240, &mut ev);
        assert!(actions.is_empty(), "{actions:?}");
        // The same outage outside maintenance pages within minutes.
        let mut ev = evaluator();
        let actions = run(|m| if m < 120 { (0, 1000) } else { (1000, 1000) }, 240, &mut ev);
        assert!(actions.iter().any(|(_, a)| matches!(a, AlertAction::Fire { .. })));
    }

    #[test]
    fn the_slo_gate_reads_pages_and_the_budget_policy() {
        let mut ev = evaluator();
        assert_eq!(ev.gate().0, Verdict::NoData);
        run(|_| (1000, 1000), 30, &mut ev);
        assert_eq!(ev.gate().0, Verdict::Pass);
        // A half-hour total outage: while it pages, the step fails and rolls
        // back; once the pages resolve the budget stays spent, and a person decides.
        let mut ev = evaluator();
        let mut verdicts = BTreeMap::new();
        for m in 0..400u64 {
            let now = m * 60_000;
            let sample = if (20..50).contains(&m) { (0, 1000) } else { (1000, 1000) };
            ev.handle(AlertEvent::Sample { good: sample.0, total: sample.1 }, now);
            while ev.poll(now).is_some() {}
            verdicts.insert(m, ev.gate());
        }
        let at = |m: u64| verdicts.get(&m).cloned().unwrap_or((Verdict::Error, String::new()));
        assert_eq!(at(19).0, Verdict::Pass);
        assert_eq!(at(30).0, Verdict::Fail);
        assert!(at(30).1.contains("14.4 burn over 1h and 5m"), "{}", at(30).1);
        assert_eq!(at(399).0, Verdict::Inconclusive, "{}", at(399).1);
    }

    #[test]
    fn timeslice_slos_page_on_bad_slices() {
        // 99% of one-minute slices must be good (95% of their requests). After half an hour of good
        // minutes, five bad ones: the second makes 2 of 32 slices bad, a 6.25x burn, and the 6h page
        // (6x) fires; the 1h page (14.4x) never does, five of 35 being a 14.3x burn. Counted by
        // requests the same minutes would be a 1.4% error rate, and nothing would page.
        let mut ev = Evaluator::for_slo(
            &slo("{ objective: 99%, budgeting: timeslices, timeslice: 1m, timeslice_target: 95% }"),
            Escalation { steps: vec![] },
        );
        let actions = run(|m| if (30..35).contains(&m) { (900, 1000) } else { (1000, 1000) }, 60, &mut ev);
        let fired: Vec<String> = actions
            .iter()
            .filter_map(|(_, a)| if let AlertAction::Fire { evidence, .. } = a { Some(evidence.clone()) } else { None })
            .collect();
        assert!(fired.iter().any(|e| e.starts_with("6h window: 2 bad of 32")), "{actions:?}");
        assert!(!fired.iter().any(|e| e.starts_with("1h window")), "{actions:?}");
        // Percentile SLOs take latencies.
        let mut ev = Evaluator::for_slo(
            &slo("{ objective: 99%, budgeting: timeslices, percentile: 99%, threshold: 100ms, timeslice: 1m }"),
            Escalation { steps: vec![] },
        );
        for m in 0..20u64 {
            for i in 0..100u64 {
                ev.handle(AlertEvent::Latency { ms: if m >= 10 && i < 5 { 900.0 } else { 20.0 } }, m * 60_000 + i * 10);
            }
            while ev.poll(m * 60_000 + 59_000).is_some() {}
        }
        assert!(ev.status().0.iter().any(|f| *f), "slow minutes should page: {:?}", ev.status());
    }

    fn evaluator() -> Evaluator {
        let esc = Escalation { steps: vec![("oncall".into(), Duration::from_secs(0)), ("manager".into(), Duration::from_secs(1800))] };
        Evaluator::new(Percent::from_ppm(999_000), Duration::from_secs(30 * 86_400), 100, esc)
    }

    #[test]
    fn a_total_outage_pages_within_a_minute_and_resets_after_recovery() {
        let mut ev = evaluator();
        // An hour of clean traffic, then 30 minutes of total outage, then clean again.
        let actions = run(|m| if (60..90).contains(&m) { (0, 1000) } else { (1000, 1000) }, 300, &mut ev);
        let fired: Vec<(u64, usize)> =
            actions.iter().filter_map(|(m, a)| if let AlertAction::Fire { rule, .. } = a { Some((*m, *rule)) } else { None }).collect();
        // The 14.4x page fires in the outage's first minute (the Workbook: within about 0.9 minutes).
        assert_eq!(fired.first(), Some(&(60, 0)));
        let resolved: Vec<(u64, usize)> =
            actions.iter().filter_map(|(m, a)| if let AlertAction::Resolve { rule, .. } = a { Some((*m, *rule)) } else { None }).collect();
        // It resets about one short window (5m) after recovery.
        assert!(resolved.iter().any(|(m, r)| *r == 0 && (90..=96).contains(m)), "{resolved:?}");
        // Unacknowledged, the manager hears of it after 30 minutes.
        assert!(actions.iter().any(|(_, a)| matches!(a, AlertAction::Notify { level: 1, target, .. } if target == "manager")));
        let evidence = actions
            .iter()
            .find_map(|(_, a)| if let AlertAction::Fire { evidence, .. } = a { Some(evidence.clone()) } else { None })
            .unwrap_or_default();
        assert!(evidence.contains("threshold 14.4x"), "{evidence}");
    }

    #[test]
    fn acknowledging_stops_escalation_and_quiet_services_do_not_page() {
        let mut ev = evaluator();
        let mut actions = vec![];
        for m in 0..120u64 {
            let now = m * 60_000;
            let (good, total) = if m >= 60 { (0, 1000) } else { (1000, 1000) };
            ev.handle(AlertEvent::Sample { good, total }, now);
            if m == 61 {
                ev.handle(AlertEvent::Acknowledge { rule: 0 }, now);
            }
            while let Some(a) = ev.poll(now) {
                actions.push(a);
            }
        }
        assert!(!actions.iter().any(|a| matches!(a, AlertAction::Notify { rule: 0, level: 1, .. })));
        // Ten requests an hour, one failing: a 100x burn, but below min_events.
        let mut quiet = evaluator();
        let actions = run(|m| if m % 6 == 0 { if m == 60 { (0, 1) } else { (1, 1) } } else { (0, 0) }, 120, &mut quiet);
        assert!(!actions.iter().any(|(_, a)| matches!(a, AlertAction::Fire { severity: Severity::Page, .. })), "{actions:?}");
    }

    #[test]
    fn a_spent_budget_freezes_rollouts() {
        let mut ev = evaluator();
        // 0.2% errors: twice the budget, over the whole (short) history.
        let actions = run(|_| (998, 1000), 30, &mut ev);
        assert!(actions.iter().any(|(m, a)| *m == 0 && matches!(a, AlertAction::FreezeRollouts { frozen: true, .. })), "{actions:?}");
        // At twice the budget the 1x/3d ticket fires too; the pages stay quiet.
        assert!(!actions.iter().any(|(_, a)| matches!(a, AlertAction::Fire { severity: Severity::Page, .. })));
        assert!(ev.status().1);
    }
}
