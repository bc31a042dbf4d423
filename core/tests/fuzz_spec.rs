//! Generated hostile specs through the parser, the schema check and
//! validation: whatever comes in, the answer is a value or diagnostics, never
//! a panic, and the memory it costs stays within a bound per input byte.
//!
//! The generator writes YAML from the spec's own vocabulary (so much of it
//! gets past the parser into validation) mixed with what broke things
//! before: anchors and aliases repeating long strings, long keys, deep flow
//! and block nesting, control characters, flow/block mixtures, duplicate
//! keys. A counting allocator measures the peak heap of each run; the test
//! prints the largest peak per input byte it saw.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly by design")]
#![allow(unsafe_code, reason = "a counting global allocator needs `unsafe impl GlobalAlloc`")]

use proptest::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// One run measured at a time: the peak is process-wide.
static MEASURING: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Heap bytes one spec may cost on top of what is live before: a fixed
/// allowance plus this many per input byte. The parser's expansion cap is 16
/// bytes of text per input byte plus 16 MB; the tree, the source map and the
/// diagnostics multiply that by a small factor.
const PER_BYTE: usize = 400;
const ALLOWANCE: usize = 96 << 20;

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("python3.12".to_owned()),
        Just("512MB".to_owned()),
        Just("99999GB".to_owned()),
        Just("10s".to_owned()),
        Just("0s".to_owned()),
        Just("99.9%".to_owned()),
        Just("canary".to_owned()),
        Just("${tables.orders.name}".to_owned()),
        Just("${functions.f.arn}".to_owned()),
        Just("\"quoted \\u0000 text\"".to_owned()),
        Just("'single'".to_owned()),
        Just("~".to_owned()),
        Just("-1".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("\u{1}".to_owned()),
        "[a-z]{1,12}",
        "[0-9]{1,6}",
        (1usize..3000).prop_map(|n| "x".repeat(n)),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("app".to_owned()),
        Just("regions".to_owned()),
        Just("primary".to_owned()),
        Just("functions".to_owned()),
        Just("runtime".to_owned()),
        Just("handler".to_owned()),
        Just("memory".to_owned()),
        Just("timeout".to_owned()),
        Just("environment".to_owned()),
        Just("access".to_owned()),
        Just("http".to_owned()),
        Just("routes".to_owned()),
        Just("tables".to_owned()),
        Just("queues".to_owned()),
        Just("dead_letter".to_owned()),
        Just("rollout".to_owned()),
        Just("gates".to_owned()),
        Just("slos".to_owned()),
        Just("objective".to_owned()),
        Just("window".to_owned()),
        Just("recovery".to_owned()),
        "[a-z_]{1,10}",
        (1000usize..1100).prop_map(|n| "k".repeat(n)),
    ]
}

/// A YAML value, `depth` levels down, as block or flow text at `indent`.
fn value(depth: u32) -> BoxedStrategy<String> {
    let leaf = scalar().boxed();
    if depth == 0 {
        return leaf;
    }
    prop_oneof![
        4 => leaf,
        2 => proptest::collection::vec((key(), value(depth - 1)), 1..5).prop_map(|kvs| {
            let inner: Vec<String> = kvs.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!("{{{}}}", inner.join(", "))
        }),
        2 => proptest::collection::vec(value(depth - 1), 0..5).prop_map(|vs| format!("[{}]", vs.join(", "))),
        1 => (1usize..400).prop_map(|n| format!("{}1{}", "[".repeat(n), "]".repeat(n))),
    ]
    .boxed()
}

/// A whole document: top-level keys with values, maybe an anchor repeated by aliases.
fn document() -> impl Strategy<Value = String> {
    let top = proptest::collection::vec((key(), value(4)), 1..12);
    let bomb = proptest::option::of((1usize..200_000, 1usize..400));
    let block = proptest::option::of(1usize..300);
    (top, bomb, block).prop_map(|(kvs, bomb, block)| {
        let mut out = String::new();
        for (k, v) in kvs {
            out.push_str(&format!("{k}: {v}\n"));
        }
        if let Some((len, refs)) = bomb {
            out.push_str(&format!("big: &b \"{}\"\nmany: [{}]\n", "y".repeat(len), vec!["*b"; refs].join(", ")));
        }
        if let Some(levels) = block {
            out.push_str("deep:\n");
            for i in 0..levels {
                out.push_str(&format!("{}k{i}:\n", "  ".repeat(i + 1)));
            }
            out.push_str(&format!("{}v: 1\n", "  ".repeat(levels + 1)));
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_shrink_iters: 200, ..ProptestConfig::default() })]

    /// Every generated spec gets an answer, and its peak heap stays within the bound.
    #[test]
    fn any_spec_is_answered_within_its_memory_bound(text in document()) {
        let _one = MEASURING.lock().unwrap_or_else(|p| p.into_inner());
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let answered = match lift_core::App::from_text(&text) {
            Ok(app) => {
                let diags = app.validate();
                diags.len() < usize::MAX
            }
            Err(diags) => !diags.is_empty() && diags.iter().all(|d| !d.message.is_empty()),
        };
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
        prop_assert!(answered);
        let bound = ALLOWANCE + PER_BYTE * text.len();
        prop_assert!(peak <= bound, "{} input bytes cost {} heap bytes (bound {})", text.len(), peak, bound);
        // Small inputs are dominated by the fixed cost; the ratio that matters is on large ones.
        let ratio = peak / text.len().max(1);
        let worst = if text.len() >= 16 << 10 { &WORST_LARGE } else { &WORST };
        if ratio > worst.fetch_max(ratio, Ordering::Relaxed) {
            eprintln!("largest so far ({} input): {ratio} heap bytes per input byte ({} input bytes, {peak} peak)", if text.len() >= 16 << 10 { ">= 16 KiB" } else { "< 16 KiB" }, text.len());
        }
    }
}

static WORST: AtomicUsize = AtomicUsize::new(0);
static WORST_LARGE: AtomicUsize = AtomicUsize::new(0);
