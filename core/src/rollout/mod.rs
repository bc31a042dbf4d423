//! Rollouts: how a new version reaches every region, planned before anything starts.
//!
//! [`plan`] turns the spec's `rollout` section into a [`Plan`]: waves of
//! regions, the traffic steps of the strategy in each, when each step starts,
//! how much traffic and how many regions are at stake, and how long rolling
//! back from each step can take. The plan is pure data, computed without a
//! clock; the state machine that drives a rollout builds on it.

mod codedeploy;
mod gate;
pub mod judge;
mod machine;
mod plan;
pub mod slo_judge;
mod strategy;
mod svg;

pub use codedeploy::CodeDeployConfig;
pub use gate::{GATE_RETRY, GatePolicy, Next, Verdict, View, standard_policy};
pub use machine::{Action as RolloutAction, Decision, Event, Outcome, Rollout, Status};
pub use plan::{Action, Plan, Step, Wave, plan, waves};
pub use strategy::{CODEDEPLOY_PRESETS, NAMES, Shift, Strategy};
