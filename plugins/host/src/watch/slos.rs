//! Live SLOs: every SLO of the spec evaluated in every region from the HTTP
//! API's metrics, as the exported CloudWatch alarms measure it (availability:
//! `5xx` over `Count`; latency: `Count` and the percentile rank
//! `PR(:threshold)` of `Latency`; a percentile SLO: `pNN` of `Latency`;
//! throughput: `Count`; a composite: its parts' samples, weighted by the
//! evaluator), one batched `GetMetricData` per region and round, each point
//! fed to the core's alert evaluator
//! ([`lift_core::slo::Evaluator`]). What the evaluators ask becomes notices
//! (firing, resolved, escalations, acknowledgements), freezes (a spent budget
//! stops `lift deploy`) and the failover machine's `Slo` events. The
//! evaluators are saved after every round, so a restart loses no budget history.
//!
//! Time: the evaluators run on the Unix epoch's milliseconds (calendar
//! windows need them), `time_scale` times faster from the watch's start when
//! scaled, for demos and tests: a wall second is a minute at 60.

use crate::notify::Handle;
use crate::plugin::{MetricQuery, Metrics};
use crate::runner::WorldError;
use crate::runner::cloud::{plugin_error, write_atomic};
use crate::runner::freeze::{self, Freeze};
use crate::runner::journal::Actor;
use crate::runner::wall::wall_now_ms;
use lift_core::machine::Machine;
use lift_core::notify::{Kind, Notice, Severity as NoticeSeverity};
use lift_core::recovery::Event as FailoverEvent;
use lift_core::slo::{AlertAction, AlertEvent, Escalation, Evaluator, Severity};
use lift_core::slo::{Read, Reading};
use lift_core::spec::Spec;
use lift_core::time::{Duration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Where the SLOs' numbers come from and where their state goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SloSetup {
    /// The app.
    pub app: String,
    /// Each region's HTTP API ID (`ApiId` in `AWS/ApiGateway`).
    pub api_ids: BTreeMap<String, String>,
    /// The API's stage (`$default`).
    pub stage: String,
    /// SLO time runs this many times faster than the wall clock.
    pub time_scale: u32,
    /// The evaluators, saved after every round.
    pub state: PathBuf,
    /// Acknowledgements appended by `lift ack`.
    pub acks: PathBuf,
    /// The app's freeze file.
    pub freezes: PathBuf,
}

/// Beside the saved state: every point read, appended as a sample
/// (`time_ms,slo,good,total`, the CSV `lift slo report` reads), for `lift report`.
pub const HISTORY: &str = "slo-samples.csv";

impl SloSetup {
    fn history(&self) -> PathBuf {
        self.state.with_file_name(HISTORY)
    }
}

/// A person's acknowledgement, as `lift ack` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    /// Only this SLO's alerts (all when absent).
    pub slo: Option<String>,
    /// Only in this region (all when absent).
    pub region: Option<String>,
    /// Who.
    pub actor: Actor,
    /// When, ms since the epoch.
    pub wall_ms: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Saved {
    /// `slo@region` to its evaluator.
    evaluators: BTreeMap<String, Evaluator>,
    /// Per region: metrics read up to here (wall ms).
    fetched_until: BTreeMap<String, u64>,
    /// Acknowledgements taken so far.
    acks_taken: usize,
    /// SLO time's origin (wall ms).
    origin_ms: u64,
    /// Per open page incident (`slo@region`): the escalation levels already paged.
    #[serde(default)]
    escalated: BTreeMap<String, Vec<usize>>,
    /// The history's length when this state was saved: what lies past it came
    /// from a round whose state was lost, and is read again.
    #[serde(default)]
    history_bytes: u64,
}

struct Watched {
    name: String,
    /// What is read for it; `None` for a composite, fed its parts' samples.
    read: Option<Read>,
    /// A composite's parts, in the order of its `composite` (the evaluator's numbering).
    parts: Vec<String>,
    escalation: Vec<String>,
}

/// The SLOs under watch.
pub struct SloWatch {
    setup: SloSetup,
    slos: Vec<Watched>,
    saved: Saved,
    /// Paging now, per `slo@region`, as last told to the failover machine.
    paging: BTreeMap<String, bool>,
    /// This round's samples, for the history.
    read: String,
}

fn severity_name(s: Severity) -> &'static str {
    if s == Severity::Page { "page" } else { "ticket" }
}

fn key(slo: &str, region: &str) -> String {
    format!("{slo}@{region}")
}

impl SloWatch {
    /// The SLOs of `spec` that can be evaluated live (others are named in `skipped`, with why),
    /// with the state a previous watch saved.
    pub fn new(spec: &Spec, setup: SloSetup, skipped: &mut Vec<String>) -> SloWatch {
        let steps: Vec<(String, Duration)> =
            spec.notify.as_ref().map(|n| n.escalation.iter().map(|e| (e.to.clone(), e.after)).collect()).unwrap_or_default();
        let mut slos = vec![];
        for (name, slo) in &spec.slos {
            let parts: Vec<String> = slo.composite.keys().cloned().collect();
            if parts.iter().any(|p| !spec.slos.contains_key(p)) {
                skipped.push(format!("SLO {name}: a part of the composite is not an SLO of the spec"));
                continue;
            }
            slos.push(Watched {
                name: name.clone(),
                read: slo.composite.is_empty().then(|| Read::of(slo)),
                parts,
                escalation: steps.iter().map(|s| s.0.clone()).collect(),
            });
        }
        let mut saved: Saved = std::fs::read(&setup.state).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        if saved.origin_ms == 0 {
            saved.origin_ms = wall_now_ms();
        }
        for w in &slos {
            for region in setup.api_ids.keys() {
                if let Some(ev) = Evaluator::of_spec(&spec.slos, &w.name, Escalation { steps: steps.clone() }) {
                    saved.evaluators.entry(key(&w.name, region)).or_insert(ev);
                }
            }
        }
        // Samples past the saved state's length belong to a round the state never saw: they will be read again.
        if let Ok(f) = std::fs::OpenOptions::new().write(true).open(setup.history()) {
            let _ = f.set_len(saved.history_bytes);
        }
        SloWatch { setup, slos, saved, paging: BTreeMap::new(), read: String::new() }
    }

    /// Append this round's samples to the history, durably, before the state that counts them is saved.
    fn keep_history(&mut self) -> std::io::Result<()> {
        use std::io::Write;
        if self.read.is_empty() {
            return Ok(());
        }
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(self.setup.history())?;
        f.write_all(std::mem::take(&mut self.read).as_bytes())?;
        f.sync_data()?;
        self.saved.history_bytes = f.metadata()?.len();
        Ok(())
    }

    /// SLO time at wall time `wall_ms`.
    pub fn machine(&self, wall_ms: u64) -> Timestamp {
        scaled(self.saved.origin_ms, self.setup.time_scale, wall_ms)
    }

    /// How long one round's metrics period is on the wall clock, ms: a minute of SLO time, at least a second.
    pub fn period_ms(&self) -> u64 {
        (60_000 / u64::from(self.setup.time_scale.max(1))).max(1_000)
    }

    /// Whether any SLO is watched.
    pub fn is_empty(&self) -> bool {
        self.slos.is_empty()
    }

    fn samples(&mut self, metrics: &mut Metrics, region: &str, api: &str, now_ms: u64) -> Result<(), WorldError> {
        let period = self.period_ms();
        // Whole periods only, and a flush's worth behind: the last one may still be filling.
        let end = (now_ms.saturating_sub(2_000) / period) * period;
        let start =
            self.saved.fetched_until.get(region).copied().unwrap_or(end.saturating_sub(period * 5)).max(end.saturating_sub(period * 60));
        if end <= start {
            return Ok(());
        }
        let dims = vec![("ApiId".to_owned(), api.to_owned()), ("Stage".to_owned(), self.setup.stage.clone())];
        let q = |id: String, name: &str, stat: String| MetricQuery {
            id,
            namespace: "AWS/ApiGateway".into(),
            name: name.into(),
            dimensions: dims.clone(),
            stat,
        };
        let mut queries = vec![q("total".into(), "Count", "Sum".into())];
        for (i, w) in self.slos.iter().enumerate() {
            // The HTTP API's own metrics, as the exported alarms read them: 5xx for errors, Latency for speed.
            let Some((name, stat)) = w.read.as_ref().and_then(Read::api_metric) else { continue };
            queries.push(q(format!("v{i}"), name, stat));
        }
        let series = metrics.fetch(region, &queries, start, end, u32::try_from(period).unwrap_or(60_000)).map_err(plugin_error)?;
        let get = |id: &str| crate::plugin::points(&series, id);
        let total = get("total");
        // Each SLO's samples this round, by name: a composite is fed its parts'.
        let mut got: BTreeMap<String, Vec<lift_core::slo::Sample<'_>>> = BTreeMap::new();
        for (i, w) in self.slos.iter().enumerate() {
            let Some(r) = &w.read else { continue };
            let values = get(&format!("v{i}"));
            let readings: Vec<Reading> = total
                .iter()
                .map(|(ts, n)| Reading {
                    at_ms: scaled(self.saved.origin_ms, self.setup.time_scale, *ts).as_millis(),
                    invocations: *n,
                    value: if r.api_metric().is_some() { values.get(ts).copied() } else { None },
                })
                .collect();
            got.insert(w.name.clone(), r.samples(&w.name, &readings));
        }
        for w in &self.slos {
            let Some(ev) = self.saved.evaluators.get_mut(&key(&w.name, region)) else { continue };
            if w.parts.is_empty() {
                for sample in got.get(&w.name).into_iter().flatten() {
                    ev.handle(AlertEvent::of_sample(sample, None), Timestamp::from_millis(sample.at));
                    let _ = writeln!(self.read, "{sample}");
                }
                continue;
            }
            // The history holds the parts' samples; the report makes the composite of them, as this evaluator does.
            for (part, name) in w.parts.iter().enumerate() {
                for sample in got.get(name).into_iter().flatten() {
                    ev.handle(AlertEvent::of_sample(sample, Some(part)), Timestamp::from_millis(sample.at));
                }
            }
        }
        self.saved.fetched_until.insert(region.to_owned(), end);
        Ok(())
    }

    fn acks(&mut self) -> Vec<Ack> {
        let text = std::fs::read_to_string(&self.setup.acks).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let new: Vec<Ack> = lines.iter().skip(self.saved.acks_taken).filter_map(|l| serde_json::from_str(l).ok()).collect();
        self.saved.acks_taken = lines.len();
        new
    }

    /// One round: read the metrics, take acknowledgements, evaluate, act, save.
    /// The failover machine's `Slo` events for every paging state that changed.
    pub fn round(&mut self, metrics: &mut Metrics, notices: Option<&Handle>, notes: &mut dyn FnMut(String)) -> Vec<FailoverEvent> {
        let now_ms = wall_now_ms();
        for (region, api) in self.setup.api_ids.clone() {
            if let Err(e) = self.samples(metrics, &region, &api, now_ms) {
                notes(format!("SLO metrics of {region} could not be read: {e}"));
            }
        }
        let now = self.machine(now_ms);
        let acks = self.acks();
        let mut out = vec![];
        let app = self.setup.app.clone();
        let slos: Vec<(String, Vec<String>)> = self.slos.iter().map(|w| (w.name.clone(), w.escalation.clone())).collect();
        for (slo, escalation) in &slos {
            for region in self.setup.api_ids.keys().cloned().collect::<Vec<_>>() {
                let k = key(slo, &region);
                let Some(ev) = self.saved.evaluators.get_mut(&k) else { continue };
                // One incident per SLO, region and severity, however many of its rules fire:
                // the first rule opens it, the last one to stop resolves it.
                let open_before: Vec<Severity> = firing_severities(ev);
                let mut acked = vec![];
                for a in &acks {
                    if a.slo.as_ref().is_none_or(|s| s == slo) && a.region.as_ref().is_none_or(|r| *r == region) {
                        for r in ev.status().rules.iter().filter(|r| r.firing_since.is_some() && !r.acknowledged) {
                            ev.handle(AlertEvent::Acknowledge { rule: r.rule }, now);
                            if !acked.contains(&r.severity) {
                                acked.push(r.severity);
                                let text = format!("acknowledged by {}@{}", a.actor.user, a.actor.host);
                                let n = alert(&app, slo, &region, r.severity, Kind::AlertAcknowledged, NoticeSeverity::Info, text, vec![]);
                                tell(notes, notices, n);
                            }
                        }
                    }
                }
                let mut actions = vec![];
                while let Some(a) = ev.poll(now) {
                    actions.push(a);
                }
                let open_after: Vec<Severity> = firing_severities(ev);
                let paging = open_after.contains(&Severity::Page);
                let evidence = ev.gate().1;
                if !open_after.contains(&Severity::Page) {
                    self.saved.escalated.remove(&k);
                }
                let escalated = self.saved.escalated.entry(k.clone()).or_default();
                for a in actions {
                    match a {
                        AlertAction::Fire { severity, evidence, .. } => {
                            if open_before.contains(&severity) || !open_after.contains(&severity) {
                                continue;
                            }
                            let sev = if severity == Severity::Page { NoticeSeverity::Page } else { NoticeSeverity::Warning };
                            let lines: Vec<String> = evidence.measurements.iter().map(ToString::to_string).collect();
                            let n = alert(&app, slo, &region, severity, Kind::AlertFiring, sev, evidence.summary.clone(), lines);
                            tell(notes, notices, n);
                        }
                        AlertAction::Resolve { rule, evidence } => {
                            let Some(severity) = ev.status().rules.get(rule).map(|r| r.severity) else { continue };
                            if !open_before.contains(&severity) || open_after.contains(&severity) {
                                continue;
                            }
                            let n = alert(
                                &app,
                                slo,
                                &region,
                                severity,
                                Kind::AlertResolved,
                                NoticeSeverity::Info,
                                evidence.summary.clone(),
                                vec![],
                            );
                            tell(notes, notices, n);
                        }
                        AlertAction::Notify { rule, level, target } => {
                            // Escalation pages: only a page rule's, once per level.
                            let page = ev.status().rules.get(rule).is_some_and(|r| r.severity == Severity::Page);
                            if !page || escalated.contains(&level) {
                                continue;
                            }
                            escalated.push(level);
                            let text = format!("not acknowledged: paging {target} (level {})", level + 1);
                            let mut n = alert(&app, slo, &region, Severity::Page, Kind::Escalation, NoticeSeverity::Page, text, vec![]);
                            n.title = format!("{app}: SLO {slo} in {region} still burning, not acknowledged");
                            notes(format!("escalation to {target}: {}", n.title));
                            if let (Some(h), true) = (notices, escalation.contains(&target)) {
                                h.send_to(&target, n);
                            }
                        }
                        AlertAction::FreezeRollouts { frozen, evidence } => {
                            let by = format!("slo {slo} in {region}");
                            let done = if frozen {
                                let reason = format!("the error budget of {slo} in {region} is spent: {}", evidence.summary);
                                freeze::set(&self.setup.freezes, Freeze { by, reason, actor: Actor::this_process(), since_ms: now_ms })
                                    .map(|()| true)
                            } else {
                                freeze::lift(&self.setup.freezes, &by)
                            };
                            match done {
                                Ok(_) => notes(format!(
                                    "deployments of {app} {} by SLO {slo} ({region})",
                                    if frozen { "frozen" } else { "unfrozen" }
                                )),
                                Err(e) => notes(format!("{}: {e}", self.setup.freezes.display())),
                            }
                        }
                    }
                }
                if self.paging.get(&k).copied().unwrap_or(false) != paging {
                    self.paging.insert(k.clone(), paging);
                    out.push(FailoverEvent::Slo { region: region.clone(), slo: slo.clone(), paging, evidence });
                }
            }
        }
        if let Err(e) = self.keep_history() {
            notes(format!("the SLO history could not be kept: {e}"));
        }
        if let Err(e) = write_atomic(&self.setup.state, &self.saved) {
            notes(format!("{}: {e}", self.setup.state.display()));
        }
        out
    }
}

/// SLO time at wall time `wall_ms`: `scale` times faster from `origin_ms`;
/// what came before the origin (the first round reads minutes back) keeps its
/// own time, so the history neither piles up at the origin nor runs backwards.
fn scaled(origin_ms: u64, scale: u32, wall_ms: u64) -> Timestamp {
    if wall_ms < origin_ms {
        return Timestamp::from_millis(wall_ms);
    }
    Timestamp::from_millis(origin_ms + (wall_ms - origin_ms).saturating_mul(u64::from(scale.max(1))))
}

/// A notice, for the person watching and for the channels.
fn tell(notes: &mut dyn FnMut(String), notices: Option<&Handle>, n: Notice) {
    notes(format!("{}: {}", n.title, n.text));
    if let Some(h) = notices {
        h.send(n);
    }
}

fn firing_severities(ev: &Evaluator) -> Vec<Severity> {
    let mut out = vec![];
    for r in ev.status().rules.iter().filter(|r| r.firing_since.is_some()) {
        if !out.contains(&r.severity) {
            out.push(r.severity);
        }
    }
    out
}

/// A notice about the incident of one SLO in one region at one severity (`rule`: page or ticket).
#[allow(clippy::too_many_arguments, reason = "one notice's fields")]
fn alert(
    app: &str,
    slo: &str,
    region: &str,
    rule: Severity,
    kind: Kind,
    severity: NoticeSeverity,
    text: String,
    evidence: Vec<String>,
) -> Notice {
    let verb = match kind {
        Kind::AlertFiring => "burning its error budget",
        Kind::AlertResolved => "back within its budget",
        Kind::AlertAcknowledged => "acknowledged",
        _ => "",
    };
    Notice {
        kind,
        severity,
        app: app.to_owned(),
        region: Some(region.to_owned()),
        slo: Some(slo.to_owned()),
        title: format!("{app}: SLO {slo} in {region} {verb}"),
        text,
        evidence,
        links: vec![],
        dedup_key: format!("{app}/slo/{slo}/{region}/{}", severity_name(rule)),
        at_ms: wall_now_ms(),
    }
}

#[cfg(test)]
mod tests {
    use super::scaled;

    #[test]
    fn slo_time_is_the_wall_clock_before_the_origin_and_scaled_after() {
        let origin = 1_000_000;
        assert_eq!(scaled(origin, 60, origin - 120_000).as_millis(), origin - 120_000);
        assert_eq!(scaled(origin, 60, origin + 1_000).as_millis(), origin + 60_000);
        assert_eq!(scaled(origin, 1, origin - 5).as_millis(), origin - 5);
        // Monotonic across the origin.
        let times: Vec<u64> = (origin - 3..origin + 3).map(|w| scaled(origin, 7, w).as_millis()).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    }
}
