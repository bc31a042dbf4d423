//! SLO tracking: cost per ingested sample, and evaluating every alert rule of 1,000 SLOs.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lift_benches::Counting;
use lift_core::slo::{PercentileSlices, Tracker, burn_rate, default_rules};
use lift_core::spec::units::{Duration, Percent};
use lift_core::time::Timestamp;
use std::hint::black_box;

#[global_allocator]
static ALLOC: Counting = Counting;

fn slo(c: &mut Criterion) {
    let period = Duration::from_secs(30 * 86_400);
    let objective = Percent::from_ppm(999_000);
    let rules = default_rules(period);
    let t = Tracker::new(period);
    eprintln!("memory per SLO: {} bytes", t.memory_bytes());

    // One sample per 10 ms, so slices roll over as they would under load.
    let mut tracker = Tracker::new(period);
    let mut at = 0u64;
    c.bench_function("slo/record_sample", |b| {
        b.iter(|| {
            at += 10;
            tracker.record(black_box(Timestamp::from_millis(at)), 99, 100);
        })
    });

    // One request's latency per 1 ms into a p99-per-minute sketch; a slice closes every 60,000.
    let mut slices = PercentileSlices::new(Duration::from_secs(60), Percent::from_ppm(990_000), Duration::from_millis(300));
    let mut at = 0u64;
    c.bench_function("slo/record_latency", |b| {
        b.iter(|| {
            at += 1;
            slices.record(black_box(at), black_box((at % 997) as f64))
        })
    });

    // 1,000 SLOs with a day of minute samples each; evaluate all 4 rules (8 windows) of every one.
    let trackers: Vec<Tracker> = (0..1000)
        .map(|i| {
            let mut t = Tracker::new(period);
            for m in 0..1440u64 {
                t.record(Timestamp::from_millis(m * 60_000), 1000 - (i % 7), 1000);
            }
            t
        })
        .collect();
    let now = Timestamp::from_millis(1439 * 60_000);
    c.bench_function("slo/evaluate_1000_slos", |b| {
        b.iter_batched(
            || (),
            |()| {
                let mut firing = 0;
                for t in &trackers {
                    for r in &rules {
                        let long = t.counts(now, r.long_window).and_then(|c| burn_rate(objective, c));
                        let short = t.counts(now, r.short_window).and_then(|c| burn_rate(objective, c));
                        if long.is_some_and(|l| l >= r.burn_rate) && short.is_some_and(|s| s >= r.burn_rate) {
                            firing += 1;
                        }
                    }
                }
                firing
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, slo);
criterion_main!(benches);
