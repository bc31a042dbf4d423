//! Invariants of the failure detector, over random probe streams.

#![allow(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, reason = "tests fail loudly by design")]

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
            out.extend(d.observe(&probe, round * cfg.interval_ms + i as u64));
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
        prop_assert!(down.at - down.first_sign_at <= cfg.detection_bound_ms(), "{:?} bound {}", down, cfg.detection_bound_ms());
        prop_assert_eq!(down.first_sign_at, start * 1000);
    }

    /// Flapping probes move a region at most once per `failures` (down) or `successes` (up) rounds.
    #[test]
    fn no_flapping_beyond_the_hysteresis(pattern in prop::collection::vec(any::<bool>(), 1..400), failures in 1u32..5, successes in 1u32..5) {
        let cfg = config(failures, successes);
        let t = run(&cfg, pattern.len() as u64, |round, _| pattern[round as usize]);
        for pair in t.windows(2) {
            let need = if pair[1].to == Health::Down { failures } else { successes };
            prop_assert!(pair[1].at - pair[0].at >= u64::from(need - 1) * 1000, "{:?}", pair);
            prop_assert_ne!(pair[0].to, pair[1].to);
        }
    }
}
