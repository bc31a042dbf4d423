//! The HTTP capability: the one way out of the sandbox. Every request is
//! checked against the plugin's allowlist (scheme, host, port) before a socket
//! is opened; redirects are not followed (they could leave the allowlist);
//! each request has a timeout within the call's own, and bodies are capped
//! both ways. Failures are values the plugin sees, never traps.
//!
//! A host name is resolved once, by the host, and the addresses it gets are
//! the ones connected to; each is checked first. A name may not lead to a
//! loopback, private, link-local, unique-local or cloud metadata address
//! unless the allowlist names that address itself (or `localhost`), so a name
//! that is allowed cannot be pointed somewhere that is not (DNS rebinding).

pub use crate::bindings::http::{Header, HttpError, Request, Response};
use std::net::IpAddr;
use std::time::{Duration, Instant};
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// The response header in which the host tells a plugin how long a request took.
pub const ELAPSED_HEADER: &str = "x-lift-elapsed-ms";

/// One allowlist entry: `scheme://host[:port]`, `*.` for any subdomain, `*` for any port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    scheme: String,
    host: String,
    /// `None` is any port.
    port: Option<u16>,
}

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" { 443 } else { 80 }
}

impl Rule {
    /// Parse a rule; the error says what is wrong.
    pub fn parse(rule: &str) -> Result<Rule, String> {
        let (scheme, rest) = rule.split_once("://").ok_or_else(|| format!("`{rule}` needs a scheme: `https://host`"))?;
        if scheme != "http" && scheme != "https" {
            return Err(format!("`{rule}`: only http and https"));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) {
            return Err(format!("`{rule}`: a rule is a scheme, a host and a port, no path or user"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, "*")) => (h, None),
            Some((h, p)) => (h, Some(p.parse::<u16>().map_err(|_| format!("`{rule}`: `{p}` is not a port"))?)),
            None => (rest, Some(default_port(scheme))),
        };
        let bare = host.strip_prefix("*.").unwrap_or(host);
        if bare.is_empty() || bare.contains('*') || !bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
            return Err(format!("`{rule}`: `{host}` is not a host name or address (a wildcard goes first: `*.example.com`)"));
        }
        Ok(Rule { scheme: scheme.into(), host: host.to_ascii_lowercase(), port })
    }

    fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let host_ok = match self.host.strip_prefix("*.") {
            Some(suffix) => host.len() > suffix.len() + 1 && host.ends_with(suffix) && host[..host.len() - suffix.len()].ends_with('.'),
            None => self.host == host,
        };
        self.scheme == scheme && host_ok && self.port.is_none_or(|p| p == port)
    }
}

/// A plugin's allowlist and limits, as the host enforces them.
#[derive(Debug, Clone)]
pub struct Capability {
    rules: Vec<Rule>,
    timeout: Duration,
    max_body: u64,
    agent: ureq::Agent,
}

impl Capability {
    /// From a manifest's policy (whose rules were checked when it was parsed).
    pub fn new(policy: &crate::HttpPolicy) -> Capability {
        let rules: Vec<Rule> = policy.allow.iter().filter_map(|r| Rule::parse(r).ok()).collect();
        let config =
            ureq::Agent::config_builder().max_redirects(0).http_status_as_error(false).proxy(None).user_agent("lift-plugin-host").build();
        let resolver = CheckedResolver { rules: rules.clone(), inner: DefaultResolver::default() };
        let agent = ureq::Agent::with_parts(config, DefaultConnector::default(), resolver);
        Capability { rules, timeout: Duration::from_millis(policy.timeout_ms), max_body: policy.max_body_bytes, agent }
    }

    /// Whether the allowlist covers `url`; the error is the reason a plugin sees.
    pub fn check(&self, url: &str) -> Result<Uri, HttpError> {
        let uri: Uri = url.parse().map_err(|e| HttpError::InvalidRequest(format!("`{url}` is not a URL: {e}")))?;
        let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
        let host = uri.host().unwrap_or_default().trim_matches(['[', ']']).to_ascii_lowercase();
        if scheme != "http" && scheme != "https" || host.is_empty() {
            return Err(HttpError::InvalidRequest(format!("`{url}` is not an http(s) URL with a host")));
        }
        let port = uri.port_u16().unwrap_or_else(|| default_port(&scheme));
        if self.rules.iter().any(|r| r.allows(&scheme, &host, port)) {
            Ok(uri)
        } else if self.rules.is_empty() {
            Err(HttpError::Denied(format!("{scheme}://{host}:{port}: the manifest allows no hosts")))
        } else {
            Err(HttpError::Denied(format!("{scheme}://{host}:{port} is not in the manifest's http.allow")))
        }
    }

    /// Send a request the allowlist covers, within `deadline` (the call's own).
    pub fn send(&self, request: Request, deadline: Instant) -> Result<Response, HttpError> {
        let uri = self.check(&request.url)?;
        if request.body.len() as u64 > self.max_body {
            return Err(HttpError::TooLarge(request.body.len() as u64));
        }
        let asked = if request.timeout_ms == 0 { self.timeout } else { Duration::from_millis(request.timeout_ms.into()).min(self.timeout) };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HttpError::Timeout);
        }
        let mut builder = ureq::http::Request::builder().method(request.method.as_str()).uri(uri);
        for h in &request.headers {
            builder = builder.header(h.name.as_str(), h.value.as_str());
        }
        let built = builder.body(request.body).map_err(|e| HttpError::InvalidRequest(e.to_string()))?;
        let started = Instant::now();
        let config = self.agent.configure_request(built).timeout_global(Some(asked.min(left))).build();
        let mut response = self.agent.run(config).map_err(|e| self.failure(e))?;
        let status = response.status().as_u16();
        let mut headers: Vec<Header> = response
            .headers()
            .iter()
            .map(|(k, v)| Header { name: k.as_str().to_string(), value: String::from_utf8_lossy(v.as_bytes()).into_owned() })
            .collect();
        let body = response.body_mut().with_config().limit(self.max_body).read_to_vec().map_err(|e| self.failure(e))?;
        // Plugins read no clock: the host says how long the exchange took.
        headers.push(Header { name: ELAPSED_HEADER.into(), value: started.elapsed().as_millis().to_string() });
        Ok(Response { status, headers, body })
    }

    fn failure(&self, e: ureq::Error) -> HttpError {
        match e {
            ureq::Error::Timeout(_) => HttpError::Timeout,
            ureq::Error::BodyExceedsLimit(_) => HttpError::TooLarge(self.max_body + 1),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => HttpError::Timeout,
            other => HttpError::Connection(other.to_string()),
        }
    }
}

/// Whether an address is one a host name may lead to without the allowlist
/// naming it: not loopback, private, link-local, unique-local, unspecified,
/// shared (100.64/10) or the cloud metadata service.
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback() || v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

/// Resolves a host name the way the default resolver does, then keeps only
/// the addresses the allowlist lets that name lead to.
#[derive(Debug)]
struct CheckedResolver {
    rules: Vec<Rule>,
    inner: DefaultResolver,
}

impl CheckedResolver {
    /// The allowlist names this very address (or `localhost`, for loopback).
    fn named(&self, host: &str, ip: IpAddr) -> bool {
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        if host.parse::<IpAddr>().is_ok_and(|h| h == ip) {
            return true;
        }
        ip.is_loopback() && host == "localhost" && self.rules.iter().any(|r| r.host == "localhost")
    }
}

impl Resolver for CheckedResolver {
    fn resolve(&self, uri: &Uri, config: &ureq::config::Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let found = self.inner.resolve(uri, config, timeout)?;
        let host = uri.host().unwrap_or_default();
        let mut kept = self.empty();
        let mut refused = Vec::new();
        for addr in found.iter() {
            if public(addr.ip()) || self.named(host, addr.ip()) {
                kept.push(*addr);
            } else {
                refused.push(addr.ip().to_string());
            }
        }
        if kept.is_empty() {
            return Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!("`{host}` resolves to {}, which the manifest's http.allow does not name", refused.join(", ")),
            )));
        }
        Ok(kept)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cap(rules: &[&str]) -> Capability {
        Capability::new(&crate::HttpPolicy { allow: rules.iter().map(|r| r.to_string()).collect(), ..Default::default() })
    }

    #[test]
    fn the_allowlist_matches_scheme_host_and_port() {
        let c = cap(&["http://127.0.0.1:*", "https://*.amazonaws.com", "https://example.com:8443"]);
        for ok in [
            "http://127.0.0.1:5000/x",
            "http://127.0.0.1/",
            "https://cloudformation.us-east-1.amazonaws.com/",
            "https://EXAMPLE.com:8443/a?b",
        ] {
            assert!(c.check(ok).is_ok(), "{ok}");
        }
        for denied in [
            "https://127.0.0.1:5000/",
            "https://amazonaws.com/",
            "https://evil-amazonaws.com/",
            "https://amazonaws.com.evil.net/",
            "https://example.com/",
            "http://localhost:5000/",
        ] {
            assert!(matches!(c.check(denied), Err(HttpError::Denied(_))), "{denied}");
        }
        assert!(matches!(c.check("file:///etc/passwd"), Err(HttpError::InvalidRequest(_))));
        assert!(matches!(cap(&[]).check("http://127.0.0.1/"), Err(HttpError::Denied(m)) if m.contains("allows no hosts")));
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        assert!(Rule::parse("example.com").unwrap_err().contains("scheme"));
        assert!(Rule::parse("ftp://example.com").unwrap_err().contains("only http"));
        assert!(Rule::parse("https://example.com/path").unwrap_err().contains("no path"));
        assert!(Rule::parse("https://ex*ample.com").unwrap_err().contains("wildcard"));
        assert!(Rule::parse("https://example.com:99999").unwrap_err().contains("not a port"));
        assert_eq!(
            Rule::parse("https://Example.com/").unwrap(),
            Rule { scheme: "https".into(), host: "example.com".into(), port: Some(443) }
        );
    }

    #[test]
    fn names_may_not_lead_to_private_or_metadata_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!public(private.parse().unwrap()), "{private}");
        }
        for open in ["52.94.1.1", "8.8.8.8", "2600:1f18::1", "::ffff:52.94.1.1"] {
            assert!(public(open.parse().unwrap()), "{open}");
        }
        // What a name resolves to is checked: `localhost` leads to loopback, which a list
        // naming only 127.0.0.1 does not let a name reach; naming `localhost` does.
        let resolve = |rules: &[&str], url: &str| {
            let r = CheckedResolver { rules: cap(rules).rules, inner: DefaultResolver::default() };
            let timeout = NextTimeout {
                after: ureq::unversioned::transport::time::Duration::NotHappening,
                reason: ureq::Timeout::Global,
                per_read: None,
                per_write: None,
            };
            r.resolve(&url.parse().unwrap(), &ureq::config::Config::default(), timeout).map(|a| a.len()).map_err(|e| e.to_string())
        };
        assert!(resolve(&["http://127.0.0.1:*"], "http://127.0.0.1:9/").is_ok(), "an address the list names");
        let e = resolve(&["http://127.0.0.1:*"], "http://localhost:9/").unwrap_err();
        assert!(e.contains("`localhost` resolves to") && e.contains("does not name"), "{e}");
        assert!(resolve(&["http://localhost:*"], "http://localhost:9/").is_ok(), "loopback through `localhost`, named");
    }
}
