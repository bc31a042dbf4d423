//! The runner for Python: carry a plan out on a target, with the journal,
//! the lock and the controls in a state directory; and the control words
//! (`approve`, `abort`, `pause`, `resume`) other processes send it.

use crate::PyApp;
use crate::plugins::{PluginError, host};
use lift_host::WasmStrategy;
use lift_host::runner::cloud::{CloudWorld, Setup, functions};
use lift_host::runner::lock::{Holder, Lock};
use lift_host::runner::wall::{Control, FileControls, WallClock, wall_now_ms};
use lift_host::runner::{self, Actor, Entry, Runner, freeze};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use std::path::{Path, PathBuf};

create_exception!(_lift, RolloutError, PyException, "Raised when a rollout cannot start, resume or go on (a held lock, a broken journal).");
create_exception!(
    _lift,
    RolloutFrozen,
    RolloutError,
    "Raised when a rollout may not start: deployments of the app are frozen (each freeze is named)."
);

fn fail(e: impl std::fmt::Display) -> PyErr {
    RolloutError::new_err(e.to_string())
}

/// Where a rollout's files are.
struct Files {
    journal: PathBuf,
    controls: PathBuf,
    memory: PathBuf,
}

fn files(dir: &Path) -> Files {
    Files { journal: dir.join("journal.jsonl"), controls: dir.join("controls.jsonl"), memory: dir.join("world.json") }
}

/// A journal record as Python sees it (a rollout's or a watch's): the
/// machine's state replaced by its status (what a person reads).
pub(crate) fn public<K: lift_host::runner::Kind>(r: &lift_host::runner::journal::Record<K>) -> serde_json::Value
where
    K::State: lift_core::machine::Machine,
    <K::State as lift_core::machine::Machine>::Status: serde::Serialize,
{
    use lift_core::machine::Machine;
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("state");
        o.insert("status".into(), serde_json::to_value(r.state.status()).unwrap_or_default());
    }
    v
}

/// Call a Python callable with one string, holding the GIL only for the call.
fn caller(f: Option<Py<PyAny>>) -> impl FnMut(String) + Send {
    move |text: String| {
        if let Some(f) = &f {
            Python::attach(|py| {
                if let Err(e) = f.call1(py, (text,)) {
                    e.print(py);
                }
            });
        }
    }
}

/// Carry out the rollout of `app` described by `setup` (JSON: `regions`,
/// `time_scale`, `approve`, `min_period_s`; the app's functions and gates are
/// read from the spec), journaled in `rollout_dir` under `rollout_id`. The
/// plugins act: `deployer` (stacks and alias routes), `metrics` (gates),
/// `prober` (probe gates) and, if the spec names one, a `strategy` plugin,
/// each configured with `settings` (endpoint, credentials). With `resume`,
/// the journal in `rollout_dir` is picked up where it stopped. `on_record`
/// gets every journal record (JSON) as it is written, `on_note` each thing the
/// world does. Returns the last record (JSON).
#[pyfunction]
#[pyo3(signature = (app, setup, rollout_dir, rollout_id, lock, applied_dir, deployer, metrics, settings, prober=None, strategy=None, resume=false, break_lock=false, on_record=None, on_note=None, freezes=None, notifier=None))]
#[allow(clippy::too_many_arguments, reason = "a Python call with keywords")]
pub fn rollout_run(
    py: Python<'_>,
    app: &PyApp,
    setup: &str,
    rollout_dir: &str,
    rollout_id: &str,
    lock: &str,
    applied_dir: &str,
    deployer: &str,
    metrics: &str,
    settings: Vec<(String, String)>,
    prober: Option<&str>,
    strategy: Option<&str>,
    resume: bool,
    break_lock: bool,
    on_record: Option<Py<PyAny>>,
    on_note: Option<Py<PyAny>>,
    freezes: Option<&str>,
    notifier: Option<&str>,
) -> PyResult<String> {
    let spec = app.0.spec();
    // A freeze (a failover under way, an SLO's spent budget) stops a rollout before it starts.
    if let (Some(path), false) = (freezes, resume) {
        rollout_check_frozen(&spec.app, path)?;
    }
    let mut extra: serde_json::Value = serde_json::from_str(setup).map_err(|e| fail(format!("setup: {e}")))?;
    if let Some(o) = extra.as_object_mut() {
        o.insert("app".into(), spec.app.clone().into());
        o.insert("version".into(), spec.version.clone().into());
        o.insert("functions".into(), serde_json::to_value(functions(spec)).unwrap_or_default());
        o.insert("gates".into(), serde_json::to_value(lift_host::runner::cloud::Gates::from_spec(spec)).unwrap_or_default());
    }
    let setup: Setup = serde_json::from_value(extra).map_err(|e| fail(format!("setup: {e}")))?;
    let plan = app.0.plan().map_err(fail)?;
    let host = host()?;
    let dir = PathBuf::from(rollout_dir);
    let f = files(&dir);
    let lock_path = PathBuf::from(lock);
    let applied = PathBuf::from(applied_dir);
    let (deployer, metrics, prober, strategy) =
        (deployer.to_owned(), metrics.to_owned(), prober.map(str::to_owned), strategy.map(str::to_owned));
    let rollout_id = rollout_id.to_owned();
    let mut record_out = caller(on_record);
    // The milestones go to the spec's channels; deliveries are told as notes.
    let mut delivered = caller(on_note.as_ref().map(|f| f.clone_ref(py)));
    let note_out = caller(on_note);
    let dispatcher = crate::notify::dispatcher(app, notifier, Box::new(move |d| delivered(crate::notify::said(d))))?;
    let notices = dispatcher.as_ref().and_then(lift_host::notify::Dispatcher::sender);
    let app_name = spec.app.clone();
    py.detach(move || -> PyResult<String> {
        let holder = Holder { actor: Actor::this_process(), since_ms: wall_now_ms(), rollout: rollout_id.clone() };
        let _lock = Lock::acquire(&lock_path, &holder, break_lock).map_err(fail)?;
        let load = |p: &str| host.load(Path::new(p)).map_err(|e| PluginError::new_err(e.to_string()));
        let mut d = load(&deployer)?.deployer().map_err(|e| PluginError::new_err(e.to_string()))?;
        d.configure(&settings).map_err(|e| PluginError::new_err(e.to_string()))?;
        let mut m = load(&metrics)?.metrics().map_err(|e| PluginError::new_err(e.to_string()))?;
        // The template bucket is the deployer's alone.
        let common: Vec<(String, String)> = settings.iter().filter(|(k, _)| k != "template-bucket").cloned().collect();
        m.configure(&common).map_err(|e| PluginError::new_err(e.to_string()))?;
        let p = match &prober {
            Some(path) => Some(load(path)?.prober().map_err(|e| PluginError::new_err(e.to_string()))?),
            None => None,
        };
        let scale = setup.time_scale.max(1);
        let (mut runner, clock, controls) = if resume {
            let records = runner::read(&f.journal).map_err(fail)?;
            let origin = records.first().map(|r| r.wall_ms).unwrap_or_else(wall_now_ms);
            let scale = match records.first().map(|r| &r.entry) {
                Some(Entry::Started(started)) => started.time_scale,
                _ => scale,
            };
            let clock = WallClock::new(origin, scale);
            let controls = FileControls::new(&f.controls, &records);
            (Runner::resume(&f.journal, &clock).map_err(fail)?, clock, controls)
        } else {
            let clock = WallClock::new(wall_now_ms(), scale);
            (
                Runner::start(&plan, &f.journal, &rollout_id, scale, &clock).map_err(fail)?,
                clock,
                FileControls::new::<runner::RolloutJournal>(&f.controls, &[]),
            )
        };
        if let Some(path) = &strategy {
            let plugin = load(path)?;
            let s = WasmStrategy::new(&plugin).map_err(|e| PluginError::new_err(e.to_string()))?;
            runner = runner.with_policy(Box::new(s));
        }
        let rid = rollout_id.clone();
        runner = runner.with_observer(Box::new(move |r| {
            record_out(public(r).to_string());
            if let (Some(tx), Some(n)) = (&notices, lift_host::notify::from_rollout(&app_name, &rid, r)) {
                tx.send(n);
            }
        }));
        let mut world = CloudWorld::new(setup, plan, d, m, p, &f.memory, &applied);
        let mut notes = note_out;
        world.on_note = Box::new(move |t| notes(t.to_owned()));
        let mut controls = controls;
        let outcome = runner.run(&mut world, &mut controls, &clock, 250);
        // Every notice handed over is delivered (or given up on) before the answer.
        drop(runner);
        if let Some(d) = dispatcher {
            d.close();
        }
        let outcome = outcome.map_err(fail)?;
        if matches!(outcome, lift_core::rollout::Outcome::Promoted) {
            world.record_promotion().map_err(fail)?;
        }
        let records = runner::read(&f.journal).map_err(fail)?;
        Ok(records.last().map(|r| public(r).to_string()).unwrap_or_default())
    })
}

/// Send a control word (`approve`, `abort`, `pause`, `resume`) to the rollout
/// in `rollout_dir`, as this process's user; `reason` goes with an abort.
#[pyfunction]
#[pyo3(signature = (rollout_dir, word, reason=None))]
pub fn rollout_control(rollout_dir: &str, word: &str, reason: Option<String>) -> PyResult<()> {
    use lift_core::rollout::Event;
    let actor = Actor::this_process();
    let event = match word {
        "approve" => Event::Approve,
        "abort" => Event::Abort { reason: reason.unwrap_or_else(|| format!("aborted by {} on {}", actor.user, actor.host)) },
        "pause" => Event::Pause,
        "resume" => Event::Resume,
        other => return Err(fail(format!("`{other}` is not a control: approve, abort, pause or resume"))),
    };
    let f = files(Path::new(rollout_dir));
    if !f.journal.exists() {
        return Err(fail(format!("{}: no rollout journal here", f.journal.display())));
    }
    FileControls::send(&f.controls, &Control { event, actor, wall_ms: wall_now_ms() }).map_err(fail)
}

/// The records of the journal in `rollout_dir`, each with the machine's status after it (a JSON list).
#[pyfunction]
pub fn rollout_records(py: Python<'_>, rollout_dir: &str) -> PyResult<String> {
    let path = files(Path::new(rollout_dir)).journal;
    py.detach(|| {
        let records = runner::read(&path).map_err(fail)?;
        Ok(serde_json::Value::Array(records.iter().map(public).collect()).to_string())
    })
}

/// Fail fast, before any work, when the lock at `path` is held (the error
/// says by whom, and whether it is stale); the rollout takes it for real later.
#[pyfunction]
#[pyo3(signature = (path, break_lock=false))]
pub fn rollout_lock_check(path: &str, break_lock: bool) -> PyResult<()> {
    let holder = Holder { actor: Actor::this_process(), since_ms: wall_now_ms(), rollout: "check".into() };
    Lock::acquire(Path::new(path), &holder, break_lock).map(drop).map_err(fail)
}

/// Register the runner's functions.
/// Raise `RolloutFrozen` naming every freeze standing in the file at `path` (if any).
#[pyfunction]
pub fn rollout_check_frozen(app: &str, path: &str) -> PyResult<()> {
    let standing = freeze::standing(Path::new(path));
    if standing.is_empty() {
        return Ok(());
    }
    let each: Vec<String> = standing.iter().map(ToString::to_string).collect();
    Err(RolloutFrozen::new_err(format!("deployments of {app} are frozen: {}", each.join("; "))))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rollout_check_frozen, m)?)?;
    m.add_function(wrap_pyfunction!(rollout_run, m)?)?;
    m.add_function(wrap_pyfunction!(rollout_control, m)?)?;
    m.add_function(wrap_pyfunction!(rollout_records, m)?)?;
    m.add_function(wrap_pyfunction!(rollout_lock_check, m)?)?;
    m.add("RolloutError", m.py().get_type::<RolloutError>())?;
    m.add("RolloutFrozen", m.py().get_type::<RolloutFrozen>())?;
    Ok(())
}
