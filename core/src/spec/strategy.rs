//! The name of a rollout strategy, read once when the spec is loaded: one of
//! Lift's strategies, a preset (`canary-10pct-5m`, `linear-10pct-every-1m`),
//! or one of CodeDeploy's predefined Lambda configurations by its own name.

use super::check::did_you_mean;
use super::units::{Duration, Percent, UnitError};
use std::fmt;
use std::str::FromStr;

/// Lift's strategy names.
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

/// Which strategy a spec names; the steps, increments and batches come from the rest of `rollout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyKind {
    /// `all-at-once`.
    AllAtOnce,
    /// `rolling`.
    Rolling,
    /// `blue-green`.
    BlueGreen,
    /// `canary`, its steps in `rollout.steps`.
    Canary,
    /// `linear`, with `rollout.increment` and `rollout.interval`.
    Linear,
    /// `canary-10pct-5m`: one step.
    CanaryPreset {
        /// The canary's weight.
        weight: Percent,
        /// Its bake.
        bake: Duration,
    },
    /// `linear-10pct-every-1m`.
    LinearPreset {
        /// Traffic added per step.
        increment: Percent,
        /// Time between steps.
        interval: Duration,
    },
}

/// A strategy name as the spec wrote it, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrategyName {
    /// What it names.
    pub kind: StrategyKind,
    /// The CodeDeploy name it was written as, if it was (printed back as written).
    pub codedeploy: Option<&'static str>,
}

impl StrategyName {
    /// The default: `canary-10pct-5m`.
    pub fn default_canary() -> StrategyName {
        StrategyName {
            kind: StrategyKind::CanaryPreset { weight: Percent::from_ppm(100_000), bake: Duration::from_secs(300) },
            codedeploy: None,
        }
    }
}

fn percent(text: &str) -> Option<Percent> {
    format!("{}%", text.strip_suffix("pct")?).parse().ok()
}

impl FromStr for StrategyName {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let preset = CODEDEPLOY_PRESETS.iter().find(|(cd, _)| *cd == s);
        let codedeploy = preset.map(|(cd, _)| *cd);
        let name = preset.map_or(s, |(_, lift)| lift);
        let kind = match name {
            "all-at-once" => Some(StrategyKind::AllAtOnce),
            "rolling" => Some(StrategyKind::Rolling),
            "blue-green" => Some(StrategyKind::BlueGreen),
            "canary" => Some(StrategyKind::Canary),
            "linear" => Some(StrategyKind::Linear),
            other => match other.split('-').collect::<Vec<_>>().as_slice() {
                ["canary", w, d] => percent(w).zip(d.parse().ok()).map(|(weight, bake)| StrategyKind::CanaryPreset { weight, bake }),
                ["linear", w, "every", d] => {
                    percent(w).zip(d.parse().ok()).map(|(increment, interval)| StrategyKind::LinearPreset { increment, interval })
                }
                _ => None,
            },
        };
        kind.map(|kind| StrategyName { kind, codedeploy }).ok_or_else(|| {
            let names = NAMES.iter().copied().chain(CODEDEPLOY_PRESETS.iter().map(|(_, p)| *p));
            UnitError::NotOneOf {
                text: s.to_owned(),
                what: "strategy",
                hint: match did_you_mean(s, names) {
                    Some(m) => format!("did you mean `{m}`?"),
                    None => format!(
                        "use {}, or a preset such as `canary-10pct-5m` or `linear-10pct-every-1m`",
                        NAMES.map(|n| format!("`{n}`")).join(", ")
                    ),
                },
            }
        })
    }
}

impl fmt::Display for StrategyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(cd) = self.codedeploy {
            return f.write_str(cd);
        }
        let pct = |p: Percent| p.to_string().trim_end_matches('%').to_owned() + "pct";
        match self.kind {
            StrategyKind::AllAtOnce => f.write_str("all-at-once"),
            StrategyKind::Rolling => f.write_str("rolling"),
            StrategyKind::BlueGreen => f.write_str("blue-green"),
            StrategyKind::Canary => f.write_str("canary"),
            StrategyKind::Linear => f.write_str("linear"),
            StrategyKind::CanaryPreset { weight, bake } => write!(f, "canary-{}-{bake}", pct(weight)),
            StrategyKind::LinearPreset { increment, interval } => write!(f, "linear-{}-every-{interval}", pct(increment)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_once_and_print_back_as_written() {
        for text in ["canary", "canary-10pct-5m", "linear-12.5pct-every-90s", "LambdaLinear10PercentEvery10Minutes", "all-at-once"] {
            let name: StrategyName = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            let back = if text == "linear-12.5pct-every-90s" { "linear-12.5pct-every-1m30s" } else { text };
            assert_eq!(name.to_string(), back);
        }
        let e = "canery".parse::<StrategyName>().err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("`canery` is not a strategy; did you mean `canary`?"));
    }
}
