//! Gates: a verdict on a step, the view a strategy decides on, and what comes
//! next. The built-in strategies share [`standard_policy`]; a user's strategy
//! (a WebAssembly plugin, adapted by the host) implements [`GatePolicy`].

use crate::evidence::Evidence;
use crate::spec::NoData;
use crate::time::{Duration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long a broken measurement or a failed check waits before the gate runs again.
pub const GATE_RETRY: Duration = Duration::from_millis(10_000);

/// A gate's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The step is healthy: go on.
    Pass,
    /// The step is unhealthy: roll back.
    Fail,
    /// The data cannot tell: a person decides.
    Inconclusive,
    /// The measurement itself failed (no data source, timeout): retried, then a person decides.
    Error,
    /// There was nothing to measure (no traffic): the plan's `no_data` policy decides.
    NoData,
}

/// What a strategy sees when a gate reports: read-only, and serialisable so a
/// strategy running as a WebAssembly plugin can be handed the same view.
///
/// Deserialisable too, with every field optional: what a missing field takes
/// is what a first step of a spec's defaults would see (see [`View::default`]),
/// so `lift plugin decide` asks a plugin what a real rollout would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct View {
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
    pub evidence: Evidence,
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
    pub now: Timestamp,
}

impl Default for View {
    /// The first step of a one-step plan with the spec's default gate policy,
    /// a pass with no evidence, at the epoch.
    fn default() -> View {
        let spec = crate::spec::Rollout::default();
        View {
            step: 0,
            steps: 1,
            wave: 0,
            weights: BTreeMap::new(),
            verdict: Verdict::Pass,
            evidence: Evidence::none(),
            failures_in_a_row: 0,
            errors_in_a_row: 0,
            failure_limit: spec.failure_limit.max(1),
            error_limit: spec.error_limit.max(1),
            no_data: spec.no_data,
            now: Timestamp::ZERO,
        }
    }
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
    /// Run the gate again after `after`; `failed` counts it as a failed
    /// check, else as a broken measurement.
    Retry {
        /// Why.
        why: String,
        /// Wait before checking again.
        after: Duration,
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
    fn on_gate(&self, view: &View) -> Next;
}

impl GatePolicy for super::strategy::Strategy {
    fn on_gate(&self, view: &View) -> Next {
        standard_policy(view)
    }
}

/// The policy of the built-in strategies: a pass goes on; a failure rolls back
/// once `failure_limit` checks in a row have failed; inconclusive asks a person;
/// a broken measurement is retried until `error_limit`, then a person decides;
/// no data follows the spec's `no_data` and never passes silently.
pub fn standard_policy(view: &View) -> Next {
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
            after: GATE_RETRY,
            failed: true,
        },
        Verdict::Inconclusive => Next::AskPerson { why: "gate inconclusive".into() },
        Verdict::Error if view.errors_in_a_row + 1 >= view.error_limit => {
            Next::AskPerson { why: format!("{} broken measurements in a row", view.errors_in_a_row + 1) }
        }
        Verdict::Error => Next::Retry { why: "measurement failed".into(), after: GATE_RETRY, failed: false },
    }
}
