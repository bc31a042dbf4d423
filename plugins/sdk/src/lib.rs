//! Write a Lift plugin in Rust.
//!
//! A plugin is a WebAssembly component that implements one world of the WIT
//! package `lift:plugin@0.3.0`. This crate holds the generated bindings, one
//! module per world; each has a `Guest` trait to implement and an export macro:
//!
//! ```ignore
//! use lift_plugin_sdk::strategy::{Guest, Next, RolloutView};
//!
//! struct Mine;
//! impl Guest for Mine {
//!     fn name() -> String { "mine".into() }
//!     fn decide(view: RolloutView) -> Next { Next::Continue(format!("step {} passed", view.step + 1)) }
//! }
//! lift_plugin_sdk::export_strategy!(Mine);
//! ```
//!
//! Build it with `cargo build --target wasm32-wasip2 --release`; the README
//! walks through the rest (the manifest, `lift plugin check`).

/// A custom deployment strategy: given a read-only view of a rollout, decide
/// what follows a gate. Pure: it may only log.
pub mod strategy {
    // Generated from the WIT; its doc comments carry over where WIT has them.
    #![allow(missing_docs, clippy::all)]
    wit_bindgen::generate!({
        world: "strategy",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "export_strategy",
        default_bindings_module: "lift_plugin_sdk::strategy",
    });
    pub use self::lift::plugin::log::{Level, log};
    pub use self::lift::plugin::types::{NoDataPolicy, RegionWeight, Retry, Verdict};
}

/// A deployer: applies templates to stacks in regions through the host's HTTP capability.
pub mod deployer {
    // Generated from the WIT; its doc comments carry over where WIT has them.
    #![allow(missing_docs, clippy::all)]
    wit_bindgen::generate!({
        world: "deployer",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "export_deployer",
        default_bindings_module: "lift_plugin_sdk::deployer",
        additional_derives: [PartialEq],
    });
    pub use self::lift::plugin::http;
    pub use self::lift::plugin::log::{Level, log};
}

/// A prober: probes endpoints through the host's HTTP capability.
pub mod prober {
    // Generated from the WIT; its doc comments carry over where WIT has them.
    #![allow(missing_docs, clippy::all)]
    wit_bindgen::generate!({
        world: "prober",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "export_prober",
        default_bindings_module: "lift_plugin_sdk::prober",
    });
    pub use self::lift::plugin::http;
    pub use self::lift::plugin::log::{Level, log};
}

/// A metrics reader: reads series through the host's HTTP capability.
pub mod metrics {
    // Generated from the WIT; its doc comments carry over where WIT has them.
    #![allow(missing_docs, clippy::all)]
    wit_bindgen::generate!({
        world: "metrics",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "export_metrics",
        default_bindings_module: "lift_plugin_sdk::metrics",
    });
    pub use self::lift::plugin::http;
    pub use self::lift::plugin::log::{Level, log};
}

/// A DNS router: moves a name's traffic between regions through the host's HTTP capability.
pub mod dns {
    // Generated from the WIT; its doc comments carry over where WIT has them.
    #![allow(missing_docs, clippy::all)]
    wit_bindgen::generate!({
        world: "dns",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "export_dns",
        default_bindings_module: "lift_plugin_sdk::dns",
        additional_derives: [PartialEq],
    });
    pub use self::lift::plugin::http;
    pub use self::lift::plugin::log::{Level, log};
}

/// A notifier: delivers notices to people through the host's HTTP capability.
pub mod notifier {
    // Generated from the WIT; its doc comments carry over where WIT has them.
    #![allow(missing_docs, clippy::all)]
    wit_bindgen::generate!({
        world: "notifier",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "export_notifier",
        default_bindings_module: "lift_plugin_sdk::notifier",
        additional_derives: [PartialEq],
    });
    pub use self::lift::plugin::http;
    pub use self::lift::plugin::log::{Level, log};
}

#[cfg(feature = "aws")]
pub mod aws;
pub mod dates;

pub use deployer::export_deployer;
pub use dns::export_dns;
pub use metrics::export_metrics;
pub use notifier::export_notifier;
pub use prober::export_prober;
pub use strategy::export_strategy;
