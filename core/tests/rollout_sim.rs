//! The rollout state machine driven through a simulator with a fake clock
//! (after quinn's `Pair`): whole rollouts against scripted and random event
//! streams, with crashes and resumes, checked against invariants.

#![allow(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, reason = "tests fail loudly by design")]

use lift_core::App;
use lift_core::evidence::{Comparison, Evidence, Measurement};
use lift_core::machine::Machine;
use lift_core::rollout::{Action as PlanAction, Event, Outcome, Plan, Rollout, RolloutAction as Action, Verdict};
use lift_core::time::Timestamp;
use proptest::prelude::*;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// How the simulated world answers.
#[derive(Debug, Clone, Default)]
struct Script {
    /// Verdicts per step, in order of attempts; missing means pass.
    gates: BTreeMap<usize, Vec<Verdict>>,
    /// Regions whose deploy fails.
    failing_deploys: Vec<String>,
    /// Answer to approval requests: approve (true) or abort.
    approve: bool,
    /// Crash and resume (serde round trip) after these numbers of actions.
    resumes: Vec<usize>,
    deploy_ms: u64,
    rollback_ms: u64,
}

struct Sim {
    plan: Plan,
    /// Most regions serving the new version at once, beyond what the plan allowed at that step (must stay 0).
    over_risk: usize,
    machine: Rollout,
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<(u64, u64, String)>>,
    /// What the world looks like: traffic on the new version per region.
    weights: BTreeMap<String, u32>,
    actions: Vec<Action>,
    set_weights: BTreeMap<String, Vec<u32>>,
    gate_attempts: BTreeMap<usize, usize>,
    outcome: Option<(u64, Outcome)>,
    /// Actions carried out again after a crash, from `outstanding()`.
    redriven: usize,
}

impl Sim {
    fn new(plan: &Plan) -> Sim {
        let weights = plan.waves.iter().flat_map(|w| w.regions.iter()).map(|r| (r.clone(), 0)).collect();
        Sim {
            plan: plan.clone(),
            over_risk: 0,
            machine: Rollout::new(plan),
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            weights,
            actions: vec![],
            set_weights: BTreeMap::new(),
            gate_attempts: BTreeMap::new(),
            outcome: None,
            redriven: 0,
        }
    }

    fn at(&mut self, delay: u64, event: Event) {
        self.seq += 1;
        self.queue.push(Reverse((self.now + delay, self.seq, serde_json::to_string(&event).unwrap())));
    }

    fn carry_out(&mut self, action: Action, script: &Script) {
        match &action {
            Action::Deploy { region } => {
                if script.failing_deploys.contains(region) {
                    self.at(
                        script.deploy_ms,
                        Event::DeployFailed { region: region.clone(), reason: "stack rolled back: CREATE_FAILED".into() },
                    );
                } else {
                    self.at(script.deploy_ms, Event::Deployed { region: region.clone() });
                }
            }
            Action::SetWeight { region, weight_ppm } => {
                self.weights.insert(region.clone(), *weight_ppm);
                // Never more regions at risk than the plan allows at this step.
                let at_risk = self.weights.values().filter(|w| **w > 0).count();
                let allowed = self.plan.steps[self.machine.status().step].regions_at_risk;
                self.over_risk = self.over_risk.max(at_risk.saturating_sub(allowed));
                let set = self.set_weights.entry(region.clone()).or_default();
                // A weight set again after a crash is the same step, not a new one.
                if set.last() != Some(weight_ppm) {
                    set.push(*weight_ppm);
                }
                self.at(0, Event::WeightSet { region: region.clone(), weight_ppm: *weight_ppm });
            }
            Action::RunGate { step, .. } => {
                let counter = self.gate_attempts.entry(*step).or_default();
                let verdict = script.gates.get(step).and_then(|v| v.get(*counter)).copied().unwrap_or(Verdict::Pass);
                *counter += 1;
                let attempt = *counter;
                // The numbers a metrics plugin would bring: over the threshold when the script fails the step.
                let rate = if verdict == Verdict::Fail { 0.05 } else { 0.004 };
                let measured =
                    Measurement::new("error rate", Some(rate), Some(0.01), Comparison::AtMost, "ratio").counted(attempt as u64, 250);
                let evidence = Evidence::of(vec![measured]);
                self.at(0, Event::Gate { step: *step, verdict, evidence });
            }
            Action::AskApproval { .. } => {
                let answer = if script.approve { Event::Approve } else { Event::Abort { reason: "operator said no".into() } };
                self.at(60_000, answer);
            }
            Action::RollBack { region } => {
                self.weights.insert(region.clone(), 0);
                self.at(script.rollback_ms, Event::RolledBack { region: region.clone() });
            }
            Action::Finish { outcome } => self.outcome = Some((self.now, outcome.clone())),
        }
        self.actions.push(action);
    }

    fn run(&mut self, script: &Script) {
        for _ in 0..100_000 {
            while let Some(action) = self.machine.poll(Timestamp::from_millis(self.now)) {
                self.carry_out(action, script);
                if script.resumes.contains(&self.actions.len()) {
                    // A crash: the host journalled the state; what the world answered
                    // since is lost with the process. Started again from the journal,
                    // the host re-drives the outstanding actions, and only those: an
                    // action missing from them would leave the rollout stuck.
                    let journal = serde_json::to_string(&self.machine).unwrap();
                    self.machine = serde_json::from_str(&journal).unwrap();
                    self.queue.clear();
                    for action in self.machine.outstanding() {
                        self.redriven += 1;
                        self.carry_out(action, script);
                        // A repeat by design (idempotent), not a new action: the invariants count new ones.
                        self.actions.pop();
                    }
                }
                if self.outcome.is_some() {
                    return;
                }
            }
            let next_event = self.queue.peek().map(|Reverse((t, ..))| *t);
            let next = match (next_event, self.machine.next_deadline().map(Timestamp::as_millis)) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => panic!("stuck at {}: {:?}", self.now, self.machine.status()),
            };
            assert!(next >= self.now, "time went backwards");
            self.now = next;
            while self.queue.peek().is_some_and(|Reverse((t, ..))| *t <= self.now) {
                let Reverse((_, _, event)) = self.queue.pop().unwrap();
                self.machine.handle(serde_json::from_str(&event).unwrap(), Timestamp::from_millis(self.now));
            }
        }
        panic!("did not finish");
    }
}

fn plan_for(spec: &str) -> Plan {
    App::from_text(spec).unwrap().plan().unwrap()
}

fn planned_weights(plan: &Plan) -> BTreeMap<String, Vec<u32>> {
    let mut out: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for s in &plan.steps {
        // A blue-green check at 0% needs no weight change: nothing to set.
        if let PlanAction::Shift { weight } = s.action {
            if weight.ppm() == 0 {
                continue;
            }
            for r in &s.regions {
                out.entry(r.clone()).or_default().push(weight.ppm());
            }
        }
    }
    out
}

fn check_invariants(plan: &Plan, sim: &Sim, script: &Script) -> Result<(), TestCaseError> {
    let (end, outcome) = sim.outcome.clone().ok_or_else(|| TestCaseError::fail("no outcome"))?;
    // No action is repeated, across resumes too (gates may run again after a broken measurement).
    let mut seen = std::collections::BTreeSet::new();
    for a in sim.actions.iter().filter(|a| !matches!(a, Action::RunGate { .. } | Action::AskApproval { .. })) {
        prop_assert!(seen.insert(serde_json::to_string(a).unwrap()), "repeated {:?}", a);
    }
    prop_assert_eq!(sim.over_risk, 0, "more regions at risk than planned");
    // Weights only move as the plan says, in its order.
    let planned = planned_weights(plan);
    for (region, set) in &sim.set_weights {
        let p = &planned[region];
        prop_assert!(set.len() <= p.len() && set[..] == p[..set.len()], "{}: set {:?}, planned {:?}", region, set, p);
    }
    // Never more regions at risk than the plan has at that point.
    let failed = matches!(outcome, Outcome::RolledBack { .. });
    let nothing_scripted = script.gates.values().all(|v| v.iter().all(|x| *x == Verdict::Pass))
        && script.failing_deploys.is_empty()
        && plan.steps.iter().all(|s| !s.approval);
    match outcome {
        Outcome::Promoted => {
            prop_assert!(sim.weights.values().all(|w| *w == 1_000_000), "{:?}", sim.weights);
            if nothing_scripted {
                // The plan's predicted timeline is the simulated one when every gate passes.
                prop_assert_eq!(end, plan.fastest_promotion.as_millis());
            }
        }
        Outcome::RolledBack { .. } => {
            prop_assert!(failed);
            let restored: Vec<&String> =
                sim.actions.iter().filter_map(|a| if let Action::RollBack { region } = a { Some(region) } else { None }).collect();
            if plan.on_failure == lift_core::spec::OnFailure::RollbackAll {
                // Every region the rollout touched serves the previous version again.
                prop_assert!(sim.weights.values().all(|w| *w == 0), "{:?}", sim.weights);
            } else {
                // The failing wave is back on the previous version; earlier waves keep the new one.
                let failing_wave = plan.steps[sim.machine.status().step.min(plan.steps.len() - 1)].wave;
                for w in &plan.waves {
                    for r in &w.regions {
                        let weight = sim.weights[r];
                        if w.index == failing_wave {
                            prop_assert_eq!(weight, 0, "{} in the failing wave", r);
                        } else if w.index < failing_wave {
                            prop_assert_eq!(weight, 1_000_000, "{} in an earlier wave", r);
                        }
                    }
                }
            }
            // Rollbacks go in reverse wave order.
            let wave_of = |r: &String| plan.waves.iter().position(|w| w.regions.contains(r)).unwrap();
            prop_assert!(restored.windows(2).all(|w| wave_of(w[0]) >= wave_of(w[1])));
        }
    }
    Ok(())
}

const SHOP_LIKE: &str = "app: s\nregions: { primary: us-east-1, standby: [eu-west-1, ap-south-1] }\nrollout:\n  strategy: canary\n  steps: [{ weight: 10%, bake: 5m }, { weight: 50%, bake: 10m }]\n  waves: [[us-east-1], [eu-west-1, ap-south-1]]\n  stagger: 5m\n  gates: [{ error_rate: 1% }, { latency_p99: 300ms }]\n";

#[test]
fn a_clean_rollout_follows_the_plan_to_the_minute() {
    let plan = plan_for(SHOP_LIKE);
    let script = Script { deploy_ms: 120_000, rollback_ms: 30_000, ..Script::default() };
    let mut sim = Sim::new(&plan);
    sim.run(&script);
    assert_eq!(sim.outcome.as_ref().map(|o| o.1.clone()), Some(Outcome::Promoted));
    assert_eq!(sim.outcome.as_ref().map(|o| o.0), Some(plan.fastest_promotion.as_millis()));
    check_invariants(&plan, &sim, &script).unwrap();
    let status = sim.machine.status();
    assert!(status.decisions.iter().any(|d| d.evidence.summary == "error rate: 0.4% (1 bad of 250) <= 1%"), "{:?}", status.decisions);
}

#[test]
fn a_failing_gate_rolls_back_every_touched_region_with_its_evidence() {
    let plan = plan_for(SHOP_LIKE);
    // Step 5 is the 10% step of wave 2.
    let mut gates = BTreeMap::new();
    gates.insert(5, vec![Verdict::Fail]);
    let script = Script { gates, deploy_ms: 120_000, rollback_ms: 30_000, ..Script::default() };
    let mut sim = Sim::new(&plan);
    sim.run(&script);
    let (_, outcome) = sim.outcome.clone().unwrap();
    assert!(matches!(outcome, Outcome::RolledBack { ref reason } if reason.contains("gate of step 6")), "{outcome:?}");
    check_invariants(&plan, &sim, &script).unwrap();
    let rolled: Vec<String> =
        sim.actions.iter().filter_map(|a| if let Action::RollBack { region } = a { Some(region.clone()) } else { None }).collect();
    assert_eq!(rolled, vec!["eu-west-1", "ap-south-1", "us-east-1"]);
    let why = sim.machine.status().decisions.into_iter().find(|d| d.decision.starts_with("roll back")).unwrap();
    // The numbers behind it: the measured rate over the gate's threshold.
    let m = &why.evidence.measurements[0];
    assert_eq!((m.value, m.threshold, m.within()), (Some(0.05), Some(0.01), Some(false)), "{why:?}");
}

#[test]
fn broken_measurements_are_retried_then_a_person_decides() {
    let plan = plan_for(SHOP_LIKE);
    let mut gates = BTreeMap::new();
    gates.insert(1, vec![Verdict::Error; 4]);
    let script = Script { gates, approve: true, deploy_ms: 1000, rollback_ms: 1000, ..Script::default() };
    let mut sim = Sim::new(&plan);
    sim.run(&script);
    assert_eq!(sim.outcome.as_ref().map(|o| o.1.clone()), Some(Outcome::Promoted));
    assert_eq!(sim.gate_attempts[&1], 4);
    assert_eq!(sim.actions.iter().filter(|a| matches!(a, Action::AskApproval { .. })).count(), 1);
}

#[test]
fn pausing_holds_the_bake() {
    let plan = plan_for(
        "app: p\nregions: { primary: us-east-1 }\nrollout: { strategy: canary-10pct-5m, deploy_time: 0s, wave_bake: 0s, bake: 0s, gates: [{ error_rate: 1% }] }\n",
    );
    let mut m = Rollout::new(&plan);
    let ts = Timestamp::from_millis;
    let mut now = ts(0);
    assert_eq!(m.poll(now), Some(Action::Deploy { region: "us-east-1".into() }));
    m.handle(Event::Deployed { region: "us-east-1".into() }, now);
    assert_eq!(m.poll(now), Some(Action::SetWeight { region: "us-east-1".into(), weight_ppm: 100_000 }));
    m.handle(Event::WeightSet { region: "us-east-1".into(), weight_ppm: 100_000 }, now);
    assert_eq!(m.poll(now), None);
    assert_eq!(m.next_deadline(), Some(ts(300_000)));
    now = ts(100_000);
    m.handle(Event::Pause, now);
    assert_eq!(m.next_deadline(), None);
    assert_eq!(m.poll(ts(400_000)), None);
    now = ts(400_000);
    m.handle(Event::Resume, now);
    // Paused for 300 s: the bake ends 300 s later than planned.
    assert_eq!(m.next_deadline(), Some(ts(600_000)));
    let got = m.poll(ts(600_000));
    assert!(matches!(got, Some(Action::RunGate { step: 1, .. })), "{got:?} {:?}", m.status());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_rollout_ends_promoted_or_rolled_back_with_invariants_intact(
        strategy in prop::sample::select(vec!["canary", "linear-25pct-every-1m", "all-at-once", "blue-green", "rolling"]),
        regions in 1usize..6,
        waves in 1usize..4,
        rollback_wave in any::<bool>(),
        verdicts in prop::collection::btree_map(0usize..20, prop::collection::vec(prop::sample::select(vec![Verdict::Pass, Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::Error, Verdict::NoData]), 0..5), 0..4),
        failing in prop::option::of(0usize..6),
        approve in any::<bool>(),
        resumes in prop::collection::vec(1usize..40, 0..4),
        approval in any::<bool>(),
        hooks in any::<bool>(),
        no_data in prop::sample::select(vec!["wait", "fail", "pass"]),
        failure_limit in 1u32..3,
    ) {
        let all = ["us-east-1", "eu-west-1", "ap-south-1", "us-west-2", "eu-central-1", "sa-east-1"];
        let regions = &all[..regions];
        let per = regions.len().div_ceil(waves.min(regions.len()));
        let wave_list: Vec<String> = regions.chunks(per).map(|c| format!("[{}]", c.join(", "))).collect();
        let spec = format!(
            "app: p\nregions: {{ primary: {}, standby: [{}] }}\nfunctions: {{ smoke: {{ runtime: python3.12, handler: a.h, code: ./s }} }}\nrollout:\n  strategy: {strategy}\n  waves: [{}]\n  on_failure: {}\n  stagger: 1m\n  gates: [{{ error_rate: 1% }}{}{}]\n  no_data: {no_data}\n  failure_limit: {failure_limit}\n",
            regions[0], regions[1..].join(", "), wave_list.join(", "), if rollback_wave { "rollback-wave" } else { "rollback-all" },
            if approval { ", { approval: wave }" } else { "" },
            if hooks { ", { hook: functions.smoke, when: pre-traffic }, { hook: functions.smoke, when: post-traffic }" } else { "" },
        );
        let plan = plan_for(&spec);
        let script = Script {
            gates: verdicts,
            failing_deploys: failing.and_then(|i| regions.get(i)).map(|r| vec![(*r).to_owned()]).unwrap_or_default(),
            approve,
            resumes,
            deploy_ms: plan.steps[0].duration.as_millis(),
            rollback_ms: 15_000,
        };
        let mut sim = Sim::new(&plan);
        sim.run(&script);
        check_invariants(&plan, &sim, &script)?;
    }
}

#[test]
fn a_failure_in_any_step_of_any_strategy_ends_rolled_back() {
    for strategy in ["canary", "linear-25pct-every-1m", "all-at-once", "blue-green", "rolling"] {
        let spec = format!(
            "app: f\nregions: {{ primary: us-east-1, standby: [eu-west-1, ap-south-1] }}\nrollout: {{ strategy: {strategy}, waves: [[us-east-1], [eu-west-1, ap-south-1]], gates: [{{ probe: /health }}] }}\n"
        );
        let plan = plan_for(&spec);
        for (i, step) in plan.steps.iter().enumerate() {
            let mut script = Script { deploy_ms: step.duration.as_millis().min(120_000), rollback_ms: 30_000, ..Script::default() };
            match step.action {
                PlanAction::Deploy => script.failing_deploys = step.regions.clone(),
                PlanAction::Shift { .. } => {
                    script.gates.insert(i, vec![Verdict::Fail]);
                }
            }
            script.deploy_ms = plan.steps[0].duration.as_millis();
            let mut sim = Sim::new(&plan);
            sim.run(&script);
            assert!(matches!(sim.outcome, Some((_, Outcome::RolledBack { .. }))), "{strategy} step {i}: {:?}", sim.outcome);
            assert!(sim.weights.values().all(|w| *w == 0), "{strategy} step {i}: {:?}", sim.weights);
            check_invariants(&plan, &sim, &script).unwrap();
        }
    }
}

/// A user's strategy: no patience at all, any verdict but a pass rolls back.
struct Strict;

impl lift_core::rollout::GatePolicy for Strict {
    fn on_gate(&self, view: &lift_core::rollout::View) -> lift_core::rollout::Next {
        match view.verdict {
            Verdict::Pass => lift_core::rollout::Next::Continue { why: "strict: pass".into() },
            other => lift_core::rollout::Next::RollBack { why: format!("strict: {other:?} at step {}", view.step + 1) },
        }
    }
}

#[test]
fn a_user_strategy_judges_the_gates() {
    let plan = plan_for(SHOP_LIKE);
    let mut m = Rollout::new(&plan);
    let mut now = Timestamp::ZERO;
    let mut rolled_back = vec![];
    for _ in 0..1000 {
        let mut events = vec![];
        while let Some(action) = m.poll(now) {
            match action {
                Action::Deploy { region } => events.push(Event::Deployed { region }),
                Action::SetWeight { region, weight_ppm } => events.push(Event::WeightSet { region, weight_ppm }),
                // The built-in policy would retry a broken measurement; this one rolls back.
                Action::RunGate { step, .. } => events.push(Event::Gate { step, verdict: Verdict::Error, evidence: "timeout".into() }),
                Action::RollBack { region } => {
                    rolled_back.push(region.clone());
                    events.push(Event::RolledBack { region });
                }
                Action::Finish { outcome } => {
                    assert!(
                        matches!(outcome, Outcome::RolledBack { ref reason } if reason.starts_with("strict: Error at step 2")),
                        "{outcome:?}"
                    );
                    assert_eq!(rolled_back, vec!["us-east-1"]);
                    return;
                }
                Action::AskApproval { .. } => panic!("the strict strategy never asks"),
            }
        }
        for e in events {
            m.handle_with(e, now, &Strict);
        }
        if let Some(t) = m.next_deadline() {
            now = now.max(t);
        }
    }
    panic!("did not finish");
}

#[test]
fn a_crash_while_a_gate_runs_re_drives_the_gate() {
    let plan = plan_for(SHOP_LIKE);
    // The third action is the first gate (deploy, 10%, gate): the host dies before its verdict comes back.
    let script = Script { resumes: vec![3], deploy_ms: 1000, rollback_ms: 1000, ..Script::default() };
    let mut sim = Sim::new(&plan);
    sim.run(&script);
    assert!(matches!(sim.actions[2], Action::RunGate { step: 1, .. }), "{:?}", sim.actions);
    assert_eq!(sim.redriven, 1, "the gate in flight is outstanding after the restart");
    assert_eq!(sim.gate_attempts[&1], 2, "run once before the crash, once after");
    assert_eq!(sim.outcome.map(|o| o.1), Some(Outcome::Promoted));
}
