//! Failure detection: cost per probe result.

use criterion::{Criterion, criterion_group, criterion_main};
use lift_benches::Counting;
use lift_core::recovery::{Detector, Probe, ProbeConfig};
use std::hint::black_box;

#[global_allocator]
static ALLOC: Counting = Counting;

fn detector(c: &mut Criterion) {
    // The spec's default probes (1 s, 2 s timeout, 3 failures, 5 successes, 2 of 3), slow at 500 ms.
    let spec = lift_core::spec::ProbeSpec { slow: Some(lift_core::spec::units::Duration::from_millis(500)), ..Default::default() };
    let cfg = ProbeConfig::from_spec(&spec);
    let regions: Vec<String> = (0..20).map(|i| format!("region-{i}")).collect();
    let mut d = Detector::new(cfg.clone(), &regions);
    let probes: Vec<Probe> = regions
        .iter()
        .flat_map(|r| cfg.vantage_points.iter().map(|v| Probe { region: r.clone(), vantage: v.clone(), ok: true, latency_ms: 40 }))
        .collect();
    let mut stream = probes.iter().cycle().enumerate();
    c.bench_function("recovery/observe_probe", |b| {
        b.iter(|| stream.next().and_then(|(n, p)| d.observe(black_box(p), lift_core::time::Timestamp::from_millis(n as u64))))
    });
}

/// A 30-day drill with 1-second probes from three vantage points in 20 regions:
/// 155 million probe results if each were evaluated.
fn month_drill(c: &mut Criterion) {
    let spec = format!(
        "app: bench\nregions: {{ primary: r0, standby: [{}] }}\nrecovery: {{ probe: {{ interval: 1s }} }}\n",
        (1..20).map(|i| format!("r{i}")).collect::<Vec<_>>().join(", ")
    );
    let Ok(app) = lift_core::App::from_text(&spec) else { return };
    let Some(recovery) = app.spec().recovery.clone() else { return };
    let regions = app.regions().to_vec();
    let month = 30 * 86_400_000;
    let d = lift_core::recovery::drill(&recovery, &regions, lift_core::recovery::Scenario::RegionOutage, month);
    eprintln!("30-day drill, 20 regions: {} probe results evaluated of {}", d.probes_evaluated, 30 * 86_400 * 3 * 20);
    let mut g = c.benchmark_group("recovery");
    g.sample_size(10);
    g.bench_function("drill_30_days_20_regions", |b| {
        b.iter(|| lift_core::recovery::drill(&recovery, &regions, lift_core::recovery::Scenario::RegionOutage, black_box(month)))
    });
    g.finish();
}

criterion_group!(benches, detector, month_drill);
criterion_main!(benches);
