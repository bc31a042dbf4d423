//! CloudFormation, IAM and Lambda limits, checked on a rendered template, with
//! a warning at 90% (what users of cfn-lint ask for: a warning before it breaks).

use crate::diag::{Code, Diagnostic};
use crate::graph::{Graph, Resource};
use crate::text::tree::Tree;

/// One limit: what is counted, the maximum, and what it is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Human name.
    pub what: &'static str,
    /// The maximum allowed.
    pub max: usize,
}

/// Resources in one template.
pub const RESOURCES: Limit = Limit { what: "resources in a template", max: 500 };
/// Outputs in one template.
pub const OUTPUTS: Limit = Limit { what: "outputs in a template", max: 200 };
/// Parameters in one template.
pub const PARAMETERS: Limit = Limit { what: "parameters in a template", max: 200 };
/// Template body uploaded through S3, in bytes.
pub const BODY_S3: Limit = Limit { what: "bytes in a template body (through S3)", max: 1_000_000 };
/// Template body passed inline, in bytes.
pub const BODY_INLINE: Limit = Limit { what: "bytes in a template body passed inline", max: 51_200 };
/// Inline policies of one role, in characters without whitespace.
pub const ROLE_POLICY: Limit = Limit { what: "characters of inline policy in one role", max: 10_240 };
/// A function's resource-based policy, in bytes.
pub const RESOURCE_POLICY: Limit = Limit { what: "bytes of resource policy on one function", max: 20_480 };
/// Length of a logical ID.
pub const LOGICAL_ID: Limit = Limit { what: "characters in a logical ID", max: 255 };

/// Bytes one `AWS::Lambda::Permission` adds to a function's resource policy
/// (a statement with principal, action, ARNs and a source condition).
const PERMISSION_BYTES: usize = 350;

fn check(out: &mut Vec<Diagnostic>, ptr: &str, limit: Limit, n: usize, subject: impl FnOnce() -> String, hint: &str) {
    if n * 10 < limit.max * 9 {
        return;
    }
    let subject = subject();
    if n > limit.max {
        out.push(
            Diagnostic::error(Code::LimitExceeded, ptr, format!("{subject}{n} {} exceeds the limit of {}", limit.what, limit.max))
                .with_hint(hint),
        );
    } else {
        out.push(
            Diagnostic::warning(
                Code::LimitNear,
                ptr,
                format!("{subject}{n} {} is at {}% of the limit of {}", limit.what, n * 100 / limit.max, limit.max),
            )
            .with_hint(hint),
        );
    }
}

/// Check a rendered template (`template`, whose text is `body_len` bytes) against the limits.
pub fn template_limits(g: &Graph, template: &Tree<'_>, body_len: usize) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let count = |k: &str| template.get(k).map_or(0, |t| t.entries().len());
    let region = format!("{}: ", g.region);
    // Where the resources come from: the spec's sections, most first, so the error points at one.
    let mut sections: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for node in g.nodes.values() {
        *sections.entry(node.origin.split('/').nth(1).unwrap_or("")).or_default() += 1;
    }
    let mut ranked: Vec<(&str, usize)> = sections.into_iter().filter(|(s, _)| !s.is_empty()).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let top = ranked.first().map_or(String::new(), |(s, _)| format!("/{s}"));
    let most: Vec<String> = ranked.iter().take(3).map(|(s, n)| format!("`{s}` ({n})")).collect();
    let hint = format!("split the app, or move a part into its own spec; most resources come from {}", most.join(", "));
    check(&mut out, &top, RESOURCES, count("Resources"), || region.clone(), &hint);
    check(&mut out, "", OUTPUTS, count("Outputs"), || region.clone(), "fewer functions, queues or tables per spec");
    check(&mut out, "", PARAMETERS, count("Parameters"), || region.clone(), "give code as S3 objects instead of local paths");
    check(&mut out, "", BODY_S3, body_len, || region.clone(), "split the app into several specs");
    if body_len > BODY_INLINE.max && body_len <= BODY_S3.max {
        out.push(
            Diagnostic::warning(
                Code::LimitNear,
                "",
                format!("{region}the template is {} bytes, over the {} CloudFormation accepts inline", body_len, BODY_INLINE.max),
            )
            .with_hint("upload it to S3 and deploy it by `TemplateURL`, or use `--yaml`, which is smaller"),
        );
    }
    for node in g.nodes.values() {
        check(&mut out, &node.origin, LOGICAL_ID, node.id.len(), || format!("`{}`: ", node.id), "use a shorter name in the spec");
        if let Resource::Role { .. } = *node.resource {
            let policies =
                template.get("Resources").and_then(|r| r.get(&node.id)).and_then(|r| r.get("Properties")).and_then(|p| p.get("Policies"));
            // Compact JSON has no whitespace outside strings, and policy strings hold none.
            let chars = policies.map_or(0, Tree::compact_len);
            check(
                &mut out,
                &node.origin,
                ROLE_POLICY,
                chars,
                || format!("role `{}`: ", node.id),
                "grant access to fewer resources from one function, or split the function",
            );
        }
    }
    // Resource policy of each function: one statement per permission aimed at it.
    let mut per_function: std::collections::BTreeMap<String, (usize, String)> = std::collections::BTreeMap::new();
    for node in g.nodes.values() {
        if let Resource::Permission { function, .. } = &*node.resource {
            let mut refs = vec![];
            function.refs(&mut refs);
            if let Some(target) = refs.first() {
                let e = per_function.entry((*target).to_owned()).or_insert((0, node.origin.clone()));
                e.0 += PERMISSION_BYTES;
            }
        }
    }
    for (f, (bytes, origin)) in per_function {
        check(
            &mut out,
            &origin,
            RESOURCE_POLICY,
            bytes,
            || format!("`{f}`: about "),
            "fewer triggers on one function; Lift already grants an HTTP API once per function, not per route",
        );
    }
    out
}
