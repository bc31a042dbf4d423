//! The watcher for Python: probe threads, the detector and the failover
//! machine in real time, journaled in a state directory; and the words other
//! processes send it (`approve`, `deny`, `pin`, `drain`).

use crate::PyApp;
use crate::plugins::{PluginError, host};
use crate::rollout::{RolloutError, public};
use lift_host::runner::lock::{Holder, Lock};
use lift_host::runner::wall::{Control, FileControls, WallClock, wall_now_ms};
use lift_host::runner::{Actor, JournalError};
use lift_host::watch::cloud::{CloudFailover, Setup};
use lift_host::watch::probes::Probes;
use lift_host::watch::slos::{SloSetup, SloWatch};
use lift_host::watch::{self, Started, Watcher};
use pyo3::prelude::*;
use std::path::{Path, PathBuf};

fn fail(e: impl std::fmt::Display) -> PyErr {
    RolloutError::new_err(e.to_string())
}

fn plugin(e: impl std::fmt::Display) -> PyErr {
    PluginError::new_err(e.to_string())
}

/// Watch `app` as `setup` (JSON, [`Setup`]) says, journaled in `watch_dir`:
/// probes through `prober`, replication lag through `metrics`, traffic
/// through `dns` (optional), each configured with `settings`. `on_record`
/// gets each journal record (JSON), `on_note` what the world does; `stop`
/// is asked every tick (a true answer, or Ctrl-C, ends the watch).
/// `resume` picks the journal up where it stopped; `once` probes one round
/// (enough for the detector to decide), evaluates the SLOs once, carries out
/// what that calls for and returns, going on with the journal if there is one.
/// Returns the last record.
#[pyfunction]
#[pyo3(signature = (app, setup, watch_dir, prober, metrics, settings, dns=None, resume=false, break_lock=false, on_record=None, on_note=None, stop=None, notifier=None, slos=None, once=false, deployer=None))]
#[allow(clippy::too_many_arguments, reason = "a Python call with keywords")]
pub fn watch_run(
    py: Python<'_>,
    app: &PyApp,
    setup: &str,
    watch_dir: &str,
    prober: &str,
    metrics: &str,
    settings: Vec<(String, String)>,
    dns: Option<&str>,
    resume: bool,
    break_lock: bool,
    on_record: Option<Py<PyAny>>,
    on_note: Option<Py<PyAny>>,
    stop: Option<Py<PyAny>>,
    notifier: Option<&str>,
    slos: Option<&str>,
    once: bool,
    deployer: Option<&str>,
) -> PyResult<String> {
    let spec = app.0.spec();
    let recovery =
        spec.recovery.clone().ok_or_else(|| fail(format!("{} has no `recovery` section: there is nothing to watch for", spec.app)))?;
    let mut setup: Setup = serde_json::from_str(setup).map_err(|e| fail(format!("setup: {e}")))?;
    setup.pilot = lift_host::watch::cloud::Pilot::of(spec, &setup.outputs);
    let dir = PathBuf::from(watch_dir);
    let journal = dir.join("journal.jsonl");
    let controls_path = dir.join("controls.jsonl");
    let host = host()?;
    let load = |p: &str| host.load(Path::new(p)).map_err(plugin);
    let probe_plugin = load(prober)?;
    let verifier = probe_plugin.prober().map_err(plugin)?;
    let metrics_plugin = load(metrics)?;
    let mut m = metrics_plugin.metrics().map_err(plugin)?;
    m.configure(&settings).map_err(plugin)?;
    // The live SLOs read through their own instance of the metrics plugin.
    let mut slo_metrics = metrics_plugin.metrics().map_err(plugin)?;
    slo_metrics.configure(&settings).map_err(plugin)?;
    let slo_setup: Option<SloSetup> = slos.map(serde_json::from_str).transpose().map_err(|e| fail(format!("slos: {e}")))?;
    // A pilot light is scaled through the deployer's Lambda API.
    let scaler = match deployer.filter(|_| setup.pilot.is_some()) {
        Some(p) => {
            let mut d = load(p)?.deployer().map_err(plugin)?;
            d.configure(&settings).map_err(plugin)?;
            Some(d)
        }
        None => None,
    };
    let d = match dns {
        Some(p) => {
            let mut d = load(p)?.dns().map_err(plugin)?;
            d.configure(&settings).map_err(plugin)?;
            Some(d)
        }
        None => None,
    };
    let on_record = on_record.map(std::sync::Arc::new);
    let on_note = on_note.map(std::sync::Arc::new);
    // The failover's notices go to the spec's channels; deliveries are told as notes.
    let delivered = on_note.clone();
    let dispatcher = crate::notify::dispatcher(
        app,
        notifier,
        Box::new(move |d| {
            if let Some(f) = &delivered {
                Python::attach(|py| {
                    if let Err(e) = f.call1(py, (crate::notify::said(d),)) {
                        e.print(py);
                    }
                });
            }
        }),
    )?;
    let notices = dispatcher.as_ref().and_then(lift_host::notify::Dispatcher::sender);
    let dispatcher_handle = notices.clone();
    let app_name = spec.app.clone();
    let call = |f: &Option<std::sync::Arc<Py<PyAny>>>, text: String| {
        if let Some(f) = f {
            Python::attach(|py| {
                if let Err(e) = f.call1(py, (text,)) {
                    e.print(py);
                }
            });
        }
    };
    let id = format!("{}-watch", spec.app);
    let regions = setup.regions.clone();
    let endpoints: Vec<(String, String)> = regions.iter().filter_map(|r| setup.endpoints.get(r).map(|u| (r.clone(), u.clone()))).collect();
    let config = lift_core::recovery::ProbeConfig::from_spec(&recovery.probe);
    let probe_path = recovery.probe.path.clone();
    let interrupted = std::sync::atomic::AtomicBool::new(false);
    let out = py.detach(|| -> PyResult<String> {
        let holder = Holder { actor: Actor::this_process(), since_ms: wall_now_ms(), rollout: id.clone() };
        let _lock = Lock::acquire(&dir.join("lock"), &holder, break_lock).map_err(fail)?;
        // One round (`--once`) goes on with the watch's journal: the history is one.
        let (watcher, clock, controls) = if (resume || once) && journal.exists() {
            let records = watch::read(&journal).map_err(fail)?;
            let origin = records.first().map(|r| r.wall_ms).unwrap_or_else(wall_now_ms);
            let clock = WallClock::new(origin, 1);
            let (w, _) = Watcher::resume(&recovery, &journal, &clock).map_err(fail)?;
            (w, clock, FileControls::new(&controls_path, &records))
        } else {
            if journal.exists() {
                // A finished watch's journal is kept beside the new one.
                let kept = dir.join(format!("journal-{}.jsonl", wall_now_ms()));
                std::fs::rename(&journal, &kept).map_err(|e| fail(format!("{}: {e}", journal.display())))?;
                let _ = std::fs::remove_file(&controls_path);
            }
            let clock = WallClock::new(wall_now_ms(), 1);
            let header = Started { watch: id.clone(), app: setup.app.clone(), regions: regions.clone() };
            let w = Watcher::start(&recovery, header, setup.serving.as_deref(), &journal, &clock).map_err(fail)?;
            (w, clock, FileControls::new::<watch::WatchJournal>(&controls_path, &[]))
        };
        let records_out = on_record.clone();
        let mut watcher = watcher.with_observer(Box::new(move |r| {
            call(&records_out, public(r).to_string());
            if let (Some(tx), Some(n)) = (&notices, lift_host::notify::from_watch(&app_name, r)) {
                tx.send(n);
            }
        }));
        let notes_out = on_note.clone();
        let primary = setup.regions.first().cloned().unwrap_or_default();
        let home = setup.serving.as_ref().is_none_or(|s| *s == primary);
        let mut world = CloudFailover::new(setup, d, m, verifier, Box::new(move |t| call(&notes_out, t)));
        if let Some(d) = scaler {
            world = world.with_deployer(d);
            // A fresh watch with traffic at home lights the standbys' pilot light (idempotent); a
            // resumed one leaves the regions as its runbook left them.
            if home && !resume {
                world.light_pilots(&primary).map_err(fail)?;
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        // One round is enough probes from each vantage point for the detector to
        // decide either way; when the last ends, the loop ends after its turn.
        let rounds = once.then(|| config.failures.max(config.successes).max(1));
        let probes = Probes::spawn(&probe_plugin, &endpoints, &probe_path, &config, rounds, &tx).map_err(plugin)?;
        drop(tx);
        let mut controls = controls;
        let mut skipped = vec![];
        let mut live = slo_setup.map(|s| SloWatch::new(spec, s, &mut skipped)).filter(|w| !w.is_empty());
        for s in skipped {
            call(&on_note, s);
        }
        let slo_notices = dispatcher_handle;
        let mut last_round: Option<std::time::Instant> = None;
        let mut more = || -> Vec<lift_core::recovery::Event> {
            let Some(w) = live.as_mut() else { return vec![] };
            if last_round.is_some_and(|t| (t.elapsed().as_millis() as u64) < w.period_ms()) {
                return vec![];
            }
            last_round = Some(std::time::Instant::now());
            let notes_out = on_note.clone();
            w.round(&mut slo_metrics, slo_notices.as_ref(), &mut |t| call(&notes_out, t))
        };
        let mut asked = |_: &Watcher| {
            Python::attach(|py| {
                if py.check_signals().is_err() {
                    interrupted.store(true, std::sync::atomic::Ordering::Relaxed);
                    return true;
                }
                stop.as_ref().is_some_and(|f| f.call0(py).and_then(|r| r.is_truthy(py)).unwrap_or(true))
            })
        };
        let result = watcher.run(&mut world, &rx, &mut controls, &clock, &mut asked, &mut more, 250);
        probes.stop();
        // Every handle to the dispatcher goes before it closes: it delivers until the last one is gone.
        drop(watcher);
        drop(slo_notices);
        if let Some(d) = dispatcher {
            d.close();
        }
        result.map_err(|e: JournalError| fail(e))?;
        let records = watch::read(&journal).map_err(fail)?;
        Ok(records.last().map(|r| public(r).to_string()).unwrap_or_default())
    })?;
    if interrupted.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err(
            "the watch was interrupted; `lift watch --resume` goes on from its journal",
        ));
    }
    Ok(out)
}

/// Send a word (`approve`, `deny`) to the watch in `watch_dir`, as this process's user.
#[pyfunction]
pub fn watch_control(watch_dir: &str, word: &str) -> PyResult<()> {
    use lift_core::recovery::Event;
    let event = match word {
        "approve" => Event::Approve,
        "deny" => Event::Deny,
        other => return Err(fail(format!("`{other}` is not a word a watch takes: approve or deny"))),
    };
    let dir = Path::new(watch_dir);
    if !dir.join("journal.jsonl").exists() {
        return Err(fail(format!("{}: no watch journal here", dir.display())));
    }
    FileControls::send(&dir.join("controls.jsonl"), &Control { event, actor: Actor::this_process(), wall_ms: wall_now_ms() }).map_err(fail)
}

/// The records of the watch journal in `watch_dir`, each with the failover's status after it (a JSON list).
#[pyfunction]
pub fn watch_records(py: Python<'_>, watch_dir: &str) -> PyResult<String> {
    let path = Path::new(watch_dir).join("journal.jsonl");
    py.detach(|| {
        let records = watch::read(&path).map_err(fail)?;
        Ok(serde_json::Value::Array(records.iter().map(public).collect()).to_string())
    })
}

/// The SLA report of the watch in `watch_dir` (`markdown`, `json`, `html`):
/// what its watches recorded ([`watch::recorded`]).
#[pyfunction]
pub fn watch_report(py: Python<'_>, app: &PyApp, watch_dir: &str, format: &str) -> PyResult<String> {
    let format = crate::named::<lift_core::app::ReportFormat>(format)?;
    py.detach(|| {
        let (samples, failovers) = watch::recorded(Path::new(watch_dir)).map_err(fail)?;
        app.0.watch_report(&samples, failovers, format).map_err(crate::to_py)
    })
}

/// Register the functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(watch_run, m)?)?;
    m.add_function(wrap_pyfunction!(watch_control, m)?)?;
    m.add_function(wrap_pyfunction!(watch_records, m)?)?;
    m.add_function(wrap_pyfunction!(watch_report, m)?)?;
    Ok(())
}
