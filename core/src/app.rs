//! [`App`]: the entry point that ties reading, validating and rendering together.

use crate::diag::{self, Diagnostic};
use crate::graph::{self, Graph};
use crate::iac::tree::{Bump, Tree};
use crate::iac::{cloudformation, yaml};
use crate::spec::{self, Document, SourceMap, Spec};
use crate::validate;
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// An output format for `synth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// CloudFormation as JSON.
    CloudFormationJson,
    /// CloudFormation as YAML, long-form intrinsics.
    CloudFormationYaml,
}

impl Format {
    /// Every format, for help texts.
    pub const ALL: [Format; 2] = [Format::CloudFormationJson, Format::CloudFormationYaml];

    /// The file extension of one template.
    pub fn extension(self) -> &'static str {
        match self {
            Format::CloudFormationJson => "json",
            Format::CloudFormationYaml => "yaml",
        }
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Format::CloudFormationJson => "cloudformation",
            Format::CloudFormationYaml => "cloudformation-yaml",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`; use `cloudformation` (JSON) or `cloudformation-yaml`")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "cloudformation" | "cloudformation-json" | "cfn" | "cfn-json" => Ok(Format::CloudFormationJson),
            "cloudformation-yaml" | "cfn-yaml" => Ok(Format::CloudFormationYaml),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}

/// Why synthesis did not produce a template.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SynthError {
    /// The spec has errors; all of them are here, warnings too.
    #[error("the spec has {} error(s)", .0.iter().filter(|d| d.is_error()).count())]
    Invalid(Vec<Diagnostic>),
    /// The region asked for is not one of the app's.
    #[error("`{region}` is not a region of this app; its regions are {}", .known.join(", "))]
    UnknownRegion {
        /// The region asked for.
        region: String,
        /// The app's regions.
        known: Vec<String>,
    },
}

/// A rendered template and the warnings that came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Synth {
    /// The region.
    pub region: String,
    /// The template text.
    pub text: String,
    /// Warnings (synthesis never succeeds with errors).
    pub warnings: Vec<Diagnostic>,
}

/// A loaded app spec.
#[derive(Debug, Clone)]
pub struct App {
    doc: Document,
}

impl App {
    /// Read a spec from YAML or JSON text. Fails with every problem found, each located.
    pub fn from_text(text: &str) -> Result<App, Vec<Diagnostic>> {
        spec::load(text).map(|doc| App { doc })
    }

    /// Wrap a spec built in code (no source locations).
    pub fn from_spec(spec: Spec) -> App {
        App { doc: Document { spec, source: SourceMap::default() } }
    }

    /// The spec, with every default filled in.
    pub fn spec(&self) -> &Spec {
        &self.doc.spec
    }

    /// The spec with defaults, as JSON: what Lift will build.
    pub fn resolved(&self) -> Value {
        serde_json::to_value(&self.doc.spec).unwrap_or(Value::Null)
    }

    /// The app's regions, primary first.
    pub fn regions(&self) -> Vec<String> {
        self.doc.spec.all_regions().into_iter().map(str::to_owned).collect()
    }

    /// The resource graph of one region (no validation).
    pub fn graph(&self, region: &str) -> Result<Graph, SynthError> {
        self.check_region(region)?;
        Ok(graph::build(&self.doc.spec, region).0)
    }

    fn check_region(&self, region: &str) -> Result<(), SynthError> {
        let known = self.regions();
        if known.iter().any(|r| r == region) { Ok(()) } else { Err(SynthError::UnknownRegion { region: region.to_owned(), known }) }
    }

    /// Every diagnostic for the spec and the templates of every region, sorted by place.
    pub fn validate(&self) -> Vec<Diagnostic> {
        let spec = &self.doc.spec;
        let mut out = validate::spec_rules(spec);
        if !diag::has_errors(&out) {
            for region in spec.all_regions() {
                let g = graph::build(spec, region);
                out.extend(self.render(&g.0, &g.1, None, |_| ()).1);
            }
        }
        self.finish(out)
    }

    /// Check one region's graph and, when it has no errors, render it in
    /// `format` (or only measure it as JSON, for `None`) and check the
    /// template against the limits. `keep` sees the template tree before it is dropped.
    fn render(
        &self,
        g: &Graph,
        collisions: &[graph::Collision],
        format: Option<Format>,
        keep: impl FnOnce(&Tree<'_>),
    ) -> (Option<String>, Vec<Diagnostic>) {
        let mut out = validate::collision_diagnostics(collisions);
        if let Some(c) = validate::cycle_diagnostic(g, Some(&self.doc.source)) {
            out.push(c);
        }
        out.extend(validate::graph_lints(g));
        if diag::has_errors(&out) {
            return (None, out);
        }
        let arena = Bump::with_capacity(64 * 1024);
        let tree = cloudformation::template(g, &arena);
        let text = format.map(|f| match f {
            Format::CloudFormationJson => tree.to_json(),
            Format::CloudFormationYaml => yaml::tree_to_yaml(&tree),
        });
        let size = text.as_ref().map_or_else(|| tree.json_len(), String::len);
        out.extend(validate::template_limits(g, &tree, size));
        keep(&tree);
        (text, out)
    }

    fn finish(&self, mut out: Vec<Diagnostic>) -> Vec<Diagnostic> {
        self.doc.source.attach(&mut out);
        diag::sort(&mut out);
        out.dedup();
        out
    }

    fn synth_with(&self, region: &str, format: Format, keep: impl FnOnce(&Tree<'_>)) -> Result<Synth, SynthError> {
        self.check_region(region)?;
        let mut diags = validate::spec_rules(&self.doc.spec);
        if diag::has_errors(&diags) {
            return Err(SynthError::Invalid(self.finish(diags)));
        }
        let (g, collisions) = graph::build(&self.doc.spec, region);
        let (text, region_diags) = self.render(&g, &collisions, Some(format), keep);
        diags.extend(region_diags);
        let diags = self.finish(diags);
        match text {
            Some(text) if !diag::has_errors(&diags) => Ok(Synth { region: region.to_owned(), text, warnings: diags }),
            _ => Err(SynthError::Invalid(diags)),
        }
    }

    /// The template of one region as a JSON value, after validation, with its warnings.
    pub fn template(&self, region: &str) -> Result<(Value, Vec<Diagnostic>), SynthError> {
        let mut value = Value::Null;
        let synth = self.synth_with(region, Format::CloudFormationJson, |t| value = t.to_value())?;
        Ok((value, synth.warnings))
    }

    /// Render one region's template. Errors stop it; warnings come back with it.
    pub fn synth(&self, region: &str, format: Format) -> Result<Synth, SynthError> {
        self.synth_with(region, format, |_| ())
    }

    /// The rollout plan: every step of every wave with its timing and what is at stake.
    pub fn plan(&self) -> Result<crate::rollout::Plan, SynthError> {
        let diags = validate::spec_rules(&self.doc.spec);
        if diag::has_errors(&diags) {
            return Err(SynthError::Invalid(self.finish(diags)));
        }
        crate::rollout::plan(&self.doc.spec)
            .map_err(|e| SynthError::Invalid(self.finish(vec![Diagnostic::error(diag::Code::BadValue, e.pointer, e.message)])))
    }

    /// Render every region's template, primary first.
    pub fn synth_all(&self, format: Format) -> Result<Vec<Synth>, SynthError> {
        self.regions().iter().map(|r| self.synth(r, format)).collect()
    }
}
