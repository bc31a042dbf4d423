//! The rollout state machine, sans-IO: the host feeds it events with the
//! current time and carries out the actions it asks for.
//!
//! ```text
//! machine.handle(event, now);                    // an observation: deployed, weight set, a gate's verdict, ...
//! while let Some(action) = machine.poll(now) {}  // what to do next: deploy, set a weight, run a gate, roll back, ...
//! machine.next_deadline()                        // when to call poll again if nothing else happens
//! machine.status()                               // what a person sees
//! ```
//! The machine reads no clock and does no I/O. Its state is serde-serialisable:
//! a host journals it after every call and can resume after a crash; an
//! action once returned by `poll` is never returned again (`outstanding`
//! lists the ones still waiting for their result, for the host to re-drive).

use super::gate::{GatePolicy, Next, Verdict, View};
use super::plan::{Action as PlanAction, Plan};
use super::strategy::Strategy;
use crate::evidence::Evidence;
use crate::machine::Machine;
use crate::spec::OnFailure;
use crate::time::{Duration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the host must do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// Deploy the new version to a region (serving no traffic yet).
    Deploy {
        /// The region.
        region: String,
    },
    /// Put `weight_ppm` of the region's traffic on the new version.
    SetWeight {
        /// The region.
        region: String,
        /// Share on the new version, parts per million.
        weight_ppm: u32,
    },
    /// Evaluate the gates of a step and report a verdict.
    RunGate {
        /// Index of the plan step.
        step: usize,
        /// Regions the step covers.
        regions: Vec<String>,
    },
    /// Ask a person whether to go on (answer with `Approve` or `Abort`).
    AskApproval {
        /// Index of the plan step.
        step: usize,
        /// Why.
        reason: String,
        /// The plan's own approval gate asks (`approval: wave` or `step`), rather than
        /// a gate policy escalating a doubt (broken measurements, an inconclusive check).
        #[serde(default)]
        planned: bool,
    },
    /// Put the previous version back in a region (all traffic).
    RollBack {
        /// The region.
        region: String,
    },
    /// The rollout is over.
    Finish {
        /// How it ended.
        outcome: Outcome,
    },
}

/// What the host observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    /// A deploy finished.
    Deployed {
        /// The region.
        region: String,
    },
    /// A deploy failed.
    DeployFailed {
        /// The region.
        region: String,
        /// What went wrong.
        reason: String,
    },
    /// A weight is in place.
    WeightSet {
        /// The region.
        region: String,
        /// The weight now in place.
        weight_ppm: u32,
    },
    /// A gate's verdict, with the numbers behind it.
    Gate {
        /// Index of the plan step.
        step: usize,
        /// The verdict.
        verdict: Verdict,
        /// The values and thresholds that led to it.
        evidence: Evidence,
    },
    /// A person approves going on.
    Approve,
    /// A person (or the host) stops the rollout: it rolls back.
    Abort {
        /// Why.
        reason: String,
    },
    /// Hold: no new step starts, and bakes stop counting.
    Pause,
    /// Go on after a pause.
    Resume,
    /// A region serves the previous version again.
    RolledBack {
        /// The region.
        region: String,
    },
}

/// How a rollout ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    /// Every region serves the new version.
    Promoted,
    /// The rollout failed and the regions it touched serve the previous version.
    RolledBack {
        /// Why.
        reason: String,
    },
}

/// One decision and its evidence, for "why did it roll back?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// When.
    pub at: Timestamp,
    /// Index of the plan step.
    pub step: usize,
    /// What was decided.
    pub decision: String,
    /// The evidence: the values and thresholds behind it, and its sentence.
    pub evidence: Evidence,
}

/// Where the rollout is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "kebab-case")]
enum Phase {
    /// Start step `step`: ask for its actions.
    Start,
    /// Waiting for the actions of the current step to complete.
    Applying,
    /// Baking until `until`.
    Baking { until: Timestamp },
    /// Waiting for the gate's verdict.
    Gating,
    /// Waiting until `until` to run the gate again after a broken measurement.
    Retrying { until: Timestamp },
    /// Waiting for a person; on approval, start the current step (`then_start`) or go past it.
    AwaitingApproval { then_start: bool },
    /// Waiting for the stagger between waves to end.
    Staggering { until: Timestamp },
    /// Putting the previous version back.
    RollingBack { reason: String },
    /// Over.
    Done { outcome: Outcome },
}

/// Per region: what the host was asked to do and what it confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct RegionState {
    /// The new version is deployed.
    deployed: bool,
    /// Share confirmed on the new version.
    weight_ppm: u32,
    /// An action was issued and its result is awaited.
    waiting: Option<Action>,
    /// Rolled back.
    restored: bool,
}

/// A person-facing summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// Index of the current step.
    pub step: usize,
    /// Steps in the plan.
    pub steps: usize,
    /// The phase, in words.
    pub phase: String,
    /// Paused by a person.
    pub paused: bool,
    /// Confirmed weight on the new version, per region (ppm).
    pub weights: BTreeMap<String, u32>,
    /// How it ended, once it has.
    pub outcome: Option<Outcome>,
    /// Every decision so far with its evidence.
    pub decisions: Vec<Decision>,
}

/// The rollout of one plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollout {
    strategy: Strategy,
    steps: Vec<PlanStep>,
    on_failure: OnFailure,
    rollback_order: Vec<String>,
    step: usize,
    phase: Phase,
    paused_at: Option<Timestamp>,
    regions: BTreeMap<String, RegionState>,
    gate_errors: u32,
    gate_failures: u32,
    error_limit: u32,
    failure_limit: u32,
    no_data: crate::spec::NoData,
    decisions: Vec<Decision>,
    approval_asked: bool,
    /// The step a person approved starting, if any.
    approved: Option<usize>,
    finished_emitted: bool,
}

/// What the machine keeps of a plan step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PlanStep {
    wave: usize,
    regions: Vec<String>,
    /// `None` for a deploy, else the weight to set.
    weight_ppm: Option<u32>,
    bake: Duration,
    /// Pause before this step (the stagger between waves).
    stagger: Duration,
    /// Checks run at the end of the step.
    gated: bool,
    /// A person approves before the step starts.
    approval: bool,
}

impl Rollout {
    /// A rollout of `plan`, with the plan's gate policy (failure and error
    /// limits, what no data means).
    pub fn new(plan: &Plan) -> Rollout {
        let mut steps = Vec::with_capacity(plan.steps.len());
        let mut last_end = Timestamp::ZERO;
        let mut last_wave = 0;
        for s in &plan.steps {
            let stagger = if s.wave != last_wave && last_wave != 0 { s.start - last_end } else { Duration::ZERO };
            last_wave = s.wave;
            last_end = s.start + s.duration;
            let (weight_ppm, bake) = match s.action {
                PlanAction::Deploy => (None, Duration::ZERO),
                PlanAction::Shift { weight } => (Some(weight.ppm()), s.duration),
            };
            steps.push(PlanStep {
                wave: s.wave,
                regions: s.regions.clone(),
                weight_ppm,
                bake,
                stagger,
                gated: !s.checks.is_empty(),
                approval: s.approval,
            });
        }
        // Undo in reverse wave order.
        let mut rollback_order: Vec<String> = plan.waves.iter().rev().flat_map(|w| w.regions.iter().cloned()).collect();
        rollback_order.dedup();
        let regions = plan.waves.iter().flat_map(|w| w.regions.iter()).map(|r| (r.clone(), RegionState::default())).collect();
        Rollout {
            strategy: plan.strategy.clone(),
            steps,
            on_failure: plan.on_failure,
            rollback_order,
            step: 0,
            phase: Phase::Start,
            paused_at: None,
            regions,
            gate_errors: 0,
            gate_failures: 0,
            error_limit: plan.error_limit.max(1),
            failure_limit: plan.failure_limit.max(1),
            no_data: plan.no_data,
            decisions: vec![],
            approval_asked: false,
            approved: None,
            finished_emitted: false,
        }
    }

    fn current(&self) -> Option<&PlanStep> {
        self.steps.get(self.step)
    }

    fn decide(&mut self, at: Timestamp, decision: impl Into<String>, evidence: impl Into<Evidence>) {
        self.decisions.push(Decision { at, step: self.step, decision: decision.into(), evidence: evidence.into() });
    }

    fn fail(&mut self, now: Timestamp, reason: String, evidence: Evidence) {
        if matches!(self.phase, Phase::RollingBack { .. } | Phase::Done { .. }) {
            return;
        }
        self.decide(now, format!("roll back: {reason}"), evidence);
        self.phase = Phase::RollingBack { reason };
    }

    /// [`Machine::handle`] with another judge of gate verdicts: a user's
    /// strategy (a WebAssembly plugin, adapted by the host) plugs in here.
    pub fn handle_with(&mut self, event: Event, now: Timestamp, policy: &dyn GatePolicy) {
        match event {
            Event::Deployed { region } => {
                if let Some(r) = self.regions.get_mut(&region) {
                    if matches!(r.waiting, Some(Action::Deploy { .. })) {
                        r.waiting = None;
                        r.deployed = true;
                    }
                }
            }
            Event::DeployFailed { region, reason } => {
                if let Some(r) = self.regions.get_mut(&region) {
                    r.waiting = None;
                }
                self.fail(now, format!("deploy to {region} failed"), Evidence::said(reason));
            }
            Event::WeightSet { region, weight_ppm } => {
                if let Some(r) = self.regions.get_mut(&region) {
                    if matches!(r.waiting, Some(Action::SetWeight { weight_ppm: w, .. }) if w == weight_ppm) {
                        r.waiting = None;
                        r.weight_ppm = weight_ppm;
                    }
                }
            }
            Event::Gate { step, verdict, evidence } => {
                if step != self.step || !matches!(self.phase, Phase::Gating) {
                    return;
                }
                let view = View {
                    step,
                    steps: self.steps.len(),
                    wave: self.current().map_or(0, |s| s.wave),
                    weights: self.regions.iter().map(|(k, v)| (k.clone(), v.weight_ppm)).collect(),
                    verdict,
                    evidence: evidence.clone(),
                    failures_in_a_row: self.gate_failures,
                    errors_in_a_row: self.gate_errors,
                    failure_limit: self.failure_limit,
                    error_limit: self.error_limit,
                    no_data: self.no_data,
                    now,
                };
                let next = policy.on_gate(&view);
                match next {
                    Next::Continue { why } => {
                        self.gate_errors = 0;
                        self.gate_failures = 0;
                        self.decide(now, format!("promote: {why}"), evidence);
                        self.advance(now);
                    }
                    Next::Retry { why, after, failed } => {
                        if failed {
                            self.gate_failures += 1;
                        } else {
                            self.gate_errors += 1;
                        }
                        self.decide(now, format!("check again: {why}"), evidence);
                        self.phase = Phase::Retrying { until: now + after };
                    }
                    Next::AskPerson { why } => {
                        self.decide(now, format!("ask a person: {why}"), evidence);
                        self.await_approval(false);
                    }
                    Next::RollBack { why } => self.fail(now, why, evidence),
                }
            }
            Event::Approve => {
                if let Phase::AwaitingApproval { then_start } = self.phase {
                    self.gate_errors = 0;
                    self.gate_failures = 0;
                    self.approved = Some(self.step);
                    if then_start {
                        self.decide(now, "start: approved by a person", Evidence::none());
                        self.phase = Phase::Start;
                    } else {
                        self.decide(now, "promote: approved by a person", Evidence::none());
                        self.advance(now);
                    }
                }
            }
            Event::Abort { reason } => self.fail(now, format!("aborted: {reason}"), Evidence::none()),
            Event::Pause => {
                if self.paused_at.is_none() && !matches!(self.phase, Phase::Done { .. } | Phase::RollingBack { .. }) {
                    self.paused_at = Some(now);
                }
            }
            Event::Resume => {
                if let Some(since) = self.paused_at.take() {
                    // Bakes do not count while paused.
                    let held = now - since;
                    match &mut self.phase {
                        Phase::Baking { until } | Phase::Staggering { until } | Phase::Retrying { until } => *until += held,
                        _ => {}
                    }
                }
            }
            Event::RolledBack { region } => {
                if let Some(r) = self.regions.get_mut(&region) {
                    if matches!(r.waiting, Some(Action::RollBack { .. })) {
                        r.waiting = None;
                        r.restored = true;
                        r.weight_ppm = 0;
                    }
                }
            }
        }
    }

    /// The question to a person, with the last decision as its reason.
    fn approval_request(&self) -> Action {
        let reason = self.decisions.last().map(|d| d.decision.clone()).unwrap_or_default();
        let planned = matches!(self.phase, Phase::AwaitingApproval { then_start: true });
        Action::AskApproval { step: self.step, reason, planned }
    }

    fn await_approval(&mut self, then_start: bool) {
        self.phase = Phase::AwaitingApproval { then_start };
        self.approval_asked = false;
    }

    fn advance(&mut self, now: Timestamp) {
        self.step += 1;
        match self.current() {
            None => {
                self.decide(now, "promoted everywhere", Evidence::none());
                self.phase = Phase::Done { outcome: Outcome::Promoted };
            }
            Some(s) if s.stagger > Duration::ZERO => self.phase = Phase::Staggering { until: now + s.stagger },
            Some(_) => self.phase = Phase::Start,
        }
    }

    /// The regions a rollback restores, in order.
    fn to_restore(&self) -> Vec<String> {
        let wave = self.current().map_or(usize::MAX, |s| s.wave);
        let wave_regions: Vec<&String> = self.steps.iter().filter(|s| s.wave == wave).flat_map(|s| s.regions.iter()).collect();
        self.rollback_order
            .iter()
            .filter(|r| {
                self.regions.get(*r).is_some_and(|s| s.deployed || s.weight_ppm > 0 || matches!(s.waiting, Some(Action::SetWeight { .. })))
            })
            .filter(|r| self.on_failure == OnFailure::RollbackAll || wave_regions.contains(r))
            .cloned()
            .collect()
    }
}

impl Machine for Rollout {
    type Event = Event;
    type Action = Action;
    type Status = Status;

    /// Gate verdicts are judged by the plan's built-in strategy; see
    /// [`Rollout::handle_with`] for a user's.
    fn handle(&mut self, event: Event, now: Timestamp) {
        let builtin = self.strategy.clone();
        self.handle_with(event, now, &builtin);
    }

    /// The next action, if any is due at `now`. Call until it returns `None`.
    fn poll(&mut self, now: Timestamp) -> Option<Action> {
        if self.paused_at.is_some() && !matches!(self.phase, Phase::RollingBack { .. } | Phase::Done { .. }) {
            return None;
        }
        match self.phase.clone() {
            Phase::Start => {
                let step = self.current()?.clone();
                if step.approval && self.approved != Some(self.step) {
                    self.decide(now, format!("ask a person: approval before step {}", self.step + 1), Evidence::none());
                    self.await_approval(true);
                    return self.poll(now);
                }
                for region in &step.regions {
                    let action = match step.weight_ppm {
                        None => Action::Deploy { region: region.clone() },
                        Some(w) => Action::SetWeight { region: region.clone(), weight_ppm: w },
                    };
                    let r = self.regions.get_mut(region)?;
                    let done = match step.weight_ppm {
                        None => r.deployed,
                        Some(w) => r.weight_ppm == w,
                    };
                    if !done && r.waiting.is_none() {
                        r.waiting = Some(action.clone());
                        return Some(action);
                    }
                }
                self.phase = Phase::Applying;
                self.poll(now)
            }
            Phase::Applying => {
                let step = self.current()?.clone();
                let all_done = step.regions.iter().all(|region| {
                    self.regions.get(region).is_some_and(|r| match step.weight_ppm {
                        None => r.deployed,
                        Some(w) => r.weight_ppm == w,
                    })
                });
                if !all_done {
                    return None;
                }
                self.phase = Phase::Baking { until: now + step.bake };
                self.poll(now)
            }
            Phase::Baking { until } | Phase::Retrying { until } => {
                if now < until {
                    return None;
                }
                let step = self.current()?.clone();
                if !step.gated {
                    // No gate: the step goes on when its bake ends, as the plan says.
                    self.advance(now);
                    return self.poll(now);
                }
                self.phase = Phase::Gating;
                Some(Action::RunGate { step: self.step, regions: step.regions })
            }
            Phase::Staggering { until } => {
                if now < until {
                    return None;
                }
                self.phase = Phase::Start;
                self.poll(now)
            }
            Phase::Gating => None,
            Phase::AwaitingApproval { .. } => {
                if self.approval_asked {
                    return None;
                }
                self.approval_asked = true;
                Some(self.approval_request())
            }
            Phase::RollingBack { reason } => {
                for region in self.to_restore() {
                    let r = self.regions.get_mut(&region)?;
                    if r.restored {
                        continue;
                    }
                    match &r.waiting {
                        Some(Action::RollBack { .. }) => return None, // one region at a time, in order
                        _ => {
                            let action = Action::RollBack { region: region.clone() };
                            r.waiting = Some(action.clone());
                            return Some(action);
                        }
                    }
                }
                self.phase = Phase::Done { outcome: Outcome::RolledBack { reason } };
                self.poll(now)
            }
            Phase::Done { outcome } => {
                if self.finished_emitted {
                    return None;
                }
                self.finished_emitted = true;
                Some(Action::Finish { outcome })
            }
        }
    }

    /// When `poll` has something to do next without any event (a bake or a
    /// stagger ending), if anything.
    fn next_deadline(&self) -> Option<Timestamp> {
        if self.paused_at.is_some() {
            return None;
        }
        match self.phase {
            Phase::Baking { until } | Phase::Retrying { until } | Phase::Staggering { until } => Some(until),
            _ => None,
        }
    }

    /// Actions returned by `poll` whose results have not arrived: after a
    /// restart, the host re-drives exactly these (they are idempotent).
    fn outstanding(&self) -> Vec<Action> {
        let mut out: Vec<Action> = self.regions.values().filter_map(|r| r.waiting.clone()).collect();
        // A gate run or a question to a person is awaited as much as a deploy is.
        match &self.phase {
            Phase::Gating => {
                out.extend(self.current().map(|s| Action::RunGate { step: self.step, regions: s.regions.clone() }));
            }
            Phase::AwaitingApproval { .. } if self.approval_asked => out.push(self.approval_request()),
            _ => {}
        }
        out
    }

    /// What a person sees.
    fn status(&self) -> Status {
        let phase = match &self.phase {
            Phase::Start | Phase::Applying => "applying",
            Phase::Baking { .. } => "baking",
            Phase::Gating => "checking gates",
            Phase::Retrying { .. } => "retrying a gate",
            Phase::AwaitingApproval { .. } => "awaiting approval",
            Phase::Staggering { .. } => "between waves",
            Phase::RollingBack { .. } => "rolling back",
            Phase::Done { .. } => "done",
        };
        Status {
            step: self.step,
            steps: self.steps.len(),
            phase: phase.into(),
            paused: self.paused_at.is_some(),
            weights: self.regions.iter().map(|(k, v)| (k.clone(), v.weight_ppm)).collect(),
            outcome: match &self.phase {
                Phase::Done { outcome } => Some(outcome.clone()),
                _ => None,
            },
            decisions: self.decisions.clone(),
        }
    }
}
