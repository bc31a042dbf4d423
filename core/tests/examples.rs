//! The bundled examples: valid ones synthesize clean, deterministic templates
//! (snapshotted), invalid ones produce exactly the diagnostics listed beside them.

#![allow(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, reason = "tests fail loudly by design")]

use lift_core::{App, Format, diag::Diagnostic};
use std::fs;
use std::path::{Path, PathBuf};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn valid_examples() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = fs::read_dir(examples_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name() != "invalid")
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path().join("lift.yaml")))
        .filter(|(_, p)| p.is_file())
        .collect();
    out.sort();
    out
}

fn load(path: &Path) -> App {
    let text = fs::read_to_string(path).unwrap_or_default();
    match App::from_text(&text) {
        Ok(app) => app,
        Err(d) => panic!("{} does not load: {d:#?}", path.display()),
    }
}

#[test]
fn there_are_examples() {
    let names: Vec<String> = valid_examples().into_iter().map(|(n, _)| n).collect();
    for wanted in ["shop", "minimal", "events"] {
        assert!(names.iter().any(|n| n == wanted), "missing example {wanted}: {names:?}");
    }
}

#[test]
fn valid_examples_have_no_errors_and_snapshot_their_templates() {
    for (name, path) in valid_examples() {
        let app = load(&path);
        let diags = app.validate();
        assert!(diags.iter().all(|d| !d.is_error()), "{name}: {diags:#?}");
        for region in app.regions() {
            let json = app.synth(&region, Format::CloudFormationJson).map(|s| s.text).unwrap_or_default();
            assert!(json.len() > 100, "{name} {region}: empty template");
            insta::assert_snapshot!(format!("{name}-{region}.template.json"), json);
        }
    }
}

#[test]
fn yaml_and_json_outputs_hold_the_same_template() {
    for (name, path) in valid_examples() {
        let app = load(&path);
        for region in app.regions() {
            let json = app.synth(&region, Format::CloudFormationJson).map(|s| s.text).unwrap_or_default();
            let yaml = app.synth(&region, Format::CloudFormationYaml).map(|s| s.text).unwrap_or_default();
            let from_json: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            let from_yaml = lift_core::spec::source::parse(&yaml);
            assert!(from_yaml.diagnostics.is_empty(), "{name} {region}: {:?}", from_yaml.diagnostics);
            assert_eq!(from_yaml.value, from_json, "{name} {region}");
            assert!(!yaml.contains('!'), "{name}: YAML must use long-form intrinsics");
        }
    }
}

#[test]
fn synthesis_is_byte_identical_across_runs() {
    for (_, path) in valid_examples() {
        let a = load(&path).synth_all(Format::CloudFormationJson).map(|v| v.into_iter().map(|s| s.text).collect::<Vec<_>>());
        let b = load(&path).synth_all(Format::CloudFormationJson).map(|v| v.into_iter().map(|s| s.text).collect::<Vec<_>>());
        assert_eq!(a, b);
        assert!(a.is_ok());
    }
}

#[test]
fn shop_has_the_resources_and_outputs_users_need() {
    let app = load(&examples_dir().join("shop/lift.yaml"));
    let (t, _) = app.template("us-east-1").unwrap_or_else(|e| panic!("{e}"));
    let types: Vec<&str> = t["Resources"].as_object().map(|r| r.values().filter_map(|v| v["Type"].as_str()).collect()).unwrap_or_default();
    for ty in [
        "AWS::Lambda::Function",
        "AWS::Lambda::Version",
        "AWS::Lambda::Alias",
        "AWS::Logs::LogGroup",
        "AWS::IAM::Role",
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Stage",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Integration",
        "AWS::Lambda::Permission",
        "AWS::DynamoDB::GlobalTable",
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::VPCEndpoint",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::Lambda::EventSourceMapping",
        "AWS::CloudWatch::Alarm",
    ] {
        assert!(types.contains(&ty), "shop lacks {ty}");
    }
    // One invoke permission per API and function, not one per route (3 routes, 1 function).
    assert_eq!(types.iter().filter(|t| **t == "AWS::Lambda::Permission").count(), 1);
    let outputs = t["Outputs"].as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    for o in ["HttpApiUrl", "OrdersTableName", "ApiFunctionArn", "ApiFunctionAliasArn"] {
        assert!(outputs.iter().any(|k| k == o), "missing output {o}: {outputs:?}");
    }
    // The standby has no global table of its own: the primary's template creates the replicas.
    let (standby, _) = app.template("eu-west-1").unwrap_or_else(|e| panic!("{e}"));
    assert!(standby["Resources"].get("OrdersTable").is_none());
    assert_eq!(standby["Outputs"]["OrdersTableName"]["Value"], "shop-orders");
    // Least privilege: the worker may not read customers; the api may.
    let worker_policy = t["Resources"]["WorkerFunctionRole"]["Properties"]["Policies"].to_string();
    assert!(!worker_policy.contains("CustomersTable"));
    assert!(t["Resources"]["ApiFunctionRole"]["Properties"]["Policies"].to_string().contains("CustomersTable"));
    // `*` only for the actions AWS gives no resource to name (traces, VPC interfaces).
    let worker = &t["Resources"]["WorkerFunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    for s in worker.as_array().into_iter().flatten().filter(|s| s["Resource"].to_string().contains("\"*\"")) {
        let unscoped: Vec<&str> =
            lift_core::graph::build::TRACING.iter().chain(lift_core::graph::build::VPC_ACCESS.iter()).copied().collect();
        assert!(s["Action"].as_array().into_iter().flatten().all(|a| unscoped.contains(&a.as_str().unwrap_or_default())), "{s}");
    }
    // Tags on taggable resources, with the region of the stack.
    let tags = t["Resources"]["ApiFunction"]["Properties"]["Tags"].to_string();
    for tag in ["lift:app", "lift:version", "lift:region", "us-east-1", "team", "payments"] {
        assert!(tags.contains(tag), "{tag} missing from {tags}");
    }
}

/// `LINE:COL CODE POINTER` (or `- CODE POINTER` without a location), one per line.
fn expected(path: &Path) -> Vec<String> {
    let mut lines: Vec<String> =
        fs::read_to_string(path).unwrap_or_default().lines().map(|l| l.trim_end().to_owned()).filter(|l| !l.is_empty()).collect();
    lines.sort();
    lines
}

fn actual(diags: &[Diagnostic]) -> Vec<String> {
    let mut lines: Vec<String> = diags
        .iter()
        .map(|d| {
            let at = d.location.map_or("-".to_owned(), |l| format!("{}:{}", l.line, l.column));
            format!("{at} {} {}", d.code, d.pointer).trim_end().to_owned()
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn invalid_examples_produce_exactly_their_expected_diagnostics() {
    let dir = examples_dir().join("invalid");
    let mut specs: Vec<PathBuf> = fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 8, "too few invalid examples: {specs:?}");
    for spec in specs {
        let text = fs::read_to_string(&spec).unwrap_or_default();
        let diags = match App::from_text(&text) {
            Err(d) => d,
            Ok(app) => app.validate(),
        };
        assert!(diags.iter().any(Diagnostic::is_error), "{} has no error", spec.display());
        assert!(diags.iter().all(|d| !d.message.is_empty() && d.code.len() == 4));
        let name = spec.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        assert_eq!(actual(&diags), expected(&spec.with_extension("expected")), "{name}");
        let rendered: Vec<String> = diags.iter().map(|d| d.render(&format!("examples/invalid/{name}"))).collect();
        insta::assert_snapshot!(format!("invalid-{name}"), rendered.join("\n"));
    }
}

#[test]
fn adding_a_resource_elsewhere_keeps_every_logical_id_and_its_content() {
    let base = fs::read_to_string(examples_dir().join("shop/lift.yaml")).unwrap_or_default();
    let extra =
        base.replace("functions:\n", "functions:\n  audit:\n    runtime: python3.12\n    handler: audit.handler\n    code: ./src/audit\n");
    let before = App::from_text(&base).unwrap().template("us-east-1").unwrap().0;
    let after = App::from_text(&extra).unwrap().template("us-east-1").unwrap().0;
    let (b, a) = (before["Resources"].as_object().unwrap(), after["Resources"].as_object().unwrap());
    assert!(a.contains_key("AuditFunction") && a.len() > b.len());
    for (id, resource) in b {
        assert_eq!(a.get(id), Some(resource), "{id} changed when an unrelated function was added");
    }
}

#[test]
fn a_version_is_new_exactly_when_its_code_or_configuration_is() {
    let base = fs::read_to_string(examples_dir().join("shop/lift.yaml")).unwrap_or_default();
    let description = |text: &str| {
        let t = App::from_text(text).unwrap().template("us-east-1").unwrap().0;
        t["Resources"]["ApiFunctionVersion"]["Properties"]["Description"].clone()
    };
    let same = description(&base);
    assert_eq!(description(&base), same, "the same spec must not publish a new version");
    // What the version captures: memory, timeout, environment, runtime, architecture, handler.
    for (from, to) in [
        ("memory: 512MB", "memory: 1GB"),
        ("timeout: 10s", "timeout: 20s"),
        ("JOBS_QUEUE_URL: ${queues.jobs.url}", "JOBS_QUEUE_URL: ${queues.jobs.url}\n      MODE: strict"),
        ("runtime: python3.12\n    handler: app.handler", "runtime: python3.13\n    handler: app.handler"),
        ("handler: app.handler", "handler: app.main"),
    ] {
        assert!(base.contains(from), "{from}");
        assert_ne!(description(&base.replacen(from, to, 1)), same, "{from} -> {to} must publish a new version");
    }
    // What it does not: the other function, the rollout, the SLOs.
    for (from, to) in [("memory: 1GB", "memory: 2GB"), ("stagger: 5m", "stagger: 10m")] {
        assert!(base.contains(from), "{from}");
        assert_eq!(description(&base.replacen(from, to, 1)), same, "{from} -> {to} must not publish the api's version");
    }
}

fn many_functions(n: usize) -> String {
    let mut s = String::from("app: many\nregions: { primary: us-east-1 }\nfunctions:\n");
    for i in 0..n {
        s.push_str(&format!("  f{i:03}: {{ runtime: python3.12, handler: a.h, code: {{ bucket: b, key: k.zip }} }}\n"));
    }
    s
}

#[test]
fn limits_warn_at_ninety_percent_and_fail_past_the_limit() {
    // 7 resources per function: 65 make 455 (91%), 72 make 504.
    let near = App::from_text(&many_functions(65)).unwrap().validate();
    assert!(near.iter().any(|d| d.code == "W301" && d.message.contains("455 resources") && d.message.contains("91%")), "{near:#?}");
    assert!(!near.iter().any(Diagnostic::is_error));
    let over = App::from_text(&many_functions(72)).unwrap();
    assert!(over.validate().iter().any(|d| d.code == "E301" && d.message.contains("504 resources")));
    assert!(matches!(over.synth("us-east-1", Format::CloudFormationJson), Err(lift_core::AppError::Invalid(_))));
}

/// The formats other than CloudFormation, each snapshotted file by file.
const OTHER_FORMATS: [Format; 4] = [Format::Terraform, Format::TerraformJson, Format::Pulumi, Format::Cdk];

#[test]
fn every_example_snapshots_in_every_format() {
    for (name, path) in valid_examples() {
        let app = load(&path);
        for format in OTHER_FORMATS {
            let files = app.files(format).unwrap_or_else(|e| panic!("{name} {format}: {e}"));
            assert!(!files.files.is_empty(), "{name} {format}: no files");
            for (file, text) in files.files {
                // The CDK project files are the same for every app.
                if matches!(file.as_str(), "package.json" | "tsconfig.json" | "cdk.json") && name != "minimal" {
                    continue;
                }
                assert!(text.len() > 30, "{name} {format} {file}: empty");
                insta::assert_snapshot!(format!("{name}-{format}-{}", file.replace('/', "_")), text);
            }
        }
    }
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    for (name, path) in valid_examples() {
        for format in Format::ALL {
            let a = load(&path).files(format).map(|f| f.files);
            let b = load(&path).files(format).map(|f| f.files);
            assert!(a.is_ok(), "{name} {format}");
            assert_eq!(a, b, "{name} {format}");
        }
    }
}

#[test]
fn terraform_json_is_valid_json_with_a_module_per_region() {
    for (name, path) in valid_examples() {
        let app = load(&path);
        let files = app.files(Format::TerraformJson).map(|f| f.files).unwrap_or_default();
        assert_eq!(files.len(), app.regions().len(), "{name}");
        for (file, text) in files {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let region = file.split('/').next().unwrap_or_default();
            assert_eq!(v["provider"]["aws"]["region"], region, "{name} {file}");
            assert_eq!(v["terraform"]["required_providers"]["aws"]["source"], "hashicorp/aws");
            assert!(v["resource"].as_object().is_some_and(|r| !r.is_empty()), "{name} {file}");
        }
    }
}

#[test]
fn spec_errors_stop_every_format() {
    let app = load(&examples_dir().join("invalid/dangling-references.yaml"));
    for format in Format::ALL {
        assert!(matches!(app.files(format), Err(lift_core::AppError::Invalid(_))), "{format}");
    }
}

#[test]
fn literal_template_markers_are_escaped_in_every_format() {
    // An environment value with `${` and `%{` must reach the function as written.
    let text = std::fs::read_to_string(examples_dir().join("minimal/lift.yaml")).unwrap_or_default();
    let text =
        text.replacen("functions:\n  hello:\n", "functions:\n  hello:\n    environment:\n      GREETING: \"$${aws:username} %{x}\"\n", 1);
    let app = App::from_text(&text).unwrap_or_else(|d| panic!("{d:?}"));
    let hcl = app.synth("us-east-1", Format::Terraform).map(|s| s.text).unwrap_or_default();
    assert!(hcl.contains("GREETING = \"$${aws:username} %%{x}\""), "{hcl}");
    let json = app.synth("us-east-1", Format::TerraformJson).map(|s| s.text).unwrap_or_default();
    assert!(json.contains("\"GREETING\": \"$${aws:username} %%{x}\""), "{json}");
    let pulumi = app.synth("us-east-1", Format::Pulumi).map(|s| s.text).unwrap_or_default();
    assert!(pulumi.contains("GREETING: \"$${aws:username} %{x}\""), "{pulumi}");
}

/// The graph picture: every resource drawn once, every dependency an arrow,
/// and each resource in a column right of everything it depends on.
#[test]
fn graph_pictures_draw_every_resource_right_of_its_dependencies() {
    for (name, path) in valid_examples() {
        let app = load(&path);
        for region in app.regions() {
            let graph = app.graph(&region).unwrap();
            let depths = graph.depths();
            let svg = graph.to_svg();
            let mut arrows = 0;
            for (id, node) in &graph.nodes {
                assert_eq!(svg.matches(&format!("<g class=\"node\" data-id=\"{id}\">")).count(), 1, "{name} {region}: {id}");
                for dep in node.dependencies().into_iter().filter(|d| *d != id) {
                    assert!(depths[dep] < depths[id.as_str()], "{name} {region}: {dep} is not left of {id}");
                    assert!(svg.contains(&format!("data-from=\"{dep}\" data-to=\"{id}\"")), "{name} {region}: no arrow {dep} -> {id}");
                    arrows += 1;
                }
            }
            assert_eq!(svg.matches("class=\"edge\"").count(), arrows, "{name} {region}");
            assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
        }
    }
}

#[test]
fn a_cycle_is_reported_beside_the_specs_own_errors() {
    let text = "app: a\nregions: { primary: us-east-1 }\n\
functions:\n  api: { runtime: python3.12, handler: app.handler, code: ./src, environment: { SELF: '${functions.api.arn}' } }\n\
queues:\n  jobs: { dead_letter: { queue: jobs } }\n";
    let diags = App::from_text(text).unwrap().validate();
    let cycles: Vec<&str> = diags.iter().filter(|d| d.code == "E202").map(|d| d.pointer.as_str()).collect();
    assert!(cycles.contains(&"/queues/jobs/dead_letter/queue"), "{diags:?}");
    assert!(cycles.iter().any(|p| p.starts_with("/functions/api")), "{diags:?}");
}
