//! The plugin host for Python: inspect, check and list plugins; run a prober,
//! ask a strategy, drive a deployer. Thin: one host per process, results as
//! JSON text, and no GIL held while a plugin runs.

use lift_host::{Deployer, Dns, Host, PluginError as HostError, Stack, StackStatus, Target};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

create_exception!(_lift, PluginError, PyException, "Raised when a plugin cannot be loaded or a call into it fails.");

static HOST: OnceLock<Result<Host, String>> = OnceLock::new();

pub(crate) fn host() -> PyResult<&'static Host> {
    HOST.get_or_init(|| Host::new(Host::default_cache_dir())).as_ref().map_err(|e| PluginError::new_err(e.clone()))
}

fn err(e: HostError) -> PyErr {
    PluginError::new_err(e.to_string())
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// What a plugin is, imports and exports, and every finding against it (JSON).
#[pyfunction]
pub fn plugin_inspect(path: &str) -> PyResult<String> {
    Ok(json(&host()?.inspect(Path::new(path)).map_err(err)?))
}

/// Every plugin in a directory: `[{path, inspection}]` or `[{path, error}]` (JSON).
#[pyfunction]
pub fn plugin_list(dir: &str) -> PyResult<String> {
    let listed = host()?.list(Path::new(dir)).map_err(err)?;
    let rows: Vec<_> = listed
        .into_iter()
        .map(|(path, r)| match r {
            Ok(i) => serde_json::json!({ "path": path, "inspection": i }),
            Err(e) => serde_json::json!({ "path": path, "error": e.to_string() }),
        })
        .collect();
    Ok(json(&rows))
}

/// Load a prober plugin and probe `url` once: its health and its log (JSON).
#[pyfunction]
#[pyo3(signature = (path, url, expect_status=None, body_contains=None, timeout_ms=1000))]
pub fn plugin_probe(
    py: Python<'_>,
    path: &str,
    url: &str,
    expect_status: Option<u16>,
    body_contains: Option<String>,
    timeout_ms: u32,
) -> PyResult<String> {
    let host = host()?;
    // Without the GIL: the plugin's HTTP may reach a server in this very process.
    let (plugin, health) = py
        .detach(|| {
            let plugin = host.load(Path::new(path))?;
            let health = plugin.prober()?.probe(&Target { url: url.into(), expect_status, body_contains, timeout_ms })?;
            Ok((plugin, health))
        })
        .map_err(err)?;
    let value = serde_json::json!({
        "ok": health.ok, "status": health.status, "latency_ms": health.latency_ms, "detail": health.detail,
        "log": plugin.drain_log(),
    });
    Ok(json(&value))
}

/// Ask a strategy plugin what follows a gate. `view` is a JSON object with the
/// core's view fields (`step`, `steps`, `wave`, `weights`, `verdict`,
/// `evidence`, `failures_in_a_row`, `errors_in_a_row`, `failure_limit`,
/// `error_limit`, `no_data`, `now` in ms since the Unix epoch); absent ones
/// take what the first step of a spec with the default gate policy would see,
/// so the answer is the one a real rollout would get. The decision and the plugin's log (JSON).
#[pyfunction]
pub fn plugin_decide(py: Python<'_>, path: &str, view: &str) -> PyResult<String> {
    let view: lift_core::rollout::View =
        serde_json::from_str(view).map_err(|e| PluginError::new_err(format!("the view does not read: {e}")))?;
    let host = host()?;
    let (plugin, strategy, next) = py
        .detach(|| {
            let plugin = host.load(Path::new(path))?;
            let strategy = lift_host::WasmStrategy::new(&plugin)?;
            let next = strategy.decide(&view)?;
            Ok((plugin, strategy, next))
        })
        .map_err(err)?;
    Ok(json(&serde_json::json!({ "strategy": strategy.name(), "next": next, "log": plugin.drain_log() })))
}

/// A deployer plugin in its sandbox: configure it, then apply, describe,
/// roll back and delete stacks. One instance, kept between calls.
#[pyclass(module = "lift._lift")]
pub struct PluginDeployer {
    // A mutex: Python objects may be shared between threads, a store may not.
    deployer: std::sync::Mutex<Deployer>,
    plugin: lift_host::Plugin,
}

impl PluginDeployer {
    fn deployer(&self) -> std::sync::MutexGuard<'_, Deployer> {
        self.deployer.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[pymethods]
impl PluginDeployer {
    /// Load the deployer plugin at `path` (its manifest or component).
    #[new]
    fn new(py: Python<'_>, path: &str) -> PyResult<Self> {
        let host = host()?;
        let plugin = py.detach(|| host.load(Path::new(path))).map_err(err)?;
        Ok(PluginDeployer { deployer: std::sync::Mutex::new(plugin.deployer().map_err(err)?), plugin })
    }

    /// Settings for the plugin (endpoint, credentials), as `(key, value)` pairs.
    fn configure(&self, py: Python<'_>, settings: Vec<(String, String)>) -> PyResult<()> {
        py.detach(|| self.deployer().configure(&settings)).map_err(err)
    }

    /// Create or update a stack; the operation's ID.
    #[pyo3(signature = (name, region, template, parameters=Vec::new()))]
    fn apply(&self, py: Python<'_>, name: String, region: String, template: String, parameters: Vec<(String, String)>) -> PyResult<String> {
        py.detach(|| self.deployer().apply(&Stack { name, region, template, parameters })).map_err(err)
    }

    /// Where the stack's operation stands: `{status, events, outputs, reason}` (JSON).
    fn describe(&self, py: Python<'_>, name: &str, region: &str) -> PyResult<String> {
        let p = py.detach(|| self.deployer().describe(name, region)).map_err(err)?;
        let status = match p.status {
            StackStatus::InProgress => "in-progress",
            StackStatus::Complete => "complete",
            StackStatus::Failed => "failed",
            StackStatus::RolledBack => "rolled-back",
            StackStatus::Deleted => "deleted",
        };
        let outputs: serde_json::Map<String, serde_json::Value> = p.outputs.into_iter().map(|(k, v)| (k, v.into())).collect();
        Ok(json(&serde_json::json!({ "status": status, "events": p.events, "outputs": outputs, "reason": p.reason })))
    }

    /// Put the stack back as it was before the current operation.
    fn roll_back(&self, py: Python<'_>, name: &str, region: &str) -> PyResult<()> {
        py.detach(|| self.deployer().roll_back(name, region)).map_err(err)
    }

    /// Delete the stack.
    fn delete(&self, py: Python<'_>, name: &str, region: &str) -> PyResult<()> {
        py.detach(|| self.deployer().delete(name, region)).map_err(err)
    }

    /// Cap a function's concurrency, or lift the cap (`None`).
    #[pyo3(signature = (function, region, reserved=None))]
    fn set_concurrency(&self, py: Python<'_>, function: &str, region: &str, reserved: Option<u32>) -> PyResult<()> {
        py.detach(|| self.deployer().set_concurrency(function, region, reserved)).map_err(err)
    }

    /// The plugin's log since the last drain (JSON list).
    fn drain_log(&self) -> String {
        json(&self.plugin.drain_log())
    }
}

/// A DNS plugin in its sandbox: configure it, then read and route a name's records.
#[pyclass(module = "lift._lift")]
pub struct PluginDns {
    dns: std::sync::Mutex<Dns>,
    plugin: lift_host::Plugin,
}

#[pymethods]
impl PluginDns {
    /// Load the DNS plugin at `path` (its manifest or component).
    #[new]
    fn new(py: Python<'_>, path: &str) -> PyResult<Self> {
        let host = host()?;
        let plugin = py.detach(|| host.load(Path::new(path))).map_err(err)?;
        Ok(PluginDns { dns: std::sync::Mutex::new(plugin.dns().map_err(err)?), plugin })
    }

    /// Settings for the plugin (endpoint, credentials), as `(key, value)` pairs.
    fn configure(&self, py: Python<'_>, settings: Vec<(String, String)>) -> PyResult<()> {
        py.detach(|| self.dns.lock().unwrap_or_else(|p| p.into_inner()).configure(&settings)).map_err(err)
    }

    /// How `name` in `zone` routes now: `[{region, weight_ppm, target, health_check}]` (JSON).
    fn read_records(&self, py: Python<'_>, zone: &str, name: &str) -> PyResult<String> {
        let records = py.detach(|| self.dns.lock().unwrap_or_else(|p| p.into_inner()).read_records(zone, name)).map_err(err)?;
        let out: Vec<serde_json::Value> = records
            .into_iter()
            .map(
                |r| serde_json::json!({"region": r.region, "weight_ppm": r.weight_ppm, "target": r.target, "health_check": r.health_check}),
            )
            .collect();
        Ok(json(&out))
    }

    /// Route `name` so: regions and their shares (ppm), the others none.
    fn route(&self, py: Python<'_>, zone: &str, name: &str, weights: Vec<(String, u32)>) -> PyResult<()> {
        py.detach(|| self.dns.lock().unwrap_or_else(|p| p.into_inner()).route(zone, name, &weights)).map_err(err)
    }

    /// The plugin's log since the last drain (JSON list).
    fn drain_log(&self) -> String {
        json(&self.plugin.drain_log())
    }
}

/// Register the functions and the exception.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(plugin_inspect, m)?)?;
    m.add_function(wrap_pyfunction!(plugin_list, m)?)?;
    m.add_function(wrap_pyfunction!(plugin_probe, m)?)?;
    m.add_function(wrap_pyfunction!(plugin_decide, m)?)?;
    m.add_class::<PluginDeployer>()?;
    m.add_class::<PluginDns>()?;
    m.add("PluginError", m.py().get_type::<PluginError>())?;
    Ok(())
}
