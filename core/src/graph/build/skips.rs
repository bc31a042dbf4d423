//! The security scanners' checks a generated resource deliberately does not
//! meet, each with its reason, so that a scan of Lift's output reports no
//! unexplained failure and a reviewer reads why next to the resource.
//!
//! Every skip follows from the spec: a setting left at a default that the
//! scanner's rule disagrees with (and that the spec can change), or a rule
//! that misreads what Lift writes. Where a finding was a real gap, Lift's
//! output changed instead (customer-managed keys, dead-letter queues, flow
//! logs, the default security group, code signing).

use super::*;

/// Every check Lift may skip, with what decides it: the table `docs/security.md` lists.
pub const CHECKS: &[(&str, &str)] = &[
    ("CKV_AWS_111", "the role of a function with `vpc: true` (CloudFormation only)"),
    ("CKV_AWS_115", "a function without `reserved_concurrency`"),
    ("CKV_AWS_116", "a function invoked only synchronously (no dead-letter target applies)"),
    ("CKV_AWS_117", "a function without `vpc: true`"),
    ("CKV_AWS_119", "a table without `kms_key`"),
    ("CKV_AWS_158", "a log group without `kms_key`"),
    ("CKV_AWS_173", "a function without `kms_key`"),
    ("CKV_AWS_27", "a queue without `kms_key` (CloudFormation only: SQS-managed encryption is not recognised)"),
    ("CKV_AWS_272", "a function when the app has no `code_signing`"),
    ("CKV_AWS_309", "a route the spec makes public"),
    ("CKV_AWS_338", "a log group kept less than a year"),
    ("CKV_AWS_394", "the availability zones lookup (Terraform only)"),
];

/// The reason given for CKV_AWS_394 on Terraform's availability-zone lookup.
pub const ZONES_REASON: &str =
    "subnets take the region's first zones by position, as CloudFormation's Fn::GetAZs does; the spec names a count of zones, not zone IDs";

/// Attach to each node the checks it is written not to meet.
pub(super) fn mark(g: &mut Graph) {
    for node in g.nodes.values_mut() {
        node.skips = skips(&node.resource);
    }
}

fn skip(check: &'static str, reason: impl Into<String>) -> Skip {
    Skip { check, reason: reason.into(), cloudformation_only: false }
}

fn skips(r: &Resource) -> Vec<Skip> {
    let mut out = vec![];
    match r {
        Resource::Role { statements, .. } if statements.iter().any(|s| s.actions.iter().any(|a| super::VPC_ACCESS.contains(&a.as_ref()))) => {
            out.push(Skip {
                check: "CKV_AWS_111",
                reason: "Lambda creates and deletes the function's network interfaces with this role before any exists to name: the EC2 grant of AWS's AWSLambdaVPCAccessExecutionRole, written out".into(),
                cloudformation_only: true,
            });
        }
        Resource::Function { reserved_concurrency, vpc, kms_key, dead_letter, code_signing, environment, .. } => {
            if reserved_concurrency.is_none() {
                out.push(skip(
                    "CKV_AWS_115",
                    "no reserved concurrency: reserving takes capacity from the account's pool and caps the function; set reserved_concurrency to reserve",
                ));
            }
            if dead_letter.is_none() {
                out.push(skip(
                    "CKV_AWS_116",
                    "invoked only synchronously (HTTP API, queue polling): a dead-letter target applies to asynchronous invocations, and functions with topic, schedule or event triggers get one",
                ));
            }
            if vpc.is_none() {
                out.push(skip(
                    "CKV_AWS_117",
                    "reaches AWS APIs over HTTPS with IAM only: a VPC adds network interfaces and NAT cost and protects nothing here; set vpc: true to run in network.vpc",
                ));
            }
            if kms_key.is_none() && !environment.is_empty() {
                out.push(skip(
                    "CKV_AWS_173",
                    "the environment is encrypted at rest with Lambda's AWS-managed key and holds no secrets (lift validate flags them: W405); set kms_key for a customer-managed key",
                ));
            }
            if code_signing.is_none() {
                out.push(skip("CKV_AWS_272", "the app sets no code_signing profiles; set code_signing.profiles to have Lambda refuse unsigned code"));
            }
        }
        Resource::LogGroup { retention_days, kms_key } => {
            if kms_key.is_none() {
                out.push(skip("CKV_AWS_158", "encrypted at rest by CloudWatch Logs with its own keys; set kms_key for a customer-managed key"));
            }
            if *retention_days < 365 {
                out.push(skip(
                    "CKV_AWS_338",
                    format!("kept {retention_days} days as the spec says (log storage is billed by the GB-month); set the retention to 365d or more to keep a year"),
                ));
            }
        }
        Resource::Table { shape } | Resource::GlobalTable { shape, .. } if shape.kms_key.is_none() => {
            out.push(skip("CKV_AWS_119", "encrypted at rest with DynamoDB's own key; set kms_key for a customer-managed key"));
        }
        Resource::Queue { kms_key: None, .. } => out.push(Skip {
            check: "CKV_AWS_27",
            reason: "encrypted at rest by SQS-managed server-side encryption (SqsManagedSseEnabled), which the check does not recognise; set kms_key for a customer-managed key".into(),
            cloudformation_only: true,
        }),
        Resource::Route { authorization: "NONE", .. } => out.push(skip(
            "CKV_AWS_309",
            "the spec makes this route public: http.auth is none, or it is the recovery probe's path, which health checkers call unsigned",
        )),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly by design")]
    use super::*;

    #[test]
    fn every_check_is_in_the_docs_table_with_its_reason() {
        let docs = include_str!("../../../../docs/security.md");
        for (id, _) in CHECKS {
            assert!(docs.contains(&format!("| `{id}` |")), "{id} is missing from docs/security.md");
        }
    }

    #[test]
    fn every_skip_names_a_check_of_the_table() {
        let spec = crate::spec::load(
            "app: a\nregions: {primary: us-east-1}\nhttp: {auth: none, routes: {GET /: f}}\nfunctions:\n  f: {runtime: python3.12, handler: a.h, code: ./f}\nqueues: {q: {}}\ntables: {t: {partition_key: id}}\n",
        )
        .unwrap()
        .spec;
        let (g, _) = build(&spec, "us-east-1");
        let checks: Vec<&str> = g.nodes.values().flat_map(|n| n.skips.iter().map(|s| s.check)).collect();
        assert!(checks.len() >= 9, "{checks:?}");
        for c in checks {
            assert!(CHECKS.iter().any(|(id, _)| *id == c), "{c} is not in CHECKS");
        }
    }
}
