//! Validation: what a spec must satisfy beyond its schema, what the graph
//! must satisfy (no cycles, secure defaults), and what a rendered template
//! must satisfy (CloudFormation and IAM limits).
//!
//! Everything found is reported; errors stop synthesis, warnings do not.

mod limits;
mod lints;
mod rules;

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

/// Turn logical ID collisions into diagnostics.
pub fn collision_diagnostics(collisions: &[Collision]) -> Vec<Diagnostic> {
    collisions
        .iter()
        .map(|c| {
            Diagnostic::error(Code::Conflict, &c.second, format!("`{}` and `{}` both become the logical ID `{}`", c.first, c.second, c.id))
                .with_hint("rename one of them: names that differ only in `-`, `_` or case collide")
        })
        .collect()
}
