//! The plugin boundary's costs: a strategy decision round trip, making a fresh
//! instance of a compiled plugin, loading one from the on-disk compile cache,
//! and the host's overhead per HTTP call (a probe through the plugin against
//! the same GET made directly). Needs `scripts/build-plugins` first.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use lift_core::rollout::{Verdict, View};
use lift_core::spec::NoData;
use lift_host::{Host, Target, WasmStrategy};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;

fn shipped(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bindings-python/python/lift/plugins").join(format!("{name}.toml"));
    assert!(p.exists(), "{} is missing: run scripts/build-plugins first", p.display());
    p
}

/// A keep-alive loopback server answering every request with 200 "ok".
fn server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut out = stream;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                    }
                    if out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}/health")
}

fn bench(c: &mut Criterion) {
    let cache = std::env::temp_dir().join(format!("lift-plugin-bench-{}", std::process::id()));
    let host = Host::new(Some(cache.clone())).unwrap();
    let plugin = host.load(&shipped("business-hours")).unwrap();
    let strategy = WasmStrategy::new(&plugin).unwrap();
    let view = View {
        step: 1,
        steps: 4,
        wave: 0,
        weights: BTreeMap::from([("us-east-1".to_string(), 100_000), ("eu-west-1".to_string(), 0)]),
        verdict: Verdict::Pass,
        evidence: "availability 99.95% >= 99.9% over 5m".into(),
        failures_in_a_row: 0,
        errors_in_a_row: 0,
        failure_limit: 2,
        error_limit: 3,
        no_data: NoData::Wait,
        now: lift_core::time::Timestamp::from_millis(1_796_119_200_000),
    };
    let mut g = c.benchmark_group("plugins");
    g.bench_function("decide_round_trip", |b| b.iter(|| black_box(strategy.decide(black_box(&view)).unwrap())));
    // A fresh store and instance of a compiled plugin, and its first call (`name`).
    g.bench_function("instantiate_compiled", |b| b.iter(|| black_box(WasmStrategy::new(&plugin).unwrap())));
    // A new host reading the compiled component from the disk cache (hash check, imports check, deserialise).
    g.bench_function("load_from_disk_cache", |b| {
        b.iter(|| {
            let host = Host::new(Some(cache.clone())).unwrap();
            black_box(host.load(&shipped("business-hours")).unwrap())
        })
    });
    let url = server();
    let prober = host.load(&shipped("http-prober")).unwrap();
    let mut handle = prober.prober().unwrap();
    let target = Target { url: url.clone(), expect_status: None, body_contains: None, timeout_ms: 1000 };
    g.bench_function("probe_through_plugin", |b| b.iter(|| assert!(handle.probe(&target).unwrap().ok)));
    // The host's side alone: allowlist check, request built, sent and read with caps.
    let cap = lift_host::http::Capability::new(&lift_host::HttpPolicy {
        allow: vec!["http://127.0.0.1:*".into()],
        timeout_ms: 5_000,
        max_body_bytes: 1 << 20,
    });
    let request =
        lift_host::http::Request { method: "GET".into(), url: url.clone(), headers: Vec::new(), body: Vec::new(), timeout_ms: 1000 };
    g.bench_function("capability_send", |b| {
        b.iter(|| assert_eq!(cap.send(request.clone(), std::time::Instant::now() + std::time::Duration::from_secs(5)).unwrap().status, 200))
    });
    let agent = ureq::Agent::new_with_defaults();
    g.bench_function("get_direct", |b| b.iter(|| assert_eq!(agent.get(&url).call().unwrap().body_mut().read_to_string().unwrap(), "ok")));
    g.finish();
    let _ = std::fs::remove_dir_all(cache);
}

criterion_group!(benches, bench);
criterion_main!(benches);
