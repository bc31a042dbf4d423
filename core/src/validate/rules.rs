//! Rules on the spec itself: names, regions, references, ranges and
//! combinations AWS would refuse at deploy time.

use crate::diag::{Code, Diagnostic};
use crate::graph::build::RETENTION_DAYS;
use crate::spec::check::did_you_mean;
use crate::spec::refs::{Kind, Piece, Target, parse_interpolation, parse_target};
use crate::spec::units::Duration;
use crate::spec::{Access, Spec, Trigger};

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

    fn functions(&mut self) {
        for (name, f) in &self.spec.functions {
            let base = ["functions", name.as_str()];
            self.range(|| p(&[base[0], base[1], "memory"]), "memory", u64::from(f.memory.mb()), 128, 10_240, "MB");
            self.duration(|| p(&[base[0], base[1], "timeout"]), "timeout", f.timeout, Duration::from_secs(1), Duration::from_secs(900));
            self.retention(|| p(&[base[0], base[1], "log_retention"]), f.log_retention);
            if let Some(n) = f.reserved_concurrency {
                self.range(|| p(&[base[0], base[1], "reserved_concurrency"]), "reserved concurrency", u64::from(n), 0, 1000, "");
            }
            if f.vpc && self.spec.network.is_none() {
                self.err(
                    Code::DanglingRef,
                    p(&[base[0], base[1], "vpc"]),
                    format!("function `{name}` asks for a VPC but the spec has no `network.vpc`"),
                    Some("add `network: { vpc: {} }` for a VPC with secure defaults".into()),
                );
            }
            if f.handler.trim().is_empty() {
                self.err(Code::BadValue, p(&[base[0], base[1], "handler"]), "handler is empty".into(), None);
            }
            for (key, access) in &f.access {
                let ptr = p(&[base[0], base[1], "access", key]);
                let t = match parse_target(key) {
                    Ok(t) => t,
                    Err(msg) => {
                        self.err(Code::DanglingRef, ptr, msg, None);
                        continue;
                    }
                };
                if !self.target(|| ptr.clone(), &t) {
                    continue;
                }
                let allowed: &[Access] = match t.kind {
                    Kind::Table => &[Access::Read, Access::Write, Access::ReadWrite],
                    Kind::Queue => &[Access::Send, Access::Consume, Access::Read],
                    Kind::Topic => &[Access::Publish],
                    Kind::Function => &[Access::Invoke],
                    Kind::Http => &[],
                };
                if !allowed.contains(access) {
                    let list = allowed.iter().map(|a| format!("`{}`", a.as_str())).collect::<Vec<_>>().join(", ");
                    self.err(
                        Code::BadValue,
                        ptr,
                        format!("`{}` is not a kind of access to {}", access.as_str(), t.kind.section()),
                        Some(format!("use {list}")),
                    );
                }
                if t.kind == Kind::Function && t.name == *name {
                    self.err(
                        Code::BadValue,
                        p(&[base[0], base[1], "access", key]),
                        format!("function `{name}` does not need access to invoke itself"),
                        None,
                    );
                }
            }
            for (var, value) in &f.environment {
                let ptr = p(&[base[0], base[1], "environment", var]);
                if var.starts_with("AWS_")
                    || var.is_empty()
                    || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    || var.starts_with(|c: char| c.is_ascii_digit())
                {
                    self.err(
                        Code::BadName,
                        ptr.clone(),
                        format!("environment variable `{var}` must be letters, digits and `_`, not start with a digit or `AWS_`"),
                        None,
                    );
                }
                match parse_interpolation(value) {
                    Err(msg) => self.err(Code::DanglingRef, ptr, msg, Some("write `$${` for a literal `${`".into())),
                    Ok(pieces) => {
                        for piece in pieces {
                            if let Piece::Ref(t, _) = piece {
                                self.target(|| ptr.clone(), &t);
                            }
                        }
                    }
                }
            }
            for (i, trig) in f.triggers.iter().enumerate() {
                let ti = i.to_string();
                let ptr = p(&[base[0], base[1], "triggers", &ti]);
                match trig {
                    Trigger::Queue(q) => {
                        let t = Target { kind: Kind::Queue, name: q.queue.clone() };
                        if self.target(|| format!("{ptr}/queue"), &t) {
                            if let Some(queue) = self.spec.queues.get(&q.queue) {
                                if queue.visibility_timeout < f.timeout {
                                    self.err(Code::OutOfRange, format!("{ptr}/queue"), format!("queue `{}` hides messages for `{}`, less than function `{name}`'s timeout `{}`", q.queue, queue.visibility_timeout, f.timeout), Some("Lambda refuses this mapping: raise the queue's `visibility_timeout` to at least the timeout (AWS suggests 6x)".into()));
                                }
                            }
                        }
                        self.range(|| format!("{ptr}/batch_size"), "batch size", u64::from(q.batch_size), 1, 10_000, "");
                    }
                    Trigger::Topic(tp) => {
                        self.target(|| format!("{ptr}/topic"), &Target { kind: Kind::Topic, name: tp.topic.clone() });
                    }
                    Trigger::Schedule(s) => {
                        let e = s.schedule.trim();
                        let ok = (e.starts_with("rate(") || e.starts_with("cron(")) && e.ends_with(')');
                        if !ok {
                            self.err(
                                Code::BadValue,
                                format!("{ptr}/schedule"),
                                format!("`{e}` is not a schedule expression"),
                                Some("write `rate(5 minutes)` or `cron(0 12 * * ? *)`".into()),
                            );
                        }
                    }
                    Trigger::Events(ev) => {
                        if ev.pattern.is_empty() {
                            self.err(
                                Code::BadValue,
                                format!("{ptr}/pattern"),
                                "an event pattern needs at least one field".into(),
                                Some("for example `{ source: [aws.s3] }`".into()),
                            );
                        }
                    }
                }
            }
        }
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

    fn http(&mut self) {
        let Some(http) = &self.spec.http else { return };
        if http.routes.is_empty() {
            self.err(
                Code::MissingField,
                "/http/routes".into(),
                "an HTTP API needs at least one route".into(),
                Some("for example `\"GET /orders/{id}\": api`".into()),
            );
        }
        self.retention(|| "/http/log_retention".into(), http.log_retention);
        for (key, f) in &http.routes {
            let ptr = p(&["http", "routes", key]);
            let ok = key == "$default"
                || key.split_once(' ').is_some_and(|(m, path)| {
                    HTTP_METHODS.contains(&m) && path.starts_with('/') && !path.contains(' ') && !path.contains("//")
                });
            if !ok {
                self.err(
                    Code::BadValue,
                    ptr.clone(),
                    format!("route `{key}` is not `METHOD /path`"),
                    Some(format!("methods: {}; or `$default`", HTTP_METHODS.join(", "))),
                );
            }
            self.target(|| ptr, &Target { kind: Kind::Function, name: f.clone() });
        }
        if http.auth == crate::spec::Auth::None {
            self.out.push(
                Diagnostic::warning(
                    Code::PublicExposure,
                    "/http/auth",
                    "every route of the HTTP API can be called by anyone on the internet",
                )
                .with_hint("keep `auth: iam` unless the API is meant to be public, and set `throttle` for it"),
            );
        }
        if let Some(c) = &http.cors {
            if c.origins.iter().any(|o| o == "*") {
                self.out.push(
                    Diagnostic::warning(Code::PublicExposure, "/http/cors/origins", "CORS allows every origin (`*`)")
                        .with_hint("list the sites that call the API"),
                );
            }
        }
    }

    fn tables(&mut self) {
        for (name, t) in &self.spec.tables {
            let mut types = std::collections::BTreeMap::new();
            let keys = std::iter::once((p(&["tables", name, "partition_key"]), &t.partition_key))
                .chain(t.sort_key.iter().map(|k| (p(&["tables", name, "sort_key"]), k)))
                .chain(t.indexes.iter().flat_map(|(i, idx)| {
                    std::iter::once((p(&["tables", name, "indexes", i, "partition_key"]), &idx.partition_key))
                        .chain(idx.sort_key.iter().map(move |k| (p(&["tables", name, "indexes", i, "sort_key"]), k)))
                }));
            for (ptr, k) in keys {
                if k.name().is_empty() {
                    self.err(Code::BadValue, ptr, "a key attribute needs a name".into(), None);
                    continue;
                }
                if let Some(prev) = types.insert(k.name().to_owned(), k.kind()) {
                    if prev != k.kind() {
                        self.err(
                            Code::Conflict,
                            ptr,
                            format!("attribute `{}` is used as a key with two different types", k.name()),
                            Some("DynamoDB has one type per attribute name".into()),
                        );
                    }
                }
            }
            if t.indexes.len() > 20 {
                self.err(
                    Code::LimitExceeded,
                    p(&["tables", name, "indexes"]),
                    format!("{} global secondary indexes; DynamoDB allows 20", t.indexes.len()),
                    None,
                );
            }
            if t.replicas != crate::spec::Replicas::PerRegion && !self.spec.regions.standby.is_empty() {
                let physical = format!("{}-{name}", self.spec.app);
                if physical.len() > 255 {
                    self.err(Code::BadName, p(&["tables", name]), format!("table name `{physical}` is longer than 255 characters"), None);
                }
            }
        }
    }

    fn queues(&mut self) {
        for (name, q) in &self.spec.queues {
            let base = ["queues", name.as_str()];
            self.duration(
                || p(&[base[0], base[1], "visibility_timeout"]),
                "visibility timeout",
                q.visibility_timeout,
                Duration::from_secs(0),
                Duration::from_secs(12 * 3600),
            );
            self.duration(
                || p(&[base[0], base[1], "retention"]),
                "retention",
                q.retention,
                Duration::from_secs(60),
                Duration::from_secs(14 * 86_400),
            );
            if let Some(d) = &q.dead_letter {
                let ptr = p(&[base[0], base[1], "dead_letter", "queue"]);
                if d.queue == *name {
                    self.err(Code::Cycle, ptr, format!("queue `{name}` cannot be its own dead-letter queue"), None);
                } else if self.target(|| ptr.clone(), &Target { kind: Kind::Queue, name: d.queue.clone() }) {
                    if let Some(dlq) = self.spec.queues.get(&d.queue) {
                        if dlq.fifo != q.fifo {
                            self.err(
                                Code::Conflict,
                                ptr,
                                format!("queue `{name}` and its dead-letter queue `{}` must both be FIFO or both standard", d.queue),
                                None,
                            );
                        }
                    }
                }
                self.range(
                    || p(&[base[0], base[1], "dead_letter", "max_receives"]),
                    "max receives",
                    u64::from(d.max_receives),
                    1,
                    1000,
                    "",
                );
            }
        }
    }
}

impl Rules<'_> {
    fn network(&mut self) {
        let Some(net) = &self.spec.network else { return };
        let v = &net.vpc;
        self.range(|| "/network/vpc/zones".into(), "zones", u64::from(v.zones), 2, 6, "");
        if !(16..=24).contains(&v.cidr.prefix) {
            self.err(
                Code::OutOfRange,
                "/network/vpc/cidr".into(),
                format!("VPC block `{}` must be from /16 to /24", v.cidr),
                Some("Lift splits it into 16 subnets of at least /28".into()),
            );
        }
        if !self.spec.functions.values().any(|f| f.vpc) {
            self.out.push(
                Diagnostic::warning(Code::DanglingRef, "/network/vpc", "the VPC has no function in it")
                    .with_hint("set `vpc: true` on the functions that should run in it, or remove `network`"),
            );
        }
    }
}

impl Rules<'_> {
    fn slos(&mut self) {
        for (name, slo) in &self.spec.slos {
            let ppm = slo.objective.ppm();
            if ppm == 0 || ppm >= 1_000_000 {
                self.err(
                    Code::OutOfRange,
                    p(&["slos", name, "objective"]),
                    format!("objective `{}` leaves {} error budget", slo.objective, if ppm >= 1_000_000 { "no" } else { "a 100%" }),
                    Some("objectives live between 0% and 100%, such as `99.9%`".into()),
                );
                continue;
            }
            let ts = slo.timeslice.as_millis();
            if ts == 0 || ts % 60_000 != 0 || ts > 3_600_000 {
                self.err(
                    Code::OutOfRange,
                    p(&["slos", name, "timeslice"]),
                    format!("timeslice `{}` must be a whole number of minutes up to 1h", slo.timeslice),
                    None,
                );
            }
            self.slo_calendar(name, slo);
            self.slo_composite(name, slo);
            if slo.min_throughput.is_some() {
                if slo.budgeting != crate::spec::Budgeting::Timeslices {
                    self.err(
                        Code::BadValue,
                        p(&["slos", name, "min_throughput"]),
                        "throughput is judged per timeslice: it needs `budgeting: timeslices`".into(),
                        None,
                    );
                }
                if slo.threshold.is_some() || slo.percentile.is_some() {
                    self.err(
                        Code::BadValue,
                        p(&["slos", name, "min_throughput"]),
                        "an SLO measures one thing: throughput, or latency (`threshold`, `percentile`), not both".into(),
                        Some("make two SLOs, and a composite of them if they should share a budget".into()),
                    );
                }
            }
            if let Some(pct) = slo.percentile {
                if slo.threshold.is_none() {
                    self.err(
                        Code::MissingField,
                        p(&["slos", name, "threshold"]),
                        format!("a percentile SLO (the {pct} percentile per slice) needs the `threshold` its slices are held to"),
                        Some("such as `threshold: 300ms`".into()),
                    );
                }
                if slo.budgeting != crate::spec::Budgeting::Timeslices {
                    self.err(
                        Code::BadValue,
                        p(&["slos", name, "percentile"]),
                        "a percentile is judged per timeslice: it needs `budgeting: timeslices`".into(),
                        None,
                    );
                }
                if pct.ppm() == 0 || pct.ppm() >= 1_000_000 {
                    self.err(
                        Code::OutOfRange,
                        p(&["slos", name, "percentile"]),
                        format!("percentile `{pct}` must be above 0% and below 100%"),
                        None,
                    );
                }
            }
            let rules = crate::slo::default_rules(slo.window.period());
            for message in crate::slo::lint(slo.objective, &rules) {
                self.out.push(
                    Diagnostic::warning(Code::SloRule, p(&["slos", name, "objective"]), message)
                        .with_hint("lower the objective, lengthen the window, or rely on the longer-window rules"),
                );
            }
        }
    }

    /// A composite's components: SLOs of the spec, not composites themselves, weighted above 0.
    fn slo_composite(&mut self, name: &str, slo: &crate::spec::Slo) {
        if slo.composite.is_empty() {
            return;
        }
        for (part, weight) in &slo.composite {
            let ptr = p(&["slos", name, "composite", part]);
            match self.spec.slos.get(part) {
                None => {
                    let others = self.spec.slos.keys().map(String::as_str).filter(|k| *k != name);
                    let hint = did_you_mean(part, others).map(|m| format!("did you mean `{m}`?"));
                    self.err(Code::DanglingRef, ptr, format!("composite part `{part}` is not an SLO of this spec"), hint);
                }
                Some(other) if !other.composite.is_empty() => {
                    self.err(Code::BadValue, ptr, format!("`{part}` is itself a composite; list its parts instead"), None);
                }
                Some(_) if *weight == 0 => {
                    self.err(Code::OutOfRange, ptr, format!("`{part}` has weight 0; give it a weight of 1 or more, or leave it out"), None);
                }
                Some(_) => {}
            }
        }
        for (field, set) in
            [("threshold", slo.threshold.is_some()), ("percentile", slo.percentile.is_some()), ("prometheus", slo.prometheus.is_some())]
        {
            if set {
                self.err(
                    Code::BadValue,
                    p(&["slos", name, field]),
                    format!("a composite SLO takes its events from its parts: `{field}` belongs on them"),
                    None,
                );
            }
        }
    }

    /// The time zone of a calendar window, and the maintenance intervals.
    fn slo_calendar(&mut self, name: &str, slo: &crate::spec::Slo) {
        use crate::slo::calendar;
        if let Some(zone) = &slo.time_zone {
            if let Err(msg) = calendar::time_zone(Some(zone)) {
                self.err(
                    Code::BadValue,
                    p(&["slos", name, "time_zone"]),
                    msg,
                    Some("IANA names are Area/City, such as `Europe/Berlin`".into()),
                );
            } else if slo.window.calendar().is_none() {
                self.out.push(
                    Diagnostic::warning(
                        Code::SloRule,
                        p(&["slos", name, "time_zone"]),
                        format!("`time_zone` has no effect on the rolling window `{}`", slo.window),
                    )
                    .with_hint("use `window: week`, `month` or `quarter` for periods that start at midnight in this zone"),
                );
            }
        }
        for (i, m) in slo.maintenance.iter().enumerate() {
            let n = i.to_string();
            let from =
                calendar::parse_time(&m.from).map_err(|e| self.err(Code::BadValue, p(&["slos", name, "maintenance", &n, "from"]), e, None));
            let to =
                calendar::parse_time(&m.to).map_err(|e| self.err(Code::BadValue, p(&["slos", name, "maintenance", &n, "to"]), e, None));
            if let (Ok(from), Ok(to)) = (from, to) {
                if from >= to {
                    self.err(
                        Code::OutOfRange,
                        p(&["slos", name, "maintenance", &n, "to"]),
                        format!("maintenance ends (`{}`) before it starts (`{}`)", m.to, m.from),
                        None,
                    );
                }
            }
        }
    }

    fn recovery(&mut self) {
        let Some(r) = &self.spec.recovery else { return };
        match crate::recovery::ProbeConfig::from_spec(&r.probe) {
            None => self.err(
                Code::BadValue,
                "/recovery/probe/quorum".into(),
                format!("quorum `{}` is not `agreeing/vantage points` such as `2/3`", r.probe.quorum),
                Some("at most 16 vantage points, and no more agreeing than there are".into()),
            ),
            Some(cfg) => {
                for problem in cfg.problems() {
                    self.err(Code::OutOfRange, "/recovery/probe".into(), problem, None);
                }
            }
        }
        for (i, slo) in r.fail_on_slo.iter().enumerate() {
            if !self.spec.slos.contains_key(slo) {
                let hint = did_you_mean(slo, self.spec.slos.keys().map(String::as_str)).map(|m| format!("did you mean `{m}`?"));
                self.err(Code::DanglingRef, format!("/recovery/fail_on_slo/{i}"), format!("`{slo}` is not an SLO of this spec"), hint);
            }
        }
        if r.mode != crate::spec::RecoveryMode::ActiveActive && self.spec.regions.standby.is_empty() {
            self.err(
                Code::MissingField,
                "/regions/standby".into(),
                format!("recovery mode `{}` needs a standby region to fail over to", crate::recovery::mode_name(r.mode)),
                Some("such as `regions: { primary: us-east-1, standby: [us-west-2] }`".into()),
            );
        }
        if r.rto.as_millis() < r.probe.interval.as_millis() * u64::from(r.probe.failures) + r.probe.timeout.as_millis() {
            self.out.push(
                Diagnostic::warning(
                    Code::OutOfRange,
                    "/recovery/rto",
                    format!(
                        "RTO {} is shorter than detection alone can take ({} probes {} apart, plus a {} timeout)",
                        r.rto, r.probe.failures, r.probe.interval, r.probe.timeout
                    ),
                )
                .with_hint("probe more often, need fewer failures, or accept a longer RTO"),
            );
        }
    }

    fn rollout(&mut self) {
        let r = &self.spec.rollout;
        if let Err(msg) = crate::rollout::Strategy::resolve(r) {
            let names = crate::rollout::NAMES.iter().copied().chain(crate::rollout::CODEDEPLOY_PRESETS.iter().map(|(_, p)| *p));
            let hint = match did_you_mean(&r.strategy, names) {
                Some(m) => format!("did you mean `{m}`?"),
                None => format!(
                    "use {}, or a preset such as `canary-10pct-5m` or `linear-10pct-every-1m`",
                    crate::rollout::NAMES.map(|n| format!("`{n}`")).join(", ")
                ),
            };
            self.err(Code::BadValue, "/rollout/strategy".into(), msg, Some(hint));
        }
        if r.shift == crate::spec::ShiftBy::Codedeploy {
            if let Err(msg) = crate::rollout::Strategy::resolve(r).and_then(|st| st.codedeploy()) {
                self.err(
                    Code::BadValue,
                    "/rollout/shift".into(),
                    msg,
                    Some("use a single-step canary, linear or all-at-once with whole percents and minutes, or `shift: lift`".into()),
                );
            }
        }
        let mut last = 0;
        for (i, step) in r.steps.iter().enumerate() {
            let w = step.weight.ppm();
            if w == 0 || w >= 1_000_000 || w <= last {
                let n = i.to_string();
                self.err(
                    Code::OutOfRange,
                    p(&["rollout", "steps", &n, "weight"]),
                    format!("canary step weight `{}` must be above 0%, below 100% and above the step before", step.weight),
                    Some("the last step to 100% is implied".into()),
                );
            }
            last = w;
        }
        for (i, gate) in r.gates.iter().enumerate() {
            if let crate::spec::Gate::Slo(g) = gate {
                if !self.spec.slos.contains_key(&g.slo) {
                    let hint = did_you_mean(&g.slo, self.spec.slos.keys().map(String::as_str))
                        .map(|m| format!("did you mean `{m}`?"))
                        .or_else(|| Some("declare it under `slos`".into()));
                    self.err(Code::DanglingRef, p(&["rollout", "gates", &i.to_string(), "slo"]), format!("no SLO named `{}`", g.slo), hint);
                }
            }
            if let crate::spec::Gate::Hook(h) = gate {
                let ptr = p(&["rollout", "gates", &i.to_string(), "hook"]);
                match parse_target(&h.hook) {
                    Ok(t) if t.kind == Kind::Function => {
                        self.target(|| ptr, &t);
                    }
                    _ => self.err(
                        Code::DanglingRef,
                        ptr,
                        format!("hook `{}` is not a function of this app", h.hook),
                        Some("write `functions.NAME`".into()),
                    ),
                }
            }
        }
        if r.increment.is_some_and(|i| i.ppm() == 0) {
            self.err(Code::OutOfRange, "/rollout/increment".into(), "a linear increment of 0% never finishes".into(), None);
        }
        if r.batch == 0 {
            self.err(Code::OutOfRange, "/rollout/batch".into(), "a rolling batch needs at least one region".into(), None);
        }
        if r.waves.is_empty() {
            return;
        }
        let all = self.spec.all_regions();
        let mut seen = std::collections::BTreeSet::new();
        for (i, wave) in r.waves.iter().enumerate() {
            let wi = i.to_string();
            if wave.is_empty() {
                self.err(Code::BadValue, p(&["rollout", "waves", &wi]), "a wave needs at least one region".into(), None);
            }
            for (j, region) in wave.iter().enumerate() {
                let ptr = p(&["rollout", "waves", &wi, &j.to_string()]);
                if !all.contains(&region.as_str()) {
                    let hint = did_you_mean(region, all.iter().copied()).map(|m| format!("did you mean `{m}`?"));
                    self.err(Code::DanglingRef, ptr, format!("`{region}` is not one of the app's regions"), hint);
                } else if !seen.insert(region.as_str()) {
                    self.err(Code::Conflict, ptr, format!("region `{region}` is in more than one wave"), None);
                }
            }
        }
        let missing: Vec<&str> = all.iter().copied().filter(|r| !seen.contains(r)).collect();
        if !missing.is_empty() {
            self.err(
                Code::MissingField,
                "/rollout/waves".into(),
                format!("no wave deploys to {}", missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")),
                Some("every region of the app belongs to exactly one wave".into()),
            );
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
    }
}
