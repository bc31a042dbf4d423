//! Rules on the spec itself: names, regions, references, ranges and
//! combinations AWS would refuse at deploy time.

use crate::diag::{Code, Diagnostic};
use crate::graph::build::RETENTION_DAYS;
use crate::spec::check::did_you_mean;
use crate::spec::refs::{Kind, Piece, Target};
use crate::spec::units::Duration;
use crate::spec::{Access, Spec, Trigger};

mod data;
mod encryption;
mod functions;
mod http;
mod network;
mod notify;
mod recovery;
mod rollout;
mod secrets;
mod slos;

/// AWS commercial regions Lift deploys to.
pub const REGIONS: [&str; 34] = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "us-gov-west-1",
];

const HTTP_METHODS: [&str; 8] = ["ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// A JSON pointer from its segments, each escaped.
pub(super) fn pointer(parts: &[&str]) -> String {
    p(parts)
}

fn p(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|s| s.len() + 1).sum());
    for part in parts {
        out.push('/');
        crate::diag::push_segment(&mut out, part);
    }
    out
}

fn name_ok(n: &str, max: usize) -> bool {
    let mut chars = n.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && n.len() <= max
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Check a spec's semantics. Assumes it passed the schema.
pub fn spec_rules(spec: &Spec) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut v = Rules { spec, out: &mut out };
    v.names();
    v.regions();
    v.functions();
    v.http();
    v.tables();
    v.queues();
    v.network();
    v.rollout();
    v.slos();
    v.recovery();
    v.notify();
    v.secrets();
    v.encryption();
    out.extend(super::caps::caps(spec));
    out
}

struct Rules<'a> {
    spec: &'a Spec,
    out: &'a mut Vec<Diagnostic>,
}

impl Rules<'_> {
    fn err(&mut self, code: Code, ptr: String, msg: String, hint: Option<String>) {
        let mut d = Diagnostic::error(code, ptr, msg);
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.out.push(d);
    }

    // Pointers are built only when there is something to report: most checks pass.
    fn range(&mut self, ptr: impl FnOnce() -> String, what: &str, value: u64, min: u64, max: u64, unit: &str) {
        if value < min || value > max {
            self.err(Code::OutOfRange, ptr(), format!("{what} must be from {min}{unit} to {max}{unit}, not {value}{unit}"), None);
        }
    }

    fn duration(&mut self, ptr: impl FnOnce() -> String, what: &str, d: Duration, min: Duration, max: Duration) {
        if d < min || d > max {
            self.err(Code::OutOfRange, ptr(), format!("{what} must be from `{min}` to `{max}`, not `{d}`"), None);
        }
    }

    fn names(&mut self) {
        if !name_ok(&self.spec.app, 32) || self.spec.app.contains('_') {
            self.err(
                Code::BadName,
                "/app".into(),
                format!("app name `{}` must be 1 to 32 lowercase letters, digits or `-`, starting with a letter", self.spec.app),
                Some("it becomes part of resource names, which AWS restricts".into()),
            );
        }
        let sections: [(&str, Vec<&String>); 4] = [
            ("functions", self.spec.functions.keys().collect()),
            ("tables", self.spec.tables.keys().collect()),
            ("queues", self.spec.queues.keys().collect()),
            ("topics", self.spec.topics.keys().collect()),
        ];
        for (section, names) in sections {
            for n in names {
                if !name_ok(n, 48) {
                    self.err(
                        Code::BadName,
                        p(&[section, n]),
                        format!("name `{n}` must be 1 to 48 lowercase letters, digits, `-` or `_`, starting with a letter"),
                        Some("logical IDs and physical names are derived from it".into()),
                    );
                }
            }
        }
        if let Some(d) = &self.spec.description {
            if d.len() > 900 {
                self.err(
                    Code::LimitExceeded,
                    "/description".into(),
                    format!("description is {} bytes; at most 900 leave room for Lift's suffix within CloudFormation's 1,024", d.len()),
                    None,
                );
            }
        }
    }

    fn regions(&mut self) {
        let all = self.spec.all_regions();
        for (i, r) in all.iter().enumerate() {
            let ptr = if i == 0 { "/regions/primary".to_owned() } else { format!("/regions/standby/{}", i - 1) };
            if !REGIONS.contains(r) {
                let hint = did_you_mean(r, REGIONS).map(|m| format!("did you mean `{m}`?"));
                self.err(Code::BadRegion, ptr.clone(), format!("`{r}` is not an AWS region Lift knows"), hint);
            }
            if all.iter().take(i).any(|q| q == r) {
                self.err(
                    Code::BadRegion,
                    ptr,
                    format!("region `{r}` is listed twice"),
                    Some("each region gets one stack; list it once".into()),
                );
            }
        }
    }

    fn target(&mut self, ptr: impl FnOnce() -> String, t: &Target) -> bool {
        if self.spec.has(t) {
            return true;
        }
        let ptr = ptr();
        if t.kind == Kind::Http {
            self.err(Code::DanglingRef, ptr, "`http` is referenced but the spec has no `http` section".into(), None);
            return false;
        }
        let names = self.spec.names(t.kind);
        let hint = match did_you_mean(&t.name, names.iter().copied()) {
            Some(m) => Some(format!("did you mean `{}.{m}`?", t.kind.section())),
            None if names.is_empty() => Some(format!("the spec has no `{}` section", t.kind.section())),
            None => Some(format!("known {}: {}", t.kind.section(), names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))),
        };
        self.err(Code::DanglingRef, ptr, format!("no {} named `{}`", singular(t.kind), t.name), hint);
        false
    }

    fn retention(&mut self, ptr: impl FnOnce() -> String, d: Duration) {
        let is_ok = d.as_millis() % 86_400_000 == 0 && RETENTION_DAYS.iter().any(|r| u64::from(*r) == d.as_days()) && d.as_days() >= 7;
        if is_ok {
            return;
        }
        let ptr = ptr();
        let days = d.as_days();
        if d.as_millis() % 86_400_000 != 0 || days == 0 {
            self.err(
                Code::BadValue,
                ptr,
                format!("log retention `{d}` is not a whole number of days"),
                Some("CloudWatch keeps logs for whole days, such as `30d`".into()),
            );
            return;
        }
        match RETENTION_DAYS.iter().find(|r| u64::from(**r) >= days) {
            None => self.err(Code::OutOfRange, ptr, format!("log retention `{d}` is longer than CloudWatch's ten years (`3653d`)"), None),
            Some(r) if u64::from(*r) != days => self.out.push(
                Diagnostic::warning(Code::Retention, ptr, format!("CloudWatch cannot keep logs for exactly `{d}`; Lift uses {r} days"))
                    .with_hint(format!(
                        "write `{r}d` to say so; CloudWatch accepts {} days",
                        RETENTION_DAYS.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
                    )),
            ),
            Some(_) if days < 7 => self.out.push(
                Diagnostic::warning(
                    Code::Retention,
                    ptr,
                    format!("logs kept only `{d}` may be gone before anyone investigates an incident"),
                )
                .with_hint("keep logs at least `7d`"),
            ),
            Some(_) => {}
        }
    }
}

fn singular(k: Kind) -> &'static str {
    match k {
        Kind::Function => "function",
        Kind::Table => "table",
        Kind::Queue => "queue",
        Kind::Topic => "topic",
        Kind::Http => "HTTP API",
        Kind::Secret => "secret",
    }
}
