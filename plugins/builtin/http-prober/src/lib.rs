//! An HTTP prober: GET the target through the host's HTTP capability, and call
//! it healthy when the status is the expected one (200 unless told) and the
//! body contains the expected text. Plugins read no clock, so the latency is
//! the host's measurement, which it adds to every response as the
//! `x-lift-elapsed-ms` header.

use lift_plugin_sdk::prober::http::{self, HttpError, Request};
use lift_plugin_sdk::prober::{Guest, Health, Target};

struct HttpProber;

fn elapsed(headers: &[http::Header]) -> u32 {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case("x-lift-elapsed-ms")).and_then(|h| h.value.parse().ok()).unwrap_or(0)
}

impl Guest for HttpProber {
    fn probe(target: Target) -> Health {
        let request =
            Request { method: "GET".into(), url: target.url.clone(), headers: Vec::new(), body: Vec::new(), timeout_ms: target.timeout_ms };
        match http::send(&request) {
            Err(e) => Health {
                ok: false,
                status: None,
                latency_ms: 0,
                detail: match e {
                    HttpError::Denied(why) => format!("denied by the host: {why}"),
                    HttpError::Timeout => format!("no answer within {} ms", target.timeout_ms),
                    HttpError::TooLarge(n) => format!("body over the host's cap ({n} bytes)"),
                    HttpError::Connection(why) => format!("connection failed: {why}"),
                    HttpError::InvalidRequest(why) => format!("invalid request: {why}"),
                },
            },
            Ok(response) => {
                let want = target.expect_status.unwrap_or(200);
                let latency_ms = elapsed(&response.headers);
                let body_ok = target.body_contains.as_deref().is_none_or(|text| String::from_utf8_lossy(&response.body).contains(text));
                let detail = if response.status != want {
                    format!("status {}, expected {want}", response.status)
                } else if !body_ok {
                    format!("the body does not contain {:?}", target.body_contains.unwrap_or_default())
                } else {
                    format!("status {} in {latency_ms} ms", response.status)
                };
                Health { ok: response.status == want && body_ok, status: Some(response.status), latency_ms, detail }
            }
        }
    }
}

lift_plugin_sdk::export_prober!(HttpProber);
