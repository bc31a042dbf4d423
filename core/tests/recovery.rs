//! Invariants of the failure detector, over random probe streams.

#![allow(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, reason = "tests fail loudly by design")]

use lift_core::App;
use lift_core::machine::Machine;
use lift_core::time::Timestamp;

fn ts(ms: u64) -> Timestamp {
    Timestamp::from_millis(ms)
}
use lift_core::recovery::{Detector, Health, Probe, ProbeConfig, Transition};
use proptest::prelude::*;

fn config(failures: u32, successes: u32) -> ProbeConfig {
    ProbeConfig {
        interval_ms: 1000,
        timeout_ms: 2000,
        failures,
        successes,
        quorum: 2,
        vantage_points: vec!["a".into(), "b".into(), "c".into()],
        slow_ms: None,
    }
}

/// Run rounds of probes (one per vantage point per second); `ok(round, vantage)` says which succeed.
fn run(cfg: &ProbeConfig, rounds: u64, ok: impl Fn(u64, usize) -> bool) -> Vec<Transition> {
    let mut d = Detector::new(cfg.clone(), &["r1".into(), "r2".into()]);
    let mut out = vec![];
    for round in 0..rounds {
        for (i, vp) in cfg.vantage_points.iter().enumerate() {
            let probe = Probe { region: "r1".into(), vantage: vp.clone(), ok: ok(round, i), latency_ms: 10 };
            out.extend(d.observe(&probe, ts(round * cfg.interval_ms + i as u64)));
        }
    }
    out
}

proptest! {
    /// Whatever one vantage point sees, a region never goes down on its word alone.
    #[test]
    fn one_vantage_point_never_decides(pattern in prop::collection::vec(any::<bool>(), 1..300), failures in 1u32..5, successes in 1u32..5) {
        let cfg = config(failures, successes);
        let t = run(&cfg, pattern.len() as u64, |round, vp| vp != 1 || pattern[round as usize]);
        prop_assert!(t.is_empty(), "{:?}", t);
    }

    /// A total outage is detected within interval x failures + timeout of its first failed probe.
    #[test]
    fn outages_are_detected_within_the_bound(start in 0u64..50, failures in 1u32..6, successes in 1u32..6) {
        let cfg = config(failures, successes);
        let t = run(&cfg, start + 30, |round, _| round < start);
        let down = t.iter().find(|t| t.to == Health::Down).unwrap();
        prop_assert!((down.at - down.first_sign_at).as_millis() <= cfg.detection_bound_ms(), "{:?} bound {}", down, cfg.detection_bound_ms());
        prop_assert_eq!(down.first_sign_at, ts(start * 1000));
    }

    /// Flapping probes move a region at most once per `failures` (down) or `successes` (up) rounds.
    #[test]
    fn no_flapping_beyond_the_hysteresis(pattern in prop::collection::vec(any::<bool>(), 1..400), failures in 1u32..5, successes in 1u32..5) {
        let cfg = config(failures, successes);
        let t = run(&cfg, pattern.len() as u64, |round, _| pattern[round as usize]);
        for pair in t.windows(2) {
            let need = if pair[1].to == Health::Down { failures } else { successes };
            prop_assert!((pair[1].at - pair[0].at).as_millis() >= u64::from(need - 1) * 1000, "{:?}", pair);
            prop_assert_ne!(pair[0].to, pair[1].to);
        }
    }
}

use lift_core::recovery::{Action, Event, Failover};

/// A scripted drill: probes every second from three vantage points; `down(region, second)` says
/// which fail. The host takes `step_s` seconds per runbook step and reports `lag_ms` of replication.
fn scripted(yaml: &str, seconds: u64, step_s: u64, lag_ms: u64, down: impl Fn(&str, u64) -> bool) -> (Drill, Vec<(u64, Action)>) {
    let spec = format!("app: t\nregions: {{ primary: us-east-1, standby: [us-west-2] }}\nrecovery: {yaml}\n");
    let app = App::from_text(&spec).unwrap();
    assert!(app.validate().iter().all(|d| d.severity != lift_core::Severity::Error), "{:?}", app.validate());
    let recovery = app.spec().recovery.clone().unwrap();
    let fails = |region: &str, _vp: usize, t: u64| down(region, t / 1000);
    let script = Script { fails: &fails, changes: None, lag_ms, step_ms: step_s * 1000 };
    let d = lift_core::recovery::run(&recovery, &app.regions(), &script, seconds * 1000);
    for (_, a) in &d.actions {
        if let Action::ShiftTraffic { weights } = a {
            assert!(!weights.is_empty() && weights.iter().map(|w| w.1).sum::<u32>() > 0, "no region would serve: {a:?}");
        }
    }
    let log = d.actions.iter().map(|(t, a)| (t / 1000, a.clone())).collect();
    (d, log)
}

#[test]
fn a_warm_standby_fails_over_within_its_rto_and_records_it() {
    let (f, log) = scripted("{ mode: warm-standby, rto: 2m, rpo: 1s }", 300, 5, 300, |r, s| r == "us-east-1" && (60..240).contains(&s));
    let i = &f.ledger[0];
    // First failed probe at 60 s; three in a row from a quorum: detected at 62 s.
    assert_eq!((i.first_failure_at, i.detected_at), (ts(60_000), ts(62_000)), "{i:?}");
    // Freeze, replication checked, promote, shift, verify: each host step 5 s.
    assert_eq!(i.to, "us-west-2");
    assert!(i.shifted_at.unwrap() < i.healthy_at.unwrap());
    assert_eq!(i.data_loss_ms, Some(300));
    assert!(i.rto_ms.unwrap() <= 120_000 && i.met() == Some(true), "{i:?}");
    let kinds: Vec<&str> = log
        .iter()
        .map(|(_, a)| match a {
            Action::FreezeDeployments { .. } => "freeze",
            Action::CheckReplication { .. } => "check",
            Action::PromoteData { .. } => "promote",
            Action::ShiftTraffic { .. } => "shift",
            Action::Verify { .. } => "verify",
            Action::Notify { .. } => "notify",
            Action::UnfreezeDeployments => "unfreeze",
            _ => "other",
        })
        .collect();
    assert_eq!(&kinds[..7], ["freeze", "check", "promote", "shift", "verify", "notify", "unfreeze"], "{log:?}");
    assert_eq!(f.active, "us-west-2");
}

#[test]
fn over_the_rpo_a_person_decides() {
    let (f, log) = scripted("{ mode: pilot-light, rto: 5m, rpo: 1s }", 120, 2, 5_000, |r, s| r == "us-east-1" && s >= 30);
    assert!(log.iter().any(|(_, a)| matches!(a, Action::AskApproval { reason, evidence } if reason.contains("5000 ms") && evidence.measurements[0].value == Some(5000.0) && evidence.measurements[0].threshold == Some(1000.0))), "{log:?}");
    // Nobody answered: traffic stays until someone does.
    assert_eq!(f.active, "us-east-1");
}

#[test]
fn the_primary_takes_traffic_back_after_being_healthy_long_enough() {
    let (f, log) = scripted("{ mode: warm-standby, failback_after: 2m }", 600, 2, 0, |r, s| r == "us-east-1" && (30..200).contains(&s));
    let shifts: Vec<&(u64, Action)> = log.iter().filter(|(_, a)| matches!(a, Action::ShiftTraffic { .. })).collect();
    // Away, then home in two steps (10%, then all).
    assert_eq!(shifts.len(), 3, "{log:?}");
    assert!(shifts[1].0 >= 200 + 120, "failback came too early: {shifts:?}");
    assert_eq!(f.active, "us-east-1");
}

#[test]
fn recovery_needs_somewhere_to_go_and_a_sane_quorum() {
    let diags = App::from_text("app: t\nregions: { primary: us-east-1 }\nrecovery: { probe: { quorum: 1/2 } }\n").unwrap().validate();
    assert!(diags.iter().any(|d| d.pointer == "/regions/standby" && d.message.contains("needs a standby")), "{diags:?}");
    assert!(diags.iter().any(|d| d.pointer == "/recovery/probe" && d.message.contains("not a majority")), "{diags:?}");
    // A quorum is read when the spec is: one that does not read `k/n` is refused where it is written.
    let refused = App::from_text("app: t\nregions: { primary: us-east-1, standby: [eu-west-1] }\nrecovery: { probe: { quorum: three } }\n")
        .err()
        .unwrap();
    assert!(refused.iter().any(|d| d.pointer == "/recovery/probe/quorum" && d.location.is_some_and(|l| l.line == 3)), "{refused:?}");
    for bad in ["0/3", "4/3", "9/17"] {
        let text =
            format!("app: t\nregions: {{ primary: us-east-1, standby: [eu-west-1] }}\nrecovery: {{ probe: {{ quorum: '{bad}' }} }}\n");
        assert!(App::from_text(&text).is_err(), "{bad}");
    }
    let diags =
        App::from_text("app: t\nregions: { primary: us-east-1, standby: [eu-west-1] }\nrecovery: { rto: 2s }\n").unwrap().validate();
    assert!(diags.iter().any(|d| d.pointer == "/recovery/rto" && d.message.contains("shorter than detection")), "{diags:?}");
}

#[test]
fn the_probe_path_must_be_a_route_and_answers_without_signing() {
    let spec = |routes: &str| {
        format!(
            "app: t\nregions: {{ primary: us-east-1, standby: [eu-west-1] }}\nfunctions: {{ api: {{ runtime: python3.12, handler: a.h, code: ./src }} }}\nhttp: {{ auth: iam, routes: {{ {routes} }} }}\nrecovery: {{ probe: {{ path: /healthz }} }}\n"
        )
    };
    let missing = App::from_text(&spec("\"GET /orders\": api")).unwrap().validate();
    let warned: Vec<_> = missing.iter().filter(|d| d.pointer == "/recovery/probe/path").collect();
    assert_eq!(warned.len(), 1, "{missing:?}");
    assert!(!warned[0].is_error() && warned[0].message.contains("`GET /healthz`, which is not a route"), "{warned:?}");
    let app = App::from_text(&spec("\"GET /orders\": api, \"GET /healthz\": api")).unwrap();
    assert!(!app.validate().iter().any(|d| d.pointer == "/recovery/probe/path"));
    // Route 53's health checkers cannot sign: that one route is open, the others keep IAM.
    let (template, _) = app.template("us-east-1").unwrap();
    let auth = |key: &str| {
        template["Resources"].as_object().unwrap().values().find(|r| r["Properties"]["RouteKey"] == key).unwrap()["Properties"]["AuthorizationType"]
            .clone()
    };
    assert_eq!(auth("GET /healthz"), "NONE");
    assert_eq!(auth("GET /orders"), "AWS_IAM");
}

use lift_core::recovery::{Drill, Scenario, Script, drill};

fn shop_drill(scenario: Scenario) -> lift_core::recovery::Drill {
    let spec = "app: t\nregions: { primary: us-east-1, standby: [us-west-2] }\nrecovery: { mode: warm-standby, rto: 2m, rpo: 5s, probe: { interval: 1s, failures: 3, quorum: 2/3 } }\n";
    let app = App::from_text(spec).unwrap();
    let regions = app.regions().to_vec();
    drill(app.spec().recovery.as_ref().unwrap(), &regions, scenario, 3_600_000)
}

#[test]
fn every_drill_scenario_keeps_its_promises() {
    let outage = shop_drill(Scenario::RegionOutage);
    let i = &outage.ledger[0];
    assert!((i.detected_at - i.first_failure_at).as_millis() <= outage.detection_bound_ms, "{}", outage.to_text());
    assert_eq!(i.met(), Some(true), "{}", outage.to_text());
    // The primary came back after ten minutes and took traffic back after 30 healthy ones.
    assert_eq!(outage.active, "us-east-1", "{}", outage.to_text());
    assert!(
        outage.timeline.iter().any(|(t, what)| what.starts_with("notify: failed back") && *t > 11 * 60_000 + 30 * 60_000),
        "{}",
        outage.to_text()
    );
    // One vantage point cut off, or probes flapping faster than the threshold: no failover.
    for quiet in [Scenario::Partial, Scenario::Flapping] {
        let d = shop_drill(quiet);
        assert!(d.ledger.is_empty() && d.active == "us-east-1", "{}", d.to_text());
    }
    // Replication lag beyond the RPO: a person is asked before any data is promoted.
    let lag = shop_drill(Scenario::ReplicationLag);
    assert!(lag.timeline.iter().any(|(_, t)| t.starts_with("ask a person")), "{}", lag.to_text());
    assert!(!lag.timeline.iter().any(|(_, t)| t.starts_with("promote")), "{}", lag.to_text());
}

#[test]
fn a_month_long_drill_skips_what_cannot_change() {
    let spec = format!(
        "app: t\nregions: {{ primary: r0, standby: [{}] }}\nrecovery: {{ probe: {{ interval: 1s }} }}\n",
        (1..20).map(|i| format!("r{i}")).collect::<Vec<_>>().join(", ")
    );
    let app = App::from_text(&spec).unwrap();
    let regions = app.regions().to_vec();
    assert_eq!(regions.len(), 20);
    let d = drill(app.spec().recovery.as_ref().unwrap(), &regions, Scenario::RegionOutage, 30 * 86_400_000);
    // 30 days of 1-second probes from 3 vantage points in 20 regions would be 155 million results.
    assert!(d.probes_evaluated < 200_000, "{}", d.probes_evaluated);
    assert_eq!(d.ledger.len(), 1);
    // Back home after the primary's 30 healthy minutes.
    assert_eq!(d.active, "r0", "{}", d.to_text());
}

fn any_event(regions: usize) -> impl Strategy<Value = Event> {
    let region = (0..regions).prop_map(|i| format!("r{i}"));
    prop_oneof![
        4 => (region.clone(), any::<bool>(), prop::bool::weighted(0.1)).prop_map(|(region, down, fail_open)| Event::Health(Transition {
            region,
            to: if down { Health::Down } else { Health::Up },
            at: Timestamp::ZERO,
            first_sign_at: Timestamp::ZERO,
            fail_open,
            evidence: String::new(),
        })),
        3 => Just(Event::StepDone),
        1 => Just(Event::StepFailed { reason: "boom".into() }),
        1 => (region.clone(), 0u64..10_000_000).prop_map(|(region, lag_ms)| Event::ReplicationLag { region, lag_ms: (lag_ms % 7 != 0).then_some(lag_ms) }),
        1 => Just(Event::Approve),
        1 => Just(Event::Deny),
        1 => any::<bool>().prop_map(|active| Event::Rollout { active }),
        1 => (region.clone(), 0u64..5_000_000).prop_map(|(region, until)| Event::Pin { region, until: ts(until) }),
        1 => (region, 0u64..5_000_000).prop_map(|(region, until)| Event::Drain { region, until: ts(until) }),
    ]
}

proptest! {
    /// Whatever happens, every traffic shift leaves at least one region serving, never
    /// one the machine last heard was down, and traffic is always on a known region.
    #[test]
    fn a_failover_never_leaves_zero_regions_serving(
        mode in prop::sample::select(vec!["backup-restore", "pilot-light", "warm-standby", "active-active"]),
        events in prop::collection::vec((any_event(3), 0u64..60_000), 1..200),
    ) {
        let spec = format!("app: t\nregions: {{ primary: r0, standby: [r1, r2] }}\nrecovery: {{ mode: {mode}, failback_after: 1m }}\n");
        let app = App::from_text(&spec).unwrap();
        let regions = app.regions().to_vec();
        let mut f = Failover::new(app.spec().recovery.as_ref().unwrap(), &regions);
        let mut down: std::collections::BTreeSet<String> = Default::default();
        let mut now = 0;
        for (event, gap) in events {
            now += gap;
            if let Event::Health(t) = &event {
                if t.to == Health::Down { down.insert(t.region.clone()); } else { down.remove(&t.region); }
            }
            f.handle(event, ts(now));
            while let Some(a) = f.poll(ts(now)) {
                if let Action::ShiftTraffic { weights } = &a {
                    prop_assert!(weights.iter().any(|(_, w)| *w > 0), "{:?}", a);
                    prop_assert!(weights.iter().all(|(r, _)| regions.contains(r)), "{:?}", a);
                    prop_assert!(weights.iter().all(|(r, _)| !down.contains(r)), "shifted to a region known down: {:?} (down: {:?})", a, down);
                }
            }
            prop_assert!(regions.iter().any(|r| r == f.active()));
        }
    }
}

fn health(region: &str, to: Health, at: u64) -> Event {
    Event::Health(Transition { region: region.into(), to, at: ts(at), first_sign_at: ts(at), fail_open: false, evidence: "test".into() })
}

fn until_steady(f: &mut Failover, now: u64) -> Vec<Action> {
    let mut out = vec![];
    for _ in 0..20 {
        while let Some(a) = f.poll(ts(now)) {
            out.push(a);
        }
        f.handle(Event::StepDone, ts(now));
    }
    out
}

#[test]
fn a_pin_outranks_the_detector_until_it_expires() {
    let app = App::from_text("app: t\nregions: { primary: r0, standby: [r1] }\nrecovery: {}\n").unwrap();
    let mut f = Failover::new(app.spec().recovery.as_ref().unwrap(), &app.regions());
    f.handle(Event::Pin { region: "r0".into(), until: ts(60_000) }, ts(0));
    f.handle(health("r0", Health::Down, 1_000), ts(1_000));
    let held = until_steady(&mut f, 1_000);
    assert!(held.iter().any(|a| matches!(a, Action::Notify { message } if message.contains("pinned"))), "{held:?}");
    assert!(!held.iter().any(|a| matches!(a, Action::ShiftTraffic { .. })) && f.active() == "r0");
    // The pin expires with r0 still down: the held failure starts the failover.
    let moved = until_steady(&mut f, 60_000);
    assert!(moved.iter().any(|a| matches!(a, Action::ShiftTraffic { weights } if weights[0].0 == "r1")), "{moved:?}");
    assert_eq!((f.active(), f.ledger().len()), ("r1", 1));
}

#[test]
fn a_drain_moves_traffic_away_as_a_planned_change() {
    let app = App::from_text("app: t\nregions: { primary: r0, standby: [r1, r2] }\nrecovery: {}\n").unwrap();
    let mut f = Failover::new(app.spec().recovery.as_ref().unwrap(), &app.regions());
    // r1 drained: a failure of r0 goes to r2.
    f.handle(Event::Drain { region: "r1".into(), until: ts(600_000) }, ts(0));
    f.handle(health("r0", Health::Down, 1_000), ts(1_000));
    until_steady(&mut f, 1_000);
    assert_eq!(f.active(), "r2");
    // Draining the active region moves traffic on (r1 is drained too: to r0), and is no incident.
    f.handle(health("r0", Health::Up, 2_000), ts(2_000));
    f.handle(Event::Drain { region: "r2".into(), until: ts(600_000) }, ts(2_000));
    let moved = until_steady(&mut f, 2_000);
    assert!(moved.iter().any(|a| matches!(a, Action::ShiftTraffic { .. })), "{moved:?}");
    assert_eq!((f.active(), f.ledger().len()), ("r0", 1));
}

#[test]
fn a_paging_slo_in_the_serving_region_fails_it_over_when_asked() {
    let spec = "app: t\nregions: { primary: r0, standby: [r1] }\nslos:\n  availability: { objective: 99.9% }\nrecovery: { fail_on_slo: [availability] }\n";
    let app = App::from_text(spec).unwrap();
    let mut f = Failover::new(app.spec().recovery.as_ref().unwrap(), &app.regions());
    // An SLO not listed, or a page in a region not serving, moves nothing.
    f.handle(Event::Slo { region: "r0".into(), slo: "latency".into(), paging: true, evidence: Default::default() }, ts(0));
    f.handle(Event::Slo { region: "r1".into(), slo: "availability".into(), paging: true, evidence: Default::default() }, ts(0));
    assert!(until_steady(&mut f, 0).iter().all(|a| !matches!(a, Action::ShiftTraffic { .. })));
    f.handle(Event::Slo { region: "r0".into(), slo: "availability".into(), paging: true, evidence: "14.4x over 1h".into() }, ts(1_000));
    let moved = until_steady(&mut f, 1_000);
    assert!(
        moved.iter().any(|a| matches!(a, Action::Notify { message } if message.contains("SLO availability paging in r0"))),
        "{moved:?}"
    );
    assert_eq!(f.active(), "r1");
    let bad = App::from_text("app: t\nregions: { primary: r0, standby: [r1] }\nslos:\n  availability: { objective: 99% }\nrecovery: { fail_on_slo: [availabilty] }\n").unwrap().validate();
    assert!(
        bad.iter().any(|d| d.pointer == "/recovery/fail_on_slo/0" && d.hint.as_deref() == Some("did you mean `availability`?")),
        "{bad:?}"
    );
}

#[test]
fn route53_sends_the_apps_name_to_the_healthy_region() {
    let spec = |mode: &str| {
        format!(
            "app: t\nregions: {{ primary: us-east-1, standby: [eu-west-1, ap-south-1] }}\nfunctions:\n  api: {{ runtime: python3.12, handler: app.handler, code: {{ bucket: b, key: k.zip }} }}\nhttp:\n  routes: {{ 'GET /': api }}\nrecovery: {{ mode: {mode}, probe: {{ path: /ping, interval: 1s, failures: 3 }}, dns: {{ zone_id: Z123, name: api.t.example.com }} }}\n"
        )
    };
    let record = |mode: &str, region: &str| -> Option<serde_json::Value> {
        let app = App::from_text(&spec(mode)).unwrap();
        let text = app.synth(region, lift_core::Format::CloudFormationJson).unwrap().text;
        let t: serde_json::Value = serde_json::from_str(&text).unwrap();
        t["Resources"].get("DnsRecord").map(|r| r["Properties"].clone())
    };
    let primary = record("warm-standby", "us-east-1").unwrap();
    assert_eq!((primary["Failover"].as_str(), primary["SetIdentifier"].as_str()), (Some("PRIMARY"), Some("us-east-1")));
    assert_eq!(primary["AliasTarget"]["DNSName"], serde_json::json!({ "Fn::GetAtt": ["ApiDomain", "RegionalDomainName"] }));
    assert_eq!(record("warm-standby", "eu-west-1").unwrap()["Failover"], "SECONDARY");
    // Failover routing has one secondary; the failover machine reaches later standbys.
    assert!(record("warm-standby", "ap-south-1").is_none());
    // Active-active: every region weighted equally.
    for region in ["us-east-1", "eu-west-1", "ap-south-1"] {
        assert_eq!(record("active-active", region).unwrap()["Weight"], 1);
    }
    // The health check probes the region's own endpoint, on the spec's path.
    let app = App::from_text(&spec("warm-standby")).unwrap();
    let t: serde_json::Value = serde_json::from_str(&app.synth("us-east-1", lift_core::Format::CloudFormationJson).unwrap().text).unwrap();
    let check = &t["Resources"]["RegionHealthCheck"]["Properties"]["HealthCheckConfig"];
    assert_eq!(
        (check["ResourcePath"].as_str(), check["RequestInterval"].as_i64(), check["FailureThreshold"].as_i64()),
        (Some("/ping"), Some(10), Some(3))
    );
}

#[test]
fn a_restarted_host_re_drives_the_runbook_step_in_flight() {
    let spec = "app: t\nregions: { primary: r0, standby: [r1] }\nrecovery: { mode: warm-standby, rpo: 1s }\n";
    let app = App::from_text(spec).unwrap();
    let mut f = Failover::new(app.spec().recovery.as_ref().unwrap(), &app.regions());
    assert!(f.outstanding().is_empty());
    f.handle(health("r0", Health::Down, 1_000), ts(1_000));
    let first = f.poll(ts(1_000)).unwrap();
    assert!(matches!(first, Action::FreezeDeployments { .. }), "{first:?}");
    // The host dies before confirming the freeze: from the journal, the same step again.
    let mut back: Failover = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
    assert_eq!(back.outstanding(), vec![first]);
    back.handle(Event::StepDone, ts(2_000));
    let check = back.poll(ts(2_000)).unwrap();
    assert!(matches!(check, Action::CheckReplication { ref region } if region == "r1"), "{check:?}");
    // Over the RPO, a person is asked; until they answer, the question is what is outstanding.
    back.handle(Event::ReplicationLag { region: "r1".into(), lag_ms: Some(5_000) }, ts(3_000));
    let asked = back.poll(ts(3_000)).unwrap();
    assert!(matches!(asked, Action::AskApproval { .. }), "{asked:?}");
    assert_eq!(back.outstanding(), vec![asked]);
    assert_eq!(back.status().phase, "awaiting approval");
    assert_eq!(back.status().active, "r0");
}

#[test]
fn an_unknown_replication_lag_is_a_persons_decision_never_a_small_lag() {
    let spec = "app: t\nregions: { primary: r0, standby: [r1] }\nrecovery: { mode: warm-standby, rpo: 1m }\n";
    let app = App::from_text(spec).unwrap();
    let mut f = Failover::new(app.spec().recovery.as_ref().unwrap(), &app.regions());
    f.handle(health("r0", Health::Down, 1_000), ts(1_000));
    assert!(matches!(f.poll(ts(1_000)), Some(Action::FreezeDeployments { .. })));
    f.handle(Event::StepDone, ts(1_100));
    assert!(matches!(f.poll(ts(1_100)), Some(Action::CheckReplication { .. })));
    f.handle(Event::ReplicationLag { region: "r1".into(), lag_ms: None }, ts(1_200));
    let Some(Action::AskApproval { reason, evidence }) = f.poll(ts(1_200)) else { panic!("no question") };
    assert!(reason.contains("unknown") && reason.contains("60000 ms"), "{reason}");
    assert_eq!(evidence.measurements[0].value, None);
    assert_eq!(f.status().active, "r0", "nothing moves before the answer");
    f.handle(Event::Approve, ts(5_000));
    assert!(matches!(f.poll(ts(5_000)), Some(Action::PromoteData { .. })));
}

#[test]
fn a_watch_that_begins_away_from_the_primary_fails_back_when_due() {
    let spec = "app: t\nregions: { primary: r0, standby: [r1] }\nrecovery: { mode: warm-standby, failback_after: 10s }\n";
    let app = App::from_text(spec).unwrap();
    let mut f = Failover::new(app.spec().recovery.as_ref().unwrap(), &app.regions()).serving("r1", ts(1_000));
    assert_eq!(f.status().active, "r1");
    assert_eq!(f.next_deadline(), Some(ts(11_000)));
    assert_eq!(f.poll(ts(5_000)), None);
    let back = until_steady(&mut f, 11_000);
    assert!(
        back.iter().any(|a| matches!(a, Action::ShiftTraffic { weights } if weights == &vec![("r0".to_owned(), 1_000_000)])),
        "{back:?}"
    );
    assert_eq!(f.status().active, "r0");
    // Already on the primary, or an unknown region: nothing is due.
    let home = Failover::new(app.spec().recovery.as_ref().unwrap(), &app.regions()).serving("r0", ts(0));
    assert_eq!(home.next_deadline(), None);
    assert_eq!(Failover::new(app.spec().recovery.as_ref().unwrap(), &app.regions()).serving("mars", ts(0)).status().active, "r0");
}
