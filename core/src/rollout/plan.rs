//! The rollout plan: every step of every wave with its start time, and what
//! is at stake at each moment. A preview of the whole rollout before anything
//! starts, computed from the spec alone.

use super::strategy::Strategy;
use crate::spec::units::Percent;
use crate::spec::{OnFailure, Spec};
use crate::time::{Duration, Timestamp};
use serde::Serialize;
use std::fmt::Write;

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// Deploy the new version (it serves no traffic yet).
    Deploy,
    /// Put `weight` of the traffic on the new version, then bake.
    Shift {
        /// Share of traffic on the new version.
        weight: Percent,
    },
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Wave number, from 1.
    pub wave: usize,
    /// Regions the step applies to (in parallel).
    pub regions: Vec<String>,
    /// What happens.
    pub action: Action,
    /// When it starts, from the start of the rollout (at zero).
    #[serde(rename = "start_ms")]
    pub start: Timestamp,
    /// How long it takes, bake included; gates are read at its end.
    #[serde(rename = "duration_ms", with = "crate::time::millis")]
    pub duration: Duration,
    /// Share of the app's traffic on the new version once the step has begun (ppm),
    /// counting every region as carrying the same traffic.
    pub traffic_ppm: u32,
    /// Regions serving the new version once the step has begun.
    pub regions_at_risk: usize,
    /// Longest time from the start of this step until every affected region
    /// serves the previous version again, if this step fails (ms): a failure
    /// shows at the step's gate at the latest, then the rollback.
    #[serde(rename = "worst_rollback_ms", with = "crate::time::millis")]
    pub worst_rollback: Duration,
    /// Checks read at the end of the step; none means it goes on by itself.
    pub checks: Vec<String>,
    /// A person approves before the step starts.
    pub approval: bool,
}

/// One wave of regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wave {
    /// Wave number, from 1.
    pub index: usize,
    /// Its regions.
    pub regions: Vec<String>,
    /// When it starts.
    #[serde(rename = "start_ms")]
    pub start: Timestamp,
    /// When it is fully promoted and baked.
    #[serde(rename = "end_ms")]
    pub end: Timestamp,
}

/// The whole plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// App name.
    pub app: String,
    /// Version being rolled out.
    pub version: String,
    /// The strategy within each region.
    pub strategy: Strategy,
    /// What a failure rolls back.
    pub on_failure: OnFailure,
    /// The waves.
    pub waves: Vec<Wave>,
    /// Every step, in time order.
    pub steps: Vec<Step>,
    /// Time to full promotion when every gate passes.
    #[serde(rename = "fastest_promotion_ms", with = "crate::time::millis")]
    pub fastest_promotion: Duration,
    /// The longest rollback from any step.
    #[serde(rename = "worst_rollback_ms", with = "crate::time::millis")]
    pub worst_rollback: Duration,
    /// Most regions serving the new version before the last wave is promoted.
    pub max_regions_at_risk: usize,
    /// How traffic moves, in words.
    pub traffic_shifting: String,
    /// What a gate without data decides.
    pub no_data: crate::spec::NoData,
    /// Failed checks in a row before rolling back.
    pub failure_limit: u32,
    /// Broken measurements in a row before a person is asked.
    pub error_limit: u32,
    /// The strategy plugin that decides what follows each gate, when the spec names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// The checks of a spec's gates: those after every traffic step, those before
/// traffic (pre-traffic hooks) and after the last step of a region (post-traffic hooks),
/// and when a person approves.
struct Checks {
    every_step: Vec<String>,
    pre_traffic: Vec<String>,
    post_traffic: Vec<String>,
    approval: Option<crate::spec::ApprovalWhen>,
}

fn checks(r: &crate::spec::Rollout) -> Checks {
    use crate::spec::{Gate, HookWhen};
    let mut c = Checks { every_step: vec![], pre_traffic: vec![], post_traffic: vec![], approval: None };
    for g in &r.gates {
        match g {
            Gate::Slo(s) => c.every_step.push(format!("slo {}", s.slo)),
            Gate::ErrorRate(e) => c.every_step.push(format!("error rate <= {}", e.error_rate)),
            Gate::Latency(l) => c.every_step.push(format!("p99 <= {}", l.latency_p99)),
            Gate::Probe(p) => c.every_step.push(format!("probe {}", p.probe)),
            Gate::Approval(a) => c.approval = Some(a.approval),
            Gate::Hook(h) => match h.when {
                HookWhen::PreTraffic => c.pre_traffic.push(format!("hook {} (pre-traffic)", h.hook)),
                HookWhen::PostTraffic => c.post_traffic.push(format!("hook {} (post-traffic)", h.hook)),
            },
        }
    }
    c
}

/// The waves of a spec: as written, or the primary and then every standby.
pub fn waves(spec: &Spec) -> Vec<Vec<String>> {
    if !spec.rollout.waves.is_empty() {
        return spec.rollout.waves.clone();
    }
    let mut out = vec![vec![spec.regions.primary.clone()]];
    if !spec.regions.standby.is_empty() {
        out.push(spec.regions.standby.clone());
    }
    out
}

/// Make the plan of a spec's rollout. The spec's values were read and
/// capped when it was loaded and validated, so a plan can always be made.
pub fn plan(spec: &Spec) -> Plan {
    let r = &spec.rollout;
    let strategy = Strategy::of(r);
    let waves_in = waves(spec);
    let gates = checks(r);
    let total = waves_in.iter().map(Vec::len).sum::<usize>().max(1);
    let mut weights: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    let traffic = |w: &std::collections::BTreeMap<&str, u32>| {
        let sum: u64 = w.values().map(|v| u64::from(*v)).sum();
        u32::try_from(sum / u64::try_from(total).unwrap_or(1)).unwrap_or(u32::MAX)
    };
    let mut steps = Vec::new();
    let mut waves = Vec::new();
    let mut t = Timestamp::ZERO;
    let rollback = r.rollback_time;
    for (i, regions) in waves_in.iter().enumerate() {
        let wave_start = t;
        let batch = match strategy {
            Strategy::Rolling { batch } => usize::try_from(batch).unwrap_or(1).max(1),
            _ => regions.len().max(1),
        };
        let batches: Vec<&[String]> = regions.chunks(batch).collect();
        for (b, group) in batches.iter().enumerate() {
            let last_batch = b + 1 == batches.len();
            let final_bake = if last_batch { r.wave_bake.max(r.bake) } else { r.bake };
            let shifts = match strategy {
                Strategy::Rolling { .. } => vec![super::strategy::Shift { weight: Percent::from_ppm(1_000_000), bake: final_bake }],
                _ => strategy.shifts(r.bake, final_bake),
            };
            let at_risk = |w: &std::collections::BTreeMap<&str, u32>| w.values().filter(|v| **v > 0).count();
            let deploy = r.deploy_time;
            steps.push(Step {
                wave: i + 1,
                regions: group.to_vec(),
                action: Action::Deploy,
                start: t,
                duration: deploy,
                traffic_ppm: traffic(&weights),
                regions_at_risk: at_risk(&weights),
                worst_rollback: deploy
                    + if at_risk(&weights) > 0 && r.on_failure == OnFailure::RollbackAll { rollback } else { Duration::ZERO },
                checks: gates.pre_traffic.clone(),
                approval: b == 0 && i > 0 && gates.approval.is_some(),
            });
            t += deploy;
            let n = shifts.len();
            for (k, s) in shifts.into_iter().enumerate() {
                let mut step_checks = gates.every_step.clone();
                if k + 1 == n {
                    step_checks.extend(gates.post_traffic.iter().cloned());
                }
                for region in group.iter() {
                    weights.insert(region.as_str(), s.weight.ppm());
                }
                let bake = s.bake;
                steps.push(Step {
                    wave: i + 1,
                    regions: group.to_vec(),
                    action: Action::Shift { weight: s.weight },
                    start: t,
                    duration: bake,
                    traffic_ppm: traffic(&weights),
                    regions_at_risk: at_risk(&weights),
                    worst_rollback: bake + rollback,
                    checks: step_checks,
                    approval: gates.approval == Some(crate::spec::ApprovalWhen::Step),
                });
                t += bake;
            }
        }
        waves.push(Wave { index: i + 1, regions: regions.clone(), start: wave_start, end: t });
        if i + 1 < waves_in.len() {
            t += r.stagger;
        }
    }
    let last_wave_start = waves.last().map_or(Timestamp::ZERO, |w| w.start);
    let max_regions_at_risk =
        steps.iter().filter(|s| s.start < last_wave_start || waves.len() == 1).map(|s| s.regions_at_risk).max().unwrap_or(0);
    Plan {
        app: spec.app.clone(),
        version: spec.version.clone(),
        on_failure: r.on_failure,
        fastest_promotion: t - Timestamp::ZERO,
        worst_rollback: steps.iter().map(|s| s.worst_rollback).max().unwrap_or_default(),
        max_regions_at_risk,
        traffic_shifting: match (r.shift, strategy.codedeploy()) {
            (crate::spec::ShiftBy::Codedeploy, Ok(super::CodeDeployConfig::Predefined { name })) => {
                format!("CodeDeploy ({name}) on each region's `live` alias, rolling back on the function's alarms")
            }
            (crate::spec::ShiftBy::Codedeploy, Ok(_)) => "CodeDeploy (a custom configuration) on each region's `live` alias, rolling back on the function's alarms".into(),
            _ => match strategy {
            Strategy::BlueGreen { .. } | Strategy::AllAtOnce | Strategy::Rolling { .. } => {
                "each region's `live` alias moves to the new version in one step".into()
            }
            _ => "Lambda alias routing weights: the `live` alias splits traffic between the old and the new version (two versions at most per alias)".into(),
            },
        },
        strategy,
        waves,
        steps,
        no_data: r.no_data,
        failure_limit: r.failure_limit.max(1),
        error_limit: r.error_limit.max(1),
        decided_by: r.plugin.clone(),
    }
}

fn pct(ppm: u32) -> String {
    // Shares are shown to 0.1%; exact values are in the JSON.
    let tenths = (u64::from(ppm) + 500) / 1000;
    if tenths % 10 == 0 { format!("{}%", tenths / 10) } else { format!("{}.{}%", tenths / 10, tenths % 10) }
}

impl Plan {
    /// The plan as a readable timeline.
    pub fn to_text(&self) -> String {
        let total: usize = self.waves.iter().map(|w| w.regions.len()).sum();
        let mut out = String::new();
        let _ =
            writeln!(out, "{} {}: {}, {} wave(s), {} region(s)", self.app, self.version, self.strategy.describe(), self.waves.len(), total);
        let failure = match self.on_failure {
            OnFailure::RollbackAll => "a failure rolls back every region touched, in reverse wave order",
            OnFailure::RollbackWave => "a failure rolls back the failing wave",
        };
        let _ = writeln!(out, "{failure}; traffic moves by {}", self.traffic_shifting);
        let every: Vec<&String> = self
            .steps
            .iter()
            .filter(|s| matches!(s.action, Action::Shift { .. }))
            .flat_map(|s| s.checks.iter())
            .filter(|c| !c.starts_with("hook "))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if every.is_empty() {
            let _ = writeln!(out, "no gates: each step goes on when its bake ends");
        } else {
            let nd = match self.no_data {
                crate::spec::NoData::Wait => "measure again, then ask a person",
                crate::spec::NoData::Fail => "fail",
                crate::spec::NoData::Pass => "pass",
            };
            let _ = writeln!(
                out,
                "gates after each step: {}; no data: {nd}; roll back after {} failed check(s) in a row",
                every.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                self.failure_limit
            );
        }
        if let Some(plugin) = &self.decided_by {
            let _ = writeln!(out, "what follows each gate: decided by the strategy plugin `{plugin}`");
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:>8}  {:>4}  {:<28}  {:<22}  {:>7}  {:>7}  {:>9}",
            "start", "wave", "regions", "step", "traffic", "at risk", "rollback"
        );
        for s in &self.steps {
            let mut what = match s.action {
                Action::Deploy => format!("deploy ({})", s.duration),
                Action::Shift { weight } => format!("{weight} for {}", s.duration),
            };
            if s.approval {
                what = format!("approve, {what}");
            }
            if s.checks.iter().any(|c| c.starts_with("hook ")) {
                what.push_str(" + hook");
            }
            let _ = writeln!(
                out,
                "{:>8}  {:>4}  {:<28}  {:<22}  {:>7}  {:>4}/{:<2}  {:>9}",
                (s.start - Timestamp::ZERO).to_string(),
                s.wave,
                s.regions.join(", "),
                what,
                pct(s.traffic_ppm),
                s.regions_at_risk,
                total,
                s.worst_rollback.to_string()
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "fastest full promotion: {}", self.fastest_promotion);
        let _ = writeln!(out, "worst-case rollback from any step: {}", self.worst_rollback);
        out
    }
}
