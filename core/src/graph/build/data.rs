//! Tables and queues, for `tables` and `queues`.

use super::*;

impl Builder<'_> {
    pub(super) fn table(&mut self, name: &str, t: &Table) {
        let id = table_id(name);
        let origin = format!("/tables/{}", escape_pointer(name));
        let key = |k: &crate::spec::Key| KeyAttr { name: k.name().to_owned(), kind: k.kind().letter() };
        let global = t.replicas == Replicas::AllRegions && !self.spec.regions.standby.is_empty();
        let mut shape = TableShape {
            name: None,
            hash: key(&t.partition_key),
            range: t.sort_key.as_ref().map(key),
            indexes: t
                .indexes
                .iter()
                .map(|(n, i)| Gsi {
                    name: n.clone(),
                    hash: key(&i.partition_key),
                    range: i.sort_key.as_ref().map(key),
                    projection: match i.projection {
                        crate::spec::Projection::All => "ALL",
                        crate::spec::Projection::KeysOnly => "KEYS_ONLY",
                    },
                })
                .collect(),
            stream: t.stream.map(|s| s.aws()),
            ttl: t.ttl.clone(),
            pitr: t.point_in_time_recovery,
            kms_key: self.kms_key(t.kms_key.as_ref()),
        };
        if t.replicas != Replicas::PerRegion && !self.spec.regions.standby.is_empty() {
            shape.name = Some(table_name(&self.spec.app, name));
        }
        let resource = match (global, self.role, t.replicas) {
            (true, RegionRole::Primary, _) => {
                // Replicas need a stream carrying both images.
                shape.stream = Some("NEW_AND_OLD_IMAGES");
                let replicas: Vec<String> = self.spec.all_regions().into_iter().map(str::to_owned).collect();
                let key = t.kms_key.as_ref().or(self.spec.kms_key.as_ref());
                let replica_keys =
                    key.map(|k| replicas.iter().map(|r| (r.clone(), k.replace("{region}", r))).collect()).unwrap_or_default();
                Resource::GlobalTable { shape, replicas, replica_keys }
            }
            (false, _, Replicas::PerRegion) | (false, RegionRole::Primary, _) => Resource::Table { shape },
            // Standby regions reach global and primary-only tables by name.
            _ => {
                self.output(&cat(&id, "Name"), &format!("name of table `{name}`"), Expr::s(table_name(&self.spec.app, name)));
                return;
            }
        };
        let retain = t.on_delete == crate::spec::OnDelete::Retain;
        self.add(&id, origin, resource, true).retain = retain;
        self.output(&cat(&id, "Name"), &format!("name of table `{name}`"), Expr::r(&id, Attr::Id));
    }

    pub(super) fn queue(&mut self, name: &str, q: &crate::spec::Queue) {
        let id = queue_id(name);
        let dead_letter = q
            .dead_letter
            .as_ref()
            .and_then(|d| self.target(&Target { kind: Kind::Queue, name: d.queue.clone() }, "arn").map(|arn| (arn, d.max_receives)));
        let r = Resource::Queue {
            fifo: q.fifo,
            visibility_timeout_s: q.visibility_timeout.as_secs(),
            retention_s: q.retention.as_secs(),
            dead_letter,
            kms_key: self.kms_key(q.kms_key.as_ref()),
        };
        self.add(&id, format!("/queues/{}", escape_pointer(name)), r, true);
        self.output(&cat(&id, "Url"), &format!("URL of queue `{name}`"), Expr::r(&id, Attr::Id));
    }
}
