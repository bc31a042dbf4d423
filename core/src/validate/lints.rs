//! Secure-default lints on the graph: what was generated, whatever the spec said.

use crate::diag::{Code, Diagnostic};
use crate::graph::{Expr, Graph, Resource};

/// Wildcard IAM and logs kept forever. (Encryption and authorization are
/// secure by default in the builder; the spec rules warn where a spec turns them off.)
pub fn graph_lints(g: &Graph) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for node in g.nodes.values() {
        match &node.resource {
            Resource::Role { statements, .. } => {
                for s in statements {
                    let wild_action = s.actions.iter().any(|a| a.contains('*'));
                    let wild_resource = s.resources.iter().any(|r| matches!(r, Expr::Str(s) if s == "*"));
                    if wild_action || wild_resource {
                        out.push(
                            Diagnostic::warning(
                                Code::WildcardIam,
                                &node.origin,
                                format!(
                                    "role `{}` allows `{}` on {}",
                                    node.id,
                                    s.actions.join(", "),
                                    if wild_resource { "every resource (`*`)" } else { "named resources" }
                                ),
                            )
                            .with_hint("grant named actions on named resources"),
                        );
                    }
                }
            }
            Resource::LogGroup { retention_days: 0 } => {
                out.push(Diagnostic::warning(Code::Retention, &node.origin, format!("log group `{}` keeps logs forever", node.id)));
            }
            _ => {}
        }
    }
    out
}
