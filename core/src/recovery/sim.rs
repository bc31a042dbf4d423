//! Drills: the detector and the failover machine driven by a fake clock
//! through a scripted scenario, with a host that takes a fixed time per
//! runbook step. Event-driven: once nothing can change until the next
//! scripted change, a deadline or a host step, the clock jumps there, so a
//! 30-day drill with 1-second probes costs what its incidents cost.

use super::{Action, Detector, Event, Failover, Incident, Probe, ProbeConfig};
use crate::machine::Machine;
use crate::spec::Recovery;
use crate::time::Timestamp;
use serde::Serialize;

/// A drill's scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// The primary fails from every vantage point for ten minutes.
    RegionOutage,
    /// One vantage point loses the primary; the others see it serving.
    Partial,
    /// The primary's probes fail and pass in turn, each run shorter than the detector's threshold.
    Flapping,
    /// A region outage while the standby's data lags beyond the RPO.
    ReplicationLag,
}

impl Scenario {
    /// Every scenario, for help texts; their names are in `app::formats` (`Named`).
    pub const ALL: [Scenario; 4] = [Scenario::RegionOutage, Scenario::Partial, Scenario::Flapping, Scenario::ReplicationLag];
}

/// What a drill did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drill {
    /// The scenario, for a named one.
    pub scenario: Option<Scenario>,
    /// What happened, in order: (ms since the start, what).
    pub timeline: Vec<(u64, String)>,
    /// The incidents and what they cost.
    pub ledger: Vec<Incident>,
    /// Where traffic ended.
    pub active: String,
    /// The detector's bound: interval x failures + timeout (ms).
    pub detection_bound_ms: u64,
    /// Probe results the simulator evaluated (the rest were skipped as unchanged).
    pub probes_evaluated: u64,
    /// Every action the failover machine asked for: (ms, action).
    pub actions: Vec<(u64, Action)>,
}

/// A scripted world for [`run`]: which probes fail, and how the host behaves.
pub struct Script<'a> {
    /// Whether a probe of the region from vantage point `vp` (an index) fails at `t` ms.
    pub fails: &'a dyn Fn(&str, usize, u64) -> bool,
    /// When `fails` changes its answers, so the clock may jump between them;
    /// `None` steps through every probe round.
    pub changes: Option<Vec<u64>>,
    /// The replication lag the host measures on the standby (ms).
    pub lag_ms: u64,
    /// How long the host takes per runbook step (ms).
    pub step_ms: u64,
}

/// When the scripted failure starts (ms), and how long a host step takes.
const FAILURE_AT_MS: u64 = 60_000;
const OUTAGE_MS: u64 = 600_000;
const STEP_MS: u64 = 5_000;

/// Run `scenario` over `regions` (primary first) for `duration_ms`.
pub fn drill(recovery: &Recovery, regions: &[String], scenario: Scenario, duration_ms: u64) -> Drill {
    let cfg = ProbeConfig::from_spec(&recovery.probe);
    let primary = regions.first().cloned().unwrap_or_default();
    let lag_ms = if scenario == Scenario::ReplicationLag { recovery.rpo.as_millis() * 3 + 1_000 } else { recovery.rpo.as_millis() / 4 };
    let flap_ms = cfg.interval_ms * u64::from(cfg.failures.saturating_sub(1).max(1));
    let fails = |region: &str, vp: usize, t: u64| -> bool {
        if region != primary || t < FAILURE_AT_MS {
            return false;
        }
        match scenario {
            Scenario::RegionOutage | Scenario::ReplicationLag => t < FAILURE_AT_MS + OUTAGE_MS,
            Scenario::Partial => vp == 0 && t < FAILURE_AT_MS + OUTAGE_MS,
            // Failing runs one probe shorter than the threshold, then as long passing.
            Scenario::Flapping => t < FAILURE_AT_MS + OUTAGE_MS && ((t - FAILURE_AT_MS) / flap_ms) % 2 == 0,
        }
    };
    let mut changes = vec![FAILURE_AT_MS, FAILURE_AT_MS + OUTAGE_MS];
    if scenario == Scenario::Flapping {
        changes.extend((0..OUTAGE_MS / flap_ms).map(|k| FAILURE_AT_MS + k * flap_ms));
    }
    changes.sort_unstable();
    let script = Script { fails: &fails, changes: Some(changes), lag_ms, step_ms: STEP_MS };
    let mut d = run(recovery, regions, &script, duration_ms);
    d.scenario = Some(scenario);
    d
}

/// Run a scripted world over `regions` (primary first) for `duration_ms`:
/// probes every interval from every vantage point, the detector, the failover
/// machine, and a host that carries out its runbook.
pub fn run(recovery: &Recovery, regions: &[String], script: &Script<'_>, duration_ms: u64) -> Drill {
    let cfg = ProbeConfig::from_spec(&recovery.probe);
    let primary = regions.first().cloned().unwrap_or_default();
    let lag_ms = script.lag_ms;
    let mut detector = Detector::new(cfg.clone(), regions);
    let mut failover = Failover::new(recovery, regions);
    let mut timeline =
        vec![(0, format!("traffic on {primary}; probes every {} ms from {} vantage points", cfg.interval_ms, cfg.vantage_points.len()))];
    let mut busy_until: Option<u64> = None;
    let mut actions = vec![];
    let mut quiet_rounds = 0u32;
    let mut evaluated = 0u64;
    let settle = cfg.failures.max(cfg.successes) + 1;
    let mut now = 0;
    while now < duration_ms {
        let mut changed = false;
        for region in regions {
            for (i, vp) in cfg.vantage_points.iter().enumerate() {
                let ok = !(script.fails)(region, i, now);
                evaluated += 1;
                let probe = Probe { region: region.clone(), vantage: vp.clone(), ok, latency_ms: if ok { 25 } else { cfg.timeout_ms } };
                if let Some(t) = detector.observe(&probe, Timestamp::from_millis(now)) {
                    let note = if t.fail_open { " (every region down: failing open, traffic stays)" } else { "" };
                    timeline.push((
                        now,
                        format!("{} {}: {}{note}", t.region, if t.to == super::Health::Down { "down" } else { "up" }, t.evidence),
                    ));
                    failover.handle(Event::Health(t), Timestamp::from_millis(now));
                    changed = true;
                }
            }
        }
        if busy_until.is_some_and(|b| now >= b) {
            busy_until = None;
            failover.handle(Event::StepDone, Timestamp::from_millis(now));
            changed = true;
        }
        while let Some(action) = failover.poll(Timestamp::from_millis(now)) {
            changed = true;
            timeline.push((now, describe(&action)));
            match &action {
                Action::CheckReplication { region } => {
                    timeline.push((now, format!("{region}: replication lag {lag_ms} ms")));
                    failover.handle(Event::ReplicationLag { region: region.clone(), lag_ms: Some(lag_ms) }, Timestamp::from_millis(now));
                }
                Action::Notify { .. } | Action::AskApproval { .. } | Action::UnfreezeDeployments => {}
                _ => busy_until = Some(now + script.step_ms),
            }
            actions.push((now, action));
        }
        quiet_rounds = if changed { 0 } else { quiet_rounds + 1 };
        let mut next = now + cfg.interval_ms;
        // Nothing can change until the next scripted change, host step or deadline: jump there.
        if let (Some(changes), true) = (&script.changes, quiet_rounds >= settle) {
            let wake = [changes.iter().copied().find(|c| *c > now), busy_until, failover.next_deadline().map(Timestamp::as_millis)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(duration_ms);
            next = next.max(wake - wake % cfg.interval_ms);
            // Conditions change there: step round by round until they settle again.
            quiet_rounds = 0;
        }
        now = next;
    }
    Drill {
        scenario: None,
        timeline,
        ledger: failover.ledger().to_vec(),
        active: failover.active().to_owned(),
        detection_bound_ms: cfg.detection_bound_ms(),
        probes_evaluated: evaluated,
        actions,
    }
}

fn describe(a: &Action) -> String {
    match a {
        Action::FreezeDeployments { halt_rollout } => {
            format!("freeze deployments{}", if *halt_rollout { " and halt the rollout" } else { "" })
        }
        Action::CheckReplication { region } => format!("check replication lag of {region}"),
        Action::AskApproval { reason, .. } => format!("ask a person: {reason}"),
        Action::RestoreBackup { region } => format!("restore the latest backup in {region}"),
        Action::ScaleUp { region } => format!("scale up {region}"),
        Action::PromoteData { region } => format!("promote {region}'s data to primary"),
        Action::ShiftTraffic { weights } => {
            let w: Vec<String> = weights.iter().map(|(r, ppm)| format!("{r} {}%", crate::slo::ppm_decimal(*ppm * 100))).collect();
            format!("shift traffic: {}", w.join(", "))
        }
        Action::Verify { region } => format!("verify {region} serves"),
        Action::Notify { message } => format!("notify: {message}"),
        Action::UnfreezeDeployments => "unfreeze deployments".to_owned(),
    }
}

impl Drill {
    /// The timeline and the ledger as text.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = format!("drill: {}\n\n", self.scenario.map_or("scripted", crate::app::Named::name));
        for (t, what) in &self.timeline {
            let _ = writeln!(out, "{:>9}  {what}", crate::spec::units::Duration::from_millis(*t).to_string());
        }
        let _ = writeln!(out, "\ntraffic ends on {}", self.active);
        if self.ledger.is_empty() {
            let _ = writeln!(out, "no failover: nothing the detector should act on");
        }
        for i in &self.ledger {
            let ms = |v: Option<u64>| v.map_or("-".to_owned(), |v| crate::spec::units::Duration::from_millis(v).to_string());
            let _ = writeln!(
                out,
                "incident {} -> {}: detected {} after the first failed probe (bound {}), traffic shifted at +{}, serving at +{}; RTO {} of {}; data loss up to {} of {} RPO; {}",
                i.region,
                i.to,
                ms(Some((i.detected_at - i.first_failure_at).as_millis())),
                ms(Some(self.detection_bound_ms)),
                ms(i.shifted_at.map(|t| (t - i.first_failure_at).as_millis())),
                ms(i.healthy_at.map(|t| (t - i.first_failure_at).as_millis())),
                ms(i.rto_ms),
                ms(Some(i.rto_objective_ms)),
                ms(i.data_loss_ms),
                ms(Some(i.rpo_objective_ms)),
                i.outcome
            );
        }
        out
    }
}
