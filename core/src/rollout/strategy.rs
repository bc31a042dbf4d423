//! Deployment strategies: what the spec names, resolved into traffic steps.

use crate::spec::Rollout;
use crate::spec::units::{Duration, Percent};
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

/// The strategy names Lift accepts besides presets.
pub const NAMES: [&str; 5] = ["all-at-once", "rolling", "blue-green", "canary", "linear"];

/// The strategy presets a spec may name: CodeDeploy's predefined Lambda
/// configurations, by the name CodeDeploy gives them, and Lift's preset name.
pub const CODEDEPLOY_PRESETS: [(&str, &str); 9] = [
    ("LambdaAllAtOnce", "all-at-once"),
    ("LambdaCanary10Percent5Minutes", "canary-10pct-5m"),
    ("LambdaCanary10Percent10Minutes", "canary-10pct-10m"),
    ("LambdaCanary10Percent15Minutes", "canary-10pct-15m"),
    ("LambdaCanary10Percent30Minutes", "canary-10pct-30m"),
    ("LambdaLinear10PercentEvery1Minute", "linear-10pct-every-1m"),
    ("LambdaLinear10PercentEvery2Minutes", "linear-10pct-every-2m"),
    ("LambdaLinear10PercentEvery3Minutes", "linear-10pct-every-3m"),
    ("LambdaLinear10PercentEvery10Minutes", "linear-10pct-every-10m"),
];

fn percent(text: &str) -> Option<Percent> {
    format!("{}%", text.strip_suffix("pct")?).parse().ok()
}

impl Strategy {
    /// Resolve the spec's `rollout` into a strategy, or say why it cannot be.
    pub fn resolve(r: &Rollout) -> Result<Strategy, String> {
        let name = CODEDEPLOY_PRESETS.iter().find(|(cd, _)| *cd == r.strategy).map_or(r.strategy.as_str(), |(_, lift)| lift);
        let bad_preset = || format!("`{}` is not a strategy", r.strategy);
        match name {
            "all-at-once" => Ok(Strategy::AllAtOnce),
            "rolling" => Ok(Strategy::Rolling { batch: r.batch.max(1) }),
            "blue-green" => Ok(Strategy::BlueGreen { keep_old: r.keep_old }),
            "canary" => {
                let steps = if r.steps.is_empty() {
                    vec![(Percent::from_ppm(100_000), Duration::from_secs(300))]
                } else {
                    r.steps.iter().map(|s| (s.weight, s.bake)).collect()
                };
                Ok(Strategy::Canary { steps })
            }
            "linear" => Ok(Strategy::Linear {
                increment: r.increment.unwrap_or(Percent::from_ppm(100_000)),
                interval: r.interval.unwrap_or(Duration::from_secs(60)),
            }),
            other => {
                // `canary-10pct-5m` and `linear-10pct-every-1m`.
                let parts: Vec<&str> = other.split('-').collect();
                match parts.as_slice() {
                    ["canary", w, d] => {
                        Ok(Strategy::Canary { steps: vec![(percent(w).ok_or_else(bad_preset)?, d.parse().map_err(|_| bad_preset())?)] })
                    }
                    ["linear", w, "every", d] => Ok(Strategy::Linear {
                        increment: percent(w).ok_or_else(bad_preset)?,
                        interval: d.parse().map_err(|_| bad_preset())?,
                    }),
                    _ => Err(bad_preset()),
                }
            }
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
