//! The names of every output an [`super::App`] makes, with the aliases each
//! accepts: one table per kind, read by both bindings and the CLI.

use super::AppError;
use std::fmt;

/// A kind of output chosen by name: its table of names (canonical first, then aliases).
pub trait Named: Copy + PartialEq + 'static {
    /// What the name chooses, for messages: `format`, `plan format`.
    const WHAT: &'static str;
    /// Every accepted name and what it means; each value's first name is its canonical one.
    const NAMES: &'static [(&'static str, Self)];

    /// The value a name (or alias) stands for.
    fn parse(name: &str) -> Result<Self, AppError> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).ok_or_else(|| AppError::unknown(Self::WHAT, name, Self::canonical()))
    }

    /// The canonical name of this value.
    fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(_, v)| *v == self).map_or("", |(n, _)| n)
    }

    /// Every value's canonical name, in table order.
    fn canonical() -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for (i, (name, v)) in Self::NAMES.iter().enumerate() {
            if !Self::NAMES.iter().take(i).any(|(_, w)| w == v) {
                out.push(name);
            }
        }
        out
    }
}

/// An output format for `synth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// CloudFormation as JSON, a template per region.
    CloudFormationJson,
    /// CloudFormation as YAML, long-form intrinsics.
    CloudFormationYaml,
    /// Terraform HCL, a root module per region.
    Terraform,
    /// Terraform JSON (`.tf.json`), a root module per region.
    TerraformJson,
    /// One Pulumi YAML program for every region.
    Pulumi,
    /// One AWS CDK TypeScript app with a stack per region.
    Cdk,
}

impl Named for Format {
    const WHAT: &'static str = "format";
    const NAMES: &'static [(&'static str, Format)] = &[
        ("cloudformation", Format::CloudFormationJson),
        ("cloudformation-yaml", Format::CloudFormationYaml),
        ("terraform", Format::Terraform),
        ("terraform-json", Format::TerraformJson),
        ("pulumi", Format::Pulumi),
        ("cdk", Format::Cdk),
        ("cloudformation-json", Format::CloudFormationJson),
        ("cfn", Format::CloudFormationJson),
        ("cfn-json", Format::CloudFormationJson),
        ("cfn-yaml", Format::CloudFormationYaml),
        ("terraform-hcl", Format::Terraform),
        ("tf", Format::Terraform),
        ("hcl", Format::Terraform),
        ("tf-json", Format::TerraformJson),
        ("pulumi-yaml", Format::Pulumi),
        ("cdk-typescript", Format::Cdk),
    ];
}

impl Format {
    /// Every format, for help texts.
    pub const ALL: [Format; 6] =
        [Format::CloudFormationJson, Format::CloudFormationYaml, Format::Terraform, Format::TerraformJson, Format::Pulumi, Format::Cdk];

    /// File extension of a region's output.
    pub fn extension(self) -> &'static str {
        match self {
            Format::CloudFormationJson => "json",
            Format::CloudFormationYaml | Format::Pulumi => "yaml",
            Format::Terraform => "tf",
            Format::TerraformJson => "tf.json",
            Format::Cdk => "ts",
        }
    }

    /// Whether each region has output of its own (else one output holds every region).
    pub fn per_region(self) -> bool {
        !matches!(self, Format::Pulumi | Format::Cdk)
    }

    /// What the text is: `json` (a JSON document), `yaml`, or `text` (HCL, TypeScript).
    pub fn syntax(self) -> &'static str {
        match self {
            Format::CloudFormationJson | Format::TerraformJson => "json",
            Format::CloudFormationYaml | Format::Pulumi => "yaml",
            Format::Terraform | Format::Cdk => "text",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::parse(s)
    }
}

/// How the rollout plan is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFormat {
    /// The timeline as `lift plan` prints it.
    Text,
    /// Every field, as JSON.
    Json,
    /// A standalone SVG picture.
    Svg,
}

impl Named for PlanFormat {
    const WHAT: &'static str = "plan format";
    const NAMES: &'static [(&'static str, PlanFormat)] =
        &[("text", PlanFormat::Text), ("json", PlanFormat::Json), ("svg", PlanFormat::Svg)];
}

/// How a drill's timeline and ledger are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillFormat {
    /// The timeline and the ledger as text.
    Text,
    /// Every field, as JSON.
    Json,
}

impl Named for DrillFormat {
    const WHAT: &'static str = "drill format";
    const NAMES: &'static [(&'static str, DrillFormat)] = &[("text", DrillFormat::Text), ("json", DrillFormat::Json)];
}

/// Where SLO rules go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesFormat {
    /// Prometheus recording and alerting rules, with their promtool unit tests.
    Prometheus,
    /// OpenSLO v1 documents.
    OpenSlo,
}

impl Named for RulesFormat {
    const WHAT: &'static str = "SLO rules format";
    const NAMES: &'static [(&'static str, RulesFormat)] = &[("prometheus", RulesFormat::Prometheus), ("openslo", RulesFormat::OpenSlo)];
}

/// How an SLA report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Markdown tables.
    Markdown,
    /// Every field, as JSON.
    Json,
    /// A standalone HTML page with burn-down charts.
    Html,
}

impl Named for ReportFormat {
    const WHAT: &'static str = "report format";
    const NAMES: &'static [(&'static str, ReportFormat)] =
        &[("markdown", ReportFormat::Markdown), ("json", ReportFormat::Json), ("html", ReportFormat::Html), ("md", ReportFormat::Markdown)];
}

/// A drill's scenario, by the name `lift drill --scenario` takes.
impl Named for crate::recovery::Scenario {
    const WHAT: &'static str = "drill scenario";
    const NAMES: &'static [(&'static str, crate::recovery::Scenario)] = &[
        ("region-outage", crate::recovery::Scenario::RegionOutage),
        ("partial", crate::recovery::Scenario::Partial),
        ("flapping", crate::recovery::Scenario::Flapping),
        ("replication-lag", crate::recovery::Scenario::ReplicationLag),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve_and_unknown_names_list_the_canonical_ones() {
        assert_eq!(Format::parse("tf").ok(), Some(Format::Terraform));
        assert_eq!(Format::parse("cfn-yaml").map(Format::name).ok(), Some("cloudformation-yaml"));
        assert_eq!(Format::canonical(), Format::ALL.map(Format::name).to_vec());
        let e = Format::parse("toml").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("unknown format `toml`; use `cloudformation`, `cloudformation-yaml`, `terraform`, `terraform-json`, `pulumi` or `cdk`")
        );
        assert_eq!(ReportFormat::canonical(), ["markdown", "json", "html"]);
    }
}
