//! The failover state machine: region health in, a runbook of actions out,
//! and a ledger of what each incident cost against the RTO and RPO.
//!
//! ```text
//! failover.handle(event, now);                    // detector transitions, replication lag, overrides, step results
//! while let Some(action) = failover.poll(now) {}  // freeze, check replication, promote, shift traffic, verify, notify
//! failover.next_deadline()                        // when to poll again (an override expiring, failback)
//! ```
//! Safety rules in the manner of Route 53 ARC: at least one region always
//! serves; a pin or a drain set by a person outranks automatic decisions
//! until it expires; no failover while a rollout is mid-step unless the spec
//! allows it (and then the rollout halts); the detector's fail-open verdict
//! moves nothing.

use super::detector::{Health, Transition};
use crate::evidence::{Comparison, Evidence, Measurement};
use crate::machine::Machine;
use crate::spec::{DuringRollout, Recovery, RecoveryMode};
use crate::time::{Duration, Timestamp};
use serde::{Deserialize, Serialize};

/// A step of a runbook, for the host to carry out and confirm with [`Event::StepDone`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// Stop starting deployments (a rollout mid-step halts when `halt_rollout`).
    FreezeDeployments {
        /// The rollout in progress stops too.
        halt_rollout: bool,
    },
    /// Measure the standby's replication lag and report it with [`Event::ReplicationLag`].
    CheckReplication {
        /// The region to promote.
        region: String,
    },
    /// Promoting would lose more writes than the RPO allows: a person decides ([`Event::Approve`] or [`Event::Deny`]).
    AskApproval {
        /// Why, in words.
        reason: String,
        /// The lag measured against the RPO.
        evidence: Evidence,
    },
    /// Restore the data from the latest backup in the region (backup and restore).
    RestoreBackup {
        /// The region.
        region: String,
    },
    /// Deploy or scale up the stack in the region (backup and restore, pilot light).
    ScaleUp {
        /// The region.
        region: String,
    },
    /// Make the region's data the primary for writes (for example a global table replica).
    PromoteData {
        /// The region.
        region: String,
    },
    /// Move traffic: these regions serve, with these weights (ppm), the others none.
    ShiftTraffic {
        /// Region and weight, parts per million.
        weights: Vec<(String, u32)>,
    },
    /// Probe the region until it serves, and report with [`Event::StepDone`].
    Verify {
        /// The region.
        region: String,
    },
    /// Tell people.
    Notify {
        /// What happened, with the evidence.
        message: String,
    },
    /// Deployments may start again.
    UnfreezeDeployments,
}

/// What the host observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    /// The detector changed a region's health.
    Health(Transition),
    /// The last runbook action is done.
    StepDone,
    /// The last runbook action failed.
    StepFailed {
        /// Why.
        reason: String,
    },
    /// Replication lag measured on a region (ms).
    ReplicationLag {
        /// The region.
        region: String,
        /// How far behind the primary its data is; `None` when no measurement
        /// came (no data is no data: a person decides, as for a lag over the RPO).
        lag_ms: Option<u64>,
    },
    /// A person accepts the data loss.
    Approve,
    /// A person refuses it: stay where traffic is.
    Deny,
    /// Whether a rollout is mid-step.
    Rollout {
        /// Mid-step.
        active: bool,
    },
    /// A person pins traffic to a region until `until` (ms): it outranks the
    /// detector, which cannot move traffic off a pinned region while the pin lasts.
    Pin {
        /// The region.
        region: String,
        /// When the pin expires.
        until: Timestamp,
    },
    /// An SLO's paging state in a region (from that region's evaluator).
    Slo {
        /// The region.
        region: String,
        /// The SLO.
        slo: String,
        /// Whether a page rule is firing.
        paging: bool,
        /// The evaluator's evidence.
        evidence: Evidence,
    },
    /// A person drains a region until `until` (ms): it gets no traffic, and
    /// traffic on it moves away as a planned change.
    Drain {
        /// The region.
        region: String,
        /// When the drain expires.
        until: Timestamp,
    },
}

/// One incident's timeline and what it cost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// The region that failed.
    pub region: String,
    /// Where traffic went.
    pub to: String,
    /// The first failed probe.
    pub first_failure_at: Timestamp,
    /// When the detector decided.
    pub detected_at: Timestamp,
    /// When the failover started: after a rollout's step, or at once.
    pub decided_at: Timestamp,
    /// When traffic moved.
    pub shifted_at: Option<Timestamp>,
    /// When the new region was verified serving.
    pub healthy_at: Option<Timestamp>,
    /// Replication lag at the failover: the writes that may be lost (ms).
    pub data_loss_ms: Option<u64>,
    /// Achieved RTO: first failed probe to verified serving (ms).
    pub rto_ms: Option<u64>,
    /// The objectives, for comparison (ms).
    pub rto_objective_ms: u64,
    /// RPO objective (ms).
    pub rpo_objective_ms: u64,
    /// How it ended.
    pub outcome: String,
}

impl Incident {
    /// Whether the achieved RTO and data loss stayed within the objectives.
    pub fn met(&self) -> Option<bool> {
        Some(self.rto_ms? <= self.rto_objective_ms && self.data_loss_ms.unwrap_or(0) <= self.rpo_objective_ms)
    }
}

/// What a person sees of a failover machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Where traffic is.
    pub active: String,
    /// What the machine is doing, in words.
    pub phase: String,
    /// Each region, preference order, and whether the detector sees it up.
    pub health: Vec<(String, bool)>,
    /// A person's pin: the region and until when.
    pub pin: Option<(String, Timestamp)>,
    /// Regions a person drained, until when.
    pub drains: Vec<(String, Timestamp)>,
    /// Every incident so far, the open one last.
    pub ledger: Vec<Incident>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
enum State {
    /// Traffic on `active`; nothing in flight.
    Steady,
    /// A region is down; waiting for the rollout's step to end.
    Waiting,
    /// Running the runbook: the step at `step` was handed out.
    Running { step: usize, handed: bool },
    /// Waiting for a person to accept the data loss.
    Approval { step: usize },
}

/// The failover machine of one app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failover {
    mode: RecoveryMode,
    during_rollout: DuringRollout,
    rto: Duration,
    rpo: Duration,
    failback_after: Duration,
    /// Regions in preference order: the primary first.
    regions: Vec<String>,
    /// Where traffic is.
    active: String,
    health: Vec<(String, Health)>,
    rollout_active: bool,
    pin: Option<(String, Timestamp)>,
    state: State,
    runbook: Vec<Action>,
    pending: Vec<Action>,
    /// The primary healthy since (ms), while traffic is elsewhere: failback when it has been long enough.
    primary_healthy_since: Option<Timestamp>,
    /// Incidents, the open one last.
    ledger: Vec<Incident>,
    /// The runbook running is planned (a failback or a drain): its steps are not an incident's.
    planned: bool,
    /// SLOs whose page in the serving region counts as a failure.
    fail_on_slo: Vec<String>,
    /// Regions a person drained, until when (ms): they get no traffic.
    drains: Vec<(String, Timestamp)>,
    /// A failure the pin on the active region holds back, until the pin expires.
    held: Option<Transition>,
}

impl Failover {
    /// A machine for `recovery` over `regions` (primary first), traffic on the primary.
    pub fn new(recovery: &Recovery, regions: &[String]) -> Failover {
        Failover {
            mode: recovery.mode,
            during_rollout: recovery.during_rollout,
            rto: recovery.rto,
            rpo: recovery.rpo,
            failback_after: recovery.failback_after,
            regions: regions.to_vec(),
            active: regions.first().cloned().unwrap_or_default(),
            health: regions.iter().map(|r| (r.clone(), Health::Up)).collect(),
            rollout_active: false,
            pin: None,
            state: State::Steady,
            runbook: vec![],
            pending: vec![],
            primary_healthy_since: None,
            ledger: vec![],
            planned: false,
            drains: vec![],
            held: None,
            fail_on_slo: recovery.fail_on_slo.clone(),
        }
    }

    /// Traffic is on `region` already (where the DNS records route when a
    /// watch begins). Away from the primary, the primary counts as healthy
    /// from `now`, so traffic goes home after `failback_after` unless the
    /// probes see it down. A region not among the machine's is ignored.
    #[must_use]
    pub fn serving(mut self, region: &str, now: Timestamp) -> Failover {
        if self.regions.iter().any(|r| r == region) {
            self.active = region.to_owned();
            self.primary_healthy_since = (self.active != self.primary()).then_some(now);
        }
        self
    }

    /// Where traffic is now.
    pub fn active(&self) -> &str {
        &self.active
    }

    /// Every incident so far, the open one last.
    pub fn ledger(&self) -> &[Incident] {
        &self.ledger
    }

    fn healthy(&self, region: &str) -> bool {
        self.health.iter().any(|(r, h)| r == region && *h == Health::Up)
    }

    fn primary(&self) -> &str {
        self.regions.first().map_or("", String::as_str)
    }

    /// The question to a person when promoting `region` would lose `lag_ms` of
    /// writes, over the RPO, or an unknown amount (no measurement).
    fn lag_question(&self, region: &str, lag_ms: Option<u64>) -> Action {
        let rpo_ms = self.rpo.as_millis();
        #[expect(clippy::cast_precision_loss, reason = "evidence for people; lags are far below 2^53 ms")]
        let lag =
            Measurement::new("replication lag", lag_ms.map(|l| l as f64), Some(rpo_ms as f64), Comparison::AtMost, "ms").scoped(region);
        let reason = match lag_ms {
            Some(l) => format!("promoting would lose up to {l} ms of writes, over the RPO of {rpo_ms} ms"),
            None => format!(
                "the replication lag toward {region} is unknown (no measurement): promoting could lose more than the RPO of {rpo_ms} ms"
            ),
        };
        Action::AskApproval { reason, evidence: Evidence::of(vec![lag]) }
    }

    fn record_step(&mut self, step: usize, now: Timestamp) {
        if self.planned {
            return;
        }
        let Some(i) = self.ledger.last_mut() else { return };
        match self.runbook.get(step) {
            Some(Action::ShiftTraffic { .. }) => i.shifted_at = Some(now),
            Some(Action::Verify { .. }) => {
                i.healthy_at = Some(now);
                i.rto_ms = Some((now - i.first_failure_at).as_millis());
            }
            _ => {}
        }
    }

    fn pinned(&self, region: &str, now: Timestamp) -> bool {
        self.pin.as_ref().is_some_and(|(r, until)| r == region && now < *until)
    }

    fn drained(&self, region: &str, now: Timestamp) -> bool {
        self.drains.iter().any(|(r, until)| r == region && now < *until)
    }

    /// The region to move to: pinned if the pin is live and healthy, else the
    /// first healthy, undrained region in preference order.
    fn target(&self, now: Timestamp) -> Option<String> {
        if let Some((r, until)) = &self.pin {
            if now < *until && self.healthy(r) && *r != self.active {
                return Some(r.clone());
            }
        }
        self.regions.iter().find(|r| **r != self.active && self.healthy(r) && !self.drained(r, now)).cloned()
    }

    /// A move a person asked for (a drain): the mode's runbook, no incident.
    fn move_planned(&mut self, now: Timestamp, why: &str) {
        let from = self.active.clone();
        let Some(to) = self.target(now) else {
            self.pending.push(Action::Notify { message: format!("{why}, but no other region is healthy: traffic stays") });
            return;
        };
        self.runbook = self.failover_runbook(&from, &to, why);
        self.planned = true;
        self.state = State::Running { step: 0, handed: false };
    }

    fn start(&mut self, t: &Transition, now: Timestamp) {
        let Some(to) = self.target(now) else {
            // At least one region always serves: with nowhere healthy to go, traffic stays.
            self.pending.push(Action::Notify { message: format!("{} is down and no other region is healthy: traffic stays", t.region) });
            return;
        };
        self.ledger.push(Incident {
            region: t.region.clone(),
            to: to.clone(),
            first_failure_at: t.first_sign_at,
            detected_at: t.at,
            decided_at: now,
            rto_objective_ms: self.rto.as_millis(),
            rpo_objective_ms: self.rpo.as_millis(),
            outcome: "in progress".into(),
            ..Incident::default()
        });
        self.runbook = self.failover_runbook(&t.region, &to, &t.evidence);
        self.state = if self.rollout_active && self.during_rollout == DuringRollout::Wait {
            State::Waiting
        } else {
            State::Running { step: 0, handed: false }
        };
    }

    /// The runbook of the mode.
    fn failover_runbook(&self, from: &str, to: &str, evidence: &str) -> Vec<Action> {
        let mut steps = vec![Action::FreezeDeployments { halt_rollout: self.rollout_active }];
        let region = to.to_owned();
        match self.mode {
            RecoveryMode::BackupRestore => {
                steps.push(Action::RestoreBackup { region: region.clone() });
                steps.push(Action::ScaleUp { region: region.clone() });
            }
            RecoveryMode::PilotLight => {
                steps.push(Action::CheckReplication { region: region.clone() });
                steps.push(Action::PromoteData { region: region.clone() });
                steps.push(Action::ScaleUp { region: region.clone() });
            }
            RecoveryMode::WarmStandby => {
                steps.push(Action::CheckReplication { region: region.clone() });
                steps.push(Action::PromoteData { region: region.clone() });
            }
            RecoveryMode::ActiveActive => {}
        }
        let serving: Vec<String> = match self.mode {
            // Every other healthy region keeps serving, in equal shares.
            RecoveryMode::ActiveActive => self.regions.iter().filter(|r| *r != from && self.healthy(r)).cloned().collect(),
            _ => vec![region.clone()],
        };
        let share = 1_000_000 / u32::try_from(serving.len().max(1)).unwrap_or(1);
        steps.push(Action::ShiftTraffic { weights: serving.iter().map(|r| (r.clone(), share)).collect() });
        steps.push(Action::Verify { region });
        steps.push(Action::Notify { message: format!("failed over from {from} to {to}: {evidence}") });
        steps
    }

    fn finish(&mut self, _now: Timestamp, outcome: &str) {
        if !std::mem::take(&mut self.planned) {
            if let Some(i) = self.ledger.last_mut() {
                i.outcome = outcome.to_owned();
            }
        }
        self.state = State::Steady;
        self.runbook.clear();
        self.pending.push(Action::UnfreezeDeployments);
    }

    /// The region a runbook was moving traffic to went down: move to another
    /// healthy one from the start, or, with none left, stop and keep traffic where it is.
    fn replan(&mut self, now: Timestamp) {
        if self.planned {
            self.pending.push(Action::Notify { message: "failback stopped: the region going home to is down again".into() });
            self.finish(now, "");
            return;
        }
        let from = self.ledger.last().map(|i| i.region.clone()).unwrap_or_default();
        match self.target(now).filter(|t| *t != from) {
            Some(to) => {
                if let Some(i) = self.ledger.last_mut() {
                    i.to = to.clone();
                }
                let evidence = format!("{from} is down and the first choice went down during the failover");
                self.runbook = self.failover_runbook(&from, &to, &evidence);
                self.state = State::Running { step: 0, handed: false };
            }
            None => {
                self.pending.push(Action::Notify { message: format!("{from} is down and no other region is healthy: traffic stays") });
                self.finish(now, "stopped: no healthy region to move to");
            }
        }
    }

    /// Traffic goes home once the primary has been healthy long enough: a planned, gradual move.
    fn maybe_fail_back(&mut self, now: Timestamp) {
        let Some(since) = self.primary_healthy_since else { return };
        if self.state != State::Steady || now < since + self.failback_after || self.active == self.primary() {
            return;
        }
        if self.pin.as_ref().is_some_and(|(r, until)| now < *until && *r == self.active) || self.drained(self.primary(), now) {
            return;
        }
        let (home, away) = (self.primary().to_owned(), self.active.clone());
        self.primary_healthy_since = None;
        self.runbook = vec![
            Action::FreezeDeployments { halt_rollout: false },
            Action::ShiftTraffic { weights: vec![(home.clone(), 100_000), (away.clone(), 900_000)] },
            Action::Verify { region: home.clone() },
            Action::ShiftTraffic { weights: vec![(home.clone(), 1_000_000)] },
            Action::Verify { region: home.clone() },
            Action::Notify { message: format!("failed back from {away} to {home}, healthy for {}", now - since) },
        ];
        self.planned = true;
        self.state = State::Running { step: 0, handed: false };
    }
}

impl Machine for Failover {
    type Event = Event;
    type Action = Action;
    type Status = Status;

    /// Feed an observation.
    fn handle(&mut self, event: Event, now: Timestamp) {
        match event {
            Event::Health(t) => {
                if let Some(h) = self.health.iter_mut().find(|(r, _)| *r == t.region) {
                    h.1 = t.to;
                }
                if t.region == self.primary() {
                    self.primary_healthy_since = (t.to == Health::Up && self.active != t.region).then_some(t.at);
                }
                if t.to == Health::Up && self.held.as_ref().is_some_and(|h| h.region == t.region) {
                    self.held = None;
                }
                // Fail open: when every region looks down, the probes are wrong; move nothing.
                if t.to == Health::Down && t.region == self.active && !t.fail_open && self.state == State::Steady {
                    if self.pinned(&t.region, now) {
                        let until = self.pin.as_ref().map_or(Timestamp::ZERO, |p| p.1);
                        self.pending.push(Action::Notify {
                            message: format!(
                                "{} looks down but a person pinned traffic to it until {until}: no automatic failover before then",
                                t.region
                            ),
                        });
                        self.held = Some(t);
                    } else {
                        self.start(&t, now);
                    }
                }
            }
            Event::Slo { region, slo, paging, evidence } => {
                // A paging SLO in the serving region is a failure the probes cannot see.
                if paging && region == self.active && self.fail_on_slo.contains(&slo) && self.state == State::Steady {
                    let t = Transition {
                        region: region.clone(),
                        to: Health::Down,
                        at: now,
                        first_sign_at: now,
                        fail_open: false,
                        evidence: format!("SLO {slo} paging in {region}: {}", evidence.summary),
                    };
                    if let Some(h) = self.health.iter_mut().find(|(r, _)| *r == region) {
                        h.1 = Health::Down;
                    }
                    self.start(&t, now);
                }
            }
            Event::Rollout { active } => self.rollout_active = active,
            Event::Pin { region, until } => self.pin = Some((region, until)),
            Event::Drain { region, until } => {
                self.drains.retain(|(r, _)| *r != region);
                self.drains.push((region.clone(), until));
                if region == self.active && self.state == State::Steady {
                    self.move_planned(now, &format!("{region} drained by a person until {until}"));
                }
            }
            Event::ReplicationLag { region, lag_ms } => {
                if let Some(i) = self.ledger.last_mut() {
                    i.data_loss_ms = lag_ms;
                }
                if let State::Running { step, handed: true } = self.state {
                    if lag_ms.is_none_or(|l| l > self.rpo.as_millis()) {
                        self.pending.push(self.lag_question(&region, lag_ms));
                        self.state = State::Approval { step };
                    } else {
                        self.state = State::Running { step: step + 1, handed: false };
                    }
                }
            }
            Event::Approve => {
                if let State::Approval { step } = self.state {
                    self.state = State::Running { step: step + 1, handed: false };
                }
            }
            Event::Deny => {
                if let State::Approval { .. } = self.state {
                    self.finish(now, "refused: the data loss was over the RPO and a person said no");
                }
            }
            Event::StepDone => {
                if let State::Running { step, handed: true } = self.state {
                    self.record_step(step, now);
                    self.state = State::Running { step: step + 1, handed: false };
                }
            }
            Event::StepFailed { reason } => {
                if let State::Running { .. } = self.state {
                    self.pending.push(Action::Notify { message: format!("failover step failed: {reason}; a person takes over") });
                    self.finish(now, &format!("failed: {reason}"));
                }
            }
        }
    }

    /// The next action due, if any.
    fn poll(&mut self, now: Timestamp) -> Option<Action> {
        if let Some((_, until)) = &self.pin {
            if now >= *until {
                self.pin = None;
            }
        }
        self.drains.retain(|(_, until)| now < *until);
        // A failure a pin held back: the pin is gone and the region still down.
        if self.state == State::Steady && self.pin.is_none() {
            if let Some(t) = self.held.take() {
                if t.region == self.active && !self.healthy(&t.region) {
                    self.start(&t, now);
                }
            }
        }
        if self.state == State::Waiting && !self.rollout_active {
            self.state = State::Running { step: 0, handed: false };
        }
        if let State::Running { step, handed: false } = self.state {
            // Health may have changed since the runbook was planned: never send traffic to a region known down.
            if let Some(Action::ShiftTraffic { weights }) = self.runbook.get(step).cloned() {
                let healthy: Vec<(String, u32)> = weights.into_iter().filter(|(r, _)| self.healthy(r)).collect();
                if healthy.is_empty() {
                    self.replan(now);
                    return self.poll(now);
                }
                let share = 1_000_000 / u32::try_from(healthy.len()).unwrap_or(1);
                let weights = if self.planned { healthy } else { healthy.into_iter().map(|(r, _)| (r, share)).collect() };
                if let Some(slot) = self.runbook.get_mut(step) {
                    *slot = Action::ShiftTraffic { weights };
                }
            }
            match self.runbook.get(step).cloned() {
                Some(action) => {
                    // A notification needs no confirmation.
                    if let Action::Notify { .. } = action {
                        self.state = State::Running { step: step + 1, handed: false };
                    } else {
                        self.state = State::Running { step, handed: true };
                    }
                    if let Action::ShiftTraffic { weights } = &action {
                        if let Some((r, _)) = weights.first() {
                            self.active = r.clone();
                        }
                    }
                    self.pending.push(action);
                }
                None => {
                    let outcome = if self.ledger.last().and_then(Incident::met) == Some(true) {
                        "recovered within the objectives"
                    } else {
                        "recovered"
                    };
                    self.finish(now, outcome);
                }
            }
        }
        self.maybe_fail_back(now);
        if self.pending.is_empty() { None } else { Some(self.pending.remove(0)) }
    }

    /// When to poll again without new events.
    fn next_deadline(&self) -> Option<Timestamp> {
        let pin = self.pin.as_ref().map(|(_, until)| *until);
        let drains = self.drains.iter().map(|(_, until)| *until);
        let failback = self.primary_healthy_since.map(|s| s + self.failback_after);
        pin.into_iter().chain(drains).chain(failback).min()
    }

    fn status(&self) -> Status {
        let phase = match self.state {
            State::Steady if self.planned => "moving traffic (planned)",
            State::Steady => "steady",
            State::Waiting => "waiting for the rollout's step",
            State::Running { .. } if self.planned => "moving traffic (planned)",
            State::Running { .. } => "failing over",
            State::Approval { .. } => "awaiting approval",
        };
        Status {
            active: self.active.clone(),
            phase: phase.to_owned(),
            health: self.health.iter().map(|(r, h)| (r.clone(), *h == Health::Up)).collect(),
            pin: self.pin.clone(),
            drains: self.drains.clone(),
            ledger: self.ledger.clone(),
        }
    }

    /// The runbook step handed out and not yet confirmed, or the approval asked for.
    fn outstanding(&self) -> Vec<Action> {
        match self.state {
            State::Running { step, handed: true } => self.runbook.get(step).cloned().into_iter().collect(),
            State::Approval { step } => {
                let lag = self.ledger.last().and_then(|i| i.data_loss_ms);
                let region = match self.runbook.get(step) {
                    Some(Action::CheckReplication { region }) => region.as_str(),
                    _ => "",
                };
                vec![self.lag_question(region, lag)]
            }
            _ => Vec::new(),
        }
    }
}

/// The spec's name of a recovery mode.
pub fn mode_name(mode: RecoveryMode) -> &'static str {
    match mode {
        RecoveryMode::BackupRestore => "backup-restore",
        RecoveryMode::PilotLight => "pilot-light",
        RecoveryMode::WarmStandby => "warm-standby",
        RecoveryMode::ActiveActive => "active-active",
    }
}
