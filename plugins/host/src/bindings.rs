//! Host-side bindings for the six worlds, generated from the WIT package.
//! The interfaces the worlds share (`log`, `http`, `types`) are generated once
//! and reused, so one host implementation serves every world.
#![allow(missing_docs, clippy::all)]

/// The prober world; `log` and `http` are generated here and shared.
pub mod prober {
    wasmtime::component::bindgen!({ path: "../wit", world: "prober" });
}

/// The strategy world; `types` is generated here and shared.
pub mod strategy {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "strategy",
        with: { "lift:plugin/log": super::prober::lift::plugin::log },
    });
}

/// The deployer world.
pub mod deployer {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "deployer",
        additional_derives: [PartialEq],
        with: {
            "lift:plugin/log": super::prober::lift::plugin::log,
            "lift:plugin/http": super::prober::lift::plugin::http,
        },
    });
}

/// The metrics world.
pub mod metrics {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "metrics",
        with: {
            "lift:plugin/log": super::prober::lift::plugin::log,
            "lift:plugin/http": super::prober::lift::plugin::http,
        },
    });
}

/// The DNS world.
pub mod dns {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "dns",
        with: {
            "lift:plugin/log": super::prober::lift::plugin::log,
            "lift:plugin/http": super::prober::lift::plugin::http,
        },
    });
}

/// The notifier world.
pub mod notifier {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "notifier",
        additional_derives: [PartialEq],
        with: {
            "lift:plugin/log": super::prober::lift::plugin::log,
            "lift:plugin/http": super::prober::lift::plugin::http,
        },
    });
}

pub use prober::lift::plugin::{http, log};
pub use strategy::lift::plugin::types;
