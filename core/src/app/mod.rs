//! [`App`]: the one entry point. Every operation either binding (Python, the
//! browser) or the CLI offers is a method here, so that the same question
//! gets the same answer wherever it is asked.
//!
//! Which diagnostics block which operation, in one rule: an operation refuses
//! a spec whose errors touch what it reads. Errors in the spec itself (what
//! `validate::spec_rules` finds) block every operation; errors found in a
//! region's resource graph or template (collisions, cycles, limits) block only
//! the operations that read that region's graph: `synth`, `files`, `template`
//! and `graph_svg`. `plan`, `drill` and the SLO operations read the spec alone.
//! `validate` is never blocked; it is how the errors are found.

mod error;
mod formats;
mod operations;

pub use error::{AppError, summary};
pub use formats::{DrillFormat, Format, Named, PlanFormat, ReportFormat, RulesFormat};
pub use operations::{MAX_DRILL, SloCheck, parse_duration};

use crate::diag::{self, Diagnostic};
use crate::graph::{self, Graph};
use crate::iac::{cdk, cloudformation, provider, pulumi, terraform};
use crate::spec::{self, Document, SourceMap, Spec};
use crate::text::tree::{Bump, Tree};
use crate::text::yaml;
use crate::validate;
use serde_json::Value;

/// Every file of one format's output, and the warnings that came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Files {
    /// Paths (relative, `/`-separated) and texts, sorted by path.
    pub files: Vec<(String, String)>,
    /// Warnings (synthesis never succeeds with errors).
    pub warnings: Vec<Diagnostic>,
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

    /// Read a spec from the bytes of a file: [`App::from_text`] once they are
    /// known to be UTF-8, else the place of the first byte that is not.
    pub fn from_bytes(bytes: &[u8]) -> Result<App, Vec<Diagnostic>> {
        match std::str::from_utf8(bytes) {
            Ok(text) => App::from_text(text),
            Err(e) => {
                let at = e.valid_up_to();
                let before = bytes.get(..at).unwrap_or_default();
                let line = before.iter().filter(|b| **b == b'\n').count() + 1;
                let column = at - before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
                let location =
                    diag::Location { line: u32::try_from(line).unwrap_or(u32::MAX), column: u32::try_from(column).unwrap_or(u32::MAX) };
                Err(vec![
                    Diagnostic::error(diag::Code::Syntax, "", format!("the file is not UTF-8 text: byte {at} cannot start a character"))
                        .at(Some(location))
                        .with_hint("save the file as UTF-8"),
                ])
            }
        }
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
    pub fn graph(&self, region: &str) -> Result<Graph, AppError> {
        self.check_region(region)?;
        Ok(graph::build(&self.doc.spec, region).0)
    }

    fn check_region(&self, region: &str) -> Result<(), AppError> {
        let known = self.regions();
        if known.iter().any(|r| r == region) { Ok(()) } else { Err(AppError::UnknownRegion { region: region.to_owned(), known }) }
    }

    /// Every diagnostic for the spec and the templates of every region, sorted by place.
    pub fn validate(&self) -> Vec<Diagnostic> {
        let spec = &self.doc.spec;
        let mut out = validate::spec_rules(spec);
        if !diag::has_errors(&out) {
            for region in spec.all_regions() {
                let g = graph::build(spec, region);
                out.extend(self.render(&g.0, &g.1, |_| None::<()>, |_| None, true).1);
            }
        } else {
            // The graph is built even so (its builder leaves out what does not
            // resolve), so that a dependency cycle is reported beside the
            // spec's own errors, all at once; nothing else of it is judged.
            for region in spec.all_regions() {
                let g = graph::build(spec, region).0;
                if let Some(c) = validate::cycle_diagnostic(&g, Some(&self.doc.source)) {
                    if !out.iter().any(|d| d.message == c.message) {
                        out.push(c);
                    }
                }
            }
        }
        self.finish(out)
    }

    /// Check one region's graph and, when it has no errors, build its
    /// CloudFormation template, check it against the limits and hand it to
    /// `make` (which renders it, or the graph, in some format).
    fn render<T>(
        &self,
        g: &Graph,
        collisions: &[graph::Collision],
        make: impl FnOnce(&Tree<'_>) -> Option<T>,
        size: impl FnOnce(&Option<T>) -> Option<usize>,
        cfn_limits: bool,
    ) -> (Option<T>, Vec<Diagnostic>) {
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
        let made = make(&tree);
        // CloudFormation's limits bind the formats that deploy through it.
        if cfn_limits {
            let size = size(&made).unwrap_or_else(|| tree.json_len());
            out.extend(validate::template_limits(g, &tree, size));
        }
        (made, out)
    }

    fn finish(&self, mut out: Vec<Diagnostic>) -> Vec<Diagnostic> {
        self.doc.source.attach(&mut out);
        diag::sort(&mut out);
        out.dedup();
        out
    }

    /// Check the spec: its errors, or its warnings to carry on with.
    fn spec_diagnostics(&self) -> Result<Vec<Diagnostic>, AppError> {
        let diags = validate::spec_rules(&self.doc.spec);
        if diag::has_errors(&diags) { Err(AppError::Invalid(self.finish(diags))) } else { Ok(diags) }
    }

    fn done<T>(&self, made: Option<T>, diags: Vec<Diagnostic>) -> Result<(T, Vec<Diagnostic>), AppError> {
        let diags = self.finish(diags);
        match made {
            Some(made) if !diag::has_errors(&diags) => Ok((made, diags)),
            _ => Err(AppError::Invalid(diags)),
        }
    }

    /// One region's graph, checked and rendered by `make` from the graph and its CloudFormation tree.
    fn region_with<T>(
        &self,
        region: &str,
        make: impl FnOnce(&Graph, &Tree<'_>) -> T,
        size: impl FnOnce(&Option<T>) -> Option<usize>,
        cfn_limits: bool,
    ) -> Result<(T, Vec<Diagnostic>), AppError> {
        self.check_region(region)?;
        let mut diags = self.spec_diagnostics()?;
        let (g, collisions) = graph::build(&self.doc.spec, region);
        let (made, region_diags) = self.render(&g, &collisions, |t| Some(make(&g, t)), size, cfn_limits);
        diags.extend(region_diags);
        self.done(made, diags)
    }

    /// The template of one region as a JSON value, after validation, with its warnings.
    pub fn template(&self, region: &str) -> Result<(Value, Vec<Diagnostic>), AppError> {
        self.region_with(region, |_, t| t.to_value(), |_| None, true)
    }

    /// Render one region's output. Errors stop it; warnings come back with it.
    /// For the formats that hold every region in one output (Pulumi), that output;
    /// for the CDK app, the region's stack.
    pub fn synth(&self, region: &str, format: Format) -> Result<Synth, AppError> {
        let (text, warnings) = match format {
            Format::Pulumi => {
                self.check_region(region)?;
                let files = self.files(format)?;
                (files.files.into_iter().map(|(_, t)| t).collect(), files.warnings)
            }
            Format::CloudFormationJson | Format::CloudFormationYaml => {
                self.region_with(region, |g, t| render_region(g, t, format), |t| t.as_ref().map(String::len), true)?
            }
            _ => self.region_with(region, |g, t| render_region(g, t, format), |_| None, format == Format::Cdk)?,
        };
        Ok(Synth { region: region.to_owned(), text, warnings })
    }

    /// Every file of `format` for the whole app: a template or module per
    /// region, or the one Pulumi program or CDK app.
    pub fn files(&self, format: Format) -> Result<Files, AppError> {
        self.files_in(format, &self.regions())
    }

    /// Like [`App::files`], for the per-region formats only the files of `regions`;
    /// the Pulumi program and the CDK app always hold every region.
    pub fn files_in(&self, format: Format, regions: &[String]) -> Result<Files, AppError> {
        let name = &self.doc.spec.app;
        if format.per_region() {
            let mut files = Vec::new();
            let mut warnings: Vec<Diagnostic> = Vec::new();
            for region in regions {
                let s = self.synth(region, format)?;
                let path = match format {
                    Format::Terraform => format!("{region}/main.tf"),
                    Format::TerraformJson => format!("{region}/main.tf.json"),
                    _ => format!("{name}-{region}.template.{}", format.extension()),
                };
                files.push((path, s.text));
                warnings.extend(s.warnings);
            }
            files.sort();
            diag::sort(&mut warnings);
            warnings.dedup();
            return Ok(Files { files, warnings });
        }
        let mut diags = self.spec_diagnostics()?;
        let cdk = format == Format::Cdk;
        let graphs: Vec<(Graph, Vec<graph::Collision>)> =
            self.doc.spec.all_regions().into_iter().map(|r| graph::build(&self.doc.spec, r)).collect();
        // Check every region; the CDK app needs each region's stack, written from its template.
        let mut stacks = Vec::with_capacity(graphs.len());
        for (g, collisions) in &graphs {
            let (stack, region_diags) =
                self.render(g, collisions, |t| Some(if cdk { cdk::stack(g, t) } else { String::new() }), |_| None, cdk);
            diags.extend(region_diags);
            stacks.extend(stack.map(|s| (g.region.as_str(), s)));
        }
        let files = (stacks.len() == graphs.len()).then(|| {
            if cdk {
                return cdk::app(name, stacks);
            }
            let arena = Bump::with_capacity(64 * 1024);
            let modules: Vec<provider::Module<'_>> = graphs.iter().map(|(g, _)| provider::module(g, &arena)).collect();
            let description = graphs.first().map_or("", |(g, _)| g.description.as_str());
            vec![("Pulumi.yaml".to_owned(), yaml::tree_to_yaml(&pulumi::program(name, description, &modules, &arena)))]
        });
        let (files, warnings) = self.done(files, diags)?;
        Ok(Files { files, warnings })
    }

    /// Render every region's output, primary first.
    pub fn synth_all(&self, format: Format) -> Result<Vec<Synth>, AppError> {
        self.regions().iter().map(|r| self.synth(r, format)).collect()
    }
}

/// One region's output in a per-region format (the CDK stack for `Cdk`).
fn render_region(g: &Graph, t: &Tree<'_>, format: Format) -> String {
    match format {
        Format::CloudFormationJson => t.to_json(),
        Format::CloudFormationYaml => yaml::tree_to_yaml(t),
        Format::Terraform => terraform::hcl(&provider::module(g, &Bump::with_capacity(64 * 1024))),
        Format::TerraformJson => {
            let arena = Bump::with_capacity(64 * 1024);
            terraform::json(&provider::module(g, &arena), &arena).to_json()
        }
        // One program for every region: `App::files` renders it, never a region alone.
        Format::Pulumi => String::new(),
        Format::Cdk => cdk::stack(g, t),
    }
}
