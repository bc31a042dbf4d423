//! The alert evaluator, sans-IO: samples and time go in, alert transitions,
//! notifications and budget-policy actions come out, each with its evidence.
//!
//! ```text
//! evaluator.handle(AlertEvent::Sample { good, total }, now);
//! while let Some(action) = evaluator.poll(now) { /* notify, freeze rollouts, ... */ }
//! evaluator.next_deadline()   // the next evaluation, or an escalation
//! evaluator.status()
//! ```

use super::{AlertRule, Counts, Ratio, Severity, Slicer, Tracker, budget_ppm, calendar, default_rules};
use crate::evidence::{Comparison, Evidence, Measurement};
use crate::machine::Machine;
use crate::rollout::Verdict;
use crate::spec::units::{CalendarUnit, Percent};
use crate::time::{Duration, Timestamp};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// How often the rules are evaluated.
pub const EVALUATION_INTERVAL: Duration = Duration::from_millis(60_000);

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
    /// A composite SLO's part `part` (its index in the spec's `composite`) saw events.
    PartSample {
        /// Index of the part.
        part: usize,
        /// Good events.
        good: u64,
        /// All events.
        total: u64,
    },
    /// One request's latency, for a composite's percentile part.
    PartLatency {
        /// Index of the part.
        part: usize,
        /// Milliseconds.
        ms: f64,
    },
}

impl AlertEvent {
    /// The event a sample makes: a count, or one request's latency; for the
    /// composite's part `part` when given.
    pub fn of_sample(sample: &super::Sample<'_>, part: Option<usize>) -> AlertEvent {
        match (sample.latency_ms, part) {
            (Some(ms), None) => AlertEvent::Latency { ms },
            (Some(ms), Some(part)) => AlertEvent::PartLatency { part, ms },
            (None, None) => AlertEvent::Sample { good: sample.good, total: sample.total },
            (None, Some(part)) => AlertEvent::PartSample { part, good: sample.good, total: sample.total },
        }
    }
}

/// What the host does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AlertAction {
    /// A rule started firing.
    Fire {
        /// Index of the rule.
        rule: usize,
        /// Page or ticket.
        severity: Severity,
        /// Burn rates and counts behind it.
        evidence: Evidence,
    },
    /// A rule stopped firing.
    Resolve {
        /// Index of the rule.
        rule: usize,
        /// Why: the burn rates now.
        evidence: Evidence,
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
        evidence: Evidence,
    },
}

/// One rule as a person sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleStatus {
    /// Index of the rule.
    pub rule: usize,
    /// Page or ticket.
    pub severity: Severity,
    /// Its long window.
    pub long_window: Duration,
    /// Its short window.
    pub short_window: Duration,
    /// Firing since then; `None` when quiet.
    pub firing_since: Option<Timestamp>,
    /// A person acknowledged it.
    pub acknowledged: bool,
}

/// What a person sees of an SLO's evaluator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// Every rule, in order.
    pub rules: Vec<RuleStatus>,
    /// The period's budget is spent: rollouts are frozen.
    pub frozen: bool,
    /// What a rollout's SLO gate would say now.
    pub gate: (Verdict, Evidence),
}

impl Status {
    /// Whether any rule fires.
    pub fn firing(&self) -> bool {
        self.rules.iter().any(|r| r.firing_since.is_some())
    }
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
    Firing { since: Timestamp, acknowledged: bool, notified: usize },
}

/// One stream of events: what it counted, its planned maintenance, and the
/// open timeslice of a sliced SLO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Stream {
    tracker: Tracker,
    /// Planned maintenance, `[from, to)` in ms, sorted: samples in it are dropped.
    maintenance: Vec<(u64, u64)>,
    /// For a timeslice SLO: the open slice, whose verdict becomes one event when it closes.
    slicer: Option<Slicer>,
}

impl Stream {
    fn for_slo(slo: &crate::spec::Slo, horizon: Duration) -> Stream {
        Stream { tracker: Tracker::new(horizon), maintenance: calendar::intervals(&slo.maintenance), slicer: Slicer::for_slo(slo) }
    }

    fn sample(&mut self, now: Timestamp, good: u64, total: u64) {
        if calendar::in_maintenance(&self.maintenance, now.as_millis()) {
            return;
        }
        match &mut self.slicer {
            Some(slicer) => record_slices(&mut self.tracker, slicer.record(now.as_millis(), good, total)),
            None => self.tracker.record(now, good, total),
        }
    }

    fn latency(&mut self, now: Timestamp, ms: f64) {
        if calendar::in_maintenance(&self.maintenance, now.as_millis()) {
            return;
        }
        if let Some(slicer) = &mut self.slicer {
            record_slices(&mut self.tracker, slicer.record_latency(now.as_millis(), ms));
        }
    }

    fn tick(&mut self, now: Timestamp) {
        if let Some(slicer) = &mut self.slicer {
            record_slices(&mut self.tracker, slicer.tick(now.as_millis()));
        }
    }
}

/// Count closed timeslices, each `(at, good, total)`, as events.
fn record_slices(tracker: &mut Tracker, slices: impl IntoIterator<Item = (u64, u64, u64)>) {
    for (at, good, total) in slices {
        tracker.record(Timestamp::from_millis(at), good, total);
    }
}

/// A composite SLO's part: its name, its weight and its own stream of events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Part {
    name: String,
    weight: u32,
    #[serde(flatten)]
    stream: Stream,
}

/// What a window held: its events (a composite's summed over its parts, for
/// the evidence and the low-traffic floor) and their error ratio (a
/// composite's: its parts', each over its own events, weighted).
#[derive(Debug, Clone, Copy)]
struct Seen {
    counts: Option<Counts>,
    error: Option<Ratio>,
}

impl Seen {
    /// The error ratio over the budget; `None` with no events or no budget.
    fn burn(self, objective: Percent) -> Option<Ratio> {
        let budget = u128::from(budget_ppm(objective));
        let e = self.error.filter(|_| self.counts.is_some_and(|c| c.total > 0))?;
        if budget == 0 {
            return None;
        }
        Ratio::new(e.num.checked_mul(1_000_000)?, e.den.checked_mul(budget)?)
    }
}

/// How far back an SLO's events are kept: its period, or for a calendar
/// window the longest period of its unit, so the whole current one is kept.
fn horizon(slo: &crate::spec::Slo) -> Duration {
    match slo.window.calendar() {
        Some(CalendarUnit::Week) => Duration::from_secs(7 * 86_400),
        Some(CalendarUnit::Month) => Duration::from_secs(31 * 86_400),
        Some(CalendarUnit::Quarter) => Duration::from_secs(92 * 86_400),
        None => slo.window.period(),
    }
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
    next_eval: Timestamp,
    frozen: bool,
    pending: Vec<AlertAction>,
    /// A calendar window's unit and IANA zone (UTC when `None`): the budget restarts with each period.
    calendar: Option<(CalendarUnit, Option<String>)>,
    /// The SLO's events (a composite's: none of its own; its maintenance drops its parts' samples).
    #[serde(flatten)]
    stream: Stream,
    /// A composite's parts, in the order of the spec's `composite`; empty for any other SLO.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    parts: Vec<Part>,
}

/// The burn rate over `window` held against `threshold`, with its counts.
fn burn(window: Duration, seen: Seen, objective: Percent, threshold: Ratio) -> Measurement {
    let m = Measurement::new("burn rate", seen.burn(objective).map(Ratio::to_f64), Some(threshold.to_f64()), Comparison::Below, "x")
        .over(window);
    counted(m, seen)
}

/// The share of the period's error budget spent (the burn rate over the
/// period: the error ratio over the budget), held against all of it.
fn budget(label: &str, seen: Seen, objective: Percent) -> Measurement {
    let m = Measurement::new("budget used", seen.burn(objective).map(Ratio::to_f64), Some(1.0), Comparison::Below, "ratio").scoped(label);
    counted(m, seen)
}

fn counted(m: Measurement, seen: Seen) -> Measurement {
    match seen.counts {
        Some(c) if c.total > 0 => m.counted(c.bad(), c.total),
        _ => m,
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
            next_eval: Timestamp::ZERO,
            frozen: false,
            pending: vec![],
            calendar: None,
            stream: Stream { tracker: Tracker::new(period), maintenance: vec![], slicer: None },
            parts: vec![],
        }
    }

    /// An evaluator for an SLO of the spec: its objective, window (calendar
    /// periods in its time zone), low-traffic floor and maintenance.
    pub fn for_slo(slo: &crate::spec::Slo, escalation: Escalation) -> Evaluator {
        let mut ev = Evaluator::new(slo.objective, slo.window.period(), slo.min_events, escalation);
        if let Some(unit) = slo.window.calendar() {
            ev.calendar = Some((unit, slo.time_zone.clone()));
        }
        ev.stream = Stream::for_slo(slo, horizon(slo));
        if ev.stream.slicer.is_some() {
            // Events are slices now; a slice already stands for its traffic.
            ev.min_events = 0;
        }
        ev
    }

    /// An evaluator for a composite SLO of the spec over its parts (weight and
    /// definition, in the order of its `composite`): each part's events are
    /// counted as the part counts them (sliced, with its maintenance), and a
    /// window's error ratio is the weighted mean of the parts' error ratios
    /// over that window, each over its own traffic.
    pub fn for_composite(slo: &crate::spec::Slo, parts: &[(&str, u32, &crate::spec::Slo)], escalation: Escalation) -> Evaluator {
        let mut ev = Evaluator::for_slo(slo, escalation);
        let horizon = horizon(slo);
        ev.parts = parts
            .iter()
            .map(|(name, weight, part)| Part { name: (*name).to_owned(), weight: *weight, stream: Stream::for_slo(part, horizon) })
            .collect();
        if ev.parts.iter().any(|p| p.stream.slicer.is_some()) {
            // Some parts count slices, others events: no one floor fits both.
            ev.min_events = 0;
        }
        ev
    }

    /// The evaluator of SLO `name` of `slos`: [`Evaluator::for_slo`], or for
    /// a composite [`Evaluator::for_composite`] over its parts; `None` when
    /// `slos` has no such SLO.
    pub fn of_spec(slos: &std::collections::BTreeMap<String, crate::spec::Slo>, name: &str, escalation: Escalation) -> Option<Evaluator> {
        let slo = slos.get(name)?;
        if slo.composite.is_empty() {
            return Some(Evaluator::for_slo(slo, escalation));
        }
        // A composite burns by its parts, each counted as it counts.
        let parts: Vec<(&str, u32, &crate::spec::Slo)> =
            slo.composite.iter().filter_map(|(part, w)| Some((part.as_str(), *w, slos.get(part)?))).collect();
        Some(Evaluator::for_composite(slo, &parts, escalation))
    }

    /// A composite's parts, in the order `AlertEvent::PartSample` numbers them; empty for any other SLO.
    pub fn parts(&self) -> Vec<&str> {
        self.parts.iter().map(|p| p.name.as_str()).collect()
    }

    /// Whether this is a composite's evaluator, fed its parts' samples.
    pub fn is_composite(&self) -> bool {
        !self.parts.is_empty()
    }

    /// The number `AlertEvent::PartSample` gives the composite's part `name`.
    pub fn part(&self, name: &str) -> Option<usize> {
        self.parts.iter().position(|p| p.name == name)
    }

    /// The stream of part `part` for a sample at `now`; none when the
    /// composite's own maintenance leaves it out, or there is no such part.
    fn part_stream(&mut self, part: usize, now: Timestamp) -> Option<&mut Stream> {
        if calendar::in_maintenance(&self.stream.maintenance, now.as_millis()) {
            return None;
        }
        self.parts.get_mut(part).map(|p| &mut p.stream)
    }

    /// What `window` up to `now` held.
    fn seen(&self, now: Timestamp, window: Duration) -> Seen {
        if !self.is_composite() {
            let counts = self.stream.tracker.counts(now, window);
            return Seen { counts, error: counts.and_then(Counts::error_ratio) };
        }
        let parts: Vec<(u32, Counts)> =
            self.parts.iter().map(|p| (p.weight, p.stream.tracker.counts(now, window).unwrap_or_default())).collect();
        let total = parts.iter().fold(Counts::default(), |a, (_, c)| Counts { good: a.good + c.good, total: a.total + c.total });
        Seen { counts: Some(total), error: super::composite_error_ratio(&parts) }
    }

    fn evaluate(&mut self, now: Timestamp) {
        for i in 0..self.rules.len() {
            let Some(rule) = self.rules.get(i).copied() else { continue };
            let long = self.seen(now, rule.long_window);
            let short = self.seen(now, rule.short_window);
            let hot = |seen: Seen| seen.burn(self.objective).is_some_and(|b| b >= rule.burn_rate);
            // Low traffic: too few events in the long window is no page.
            let enough = long.counts.is_some_and(|c| c.total >= self.min_events);
            let firing = hot(long) && hot(short) && enough;
            let evidence = Evidence::of(vec![
                burn(rule.long_window, long, self.objective, rule.burn_rate),
                burn(rule.short_window, short, self.objective, rule.burn_rate),
            ]);
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
            Some((unit, zone)) => {
                match calendar::period_bounds(*unit, &calendar::time_zone(zone.as_deref()).unwrap_or(TimeZone::UTC), now.as_millis()) {
                    Some((start, _)) => (
                        self.seen(now, (now - Timestamp::from_millis(start)) + Duration::from_millis(1)),
                        format!("{} since {}", unit.as_str(), super::report::rfc3339(start)),
                    ),
                    None => (Seen { counts: None, error: None }, unit.as_str().to_owned()),
                }
            }
            None => (self.seen(now, self.period), format!("{} period", self.period)),
        };
        // Spent: the error ratio has reached the budget (a burn rate of 1 over the period).
        let spent = period.burn(self.objective).is_some_and(|b| b.num >= b.den);
        if spent != self.frozen {
            self.frozen = spent;
            self.pending
                .push(AlertAction::FreezeRollouts { frozen: spent, evidence: Evidence::of(vec![budget(&label, period, self.objective)]) });
        }
    }

    fn escalate(&mut self, now: Timestamp) {
        for (i, state) in self.states.iter_mut().enumerate() {
            if let RuleState::Firing { since, acknowledged: false, notified } = state {
                while let Some((target, after)) = self.escalation.steps.get(*notified) {
                    if now < *since + *after {
                        break;
                    }
                    self.pending.push(AlertAction::Notify { rule: i, level: *notified, target: target.clone() });
                    *notified += 1;
                }
            }
        }
    }

    /// The verdict of a rollout's SLO gate, as of the last evaluation: a
    /// firing page rolls back (the new version may be what burns), a spent
    /// budget with no page asks a person (the policy freezes releases, but a
    /// fix may be what is rolling out), a quiet SLO with no events is no data.
    /// The evidence holds each page rule's burn rates, or the budget spent.
    pub fn gate(&self) -> (Verdict, Evidence) {
        let last = self.next_eval.saturating_sub(Duration::from_millis(1));
        let paging: Vec<Measurement> = self
            .rules
            .iter()
            .zip(&self.states)
            .filter(|(r, s)| r.severity == Severity::Page && matches!(s, RuleState::Firing { .. }))
            .flat_map(|(r, _)| {
                [r.long_window, r.short_window].map(|w| burn(w, self.seen(last, w), self.objective, r.burn_rate).scoped("page"))
            })
            .collect();
        if !paging.is_empty() {
            let mut e = Evidence::of(paging);
            e.summary = format!("paging: {}", e.summary);
            return (Verdict::Fail, e);
        }
        let period = self.seen(last, self.period);
        if self.frozen {
            let mut e = Evidence::of(vec![budget(&format!("{} period", self.period), period, self.objective)]);
            e.summary = format!("error budget spent, the budget policy freezes releases: {}", e.summary);
            return (Verdict::Inconclusive, e);
        }
        if period.counts.is_none_or(|c| c.total == 0) {
            return (Verdict::NoData, Evidence::said("no events in the SLO's window"));
        }
        let mut e = Evidence::of(vec![budget(&format!("{} period", self.period), period, self.objective)]);
        e.summary = format!("no page firing and budget left: {}", e.summary);
        (Verdict::Pass, e)
    }
}

impl Machine for Evaluator {
    type Event = AlertEvent;
    type Action = AlertAction;
    type Status = Status;

    /// Feed an observation.
    fn handle(&mut self, event: AlertEvent, now: Timestamp) {
        match event {
            AlertEvent::Sample { good, total } => self.stream.sample(now, good, total),
            AlertEvent::Latency { ms } => self.stream.latency(now, ms),
            AlertEvent::PartSample { part, good, total } => {
                if let Some(p) = self.part_stream(part, now) {
                    p.sample(now, good, total);
                }
            }
            AlertEvent::PartLatency { part, ms } => {
                if let Some(p) = self.part_stream(part, now) {
                    p.latency(now, ms);
                }
            }
            AlertEvent::Acknowledge { rule } => {
                if let Some(RuleState::Firing { acknowledged, .. }) = self.states.get_mut(rule) {
                    *acknowledged = true;
                }
            }
        }
    }

    /// Evaluates the rules once per interval, then hands out what is due.
    fn poll(&mut self, now: Timestamp) -> Option<AlertAction> {
        self.stream.tick(now);
        for p in &mut self.parts {
            p.stream.tick(now);
        }
        if now >= self.next_eval {
            self.evaluate(now);
            self.next_eval = now.floor(EVALUATION_INTERVAL) + EVALUATION_INTERVAL;
        }
        self.escalate(now);
        if self.pending.is_empty() { None } else { Some(self.pending.remove(0)) }
    }

    /// The next evaluation, or an escalation due before it.
    fn next_deadline(&self) -> Option<Timestamp> {
        let escalations = self.states.iter().filter_map(|s| match s {
            RuleState::Firing { since, acknowledged: false, notified } => {
                self.escalation.steps.get(*notified).map(|(_, after)| *since + *after)
            }
            _ => None,
        });
        Some(escalations.fold(self.next_eval, Timestamp::min))
    }

    fn status(&self) -> Status {
        let rules = self
            .rules
            .iter()
            .zip(&self.states)
            .enumerate()
            .map(|(rule, (r, s))| RuleStatus {
                rule,
                severity: r.severity,
                long_window: r.long_window,
                short_window: r.short_window,
                firing_since: match s {
                    RuleState::Firing { since, .. } => Some(*since),
                    RuleState::Inactive => None,
                },
                acknowledged: matches!(s, RuleState::Firing { acknowledged: true, .. }),
            })
            .collect();
        Status { rules, frozen: self.frozen, gate: self.gate() }
    }

    /// None: alerts and notices need no result back; a notifier that fails retries on its own.
    fn outstanding(&self) -> Vec<AlertAction> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn run(errors_per_min: impl Fn(u64) -> (u64, u64), minutes: u64, ev: &mut Evaluator) -> Vec<(u64, AlertAction)> {
        let mut out = vec![];
        for m in 0..minutes {
            let now = Timestamp::from_millis(m * 60_000);
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
            let now = Timestamp::from_millis(jan31 + m * 60_000);
            let (good, total) = if now < Timestamp::from_millis(feb1) { (0, 100) } else { (100, 100) };
            ev.handle(AlertEvent::Sample { good, total }, now);
            while let Some(a) = ev.poll(now) {
                actions.push((now, a));
            }
        }
        let freezes: Vec<(u64, bool)> = actions
            .iter()
            .filter_map(|(t, a)| if let AlertAction::FreezeRollouts { frozen, .. } = a { Some((t.as_millis(), *frozen)) } else { None })
            .collect();
        assert_eq!(freezes.first(), Some(&(jan31, true)), "{actions:?}");
        // February's first evaluation counts February only: clean, so rollouts may go again.
        assert_eq!(freezes.get(1), Some(&(feb1, false)), "{actions:?}");
    }

    /// Feed a composite of `a` (weight 3) and `b` (weight 1) minute by minute; its actions.
    fn composite(
        ev: &mut Evaluator,
        minutes: u64,
        a: impl Fn(u64) -> (u64, u64),
        b: impl Fn(u64) -> (u64, u64),
    ) -> Vec<(u64, AlertAction)> {
        let mut out = vec![];
        for m in 0..minutes {
            let now = Timestamp::from_millis(m * 60_000);
            for (part, (good, total)) in [a(m), b(m)].into_iter().enumerate() {
                ev.handle(AlertEvent::PartSample { part, good, total }, now);
            }
            while let Some(x) = ev.poll(now) {
                out.push((m, x));
            }
        }
        out
    }

    #[test]
    fn a_composite_burns_by_its_parts_weighted_error_ratios_each_over_its_own_traffic() {
        let (a, b) = (slo("{ objective: 99.9% }"), slo("{ objective: 99%, threshold: 300ms }"));
        let both = slo("{ objective: 99.5%, composite: { a: 3, b: 1 } }");
        let new = || Evaluator::for_composite(&both, &[("a", 3, &a), ("b", 1, &b)], Escalation { steps: vec![] });
        // The quiet part (10 a minute) fails entirely, the busy one (100,000 a minute) is clean:
        // pooled, 10 bad in 100,010 would be nothing; weighted, it is (3 x 0 + 1 x 1) / 4 = 25% of errors.
        let mut ev = new();
        let actions = composite(&mut ev, 30, |_| (100_000, 100_000), |_| (0, 10));
        let fired: Vec<&AlertAction> =
            actions.iter().map(|(_, x)| x).filter(|x| matches!(x, AlertAction::Fire { severity: Severity::Page, .. })).collect();
        assert!(!fired.is_empty(), "{actions:?}");
        let AlertAction::Fire { evidence, .. } = fired[0] else { unreachable!() };
        // 25% of errors over a 0.5% budget is a 50x burn.
        assert!(evidence.to_string().contains("burn rate over 1h: 50x"), "{evidence}");
        // Both clean: nothing fires, and the gate passes with budget left.
        let mut ev = new();
        assert!(composite(&mut ev, 30, |_| (1000, 1000), |_| (10, 10)).is_empty());
        assert_eq!(ev.gate().0, Verdict::Pass);
        // A part with no traffic is left out of the mean, not counted as clean.
        let mut ev = new();
        let actions = composite(&mut ev, 30, |_| (0, 0), |_| (0, 10));
        assert!(actions.iter().any(|(_, x)| matches!(x, AlertAction::Fire { .. })), "{actions:?}");
        // Its saved form reads back the same (the watcher saves it after every round).
        let text = serde_json::to_string(&ev).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Evaluator>(&text).ok().as_ref(), Some(&ev));
    }

    #[test]
    fn a_saved_evaluator_of_an_earlier_release_still_loads() {
        // The shape a watcher saved before composites were evaluated: no `parts`.
        let mut ev = evaluator();
        run(|_| (999, 1000), 10, &mut ev);
        let mut v = serde_json::to_value(&ev).unwrap_or_default();
        assert!(v.get("parts").is_none() && v.get("tracker").is_some() && v.get("slicer").is_some(), "{v}");
        if let Some(o) = v.as_object_mut() {
            o.remove("parts");
        }
        assert_eq!(serde_json::from_value::<Evaluator>(v).ok(), Some(ev));
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
            let now = Timestamp::from_millis(m * 60_000);
            let sample = if (20..50).contains(&m) { (0, 1000) } else { (1000, 1000) };
            ev.handle(AlertEvent::Sample { good: sample.0, total: sample.1 }, now);
            while ev.poll(now).is_some() {}
            verdicts.insert(m, ev.gate());
        }
        let at = |m: u64| verdicts.get(&m).cloned().unwrap_or((Verdict::Error, Evidence::none()));
        assert_eq!(at(19).0, Verdict::Pass);
        assert_eq!(at(30).0, Verdict::Fail);
        // The evidence is the page's two windows, each burning over the 14.4x threshold.
        let paging = at(30).1;
        let windows: Vec<Option<Duration>> = paging.measurements.iter().map(|m| m.window).collect();
        assert_eq!(windows[..2], [Some(Duration::from_secs(3600)), Some(Duration::from_secs(300))], "{paging:?}");
        assert!(paging.measurements.iter().take(2).all(|m| m.threshold == Some(14.4) && m.within() == Some(false)), "{paging:?}");
        assert!(paging.summary.starts_with("paging: burn rate in page over 1h: "), "{}", paging.summary);
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
        let fired: Vec<Evidence> = actions
            .iter()
            .filter_map(|(_, a)| if let AlertAction::Fire { evidence, .. } = a { Some(evidence.clone()) } else { None })
            .collect();
        let long = |e: &Evidence| e.measurements.first().map(|m| (m.window, m.counts));
        assert!(fired.iter().any(|e| long(e) == Some((Some(Duration::from_secs(6 * 3600)), Some((2, 32))))), "{actions:?}");
        assert!(!fired.iter().any(|e| long(e).is_some_and(|(w, _)| w == Some(Duration::from_secs(3600)))), "{actions:?}");
        // Percentile SLOs take latencies.
        let mut ev = Evaluator::for_slo(
            &slo("{ objective: 99%, budgeting: timeslices, percentile: 99%, threshold: 100ms, timeslice: 1m }"),
            Escalation { steps: vec![] },
        );
        for m in 0..20u64 {
            for i in 0..100u64 {
                ev.handle(
                    AlertEvent::Latency { ms: if m >= 10 && i < 5 { 900.0 } else { 20.0 } },
                    Timestamp::from_millis(m * 60_000 + i * 10),
                );
            }
            while ev.poll(Timestamp::from_millis(m * 60_000 + 59_000)).is_some() {}
        }
        assert!(ev.status().firing(), "slow minutes should page: {:?}", ev.status());
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
        assert!(evidence.measurements.iter().all(|m| m.threshold == Some(14.4) && m.unit == "x"), "{evidence:?}");
        assert_eq!(evidence.measurements.first().and_then(|m| m.counts), Some((1000, 60_000)), "{evidence:?}");
    }

    #[test]
    fn acknowledging_stops_escalation_and_quiet_services_do_not_page() {
        let mut ev = evaluator();
        let mut actions = vec![];
        for m in 0..120u64 {
            let now = Timestamp::from_millis(m * 60_000);
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
        assert!(ev.status().frozen);
        assert_eq!(ev.status().gate.0, Verdict::Inconclusive);
    }
}
