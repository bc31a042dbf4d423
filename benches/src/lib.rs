//! Inputs for Lift's benchmarks: the bundled examples and generated specs of
//! any size, plus an allocation counter.

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The reference example, `examples/shop/lift.yaml`.
pub const SHOP: &str = include_str!("../../examples/shop/lift.yaml");

/// A spec with `units` copies of a function that reads a table and consumes a
/// queue: 9 resources per unit (function, version, alias, log group, role,
/// two alarms, table, queue) plus the mapping, so about 10 per unit.
pub fn generated_spec(units: usize) -> String {
    let mut s = String::from("app: gen\nregions: { primary: us-east-1 }\nfunctions:\n");
    for i in 0..units {
        s.push_str(&format!(
            "  f{i}: {{ runtime: python3.12, handler: app.handler, code: {{ bucket: b, key: f{i}.zip }}, timeout: 30s, \
             environment: {{ TABLE: \"${{tables.t{i}.name}}\" }}, access: {{ tables.t{i}: read-write }}, triggers: [ {{ queue: q{i} }} ] }}\n"
        ));
    }
    s.push_str("tables:\n");
    for i in 0..units {
        s.push_str(&format!("  t{i}: {{ partition_key: pk, replicas: per-region }}\n"));
    }
    s.push_str("queues:\n");
    for i in 0..units {
        s.push_str(&format!("  q{i}: {{ visibility_timeout: 3m }}\n"));
    }
    s
}

/// Graph to text in each format, one region. Every renderer should stay linear
/// and within twice the CloudFormation renderer's time.
pub fn render(graph: &lift_core::graph::Graph, format: lift_core::Format) -> usize {
    use lift_core::iac::{cdk, cloudformation, provider, pulumi, terraform};
    use lift_core::text::tree::Bump;
    use lift_core::text::yaml;
    let a = Bump::new();
    match format {
        lift_core::Format::CloudFormationJson => cloudformation::template(graph, &a).to_json().len(),
        lift_core::Format::CloudFormationYaml => yaml::tree_to_yaml(&cloudformation::template(graph, &a)).len(),
        lift_core::Format::Terraform => terraform::hcl(&provider::module(graph, &a)).len(),
        lift_core::Format::TerraformJson => terraform::json(&provider::module(graph, &a), &a).to_json().len(),
        lift_core::Format::Pulumi => {
            let m = provider::module(graph, &a);
            yaml::tree_to_yaml(&pulumi::program(&graph.app, &graph.description, std::slice::from_ref(&m), &a)).len()
        }
        lift_core::Format::Cdk => {
            let t = cloudformation::template(graph, &a);
            cdk::app(&graph.app, vec![(&graph.region, cdk::stack(graph, &t))]).iter().map(|(_, text)| text.len()).sum()
        }
    }
}

/// A global allocator that counts allocations, for "allocations per call".
/// It forwards to mimalloc, the allocator the `lift` Python extension ships with.
pub struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to mimalloc unchanged; only counts calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { MiMalloc.realloc(ptr, layout, new_size) }
    }
}

/// Allocations (including reallocations) made while running `f` once.
pub fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let out = f();
    (ALLOCATIONS.load(Ordering::Relaxed) - before, out)
}
