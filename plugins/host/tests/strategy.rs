//! Strategy plugins in the core's rollout machine: the shipped business-hours
//! strategy judging real gates, and a hostile one whose failures become a
//! person's decision instead of the host's crash.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly by design")]

mod common;

use common::{hostile, shipped};
use lift_core::App;
use lift_core::machine::Machine;
use lift_core::rollout::{Event, GatePolicy, Next, Outcome, Rollout, RolloutAction as Action, Verdict, View};
use lift_core::spec::NoData;
use lift_core::time::{Duration, Timestamp};
use lift_host::{Host, WasmStrategy};
use std::collections::BTreeMap;

/// Tuesday 2026-12-01 10:00 UTC, and Saturday 2026-12-05 10:00 UTC.
const TUESDAY_10: u64 = 1_796_119_200_000;
const SATURDAY_10: u64 = TUESDAY_10 + 4 * 86_400_000;

fn strategy(path: std::path::PathBuf) -> WasmStrategy {
    let host = Host::new(None).unwrap();
    WasmStrategy::new(&host.load(&path).unwrap()).unwrap()
}

fn view(verdict: Verdict, evidence: &str, failures_in_a_row: u32, now: u64) -> View {
    View {
        step: 0,
        steps: 3,
        wave: 0,
        weights: BTreeMap::from([("us-east-1".to_string(), 100_000)]),
        verdict,
        evidence: evidence.into(),
        failures_in_a_row,
        errors_in_a_row: 0,
        failure_limit: 2,
        error_limit: 3,
        no_data: NoData::Wait,
        now: Timestamp::from_millis(now),
    }
}

#[test]
fn business_hours_promotes_on_weekdays_and_asks_on_weekends() {
    let s = strategy(shipped("business-hours"));
    assert_eq!(s.name(), "business-hours");
    let pass = |now| view(Verdict::Pass, "error rate 0.01%", 0, now);
    assert!(matches!(s.decide(&pass(TUESDAY_10)).unwrap(), Next::Continue { why } if why.contains("inside business hours")));
    assert!(matches!(s.decide(&pass(SATURDAY_10)).unwrap(), Next::AskPerson { why } if why.contains("outside business hours")));
    assert!(matches!(s.decide(&pass(TUESDAY_10 + 8 * 3_600_000)).unwrap(), Next::AskPerson { .. }), "18:00 is after hours");
    // A failure rolls back whatever the hour, once the limit is reached.
    assert!(matches!(s.decide(&view(Verdict::Fail, "error rate 5%", 1, SATURDAY_10)).unwrap(), Next::RollBack { .. }));
    assert!(matches!(s.decide(&view(Verdict::Fail, "", 0, SATURDAY_10)).unwrap(), Next::Retry { failed: true, .. }));
}

/// Drive the shop's rollout to its end with a policy; every gate reports `verdict` with `evidence`.
fn drive(policy: &dyn GatePolicy, evidence: &str, start: u64) -> (Vec<String>, Outcome) {
    let plan = App::from_text(&std::fs::read_to_string(common::root().join("examples/shop/lift.yaml")).unwrap()).unwrap().plan().unwrap();
    let mut m = Rollout::new(&plan);
    let (mut now, mut asked) = (Timestamp::from_millis(start), vec![]);
    for _ in 0..10_000 {
        let mut events = vec![];
        while let Some(action) = m.poll(now) {
            match action {
                Action::Deploy { region } => events.push(Event::Deployed { region }),
                Action::SetWeight { region, weight_ppm } => events.push(Event::WeightSet { region, weight_ppm }),
                Action::RunGate { step, .. } => events.push(Event::Gate { step, verdict: Verdict::Pass, evidence: evidence.into() }),
                Action::RollBack { region } => events.push(Event::RolledBack { region }),
                Action::AskApproval { reason, .. } => {
                    asked.push(reason);
                    events.push(Event::Approve);
                }
                Action::Finish { outcome } => return (asked, outcome),
            }
        }
        for e in events {
            m.handle_with(e, now, policy);
        }
        now = m.next_deadline().map_or(now + Duration::from_secs(1), |t| t.max(now));
    }
    panic!("the rollout did not finish");
}

#[test]
fn a_plugin_strategy_runs_the_shop_rollout_asking_on_a_saturday() {
    let s = strategy(shipped("business-hours"));
    let (asked, outcome) = drive(&s, "ok", TUESDAY_10);
    assert!(matches!(outcome, Outcome::Promoted), "{outcome:?}");
    assert!(asked.iter().all(|r| !r.contains("business hours")), "only the plan's own approvals: {asked:?}");
    let (asked, outcome) = drive(&s, "ok", SATURDAY_10);
    assert!(matches!(outcome, Outcome::Promoted), "approved each time: {outcome:?}");
    assert!(asked.iter().filter(|r| r.contains("outside business hours")).count() >= 2, "{asked:?}");
}

#[test]
fn a_hostile_strategy_rolls_the_rollout_back_naming_the_plugin_and_the_limit() {
    let s = strategy(hostile("hostile-strategy"));
    let (asked, outcome) = drive(&s, "loop", 0);
    let Outcome::RolledBack { reason } = &outcome else { panic!("a strategy that cannot decide rolls back: {outcome:?}") };
    assert!(reason.contains("plugin `hostile-strategy` hit its fuel budget of 200000000 units in `decide`; rolling back"), "{reason}");
    assert!(asked.is_empty(), "nobody is asked in its place: {asked:?}");
    for (evidence, says) in [("mute", "a decision needs a reason"), ("forever", "outside 1 ms to 24 h")] {
        let e = s.decide(&view(Verdict::Pass, evidence, 0, 0)).unwrap_err().to_string();
        assert!(e.contains("returned malformed data from `decide`") && e.contains(says), "{e}");
    }
    assert!(matches!(s.decide(&view(Verdict::Pass, "calm", 0, 0)).unwrap(), Next::Continue { .. }), "and it still answers");
}
