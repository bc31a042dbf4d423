//! Python bindings for Lift. Thin by design: convert arguments, call
//! `lift-core`, hand results over as JSON text, map errors in one place.
//! The Python package (`python/lift`) wraps these in friendly types.

mod plugins;

use lift_core::{App, Diagnostic, Format, SynthError};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;

/// mimalloc for everything the extension allocates: Lift's graph and checks
/// make many small allocations, and with it validation takes about 40% less
/// time than with the system allocator (see `benches/`). Python's own objects
/// keep Python's allocator; nothing allocated here is freed by Python.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

create_exception!(_lift, SpecError, PyException, "Raised with the diagnostics (as JSON) of a spec that cannot be used.");
create_exception!(_lift, RegionError, PyValueError, "Raised for a region the app does not have.");

fn diagnostics_json(d: &[Diagnostic]) -> String {
    serde_json::to_string(d).unwrap_or_else(|_| "[]".into())
}

/// The one error adapter: every core error becomes a Python exception.
fn to_py(e: SynthError) -> PyErr {
    match e {
        SynthError::Invalid(d) => SpecError::new_err(diagnostics_json(&d)),
        e @ SynthError::UnknownRegion { .. } => RegionError::new_err(e.to_string()),
    }
}

/// A loaded app spec.
#[pyclass(frozen, name = "App", module = "lift._lift")]
struct PyApp(App);

#[pymethods]
impl PyApp {
    /// The app's name.
    #[getter]
    fn name(&self) -> String {
        self.0.spec().app.clone()
    }

    /// Regions, primary first.
    #[getter]
    fn regions(&self) -> Vec<String> {
        self.0.regions()
    }

    /// Every diagnostic, as a JSON list.
    fn validate(&self, py: Python<'_>) -> String {
        py.detach(|| diagnostics_json(&self.0.validate()))
    }

    /// One region's template as text, and its warnings as JSON.
    fn synth(&self, py: Python<'_>, region: &str, format: &str) -> PyResult<(String, String)> {
        let format = parse_format(format)?;
        let s = py.detach(|| self.0.synth(region, format)).map_err(to_py)?;
        Ok((s.text, diagnostics_json(&s.warnings)))
    }

    /// Every file of `format` for the whole app, or only of `regions` for the
    /// per-region formats (paths and texts), and the warnings as JSON.
    #[pyo3(signature = (format, regions=None))]
    fn files(&self, py: Python<'_>, format: &str, regions: Option<Vec<String>>) -> PyResult<(Vec<(String, String)>, String)> {
        let format = parse_format(format)?;
        let regions = regions.unwrap_or_else(|| self.0.regions());
        let f = py.detach(|| self.0.files_in(format, &regions)).map_err(to_py)?;
        Ok((f.files, diagnostics_json(&f.warnings)))
    }

    /// One region's resource graph as an SVG picture.
    fn graph_svg(&self, region: &str) -> PyResult<String> {
        Ok(self.0.graph(region).map_err(to_py)?.to_svg())
    }

    /// The rollout plan as `json`, a readable `text` timeline or an `svg` picture.
    fn plan(&self, format: &str) -> PyResult<String> {
        let plan = self.0.plan().map_err(to_py)?;
        match format {
            "json" => Ok(serde_json::to_string(&plan).unwrap_or_default()),
            "text" => Ok(plan.to_text()),
            "svg" => Ok(plan.to_svg()),
            other => Err(PyValueError::new_err(format!("unknown plan format `{other}`; use `text`, `json` or `svg`"))),
        }
    }

    /// Run a disaster-recovery drill in the simulator: `scenario` (`region-outage`, `partial`,
    /// `flapping`, `replication-lag`) for `duration` (such as `"1h"`); the timeline and ledger as
    /// `text` or `json`.
    fn drill(&self, scenario: &str, duration: &str, format: &str) -> PyResult<String> {
        let diags = self.0.validate();
        if diags.iter().any(|d| d.severity == lift_core::Severity::Error) {
            return Err(SpecError::new_err(diagnostics_json(&diags)));
        }
        let names: Vec<&str> = lift_core::recovery::Scenario::ALL.iter().map(|s| s.name()).collect();
        let scenario = lift_core::recovery::Scenario::from_name(scenario)
            .ok_or_else(|| PyValueError::new_err(format!("unknown scenario `{scenario}`; use {}", names.join(", "))))?;
        let recovery = self.0.spec().recovery.as_ref().ok_or_else(|| {
            PyValueError::new_err("the spec has no `recovery:` section, such as `recovery: { mode: warm-standby, rto: 5m, rpo: 1m }`")
        })?;
        let regions = self.0.regions().to_vec();
        let d = lift_core::recovery::drill(recovery, &regions, scenario, duration_ms(duration)?)
            .ok_or_else(|| PyValueError::new_err("the probe quorum does not read `k/n`"))?;
        match format {
            "json" => Ok(serde_json::to_string(&d).unwrap_or_default()),
            "text" => Ok(d.to_text()),
            other => Err(PyValueError::new_err(format!("unknown drill format `{other}`; use `text` or `json`"))),
        }
    }

    /// SLO alerting rules in `format` (`prometheus`): the rules file and its promtool test file.
    fn slo_rules(&self, format: &str, rules_file: &str) -> PyResult<(String, String)> {
        let diags = self.0.validate();
        if diags.iter().any(Diagnostic::is_error) {
            return Err(SpecError::new_err(diagnostics_json(&diags)));
        }
        match format {
            "prometheus" => Ok((lift_core::slo::rules_yaml(self.0.spec()), lift_core::slo::promtool_tests_yaml(self.0.spec(), rules_file))),
            "openslo" => Ok((lift_core::slo::openslo_yaml(self.0.spec()), String::new())),
            other => Err(PyValueError::new_err(format!("unknown SLO rules format `{other}`; use `prometheus` or `openslo`"))),
        }
    }

    /// The SLA report of CSV samples (`time_ms,slo,good,total`) as `markdown`, `json` or `html`.
    fn slo_report(&self, samples: &str, format: &str) -> PyResult<String> {
        let parsed = lift_core::slo::parse_samples(samples).map_err(|errors| PyValueError::new_err(errors.join("\n")))?;
        let report = lift_core::slo::report(self.0.spec(), &parsed);
        match format {
            "markdown" | "md" => Ok(report.to_markdown()),
            "json" => Ok(serde_json::to_string_pretty(&report).unwrap_or_default()),
            "html" => Ok(report.to_html()),
            other => Err(PyValueError::new_err(format!("unknown report format `{other}`; use `markdown`, `json` or `html`"))),
        }
    }

    /// The alert evaluator of SLO `name` (its window, time zone, maintenance and floor), with
    /// escalation steps `[(target, after)]`, such as `[("oncall", "0s"), ("lead", "30m")]`.
    #[pyo3(signature = (name, escalation = Vec::new()))]
    fn slo_evaluator(&self, name: &str, escalation: Vec<(String, String)>) -> PyResult<PyEvaluator> {
        let slo = self.0.spec().slos.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.0.spec().slos.keys().map(String::as_str).collect();
            PyValueError::new_err(format!("no SLO `{name}`; the spec has: {}", known.join(", ")))
        })?;
        let steps = escalation.into_iter().map(|(target, after)| Ok((target, duration(&after)?))).collect::<PyResult<Vec<_>>>()?;
        Ok(PyEvaluator(lift_core::slo::Evaluator::for_slo(slo, lift_core::slo::Escalation { steps })))
    }

    /// A readable summary of the SLOs and their alert rules.
    fn slo_summary(&self) -> String {
        lift_core::slo::summary(self.0.spec())
    }

    /// The spec with every default filled in, as JSON.
    fn resolved(&self) -> String {
        self.0.resolved().to_string()
    }
}

/// Good and total events of one SLO as samples stream in; any window at once.
#[pyclass(name = "Tracker", module = "lift._lift")]
struct PyTracker {
    tracker: lift_core::slo::Tracker,
    objective: lift_core::spec::units::Percent,
}

fn duration_ms(text: &str) -> PyResult<u64> {
    duration(text).map(|d| d.as_millis())
}

fn duration(text: &str) -> PyResult<lift_core::spec::units::Duration> {
    text.parse().map_err(|e: lift_core::spec::units::UnitError| PyValueError::new_err(e.to_string()))
}

#[pymethods]
impl PyTracker {
    /// A tracker for an objective such as `"99.9%"` over a period such as `"30d"`.
    #[new]
    fn new(objective: &str, period: &str) -> PyResult<Self> {
        let objective = objective.parse().map_err(|e: lift_core::spec::units::UnitError| PyValueError::new_err(e.to_string()))?;
        Ok(PyTracker { tracker: lift_core::slo::Tracker::new(duration(period)?), objective })
    }

    /// Record `good` of `total` events at time `at_ms`.
    fn record(&mut self, at_ms: u64, good: u64, total: u64) {
        self.tracker.record(at_ms, good, total);
    }

    /// `(good, total)` over `window` (such as `"1h"`) ending at `now_ms`, or None beyond the period.
    fn counts(&self, now_ms: u64, window: &str) -> PyResult<Option<(u64, u64)>> {
        Ok(self.tracker.counts(now_ms, duration(window)?).map(|c| (c.good, c.total)))
    }

    /// The burn rate over `window` ending at `now_ms`; None with no data.
    fn burn_rate(&self, now_ms: u64, window: &str) -> PyResult<Option<f64>> {
        let counts = self.tracker.counts(now_ms, duration(window)?);
        Ok(counts.and_then(|c| lift_core::slo::burn_rate(self.objective, c)).map(lift_core::slo::Ratio::to_f64))
    }
}

/// Latency percentiles per timeslice: requests' latencies in, each closed slice's verdict out.
#[pyclass(name = "PercentileSlices", module = "lift._lift")]
struct PyPercentileSlices(lift_core::slo::PercentileSlices);

fn verdict_tuple(v: Option<lift_core::slo::SliceVerdict>) -> Option<(u64, bool, f64, u64)> {
    v.map(|v| (v.end, v.good, v.latency_ms, v.count))
}

#[pymethods]
impl PyPercentileSlices {
    /// Slices `slice` wide (such as `"1m"`), good when their `percentile` (`"99%"`) is at most `threshold` (`"300ms"`).
    #[new]
    fn new(percentile: &str, threshold: &str, slice: &str) -> PyResult<Self> {
        let pct = percentile.parse().map_err(|e: lift_core::spec::units::UnitError| PyValueError::new_err(e.to_string()))?;
        Ok(PyPercentileSlices(lift_core::slo::PercentileSlices::new(duration(slice)?, pct, duration(threshold)?)))
    }

    /// Add one request's latency (ms) at `at_ms`; the verdict `(end_ms, good, latency_ms, count)` of the slice it closed, if any.
    fn record(&mut self, at_ms: u64, latency_ms: f64) -> Option<(u64, bool, f64, u64)> {
        verdict_tuple(self.0.record(at_ms, latency_ms))
    }

    /// Close the open slice if `now_ms` is past it.
    fn tick(&mut self, now_ms: u64) -> Option<(u64, bool, f64, u64)> {
        verdict_tuple(self.0.tick(now_ms))
    }
}

/// An SLO's alert evaluator: samples in, alert and budget-policy actions out.
#[pyclass(name = "Evaluator", module = "lift._lift")]
struct PyEvaluator(lift_core::slo::Evaluator);

#[pymethods]
impl PyEvaluator {
    /// Record `good` of `total` events at `at_ms` and return the actions now
    /// due, each as JSON (`fire`, `resolve`, `notify`, `freeze-rollouts`).
    fn record(&mut self, at_ms: u64, good: u64, total: u64) -> Vec<String> {
        self.0.handle(lift_core::slo::AlertEvent::Sample { good, total }, at_ms);
        self.poll(at_ms)
    }

    /// Record one request's latency (ms) at `at_ms`, for a percentile SLO; the actions now due, as JSON.
    fn record_latency(&mut self, at_ms: u64, latency_ms: f64) -> Vec<String> {
        self.0.handle(lift_core::slo::AlertEvent::Latency { ms: latency_ms }, at_ms);
        self.poll(at_ms)
    }

    /// The actions due at `now_ms` without new samples (escalations), as JSON.
    fn poll(&mut self, now_ms: u64) -> Vec<String> {
        std::iter::from_fn(|| self.0.poll(now_ms)).map(|a| serde_json::to_string(&a).unwrap_or_default()).collect()
    }

    /// Stop escalating the alert of rule `rule`.
    fn acknowledge(&mut self, now_ms: u64, rule: usize) {
        self.0.handle(lift_core::slo::AlertEvent::Acknowledge { rule }, now_ms);
    }

    /// A rollout SLO gate's verdict and evidence: `pass`, `fail`, `inconclusive` or `no-data`.
    fn gate(&self) -> (String, String) {
        let (verdict, evidence) = self.0.gate();
        (serde_json::to_value(verdict).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(), evidence)
    }

    /// The whole state as JSON, to keep across restarts.
    fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }

    /// An evaluator from the state `to_json` wrote.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        serde_json::from_str(text).map(PyEvaluator).map_err(|e| PyValueError::new_err(format!("not an evaluator's state: {e}")))
    }
}

/// Read a spec from YAML or JSON text.
#[pyfunction]
fn parse(py: Python<'_>, text: &str) -> PyResult<PyApp> {
    py.detach(|| App::from_text(text)).map(PyApp).map_err(|d| SpecError::new_err(diagnostics_json(&d)))
}

/// The JSON Schema of an app spec, as JSON text.
#[pyfunction]
fn schema() -> String {
    serde_json::to_string_pretty(lift_core::spec::schema()).unwrap_or_default()
}

/// One diagnostic (as JSON) rendered like a compiler's message, by the core.
#[pyfunction]
fn render(diagnostic: &str, file: &str) -> PyResult<String> {
    let d: Diagnostic = serde_json::from_str(diagnostic).map_err(|e| PyValueError::new_err(format!("not a diagnostic: {e}")))?;
    Ok(d.render(file))
}

/// The SLOs of OpenSLO v1 documents, as the spec's `slos:` section in YAML.
#[pyfunction]
fn import_openslo(text: &str) -> PyResult<String> {
    let slos = lift_core::slo::import_openslo(text).map_err(|errors| PyValueError::new_err(errors.join("\n")))?;
    let value = serde_json::json!({ "slos": slos });
    Ok(lift_core::iac::yaml::to_yaml(&value))
}

fn parse_format(name: &str) -> PyResult<Format> {
    name.parse().map_err(|e: lift_core::app::UnknownFormat| PyValueError::new_err(e.to_string()))
}

/// Output formats `synth` accepts.
#[pyfunction]
fn formats() -> Vec<&'static str> {
    Format::ALL.iter().map(|f| f.name()).collect()
}

/// The extension module.
#[pymodule]
fn _lift(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyApp>()?;
    m.add_class::<PyTracker>()?;
    m.add_class::<PyEvaluator>()?;
    m.add_class::<PyPercentileSlices>()?;
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(formats, m)?)?;
    m.add_function(wrap_pyfunction!(render, m)?)?;
    m.add_function(wrap_pyfunction!(import_openslo, m)?)?;
    m.add("SpecError", m.py().get_type::<SpecError>())?;
    m.add("RegionError", m.py().get_type::<RegionError>())?;
    plugins::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
