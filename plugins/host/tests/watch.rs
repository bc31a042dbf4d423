//! The watcher against a simulated world and clock: probes in, a detection,
//! the failover runbook carried out once; and, cut off at every record of its
//! journal (with the last intent's side effect done or not), it resumes and
//! ends with the same side effects, none carried out twice.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly by design")]

use lift_core::App;
use lift_core::recovery::{Action, Event, Probe};
use lift_core::time::Timestamp;
use lift_host::runner::journal::Entry;
use lift_host::runner::wall::JumpClock;
use lift_host::runner::{Clock, WorldError};
use lift_host::watch::{self, Started, Watcher, World};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SPEC: &str = "app: shop\nregions: { primary: r0, standby: [r1] }\n\
recovery: { mode: warm-standby, rto: 1m, rpo: 10s, failback_after: 1h, probe: { interval: 1s, timeout: 1s, failures: 3, successes: 2, quorum: 2/3 } }\n";

/// What the runbook did, by ID, once each.
#[derive(Default, Clone)]
struct SimWorld {
    applied: Vec<(String, Action)>,
    repeats: Vec<String>,
    lag_ms: u64,
}

impl World for SimWorld {
    fn carry_out(&mut self, action: &Action, id: &str, _now: Timestamp) -> Result<Option<Event>, WorldError> {
        let effect =
            !matches!(action, Action::Notify { .. } | Action::AskApproval { .. } | Action::Verify { .. } | Action::CheckReplication { .. });
        if effect {
            if self.applied.iter().any(|(i, _)| i == id) {
                self.repeats.push(id.to_owned());
            } else {
                self.applied.push((id.to_owned(), action.clone()));
            }
        }
        Ok(match action {
            Action::CheckReplication { region } => Some(Event::ReplicationLag { region: region.clone(), lag_ms: Some(self.lag_ms) }),
            Action::Notify { .. } | Action::AskApproval { .. } | Action::UnfreezeDeployments => None,
            _ => Some(Event::StepDone),
        })
    }
}

fn recovery() -> lift_core::spec::Recovery {
    App::from_text(SPEC).unwrap().spec().recovery.clone().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lift-watch-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.jsonl"));
    let _ = std::fs::remove_file(&p);
    p
}

/// r0 fails from every vantage point from second 5 on; r1 always answers.
fn probes_at(second: u64) -> Vec<Probe> {
    let mut out = vec![];
    for v in ["vp-1", "vp-2", "vp-3"] {
        out.push(Probe { region: "r0".into(), vantage: v.into(), ok: second < 5, latency_ms: 20 });
        out.push(Probe { region: "r1".into(), vantage: v.into(), ok: true, latency_ms: 20 });
    }
    out
}

/// Drive the watcher from machine second `from` to `to`: each second's probes, then a turn.
fn drive(w: &mut Watcher, world: &mut SimWorld, clock: &JumpClock, from: u64, to: u64) {
    for s in from..to {
        clock.sleep_until(Timestamp::from_millis(s * 1000), u64::MAX);
        for p in probes_at(s) {
            w.observe(&p, clock).unwrap();
        }
        w.turn(world, &mut (), clock).unwrap();
    }
}

fn header() -> Started {
    Started { watch: "shop-watch".into(), app: "shop".into(), regions: vec!["r0".into(), "r1".into()] }
}

fn effects(w: &SimWorld) -> Vec<String> {
    w.applied.iter().map(|(_, a)| serde_json::to_string(a).unwrap()).collect()
}

#[test]
fn a_failed_primary_is_detected_and_failed_over_once() {
    let path = tmp("full");
    let clock = JumpClock::at(0);
    let mut w = Watcher::start(&recovery(), header(), None, &path, &clock).unwrap();
    let mut world = SimWorld::default();
    drive(&mut w, &mut world, &clock, 0, 30);
    let st = w.status();
    assert_eq!(st.active, "r1");
    let shifts: Vec<&Action> = world.applied.iter().map(|(_, a)| a).filter(|a| matches!(a, Action::ShiftTraffic { .. })).collect();
    assert_eq!(shifts, [&Action::ShiftTraffic { weights: vec![("r1".into(), 1_000_000)] }]);
    let incident = &st.ledger[0];
    // Detected on the third failed probe of a quorum, at most one detection bound after the first.
    assert_eq!(incident.first_failure_at, Timestamp::from_millis(5_000));
    assert!(incident.detected_at.as_millis() - 5_000 <= 3_000, "{incident:?}");
    assert_eq!(incident.outcome, "recovered within the objectives");
    assert!(world.repeats.is_empty());
}

fn crash_and_resume(full: &Path, full_world: &SimWorld, keep: usize, effect_done: bool) -> SimWorld {
    let text = std::fs::read_to_string(full).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let path = tmp(&format!("cut-{keep}-{effect_done}"));
    std::fs::write(&path, lines[..keep].iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let records = watch::read(&path).unwrap();
    let last_intent = records.last().and_then(|r| if let Entry::Intent { id, .. } = &r.entry { Some(id.clone()) } else { None });
    let intents: BTreeSet<String> =
        records.iter().filter_map(|r| if let Entry::Intent { id, .. } = &r.entry { Some(id.clone()) } else { None }).collect();
    let mut world = full_world.clone();
    world.applied.retain(|(id, _)| intents.contains(id) && (effect_done || Some(id) != last_intent.as_ref()));
    world.repeats.clear();
    let at = records.last().unwrap().at.as_millis();
    let clock = JumpClock::at(at);
    let (mut w, h) = Watcher::resume(&recovery(), &path, &clock).unwrap();
    assert_eq!(h, header());
    drive(&mut w, &mut world, &clock, at / 1000 + 1, 40);
    assert_eq!(w.status().active, "r1", "cut after {keep} records");
    world
}

#[test]
fn cut_off_at_any_record_it_resumes_and_repeats_no_side_effect() {
    let full = tmp("full-for-cuts");
    let clock = JumpClock::at(0);
    let mut w = Watcher::start(&recovery(), header(), None, &full, &clock).unwrap();
    let mut world = SimWorld::default();
    drive(&mut w, &mut world, &clock, 0, 40);
    let n = watch::read(&full).unwrap().len();
    assert!(n > 8, "{n}");
    for keep in 1..n {
        for effect_done in [false, true] {
            let after = crash_and_resume(&full, &world, keep, effect_done);
            assert_eq!(effects(&after), effects(&world), "cut after {keep} records (effect done: {effect_done})");
            assert!(after.repeats.is_empty() || effect_done, "a repeat is only the owed step, under its first ID");
            let ids: BTreeSet<&String> = after.applied.iter().map(|(i, _)| i).collect();
            assert_eq!(ids.len(), after.applied.len());
        }
    }
}

#[test]
fn a_lag_over_the_rpo_waits_for_a_person_who_says_yes() {
    let path = tmp("lag");
    let clock = JumpClock::at(0);
    let mut w = Watcher::start(&recovery(), header(), None, &path, &clock).unwrap();
    let mut world = SimWorld { lag_ms: 60_000, ..Default::default() };
    drive(&mut w, &mut world, &clock, 0, 20);
    assert_eq!(w.status().phase, "awaiting approval");
    assert_eq!(w.status().active, "r0");
    assert!(!world.applied.iter().any(|(_, a)| matches!(a, Action::ShiftTraffic { .. })));
    let ops = lift_host::runner::Actor { user: "ops".into(), host: "desk".into(), pid: 1 };
    let mut yes = vec![(Event::Approve, ops.clone())];
    w.turn(&mut world, &mut Words(&mut yes), &clock).unwrap();
    drive(&mut w, &mut world, &clock, 20, 30);
    assert_eq!(w.status().active, "r1");
    let records = watch::read(&path).unwrap();
    assert!(records.iter().any(|r| matches!(&r.entry, Entry::Control { event: Event::Approve }) && r.actor == ops));
}

struct Words<'a>(&'a mut Vec<(Event, lift_host::runner::Actor)>);

impl lift_host::runner::Controls<Event> for Words<'_> {
    fn take(&mut self) -> Vec<(Event, lift_host::runner::Actor)> {
        std::mem::take(self.0)
    }
}

#[test]
fn a_failover_becomes_a_page_and_its_question_another_with_the_lag() {
    use lift_core::notify::{Kind, Severity};
    let path = tmp("notices");
    let clock = JumpClock::at(0);
    let mut w = Watcher::start(&recovery(), header(), None, &path, &clock).unwrap();
    let mut world = SimWorld { lag_ms: 60_000, ..Default::default() };
    drive(&mut w, &mut world, &clock, 0, 20);
    let ops = lift_host::runner::Actor { user: "ops".into(), host: "desk".into(), pid: 1 };
    w.turn(&mut world, &mut Words(&mut vec![(Event::Approve, ops)]), &clock).unwrap();
    drive(&mut w, &mut world, &clock, 20, 30);
    let notices: Vec<_> = watch::read(&path).unwrap().iter().filter_map(|r| lift_host::notify::from_watch("shop", r)).collect();
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert_eq!((notices[0].kind, notices[0].severity), (Kind::Failover, Severity::Page));
    assert!(notices[0].text.contains("over the RPO") && notices[0].evidence[0].contains("60000"), "{:?}", notices[0]);
    assert!(notices[1].title.starts_with("shop: failed over from r0 to r1"), "{:?}", notices[1]);
    assert_eq!(notices[0].dedup_key, notices[1].dedup_key, "one incident, one key");
}

/// The health changes journaled at `path`, as `(region, "up"|"down")`.
fn health_changes(path: &Path) -> Vec<(String, &'static str)> {
    use lift_core::recovery::Health;
    watch::read(path)
        .unwrap()
        .iter()
        .filter_map(|r| match &r.entry {
            Entry::Result { event: Event::Health(t), .. } => Some((t.region.clone(), if t.to == Health::Up { "up" } else { "down" })),
            _ => None,
        })
        .collect()
}

#[test]
fn resumed_it_remembers_a_region_down_and_sees_it_come_back() {
    let path = tmp("down-then-resume");
    let clock = JumpClock::at(0);
    let mut w = Watcher::start(&recovery(), header(), None, &path, &clock).unwrap();
    let mut world = SimWorld::default();
    drive(&mut w, &mut world, &clock, 0, 30);
    assert_eq!(health_changes(&path), [("r0".to_owned(), "down")]);
    drop(w);
    // A restart while r0 still fails: nothing new to say about it.
    let clock = JumpClock::at(30_000);
    let (mut w, _) = Watcher::resume(&recovery(), &path, &clock).unwrap();
    drive(&mut w, &mut world, &clock, 31, 40);
    assert_eq!(health_changes(&path), [("r0".to_owned(), "down")], "a region known down is not found down again");
    drop(w);
    // Another restart, and r0 answers again: two good probes in a row from a quorum bring it back.
    let clock = JumpClock::at(40_000);
    let (mut w, _) = Watcher::resume(&recovery(), &path, &clock).unwrap();
    for s in 41..45u64 {
        clock.sleep_until(Timestamp::from_millis(s * 1000), u64::MAX);
        for v in ["vp-1", "vp-2", "vp-3"] {
            for r in ["r0", "r1"] {
                w.observe(&Probe { region: r.into(), vantage: v.into(), ok: true, latency_ms: 20 }, &clock).unwrap();
            }
        }
        w.turn(&mut world, &mut (), &clock).unwrap();
    }
    assert_eq!(health_changes(&path), [("r0".to_owned(), "down"), ("r0".to_owned(), "up")]);
    assert!(w.status().health.iter().all(|(_, up)| *up), "{:?}", w.status());
    assert!(world.repeats.is_empty());
}
