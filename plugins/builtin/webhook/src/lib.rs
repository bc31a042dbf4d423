//! A notifier that speaks the common receivers' formats, chosen by the
//! `format` setting:
//!
//! - `generic`: the notice as JSON, POSTed to `url`;
//! - `slack`: an incoming-webhook message (`text` and Block Kit blocks);
//! - `pagerduty`: an Events API v2 event: `trigger` for a firing alert, an
//!   escalation, a rollout or a failover; `acknowledge` and `resolve` with the
//!   same `dedup_key`, so a resolved alert closes its incident;
//! - `opsgenie`: the Alert API: create with the dedup key as `alias`, then
//!   acknowledge and close by alias.
//!
//! A 429, a 5xx or a failed connection may be retried (the host backs off);
//! any other answer may not.

use std::cell::RefCell;

use lift_plugin_sdk::notifier::http::{self, Header, HttpError};
use lift_plugin_sdk::notifier::{DeliveryError, Guest, Notice, NoticeKind, Severity};
use serde_json::{Value, json};

/// The payload shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// The notice as JSON.
    #[default]
    Generic,
    /// Slack's incoming webhook.
    Slack,
    /// PagerDuty's Events API v2.
    PagerDuty,
    /// Opsgenie's Alert API.
    Opsgenie,
}

/// A configured channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channel {
    /// Where to send.
    pub url: String,
    /// In which shape.
    pub format: Format,
    /// PagerDuty's integration (routing) key.
    pub routing_key: String,
    /// Opsgenie's API key.
    pub api_key: String,
}

thread_local! {
    static CHANNEL: RefCell<Option<Channel>> = const { RefCell::new(None) };
}

impl Channel {
    /// From the host's settings: `format`, `url` (PagerDuty's and Opsgenie's
    /// have defaults), `routing-key` (PagerDuty), `api-key` (Opsgenie).
    pub fn from_settings(settings: &[(String, String)]) -> Result<Channel, String> {
        let known = ["format", "url", "routing-key", "api-key"];
        if let Some((k, _)) = settings.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            return Err(format!("unknown setting `{k}` (known: {})", known.join(", ")));
        }
        let get = |k: &str| settings.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let format = match get("format").as_str() {
            "" | "generic" => Format::Generic,
            "slack" => Format::Slack,
            "pagerduty" => Format::PagerDuty,
            "opsgenie" => Format::Opsgenie,
            other => return Err(format!("format `{other}` is not one of generic, slack, pagerduty, opsgenie")),
        };
        let mut url = get("url");
        if url.is_empty() {
            url = match format {
                Format::PagerDuty => "https://events.pagerduty.com/v2/enqueue".into(),
                Format::Opsgenie => "https://api.opsgenie.com/v2/alerts".into(),
                _ => return Err("`url` is required for a generic or Slack webhook".into()),
            };
        }
        let c = Channel { url: url.trim_end_matches('/').to_owned(), format, routing_key: get("routing-key"), api_key: get("api-key") };
        if c.format == Format::PagerDuty && c.routing_key.len() != 32 {
            return Err("PagerDuty needs `routing-key`: the integration key of an Events API v2 service (32 characters)".into());
        }
        if c.format == Format::Opsgenie && c.api_key.is_empty() {
            return Err("Opsgenie needs `api-key`: an API integration's key".into());
        }
        Ok(c)
    }
}

/// The kind's name, as the generic payload and the logs spell it.
pub fn kind_name(k: NoticeKind) -> &'static str {
    match k {
        NoticeKind::AlertFiring => "alert-firing",
        NoticeKind::AlertAcknowledged => "alert-acknowledged",
        NoticeKind::AlertResolved => "alert-resolved",
        NoticeKind::Escalation => "escalation",
        NoticeKind::RolloutStarted => "rollout-started",
        NoticeKind::RolloutWaiting => "rollout-waiting",
        NoticeKind::RolloutWave => "rollout-wave",
        NoticeKind::RolloutPromoted => "rollout-promoted",
        NoticeKind::RolloutRolledBack => "rollout-rolled-back",
        NoticeKind::Failover => "failover",
        NoticeKind::Failback => "failback",
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Page => "page",
    }
}

/// RFC 3339 with milliseconds, as PagerDuty and the generic payload give times.
pub fn rfc3339(ms: u64) -> String {
    lift_plugin_sdk::dates::rfc3339_ms(ms)
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn details(n: &Notice) -> Value {
    json!({
        "app": n.app,
        "region": n.region,
        "slo": n.slo,
        "kind": kind_name(n.kind),
        "text": n.text,
        "evidence": n.evidence,
    })
}

/// The generic payload: the notice as JSON.
pub fn generic(n: &Notice) -> Value {
    json!({
        "kind": kind_name(n.kind),
        "severity": severity_name(n.severity),
        "app": n.app,
        "region": n.region,
        "slo": n.slo,
        "title": n.title,
        "text": n.text,
        "evidence": n.evidence,
        "links": n.links.iter().map(|(name, url)| json!({"name": name, "url": url})).collect::<Vec<_>>(),
        "dedup_key": n.dedup_key,
        "at": rfc3339(n.at_ms),
    })
}

/// Slack's incoming-webhook message: `text` (notifications, and clients without blocks) and blocks.
pub fn slack(n: &Notice) -> Value {
    let icon = match (n.kind, n.severity) {
        (NoticeKind::AlertResolved | NoticeKind::RolloutPromoted, _) => ":white_check_mark:",
        (_, Severity::Page) => ":rotating_light:",
        (_, Severity::Warning) => ":warning:",
        (_, Severity::Info) => ":information_source:",
    };
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": cut(&n.title, 150)}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(&n.text, 3000)}}),
    ];
    if !n.evidence.is_empty() {
        let list: Vec<String> = n.evidence.iter().map(|e| format!("• {e}")).collect();
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(&list.join("\n"), 3000)}}));
    }
    let mut context = vec![format!("{} · {}", n.app, kind_name(n.kind))];
    context.extend(n.region.iter().cloned());
    context.extend(n.links.iter().map(|(name, url)| format!("<{url}|{name}>")));
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": cut(&context.join(" · "), 3000)}]}));
    json!({"text": cut(&format!("{icon} {}", n.title), 3000), "blocks": blocks})
}

/// PagerDuty's Events API v2 event.
pub fn pagerduty(n: &Notice, routing_key: &str) -> Value {
    let action = match n.kind {
        NoticeKind::AlertResolved => "resolve",
        NoticeKind::AlertAcknowledged => "acknowledge",
        _ => "trigger",
    };
    if action != "trigger" {
        return json!({"routing_key": routing_key, "event_action": action, "dedup_key": n.dedup_key});
    }
    let severity = match n.severity {
        Severity::Page => "critical",
        Severity::Warning => "warning",
        Severity::Info => "info",
    };
    json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": cut(&n.dedup_key, 255),
        "client": "Lift",
        "payload": {
            "summary": cut(&n.title, 1024),
            "source": format!("lift:{}", n.app),
            "severity": severity,
            "timestamp": rfc3339(n.at_ms),
            "component": n.region.clone().unwrap_or_else(|| n.app.clone()),
            "group": n.app,
            "class": kind_name(n.kind),
            "custom_details": details(n),
        },
        "links": n.links.iter().map(|(name, url)| json!({"href": url, "text": name})).collect::<Vec<_>>(),
    })
}

/// Opsgenie's request: the path after the alerts endpoint and the body.
pub fn opsgenie(n: &Notice) -> (String, Value) {
    let alias = cut(&n.dedup_key, 512);
    let encoded: String = alias
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    match n.kind {
        NoticeKind::AlertResolved => {
            (format!("/{encoded}/close?identifierType=alias"), json!({"source": "Lift", "note": cut(&n.text, 25_000)}))
        }
        NoticeKind::AlertAcknowledged => {
            (format!("/{encoded}/acknowledge?identifierType=alias"), json!({"source": "Lift", "note": cut(&n.text, 25_000)}))
        }
        _ => {
            let priority = match n.severity {
                Severity::Page => "P1",
                Severity::Warning => "P3",
                Severity::Info => "P5",
            };
            let mut tags = vec![format!("app:{}", n.app), kind_name(n.kind).to_owned()];
            tags.extend(n.region.iter().map(|r| format!("region:{r}")));
            let body = json!({
                "message": cut(&n.title, 130),
                "alias": alias,
                "description": cut(&n.text, 15_000),
                "details": {"app": n.app, "kind": kind_name(n.kind), "region": n.region.clone().unwrap_or_default(), "slo": n.slo.clone().unwrap_or_default()},
                "priority": priority,
                "source": "Lift",
                "entity": n.app,
                "tags": tags,
            });
            (String::new(), body)
        }
    }
}

/// The request a notice becomes on `channel`: URL, headers, body.
pub fn request(channel: &Channel, n: &Notice) -> (String, Vec<(String, String)>, Vec<u8>) {
    let mut headers =
        vec![("content-type".to_owned(), "application/json".to_owned()), ("user-agent".to_owned(), "lift-webhook".to_owned())];
    let (url, body) = match channel.format {
        Format::Generic => (channel.url.clone(), generic(n)),
        Format::Slack => (channel.url.clone(), slack(n)),
        Format::PagerDuty => (channel.url.clone(), pagerduty(n, &channel.routing_key)),
        Format::Opsgenie => {
            headers.push(("authorization".to_owned(), format!("GenieKey {}", channel.api_key)));
            let (path, body) = opsgenie(n);
            (format!("{}{path}", channel.url), body)
        }
    };
    (url, headers, body.to_string().into_bytes())
}

/// Whether an answer (or its absence) is worth another try.
pub fn classify(status: Option<u16>, what: String) -> DeliveryError {
    match status {
        None | Some(429) | Some(500..=599) => DeliveryError::Retry(what),
        Some(_) => DeliveryError::Fatal(what),
    }
}

struct Webhook;

impl Guest for Webhook {
    fn configure(settings: Vec<(String, String)>) -> Result<(), String> {
        let c = Channel::from_settings(&settings)?;
        CHANNEL.with(|slot| *slot.borrow_mut() = Some(c));
        Ok(())
    }

    fn deliver(notice: Notice) -> Result<(), DeliveryError> {
        let channel = CHANNEL.with(|c| c.borrow().clone()).ok_or_else(|| DeliveryError::Fatal("not configured".into()))?;
        let (url, headers, body) = request(&channel, &notice);
        let req = http::Request {
            method: "POST".into(),
            url: url.clone(),
            headers: headers.into_iter().map(|(name, value)| Header { name, value }).collect(),
            body,
            timeout_ms: 0,
        };
        match http::send(&req) {
            Ok(r) if (200..300).contains(&r.status) => Ok(()),
            Ok(r) => {
                let said: String = String::from_utf8_lossy(&r.body).chars().take(300).collect();
                Err(classify(Some(r.status), format!("POST {url}: HTTP {}: {said}", r.status)))
            }
            Err(HttpError::Denied(why)) => Err(DeliveryError::Fatal(format!("POST {url}: denied: {why}"))),
            Err(e) => Err(classify(None, format!("POST {url}: {e:?}"))),
        }
    }
}

lift_plugin_sdk::export_notifier!(Webhook);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly by design")]
    use super::*;

    fn notice(kind: NoticeKind) -> Notice {
        Notice {
            kind,
            severity: Severity::Page,
            app: "shop".into(),
            region: Some("us-east-1".into()),
            slo: Some("availability".into()),
            title: "availability burning 14.4x its budget".into(),
            text: "2% of requests failed over 1h".into(),
            evidence: vec!["error rate 2% > 1.44%".into()],
            links: vec![("runbook".into(), "https://wiki.example.com/shop".into())],
            dedup_key: "shop/availability/us-east-1".into(),
            at_ms: 1_796_640_062_000,
        }
    }

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(1_796_640_062_000), "2026-12-07T10:41:02.000Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
    }

    #[test]
    fn pagerduty_triggers_then_resolves_with_the_same_dedup_key() {
        let t = pagerduty(&notice(NoticeKind::AlertFiring), "k");
        assert_eq!(t["event_action"], "trigger");
        assert_eq!(t["payload"]["severity"], "critical");
        assert_eq!(t["payload"]["timestamp"], "2026-12-07T10:41:02.000Z");
        let r = pagerduty(&notice(NoticeKind::AlertResolved), "k");
        assert_eq!(r, json!({"routing_key": "k", "event_action": "resolve", "dedup_key": "shop/availability/us-east-1"}));
        assert_eq!(pagerduty(&notice(NoticeKind::AlertAcknowledged), "k")["event_action"], "acknowledge");
    }

    #[test]
    fn settings_are_checked() {
        let s = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        assert!(Channel::from_settings(&s(&[("format", "slack")])).unwrap_err().contains("`url` is required"));
        assert!(Channel::from_settings(&s(&[("format", "pagerduty"), ("routing-key", "short")])).unwrap_err().contains("32 characters"));
        assert!(Channel::from_settings(&s(&[("format", "teams"), ("url", "x")])).unwrap_err().contains("not one of"));
        let pd = Channel::from_settings(&s(&[("format", "pagerduty"), ("routing-key", &"a".repeat(32))])).unwrap();
        assert_eq!(pd.url, "https://events.pagerduty.com/v2/enqueue");
        let og = Channel::from_settings(&s(&[("format", "opsgenie"), ("api-key", "key")])).unwrap();
        let (url, headers, _) = request(&og, &notice(NoticeKind::AlertResolved));
        assert_eq!(url, "https://api.opsgenie.com/v2/alerts/shop%2Favailability%2Fus-east-1/close?identifierType=alias");
        assert!(headers.contains(&("authorization".into(), "GenieKey key".into())));
    }

    #[test]
    fn answers_are_retried_or_not() {
        assert!(matches!(classify(Some(503), String::new()), DeliveryError::Retry(_)));
        assert!(matches!(classify(Some(429), String::new()), DeliveryError::Retry(_)));
        assert!(matches!(classify(None, String::new()), DeliveryError::Retry(_)));
        assert!(matches!(classify(Some(400), String::new()), DeliveryError::Fatal(_)));
    }
}
