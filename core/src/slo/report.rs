//! SLA reports: for each SLO over a period, the attainment, the budget used,
//! the burn-down over time, the incidents (when alerts fired) and the
//! budget-policy actions, as Markdown, JSON or a self-contained HTML page
//! with an SVG burn-down chart. Samples come in as CSV text.

use super::{AlertAction, Counts, Escalation, Evaluator, Ratio, budget_ppm};
use crate::machine::Machine;
use crate::spec::Spec;
use crate::spec::units::Duration;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One line of samples: `time_ms,slo,good,total`, or `time_ms,slo,latency_ms`
/// (one request's latency) for an SLO with a `percentile`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample<'a> {
    /// Milliseconds since the epoch.
    pub at: u64,
    /// The SLO's name.
    pub slo: &'a str,
    /// Good events.
    pub good: u64,
    /// All events.
    pub total: u64,
    /// One request's latency, for a percentile SLO (then `good` and `total` are 0).
    pub latency_ms: Option<f64>,
}

impl std::fmt::Display for Sample<'_> {
    /// The CSV line [`parse_samples`] reads back: `time_ms,slo,good,total`, or `time_ms,slo,latency_ms`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.latency_ms {
            Some(ms) => write!(f, "{},{},{ms}", self.at, self.slo),
            None => write!(f, "{},{},{},{}", self.at, self.slo, self.good, self.total),
        }
    }
}

/// Whether `good` of `total` events can be true: never more good than all.
pub fn check_sample(good: u64, total: u64) -> Result<(), String> {
    if good > total { Err(format!("{good} good events of {total} is more good than there were")) } else { Ok(()) }
}

/// Most bad lines reported one by one; the rest are counted.
pub const MAX_SAMPLE_ERRORS: usize = 20;

/// Read samples from CSV (`time_ms,slo,good,total`; `#` comments, a header
/// line and a UTF-8 byte-order mark allowed). With `slos`, a line naming an
/// SLO not among them is an error too. Every bad line is reported with its
/// number, the first [`MAX_SAMPLE_ERRORS`] of them, then how many more; an
/// SLO whose counts would pass 2^64 in total is refused at the line that would.
pub fn parse_samples<'a>(text: &'a str, slos: Option<&[&str]>) -> Result<Vec<Sample<'a>>, Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut bad = 0usize;
    let mut totals: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        // Blank lines, comments, and a header before the first sample are skipped.
        if line.is_empty() || line.starts_with('#') || (out.is_empty() && bad == 0 && line.starts_with("time")) {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed = match f.as_slice() {
            [at, slo, good, total] => match (at.parse(), good.parse(), total.parse()) {
                (Ok(at), Ok(good), Ok(total)) => check_sample(good, total).map(|()| Sample { at, slo, good, total, latency_ms: None }),
                _ => Err(String::new()),
            },
            [at, slo, latency] => match (at.parse(), latency.parse::<f64>()) {
                (Ok(at), Ok(l)) if l.is_finite() && l >= 0.0 => Ok(Sample { at, slo, good: 0, total: 0, latency_ms: Some(l) }),
                _ => Err(String::new()),
            },
            _ => Err(String::new()),
        };
        let checked = parsed.and_then(|s| {
            if let Some(known) = slos.filter(|k| !k.contains(&s.slo)) {
                return Err(format!("the spec has no SLO named `{}` (it has {})", s.slo, known.join(", ")));
            }
            let t = totals.entry(s.slo).or_default();
            match (t.0.checked_add(s.good), t.1.checked_add(s.total)) {
                (Some(g), Some(n)) => {
                    *t = (g, n);
                    Ok(s)
                }
                _ => Err(format!("the counts of `{}` would pass 2^64 in total", s.slo)),
            }
        });
        match checked {
            Ok(s) => out.push(s),
            Err(why) => {
                bad += 1;
                if errors.len() < MAX_SAMPLE_ERRORS {
                    let shown: String = line.chars().take(120).collect();
                    let why = if why.is_empty() {
                        "it is not `time_ms,slo,good,total` with good <= total, nor `time_ms,slo,latency_ms`".to_owned()
                    } else {
                        why
                    };
                    errors.push(format!("line {}: `{shown}`: {why}", i + 1));
                }
            }
        }
    }
    if bad > errors.len() {
        errors.push(format!("and {} more bad lines", bad - errors.len()));
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// When an alert fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// `page` or `ticket`.
    pub severity: String,
    /// The rule's long window.
    pub window: String,
    /// When it fired (ms).
    pub from: u64,
    /// When it resolved (ms), if it did within the report.
    pub to: Option<u64>,
    /// The evidence when it fired: the burn rates and counts, and their sentence.
    pub evidence: crate::evidence::Evidence,
}

/// The report of one SLO.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SloReport {
    /// Name.
    pub name: String,
    /// Objective, such as `99.9%`.
    pub objective: String,
    /// Good and total events in the report.
    pub counts: Counts,
    /// Share of good events, to 4 decimals of a percent (`None` with no events).
    pub attainment: Option<String>,
    /// Whether the objective was met.
    pub met: Option<bool>,
    /// Share of the budget used (1 = all of it).
    pub budget_used: Option<String>,
    /// Budget remaining after each sample time: (ms, share of the budget left, may go below 0).
    pub burn_down: Vec<(u64, f64)>,
    /// Alerts that fired.
    pub incidents: Vec<Incident>,
    /// Budget-policy actions: (ms, what).
    pub policy: Vec<(u64, String)>,
    /// What the budget was measured over: `30d` rolling, or the calendar
    /// period of the last sample (`month`), with its start and end in ms.
    pub window: String,
    /// The calendar period reported on, start and end (ms), for a calendar window.
    pub period: Option<(u64, u64)>,
    /// Events left out because they fell in planned maintenance.
    pub excluded: Counts,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// App name.
    pub app: String,
    /// First and last sample times (ms).
    pub from: u64,
    /// Last sample time (ms).
    pub to: u64,
    /// Per SLO.
    pub slos: Vec<SloReport>,
    /// The failovers a watcher carried out over the report, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failovers: Vec<FailoverRecord>,
}

/// One failover of the RTO/RPO ledger, on the wall clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailoverRecord {
    /// The region that failed.
    pub region: String,
    /// Where traffic went.
    pub to: String,
    /// The first failed probe, ms since the epoch.
    pub first_failure_ms: u64,
    /// From the first failed probe to the detector's decision (ms).
    pub detected_after_ms: u64,
    /// To traffic moved (ms), if it did.
    pub shifted_after_ms: Option<u64>,
    /// To the new region verified serving (ms): the achieved RTO.
    pub rto_ms: Option<u64>,
    /// The RTO objective (ms).
    pub rto_objective_ms: u64,
    /// Replication lag at the failover: the writes that may be lost (ms).
    pub data_loss_ms: Option<u64>,
    /// The RPO objective (ms).
    pub rpo_objective_ms: u64,
    /// Whether the RTO and the data loss stayed within the objectives.
    pub met: Option<bool>,
    /// How it ended.
    pub outcome: String,
}

impl FailoverRecord {
    /// The record of ledger entry `i` of a machine whose time 0 was `origin_ms` on the wall clock.
    pub fn new(origin_ms: u64, i: &crate::recovery::Incident) -> FailoverRecord {
        let first = i.first_failure_at.as_millis();
        let after = |t: crate::time::Timestamp| t.as_millis().saturating_sub(first);
        FailoverRecord {
            region: i.region.clone(),
            to: i.to.clone(),
            first_failure_ms: origin_ms.saturating_add(first),
            detected_after_ms: after(i.detected_at),
            shifted_after_ms: i.shifted_at.map(after),
            rto_ms: i.rto_ms,
            rto_objective_ms: i.rto_objective_ms,
            data_loss_ms: i.data_loss_ms,
            rpo_objective_ms: i.rpo_objective_ms,
            met: i.met(),
            outcome: i.outcome.clone(),
        }
    }

    fn cells(&self) -> [String; 8] {
        let secs = |ms: Option<u64>| ms.map_or("-".to_owned(), |m| format!("{:.2} s", m as f64 / 1000.0));
        [
            format!("{} → {}", self.region, self.to),
            rfc3339(self.first_failure_ms),
            secs(Some(self.detected_after_ms)),
            secs(self.shifted_after_ms),
            format!("{} (objective {})", secs(self.rto_ms), secs(Some(self.rto_objective_ms))),
            format!("{} (RPO {})", secs(self.data_loss_ms), secs(Some(self.rpo_objective_ms))),
            self.met.map_or("-", |m| if m { "yes" } else { "no" }).to_owned(),
            self.outcome.clone(),
        ]
    }
}

const FAILOVER_HEADERS: [&str; 8] =
    ["failover", "first failed probe", "detected", "traffic shifted", "RTO", "data-loss window", "met", "outcome"];

/// The samples of SLO `name`, in time order.
fn raw<'a>(name: &str, by_slo: &BTreeMap<&str, Vec<&Sample<'a>>>) -> Vec<Sample<'a>> {
    let mut mine: Vec<Sample<'a>> = by_slo.get(name).map(|v| v.iter().map(|s| **s).collect()).unwrap_or_default();
    mine.sort_by_key(|s| s.at);
    mine
}

/// The events an SLO's budget counts: its count samples, or for a
/// percentile or throughput SLO one event per timeslice (judged by the same
/// [`super::Slicer`] the alert evaluator uses), up to `end`.
fn events<'a>(name: &'a str, slo: &crate::spec::Slo, raw: &[Sample<'a>], end: u64) -> Vec<Sample<'a>> {
    let sliced = slo.percentile.is_some() || slo.min_throughput.is_some();
    let Some(mut slicer) = super::Slicer::for_slo(slo).filter(|_| sliced) else {
        return raw.iter().filter(|s| s.latency_ms.is_none()).copied().collect();
    };
    let mut out: Vec<super::SliceEvent> = Vec::new();
    for s in raw {
        out.extend(match s.latency_ms {
            Some(l) => slicer.record_latency(s.at, l),
            None => slicer.record(s.at, s.good, s.total),
        });
    }
    // Close the last slice the report reaches into.
    let width = slo.timeslice.as_millis().max(1);
    out.extend(slicer.tick((end / width + 1) * width));
    out.into_iter().map(|(at, good, total)| Sample { at, slo: name, good, total, latency_ms: None }).collect()
}

/// Keep the events an SLO's budget counts: for a calendar window those of
/// the last event's period (returned), never those in planned maintenance
/// (their counts returned).
fn restrict(slo: &crate::spec::Slo, events: &mut Vec<Sample<'_>>) -> (Option<(u64, u64)>, Counts) {
    let zone = super::calendar::time_zone(slo.time_zone.as_deref()).unwrap_or(jiff::tz::TimeZone::UTC);
    let period = slo.window.calendar().zip(events.last()).and_then(|(unit, last)| super::calendar::period_bounds(unit, &zone, last.at));
    if let Some((start, end)) = period {
        events.retain(|s| (start..end).contains(&s.at));
    }
    let maintenance = super::calendar::intervals(&slo.maintenance);
    let mut excluded = Counts::default();
    events.retain(|s| {
        let skip = super::calendar::in_maintenance(&maintenance, s.at);
        if skip {
            excluded.good += s.good;
            excluded.total += s.total;
        }
        !skip
    });
    (period, excluded)
}

/// A (non-composite) SLO's budget events summed per timeslice, in time order.
fn slices(slo: &crate::spec::Slo, events: &[Sample<'_>]) -> Vec<Counts> {
    let width = slo.timeslice.as_millis().max(1);
    let mut slices: Vec<Counts> = Vec::new();
    let mut current: Option<u64> = None;
    for s in events {
        let slice = s.at / width;
        if current != Some(slice) {
            slices.push(Counts::default());
            current = Some(slice);
        }
        if let Some(last) = slices.last_mut() {
            last.good += s.good;
            last.total += s.total;
        }
    }
    slices
}

/// Attainment of one (non-composite) SLO's budget events by its budgeting method, over timeslices of them.
fn sliced_attainment(slo: &crate::spec::Slo, events: &[Sample<'_>]) -> Option<Ratio> {
    super::attainment(slo.budgeting, &slices(slo, events), slo.timeslice_target.unwrap_or(slo.objective))
}

/// Whether an attainment meets the SLO's objective, exactly.
fn meets(slo: &crate::spec::Slo, r: Ratio) -> bool {
    r.num * 1_000_000 >= r.den * u128::from(slo.objective.ppm())
}

fn sum(events: &[Sample<'_>]) -> Counts {
    events.iter().fold(Counts::default(), |c, s| Counts { good: c.good + s.good, total: c.total + s.total })
}

/// How an SLO did over a stretch of samples: what a rollout's SLO gate holds a new version to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attained {
    /// The share of good, by the SLO's budgeting method (for a composite, one minus the weighted error ratio).
    pub ratio: Ratio,
    /// Good and total of what was counted: events, or timeslices for a sliced SLO.
    pub counts: Counts,
    /// Whether `ratio` meets the objective.
    pub met: bool,
    /// Whether the counts are timeslices rather than events.
    pub sliced: bool,
}

/// The attainment of SLO `name` of `slos` over `samples` (any order, of it
/// and of its components), the last timeslice closing at `end` (ms): the same
/// events, slices, calendar period and maintenance as [`report`] counts.
/// `None` when nothing counted had data, or the SLO is not in `slos`.
pub fn attainment_of<'a>(slos: &'a BTreeMap<String, crate::spec::Slo>, name: &str, samples: &[Sample<'a>], end: u64) -> Option<Attained> {
    let (name, slo) = slos.get_key_value(name)?;
    let mut by_slo: BTreeMap<&str, Vec<&Sample<'a>>> = BTreeMap::new();
    for s in samples {
        by_slo.entry(s.slo).or_default().push(s);
    }
    let counted = |part: &'a str, p: &crate::spec::Slo| -> Vec<Sample<'a>> {
        let mut raw = raw(part, &by_slo);
        restrict(p, &mut raw);
        events(part, p, &raw, end)
    };
    if slo.composite.is_empty() {
        let ev = counted(name, slo);
        let ratio = sliced_attainment(slo, &ev)?;
        let timeslices = slo.budgeting == crate::spec::Budgeting::Timeslices;
        // Percentile and throughput SLOs count one event per timeslice already.
        let sliced = timeslices || slo.percentile.is_some() || slo.min_throughput.is_some();
        let counts = if timeslices { slice_counts(slo, &ev) } else { sum(&ev) };
        return Some(Attained { ratio, counts, met: meets(slo, ratio), sliced });
    }
    let weighted: Vec<(u32, Counts)> = slo
        .composite
        .iter()
        .filter_map(|(part, w)| slos.get_key_value(part.as_str()).map(|(part, p)| (*w, sum(&counted(part, p)))))
        .collect();
    let bad = super::composite_error_ratio(&weighted)?;
    let ratio = Ratio::new(bad.den - bad.num.min(bad.den), bad.den)?;
    let counts = weighted.iter().fold(Counts::default(), |c, (_, p)| Counts { good: c.good + p.good, total: c.total + p.total });
    Some(Attained { ratio, counts, met: meets(slo, ratio), sliced: false })
}

/// Good and all timeslices of a sliced SLO's events.
fn slice_counts(slo: &crate::spec::Slo, events: &[Sample<'_>]) -> Counts {
    let target = slo.timeslice_target.unwrap_or(slo.objective);
    let with_data = slices(slo, events).into_iter().filter(|c| c.total > 0);
    with_data.fold(Counts::default(), |a, c| Counts { good: a.good + u64::from(super::timeslices::good(c, target)), total: a.total + 1 })
}

/// A composite SLO's report: its parts' events (each as the part counts
/// them, then within the composite's own period and maintenance), the
/// weighted mean of their error ratios, and the budget left as their bad
/// events come in. Its alerts run where its rules are exported.
fn composite_report(
    spec: &Spec,
    name: &str,
    slo: &crate::spec::Slo,
    by_slo: &BTreeMap<&str, Vec<&Sample<'_>>>,
    span: (u64, u64),
) -> SloReport {
    let mut parts: Vec<(u32, Vec<Sample<'_>>)> = slo
        .composite
        .iter()
        .filter_map(|(part, w)| {
            let p = spec.slos.get(part)?;
            let mut samples = raw(part, by_slo);
            restrict(p, &mut samples);
            Some((*w, events(part, p, &samples, span.1)))
        })
        .collect();
    let mut all: Vec<Sample<'_>> = parts.iter().flat_map(|(_, ev)| ev.iter().copied()).collect();
    all.sort_by_key(|s| s.at);
    let (period, excluded) = restrict(slo, &mut all);
    let maintenance = super::calendar::intervals(&slo.maintenance);
    for (_, ev) in &mut parts {
        ev.retain(|s| period.is_none_or(|(a, b)| (a..b).contains(&s.at)) && !super::calendar::in_maintenance(&maintenance, s.at));
    }
    let weighted: Vec<(u32, Counts)> = parts.iter().map(|(w, ev)| (*w, sum(ev))).collect();
    let ratio = super::composite_error_ratio(&weighted);
    let budget = budget_ppm(slo.objective);
    let attainment = ratio.map(|r| format!("{}%", Ratio { num: (r.den - r.num.min(r.den)) * 100, den: r.den }.to_decimal()));
    let met = ratio.map(|r| r.num * 1_000_000 <= r.den * u128::from(budget));
    let budget_used =
        ratio.and_then(|r| Ratio::new(r.num * 1_000_000 * 100, r.den * u128::from(budget))).map(|r| format!("{}%", r.to_decimal()));
    // Budget left after each event: each part's bad events so far over all its events, weighted.
    let live: Vec<(f64, &str, f64)> = parts
        .iter()
        .zip(&weighted)
        .filter(|(_, (_, c))| c.total > 0)
        .filter_map(|((w, ev), (_, c))| Some((f64::from(*w), ev.first()?.slo, c.total as f64)))
        .collect();
    let weights: f64 = live.iter().map(|(w, _, _)| w).sum();
    let allowed = weights * f64::from(budget) / 1_000_000.0;
    let mut spent = 0.0;
    let burn_down = all
        .iter()
        .map(|s| {
            if let Some((w, _, total)) = live.iter().find(|(_, part, _)| *part == s.slo) {
                spent += w * (s.total - s.good) as f64 / total;
            }
            (s.at, if allowed > 0.0 { 1.0 - spent / allowed } else { 1.0 })
        })
        .collect();
    SloReport {
        name: name.to_owned(),
        objective: slo.objective.to_string(),
        counts: weighted.iter().fold(Counts::default(), |c, (_, p)| Counts { good: c.good + p.good, total: c.total + p.total }),
        attainment,
        met,
        budget_used,
        burn_down,
        incidents: vec![],
        policy: vec![],
        window: slo.window.to_string(),
        period,
        excluded,
    }
}

/// Build the report of every SLO of `spec` from `samples` (any order).
pub fn report(spec: &Spec, samples: &[Sample<'_>]) -> Report {
    let mut by_slo: BTreeMap<&str, Vec<&Sample<'_>>> = BTreeMap::new();
    for s in samples {
        by_slo.entry(s.slo).or_default().push(s);
    }
    let from = samples.iter().map(|s| s.at).min().unwrap_or(0);
    let to = samples.iter().map(|s| s.at).max().unwrap_or(0);
    let mut slos = Vec::new();
    for (name, slo) in &spec.slos {
        if !slo.composite.is_empty() {
            slos.push(composite_report(spec, name, slo, &by_slo, (from, to)));
            continue;
        }
        let mut samples = raw(name, &by_slo);
        let (period, excluded) = restrict(slo, &mut samples);
        let mine = events(name, slo, &samples, to);
        let counts = mine.iter().fold(Counts::default(), |c, s| Counts { good: c.good + s.good, total: c.total + s.total });
        let budget = budget_ppm(slo.objective);
        let mut ev = Evaluator::for_slo(slo, Escalation { steps: vec![] });
        let mut incidents: Vec<Incident> = Vec::new();
        let mut policy = Vec::new();
        let mut burn_down = Vec::new();
        let mut bad = 0u64;
        let rules = super::default_rules(slo.window.period());
        // The evaluator takes the samples as they came (it slices them itself, as it would live).
        for s in &samples {
            let event = super::AlertEvent::of_sample(s, None);
            ev.handle(event, crate::time::Timestamp::from_millis(s.at));
            while let Some(action) = ev.poll(crate::time::Timestamp::from_millis(s.at)) {
                match action {
                    AlertAction::Fire { rule, severity, evidence } => incidents.push(Incident {
                        severity: severity.as_str().to_owned(),
                        window: rules.get(rule).map(|r| r.long_window.to_string()).unwrap_or_default(),
                        from: s.at,
                        to: None,
                        evidence,
                    }),
                    AlertAction::Resolve { rule, .. } => {
                        let window = rules.get(rule).map(|r| r.long_window.to_string()).unwrap_or_default();
                        if let Some(open) = incidents.iter_mut().rev().find(|i| i.window == window && i.to.is_none()) {
                            open.to = Some(s.at);
                        }
                    }
                    AlertAction::FreezeRollouts { frozen, evidence } => policy.push((
                        s.at,
                        if frozen {
                            format!("rollouts frozen: budget spent ({evidence})")
                        } else {
                            format!("rollouts allowed again ({evidence})")
                        },
                    )),
                    AlertAction::Notify { .. } => {}
                }
            }
        }
        // Budget left against the events seen so far in the report.
        let allowed = counts.total as f64 * f64::from(budget) / 1_000_000.0;
        for s in &mine {
            bad += s.total - s.good;
            let left = if allowed > 0.0 { 1.0 - bad as f64 / allowed } else { 1.0 };
            burn_down.push((s.at, left));
        }
        let achieved = sliced_attainment(slo, &mine);
        let attainment = achieved.map(|r| format!("{}%", Ratio { num: r.num * 100, den: r.den }.to_decimal()));
        let met = achieved.map(|r| meets(slo, r));
        // Budget used = (1 - attainment) / (1 - objective).
        let budget_used = achieved
            .and_then(|r| Ratio::new((r.den - r.num.min(r.den)) * 1_000_000 * 100, r.den * u128::from(budget)))
            .map(|r| format!("{}%", r.to_decimal()));
        slos.push(SloReport {
            name: name.clone(),
            objective: slo.objective.to_string(),
            counts,
            attainment,
            met,
            budget_used,
            burn_down,
            incidents,
            policy,
            window: slo.window.to_string(),
            period,
            excluded,
        });
    }
    Report { app: spec.app.clone(), from, to, slos, failovers: vec![] }
}

impl SloReport {
    /// What the table does not say: the calendar period and the events maintenance left out.
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((from, to)) = self.period {
            out.push(format!("{} window: the period from {} to {}", self.window, rfc3339(from), rfc3339(to)));
        }
        if self.excluded.total > 0 {
            out.push(format!("{} events ({} bad) fell in planned maintenance and are left out", self.excluded.total, self.excluded.bad()));
        }
        out
    }
}

/// A time in ms as RFC 3339 UTC.
pub(crate) fn rfc3339(ms: u64) -> String {
    i64::try_from(ms).ok().and_then(|m| jiff::Timestamp::from_millisecond(m).ok()).map_or_else(|| format!("{ms} ms"), |t| t.to_string())
}

fn when(ms: u64, from: u64) -> String {
    format!("+{}", Duration::from_millis(ms.saturating_sub(from) / 60_000 * 60_000))
}

impl Report {
    /// The report with the watcher's failovers beside the SLOs; with no
    /// samples, it spans the failovers.
    pub fn with_failovers(mut self, mut failovers: Vec<FailoverRecord>) -> Report {
        failovers.sort_by_key(|f| f.first_failure_ms);
        if self.slos.iter().all(|s| s.counts.total == 0) && self.from == 0 && self.to == 0 {
            self.from = failovers.first().map_or(0, |f| f.first_failure_ms);
            self.to = failovers.last().map_or(0, |f| f.first_failure_ms.saturating_add(f.rto_ms.unwrap_or(f.detected_after_ms)));
        }
        self.failovers = failovers;
        self
    }

    /// Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# SLA report: {}\n", self.app);
        let _ = writeln!(
            out,
            "Samples from {} to {} ({}); times below are from the first sample.\n",
            rfc3339(self.from),
            rfc3339(self.to),
            Duration::from_millis(self.to.saturating_sub(self.from))
        );
        let _ = writeln!(out, "| SLO | objective | attainment | met | budget used | events | incidents |");
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        for s in &self.slos {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                s.name,
                s.objective,
                s.attainment.as_deref().unwrap_or("no data"),
                s.met.map_or("-", |m| if m { "yes" } else { "**no**" }),
                s.budget_used.as_deref().unwrap_or("-"),
                s.counts.total,
                s.incidents.len()
            );
        }
        for s in &self.slos {
            if s.incidents.is_empty() && s.policy.is_empty() && s.notes().is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n## {}\n", s.name);
            for note in s.notes() {
                let _ = writeln!(out, "- {note}");
            }
            for i in &s.incidents {
                let end = i.to.map_or("still firing".to_owned(), |t| format!("resolved {}", when(t, self.from)));
                let _ = writeln!(out, "- {} ({} window) fired {}, {end}: {}", i.severity, i.window, when(i.from, self.from), i.evidence);
            }
            for (at, what) in &s.policy {
                let _ = writeln!(out, "- {}: {what}", when(*at, self.from));
            }
        }
        if !self.failovers.is_empty() {
            let _ = writeln!(out, "\n## Failovers\n\nTimes from each incident's first failed probe.\n");
            let _ = writeln!(out, "| {} |", FAILOVER_HEADERS.join(" | "));
            let _ = writeln!(out, "|{}", " --- |".repeat(FAILOVER_HEADERS.len()));
            for f in &self.failovers {
                let _ = writeln!(out, "| {} |", f.cells().join(" | "));
            }
        }
        out
    }

    /// A self-contained HTML page: the table, and an SVG burn-down per SLO.
    pub fn to_html(&self) -> String {
        let esc = crate::markup::escape;
        let mut out = String::new();
        let _ = write!(
            out,
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>SLA report: {}</title>\n<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:980px}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}.no{{color:#b91c1c;font-weight:600}}</style></head><body>\n<h1>SLA report: {}</h1>\n",
            esc(&self.app),
            esc(&self.app)
        );
        let _ = writeln!(
            out,
            "<p>Samples from {} to {} ({}); times below are from the first sample.</p>",
            rfc3339(self.from),
            rfc3339(self.to),
            Duration::from_millis(self.to.saturating_sub(self.from))
        );
        let _ = writeln!(
            out,
            "<table><tr><th>SLO</th><th>objective</th><th>attainment</th><th>met</th><th>budget used</th><th>events</th><th>incidents</th></tr>"
        );
        for s in &self.slos {
            let met = s.met.map_or("-".to_owned(), |m| if m { "yes".into() } else { "<span class=\"no\">no</span>".into() });
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{met}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.name),
                s.objective,
                s.attainment.as_deref().unwrap_or("no data"),
                s.budget_used.as_deref().unwrap_or("-"),
                s.counts.total,
                s.incidents.len()
            );
        }
        out.push_str("</table>\n");
        for s in &self.slos {
            let _ = writeln!(out, "<h2>{}</h2>\n{}", esc(&s.name), self.burn_down_svg(s));
            for note in s.notes() {
                let _ = writeln!(out, "<p>{}</p>", esc(&note));
            }
            if !s.incidents.is_empty() || !s.policy.is_empty() {
                out.push_str("<ul>\n");
                for i in &s.incidents {
                    let end = i.to.map_or("still firing".to_owned(), |t| format!("resolved {}", when(t, self.from)));
                    let _ = writeln!(
                        out,
                        "<li>{} ({} window) fired {}, {end}: {}</li>",
                        i.severity,
                        i.window,
                        when(i.from, self.from),
                        esc(&i.evidence.summary)
                    );
                }
                for (at, what) in &s.policy {
                    let _ = writeln!(out, "<li>{}: {}</li>", when(*at, self.from), esc(what));
                }
                out.push_str("</ul>\n");
            }
        }
        if !self.failovers.is_empty() {
            out.push_str("<h2>Failovers</h2>\n<p>Times from each incident's first failed probe.</p>\n<table><tr>");
            for h in FAILOVER_HEADERS {
                let _ = write!(out, "<th>{h}</th>");
            }
            out.push_str("</tr>\n");
            for f in &self.failovers {
                out.push_str("<tr>");
                for c in f.cells() {
                    let _ = write!(out, "<td>{}</td>", esc(&c));
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</table>\n");
        }
        out.push_str("</body></html>\n");
        out
    }

    fn burn_down_svg(&self, s: &SloReport) -> String {
        let (w, h, left, top, bottom) = (900.0, 220.0, 50.0, 10.0, 30.0);
        let span = self.to.saturating_sub(self.from).max(1) as f64;
        // Overspending past the whole budget again is drawn at the floor, so 100% and 0% stay readable.
        // The floor is a whole quarter below zero, so its label never sits on the 0% one.
        let min = (s.burn_down.iter().map(|p| p.1).fold(0.0f64, f64::min).max(-1.0) * 4.0).floor() / 4.0;
        let y = |v: f64| top + (h - top - bottom) * (1.0 - (v.max(min) - min) / (1.0 - min));
        let x = |t: u64| left + (w - left - 10.0) * (t.saturating_sub(self.from) as f64) / span;
        let points: Vec<String> = s.burn_down.iter().map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
        let mut svg =
            format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-size=\"11\">");
        let _ = write!(
            svg,
            "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
            y(0.0),
            w - 10.0,
            y(0.0)
        );
        let _ = write!(svg, "<text x=\"4\" y=\"{:.1}\">100%</text><text x=\"4\" y=\"{:.1}\">0%</text>", y(1.0) + 4.0, y(0.0) + 4.0);
        if min < 0.0 {
            let _ = write!(svg, "<text x=\"4\" y=\"{:.1}\">{:.0}%</text>", y(min), min * 100.0);
        }
        for i in &s.incidents {
            let x0 = x(i.from);
            let x1 = x(i.to.unwrap_or(self.to)).max(x0 + 1.0);
            let _ = write!(
                svg,
                "<rect x=\"{x0:.1}\" y=\"{top}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fca5a5\" opacity=\"0.4\"><title>{} {}</title></rect>",
                x1 - x0,
                h - top - bottom,
                i.severity,
                i.window
            );
        }
        let _ = write!(svg, "<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2\" points=\"{}\"/>", points.join(" "));
        let _ = write!(
            svg,
            "<text x=\"{left}\" y=\"{:.1}\" fill=\"#555\">error budget left over the report; shaded: alerts firing</text></svg>",
            h - 8.0
        );
        svg
    }
}
