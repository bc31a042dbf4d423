//! The runner against a simulated world and clock: it promotes a healthy
//! release, rolls back a failing one in reverse wave order, takes controls
//! from other processes, retries what is transient, and, cut off at every
//! record of its journal (with the side effect of the last intent done or not,
//! and with a torn last line), resumes and finishes with no side effect
//! carried out twice.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly by design")]

use lift_core::App;
use lift_core::evidence::Evidence;
use lift_core::rollout::{Event, Outcome, RolloutAction as Action, Verdict};
use lift_core::time::Timestamp;
use lift_host::runner::wall::JumpClock;
use lift_host::runner::{self, Actor, Controls, Entry, Holder, Lock, LockError, RunError, Runner, World, WorldError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SPEC: &str = "app: shop\nversion: 2.0.0\nregions: { primary: us-east-1, standby: [eu-west-1] }\n\
functions: { api: { runtime: python3.12, handler: app.handler, code: ./src } }\n\
rollout:\n  strategy: canary\n  steps: [ { weight: 10%, bake: 5m }, { weight: 50%, bake: 5m } ]\n  waves: [[us-east-1], [eu-west-1]]\n  stagger: 1m\n  gates: [ error_rate: 1% ]\n";

/// The world: what is deployed and where traffic is, changed once per ID.
#[derive(Default, Clone)]
struct SimWorld {
    /// Every side effect applied, by ID, in order.
    applied: Vec<(String, Action)>,
    /// IDs seen again after they were applied (idempotent repeats).
    repeats: Vec<String>,
    /// Gate verdict per step (default pass).
    verdicts: BTreeMap<usize, Verdict>,
    /// Fail the first N attempts of every weight change, transiently.
    flaky: u32,
    attempts: BTreeMap<String, u32>,
    /// Deploys to these regions fail.
    broken: BTreeSet<String>,
    /// Roll-backs fail this many times first (the API unreachable), then work.
    stubborn: u32,
}

impl World for SimWorld {
    fn carry_out(&mut self, action: &Action, id: &str, _now: Timestamp) -> Result<Option<Event>, WorldError> {
        if let Action::SetWeight { .. } = action {
            let n = self.attempts.entry(id.to_owned()).or_default();
            *n += 1;
            if *n <= self.flaky {
                return Err(WorldError::Transient("503 Service Unavailable".into()));
            }
        }
        let effect = !matches!(action, Action::RunGate { .. } | Action::AskApproval { .. } | Action::Finish { .. });
        if effect {
            if self.applied.iter().any(|(i, _)| i == id) {
                self.repeats.push(id.to_owned());
            } else {
                self.applied.push((id.to_owned(), action.clone()));
            }
        }
        if matches!(action, Action::RollBack { .. }) && self.stubborn > 0 {
            self.stubborn -= 1;
            return Err(WorldError::Fatal("cannot reach the Lambda API".into()));
        }
        Ok(match action {
            Action::Deploy { region } if self.broken.contains(region) => {
                return Err(WorldError::Fatal(format!("stack {region} failed: ROLLBACK_COMPLETE")));
            }
            Action::Deploy { region } => Some(Event::Deployed { region: region.clone() }),
            Action::SetWeight { region, weight_ppm } => Some(Event::WeightSet { region: region.clone(), weight_ppm: *weight_ppm }),
            Action::RollBack { region } => Some(Event::RolledBack { region: region.clone() }),
            Action::RunGate { step, .. } => {
                let verdict = self.verdicts.get(step).copied().unwrap_or(Verdict::Pass);
                Some(Event::Gate { step: *step, verdict, evidence: Evidence::said(format!("error rate measured for step {step}")) })
            }
            Action::AskApproval { .. } | Action::Finish { .. } => None,
        })
    }
}

struct Scripted(Vec<(Event, Actor)>);

impl Controls for Scripted {
    fn take(&mut self) -> Vec<(Event, Actor)> {
        std::mem::take(&mut self.0)
    }
}

fn plan() -> lift_core::rollout::Plan {
    App::from_text(SPEC).unwrap().plan().unwrap()
}

fn run_to_end(path: &Path, world: &mut SimWorld) -> Outcome {
    let clock = JumpClock::at(0);
    let mut r = Runner::start(&plan(), path, "r1", 1, &clock).unwrap();
    r.run(world, &mut (), &clock, 1_000).unwrap()
}

fn effects(world: &SimWorld) -> Vec<Action> {
    world.applied.iter().map(|(_, a)| a.clone()).collect()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lift-runner-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("rollout.jsonl")
}

#[test]
fn a_healthy_release_is_promoted_and_every_intent_has_its_result() {
    let path = tmp("healthy");
    let mut world = SimWorld::default();
    assert_eq!(run_to_end(&path, &mut world), Outcome::Promoted);
    let fx = effects(&world);
    assert_eq!(fx.first(), Some(&Action::Deploy { region: "us-east-1".into() }));
    assert!(fx.contains(&Action::SetWeight { region: "eu-west-1".into(), weight_ppm: 1_000_000 }));
    assert!(!fx.iter().any(|a| matches!(a, Action::RollBack { .. })));
    let records = runner::read(&path).unwrap();
    assert!(matches!(records[0].entry, Entry::Started { .. }));
    let intents: Vec<&String> =
        records.iter().filter_map(|r| if let Entry::Intent { id, .. } = &r.entry { Some(id) } else { None }).collect();
    let answered: BTreeSet<&String> =
        records.iter().filter_map(|r| if let Entry::Result { answers: Some(id), .. } = &r.entry { Some(id) } else { None }).collect();
    // Every intent but the finish is answered; sequence numbers run without a gap.
    assert_eq!(intents.len(), answered.len() + 1);
    assert!(records.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    // The bakes took machine time: two waves of two 5-minute bakes and a stagger.
    assert!(records.last().unwrap().at.as_millis() >= 21 * 60_000, "{:?}", records.last().unwrap().at);
}

#[test]
fn a_failing_gate_rolls_back_what_was_touched_in_reverse_wave_order() {
    let path = tmp("failing");
    let mut world = SimWorld { verdicts: BTreeMap::from([(1, Verdict::Fail)]), ..Default::default() };
    let outcome = run_to_end(&path, &mut world);
    assert!(matches!(outcome, Outcome::RolledBack { .. }), "{outcome:?}");
    let fx = effects(&world);
    // The canary in us-east-1 failed: eu-west-1 was never touched, us-east-1 is restored.
    assert!(!fx.iter().any(|a| matches!(a, Action::Deploy { region } if region == "eu-west-1")));
    assert_eq!(fx.last(), Some(&Action::RollBack { region: "us-east-1".into() }));
    // A deploy failure in the second wave rolls back the first, last wave first.
    let path = tmp("second-wave");
    let mut world = SimWorld { broken: BTreeSet::from(["eu-west-1".to_owned()]), ..Default::default() };
    assert!(matches!(run_to_end(&path, &mut world), Outcome::RolledBack { .. }));
    let rollbacks: Vec<&Action> = world.applied.iter().map(|(_, a)| a).filter(|a| matches!(a, Action::RollBack { .. })).collect();
    assert!(rollbacks.contains(&&Action::RollBack { region: "us-east-1".into() }), "{rollbacks:?}");
}

#[test]
fn transient_failures_are_retried_and_journaled() {
    let path = tmp("flaky");
    let mut world = SimWorld { flaky: 2, ..Default::default() };
    assert_eq!(run_to_end(&path, &mut world), Outcome::Promoted);
    let retries = runner::read(&path).unwrap().iter().filter(|r| matches!(r.entry, Entry::Retry { .. })).count();
    let weight_changes = effects(&world).iter().filter(|a| matches!(a, Action::SetWeight { .. })).count();
    assert_eq!(retries, 2 * weight_changes);
    // Past its attempts, a transient failure ends the rollout, rolled back, saying which action.
    let path = tmp("down");
    let mut world = SimWorld { flaky: 99, ..Default::default() };
    let Outcome::RolledBack { reason } = run_to_end(&path, &mut world) else { panic!("promoted against a dead API") };
    let records = runner::read(&path).unwrap();
    let why = records.iter().rev().find_map(|r| match &r.entry {
        Entry::Result { event: Event::Abort { reason }, .. } => Some(reason.clone()),
        _ => None,
    });
    assert!(why.is_some_and(|w| w.contains("setting us-east-1's weight") && w.contains("503")), "{reason}");
}

#[test]
fn controls_from_another_process_are_honoured_and_journaled_with_their_actor() {
    let path = tmp("abort");
    let clock = JumpClock::at(0);
    let mut world = SimWorld::default();
    let mut r = Runner::start(&plan(), &path, "r2", 1, &clock).unwrap();
    assert_eq!(r.turn(&mut world, &mut (), &clock).unwrap(), None);
    let ops = Actor { user: "oncall".into(), host: "laptop".into(), pid: 4242 };
    let mut controls = Scripted(vec![(Event::Abort { reason: "stop the line".into() }, ops.clone())]);
    let outcome = r.run(&mut world, &mut controls, &clock, 1_000).unwrap();
    assert!(matches!(outcome, Outcome::RolledBack { .. }));
    let records = runner::read(&path).unwrap();
    let control = records.iter().find(|r| matches!(r.entry, Entry::Control { .. })).unwrap();
    assert_eq!(control.actor, ops);
}

/// Cut the journal of a full run after `keep` records; the world as it was
/// then (with the last intent's effect applied or not); resume and finish.
fn crash_and_resume(full: &Path, full_world: &SimWorld, keep: usize, effect_done: bool, torn: bool) -> (Outcome, SimWorld) {
    let text = std::fs::read_to_string(full).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let path = tmp(&format!("cut-{keep}-{effect_done}-{torn}"));
    let mut cut: String = lines[..keep].iter().map(|l| format!("{l}\n")).collect();
    if torn && keep < lines.len() {
        cut.push_str(&lines[keep][..lines[keep].len() / 2]);
    }
    std::fs::write(&path, cut).unwrap();
    let records = runner::read(&path).unwrap();
    assert_eq!(records.len(), keep);
    // What the world had done by then: every effect whose intent was journaled (the last one only if done).
    let last_intent = records.last().and_then(|r| if let Entry::Intent { id, .. } = &r.entry { Some(id.clone()) } else { None });
    let intents: BTreeSet<String> =
        records.iter().filter_map(|r| if let Entry::Intent { id, .. } = &r.entry { Some(id.clone()) } else { None }).collect();
    let mut world = full_world.clone();
    world.applied.retain(|(id, _)| intents.contains(id) && (effect_done || Some(id) != last_intent.as_ref()));
    world.repeats.clear();
    world.attempts.clear();
    let clock = JumpClock::at(records.last().unwrap().at.as_millis());
    let outcome = match Runner::resume(&path, &clock) {
        Ok(mut r) => r.run(&mut world, &mut (), &clock, 1_000).unwrap(),
        // Cut after the last result: the rollout was already over, and says how.
        Err(RunError::Over { outcome, .. }) => outcome,
        Err(e) => panic!("cut after {keep}: {e}"),
    };
    (outcome, world)
}

#[test]
fn cut_off_at_any_record_it_resumes_and_repeats_no_side_effect() {
    for failing in [false, true] {
        let full = tmp(&format!("full-{failing}"));
        let verdicts = if failing { BTreeMap::from([(3, Verdict::Fail)]) } else { BTreeMap::new() };
        let mut world = SimWorld { verdicts: verdicts.clone(), ..Default::default() };
        let expected = run_to_end(&full, &mut world);
        let n = runner::read(&full).unwrap().len();
        assert!(n > 10, "{n}");
        for keep in 1..n {
            for (effect_done, torn) in [(false, false), (true, false), (true, true)] {
                let (outcome, after) = crash_and_resume(&full, &world, keep, effect_done, torn);
                assert_eq!(outcome, expected, "cut after {keep} records (effect done: {effect_done})");
                // The same side effects as the run that never stopped, each once.
                assert_eq!(effects(&after), effects(&world), "cut after {keep} records (effect done: {effect_done}, torn: {torn})");
                let ids: BTreeSet<&String> = after.applied.iter().map(|(i, _)| i).collect();
                assert_eq!(ids.len(), after.applied.len());
            }
        }
    }
}

#[test]
fn a_finished_rollout_is_not_resumed_and_a_torn_journal_is_not_corrupt() {
    let path = tmp("over");
    assert_eq!(run_to_end(&path, &mut SimWorld::default()), Outcome::Promoted);
    let clock = JumpClock::at(0);
    let err = Runner::resume(&path, &clock).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("is over"), "{err}");
    // A line in the middle that does not parse is corruption, named by line.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "{\"seq\": garbage";
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let err = runner::read(&path).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        err.ends_with(&format!(":3: not a journal record: {}", err.split(":3: not a journal record: ").nth(1).unwrap_or("?"))),
        "{err}"
    );
}

#[test]
fn a_second_rollout_of_the_same_app_is_refused_with_who_holds_the_lock() {
    let dir = tmp("lock");
    let path = dir.with_file_name("shop-local.lock");
    let me = Holder { actor: Actor::this_process(), since_ms: 1, rollout: "r1".into() };
    let held = Lock::acquire(&path, &me, false).unwrap();
    let other = Holder { actor: Actor { pid: me.actor.pid + 1, ..me.actor.clone() }, since_ms: 2, rollout: "r2".into() };
    match Lock::acquire(&path, &other, true) {
        Err(LockError::Held { holder, stale: false, .. }) => assert_eq!(holder, me),
        other => panic!("{other:?}"),
    }
    drop(held);
    assert!(Lock::holder(&path).is_none());
    // A lock left by a process that is gone is stale: refused, saying so, unless broken.
    let gone = Holder { actor: Actor { pid: 999_999_999, ..me.actor.clone() }, since_ms: 3, rollout: "r0".into() };
    std::fs::write(&path, serde_json::to_vec(&gone).unwrap()).unwrap();
    let e = Lock::acquire(&path, &me, false).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("rollout r0 holds the lock") && e.contains("stale") && e.contains("--break-lock"), "{e}");
    let _taken = Lock::acquire(&path, &me, true).unwrap();
    assert_eq!(Lock::holder(&path).map(|h| h.rollout), Some("r1".into()));
}

#[test]
fn a_rollback_that_keeps_failing_is_tried_again_until_it_works_never_given_up() {
    let path = tmp("stubborn-rollback");
    let mut world = SimWorld { stubborn: 12, ..Default::default() };
    world.verdicts.insert(1, Verdict::Fail);
    let outcome = run_to_end(&path, &mut world);
    assert!(matches!(outcome, Outcome::RolledBack { .. }), "{outcome:?}");
    let records = runner::read(&path).unwrap();
    let retries = records.iter().filter(|r| matches!(&r.entry, Entry::Retry { action: Action::RollBack { .. }, .. })).count();
    assert!(retries >= 3, "each failed round journaled: {retries}");
    // Every rollback intent for the region kept one ID: the same act, carried out again.
    let ids: BTreeSet<_> = records
        .iter()
        .filter_map(|r| match &r.entry {
            Entry::Intent { action: Action::RollBack { region }, id } if region == "us-east-1" => Some(id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(world.stubborn, 0);
    assert!(effects(&world).iter().any(|a| matches!(a, Action::RollBack { region } if region == "us-east-1")));
}

#[test]
fn a_rollouts_milestones_become_notices_with_one_dedup_key() {
    use lift_core::notify::Kind;
    for (failing, last) in [(false, Kind::RolloutPromoted), (true, Kind::RolloutRolledBack)] {
        let path = tmp(&format!("notices-{failing}"));
        let verdicts = if failing { BTreeMap::from([(3, Verdict::Fail)]) } else { BTreeMap::new() };
        run_to_end(&path, &mut SimWorld { verdicts, ..Default::default() });
        let notices: Vec<_> =
            runner::read(&path).unwrap().iter().filter_map(|r| lift_host::notify::from_rollout("shop", "r1", r)).collect();
        let kinds: Vec<Kind> = notices.iter().map(|n| n.kind).collect();
        assert_eq!(kinds.first(), Some(&Kind::RolloutStarted), "{kinds:?}");
        assert_eq!(kinds.last(), Some(&last), "{kinds:?}");
        let waves: Vec<&str> = notices.iter().filter(|n| n.kind == Kind::RolloutWave).filter_map(|n| n.region.as_deref()).collect();
        assert_eq!(waves, if failing { vec!["us-east-1"] } else { vec!["us-east-1", "eu-west-1"] }, "{notices:?}");
        assert!(notices.iter().all(|n| n.dedup_key == "shop/rollout/r1"));
    }
}
