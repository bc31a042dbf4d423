//! Misbehaves on purpose, as the gate's evidence says: `loop` spins forever,
//! as does a real gate's evidence (it starts `error rate`, so a real rollout
//! meets the loop at its first gate), `mute` decides without a reason,
//! `forever` asks to retry in a year; anything else continues.

use lift_plugin_sdk::strategy::{Guest, Next, Retry, RolloutView};

struct Hostile;

impl Guest for Hostile {
    fn name() -> String {
        "hostile".into()
    }

    fn decide(view: RolloutView) -> Next {
        match view.evidence.as_str() {
            e if e == "loop" || e.starts_with("error rate") => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "mute" => Next::Continue(String::new()),
            "forever" => Next::Retry(Retry { why: "see you next year".into(), after_ms: 365 * 24 * 3_600_000, failed: false }),
            _ => Next::Continue("fine".into()),
        }
    }
}

lift_plugin_sdk::export_strategy!(Hostile);
