//! The app spec: its types, its JSON Schema, and reading it from YAML or JSON
//! with every problem reported at once.

pub mod check;
pub mod refs;
pub mod source;
pub mod strategy;
pub mod types;
pub mod units;

pub use source::SourceMap;
pub use strategy::{StrategyKind, StrategyName};
pub use types::*;

use crate::diag::{Code, Diagnostic};
use schemars::generate::SchemaSettings;
use serde_json::Value;
use std::sync::OnceLock;

/// The JSON Schema (draft 2020-12) of an app spec, derived from [`Spec`].
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let generated = SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<Spec>().to_value();
        // Identity first, then the generated body, so the file reads top-down.
        let mut out = serde_json::Map::new();
        out.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
        out.insert("$id".into(), "https://lift.dev/schema/app-spec.json".into());
        out.insert("title".into(), "Lift app spec".into());
        if let Value::Object(body) = generated {
            out.extend(body.into_iter().filter(|(k, _)| k != "$schema" && k != "title"));
        }
        Value::Object(out)
    })
}

/// A spec read from text, with where each of its parts came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The typed spec, defaults applied.
    pub spec: Spec,
    /// Pointer to line and column in the text.
    pub source: SourceMap,
}

/// Read a spec from YAML or JSON text. On failure, every problem found, with locations.
pub fn load(text: &str) -> Result<Document, Vec<Diagnostic>> {
    let parsed = source::parse(text);
    let mut diags = parsed.diagnostics;
    if diags.is_empty() {
        if parsed.value.is_null() {
            diags.push(
                Diagnostic::error(Code::MissingField, "", "the spec is empty")
                    .with_hint("start with `app: NAME` and `regions: { primary: us-east-1 }`"),
            );
        } else {
            diags.extend(check::check(&parsed.value, schema()));
        }
    }
    if !diags.is_empty() {
        parsed.map.attach(&mut diags);
        crate::diag::sort(&mut diags);
        return Err(diags);
    }
    match serde_json::from_value::<Spec>(parsed.value) {
        Ok(spec) => Ok(Document { spec, source: parsed.map }),
        // The schema check passed, so this is a value the schema cannot express (rare).
        Err(e) => Err(vec![Diagnostic::error(Code::BadValue, "", e.to_string()).at(parsed.map.locate(""))]),
    }
}
