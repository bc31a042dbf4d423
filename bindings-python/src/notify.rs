//! Notices for Python: send one through the spec's routes and channels
//! (`lift notify`), and the dispatcher a rollout or a watch delivers its
//! milestones with.

use crate::PyApp;
use crate::plugins::{PluginError, host};
use lift_core::notify::Notice;
use lift_host::notify::{Backoff, Dispatcher, OnDelivery};
use pyo3::prelude::*;
use std::path::Path;

/// The dispatcher for `app`'s `notify` section, if it has one: every channel
/// loaded and configured now (a missing environment variable is an error
/// here, before anything starts); `on_delivery` hears each delivery (JSON).
pub(crate) fn dispatcher(app: &PyApp, default_plugin: Option<&str>, on_delivery: OnDelivery) -> PyResult<Option<Dispatcher>> {
    let (Some(notify), Some(plugin)) = (app.0.spec().notify.as_ref(), default_plugin) else { return Ok(None) };
    if notify.channels.is_empty() {
        return Ok(None);
    }
    let env = |k: &str| std::env::var(k).ok();
    Dispatcher::start(notify, host()?, Path::new(plugin), &env, Backoff::default(), on_delivery)
        .map(Some)
        .map_err(|e| PluginError::new_err(e.to_string()))
}

/// A delivery in words, for a person.
pub(crate) fn said(d: &lift_host::notify::Delivery) -> String {
    let kind = serde_json::to_value(d.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    match &d.error {
        None => format!("notified {}: {kind} ({} attempt(s), {} ms)", d.channel, d.attempts, d.ms),
        Some(e) => format!("could not notify {} of {kind} after {} attempt(s): {e}", d.channel, d.attempts),
    }
}

/// Send `notice` (JSON: kind, severity, app, region, slo, title, text,
/// evidence, links, dedup_key, at_ms) to the channels its routes name, with
/// `plugin` as the default notifier; every delivery (a JSON list).
#[pyfunction]
#[pyo3(signature = (app, notice, plugin, first_backoff_ms=500))]
pub fn notify_send(py: Python<'_>, app: &PyApp, notice: &str, plugin: &str, first_backoff_ms: u64) -> PyResult<String> {
    let notice: Notice = serde_json::from_str(notice).map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("notice: {e}")))?;
    let Some(notify) = app.0.spec().notify.as_ref() else {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{} has no `notify` section: no channels to send to",
            app.0.spec().app
        )));
    };
    let env = |k: &str| std::env::var(k).ok();
    let backoff = Backoff { first: std::time::Duration::from_millis(first_backoff_ms), ..Backoff::default() };
    let host = host()?;
    let d = py
        .detach(|| Dispatcher::start(notify, host, Path::new(plugin), &env, backoff, Box::new(|_| {})))
        .map_err(|e| PluginError::new_err(e.to_string()))?;
    d.send(notice);
    let all = py.detach(|| d.close());
    Ok(serde_json::to_string(&all).unwrap_or_default())
}

/// Register the functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(notify_send, m)?)?;
    Ok(())
}
