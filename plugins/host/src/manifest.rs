//! The manifest beside each plugin: what it is, which world it implements, the
//! limits it runs under and the hosts it may reach, and the sha256 of its
//! component. The host checks all of it before it compiles a byte.

use crate::World;
use serde::Deserialize;
use std::fmt;

/// A plugin's manifest (`<name>.toml` beside `<name>.wasm`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The plugin's name, as specs and logs name it.
    pub name: String,
    /// The world it implements.
    pub world: World,
    /// The plugin's own version.
    pub version: String,
    /// The WIT package it was built for, such as `lift:plugin@0.3.0`.
    #[serde(default = "default_package")]
    pub package: String,
    /// A one-line description.
    #[serde(default)]
    pub description: String,
    /// The component file, relative to the manifest.
    pub component: String,
    /// The component's sha256, in hex.
    pub sha256: String,
    /// What one call may use.
    #[serde(default)]
    pub limits: Limits,
    /// Where the plugin may send HTTP requests.
    #[serde(default)]
    pub http: HttpPolicy,
}

fn default_package() -> String {
    crate::PACKAGE.to_string()
}

/// What a plugin may use: per instance (memory) and per call (fuel, time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Linear memory, in MiB.
    pub memory_mib: u32,
    /// WebAssembly fuel per call (about one unit per instruction).
    pub fuel: u64,
    /// Wall-clock time per call, in milliseconds (host calls included).
    pub timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { memory_mib: 64, fuel: 2_000_000_000, timeout_ms: 10_000 }
    }
}

/// The plugin's outbound HTTP: an allowlist, a timeout and a body cap.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpPolicy {
    /// `scheme://host[:port]` rules; the host may start with `*.` (any
    /// subdomain) and the port may be `*`. Without a port, the scheme's.
    pub allow: Vec<String>,
    /// Per request, in milliseconds (a request may ask for less).
    pub timeout_ms: u64,
    /// Largest request or response body, in bytes.
    pub max_body_bytes: u64,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy { allow: Vec::new(), timeout_ms: 5_000, max_body_bytes: 4 << 20 }
    }
}

/// What is wrong with a manifest: every finding at once, each with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// `line:column: message` or `field: message` per finding.
    pub findings: Vec<String>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.findings.join("; "))
    }
}

impl Manifest {
    /// Parse and check a manifest's text.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| {
            let place = e.span().map(|s| line_col(text, s.start)).unwrap_or_default();
            ManifestError { findings: vec![format!("{place}{}", e.message())] }
        })?;
        let mut findings = Vec::new();
        if manifest.name.is_empty() || !manifest.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            findings.push(format!("name: `{}` must be letters, digits, `-` or `_`", manifest.name));
        }
        if manifest.sha256.len() != 64 || !manifest.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            findings.push("sha256: must be 64 hex digits (the component's sha256)".into());
        }
        if let Err(e) = crate::contract::compatible(&manifest.package) {
            findings.push(format!("package: {e}"));
        }
        if manifest.component.contains('/') || manifest.component.contains('\\') {
            findings.push("component: a file name beside the manifest, without a directory".into());
        }
        let l = manifest.limits;
        if l.memory_mib == 0 || l.memory_mib > 4096 {
            findings.push(format!("limits.memory_mib: {} is outside 1..=4096", l.memory_mib));
        }
        if l.fuel == 0 {
            findings.push("limits.fuel: must be above 0".into());
        }
        if l.timeout_ms == 0 || l.timeout_ms > 600_000 {
            findings.push(format!("limits.timeout_ms: {} is outside 1..=600000", l.timeout_ms));
        }
        for (i, rule) in manifest.http.allow.iter().enumerate() {
            if let Err(e) = crate::http::Rule::parse(rule) {
                findings.push(format!("http.allow[{i}]: {e}"));
            }
        }
        if !manifest.http.allow.is_empty() && manifest.world == World::Strategy {
            findings.push("http.allow: a strategy imports no HTTP; remove the allowlist".into());
        }
        if findings.is_empty() { Ok(manifest) } else { Err(ManifestError { findings }) }
    }
}

fn line_col(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {col}: ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "http-prober"
world = "prober"
version = "0.1.0"
component = "http_prober.wasm"
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
[http]
allow = ["http://127.0.0.1:*", "https://*.amazonaws.com"]
"#;

    #[test]
    fn a_good_manifest_reads_with_defaults() {
        let m = Manifest::parse(GOOD).unwrap();
        assert_eq!(m.world, World::Prober);
        assert_eq!(m.package, "lift:plugin@0.3.0");
        assert_eq!(m.limits, Limits::default());
        assert_eq!(m.http.allow.len(), 2);
    }

    #[test]
    fn every_finding_at_once_with_its_field() {
        let bad = GOOD
            .replace("http-prober", "http prober")
            .replace("0000000000000000000000000000000000000000000000000000000000000000", "abc")
            .replace("https://*.amazonaws.com", "ftp://x");
        let e = Manifest::parse(&format!("{bad}\n[limits]\nmemory_mib = 0\n")).unwrap_err();
        let text = e.to_string();
        assert_eq!(e.findings.len(), 4, "{text}");
        for field in ["name:", "sha256:", "http.allow[1]:", "limits.memory_mib:"] {
            assert!(text.contains(field), "{field} in {text}");
        }
    }

    #[test]
    fn syntax_and_unknown_fields_name_their_line() {
        let e = Manifest::parse(&format!("{GOOD}\ncolour = \"red\"\n")).unwrap_err();
        assert!(e.to_string().starts_with("line 10, column 1: unknown field `colour`"), "{e}");
        let e = Manifest::parse("name = \"x\"\nworld = \"teleporter\"\n").unwrap_err();
        assert!(e.to_string().contains("line 2") && e.to_string().contains("teleporter"), "{e}");
    }

    #[test]
    fn an_incompatible_package_is_refused_with_both_versions() {
        let e = Manifest::parse(&GOOD.replace("world = \"prober\"", "world = \"prober\"\npackage = \"lift:plugin@0.2.0\"")).unwrap_err();
        assert!(e.to_string().contains("0.3.0") && e.to_string().contains("0.2.0"), "{e}");
    }
}
