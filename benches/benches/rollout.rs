//! Rollout planning and the state machine's cost per event.

use criterion::{Criterion, criterion_group, criterion_main};
use lift_benches::Counting;
use lift_core::App;
use lift_core::evidence::Evidence;
use lift_core::machine::Machine;
use lift_core::rollout::{Event, Rollout, RolloutAction, Verdict};
use lift_core::time::Timestamp;
use std::hint::black_box;

#[global_allocator]
static ALLOC: Counting = Counting;

const REGIONS: [&str; 20] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
    "me-south-1",
    "af-south-1",
];

/// 20 regions in 5 waves of 4, a three-step canary.
fn spec() -> String {
    let waves: Vec<String> = REGIONS.chunks(4).map(|c| format!("[{}]", c.join(", "))).collect();
    format!(
        "app: big\nregions: {{ primary: {}, standby: [{}] }}\nrollout:\n  strategy: canary\n  steps: [{{ weight: 5%, bake: 5m }}, {{ weight: 25%, bake: 10m }}, {{ weight: 50%, bake: 10m }}]\n  waves: [{}]\n  stagger: 10m\n  gates: [{{ error_rate: 1% }}, {{ latency_p99: 300ms }}]\n",
        REGIONS[0],
        REGIONS[1..].join(", "),
        waves.join(", ")
    )
}

/// Drive a whole rollout where every gate passes; returns the number of events handled.
fn drive(machine: &mut Rollout) -> usize {
    let mut now = Timestamp::ZERO;
    let mut events = 0;
    loop {
        let mut pending = Vec::new();
        while let Some(action) = machine.poll(now) {
            match action {
                RolloutAction::Deploy { region } => pending.push(Event::Deployed { region }),
                RolloutAction::SetWeight { region, weight_ppm } => pending.push(Event::WeightSet { region, weight_ppm }),
                RolloutAction::RunGate { step, .. } => {
                    pending.push(Event::Gate { step, verdict: Verdict::Pass, evidence: Evidence::none() })
                }
                RolloutAction::Finish { .. } => return events,
                _ => {}
            }
        }
        if pending.is_empty() {
            match machine.next_deadline() {
                Some(t) => now = t,
                None => return events,
            }
        }
        for e in pending {
            machine.handle(e, now);
            events += 1;
        }
    }
}

fn rollout(c: &mut Criterion) {
    let text = spec();
    let Ok(app) = App::from_text(&text) else { return };
    let Ok(plan) = app.plan() else { return };
    let mut probe = Rollout::new(&plan);
    let events = drive(&mut probe);
    eprintln!("20 regions, 5 waves: {} plan steps, {events} events per rollout", plan.steps.len());
    c.bench_function("rollout/plan_20_regions_5_waves", |b| b.iter(|| lift_core::rollout::plan(black_box(app.spec()))));
    c.bench_function("rollout/drive_20_regions_5_waves", |b| {
        b.iter(|| {
            let mut m = Rollout::new(&plan);
            drive(&mut m)
        })
    });
}

criterion_group!(benches, rollout);
criterion_main!(benches);
