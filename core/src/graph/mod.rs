//! The provider-neutral resource graph.
//!
//! One graph per region is built from the spec ([`build()`]); every IaC renderer
//! translates it and never invents resources. Edges are not stored separately:
//! they are the references ([`Expr::Ref`]) inside each resource, plus the few
//! explicit orderings no reference implies, so they can never disagree with
//! what is rendered.

pub mod build;
pub mod resource;
mod svg;

pub use build::{Collision, build};
pub use resource::*;

use serde::Serialize;
use std::collections::BTreeMap;

/// A resource's logical ID: alphanumeric, derived from spec names, stable.
pub type Id = String;

/// An attribute of a resource that another one can refer to. Renderers map it
/// to their own form (CloudFormation `Ref` or `Fn::GetAtt`, a Terraform attribute, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attr {
    /// The resource's primary identifier (name, ID or URL, by type).
    Id,
    /// Its ARN.
    Arn,
    /// Its name, where that differs from its ID.
    Name,
    /// Its stream ARN (tables).
    StreamArn,
    /// Its version number (function versions).
    Version,
    /// Its endpoint URL (HTTP APIs).
    Endpoint,
    /// Its allocation ID (elastic IPs).
    AllocationId,
    /// The regional domain name API Gateway gives a custom domain (the alias target).
    RegionalDomainName,
    /// The hosted zone of that regional domain name.
    RegionalHostedZoneId,
}

/// Values known only at deploy time, the same in every IaC tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pseudo {
    /// The region deployed to.
    Region,
    /// The account deployed to.
    AccountId,
    /// `aws`, `aws-cn` or `aws-us-gov`.
    Partition,
    /// `amazonaws.com` and the like.
    UrlSuffix,
}

/// A property value: text, a reference, a deploy-time value, or a concatenation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// Literal text.
    Str(String),
    /// An attribute of another resource in the same graph.
    Ref(Id, Attr),
    /// A template parameter, by name.
    Param(String),
    /// A deploy-time value.
    Pseudo(Pseudo),
    /// The `n`-th availability zone of the region.
    Zone(u8),
    /// The parts joined without a separator.
    Join(Vec<Expr>),
    /// The parameter's value when one is passed (not empty), else `fallback`:
    /// how a rollout keeps an alias where it is while a stack update publishes
    /// a new version.
    ParamOr(String, Box<Expr>),
}

impl Expr {
    /// Literal text.
    pub fn s(text: impl Into<String>) -> Expr {
        Expr::Str(text.into())
    }
    /// A reference to `attr` of `id`.
    pub fn r(id: &str, attr: Attr) -> Expr {
        Expr::Ref(id.to_owned(), attr)
    }
    /// Every resource this value refers to.
    pub fn refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Ref(id, _) => out.push(id),
            Expr::Join(parts) => parts.iter().for_each(|p| p.refs(out)),
            Expr::ParamOr(_, fallback) => fallback.refs(out),
            Expr::Str(_) | Expr::Param(_) | Expr::Pseudo(_) | Expr::Zone(_) => {}
        }
    }
    /// An ARN in this partition and account: `arn:PARTITION:SERVICE:REGION:ACCOUNT:REST`.
    pub fn arn(service: &str, region: Expr, rest: Vec<Expr>) -> Expr {
        let mut parts = vec![
            Expr::s("arn:"),
            Expr::Pseudo(Pseudo::Partition),
            Expr::s(format!(":{service}:")),
            region,
            Expr::s(":"),
            Expr::Pseudo(Pseudo::AccountId),
            Expr::s(":"),
        ];
        parts.extend(rest);
        Expr::Join(parts).simplify()
    }
    /// `text` with each `{region}` standing for the region of the template.
    pub fn in_region(text: &str) -> Expr {
        let mut parts = vec![];
        for (i, piece) in text.split("{region}").enumerate() {
            if i > 0 {
                parts.push(Expr::Pseudo(Pseudo::Region));
            }
            parts.push(Expr::s(piece));
        }
        Expr::Join(parts).simplify()
    }
    /// Merge adjacent literals and unwrap one-part joins.
    #[must_use]
    pub fn simplify(self) -> Expr {
        let Expr::Join(parts) = self else { return self };
        let mut out: Vec<Expr> = Vec::with_capacity(parts.len());
        for p in parts.into_iter().map(Expr::simplify).flat_map(|p| match p {
            Expr::Join(inner) => inner,
            other => vec![other],
        }) {
            match (out.last_mut(), p) {
                (Some(Expr::Str(a)), Expr::Str(b)) => a.push_str(&b),
                (_, Expr::Str(b)) if b.is_empty() => {}
                (_, p) => out.push(p),
            }
        }
        match out.len() {
            0 => Expr::s(""),
            1 => out.pop().unwrap_or_else(|| Expr::s("")),
            _ => Expr::Join(out),
        }
    }
}

/// One resource in the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// Logical ID.
    pub id: Id,
    /// JSON pointer of the spec part this resource comes from.
    pub origin: String,
    /// What it is.
    pub resource: Box<Resource>,
    /// Orderings that no reference implies (kept minimal).
    pub depends_on: Vec<Id>,
    /// Keep the physical resource when it is deleted or replaced.
    pub retain: bool,
    /// Whether the resource takes the app's tags.
    pub tagged: bool,
    /// Security scanners' checks this resource deliberately does not meet, each with why.
    pub skips: Vec<Skip>,
}

/// A scanner's check a resource is written not to meet, and the reason,
/// written into the template where the scanner reads it (checkov's
/// `Metadata.checkov.skip`, `#checkov:skip=` in HCL, a `//` comment in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    /// The check's ID, such as `CKV_AWS_115`.
    pub check: &'static str,
    /// Why, and what in the spec changes it.
    pub reason: String,
    /// Only CloudFormation's scan needs it (the Terraform check reads the same setting right).
    pub cloudformation_only: bool,
}

impl Node {
    /// Every resource this one needs first: references and explicit orderings.
    pub fn dependencies(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.resource.refs(&mut out);
        out.extend(self.depends_on.iter().map(String::as_str));
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Whether a region is the primary or a standby.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionRole {
    /// Serves traffic and owns global resources.
    Primary,
    /// Ready to take over.
    Standby,
}

/// A template parameter the deployer fills in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Parameter {
    /// Name.
    pub name: String,
    /// What to pass.
    pub description: String,
    /// The value used when none is passed.
    pub default: Option<String>,
}

impl Parameter {
    /// A parameter that may be passed empty (its default is empty): it means "not set".
    pub fn optional(&self) -> bool {
        self.default.as_deref() == Some("")
    }
}

/// A stack output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Output {
    /// Name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Its value.
    pub value: Expr,
}

/// The resources of one region, ordered by logical ID.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Graph {
    /// App name.
    pub app: String,
    /// A description for the template.
    pub description: String,
    /// The region.
    pub region: String,
    /// Primary or standby.
    pub role: RegionRole,
    /// Parameters, by name.
    pub parameters: Vec<Parameter>,
    /// Resources, by logical ID.
    pub nodes: BTreeMap<Id, Node>,
    /// Outputs, by name.
    pub outputs: Vec<Output>,
    /// Tags for every taggable resource, by key.
    pub tags: BTreeMap<String, String>,
}

/// A dependency cycle: logical IDs in order, the first repeated at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle(pub Vec<Id>);

/// The graph as integers: logical IDs in order and, for each, the indices of
/// the resources it depends on (sorted, without duplicates or unknown IDs),
/// all in one edge list (compressed rows: two allocations for any graph).
struct Adjacency<'a> {
    ids: Vec<&'a str>,
    edges: Vec<usize>,
    /// `edges[starts[i]..starts[i + 1]]` are the dependencies of node `i`.
    starts: Vec<usize>,
}

impl Adjacency<'_> {
    fn deps(&self, i: usize) -> &[usize] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&from), Some(&to)) => self.edges.get(from..to).unwrap_or_default(),
            _ => &[],
        }
    }
}

impl Graph {
    fn adjacency(&self) -> Adjacency<'_> {
        // `nodes` is ordered, so `ids` is sorted: look IDs up by binary search.
        let ids: Vec<&str> = self.nodes.keys().map(String::as_str).collect();
        let mut edges = Vec::with_capacity(ids.len() * 3);
        let mut starts = Vec::with_capacity(ids.len() + 1);
        let mut refs = Vec::new();
        for node in self.nodes.values() {
            let start = edges.len();
            starts.push(start);
            refs.clear();
            node.resource.refs(&mut refs);
            edges.extend(refs.iter().copied().chain(node.depends_on.iter().map(String::as_str)).filter_map(|r| ids.binary_search(&r).ok()));
            if let Some(mine) = edges.get_mut(start..) {
                mine.sort_unstable();
            }
            let mut w = start;
            for r in start..edges.len() {
                if r == start || edges.get(r) != edges.get(w - 1) {
                    edges.swap(w, r);
                    w += 1;
                }
            }
            edges.truncate(w);
        }
        starts.push(edges.len());
        Adjacency { ids, edges, starts }
    }

    /// Resources in an order where each comes after everything it depends on,
    /// ties broken by logical ID; or the first cycle found.
    pub fn topological_order(&self) -> Result<Vec<&str>, Cycle> {
        let adj = self.adjacency();
        let n = adj.ids.len();
        let mut indegree = vec![0usize; n];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for i in 0..n {
            for &d in adj.deps(i).iter().filter(|&&d| d != i) {
                if let (Some(c), Some(list)) = (indegree.get_mut(i), dependents.get_mut(d)) {
                    *c += 1;
                    list.push(i);
                }
            }
        }
        // Kahn's algorithm with a min-heap of indices: ties go to the smallest logical ID.
        let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> =
            (0..n).filter(|&i| indegree.get(i) == Some(&0)).map(std::cmp::Reverse).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(std::cmp::Reverse(next)) = ready.pop() {
            order.push(adj.ids.get(next).copied().unwrap_or_default());
            for &d in dependents.get(next).into_iter().flatten() {
                if let Some(c) = indegree.get_mut(d) {
                    *c -= 1;
                    if *c == 0 {
                        ready.push(std::cmp::Reverse(d));
                    }
                }
            }
        }
        if order.len() == n {
            return Ok(order);
        }
        Err(self.find_cycle().unwrap_or_else(|| Cycle(vec![])))
    }

    /// The first cycle in logical-ID order, with its whole path.
    pub fn find_cycle(&self) -> Option<Cycle> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let adj = self.adjacency();
        let mut marks = vec![Mark::New; adj.ids.len()];
        for start in 0..adj.ids.len() {
            if marks.get(start) != Some(&Mark::New) {
                continue;
            }
            // Iterative DFS: a stack of (node, next dependency index).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            if let Some(m) = marks.get_mut(start) {
                *m = Mark::Open;
            }
            while let Some(&(node, i)) = stack.last() {
                let Some(&child) = adj.deps(node).get(i) else {
                    if let Some(m) = marks.get_mut(node) {
                        *m = Mark::Done;
                    }
                    stack.pop();
                    continue;
                };
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                match marks.get(child).copied() {
                    Some(Mark::Open) => {
                        let from = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                        let mut path: Vec<Id> =
                            stack.iter().skip(from).filter_map(|(n, _)| adj.ids.get(*n)).map(|s| (*s).to_owned()).collect();
                        path.push(adj.ids.get(child).copied().unwrap_or_default().to_owned());
                        return Some(Cycle(path));
                    }
                    Some(Mark::New) => {
                        if let Some(m) = marks.get_mut(child) {
                            *m = Mark::Open;
                        }
                        stack.push((child, 0));
                    }
                    _ => {}
                }
            }
        }
        None
    }
}
