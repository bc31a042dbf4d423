//! Failure detection: cost per probe result.

use criterion::{Criterion, criterion_group, criterion_main};
use lift_benches::Counting;
use lift_core::recovery::{Detector, Probe, ProbeConfig};
use std::hint::black_box;

#[global_allocator]
static ALLOC: Counting = Counting;

fn detector(c: &mut Criterion) {
    let cfg = ProbeConfig {
        interval_ms: 1000,
        timeout_ms: 2000,
        failures: 3,
        successes: 5,
        quorum: 2,
        vantage_points: vec!["a".into(), "b".into(), "c".into()],
        slow_ms: Some(500),
    };
    let regions: Vec<String> = (0..20).map(|i| format!("region-{i}")).collect();
    let mut d = Detector::new(cfg, &regions);
    let probes: Vec<Probe> = regions
        .iter()
        .flat_map(|r| ["a", "b", "c"].map(|v| Probe { region: r.clone(), vantage: v.into(), ok: true, latency_ms: 40 }))
        .collect();
    let mut stream = probes.iter().cycle().enumerate();
    c.bench_function("recovery/observe_probe", |b| b.iter(|| stream.next().and_then(|(n, p)| d.observe(black_box(p), n as u64))));
}

criterion_group!(benches, detector);
criterion_main!(benches);
