//! Every operation of the core, linked into one WebAssembly module for WASI.
//!
//! On `wasm32-wasip1` whatever reads a file, the clock, the environment, the
//! network or randomness becomes an import from `wasi_snapshot_preview1`
//! (`path_open`, `clock_time_get`, `sock_recv`, `random_get`, ...), so the
//! module's import section lists what the core would touch. `scripts/test`
//! builds this and checks that list (`scripts/wasm-imports`); on
//! `wasm32-unknown-unknown` the same calls would compile to stubs and prove nothing.

use lift_core::app::{DrillFormat, PlanFormat, ReportFormat, RulesFormat};
use lift_core::machine::{Machine, drain};
use lift_core::rollout::{Event, Rollout, RolloutAction, Verdict};
use lift_core::time::Timestamp;
use lift_core::{App, Format};
use std::hint::black_box;

const SHOP: &str = include_str!("../../../examples/shop/lift.yaml");
const SAMPLES: &str = include_str!("../../../examples/shop/samples.csv");

/// Run every operation on the shop; the total length of what they made, so none is optimised away.
#[expect(unsafe_code, reason = "an exported symbol is how a wasm module offers a function; nothing unsafe runs")]
#[unsafe(no_mangle)]
pub extern "C" fn lift_core_everything() -> usize {
    let Ok(app) = App::from_text(black_box(SHOP)) else { return 0 };
    let mut made = app.validate().len();
    for format in Format::ALL {
        made += app.files(format).map_or(0, |f| f.files.iter().map(|(_, t)| t.len()).sum());
    }
    for format in [PlanFormat::Text, PlanFormat::Json, PlanFormat::Svg] {
        made += app.plan_as(format).map_or(0, |t| t.len());
    }
    for region in app.regions() {
        made += app.graph_svg(&region).map_or(0, |t| t.len());
    }
    made += app.drill_as("region-outage", "2h", DrillFormat::Json).map_or(0, |t| t.len());
    for format in [RulesFormat::Prometheus, RulesFormat::OpenSlo] {
        made += app.slo_rules(format, "slo-rules.yaml").map_or(0, |f| f.len());
    }
    made += app.slo_report(black_box(SAMPLES), ReportFormat::Html).map_or(0, |t| t.len());
    made += lift_core::slo::import_openslo(&lift_core::slo::openslo_yaml(app.spec())).map_or(0, |s| s.slos.len());
    // The machines, driven to their ends.
    if let Ok(plan) = app.plan() {
        let mut rollout = Rollout::new(&plan);
        let mut now = Timestamp::ZERO;
        for _ in 0..1000 {
            for action in drain(&mut rollout, now) {
                let event = match action {
                    RolloutAction::Deploy { region } => Event::Deployed { region },
                    RolloutAction::SetWeight { region, weight_ppm } => Event::WeightSet { region, weight_ppm },
                    RolloutAction::RunGate { step, .. } => Event::Gate { step, verdict: Verdict::Pass, evidence: "ok".into() },
                    RolloutAction::RollBack { region } => Event::RolledBack { region },
                    RolloutAction::AskApproval { .. } => Event::Approve,
                    RolloutAction::Finish { .. } => return made + rollout.status().decisions.len(),
                };
                rollout.handle(event, now);
            }
            now = rollout.next_deadline().unwrap_or(now);
        }
    }
    if let Ok(mut evaluator) = app.slo_evaluator("availability", &[("oncall".into(), "0s".into())]) {
        for minute in 0..120u64 {
            let now = Timestamp::from_millis(minute * 60_000);
            evaluator.handle(lift_core::slo::AlertEvent::Sample { good: 900, total: 1000 }, now);
            made += drain(&mut evaluator, now).len();
        }
    }
    made
}
