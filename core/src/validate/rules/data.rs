//! Rules for `tables` and `queues`.

use super::*;

impl Rules<'_> {
    pub(super) fn tables(&mut self) {
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

    pub(super) fn queues(&mut self) {
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
