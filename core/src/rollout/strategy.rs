//! Deployment strategies: what the spec names, resolved into traffic steps.

use super::machine::Verdict;
use crate::spec::units::{Duration, Percent};
use crate::spec::{NoData, Rollout};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// CodeDeploy's predefined Lambda configurations, by the name CodeDeploy gives them, and Lift's preset name.
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

/// What a strategy sees when a gate reports: read-only, and serialisable so a
/// strategy running as a WebAssembly plugin can be handed the same view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View<'a> {
    /// Index of the step whose gate reported.
    pub step: usize,
    /// Steps in the plan.
    pub steps: usize,
    /// Its wave.
    pub wave: usize,
    /// Confirmed share on the new version per region (ppm).
    pub weights: BTreeMap<String, u32>,
    /// The verdict.
    pub verdict: Verdict,
    /// The numbers behind it.
    pub evidence: &'a str,
    /// Failed checks in a row before this one.
    pub failures_in_a_row: u32,
    /// Broken measurements in a row before this one.
    pub errors_in_a_row: u32,
    /// Failed checks in a row that roll back.
    pub failure_limit: u32,
    /// Broken measurements in a row before a person is asked.
    pub error_limit: u32,
    /// What no data means.
    pub no_data: NoData,
    /// When the gate reported, as the host passes time in (milliseconds since
    /// the epoch it chose; hosts that run calendar-aware strategies use Unix time).
    pub now: super::machine::Timestamp,
}

/// What comes next after a gate, as a strategy decides, with a reason a person can read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Next {
    /// Go on to the next step.
    Continue {
        /// Why.
        why: String,
    },
    /// Run the gate again after `after_ms`; `failed` counts it as a failed
    /// check, else as a broken measurement.
    Retry {
        /// Why.
        why: String,
        /// Wait before checking again (ms).
        after_ms: u64,
        /// A failed check (true) or a broken measurement (false).
        failed: bool,
    },
    /// A person decides (approve or abort).
    AskPerson {
        /// Why.
        why: String,
    },
    /// Put the previous version back.
    RollBack {
        /// Why.
        why: String,
    },
}

/// How a strategy answers gate verdicts. The built-in strategies share
/// [`standard_policy`]; a user's strategy (a WebAssembly plugin, through the
/// host) implements this trait with its own rules over the same view.
pub trait GatePolicy {
    /// Decide what follows a gate's verdict.
    fn on_gate(&self, view: &View<'_>) -> Next;
}

impl GatePolicy for Strategy {
    fn on_gate(&self, view: &View<'_>) -> Next {
        standard_policy(view)
    }
}

/// The policy of the built-in strategies: a pass goes on; a failure rolls back
/// once `failure_limit` checks in a row have failed; inconclusive asks a person;
/// a broken measurement is retried until `error_limit`, then a person decides;
/// no data follows the spec's `no_data` and never passes silently.
pub fn standard_policy(view: &View<'_>) -> Next {
    let verdict = match (view.verdict, view.no_data) {
        (Verdict::NoData, NoData::Pass) => return Next::Continue { why: "no data, and the policy says pass".into() },
        (Verdict::NoData, NoData::Fail) => Verdict::Fail,
        (Verdict::NoData, NoData::Wait) => Verdict::Error,
        (v, _) => v,
    };
    match verdict {
        Verdict::Pass | Verdict::NoData => Next::Continue { why: "gate passed".into() },
        Verdict::Fail if view.failures_in_a_row + 1 >= view.failure_limit => {
            Next::RollBack { why: format!("gate of step {} failed", view.step + 1) }
        }
        Verdict::Fail => Next::Retry {
            why: format!("{} of {} failed checks allowed", view.failures_in_a_row + 1, view.failure_limit),
            after_ms: super::machine::GATE_RETRY_MS,
            failed: true,
        },
        Verdict::Inconclusive => Next::AskPerson { why: "gate inconclusive".into() },
        Verdict::Error if view.errors_in_a_row + 1 >= view.error_limit => {
            Next::AskPerson { why: format!("{} broken measurements in a row", view.errors_in_a_row + 1) }
        }
        Verdict::Error => Next::Retry { why: "measurement failed".into(), after_ms: super::machine::GATE_RETRY_MS, failed: false },
    }
}

/// How CodeDeploy is told to shift traffic for a strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CodeDeployConfig {
    /// One of CodeDeploy's predefined configurations, such as `CodeDeployDefault.LambdaCanary10Percent5Minutes`.
    Predefined {
        /// Its name.
        name: String,
    },
    /// A custom time-based canary: `percent` first, the rest after `minutes`.
    Canary {
        /// Whole percent.
        percent: u32,
        /// Whole minutes.
        minutes: u64,
    },
    /// A custom time-based linear shift: `percent` more every `minutes`.
    Linear {
        /// Whole percent.
        percent: u32,
        /// Whole minutes.
        minutes: u64,
    },
}

impl Strategy {
    /// The CodeDeploy configuration that runs this strategy, or why none can:
    /// CodeDeploy takes one canary step, whole percents and whole minutes.
    pub fn codedeploy(&self) -> Result<CodeDeployConfig, String> {
        let whole = |p: Percent, d: Duration| -> Result<(u32, u64), String> {
            if p.ppm() % 10_000 != 0 || d.as_millis() % 60_000 != 0 || d.as_millis() == 0 {
                return Err(format!("CodeDeploy takes whole percents and whole minutes, not {p} and {d}"));
            }
            Ok((p.ppm() / 10_000, d.as_millis() / 60_000))
        };
        let predefined =
            |name: String| CODEDEPLOY_PRESETS.iter().any(|(cd, _)| name.ends_with(cd)).then_some(CodeDeployConfig::Predefined { name });
        match self {
            Strategy::AllAtOnce => Ok(CodeDeployConfig::Predefined { name: "CodeDeployDefault.LambdaAllAtOnce".into() }),
            Strategy::Canary { steps } => match steps.as_slice() {
                [(p, d)] => {
                    let (percent, minutes) = whole(*p, *d)?;
                    Ok(predefined(format!("CodeDeployDefault.LambdaCanary{percent}Percent{minutes}Minutes"))
                        .unwrap_or(CodeDeployConfig::Canary { percent, minutes }))
                }
                _ => Err(format!("CodeDeploy runs a canary of one step, not {}", steps.len())),
            },
            Strategy::Linear { increment, interval } => {
                let (percent, minutes) = whole(*increment, *interval)?;
                let unit = if minutes == 1 { "Minute" } else { "Minutes" };
                Ok(predefined(format!("CodeDeployDefault.LambdaLinear{percent}PercentEvery{minutes}{unit}"))
                    .unwrap_or(CodeDeployConfig::Linear { percent, minutes }))
            }
            Strategy::BlueGreen { .. } | Strategy::Rolling { .. } => {
                Err("CodeDeploy shifts Lambda traffic by canary, linear or all at once; blue-green and rolling are Lift's".into())
            }
        }
    }
}
