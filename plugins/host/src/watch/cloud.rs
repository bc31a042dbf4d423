//! The watcher's world on a cloud (the local target or AWS): each runbook
//! step carried out through the plugins, the same way on both.
//!
//! | step | how |
//! | --- | --- |
//! | freeze / unfreeze | the app's freeze file ([`crate::runner::freeze`]): `lift deploy` refuses while it stands |
//! | check replication | `ReplicationLatency` of each global table toward the standby (metrics plugin), the worst latest point; no data is an unknown lag, which a person decides on |
//! | promote data | nothing: a DynamoDB global table takes writes in every replica |
//! | shift traffic | the DNS plugin routes the app's name |
//! | verify | the prober, from every vantage point, until a quorum sees the region serve |
//! | notify, ask | told to the watcher's observer (the notifier world is next) |
//!
//! | scale up (pilot light) | each function's reserved concurrency back to its own, through the deployer's Lambda API; the standbys go back to their pilot light when traffic is all home again |
//!
//! Restoring a backup (backup and restore) is a person's still: that step
//! fails, saying so, and the runbook stops.

use super::World;
use crate::plugin::{Deployer, Dns, MetricQuery, Metrics, Prober, Target};
use crate::runner::WorldError;
use crate::runner::cloud::plugin_error;
use crate::runner::freeze::{self, Freeze};
use crate::runner::journal::Actor;
use crate::runner::wall::wall_now_ms;
use lift_core::recovery::{Action, Event};
use lift_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where the app is and what the runbook acts on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Setup {
    /// The app.
    pub app: String,
    /// Its regions, the primary first.
    pub regions: Vec<String>,
    /// Each region's HTTP API, as the probes reach it.
    pub endpoints: BTreeMap<String, String>,
    /// The path probed (`recovery.probe.path`).
    pub probe_path: String,
    /// A probe's timeout, ms.
    pub probe_timeout_ms: u32,
    /// Time between verification probes, ms.
    pub probe_interval_ms: u64,
    /// Vantage points that must see a region serve to verify it.
    pub quorum: u32,
    /// The vantage points.
    pub vantage_points: Vec<String>,
    /// How long verifying may take before it fails, ms.
    pub verify_within_ms: u64,
    /// The app's DNS name: its hosted zone ID and name.
    pub dns: Option<(String, String)>,
    /// The global tables' names (their replication lag bounds the data lost).
    pub tables: Vec<String>,
    /// The app's freeze file.
    pub freezes: PathBuf,
    /// Where the DNS name routes now, when the watch begins (the region with the largest share).
    #[serde(default)]
    pub serving: Option<String>,
    /// Each region's stack outputs (the functions' ARNs among them).
    #[serde(default)]
    pub outputs: BTreeMap<String, BTreeMap<String, String>>,
    /// The pilot light, when the mode keeps one ([`Pilot::of`]).
    #[serde(default)]
    pub pilot: Option<Pilot>,
}

/// A pilot light: what a standby's functions keep while it does not serve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pilot {
    /// Per region, each function's physical name, its pilot reserved
    /// concurrency, and its own (`None`: no cap) that a failover gives back.
    pub functions: BTreeMap<String, Vec<PilotFunction>>,
}

impl Pilot {
    /// The pilot light `spec` keeps (`recovery.mode: pilot-light`) over each
    /// region's functions, found by their ARNs in the stack `outputs`: each at
    /// `pilot_concurrency`, or at its own reserved concurrency when smaller.
    pub fn of(spec: &lift_core::spec::Spec, outputs: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Pilot> {
        let n = spec.recovery.as_ref()?.pilot()?;
        let functions = outputs
            .iter()
            .map(|(region, out)| {
                let fs = spec
                    .functions
                    .iter()
                    .filter_map(|(name, f)| {
                        let arn = out.get(&format!("{}Arn", lift_core::graph::build::function_id(name)))?;
                        let physical = arn.rsplit(':').next()?.to_owned();
                        Some(PilotFunction {
                            name: physical,
                            pilot: f.reserved_concurrency.map_or(n, |r| r.min(n)),
                            full: f.reserved_concurrency,
                        })
                    })
                    .collect();
                (region.clone(), fs)
            })
            .collect();
        Some(Pilot { functions })
    }
}

/// One function of a pilot-light region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PilotFunction {
    /// The function's physical name.
    pub name: String,
    /// Its reserved concurrency while the region does not serve.
    pub pilot: u32,
    /// Its reserved concurrency when it serves (the spec's), `None` for none.
    pub full: Option<u32>,
}

/// The watcher's world on a cloud.
pub struct CloudFailover {
    setup: Setup,
    dns: Option<Dns>,
    metrics: Metrics,
    prober: Prober,
    /// Scales a pilot light's functions (the deployer's Lambda API).
    deployer: Option<Deployer>,
    notes: Box<dyn FnMut(String) + Send>,
}

impl CloudFailover {
    /// A world for `setup`, acting through configured plugins; `notes` hears what it does.
    pub fn new(setup: Setup, dns: Option<Dns>, metrics: Metrics, prober: Prober, notes: Box<dyn FnMut(String) + Send>) -> CloudFailover {
        CloudFailover { setup, dns, metrics, prober, deployer: None, notes }
    }

    /// The deployer that scales a pilot light (needed when the setup keeps one).
    pub fn with_deployer(mut self, deployer: Deployer) -> CloudFailover {
        self.deployer = Some(deployer);
        self
    }

    /// Set the reserved concurrency of `region`'s functions: the pilot's, or their own.
    fn scale(&mut self, region: &str, full: bool) -> Result<(), WorldError> {
        let Some(functions) = self.setup.pilot.as_ref().and_then(|p| p.functions.get(region)).cloned() else {
            return Err(WorldError::Fatal(format!(
                "no pilot light is known in {region}: the watch was started without the region's functions"
            )));
        };
        let deployer = self.deployer.as_mut().ok_or_else(|| {
            WorldError::Fatal("a pilot light needs the deployer plugin to scale functions, and the watch has none".into())
        })?;
        let mut said = vec![];
        for f in &functions {
            let reserved = if full { f.full } else { Some(f.pilot) };
            deployer.set_concurrency(&f.name, region, reserved).map_err(plugin_error)?;
            said.push(format!("{} {}", f.name, reserved.map_or("uncapped".to_owned(), |n| format!("at {n}"))));
        }
        let what = if full { "scaled up" } else { "at its pilot light" };
        self.note(format!("{region} {what}: {}", said.join(", ")));
        Ok(())
    }

    /// Keep every region but `serving` at its pilot light (idempotent): when
    /// the watch starts, and when traffic is all back home after a failback.
    pub fn light_pilots(&mut self, serving: &str) -> Result<(), WorldError> {
        let regions: Vec<String> =
            self.setup.pilot.as_ref().map(|p| p.functions.keys().filter(|r| *r != serving).cloned().collect()).unwrap_or_default();
        for region in regions {
            self.scale(&region, false)?;
        }
        Ok(())
    }

    fn note(&mut self, text: String) {
        (self.notes)(text);
    }

    /// The worst latest `ReplicationLatency` (ms) of the tables toward `to`,
    /// read where the writes come from; `None` when a table has no data.
    fn replication_lag(&mut self, to: &str) -> Result<Option<u64>, WorldError> {
        if self.setup.tables.is_empty() {
            self.note(format!("no replicated tables: promoting {to} loses no data"));
            return Ok(Some(0));
        }
        let from = self.setup.regions.iter().find(|r| *r != to).cloned().unwrap_or_default();
        let queries: Vec<MetricQuery> = self
            .setup
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| MetricQuery {
                id: format!("lag{i}"),
                namespace: "AWS/DynamoDB".into(),
                name: "ReplicationLatency".into(),
                dimensions: vec![("TableName".into(), t.clone()), ("ReceivingRegion".into(), to.to_owned())],
                stat: "Maximum".into(),
            })
            .collect();
        let end = wall_now_ms();
        let series = self.metrics.fetch(&from, &queries, end.saturating_sub(300_000), end + 60_000, 60_000).map_err(plugin_error)?;
        let mut worst = 0.0_f64;
        for (i, t) in self.setup.tables.clone().iter().enumerate() {
            let latest = series.iter().find(|s| s.id == format!("lag{i}")).and_then(|s| s.values.last().copied());
            // No data is no data: an unknown lag is not a small one, and a person decides.
            let Some(lag) = latest else {
                self.note(format!("no ReplicationLatency of table {t} from {from} to {to} in the last 5 minutes: the lag is unknown"));
                return Ok(None);
            };
            self.note(format!("replication lag of {t} from {from} to {to}: {lag:.0} ms"));
            worst = worst.max(lag);
        }
        Ok(Some(worst.round() as u64))
    }

    /// Probe `region` from every vantage point until a quorum sees it serve, within the bound.
    fn verify(&mut self, region: &str) -> Result<(), WorldError> {
        let base = self.setup.endpoints.get(region).ok_or_else(|| WorldError::Fatal(format!("no endpoint known for {region}")))?;
        let target = Target {
            url: format!("{}{}", base.trim_end_matches('/'), self.setup.probe_path),
            expect_status: Some(200),
            body_contains: None,
            timeout_ms: self.setup.probe_timeout_ms,
        };
        let started = std::time::Instant::now();
        let vantages = self.setup.vantage_points.clone();
        loop {
            let mut ok = 0;
            let mut seen = vec![];
            for v in &vantages {
                let h = self.prober.probe_from(&target, Some(v)).map_err(plugin_error)?;
                ok += u32::from(h.ok);
                seen.push(format!("{v}: {}", if h.ok { "ok".to_owned() } else { h.detail }));
            }
            if ok >= self.setup.quorum {
                self.note(format!("{region} serves: {ok} of {} vantage points see it healthy", vantages.len()));
                return Ok(());
            }
            if started.elapsed().as_millis() as u64 > self.setup.verify_within_ms {
                return Err(WorldError::Fatal(format!(
                    "{region} did not serve within {} ms ({})",
                    self.setup.verify_within_ms,
                    seen.join("; ")
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(self.setup.probe_interval_ms.max(100)));
        }
    }
}

impl World for CloudFailover {
    fn carry_out(&mut self, action: &Action, _id: &str, _now: Timestamp) -> Result<Option<Event>, WorldError> {
        let io = |e: std::io::Error| WorldError::Fatal(format!("{}: {e}", self.setup.freezes.display()));
        match action {
            Action::FreezeDeployments { halt_rollout } => {
                let reason = format!(
                    "the watcher is failing {} over{}",
                    self.setup.app,
                    if *halt_rollout { "; the rollout under way halts" } else { "" }
                );
                let f = Freeze { by: "failover".into(), reason, actor: Actor::this_process(), since_ms: wall_now_ms() };
                freeze::set(&self.setup.freezes, f).map_err(io)?;
                self.note(format!("deployments of {} frozen ({})", self.setup.app, self.setup.freezes.display()));
                Ok(Some(Event::StepDone))
            }
            Action::UnfreezeDeployments => {
                if freeze::lift(&self.setup.freezes, "failover").map_err(io)? {
                    self.note(format!("deployments of {} unfrozen", self.setup.app));
                }
                Ok(None)
            }
            Action::CheckReplication { region } => {
                let lag_ms = self.replication_lag(region)?;
                Ok(Some(Event::ReplicationLag { region: region.clone(), lag_ms }))
            }
            Action::PromoteData { region } => {
                let tables = if self.setup.tables.is_empty() { "no tables".to_owned() } else { self.setup.tables.join(", ") };
                self.note(format!("{region}: nothing to promote ({tables}): a global table takes writes in every replica"));
                Ok(Some(Event::StepDone))
            }
            Action::ScaleUp { region } => {
                self.scale(region, true)?;
                Ok(Some(Event::StepDone))
            }
            Action::RestoreBackup { region } => {
                Err(WorldError::Fatal(format!("restoring {region} from a backup is a person's step still (backup and restore)")))
            }
            Action::ShiftTraffic { weights } => {
                let (Some(dns), Some((zone, name))) = (self.dns.as_mut(), self.setup.dns.clone()) else {
                    return Err(WorldError::Fatal("the spec names no recovery.dns: nothing routes clients between regions".into()));
                };
                dns.route(&zone, &name, weights).map_err(plugin_error)?;
                let said: Vec<String> = weights.iter().map(|(r, w)| format!("{r} {}%", f64::from(*w) / 10_000.0)).collect();
                self.note(format!("{name} now routes to {}", said.join(", ")));
                // All traffic home again after a failback: the standbys go back to their pilot light.
                let primary = self.setup.regions.first().cloned().unwrap_or_default();
                if self.setup.pilot.is_some() && weights.iter().all(|(r, w)| *r == primary || *w == 0) {
                    self.light_pilots(&primary)?;
                }
                Ok(Some(Event::StepDone))
            }
            Action::Verify { region } => {
                self.verify(region)?;
                Ok(Some(Event::StepDone))
            }
            Action::Notify { message } => {
                self.note(message.clone());
                Ok(None)
            }
            Action::AskApproval { reason, .. } => {
                self.note(format!("a person decides: {reason}; `lift approve` promotes anyway, `lift deny` keeps traffic where it is"));
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly by design")]
    use super::*;

    #[test]
    fn a_pilot_light_caps_each_deployed_function_and_gives_back_its_own() {
        let spec = |mode: &str| {
            let text = format!(
                "app: p\nregions: {{ primary: us-east-1, standby: [eu-west-1] }}\nfunctions:\n  api: {{ runtime: python3.12, handler: a.h, code: {{ bucket: b, key: k.zip }}, reserved_concurrency: 1 }}\n  worker: {{ runtime: python3.12, handler: w.h, code: {{ bucket: b, key: k.zip }} }}\nrecovery: {{ {mode} }}\n"
            );
            lift_core::App::from_text(&text).unwrap().spec().clone()
        };
        let arn = |f: &str| format!("arn:aws:lambda:eu-west-1:123456789012:function:{f}");
        let outputs = BTreeMap::from([(
            "eu-west-1".to_owned(),
            BTreeMap::from([("ApiFunctionArn".to_owned(), arn("p-api")), ("WorkerFunctionArn".to_owned(), arn("p-worker"))]),
        )]);
        let pilot = Pilot::of(&spec("mode: pilot-light, pilot_concurrency: 3"), &outputs).unwrap();
        assert_eq!(
            pilot.functions["eu-west-1"],
            [
                PilotFunction { name: "p-api".into(), pilot: 1, full: Some(1) },
                PilotFunction { name: "p-worker".into(), pilot: 3, full: None }
            ]
        );
        assert!(Pilot::of(&spec("mode: warm-standby"), &outputs).is_none());
    }
}
