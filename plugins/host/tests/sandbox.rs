//! The sandbox against plugins that misbehave on purpose, and the shipped
//! prober and strategy doing their jobs. Each failure must cost one error that
//! names the plugin and the limit, and the next call must work.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly by design")]

mod common;

use common::{copy_with, endpoint, hostile, shipped};
use lift_host::{Host, PluginError, Target};

fn host() -> Host {
    Host::new(None).unwrap()
}

fn target(url: &str) -> Target {
    Target { url: url.into(), expect_status: None, body_contains: None, timeout_ms: 1000 }
}

#[test]
fn the_http_prober_judges_status_body_and_latency_on_loopback() {
    let base = endpoint();
    let plugin = host().load(&shipped("http-prober")).unwrap();
    let mut prober = plugin.prober().unwrap();
    let ok = prober.probe(&Target { body_contains: Some("good".into()), ..target(&format!("{base}/ok")) }).unwrap();
    assert!(ok.ok && ok.status == Some(200), "{ok:?}");
    assert!(ok.detail.starts_with("status 200 in "), "{ok:?}");
    let fail = prober.probe(&target(&format!("{base}/fail"))).unwrap();
    assert!(!fail.ok && fail.status == Some(500) && fail.detail == "status 500, expected 200", "{fail:?}");
    let expect_500 = prober.probe(&Target { expect_status: Some(500), ..target(&format!("{base}/fail")) }).unwrap();
    assert!(expect_500.ok, "{expect_500:?}");
    let wrong_body = prober.probe(&Target { body_contains: Some("great".into()), ..target(&format!("{base}/ok")) }).unwrap();
    assert!(!wrong_body.ok && wrong_body.detail.contains("does not contain \"great\""), "{wrong_body:?}");
    let slow = prober.probe(&Target { timeout_ms: 200, ..target(&format!("{base}/slow")) }).unwrap();
    assert!(!slow.ok && slow.detail == "no answer within 200 ms", "{slow:?}");
    // A server that trickles its headers a byte at a time is cut at the same timeout.
    let started = std::time::Instant::now();
    let trickle = prober.probe(&Target { timeout_ms: 300, ..target(&format!("{base}/trickle")) }).unwrap();
    assert!(!trickle.ok && trickle.detail == "no answer within 300 ms", "{trickle:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(8), "the trickle lasts 10 s: {:?}", started.elapsed());
    let big = prober.probe(&target(&format!("{base}/big"))).unwrap();
    assert!(!big.ok && big.detail.contains("over the host's cap"), "{big:?}");
    let closed = prober.probe(&target("http://127.0.0.1:1/")).unwrap();
    assert!(!closed.ok && closed.detail.starts_with("connection failed"), "{closed:?}");
}

#[test]
fn a_host_off_the_allowlist_is_denied_and_logged() {
    let plugin = host().load(&shipped("http-prober")).unwrap();
    let mut prober = plugin.prober().unwrap();
    let denied = prober.probe(&target("http://10.1.2.3/health")).unwrap();
    assert!(!denied.ok && denied.detail.contains("denied by the host") && denied.detail.contains("10.1.2.3:80"), "{denied:?}");
    let log = plugin.drain_log();
    assert!(
        log.iter().any(|r| r.plugin == "http-prober" && r.level == "warn" && r.message.starts_with("denied GET http://10.1.2.3/health")),
        "{log:?}"
    );
}

#[test]
fn a_redirect_is_returned_to_the_plugin_never_followed() {
    // A redirect towards a host the allowlist denies (and towards an allowed one): the
    // plugin sees the 302 itself; the host opens no connection on its behalf.
    let base = endpoint();
    let plugin = host().load(&shipped("http-prober")).unwrap();
    let mut prober = plugin.prober().unwrap();
    for to in ["http://169.254.169.254/latest/meta-data/", &format!("{base}/ok")] {
        let h = prober.probe(&target(&format!("{base}/redirect?to={to}"))).unwrap();
        assert!(!h.ok && h.status == Some(302) && h.detail == "status 302, expected 200", "{h:?}");
    }
    let log = plugin.drain_log();
    // Two requests, both to the endpoint; none to where the redirects point.
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|r| r.message.starts_with(&format!("GET {base}/redirect?to=")) && r.message.ends_with("-> 302")), "{log:?}");
}

#[test]
fn a_plugin_flooding_its_log_is_kept_to_the_cap() {
    let plugin = host().load(&hostile("hostile-prober")).unwrap();
    let mut prober = plugin.prober().unwrap();
    let h = prober.probe(&target("hostile://flood")).unwrap();
    assert_eq!(h.detail, "flooded");
    let log = plugin.drain_log();
    // 5,000 records of 10 KB asked for: 1,000 kept, each cut at 4 KiB and marked.
    assert_eq!(log.len(), 1000);
    assert!(log.iter().all(|r| r.message.len() <= 4096 + " [truncated]".len() && r.message.ends_with(" [truncated]")));
    assert!(plugin.drain_log().is_empty(), "draining empties it");
}

/// Each hostile act, then an honest probe on the same handle: the host carries on.
#[test]
fn each_hostile_act_costs_one_error_naming_the_plugin_and_the_limit() {
    let base = endpoint();
    let plugin = host().load(&hostile("hostile-prober")).unwrap();
    let mut prober = plugin.prober().unwrap();
    let honest = |p: &mut lift_host::Prober| {
        let h = p.probe(&target(&format!("{base}/ok"))).unwrap();
        assert!(h.ok && h.detail == "honest", "{h:?}");
    };
    honest(&mut prober);

    match prober.probe(&target("hostile://trap")) {
        Err(PluginError::Trap { plugin, call, message }) => {
            assert_eq!((plugin.as_str(), call.as_str()), ("hostile-prober", "probe"));
            assert!(message.contains("deliberate panic"), "the panic message is carried: {message}");
        }
        other => panic!("{other:?}"),
    }
    honest(&mut prober);

    match prober.probe(&target("hostile://loop")) {
        Err(e @ PluginError::Limit { .. }) => {
            assert_eq!(e.to_string(), "plugin `hostile-prober` hit its fuel budget of 200000000 units in `probe`")
        }
        other => panic!("{other:?}"),
    }
    honest(&mut prober);

    match prober.probe(&target("hostile://oom")) {
        Err(e @ PluginError::Limit { .. }) => assert!(e.to_string().contains("hit its memory cap of 16 MiB (it asked for"), "{e}"),
        other => panic!("{other:?}"),
    }
    honest(&mut prober);

    match prober.probe(&target("hostile://garbage")) {
        Err(e @ PluginError::Malformed { .. }) => assert!(e.to_string().contains("utf-8"), "{e}"),
        other => panic!("{other:?}"),
    }
    honest(&mut prober);

    let escape = prober.probe(&target("hostile://escape")).unwrap();
    assert!(!escape.ok && escape.detail.starts_with("HttpError::Denied(") && escape.detail.contains("169.254.169.254:80"), "{escape:?}");
    honest(&mut prober);

    let log = plugin.drain_log();
    for needle in ["trapped in `probe`", "fuel budget", "memory cap", "malformed data", "denied GET http://169.254.169.254"] {
        assert!(log.iter().any(|r| r.message.contains(needle)), "{needle} in {log:#?}");
    }
}

#[test]
fn a_loop_under_a_large_fuel_budget_meets_the_wall_clock_timeout() {
    let (_dir, path) = copy_with(&hostile("hostile-prober"), |t| {
        t.replace("fuel = 200_000_000", "fuel = 1_000_000_000_000").replace("timeout_ms = 2_000", "timeout_ms = 300")
    });
    let plugin = host().load(&path).unwrap();
    match plugin.prober().unwrap().probe(&target("hostile://loop")) {
        Err(e @ PluginError::Limit { .. }) => {
            assert_eq!(e.to_string(), "plugin `hostile-prober` hit its wall-clock timeout of 300 ms in `probe`")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn plugins_are_checked_before_they_load_with_every_finding() {
    let host = host();
    // A changed component: the hash no longer matches.
    let (_d1, tampered) = copy_with(&shipped("http-prober"), |t| t);
    let wasm = tampered.with_file_name("http-prober.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap();
    bytes.extend_from_slice(b"\0\0");
    std::fs::write(&wasm, bytes).unwrap();
    let e = host.load(&tampered).unwrap_err().to_string();
    assert!(e.starts_with("plugin `http-prober` is refused:") && e.contains("sha256 is") && e.contains("the manifest says"), "{e}");

    // A prober that claims to be a strategy: it imports HTTP, which a strategy is not granted, and lacks the exports.
    let (_d2, liar) = copy_with(&shipped("http-prober"), |t| {
        t.replace("world = \"prober\"", "world = \"strategy\"").split("[http]").next().unwrap().to_string()
    });
    let e = host.load(&liar).unwrap_err().to_string();
    assert!(e.contains("imports `lift:plugin/http@0.3.0`, which the strategy world does not grant"), "{e}");
    assert!(e.contains("does not export the strategy world"), "{e}");

    // Built for a minor version this host does not speak.
    let (_d3, newer) = copy_with(&shipped("business-hours"), |t| t.replace("lift:plugin@0.3.0", "lift:plugin@0.4.0"));
    let e = host.load(&newer).unwrap_err().to_string();
    assert!(e.contains("built for `lift:plugin@0.4.0`") && e.contains("it speaks `lift:plugin@0.3.0`"), "{e}");

    // Not a component at all.
    let (_d4, junk) = copy_with(&shipped("business-hours"), |t| t);
    std::fs::write(junk.with_file_name("business-hours.wasm"), b"not wasm").unwrap();
    let e = host.load(&junk).unwrap_err().to_string();
    assert!(e.contains("not a WebAssembly component"), "{e}");

    // No manifest.
    let e = host.load(&junk.with_file_name("nothing.toml")).unwrap_err().to_string();
    assert!(e.contains("nothing.toml") && e.contains("needs a manifest"), "{e}");

    // Asking a strategy for a prober handle.
    let strategy = host.load(&shipped("business-hours")).unwrap();
    assert!(strategy.prober().err().unwrap().to_string().contains("it is a strategy plugin, not a prober"));
}

#[test]
fn inspect_shows_what_a_plugin_imports_and_exports() {
    let inspection = host().inspect(&shipped("http-prober")).unwrap();
    assert!(inspection.findings.is_empty(), "{:?}", inspection.findings);
    assert!(inspection.imports.contains(&"lift:plugin/http@0.3.0".to_string()), "{:?}", inspection.imports);
    assert!(inspection.imports.iter().all(|i| i.starts_with("lift:plugin/") || i.starts_with("wasi:")), "{:?}", inspection.imports);
    assert!(!inspection.imports.iter().any(|i| i.starts_with("wasi:sockets")), "{:?}", inspection.imports);
    assert_eq!(inspection.exports, ["probe"]);
    assert_eq!(inspection.manifest.unwrap()["http"]["allow"][0], "http://127.0.0.1:*");
}

#[test]
fn compiled_components_are_cached_on_disk() {
    let dir = common::tempdir::Dir::new();
    let first = Host::new(Some(dir.0.clone())).unwrap();
    first.load(&shipped("business-hours")).unwrap();
    drop(first);
    let files = walk(&dir.0);
    assert!(!files.is_empty(), "the first load leaves a compiled artifact in the cache");
    // A second host loads from the cache, and the plugin works.
    let second = Host::new(Some(dir.0.clone())).unwrap();
    let plugin = second.load(&shipped("business-hours")).unwrap();
    assert_eq!(lift_host::WasmStrategy::new(&plugin).unwrap().name(), "business-hours");
    assert_eq!(walk(&dir.0), files, "nothing new was compiled");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else if p.extension().is_none() && !p.file_name().unwrap().to_string_lossy().starts_with('.') {
            // The compiled artifacts; wasmtime keeps usage stats and locks beside them.
            out.push(p)
        }
    }
    out.sort();
    out
}
