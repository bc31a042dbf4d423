//! Rules for `functions`: handlers, runtimes, sizes, access and environment references, triggers.

use super::*;

impl Rules<'_> {
    pub(super) fn functions(&mut self) {
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
                let ptr = p(&[base[0], base[1], "access", key.as_str()]);
                let t = match key.target() {
                    Ok(t) => t,
                    Err(msg) => {
                        self.err(Code::DanglingRef, ptr, msg.to_owned(), None);
                        continue;
                    }
                };
                if !self.target(|| ptr.clone(), t) {
                    continue;
                }
                let allowed: &[Access] = match t.kind {
                    Kind::Table => &[Access::Read, Access::Write, Access::ReadWrite],
                    Kind::Queue => &[Access::Send, Access::Consume, Access::Read],
                    Kind::Topic => &[Access::Publish],
                    Kind::Function => &[Access::Invoke],
                    Kind::Http => &[],
                    Kind::Secret => &[Access::Read],
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
                        p(&[base[0], base[1], "access", key.as_str()]),
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
                match value.pieces() {
                    Err(msg) => {
                        // A refused secret's value has its own fix in the message.
                        let hint = (!msg.contains("${secrets.")).then(|| "write `$${` for a literal `${`".to_owned());
                        self.err(Code::DanglingRef, ptr, msg.to_owned(), hint);
                    }
                    Ok(pieces) => {
                        for piece in pieces {
                            if let Piece::Ref(t, _) = piece {
                                self.target(|| ptr.clone(), t);
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
}
