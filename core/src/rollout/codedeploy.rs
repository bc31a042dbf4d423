//! CodeDeploy's side of a strategy: its predefined Lambda configurations and
//! the configuration that runs a strategy, for the template builder (which
//! writes the deployment group) and the plan (which names it).

use super::strategy::{CODEDEPLOY_PRESETS, Strategy};
use crate::spec::units::{Duration, Percent};
use serde::Serialize;

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
