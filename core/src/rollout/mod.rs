//! Rollouts: how a new version reaches every region, planned before anything starts.
//!
//! [`plan`] turns the spec's `rollout` section into a [`Plan`]: waves of
//! regions, the traffic steps of the strategy in each, when each step starts,
//! how much traffic and how many regions are at stake, and how long rolling
//! back from each step can take. The plan is pure data, computed without a
//! clock; the state machine that drives a rollout builds on it.

mod machine;
mod plan;
mod strategy;
mod svg;

pub use machine::{Action as RolloutAction, Decision, Event, GATE_RETRY_MS, Outcome, Rollout, Status, Timestamp, Verdict};
pub use plan::{Action, Plan, PlanError, Step, Wave, plan, waves};
pub use strategy::{CODEDEPLOY_PRESETS, CodeDeployConfig, GatePolicy, NAMES, Next, Shift, Strategy, View, standard_policy};
