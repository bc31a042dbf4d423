//! Property tests: random specs never panic anywhere in the pipeline, and the
//! order in which a spec declares things never changes the output.

#![allow(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, reason = "tests fail loudly by design")]

use lift_core::{App, Format};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const NAMES: [&str; 6] = ["orders", "users", "jobs", "mail", "audit", "search"];

/// A spec as ordered (key, value) lists, so it can be written in any order.
#[derive(Debug, Clone)]
struct Parts {
    functions: Vec<(String, Value)>,
    tables: Vec<(String, Value)>,
    queues: Vec<(String, Value)>,
    topics: Vec<(String, Value)>,
    routes: Vec<(String, Value)>,
    standby: bool,
    vpc: bool,
}

fn reference() -> impl Strategy<Value = String> {
    // Mostly names that exist, sometimes ones that do not.
    prop_oneof![4 => prop::sample::select(NAMES.to_vec()).prop_map(str::to_owned), 1 => "[a-z]{1,6}"]
}

fn function() -> impl Strategy<Value = Value> {
    (
        prop::collection::btree_map(reference().prop_map(|n| format!("tables.{n}")), prop::sample::select(vec!["read", "write", "read-write", "publish"]), 0..3),
        prop::collection::vec(prop_oneof![reference().prop_map(|q| json!({"queue": q})), reference().prop_map(|t| json!({"topic": t})), Just(json!({"schedule": "rate(5 minutes)"}))], 0..3),
        prop::option::of(reference().prop_map(|n| format!("${{tables.{n}.name}}"))),
        any::<bool>(),
        128u32..20_000,
    )
        .prop_map(|(access, triggers, env, vpc, memory)| {
            let mut f = json!({"runtime": "python3.12", "handler": "app.handler", "code": "./src", "memory": memory, "timeout": "30s", "access": access, "triggers": triggers, "vpc": vpc});
            if let Some(e) = env {
                f["environment"] = json!({"TABLE": e});
            }
            f
        })
}

fn parts() -> impl Strategy<Value = Parts> {
    let named = |s: BoxedStrategy<Value>| {
        prop::collection::btree_map(prop::sample::select(NAMES.to_vec()).prop_map(str::to_owned), s, 0..4)
            .prop_map(|m| m.into_iter().collect::<Vec<_>>())
    };
    (
        named(function().boxed()),
        named(
            prop_oneof![
                Just(json!({"partition_key": "pk"})),
                Just(json!({"partition_key": "pk", "sort_key": {"name": "n", "type": "number"}, "replicas": "per-region"}))
            ]
            .boxed(),
        ),
        named(
            prop_oneof![
                Just(json!({"visibility_timeout": "6m"})),
                reference().prop_map(|d| json!({"visibility_timeout": "1m", "dead_letter": {"queue": d}}))
            ]
            .boxed(),
        ),
        named(Just(json!({})).boxed()),
        prop::collection::btree_map(
            prop::sample::select(vec!["GET /a", "POST /a", "GET /b/{id}", "ANY /{proxy+}"]).prop_map(str::to_owned),
            reference().prop_map(Value::String),
            0..3,
        )
        .prop_map(|m| m.into_iter().collect::<Vec<_>>()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(functions, tables, queues, topics, routes, standby, vpc)| Parts {
            functions,
            tables,
            queues,
            topics,
            routes,
            standby,
            vpc,
        })
}

fn obj(entries: &[(String, Value)], reverse: bool) -> Value {
    let mut m = Map::new();
    let iter: Box<dyn Iterator<Item = &(String, Value)>> = if reverse { Box::new(entries.iter().rev()) } else { Box::new(entries.iter()) };
    for (k, v) in iter {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

fn render(p: &Parts, reverse: bool) -> String {
    let mut spec = Map::new();
    let mut sections: Vec<(&str, Value)> = vec![
        ("functions", obj(&p.functions, reverse)),
        ("tables", obj(&p.tables, reverse)),
        ("queues", obj(&p.queues, reverse)),
        ("topics", obj(&p.topics, reverse)),
    ];
    if !p.routes.is_empty() {
        sections.push(("http", json!({"routes": obj(&p.routes, reverse)})));
    }
    if p.vpc {
        sections.push(("network", json!({"vpc": {}})));
    }
    sections.push(("app", json!("prop")));
    sections.push((
        "regions",
        if p.standby { json!({"primary": "us-east-1", "standby": ["eu-west-1"]}) } else { json!({"primary": "us-east-1"}) },
    ));
    if reverse {
        sections.reverse();
    }
    for (k, v) in sections {
        spec.insert(k.to_owned(), v);
    }
    serde_json::to_string_pretty(&Value::Object(spec)).unwrap_or_default()
}

fn outcome(text: &str) -> Result<Vec<String>, Vec<(String, String)>> {
    let app = App::from_text(text).map_err(|d| d.into_iter().map(|d| (d.code, d.pointer)).collect::<Vec<_>>())?;
    let mut diags: Vec<(String, String)> = app.validate().into_iter().map(|d| (d.code, d.pointer)).collect();
    diags.sort();
    match app.synth_all(Format::CloudFormationJson) {
        Ok(s) => Ok(s.into_iter().map(|s| s.text).collect()),
        Err(_) => Err(diags),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn declaration_order_never_changes_the_output(p in parts()) {
        let forward = outcome(&render(&p, false));
        let backward = outcome(&render(&p, true));
        prop_assert_eq!(forward, backward);
    }

    #[test]
    fn synthesized_graphs_are_acyclic_and_complete(p in parts()) {
        if let Ok(app) = App::from_text(&render(&p, false)) {
            if !app.validate().iter().any(|d| d.is_error()) {
                for region in app.regions() {
                    let g = app.graph(&region).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let order = g.topological_order().map_err(|c| TestCaseError::fail(format!("{c:?}")))?;
                    prop_assert_eq!(order.len(), g.nodes.len());
                    // Every dependency comes first, and exists: no dangling references reach a template.
                    let pos: std::collections::HashMap<&str, usize> = order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
                    for (id, node) in &g.nodes {
                        for dep in node.dependencies() {
                            prop_assert!(pos.contains_key(dep), "{} refers to missing {}", id, dep);
                            prop_assert!(pos[dep] < pos[id.as_str()]);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[ -~\n\t]{0,400}") {
        if let Ok(app) = App::from_text(&text) {
            let _ = app.validate();
            let _ = app.synth_all(Format::CloudFormationYaml);
        }
    }

    #[test]
    fn mutated_examples_never_panic(cut in 0usize..4000, insert in "[ -~\n]{0,12}") {
        let base = include_str!("../../examples/shop/lift.yaml");
        let at = base.char_indices().map(|(i, _)| i).find(|i| *i >= cut.min(base.len())).unwrap_or(base.len());
        let text = format!("{}{}{}", &base[..at], insert, &base[at..]);
        match App::from_text(&text) {
            Ok(app) => { let _ = app.synth_all(Format::CloudFormationJson); }
            Err(d) => prop_assert!(!d.is_empty()),
        }
    }
}
