//! Lift in the browser: a thin wasm-bindgen layer over `lift-core`. Specs go
//! in as text; results come out as plain JavaScript objects whose TypeScript
//! declarations are generated from these types (tsify); a spec that cannot be
//! used throws an `Error` whose `diagnostics` property lists every problem.
//! Nothing here decides anything the Python package would also need: that
//! lives in the core.

use lift_core::{App, Diagnostic, Format, Severity, SynthError};
use serde::Serialize;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

/// One generated file: its path (as `lift synth --output` writes it) and text.
#[derive(Serialize, Tsify)]
pub struct File {
    /// Path relative to the output directory.
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// What `synth` makes: every file of the format, and the warnings.
#[derive(Serialize, Tsify)]
pub struct Synthesized {
    /// The files, in the order `lift synth` writes them.
    pub files: Vec<File>,
    /// Warnings about the templates (errors throw instead).
    pub warnings: Vec<Diagnostic>,
}

/// The rollout plan, as the CLI prints it and as a picture.
#[derive(Serialize, Tsify)]
pub struct Planned {
    /// The timeline as text, as `lift plan` prints it.
    pub text: String,
    /// The timeline as a standalone SVG document.
    pub svg: String,
}

/// Every diagnostic of a spec, and what it is.
#[derive(Serialize, Tsify)]
pub struct Checked {
    /// The app's name, when the spec parses.
    pub app: Option<String>,
    /// Its regions, primary first.
    pub regions: Vec<String>,
    /// Every error and warning, with line and column where they map to one.
    pub diagnostics: Vec<Diagnostic>,
}

/// A JavaScript `Error` with the diagnostics attached as `error.diagnostics`.
fn invalid(message: &str, diagnostics: &[Diagnostic]) -> JsValue {
    let error = js_sys::Error::new(message);
    let list = serde_wasm_bindgen::to_value(diagnostics).unwrap_or(JsValue::NULL);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("diagnostics"), &list);
    error.into()
}

fn load(spec: &str) -> Result<App, JsValue> {
    App::from_text(spec).map_err(|d| invalid(&summary(&d), &d))
}

fn summary(d: &[Diagnostic]) -> String {
    let errors = d.iter().filter(|d| d.severity == Severity::Error).count();
    match d.iter().find(|d| d.severity == Severity::Error) {
        Some(first) => format!("the spec has {errors} error(s); the first: {}", first.message),
        None => "the spec cannot be used".into(),
    }
}

fn usable(app: &App) -> Result<(), JsValue> {
    let d = app.validate();
    if d.iter().any(Diagnostic::is_error) { Err(invalid(&summary(&d), &d)) } else { Ok(()) }
}

/// A result as a plain JavaScript object, typed by its generated declaration.
fn js<T: Tsify + Serialize>(value: T) -> Result<Ts<T>, JsValue> {
    value.into_ts().map_err(|e| js_sys::Error::new(&e.to_string()).into())
}

fn core_error(e: SynthError) -> JsValue {
    match e {
        SynthError::Invalid(d) => invalid(&summary(&d), &d),
        other => js_sys::Error::new(&other.to_string()).into(),
    }
}

/// Check a spec (YAML or JSON text): every diagnostic, at once. Never throws.
#[wasm_bindgen]
pub fn validate(spec: &str) -> Result<Ts<Checked>, JsValue> {
    js(match App::from_text(spec) {
        Ok(app) => Checked { app: Some(app.spec().app.clone()), regions: app.regions(), diagnostics: app.validate() },
        Err(diagnostics) => Checked { app: None, regions: Vec::new(), diagnostics },
    })
}

/// Generate `format` (`cloudformation`, `cloudformation-yaml`, `terraform`,
/// `terraform-json`, `pulumi`, `cdk`) for every region: the same files, byte
/// for byte, as `lift synth --format FORMAT --output DIR`.
#[wasm_bindgen]
pub fn synth(spec: &str, format: &str) -> Result<Ts<Synthesized>, JsValue> {
    let format: Format = format.parse().map_err(|e: lift_core::app::UnknownFormat| JsValue::from(js_sys::Error::new(&e.to_string())))?;
    let app = load(spec)?;
    let f = app.files(format).map_err(core_error)?;
    js(Synthesized { files: f.files.into_iter().map(|(path, text)| File { path, text }).collect(), warnings: f.warnings })
}

/// The rollout plan: text and SVG.
#[wasm_bindgen]
pub fn plan(spec: &str) -> Result<Ts<Planned>, JsValue> {
    let app = load(spec)?;
    usable(&app)?;
    let plan = app.plan().map_err(core_error)?;
    js(Planned { text: plan.to_text(), svg: plan.to_svg() })
}

/// One region's resource graph as an SVG document.
#[wasm_bindgen]
pub fn graph(spec: &str, region: &str) -> Result<String, JsValue> {
    let app = load(spec)?;
    usable(&app)?;
    Ok(app.graph(region).map_err(core_error)?.to_svg())
}

/// The JSON Schema of app specs, as text.
#[wasm_bindgen]
pub fn schema() -> String {
    serde_json::to_string_pretty(lift_core::spec::schema()).unwrap_or_default()
}

/// The formats `synth` takes.
#[wasm_bindgen]
pub fn formats() -> Vec<String> {
    Format::ALL.iter().map(|f| f.name().to_string()).collect()
}

/// Lift's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").into()
}
