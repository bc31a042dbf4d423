//! Python bindings for Lift. Thin by design: convert arguments, call the
//! core's [`App`], map its one error type with one adapter ([`to_py`]).
//! Diagnostics cross as objects ([`PyDiagnostic`]), never as JSON inside a
//! message. The Python package (`python/lift`) wraps these in friendly types.

mod notify;
mod plugins;
mod rollout;
mod watch;

use lift_core::app::{DrillFormat, PlanFormat, ReportFormat, RulesFormat};
use lift_core::machine::Machine;
use lift_core::time::Timestamp;
use lift_core::{App, AppError, Diagnostic, Format, Named};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;

/// mimalloc for everything the extension allocates: Lift's graph and checks
/// make many small allocations, and with it validation takes about 40% less
/// time than with the system allocator (see `benches/`). Python's own objects
/// keep Python's allocator; nothing allocated here is freed by Python.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

create_exception!(_lift, SpecError, PyException, "Raised for a spec that cannot be used: `args` is (summary, [Diagnostic, ...]).");
create_exception!(_lift, RegionError, PyValueError, "Raised for a region the app does not have.");
create_exception!(_lift, ArgumentError, PyValueError, "Raised for an argument Lift cannot use: an unknown name, a bad duration.");

/// One diagnostic, as the core made it.
#[pyclass(frozen, name = "Diagnostic", module = "lift._lift")]
#[derive(Clone)]
struct PyDiagnostic(Diagnostic);

#[pymethods]
impl PyDiagnostic {
    /// A diagnostic as Python holds it (for rendering one built or changed in Python).
    #[new]
    #[pyo3(signature = (code, severity, pointer, message, line=None, column=None, hint=None))]
    fn new(
        code: String,
        severity: &str,
        pointer: String,
        message: String,
        line: Option<u32>,
        column: Option<u32>,
        hint: Option<String>,
    ) -> PyResult<Self> {
        let severity = match severity {
            "error" => lift_core::Severity::Error,
            "warning" => lift_core::Severity::Warning,
            other => return Err(ArgumentError::new_err(format!("unknown severity `{other}`; use `error` or `warning`"))),
        };
        let location = line.map(|line| lift_core::Location { line, column: column.unwrap_or(1) });
        Ok(PyDiagnostic(Diagnostic { code, severity, pointer, location, message, hint }))
    }
    /// Stable code, such as `E101`.
    #[getter]
    fn code(&self) -> &str {
        &self.0.code
    }
    /// `error` or `warning`.
    #[getter]
    fn severity(&self) -> String {
        self.0.severity.to_string()
    }
    /// JSON pointer into the spec.
    #[getter]
    fn pointer(&self) -> &str {
        &self.0.pointer
    }
    /// What is wrong.
    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }
    /// Line, from 1, where the pointer maps to one.
    #[getter]
    fn line(&self) -> Option<u32> {
        self.0.location.map(|l| l.line)
    }
    /// Column, from 1.
    #[getter]
    fn column(&self) -> Option<u32> {
        self.0.location.map(|l| l.column)
    }
    /// How to fix it, when Lift can tell.
    #[getter]
    fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }
    /// Rendered like a compiler's message, as every front end prints it.
    fn render(&self, file: &str) -> String {
        self.0.render(file)
    }
}

/// Files by relative path and text, and the warnings that came with them.
type FilesAndWarnings = (Vec<(String, String)>, Vec<PyDiagnostic>);

fn diagnostics(d: Vec<Diagnostic>) -> Vec<PyDiagnostic> {
    d.into_iter().map(PyDiagnostic).collect()
}

fn spec_error(d: Vec<Diagnostic>) -> PyErr {
    let summary = lift_core::app::summary(&d);
    SpecError::new_err((summary, diagnostics(d)))
}

/// The one error adapter: every core error becomes a Python exception.
pub(crate) fn to_py(e: AppError) -> PyErr {
    match e {
        AppError::Invalid(d) => spec_error(d),
        e @ AppError::UnknownRegion { .. } => RegionError::new_err(e.to_string()),
        e => ArgumentError::new_err(e.to_string()),
    }
}

pub(crate) fn named<T: Named>(name: &str) -> PyResult<T> {
    T::parse(name).map_err(to_py)
}

/// A loaded app spec.
#[pyclass(frozen, name = "App", module = "lift._lift")]
pub(crate) struct PyApp(pub(crate) App);

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

    /// Every diagnostic, sorted by place.
    fn validate(&self, py: Python<'_>) -> Vec<PyDiagnostic> {
        diagnostics(py.detach(|| self.0.validate()))
    }

    /// One region's output as text, and its warnings.
    fn synth(&self, py: Python<'_>, region: &str, format: &str) -> PyResult<(String, Vec<PyDiagnostic>)> {
        let format = named::<Format>(format)?;
        let s = py.detach(|| self.0.synth(region, format)).map_err(to_py)?;
        Ok((s.text, diagnostics(s.warnings)))
    }

    /// Every file of `format` for the whole app, or only of `regions` for the
    /// per-region formats (paths and texts), and the warnings.
    #[pyo3(signature = (format, regions=None))]
    fn files(&self, py: Python<'_>, format: &str, regions: Option<Vec<String>>) -> PyResult<FilesAndWarnings> {
        let format = named::<Format>(format)?;
        let regions = regions.unwrap_or_else(|| self.0.regions());
        let f = py.detach(|| self.0.files_in(format, &regions)).map_err(to_py)?;
        Ok((f.files, diagnostics(f.warnings)))
    }

    /// One region's resource graph as an SVG picture.
    fn graph_svg(&self, py: Python<'_>, region: &str) -> PyResult<String> {
        py.detach(|| self.0.graph_svg(region)).map_err(to_py)
    }

    /// The rollout plan as `json`, a readable `text` timeline or an `svg` picture.
    fn plan(&self, format: &str) -> PyResult<String> {
        self.0.plan_as(named::<PlanFormat>(format)?).map_err(to_py)
    }

    /// A disaster-recovery drill in the simulator: `scenario` for `duration`
    /// (such as `"1h"`); the timeline and ledger as `text` or `json`.
    fn drill(&self, py: Python<'_>, scenario: &str, duration: &str, format: &str) -> PyResult<String> {
        let format = named::<DrillFormat>(format)?;
        py.detach(|| self.0.drill_as(scenario, duration, format)).map_err(to_py)
    }

    /// SLO rules in `format` as files: `[(path, text)]`.
    fn slo_rules(&self, format: &str, rules_file: &str) -> PyResult<Vec<(String, String)>> {
        self.0.slo_rules(named::<RulesFormat>(format)?, rules_file).map_err(to_py)
    }

    /// The SLA report of CSV samples (`time_ms,slo,good,total`) as `markdown`, `json` or `html`.
    fn slo_report(&self, py: Python<'_>, samples: &str, format: &str) -> PyResult<String> {
        let format = named::<ReportFormat>(format)?;
        py.detach(|| self.0.slo_report(samples, format)).map_err(to_py)
    }

    /// The SLOs' diagnostics and their summary.
    fn slo_check(&self, py: Python<'_>) -> (Vec<PyDiagnostic>, String) {
        let c = py.detach(|| self.0.slo_check());
        (diagnostics(c.diagnostics), c.summary)
    }

    /// The alert evaluator of SLO `name`, with escalation steps `[(target, after)]`.
    #[pyo3(signature = (name, escalation = Vec::new()))]
    fn slo_evaluator(&self, name: &str, escalation: Vec<(String, String)>) -> PyResult<PyEvaluator> {
        self.0.slo_evaluator(name, &escalation).map(PyEvaluator).map_err(to_py)
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

/// A sample that can be true (the core's rule), else a `ValueError`.
fn possible(good: u64, total: u64) -> PyResult<()> {
    lift_core::slo::check_sample(good, total).map_err(pyo3::exceptions::PyValueError::new_err)
}

fn duration(text: &str) -> PyResult<lift_core::time::Duration> {
    lift_core::app::parse_duration("duration", text).map_err(to_py)
}

/// A duration as the spec writes it (`30s`, `1m30s`, `500ms`), in milliseconds.
#[pyfunction]
fn duration_ms(text: &str) -> PyResult<u64> {
    duration(text).map(lift_core::time::Duration::as_millis)
}

fn percent(text: &str) -> PyResult<lift_core::spec::units::Percent> {
    text.parse().map_err(|e: lift_core::spec::units::UnitError| ArgumentError::new_err(e.to_string()))
}

#[pymethods]
impl PyTracker {
    /// A tracker for an objective such as `"99.9%"` over a period such as `"30d"`.
    #[new]
    fn new(objective: &str, period: &str) -> PyResult<Self> {
        Ok(PyTracker { tracker: lift_core::slo::Tracker::new(duration(period)?), objective: percent(objective)? })
    }

    /// Record `good` of `total` events at time `at_ms`.
    fn record(&mut self, at_ms: u64, good: u64, total: u64) -> PyResult<()> {
        possible(good, total)?;
        self.tracker.record(Timestamp::from_millis(at_ms), good, total);
        Ok(())
    }

    /// `(good, total)` over `window` (such as `"1h"`) ending at `now_ms`, or None beyond the period.
    fn counts(&self, now_ms: u64, window: &str) -> PyResult<Option<(u64, u64)>> {
        Ok(self.tracker.counts(Timestamp::from_millis(now_ms), duration(window)?).map(|c| (c.good, c.total)))
    }

    /// The burn rate over `window` ending at `now_ms`; None with no data.
    fn burn_rate(&self, now_ms: u64, window: &str) -> PyResult<Option<f64>> {
        let counts = self.tracker.counts(Timestamp::from_millis(now_ms), duration(window)?);
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
        Ok(PyPercentileSlices(lift_core::slo::PercentileSlices::new(duration(slice)?, percent(percentile)?, duration(threshold)?)))
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

impl PyEvaluator {
    /// A composite is fed its parts' samples: a sample of its own would be counted nowhere.
    fn not_composite(&self, call: &str) -> PyResult<()> {
        if !self.0.is_composite() {
            return Ok(());
        }
        Err(pyo3::exceptions::PyValueError::new_err(format!(
            "this SLO is a composite of {}: `{call}` has no place in it; record each part's samples with record_part(at_ms, part, good, total)",
            self.0.parts().join(", ")
        )))
    }

    fn part(&self, name: &str) -> PyResult<usize> {
        self.0.part(name).ok_or_else(|| {
            let what = if self.0.is_composite() {
                format!("its parts are {}", self.0.parts().join(", "))
            } else {
                "this SLO is not a composite".to_owned()
            };
            pyo3::exceptions::PyValueError::new_err(format!("no part `{name}`: {what}"))
        })
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[pymethods]
impl PyEvaluator {
    /// Record `good` of `total` events at `at_ms` and return the actions now
    /// due, each as JSON (`fire`, `resolve`, `notify`, `freeze-rollouts`).
    fn record(&mut self, at_ms: u64, good: u64, total: u64) -> PyResult<Vec<String>> {
        possible(good, total)?;
        self.not_composite("record")?;
        self.0.handle(lift_core::slo::AlertEvent::Sample { good, total }, Timestamp::from_millis(at_ms));
        Ok(self.poll(at_ms))
    }

    /// Record one request's latency (ms) at `at_ms`, for a percentile SLO; the actions now due, as JSON.
    fn record_latency(&mut self, at_ms: u64, latency_ms: f64) -> PyResult<Vec<String>> {
        self.not_composite("record_latency")?;
        self.0.handle(lift_core::slo::AlertEvent::Latency { ms: latency_ms }, Timestamp::from_millis(at_ms));
        Ok(self.poll(at_ms))
    }

    /// A composite's parts, in the order of its `composite` (empty for any other SLO).
    fn parts(&self) -> Vec<String> {
        self.0.parts().into_iter().map(str::to_owned).collect()
    }

    /// For a composite SLO: record `good` of `total` events of its part `part` at `at_ms`; the actions now due, as JSON.
    fn record_part(&mut self, at_ms: u64, part: &str, good: u64, total: u64) -> PyResult<Vec<String>> {
        possible(good, total)?;
        let part = self.part(part)?;
        self.0.handle(lift_core::slo::AlertEvent::PartSample { part, good, total }, Timestamp::from_millis(at_ms));
        Ok(self.poll(at_ms))
    }

    /// For a composite SLO: record one request's latency (ms) of its percentile part `part`; the actions now due, as JSON.
    fn record_part_latency(&mut self, at_ms: u64, part: &str, latency_ms: f64) -> PyResult<Vec<String>> {
        let part = self.part(part)?;
        self.0.handle(lift_core::slo::AlertEvent::PartLatency { part, ms: latency_ms }, Timestamp::from_millis(at_ms));
        Ok(self.poll(at_ms))
    }

    /// The actions due at `now_ms` without new samples (escalations), as JSON.
    fn poll(&mut self, now_ms: u64) -> Vec<String> {
        lift_core::machine::drain(&mut self.0, Timestamp::from_millis(now_ms)).iter().map(json).collect()
    }

    /// When to poll next without new samples (ms).
    fn next_deadline(&self) -> Option<u64> {
        self.0.next_deadline().map(Timestamp::as_millis)
    }

    /// What a person sees (JSON): every rule, whether rollouts are frozen, the SLO gate's verdict.
    fn status(&self) -> String {
        json(&self.0.status())
    }

    /// Stop escalating the alert of rule `rule`.
    fn acknowledge(&mut self, now_ms: u64, rule: usize) {
        self.0.handle(lift_core::slo::AlertEvent::Acknowledge { rule }, Timestamp::from_millis(now_ms));
    }

    /// A rollout SLO gate's verdict (`pass`, `fail`, `inconclusive` or `no-data`) and its evidence as JSON.
    fn gate(&self) -> (String, String) {
        let (verdict, evidence) = self.0.gate();
        (serde_json::to_value(verdict).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(), json(&evidence))
    }

    /// The whole state as JSON, to keep across restarts.
    fn to_json(&self) -> String {
        json(&self.0)
    }

    /// An evaluator from the state `to_json` wrote.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        serde_json::from_str(text).map(PyEvaluator).map_err(|e| ArgumentError::new_err(format!("not an evaluator's state: {e}")))
    }
}

/// Read a spec from YAML or JSON text.
#[pyfunction]
fn parse(py: Python<'_>, text: &str) -> PyResult<PyApp> {
    py.detach(|| App::from_text(text)).map(PyApp).map_err(spec_error)
}

/// Read a spec from a file's bytes (UTF-8 is checked by the core).
#[pyfunction]
fn parse_bytes(py: Python<'_>, bytes: &[u8]) -> PyResult<PyApp> {
    py.detach(|| App::from_bytes(bytes)).map(PyApp).map_err(spec_error)
}

/// The core's one-line summary of a list of diagnostics ("the spec has 2 error(s); the first: ...").
#[pyfunction]
fn summary(diagnostics: Vec<PyRef<'_, PyDiagnostic>>) -> String {
    let d: Vec<Diagnostic> = diagnostics.iter().map(|d| d.0.clone()).collect();
    lift_core::app::summary(&d)
}

/// The diagnostic for a spec built in code that cannot be written as JSON.
#[pyfunction]
fn not_json(message: &str) -> PyDiagnostic {
    PyDiagnostic(lift_core::diag::Diagnostic::error(
        lift_core::diag::Code::WrongType,
        "",
        format!("the spec cannot be written as JSON: {message}"),
    ))
}

/// The JSON Schema of an app spec, as JSON text.
#[pyfunction]
fn schema() -> String {
    serde_json::to_string_pretty(lift_core::spec::schema()).unwrap_or_default()
}

/// The SLOs of OpenSLO documents, as the spec's `slos:` section in YAML;
/// each document read and left out is named in a comment above it.
#[pyfunction]
fn import_openslo(text: &str) -> PyResult<String> {
    lift_core::slo::import_openslo(text).map(|i| i.to_yaml()).map_err(|errors| ArgumentError::new_err(errors.join("\n")))
}

/// The canonical name of a format or one of its aliases (`tf` is `terraform`).
#[pyfunction]
fn format_name(name: &str) -> PyResult<&'static str> {
    named::<Format>(name).map(Format::name)
}

/// What a format's text is: `json`, `yaml` or `text`.
#[pyfunction]
fn format_syntax(name: &str) -> PyResult<&'static str> {
    named::<Format>(name).map(Format::syntax)
}

/// Every diagnostic code Lift can report, such as `E101`.
#[pyfunction]
fn diagnostic_codes() -> Vec<&'static str> {
    lift_core::diag::Code::ALL.iter().map(|c| c.as_str()).collect()
}

/// Every diagnostic code with what it means, in a few words.
#[pyfunction]
fn diagnostic_code_summaries() -> Vec<(&'static str, &'static str)> {
    lift_core::diag::Code::ALL.iter().map(|c| (c.as_str(), c.summary())).collect()
}

/// Output formats `synth` accepts (canonical names).
#[pyfunction]
fn formats() -> Vec<&'static str> {
    Format::canonical()
}

/// The extension module.
#[pymodule]
fn _lift(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyApp>()?;
    m.add_class::<PyDiagnostic>()?;
    m.add_class::<PyTracker>()?;
    m.add_class::<PyEvaluator>()?;
    m.add_class::<PyPercentileSlices>()?;
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_function(wrap_pyfunction!(duration_ms, m)?)?;
    m.add_function(wrap_pyfunction!(parse_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(not_json, m)?)?;
    m.add_function(wrap_pyfunction!(summary, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(formats, m)?)?;
    m.add_function(wrap_pyfunction!(diagnostic_codes, m)?)?;
    m.add_function(wrap_pyfunction!(diagnostic_code_summaries, m)?)?;
    m.add_function(wrap_pyfunction!(format_name, m)?)?;
    m.add_function(wrap_pyfunction!(format_syntax, m)?)?;
    m.add_function(wrap_pyfunction!(import_openslo, m)?)?;
    m.add("SpecError", m.py().get_type::<SpecError>())?;
    m.add("RegionError", m.py().get_type::<RegionError>())?;
    m.add("ArgumentError", m.py().get_type::<ArgumentError>())?;
    plugins::register(m)?;
    rollout::register(m)?;
    notify::register(m)?;
    watch::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
