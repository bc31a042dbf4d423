//! Misbehaves on purpose, as the target's URL says: `hostile://trap`,
//! `hostile://loop`, `hostile://oom`, `hostile://garbage`, `hostile://escape`
//! (a host the manifest does not allow), `hostile://flood` (5,000 log records
//! of 10 KB each); anything else is probed honestly.
#![allow(clippy::panic)]

use lift_plugin_sdk::prober::http::{self, Request};
use lift_plugin_sdk::prober::{Guest, Health, Level, Target, log};

struct Hostile;

impl Guest for Hostile {
    fn probe(target: Target) -> Health {
        let health = |ok: bool, detail: String| Health { ok, status: None, latency_ms: 0, detail };
        match target.url.as_str() {
            "hostile://trap" => panic!("hostile plugin: deliberate panic"),
            "hostile://loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "hostile://oom" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "hostile://garbage" => {
                // Bytes that are not UTF-8 where the interface promises a string.
                #[allow(unsafe_code)]
                // SAFETY: deliberately not; the host must refuse it at the boundary.
                let detail = unsafe { String::from_utf8_unchecked(vec![0xff, 0xfe, 0xfd]) };
                health(true, detail)
            }
            "hostile://flood" => {
                let line = "x".repeat(10_000);
                for _ in 0..5_000 {
                    log(Level::Warn, &line);
                }
                health(true, "flooded".into())
            }
            "hostile://escape" => {
                let request = Request {
                    method: "GET".into(),
                    url: "http://169.254.169.254/latest/meta-data/".into(),
                    headers: vec![],
                    body: vec![],
                    timeout_ms: 0,
                };
                match http::send(&request) {
                    Ok(r) => health(true, format!("escaped: status {}", r.status)),
                    Err(e) => health(false, format!("{e:?}")),
                }
            }
            url => {
                let request = Request { method: "GET".into(), url: url.into(), headers: vec![], body: vec![], timeout_ms: 0 };
                match http::send(&request) {
                    Ok(r) => Health { ok: r.status == 200, status: Some(r.status), latency_ms: 0, detail: "honest".into() },
                    Err(e) => health(false, format!("{e:?}")),
                }
            }
        }
    }
}

lift_plugin_sdk::export_prober!(Hostile);
