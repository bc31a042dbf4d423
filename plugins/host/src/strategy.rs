//! A strategy component as the core's [`GatePolicy`]: a user's strategy plugs
//! into the same rollout machine as the built-ins. When the plugin fails (a
//! trap, a limit, malformed data), the rollout rolls back cleanly: a strategy
//! that cannot decide cannot be trusted to go on, and a person asked would
//! have nothing to go on either. The reason names the plugin and what it hit.

use crate::bindings::strategy::Strategy;
use crate::bindings::types;
use crate::plugin::{Plugin, PluginError, Runner};
use lift_core::rollout::{GatePolicy, Next, Verdict, View};
use std::sync::Mutex;

/// The longest wait a strategy may ask for before checking again.
const MAX_RETRY_MS: u64 = 24 * 3_600_000;

/// A loaded strategy plugin.
pub struct WasmStrategy {
    name: String,
    runner: Mutex<Runner<Strategy>>,
}

impl WasmStrategy {
    /// Adapt a loaded strategy plugin; it must say its own name.
    pub fn new(plugin: &Plugin) -> Result<WasmStrategy, PluginError> {
        let mut runner = plugin.strategy_runner()?;
        let name = runner.call("name", |b, s| b.call_name(s))?;
        Ok(WasmStrategy { name, runner: Mutex::new(runner) })
    }

    /// The strategy's name, as it says it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the plugin decides, or why it could not.
    pub fn decide(&self, view: &View) -> Result<Next, PluginError> {
        let wit = to_wit(view);
        let mut runner = self.runner.lock().unwrap_or_else(|p| p.into_inner());
        let next = runner.call("decide", |b, s| b.call_decide(s, &wit))?;
        from_wit(next).map_err(|message| PluginError::Malformed { plugin: self.name.clone(), call: "decide".into(), message })
    }
}

impl GatePolicy for WasmStrategy {
    fn on_gate(&self, view: &View) -> Next {
        self.decide(view).unwrap_or_else(|e| Next::RollBack { why: format!("{e}; rolling back") })
    }
}

fn to_wit(view: &View) -> types::RolloutView {
    use lift_core::spec::NoData;
    types::RolloutView {
        step: view.step as u32,
        steps: view.steps as u32,
        wave: view.wave as u32,
        weights: view.weights.iter().map(|(region, w)| types::RegionWeight { region: region.clone(), weight_ppm: *w }).collect(),
        verdict: match view.verdict {
            Verdict::Pass => types::Verdict::Pass,
            Verdict::Fail => types::Verdict::Fail,
            Verdict::Inconclusive => types::Verdict::Inconclusive,
            Verdict::Error => types::Verdict::Error,
            Verdict::NoData => types::Verdict::NoData,
        },
        evidence: view.evidence.summary.clone(),
        failures_in_a_row: view.failures_in_a_row,
        errors_in_a_row: view.errors_in_a_row,
        failure_limit: view.failure_limit,
        error_limit: view.error_limit,
        no_data: match view.no_data {
            NoData::Wait => types::NoDataPolicy::Wait,
            NoData::Fail => types::NoDataPolicy::Fail,
            NoData::Pass => types::NoDataPolicy::Pass,
        },
        now_ms: view.now.as_millis(),
    }
}

/// The plugin's answer, checked: a reason a person can read, a sane wait.
fn from_wit(next: types::Next) -> Result<Next, String> {
    let why = |w: String| if w.trim().is_empty() { Err("a decision needs a reason a person can read".to_string()) } else { Ok(w) };
    Ok(match next {
        types::Next::Continue(w) => Next::Continue { why: why(w)? },
        types::Next::AskPerson(w) => Next::AskPerson { why: why(w)? },
        types::Next::RollBack(w) => Next::RollBack { why: why(w)? },
        types::Next::Retry(r) if r.after_ms == 0 || r.after_ms > MAX_RETRY_MS => {
            return Err(format!("retry after {} ms is outside 1 ms to 24 h", r.after_ms));
        }
        types::Next::Retry(r) => {
            Next::Retry { why: why(r.why)?, after: lift_core::time::Duration::from_millis(r.after_ms), failed: r.failed }
        }
    })
}
