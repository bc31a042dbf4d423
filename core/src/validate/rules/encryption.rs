//! Rules for what hardens the generated resources: customer-managed KMS keys
//! named by ARN, code signing profiles, and the queue a function's failed
//! asynchronous invocations go to.

use super::*;

/// Whether `key` is a KMS key's ARN (`{region}` may stand for the region).
pub(super) fn is_kms_key_arn(key: &str) -> bool {
    key.starts_with("arn:") && key.contains(":kms:") && key.contains(":key/")
}

/// The fix for a value that is not a KMS key's ARN.
pub(super) const KMS_KEY_HINT: &str = "write `arn:aws:kms:{region}:ACCOUNT:key/ID`; `{region}` stands for each region the app runs in";

impl Rules<'_> {
    pub(super) fn encryption(&mut self) {
        let spec = self.spec;
        let mut keys: Vec<(String, &String)> = spec.kms_key.iter().map(|k| ("/kms_key".to_owned(), k)).collect();
        fn own<'s>(kind: &str, name: &str, key: Option<&'s String>) -> Option<(String, &'s String)> {
            key.map(|k| (p(&[kind, name, "kms_key"]), k))
        }
        keys.extend(spec.functions.iter().filter_map(|(n, f)| own("functions", n, f.kms_key.as_ref())));
        keys.extend(spec.tables.iter().filter_map(|(n, t)| own("tables", n, t.kms_key.as_ref())));
        keys.extend(spec.queues.iter().filter_map(|(n, q)| own("queues", n, q.kms_key.as_ref())));
        keys.extend(spec.topics.iter().filter_map(|(n, t)| own("topics", n, t.kms_key.as_ref())));
        for (ptr, key) in keys {
            if !is_kms_key_arn(key) {
                self.err(Code::BadValue, ptr, format!("`{key}` is not a KMS key ARN"), Some(KMS_KEY_HINT.into()));
            }
        }
        if let Some(cs) = &spec.code_signing {
            if cs.profiles.is_empty() {
                self.err(Code::BadValue, "/code_signing/profiles".into(), "code signing names no signing profile".into(), None);
            }
            for (i, profile) in cs.profiles.iter().enumerate() {
                let ok = profile.starts_with("arn:") && profile.contains(":signer:") && profile.contains("/signing-profiles/");
                if !ok {
                    self.err(
                        Code::BadValue,
                        format!("/code_signing/profiles/{i}"),
                        format!("`{profile}` is not a signing profile version ARN"),
                        Some("write `arn:aws:signer:{region}:ACCOUNT:/signing-profiles/NAME/VERSION`, as AWS Signer shows it".into()),
                    );
                }
            }
        }
        for (name, f) in &spec.functions {
            let Some(queue) = &f.dead_letter else { continue };
            let ptr = p(&["functions", name, "dead_letter"]);
            if self.target(|| ptr.clone(), &Target { kind: Kind::Queue, name: queue.clone() })
                && spec.queues.get(queue).is_some_and(|q| q.fifo)
            {
                self.err(
                    Code::Conflict,
                    ptr,
                    format!("queue `{queue}` is FIFO: Lambda sends failed asynchronous invocations only to a standard queue"),
                    None,
                );
            }
        }
    }
}
