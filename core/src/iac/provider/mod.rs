//! The graph as the Terraform AWS provider models it: resource types such as
//! `aws_lambda_function`, snake_case arguments, nested blocks. Pulumi's AWS
//! provider is bridged from the same provider, so the Terraform and Pulumi
//! renderers both print this one model, each in its own syntax.
//!
//! Where the provider's resources differ from CloudFormation's, the model says
//! so once, here: a Lambda version is the function's `publish = true` (the
//! provider has no version resource), an EventBridge target is its own
//! resource, a global table is a table with `replica` blocks for the other
//! regions, and names CloudFormation would generate are derived from the app.

use crate::graph::{Attr, Expr, Graph, KeyAttr, Node, Pseudo, Resource, TableShape};
use crate::text::tree::{Bump, Tree};
use std::collections::BTreeMap;

/// One value in the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum V<'a> {
    /// A literal: string, integer, number or boolean.
    Lit(Tree<'a>),
    /// A value from the graph (a reference, a deploy-time value, a join).
    Expr(&'a Expr),
    /// A reference to an attribute of a resource, by logical ID.
    Ref(&'a str, Attr),
    /// A string made of parts (literals and graph values).
    Concat(&'a [V<'a>]),
    /// A list.
    List(&'a [V<'a>]),
    /// An attribute of map or object type: keys are data, written as given.
    Map(&'a [(&'a str, V<'a>)]),
    /// A nested block (repeated blocks are a [`V::List`] of blocks).
    Block(Body<'a>),
    /// A value encoded as a JSON string at apply time (IAM policies, redrive policies).
    Json(&'a V<'a>),
}

/// The arguments of a resource or block, in the order written.
pub type Body<'a> = &'a [(&'a str, V<'a>)];

/// One resource of the provider.
#[derive(Debug, Clone)]
pub struct Res<'a> {
    /// Its name in the program: the graph's logical ID, or the ID and a suffix for a companion.
    pub name: &'a str,
    /// The graph node it renders.
    pub node: &'a str,
    /// Provider type, such as `aws_lambda_function`.
    pub type_name: &'static str,
    /// Arguments.
    pub body: Body<'a>,
    /// Resources (by name) it must come after, that no reference implies.
    pub depends_on: Vec<&'a str>,
    /// Keep the physical resource on destroy.
    pub retain: bool,
}

/// Deploy-time lookups a program needs (data sources or invokes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lookups {
    /// The account ID.
    pub account: bool,
    /// The partition and its DNS suffix.
    pub partition: bool,
    /// The region's availability zones.
    pub zones: bool,
}

/// One region's resources in provider terms.
#[derive(Debug, Clone)]
pub struct Module<'a> {
    /// The graph rendered.
    pub graph: &'a Graph,
    /// Resources in logical-ID order.
    pub resources: Vec<Res<'a>>,
    /// Lookups the values use.
    pub lookups: Lookups,
    /// Function versions folded into their functions: version ID to function ID.
    folded: BTreeMap<&'a str, &'a str>,
}

/// How a reference is written: the resource's provider type and name, the
/// attribute, and text to append (CloudFormation's log group ARN ends in `:*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// Provider type.
    pub type_name: &'static str,
    /// Resource name.
    pub name: &'a str,
    /// The single nested block holding the attribute, if it is not top-level
    /// (Terraform indexes it, `block[0].attr`; Pulumi flattens it, `block.attr`).
    pub block: Option<&'static str>,
    /// Attribute, in Terraform's snake_case.
    pub attr: &'static str,
    /// Appended literally.
    pub suffix: &'static str,
}

impl<'a> Module<'a> {
    /// Where a reference to `attr` of `id` points, if `id` is in the graph.
    pub fn target(&self, id: &str, attr: Attr) -> Option<Target<'a>> {
        if let Some(function) = self.folded.get(id) {
            let attr = if attr == Attr::Version { "version" } else { "qualified_arn" };
            return Some(Target { type_name: "aws_lambda_function", name: function, block: None, attr, suffix: "" });
        }
        let (name, node) = self.graph.nodes.get_key_value(id)?;
        let r: &Resource = &node.resource;
        let block = matches!(attr, Attr::RegionalDomainName | Attr::RegionalHostedZoneId).then_some("domain_name_configuration");
        let (attr, suffix) = match attr {
            Attr::Arn if matches!(r, Resource::LogGroup { .. }) => ("arn", ":*"),
            Attr::Arn => ("arn", ""),
            Attr::StreamArn => ("stream_arn", ""),
            Attr::Version => ("version", ""),
            Attr::Endpoint => ("api_endpoint", ""),
            Attr::AllocationId => ("allocation_id", ""),
            Attr::RegionalDomainName => ("target_domain_name", ""),
            Attr::RegionalHostedZoneId => ("hosted_zone_id", ""),
            Attr::Name => ("name", ""),
            Attr::Id => (id_attr(r), ""),
        };
        Some(Target { type_name: type_name(r), name, block, attr, suffix })
    }
}

/// The attribute CloudFormation's `Ref` returns, in provider terms.
fn id_attr(r: &Resource) -> &'static str {
    match r {
        Resource::LogGroup { .. }
        | Resource::Role { .. }
        | Resource::Table { .. }
        | Resource::GlobalTable { .. }
        | Resource::CodeDeployApplication
        | Resource::EventRule { .. } => "name",
        Resource::Function { .. } => "function_name",
        Resource::Alias { .. } | Resource::Topic { .. } | Resource::Subscription { .. } => "arn",
        Resource::Queue { .. } => "url",
        Resource::Alarm { .. } | Resource::SloAlarm { .. } | Resource::SloCompositeAlarm { .. } => "alarm_name",
        Resource::CodeDeployConfig { .. } => "deployment_config_name",
        Resource::DeploymentGroup { .. } => "deployment_group_name",
        _ => "id",
    }
}

/// The provider's type for a resource.
pub fn type_name(r: &Resource) -> &'static str {
    r.type_names().terraform
}

/// Turns a value into a model value, allocating in the arena only when it must.
pub trait IntoV<'a> {
    /// The value.
    fn into_v(self, a: &'a Bump) -> V<'a>;
}
impl<'a> IntoV<'a> for V<'a> {
    fn into_v(self, _: &'a Bump) -> V<'a> {
        self
    }
}
impl<'a> IntoV<'a> for &'a Expr {
    fn into_v(self, _: &'a Bump) -> V<'a> {
        V::Expr(self)
    }
}
impl<'a, T: crate::text::tree::IntoTree<'a>> IntoV<'a> for Lit<T> {
    fn into_v(self, a: &'a Bump) -> V<'a> {
        V::Lit(self.0.into_tree(a))
    }
}

/// A literal, for [`IntoV`].
pub struct Lit<T>(pub T);

/// `"key" => value` pairs as a body in the arena; literals in `Lit(..)`.
macro_rules! body {
    ($a:expr; $($k:expr => $v:expr),* $(,)?) => {{
        let mut b = BodyBuilder::new($a);
        $(b.push($k, $v);)*
        b
    }};
}

mod bodies;
use bodies::resources;

/// A body built one argument at a time.
struct BodyBuilder<'a> {
    a: &'a Bump,
    entries: bumpalo::collections::Vec<'a, (&'a str, V<'a>)>,
}

impl<'a> BodyBuilder<'a> {
    fn new(a: &'a Bump) -> Self {
        BodyBuilder { a, entries: bumpalo::collections::Vec::new_in(a) }
    }
    fn push(&mut self, key: &'a str, value: impl IntoV<'a>) {
        let v = value.into_v(self.a);
        self.entries.push((key, v));
    }
    fn finish(self) -> Body<'a> {
        self.entries.into_bump_slice()
    }
    fn block(self) -> V<'a> {
        V::Block(self.finish())
    }
}

fn s<'a>(text: &'a str) -> V<'a> {
    V::Lit(Tree::Str(text))
}
fn list<'a>(a: &'a Bump, items: impl IntoIterator<Item = V<'a>>) -> V<'a> {
    V::List(bumpalo::collections::Vec::from_iter_in(items, a).into_bump_slice())
}
fn exprs<'a>(a: &'a Bump, es: &'a [Expr]) -> V<'a> {
    list(a, es.iter().map(V::Expr))
}
fn strs<'a>(a: &'a Bump, items: &'a [String]) -> V<'a> {
    list(a, items.iter().map(|x| s(x)))
}
fn map<'a>(a: &'a Bump, entries: impl IntoIterator<Item = (&'a str, V<'a>)>) -> V<'a> {
    V::Map(bumpalo::collections::Vec::from_iter_in(entries, a).into_bump_slice())
}
fn json_value<'a>(v: &'a serde_json::Value, a: &'a Bump) -> V<'a> {
    match v {
        serde_json::Value::Array(items) => list(a, items.iter().map(|x| json_value(x, a))),
        serde_json::Value::Object(m) => map(a, m.iter().map(|(k, x)| (k.as_str(), json_value(x, a)))),
        other => V::Lit(Tree::from_value(other, a)),
    }
}

/// A physical name for resources the provider requires one for: the app and
/// the logical ID, cut to `max` characters.
fn physical<'a>(g: &Graph, id: &str, max: usize, a: &'a Bump) -> V<'a> {
    let mut name = format!("{}-{id}", g.app);
    name.truncate(max);
    V::Lit(Tree::Str(a.alloc_str(&name)))
}

/// One region's graph in provider terms.
pub fn module<'a>(g: &'a Graph, a: &'a Bump) -> Module<'a> {
    let folded: BTreeMap<&str, &str> = g
        .nodes
        .iter()
        .filter_map(|(id, n)| match &*n.resource {
            Resource::FunctionVersion { function: Expr::Ref(f, _), .. } => Some((id.as_str(), f.as_str())),
            _ => None,
        })
        .collect();
    let mut m = Module { graph: g, resources: Vec::with_capacity(g.nodes.len() + 4), lookups: Lookups::default(), folded };
    for node in g.nodes.values() {
        resources(&mut m, node, a);
    }
    let mut lookups = Lookups::default();
    for r in &m.resources {
        r.body.iter().for_each(|(_, v)| lookups_of(v, &mut lookups));
    }
    g.outputs.iter().for_each(|o| expr_lookups(&o.value, &mut lookups));
    m.lookups = lookups;
    m
}

fn lookups_of(v: &V<'_>, u: &mut Lookups) {
    match v {
        V::Lit(_) | V::Ref(..) => {}
        V::Expr(e) => expr_lookups(e, u),
        V::Concat(items) | V::List(items) => items.iter().for_each(|x| lookups_of(x, u)),
        V::Map(entries) | V::Block(entries) => entries.iter().for_each(|(_, x)| lookups_of(x, u)),
        V::Json(inner) => lookups_of(inner, u),
    }
}

fn expr_lookups(e: &Expr, u: &mut Lookups) {
    match e {
        Expr::Pseudo(Pseudo::AccountId) => u.account = true,
        Expr::Pseudo(Pseudo::Partition | Pseudo::UrlSuffix) => u.partition = true,
        Expr::Zone(_) => u.zones = true,
        Expr::Join(parts) => parts.iter().for_each(|p| expr_lookups(p, u)),
        Expr::ParamOr(_, fallback) => expr_lookups(fallback, u),
        Expr::Pseudo(Pseudo::Region) | Expr::Str(_) | Expr::Ref(..) | Expr::Param(_) => {}
    }
}
