//! Lift in the browser: a thin wasm-bindgen layer over the core's `App`.
//! Specs go in as text; results come out as plain JavaScript objects whose
//! TypeScript declarations are generated from these types (tsify). Every
//! error goes through one adapter ([`into_error`]): an `Error` whose
//! `diagnostics` property lists every problem when the spec is at fault.
//! Nothing here decides anything: that lives in the core, so the page and
//! the Python package answer alike.

use lift_core::app::{DrillFormat, PlanFormat, RulesFormat};
use lift_core::{App, AppError, Diagnostic, Format, Named};
use serde::Serialize;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

/// One generated file: its path (as `lift synth --out-dir` writes it) and text.
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

/// SLO rules as files.
#[derive(Serialize, Tsify)]
pub struct RuleFiles {
    /// The files, by the names `lift slo rules --out-dir DIR` writes.
    pub files: Vec<File>,
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

/// The one error adapter: a JavaScript `Error` with the core's message, and
/// the diagnostics attached as `error.diagnostics` when the spec is at fault.
fn into_error(e: AppError) -> JsValue {
    let error = js_sys::Error::new(&e.to_string());
    if let AppError::Invalid(d) = &e {
        let list = serde_wasm_bindgen::to_value(d).unwrap_or(JsValue::NULL);
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str("diagnostics"), &list);
    }
    error.into()
}

fn load(spec: &str) -> Result<App, JsValue> {
    App::from_text(spec).map_err(|d| into_error(AppError::Invalid(d)))
}

fn named<T: Named>(name: &str) -> Result<T, JsValue> {
    T::parse(name).map_err(into_error)
}

/// A result as a plain JavaScript object, typed by its generated declaration.
fn js<T: Tsify + Serialize>(value: T) -> Result<Ts<T>, JsValue> {
    value.into_ts().map_err(|e| js_sys::Error::new(&e.to_string()).into())
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
/// `terraform-json`, `pulumi`, `cdk`, or an alias such as `tf`) for every
/// region: the same files, byte for byte, as `lift synth --format FORMAT --out-dir DIR`.
#[wasm_bindgen]
pub fn synth(spec: &str, format: &str) -> Result<Ts<Synthesized>, JsValue> {
    // The spec is read first, then the arguments, as in every binding.
    let app = load(spec)?;
    let f = app.files(named::<Format>(format)?).map_err(into_error)?;
    js(Synthesized { files: f.files.into_iter().map(|(path, text)| File { path, text }).collect(), warnings: f.warnings })
}

/// The rollout plan: text and SVG.
#[wasm_bindgen]
pub fn plan(spec: &str) -> Result<Ts<Planned>, JsValue> {
    let app = load(spec)?;
    let text = app.plan_as(PlanFormat::Text).map_err(into_error)?;
    let svg = app.plan_as(PlanFormat::Svg).map_err(into_error)?;
    js(Planned { text, svg })
}

/// The rollout plan as JSON text, as `lift plan --format json` prints it.
#[wasm_bindgen(js_name = planJson)]
pub fn plan_json(spec: &str) -> Result<String, JsValue> {
    load(spec)?.plan_as(PlanFormat::Json).map_err(into_error)
}

/// One region's resource graph as an SVG document.
#[wasm_bindgen]
pub fn graph(spec: &str, region: &str) -> Result<String, JsValue> {
    load(spec)?.graph_svg(region).map_err(into_error)
}

/// A disaster-recovery drill in the simulator (`region-outage`, `partial`,
/// `flapping`, `replication-lag`) for `duration` (such as `1h`), as `text` or `json`.
#[wasm_bindgen]
pub fn drill(spec: &str, scenario: &str, duration: &str, format: &str) -> Result<String, JsValue> {
    let app = load(spec)?;
    app.drill_as(scenario, duration, named::<DrillFormat>(format)?).map_err(into_error)
}

/// SLO rules in `format` (`prometheus`, `openslo`) as files.
#[wasm_bindgen(js_name = sloRules)]
pub fn slo_rules(spec: &str, format: &str, rules_file: &str) -> Result<Ts<RuleFiles>, JsValue> {
    let app = load(spec)?;
    let files = app.slo_rules(named::<RulesFormat>(format)?, rules_file).map_err(into_error)?;
    js(RuleFiles { files: files.into_iter().map(|(path, text)| File { path, text }).collect() })
}

/// The spec with every default filled in, as JSON text.
#[wasm_bindgen]
pub fn resolve(spec: &str) -> Result<String, JsValue> {
    Ok(load(spec)?.resolved().to_string())
}

/// The JSON Schema of app specs, as text.
#[wasm_bindgen]
pub fn schema() -> String {
    serde_json::to_string_pretty(lift_core::spec::schema()).unwrap_or_default()
}

/// The formats `synth` takes (canonical names; aliases are accepted too).
#[wasm_bindgen]
pub fn formats() -> Vec<String> {
    Format::canonical().into_iter().map(str::to_owned).collect()
}

/// Lift's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").into()
}
