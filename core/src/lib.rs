//! # lift-core
//!
//! The pure core of Lift: it reads an app spec, builds a provider-neutral
//! resource graph, validates it, and renders infrastructure as code.
//!
//! **This crate performs no I/O and reads no clock.** It never touches the
//! filesystem, the network, processes, environment variables or the time of
//! day: text comes in as `&str`, results go out as values, and anything that
//! needs time takes it as an argument. That is what lets the same core run in
//! Python, in a browser tab and inside a WebAssembly host, and what lets every
//! result be reproduced in a test. CI holds it to that by linking every
//! operation into one `wasm32-wasip1` module (`core/purity`) and checking its
//! imports: a file, clock, socket or process call would show there.
//!
//! The data flow:
//! ```text
//! text ─ spec::load ─▶ Spec ─ graph::build (per region) ─▶ Graph ─ iac::cloudformation ─▶ template
//!                       │      └─ validate ─▶ diagnostics (errors stop synth; warnings do not)
//!                       ├─ rollout::plan ─▶ Plan (timeline) ─▶ rollout::Rollout (state machine)
//!                       └─ slo ─▶ rules, Tracker, Evaluator (state machine), exports, reports
//! ```
//! The state machines ([`rollout::Rollout`], [`recovery::Failover`],
//! [`slo::Evaluator`]) share one contract, [`machine::Machine`]:
//! `handle(event, now)` feeds an observation, `poll(now)` returns the next
//! action until it returns `None`, `next_deadline()` says when to poll again,
//! `status()` says what a person sees, `outstanding()` lists what a restarted
//! host must carry out again. Time is a [`time::Timestamp`], always an argument;
//! every decision carries [`evidence::Evidence`].
//!
//! The usual entry point is [`App`].

pub mod app;
pub mod diag;
pub mod evidence;
pub mod graph;
pub mod iac;
pub mod machine;
pub mod markup;
pub mod notify;
pub mod recovery;
pub mod rollout;
pub mod slo;
pub mod spec;
pub mod text;
pub mod time;
pub mod validate;

pub use app::{App, AppError, Format, Named};
pub use diag::{Diagnostic, Location, Severity};
