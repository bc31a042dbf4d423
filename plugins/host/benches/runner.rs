//! The runner's own cost, without the world's: a whole rollout of the shop's
//! plan against a world that answers at once and a clock that jumps, so what
//! is measured is the machine, the journal (serialised and fsync'd per
//! record) and the loop; per step and per record. And the core's gate
//! judgment from measured traffic. Run: `cargo bench -p lift-host --bench runner`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use lift_core::app::App;
use lift_core::evidence::Evidence;
use lift_core::rollout::judge::{Observed, Thresholds, Traffic, judge};
use lift_core::rollout::slo_judge::{Read, Reading, judge_slo, reads};
use lift_core::rollout::{Event, RolloutAction as Action, Verdict};
use lift_core::slo::Sample;
use lift_core::time::{Duration, Timestamp};
use lift_host::runner::wall::JumpClock;
use lift_host::runner::{Runner, World, WorldError};
use std::hint::black_box;

struct Instant;

impl World for Instant {
    fn carry_out(&mut self, action: &Action, _id: &str, _now: Timestamp) -> Result<Option<Event>, WorldError> {
        Ok(match action {
            Action::Deploy { region } => Some(Event::Deployed { region: region.clone() }),
            Action::SetWeight { region, weight_ppm } => Some(Event::WeightSet { region: region.clone(), weight_ppm: *weight_ppm }),
            Action::RunGate { step, .. } => Some(Event::Gate { step: *step, verdict: Verdict::Pass, evidence: Evidence::said("ok") }),
            Action::AskApproval { .. } => Some(Event::Approve),
            Action::RollBack { region } => Some(Event::RolledBack { region: region.clone() }),
            Action::Finish { .. } => None,
        })
    }
}

fn bench(c: &mut Criterion) {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/shop/lift.yaml")).unwrap();
    let plan = App::from_text(&spec).unwrap().plan().unwrap();
    let dir = std::env::temp_dir().join(format!("lift-runner-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut n = 0u64;
    // One journal to report its size and record count.
    {
        let path = dir.join("probe.jsonl");
        let clock = JumpClock::at(0);
        let mut r = Runner::start(&plan, &path, "probe", 1, &clock).unwrap();
        r.run(&mut Instant, &mut (), &clock, 1_000).unwrap();
        let records = std::fs::read_to_string(&path).unwrap().lines().count();
        let bytes = std::fs::metadata(&path).unwrap().len();
        eprintln!(
            "shop rollout: {} steps, {records} journal records, {bytes} bytes ({} per record)",
            plan.steps.len(),
            bytes / records as u64
        );
    }
    c.bench_function("runner: the shop's whole rollout, instant world (journal fsync'd)", |b| {
        b.iter(|| {
            n += 1;
            let path = dir.join(format!("r{n}.jsonl"));
            let clock = JumpClock::at(0);
            let mut r = Runner::start(&plan, &path, "bench", 1, &clock).unwrap();
            black_box(r.run(&mut Instant, &mut (), &clock, 1_000).unwrap());
            std::fs::remove_file(&path).unwrap();
        })
    });
    let observed: Vec<Observed> = ["us-east-1", "eu-west-1"]
        .iter()
        .map(|r| Observed {
            scope: (*r).into(),
            new: Traffic { invocations: 500, errors: 3, p99_ms: Some(120.0) },
            previous: Some(Traffic { invocations: 4500, errors: 1, p99_ms: Some(95.0) }),
        })
        .collect();
    let thresholds = Thresholds { error_rate: Some(0.01), latency_p99_ms: Some(300.0) };
    c.bench_function("judge: a gate over two regions (error rate, p99, previous beside)", |b| {
        b.iter(|| black_box(judge(&thresholds, black_box(&observed), Duration::from_secs(300))))
    });
    // The shop's composite `checkout` SLO gate: availability (Errors) and latency (PR(:300)) of two
    // functions, read per minute over a 5-minute bake, turned into samples and judged by the report's attainment.
    let app = App::from_text(&spec).unwrap();
    let slos = app.spec().slos.clone();
    let readings: Vec<(String, Read, Vec<Reading>)> = reads(&slos, "checkout")
        .into_iter()
        .map(|(part, read)| {
            let got =
                (0..5u64).flat_map(|i| (0..2).map(move |_| Reading { at_ms: i * 60_000, invocations: 100.0, value: Some(99.0) })).collect();
            (part.to_owned(), read, got)
        })
        .collect();
    c.bench_function("judge: the shop's composite SLO gate (2 parts, 2 functions, 5 minutes)", |b| {
        b.iter(|| {
            let samples: Vec<Sample<'_>> = readings.iter().flat_map(|(part, read, got)| read.samples(part, got)).collect();
            black_box(judge_slo(&slos, "checkout", &samples, 300_000, "us-east-1", Duration::from_secs(300)))
        })
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
