//! Per-region failure detection from several vantage points.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How regions are probed and judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeConfig {
    /// Time between probes from one vantage point (ms).
    pub interval_ms: u64,
    /// How long a probe may take before it counts as failed (ms).
    pub timeout_ms: u64,
    /// Consecutive failures before a vantage point sees a region down.
    pub failures: u32,
    /// Consecutive successes before a vantage point sees it up again.
    pub successes: u32,
    /// Vantage points that must agree before a region changes state.
    pub quorum: u32,
    /// Where probes come from.
    pub vantage_points: Vec<String>,
    /// A probe slower than this counts as failed, when set (ms).
    pub slow_ms: Option<u64>,
}

impl ProbeConfig {
    /// The detector's configuration from the spec's probe section.
    pub fn from_spec(p: &crate::spec::ProbeSpec) -> ProbeConfig {
        let (quorum, n) = (p.quorum.agreeing, p.quorum.of);
        ProbeConfig {
            interval_ms: p.interval.as_millis(),
            timeout_ms: p.timeout.as_millis(),
            failures: p.failures,
            successes: p.successes,
            quorum,
            vantage_points: (1..=n).map(|i| format!("vp-{i}")).collect(),
            slow_ms: p.slow.map(|d| d.as_millis()),
        }
    }

    /// The longest a detector takes to see a region fail, after its first
    /// failed probe: `failures` probes from the slowest vantage point of a
    /// quorum, each a timeout long at worst.
    pub fn detection_bound_ms(&self) -> u64 {
        u64::from(self.failures.saturating_sub(1)) * self.interval_ms + self.timeout_ms + self.interval_ms
    }

    /// What is wrong with this configuration, if anything.
    pub fn problems(&self) -> Vec<String> {
        let n = self.vantage_points.len() as u32;
        let mut out = vec![];
        if self.failures == 0 || self.successes == 0 {
            out.push("`failures` and `successes` must be at least 1".to_owned());
        }
        if self.quorum == 0 || self.quorum > n {
            out.push(format!("quorum {} must be between 1 and the {n} vantage points", self.quorum));
        } else if self.quorum * 2 <= n {
            out.push(format!("quorum {} of {n} is not a majority: two halves could disagree about a region", self.quorum));
        }
        if self.timeout_ms == 0 || self.interval_ms == 0 {
            out.push("`interval` and `timeout` must be above 0".to_owned());
        }
        out
    }
}

/// A region's health as the detector sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    /// Serving.
    Up,
    /// A quorum of vantage points sees it failing.
    Down,
}

/// One probe's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// The region probed.
    pub region: String,
    /// The vantage point it came from.
    pub vantage: String,
    /// Whether it succeeded (status and body as expected, within the timeout).
    pub ok: bool,
    /// How long it took (ms).
    pub latency_ms: u64,
}

/// A region changing state, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The region.
    pub region: String,
    /// Its new health.
    pub to: Health,
    /// When the detector decided.
    pub at: Timestamp,
    /// When this episode's first failed probe (going down) or first good one (coming back) came in.
    pub first_sign_at: Timestamp,
    /// Every region is down with it: the probes are more likely wrong than
    /// the world, so no traffic should move (fail open).
    pub fail_open: bool,
    /// Which vantage points agreed.
    pub evidence: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Vantage {
    fails: u32,
    oks: u32,
    /// This vantage point's own verdict, with hysteresis.
    down: bool,
    /// When its current run of failures (or successes) began.
    run_start: Timestamp,
}

impl Vantage {
    /// Count one probe: its outcome's run grows and the other's ends; after
    /// `needed` in a row this vantage point's verdict follows it.
    fn count(&mut self, failed: bool, now: Timestamp, needed: u32) {
        let Vantage { fails, oks, down, run_start } = self;
        let (run, other) = if failed { (fails, oks) } else { (oks, fails) };
        if *run == 0 {
            *run_start = now;
        }
        *run = run.saturating_add(1);
        *other = 0;
        if *run >= needed {
            *down = failed;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Region {
    health: Health,
    vantages: Vec<Vantage>,
}

/// Every region's detector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detector {
    config: ProbeConfig,
    regions: BTreeMap<String, Region>,
}

impl Detector {
    /// A detector for `regions`, all up to begin with.
    pub fn new(config: ProbeConfig, regions: &[String]) -> Detector {
        let vantages = vec![Vantage::default(); config.vantage_points.len()];
        let regions = regions.iter().map(|r| (r.clone(), Region { health: Health::Up, vantages: vantages.clone() })).collect();
        Detector { config, regions }
    }

    /// The same detector, knowing `down` regions are down already (what a
    /// journal recorded before a restart): every vantage point sees them down,
    /// so they come back up only after a quorum's `successes` good probes in a row.
    pub fn knowing_down(mut self, down: &[&str]) -> Detector {
        for name in down {
            if let Some(r) = self.regions.get_mut(*name) {
                r.health = Health::Down;
                for v in &mut r.vantages {
                    v.down = true;
                }
            }
        }
        self
    }

    /// A region's health.
    pub fn health(&self, region: &str) -> Option<Health> {
        self.regions.get(region).map(|r| r.health)
    }

    /// Regions the detector sees down.
    pub fn down(&self) -> Vec<&str> {
        self.regions.iter().filter(|(_, r)| r.health == Health::Down).map(|(k, _)| k.as_str()).collect()
    }

    /// Take one probe result seen at `now`; a transition when the region changes state.
    /// Results from unknown regions or vantage points are ignored.
    pub fn observe(&mut self, probe: &Probe, now: Timestamp) -> Option<Transition> {
        let cfg = &self.config;
        let vp = cfg.vantage_points.iter().position(|v| *v == probe.vantage)?;
        let failed = !probe.ok || probe.latency_ms > cfg.timeout_ms || cfg.slow_ms.is_some_and(|s| probe.latency_ms > s);
        let region = self.regions.get_mut(&probe.region)?;
        let v = region.vantages.get_mut(vp)?;
        v.count(failed, now, if failed { cfg.failures } else { cfg.successes });
        let downs: Vec<usize> = region.vantages.iter().enumerate().filter(|(_, v)| v.down).map(|(i, _)| i).collect();
        let ups = region.vantages.len() - downs.len();
        let quorum = cfg.quorum as usize;
        let to = match region.health {
            Health::Up if downs.len() >= quorum => Health::Down,
            // Back up only when a quorum has seen enough good probes in a row.
            Health::Down if ups >= quorum && region.vantages.iter().filter(|v| !v.down && v.oks >= cfg.successes).count() >= quorum => {
                Health::Up
            }
            _ => return None,
        };
        region.health = to;
        let agreeing: Vec<usize> = match to {
            Health::Down => downs,
            Health::Up => (0..region.vantages.len()).filter(|i| region.vantages.get(*i).is_some_and(|v| !v.down)).collect(),
        };
        // The episode began with the earliest run among the agreeing vantage points.
        let first_sign_at = agreeing.iter().filter_map(|i| region.vantages.get(*i)).map(|v| v.run_start).min().unwrap_or(now);
        let names: Vec<&str> = agreeing.iter().filter_map(|i| cfg.vantage_points.get(*i)).map(String::as_str).collect();
        let fail_open = to == Health::Down && self.regions.values().all(|r| r.health == Health::Down);
        let verb = if to == Health::Down { "failing" } else { "healthy" };
        let evidence =
            format!("{} of {} vantage points see {} {verb} ({})", names.len(), cfg.vantage_points.len(), probe.region, names.join(", "));
        Some(Transition { region: probe.region.clone(), to, at: now, first_sign_at, fail_open, evidence })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn config() -> ProbeConfig {
        ProbeConfig {
            interval_ms: 1000,
            timeout_ms: 2000,
            failures: 3,
            successes: 5,
            quorum: 2,
            vantage_points: vec!["a".into(), "b".into(), "c".into()],
            slow_ms: None,
        }
    }

    fn probe(region: &str, vantage: &str, ok: bool) -> Probe {
        Probe { region: region.into(), vantage: vantage.into(), ok, latency_ms: 20 }
    }

    #[test]
    fn a_quorum_of_consecutive_failures_takes_a_region_down_and_back() {
        let mut d = Detector::new(config(), &["us-east-1".into(), "eu-west-1".into()]);
        let mut transitions = vec![];
        for s in 0..20u64 {
            let ok = !(5..12).contains(&s);
            for vp in ["a", "b", "c"] {
                transitions.extend(d.observe(&probe("us-east-1", vp, ok), Timestamp::from_millis(s * 1000)));
            }
        }
        assert_eq!(transitions.len(), 2, "{transitions:?}");
        let down = &transitions[0];
        // Failures from second 5: the third in a row (second 7) from two vantage points decides.
        assert_eq!(
            (down.to, down.at, down.first_sign_at, down.fail_open),
            (Health::Down, Timestamp::from_millis(7000), Timestamp::from_millis(5000), false)
        );
        assert!(down.evidence.starts_with("2 of 3 vantage points"), "{}", down.evidence);
        // Good again from second 12: five in a row (second 16).
        assert_eq!((transitions[1].to, transitions[1].at), (Health::Up, Timestamp::from_millis(16_000)));
    }

    #[test]
    fn one_vantage_point_cut_off_moves_nothing() {
        let mut d = Detector::new(config(), &["us-east-1".into()]);
        for s in 0..100u64 {
            for vp in ["a", "b", "c"] {
                assert_eq!(d.observe(&probe("us-east-1", vp, vp != "c"), Timestamp::from_millis(s * 1000)), None);
            }
        }
        assert_eq!(d.health("us-east-1"), Some(Health::Up));
    }

    #[test]
    fn every_region_down_at_once_fails_open() {
        let mut d = Detector::new(config(), &["us-east-1".into(), "eu-west-1".into()]);
        let mut last = None;
        for s in 0..5u64 {
            for region in ["us-east-1", "eu-west-1"] {
                for vp in ["a", "b", "c"] {
                    last = d.observe(&probe(region, vp, false), Timestamp::from_millis(s * 1000)).or(last);
                }
            }
        }
        let last = last.unwrap_or_else(|| panic!("nothing went down"));
        assert!(last.fail_open && last.to == Health::Down, "{last:?}");
    }

    #[test]
    fn slow_probes_count_as_failures_when_asked() {
        let mut cfg = config();
        cfg.slow_ms = Some(500);
        let mut d = Detector::new(cfg, &["us-east-1".into()]);
        let mut t = None;
        for s in 0..4u64 {
            for vp in ["a", "b", "c"] {
                t = d.observe(&Probe { latency_ms: 900, ..probe("us-east-1", vp, true) }, Timestamp::from_millis(s * 1000)).or(t);
            }
        }
        assert_eq!(t.map(|t| t.to), Some(Health::Down));
    }

    #[test]
    fn minority_quorums_are_refused() {
        let mut cfg = config();
        cfg.quorum = 1;
        assert!(cfg.problems().iter().any(|p| p.contains("not a majority")));
        assert!(config().problems().is_empty());
    }
}
