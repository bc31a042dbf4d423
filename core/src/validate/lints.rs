//! Secure-default lints on the graph: what was generated, whatever the spec said.

use crate::diag::{Code, Diagnostic};
use crate::graph::{Expr, Graph, Resource};

/// Wildcard IAM and logs kept forever. (Encryption and authorization are
/// secure by default in the builder; the spec rules warn where a spec turns them off.)
pub fn graph_lints(g: &Graph) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for node in g.nodes.values() {
        match &*node.resource {
            Resource::Role { statements, .. } => {
                for s in statements {
                    // Actions AWS gives no resource to name (X-Ray's; the VPC
                    // interfaces Lambda makes before they exist) are granted on `*`.
                    if s.actions.iter().all(|a| crate::graph::build::unscoped(a)) {
                        continue;
                    }
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
            Resource::LogGroup { retention_days: 0, .. } => {
                out.push(Diagnostic::warning(Code::Retention, &node.origin, format!("log group `{}` keeps logs forever", node.id)));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Node, RegionRole, Statement};
    use std::collections::BTreeMap;

    fn graph_with(statements: Vec<Statement>, retention_days: u32) -> Graph {
        let mut nodes = BTreeMap::new();
        let role = Resource::Role { service: "lambda.amazonaws.com", managed_policies: vec![], statements };
        for (id, resource) in [("FRole", role), ("FLogGroup", Resource::LogGroup { retention_days, kms_key: None })] {
            nodes.insert(
                id.to_owned(),
                Node {
                    id: id.into(),
                    origin: "/functions/f".into(),
                    resource: Box::new(resource),
                    depends_on: vec![],
                    retain: false,
                    tagged: true,
                    skips: vec![],
                },
            );
        }
        Graph {
            app: "a".into(),
            description: String::new(),
            region: "us-east-1".into(),
            role: RegionRole::Primary,
            parameters: vec![],
            nodes,
            outputs: vec![],
            tags: BTreeMap::new(),
        }
    }

    #[test]
    fn wildcards_and_endless_logs_are_flagged() {
        let wild = graph_with(vec![Statement { actions: vec!["dynamodb:*".into()], resources: vec![Expr::s("*")] }], 0);
        let codes: Vec<String> = graph_lints(&wild).into_iter().map(|d| d.code).collect();
        assert_eq!(codes, vec!["W402", "W404"]);
        let tight = graph_with(
            vec![Statement { actions: vec!["dynamodb:GetItem".into()], resources: vec![Expr::s("arn:aws:dynamodb:us-east-1:1:table/t")] }],
            30,
        );
        assert!(graph_lints(&tight).is_empty());
    }
}
