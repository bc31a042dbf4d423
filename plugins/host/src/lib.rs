//! Lift's plugin host: it loads WebAssembly components that implement the
//! worlds of `lift:plugin` and runs each in a sandbox it cannot leave.
//!
//! - [`contract`]: the WIT package, compiled in, and the versioning rule.
//! - [`manifest`]: the manifest beside each plugin, checked before loading.
//! - [`sandbox`]: the wasmtime engine, the compile cache and the per-call limits
//!   (memory cap, fuel, wall-clock timeout); no filesystem, environment or sockets.
//! - [`http`]: the one way out, checked against the plugin's allowlist.
//! - [`plugin`]: loading (hash, imports, version) and the typed handles per world.
//! - [`strategy`]: a strategy component as the core's [`lift_core::rollout::GatePolicy`].
//! - [`runner`]: drives a rollout in real time, with its journal and its lock.
//! - [`watch`]: probes the regions and drives a failover in real time, journaled the same way.

mod bindings;
pub mod contract;
pub mod http;
pub mod manifest;
pub mod notify;
pub mod plugin;
pub mod runner;
pub mod sandbox;
pub mod strategy;
pub mod watch;

pub use contract::{PACKAGE, World, WorldShape, compatible, worlds};
pub use manifest::{HttpPolicy, Limits, Manifest, ManifestError};
pub use plugin::{
    Alias, Configured, DeliveryError, Deployer, Dns, Health, Inspection, Invocation, MetricQuery, Metrics, Notice, NoticeKind, Notifier,
    Plugin, PluginError, Prober, Progress, RegionRecord, Route, Series, Severity, Stack, StackStatus, Target,
};
pub use sandbox::{Host, LogRecord};
pub use strategy::WasmStrategy;
