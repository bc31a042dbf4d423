//! Deployment strategies: what the spec names, resolved into traffic steps.

use crate::spec::units::{Duration, Percent};
use crate::spec::{Rollout, StrategyKind};
use serde::{Deserialize, Serialize};

/// A resolved strategy for one region (or one batch of regions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Strategy {
    /// Everything moves to the new version at once.
    AllAtOnce,
    /// The regions of a wave are updated `batch` at a time, each all at once.
    Rolling {
        /// Regions per batch.
        batch: u32,
    },
    /// The new version is deployed beside the old one and checked without
    /// traffic, then traffic switches in one step; the old one is kept ready.
    BlueGreen {
        /// How long the old version stays ready after the switch.
        keep_old: Duration,
    },
    /// Explicit steps of traffic weight and bake time, then everything.
    Canary {
        /// The steps, in order.
        steps: Vec<(Percent, Duration)>,
    },
    /// A fixed share more traffic every interval.
    Linear {
        /// Share added per step.
        increment: Percent,
        /// Time between steps.
        interval: Duration,
    },
}

/// A traffic step: put `weight` on the new version, then watch for `bake`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shift {
    /// Share of traffic on the new version.
    pub weight: Percent,
    /// How long to watch before the next step.
    pub bake: Duration,
}

pub use crate::spec::strategy::{CODEDEPLOY_PRESETS, NAMES};

impl Strategy {
    /// The strategy of the spec's `rollout`: its named strategy with the steps,
    /// increments and batches of the rest of the section. The name was read
    /// when the spec was loaded, so nothing here can fail.
    pub fn of(r: &Rollout) -> Strategy {
        match r.strategy.kind {
            StrategyKind::AllAtOnce => Strategy::AllAtOnce,
            StrategyKind::Rolling => Strategy::Rolling { batch: r.batch.max(1) },
            StrategyKind::BlueGreen => Strategy::BlueGreen { keep_old: r.keep_old },
            StrategyKind::Canary if r.steps.is_empty() => {
                Strategy::Canary { steps: vec![(Percent::from_ppm(100_000), Duration::from_secs(300))] }
            }
            StrategyKind::Canary => Strategy::Canary { steps: r.steps.iter().map(|s| (s.weight, s.bake)).collect() },
            StrategyKind::Linear => Strategy::Linear {
                increment: r.increment.unwrap_or(Percent::from_ppm(100_000)),
                interval: r.interval.unwrap_or(Duration::from_secs(60)),
            },
            StrategyKind::CanaryPreset { weight, bake } => Strategy::Canary { steps: vec![(weight, bake)] },
            StrategyKind::LinearPreset { increment, interval } => Strategy::Linear { increment, interval },
        }
    }

    /// A short description, such as `canary (10% for 5m)`.
    pub fn describe(&self) -> String {
        match self {
            Strategy::AllAtOnce => "all at once".into(),
            Strategy::Rolling { batch } => format!("rolling, {batch} region(s) at a time"),
            Strategy::BlueGreen { keep_old } => format!("blue-green, old version kept {keep_old}"),
            Strategy::Canary { steps } => {
                format!("canary ({})", steps.iter().map(|(w, b)| format!("{w} for {b}")).collect::<Vec<_>>().join(", "))
            }
            Strategy::Linear { increment, interval } => format!("linear, {increment} every {interval}"),
        }
    }

    /// The traffic steps in one region (or batch) after the deploy, ending at 100%.
    /// `bake` is the full-traffic bake; `final_bake` is the bake of the last step.
    pub fn shifts(&self, bake: Duration, final_bake: Duration) -> Vec<Shift> {
        let all = Percent::from_ppm(1_000_000);
        let mut out = Vec::new();
        match self {
            Strategy::AllAtOnce | Strategy::Rolling { .. } => {}
            Strategy::BlueGreen { .. } => out.push(Shift { weight: Percent::from_ppm(0), bake }),
            Strategy::Canary { steps } => out.extend(steps.iter().filter(|(w, _)| *w < all).map(|&(weight, bake)| Shift { weight, bake })),
            Strategy::Linear { increment, interval } => {
                let step = increment.ppm().max(1);
                let mut w = step;
                while w < 1_000_000 {
                    out.push(Shift { weight: Percent::from_ppm(w), bake: *interval });
                    w += step;
                }
            }
        }
        out.push(Shift { weight: all, bake: final_bake });
        out
    }
}
