//! Validation: what a spec must satisfy beyond its schema, what the graph
//! must satisfy (no cycles, secure defaults), and what a rendered template
//! must satisfy (CloudFormation and IAM limits).
//!
//! Everything found is reported; errors stop synthesis, warnings do not.

mod caps;
mod limits;
mod lints;
mod rules;

pub use caps::{DURATION_CAPS, MAX_BAKE, MAX_CANARY_STEPS, MAX_DEPLOY, MAX_RECOVERY, MAX_SLO_WINDOW, MIN_INCREMENT_PPM, MIN_SLO_WINDOW};
pub use limits::{Limit, template_limits};
pub use lints::graph_lints;
pub use rules::spec_rules;

use crate::diag::{Code, Diagnostic};
use crate::graph::{Collision, Graph};
use crate::spec::SourceMap;

/// Turn a dependency cycle into a diagnostic listing every member and where it is.
pub fn cycle_diagnostic(g: &Graph, source: Option<&SourceMap>) -> Option<Diagnostic> {
    let cycle = g.find_cycle()?;
    let origin = |id: &str| g.nodes.get(id).map(|n| n.origin.clone()).unwrap_or_default();
    let members: Vec<String> = cycle
        .0
        .iter()
        .map(|id| {
            let o = origin(id);
            match source.and_then(|s| s.locate(&o)) {
                Some(l) => format!("`{id}` ({o}, line {})", l.line),
                None => format!("`{id}` ({o})"),
            }
        })
        .collect();
    let first = cycle.0.first().map(|id| origin(id)).unwrap_or_default();
    Some(
        Diagnostic::error(Code::Cycle, first, format!("dependency cycle: {}", members.join(" -> "))).with_hint(
            "break the cycle: one of these references has to go, for example an environment variable that names the other function",
        ),
    )
}

/// Turn logical ID collisions into diagnostics: one per pair of spec entries,
/// however many resources each of them makes.
pub fn collision_diagnostics(collisions: &[Collision]) -> Vec<Diagnostic> {
    // `/functions/send_mail/alarms` -> `/functions/send_mail`: the spec entry.
    let entry = |p: &str| p.split('/').take(3).collect::<Vec<_>>().join("/");
    let dotted = |p: &str| p.trim_start_matches('/').replace('/', ".");
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for c in collisions {
        let (first, second) = (entry(&c.first), entry(&c.second));
        if !seen.insert((first.clone(), second.clone())) {
            continue;
        }
        out.push(
            Diagnostic::error(
                Code::Conflict,
                &second,
                format!("`{}` and `{}` both become the logical ID `{}`", dotted(&first), dotted(&second), c.id),
            )
            .with_hint("rename one of them: names that differ only in `-`, `_` or case collide"),
        );
    }
    out
}
