//! Spec to CloudFormation: parse, validate, build the template, render text.
//! Prints allocations per call beside criterion's times.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lift_benches::{Counting, SHOP, allocations, generated_spec, render};
use lift_core::iac::cloudformation;
use lift_core::text::tree::Bump;
use lift_core::{App, Format, Named};
use std::hint::black_box;

#[global_allocator]
static ALLOC: Counting = Counting;

fn report(name: &str, f: impl Fn() -> usize) {
    let (allocs, bytes) = allocations(&f);
    eprintln!("allocations {name}: {allocs} per call ({bytes} bytes of output)");
}

fn shop(c: &mut Criterion) {
    let Ok(app) = App::from_text(SHOP) else { return };
    let Ok(graph) = app.graph("us-east-1") else { return };
    let arena = Bump::new();
    let template = cloudformation::template(&graph, &arena);
    let resources = template.get("Resources").map_or(0, |r| r.entries().len());
    eprintln!("shop us-east-1: {resources} resources, {} bytes of JSON", template.to_json().len());

    report("shop: graph -> template (fresh arena)", || cloudformation::template(&graph, &Bump::new()).entries().len());
    report("shop: spec -> graph -> template (fresh arena)", || {
        app.graph("us-east-1").map(|g| cloudformation::template(&g, &Bump::new()).entries().len()).unwrap_or(0)
    });
    report("shop: template -> JSON text", || template.to_json().len());
    report("shop: validate + graph + template + JSON text (us-east-1)", || {
        app.synth("us-east-1", Format::CloudFormationJson).map_or(0, |s| s.text.len())
    });
    report("shop: text -> JSON template (parse, validate, render)", || {
        App::from_text(SHOP).ok().and_then(|a| a.synth("us-east-1", Format::CloudFormationJson).ok()).map_or(0, |s| s.text.len())
    });

    let mut g = c.benchmark_group("shop");
    let mut reused = Bump::new();
    g.bench_function("graph_to_template", |b| {
        b.iter(|| {
            reused.reset();
            cloudformation::template(black_box(&graph), &reused).entries().len()
        })
    });
    g.bench_function("spec_to_template", |b| {
        b.iter(|| {
            reused.reset();
            app.graph(black_box("us-east-1")).map(|g| cloudformation::template(&g, &reused).entries().len())
        })
    });
    g.bench_function("template_to_json_text", |b| b.iter(|| black_box(&template).to_json()));
    g.bench_function("template_to_yaml_text", |b| b.iter(|| lift_core::text::yaml::tree_to_yaml(black_box(&template))));
    g.bench_function("build_graph", |b| b.iter(|| app.graph(black_box("us-east-1"))));
    g.bench_function("validate_all_regions", |b| b.iter(|| app.validate()));
    g.bench_function("synth_json_us_east_1", |b| b.iter(|| app.synth(black_box("us-east-1"), Format::CloudFormationJson)));
    g.bench_function("parse_text", |b| b.iter(|| App::from_text(black_box(SHOP))));
    g.bench_function("text_to_json_template", |b| {
        b.iter(|| App::from_text(black_box(SHOP)).ok().map(|a| a.synth("us-east-1", Format::CloudFormationJson)))
    });
    g.finish();
}

fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("scaling");
    for units in [5, 10, 20, 50] {
        let text = generated_spec(units);
        let Ok(app) = App::from_text(&text) else { continue };
        let resources = app.graph("us-east-1").map(|g| g.nodes.len()).unwrap_or(0);
        report(&format!("scaling: validate {resources} resources"), || app.validate().len());
        g.throughput(Throughput::Elements(resources as u64));
        g.bench_with_input(BenchmarkId::new("validate", resources), &app, |b, app| b.iter(|| app.validate()));
        g.bench_with_input(BenchmarkId::new("synth_json", resources), &app, |b, app| {
            b.iter(|| app.synth("us-east-1", Format::CloudFormationJson))
        });
    }
    g.finish();
}

fn renderers(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    let mut inputs = vec![("shop".to_owned(), App::from_text(SHOP).ok().and_then(|a| a.graph("us-east-1").ok()))];
    for units in [5, 10, 20, 50] {
        inputs.push((format!("generated-{units}"), App::from_text(&generated_spec(units)).ok().and_then(|a| a.graph("us-east-1").ok())));
    }
    for (name, graph) in inputs {
        let Some(graph) = graph else { continue };
        let label = format!("{name}/{}", graph.nodes.len());
        for format in Format::ALL {
            report(&format!("render {format} {label}"), || render(&graph, format));
            g.bench_with_input(BenchmarkId::new(format.name(), &label), &graph, |b, graph| b.iter(|| render(black_box(graph), format)));
        }
    }
    g.finish();
}

/// The side-by-side comparison's small app (benches/compare/apps/small), from
/// the spec text to CloudFormation JSON and from a loaded app: the Rust
/// figures `benches/compare/run` prints beside the Python ones.
fn compare_small(c: &mut Criterion) {
    const SMALL: &str = include_str!("../compare/apps/small/lift.yaml");
    let Ok(app) = App::from_text(SMALL) else { return };
    let mut g = c.benchmark_group("compare_small");
    g.bench_function("spec text to JSON text", |b| {
        b.iter(|| {
            App::from_text(black_box(SMALL))
                .ok()
                .and_then(|a| a.synth("us-east-1", Format::CloudFormationJson).ok())
                .map_or(0, |s| s.text.len())
        })
    });
    g.bench_function("loaded app to JSON text", |b| {
        b.iter(|| app.synth("us-east-1", Format::CloudFormationJson).map_or(0, |s| s.text.len()))
    });
    g.finish();
}

criterion_group!(benches, shop, scaling, renderers, compare_small);
criterion_main!(benches);
