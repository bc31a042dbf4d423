//! Terraform: one root module per region, as JSON (`main.tf.json`) or HCL (`main.tf`).
//!
//! A module per region, not one module with a provider alias per region: each
//! region gets its own state, so an apply that fails in one region cannot
//! block or roll back another, and a rollout can apply the regions wave by
//! wave exactly as it deploys CloudFormation stacks. The region is the
//! provider's, so it is written literally where CloudFormation says
//! `AWS::Region`.

use super::provider::{Body, Module, Res, V};
use crate::graph::{Attr, Expr, Graph, Pseudo};
use crate::text::tree::{Bump, Tree, list, map};
use crate::{tlist, tmap};
use std::fmt::Write as _;

/// The AWS provider major version the modules are written for.
pub const PROVIDER_VERSION: &str = "~> 6.0";
/// The oldest Terraform that reads them.
pub const REQUIRED_VERSION: &str = ">= 1.5.0";

/// Append the Terraform expression for `e` (without `${}`), or its literal text with `literal`.
fn push_expr(m: &Module<'_>, e: &Expr, out: &mut String, literal: &mut dyn FnMut(&mut String, &str)) {
    match e {
        Expr::Str(t) => literal(out, t),
        Expr::Ref(id, attr) => push_ref(m, id, *attr, out, literal),
        Expr::Param(p) => interp(out, |o| {
            o.push_str("var.");
            o.push_str(p);
        }),
        Expr::Pseudo(Pseudo::Region) => literal(out, &m.graph.region),
        Expr::Pseudo(p) => interp(out, |o| {
            o.push_str(match p {
                Pseudo::AccountId => "data.aws_caller_identity.current.account_id",
                Pseudo::Partition => "data.aws_partition.current.partition",
                _ => "data.aws_partition.current.dns_suffix",
            })
        }),
        Expr::Zone(n) => interp(out, |o| {
            let _ = write!(o, "data.aws_availability_zones.available.names[{n}]");
        }),
        Expr::Join(parts) => parts.iter().for_each(|p| push_expr(m, p, out, literal)),
        Expr::ParamOr(p, fallback) => {
            // `coalesce` skips empty strings. The fallback as an expression:
            // a lone interpolation loses its `${}`, anything else is a string.
            let mut text = String::new();
            push_expr(m, fallback, &mut text, &mut template_literal);
            let bare = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')).filter(|t| !t.contains("${"));
            let fallback = bare.map(str::to_owned).unwrap_or_else(|| format!("\"{text}\""));
            interp(out, |o| {
                let _ = write!(o, "coalesce(var.{p}, {fallback})");
            })
        }
    }
}

fn interp(out: &mut String, f: impl FnOnce(&mut String)) {
    out.push_str("${");
    f(out);
    out.push('}');
}

fn push_ref(m: &Module<'_>, id: &str, attr: Attr, out: &mut String, literal: &mut dyn FnMut(&mut String, &str)) {
    let Some(t) = m.target(id, attr) else { return literal(out, id) };
    interp(out, |o| {
        for part in [t.type_name, ".", t.name, "."] {
            o.push_str(part);
        }
        if let Some(block) = t.block {
            o.push_str(block);
            o.push_str("[0].");
        }
        o.push_str(t.attr);
    });
    if !t.suffix.is_empty() {
        literal(out, t.suffix);
    }
}

/// Literal text inside a Terraform template: `${` and `%{` are doubled.
fn template_literal(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(i) = rest.bytes().position(|b| b == b'$' || b == b'%') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        if tail.get(1..2) == Some("{") {
            out.push_str(tail.get(..1).unwrap_or_default());
        }
        out.push_str(tail.get(..1).unwrap_or_default());
        rest = tail.get(1..).unwrap_or_default();
    }
    out.push_str(rest);
}

/// A string value as a Terraform template (the content of a quoted string, unescaped).
fn template(m: &Module<'_>, v: &V<'_>, out: &mut String) {
    let mut lit = template_literal;
    match v {
        V::Lit(Tree::Str(t)) => lit(out, t),
        V::Lit(other) => out.push_str(&other.to_json_compact()),
        V::Expr(e) => push_expr(m, e, out, &mut lit),
        V::Ref(id, attr) => push_ref(m, id, *attr, out, &mut lit),
        V::Concat(parts) => parts.iter().for_each(|p| template(m, p, out)),
        V::List(_) | V::Map(_) | V::Block(_) | V::Json(_) => {}
    }
}

// ---------------------------------------------------------------- JSON

/// One region's module as a `.tf.json` document, built in arena `a`.
pub fn json<'a>(m: &Module<'a>, a: &'a Bump) -> Tree<'a> {
    let g = m.graph;
    let mut top = bumpalo::collections::Vec::new_in(a);
    let providers = tmap! { a; "aws" => tmap! { a; "source" => "hashicorp/aws", "version" => PROVIDER_VERSION } };
    top.push(("terraform", tmap! { a; "required_version" => REQUIRED_VERSION, "required_providers" => providers }));
    let tags = map(a, g.tags.iter().map(|(k, v)| (k.as_str(), Tree::Str(escaped(a, v)))));
    let region: &str = &g.region;
    top.push(("provider", tmap! { a; "aws" => tmap! { a; "region" => region, "default_tags" => tmap! { a; "tags" => tags } } }));
    if !g.parameters.is_empty() {
        let vars = g.parameters.iter().map(|p| {
            let (condition, message) = validation(&p.name);
            let condition: &str = a.alloc_str(&format!("${{{condition}}}"));
            let message: &str = a.alloc_str(&message);
            let mut v = vec![("type", Tree::Str("string")), ("description", Tree::Str(&p.description))];
            if let Some(d) = &p.default {
                v.push(("default", Tree::Str(escaped(a, d))));
            }
            if !p.optional() {
                v.push(("validation", tlist![a; tmap! { a; "condition" => condition, "error_message" => message }]));
            }
            (p.name.as_str(), map(a, v))
        });
        top.push(("variable", map(a, vars)));
    }
    let data = lookups(m);
    if !data.is_empty() {
        let mut by_type: Vec<(&str, Tree<'a>)> = Vec::new();
        for (type_name, name, body) in data {
            let mut entries = vec![];
            if let Some((k, v)) = body {
                entries.push((k, Tree::Str(v)));
            }
            if let Some((check, reason)) = data_skip(type_name) {
                entries.push(("//", skip_comment(a, [(check, reason)])));
            }
            let body = map(a, entries);
            by_type.push((type_name, tmap! { a; name => body }));
        }
        top.push(("data", map(a, by_type)));
    }
    // `resource` groups by type, then name.
    let mut by_type: std::collections::BTreeMap<&str, Vec<&Res<'a>>> = std::collections::BTreeMap::new();
    for r in &m.resources {
        by_type.entry(r.type_name).or_default().push(r);
    }
    let scratch = &mut String::new();
    let resources = by_type.into_iter().map(|(t, rs)| (t, map(a, rs.into_iter().map(|r| (r.name, json_resource(m, r, a, scratch))))));
    top.push(("resource", map(a, resources)));
    if !g.outputs.is_empty() {
        let mut sorted: Vec<_> = g.outputs.iter().collect();
        sorted.sort_by(|x, y| x.name.cmp(&y.name));
        let outputs = sorted.into_iter().map(|o| {
            let mut value = String::new();
            push_expr(m, &o.value, &mut value, &mut template_literal);
            (o.name.as_str(), tmap! { a; "description" => &o.description, "value" => value })
        });
        top.push(("output", map(a, outputs)));
    }
    Tree::Map(top.into_bump_slice())
}

/// A variable's check that it is not empty (CloudFormation's `MinLength: 1`): condition and message.
fn validation(name: &str) -> (String, String) {
    (format!("length(var.{name}) > 0"), format!("{name} must not be empty."))
}

/// Literal text as a template: what a default or tag value becomes; in
/// arena `a` only when it changes.
fn escaped<'a>(a: &'a Bump, text: &'a str) -> &'a str {
    if !text.bytes().any(|b| b == b'$' || b == b'%') {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 2);
    template_literal(&mut out, text);
    a.alloc_str(&out)
}

fn json_resource<'a>(m: &Module<'a>, r: &Res<'a>, a: &'a Bump, scratch: &mut String) -> Tree<'a> {
    let mut entries = bumpalo::collections::Vec::with_capacity_in(r.body.len() + 2, a);
    let skips = skips_of(m, r);
    if !skips.is_empty() {
        entries.push(("//", skip_comment(a, skips.into_iter().map(|s| (s.check, s.reason.as_str())))));
    }
    entries.extend(r.body.iter().map(|(k, v)| (*k, json_value(m, v, a, scratch))));
    if !r.depends_on.is_empty() {
        entries.push(("depends_on", list(a, r.depends_on.iter().map(|d| Tree::Str(a.alloc_str(&address(m, d)))))));
    }
    if r.retain {
        entries.push(("lifecycle", tmap! { a; "prevent_destroy" => true }));
    }
    Tree::Map(entries.into_bump_slice())
}

/// The scanner checks a resource is written not to meet: its node's, on the
/// resource the node became (not on a companion such as an event target).
fn skips_of<'a>(m: &Module<'a>, r: &Res<'a>) -> Vec<&'a crate::graph::Skip> {
    let g: &'a Graph = m.graph;
    let all: &'a [crate::graph::Skip] = match g.nodes.get(r.node) {
        Some(n) if n.id == r.name => &n.skips,
        _ => &[],
    };
    all.iter().filter(|s| !s.cloudformation_only).collect()
}

/// Skips in a `//` property, which Terraform ignores: the shape of
/// CloudFormation's `Metadata.checkov.skip` (checkov's own proposal for JSON,
/// bridgecrewio/checkov#4634; its `terraform_json` runner reads no skips yet).
fn skip_comment<'a, 's>(a: &'a Bump, skips: impl IntoIterator<Item = (&'s str, &'s str)>) -> Tree<'a> {
    let items = skips
        .into_iter()
        .map(|(check, reason)| tmap! { a; "id" => Tree::Str(a.alloc_str(check)), "comment" => Tree::Str(a.alloc_str(reason)) });
    tmap! { a; "checkov" => tmap! { a; "skip" => list(a, items) } }
}

/// The check a data source is written not to meet, and why.
fn data_skip(type_name: &str) -> Option<(&'static str, &'static str)> {
    (type_name == "aws_availability_zones").then_some(("CKV_AWS_394", crate::graph::build::ZONES_REASON))
}

/// `type.name` of the resource a node became.
fn address(m: &Module<'_>, node: &str) -> String {
    match m.target(node, Attr::Id) {
        Some(t) => format!("{}.{}", t.type_name, t.name),
        None => node.to_owned(),
    }
}

/// A value as JSON in arena `a`; text is built in `scratch` before it is copied there.
fn json_value<'a>(m: &Module<'a>, v: &V<'a>, a: &'a Bump, scratch: &mut String) -> Tree<'a> {
    match v {
        V::Lit(Tree::Str(t)) => Tree::Str(escaped(a, t)),
        V::Lit(t) => *t,
        V::Expr(_) | V::Ref(..) | V::Concat(_) => {
            scratch.clear();
            template(m, v, scratch);
            Tree::Str(a.alloc_str(scratch))
        }
        V::List(items) => list(a, items.iter().map(|x| json_value(m, x, a, scratch))),
        V::Map(entries) | V::Block(entries) => map(a, entries.iter().map(|(k, x)| (*k, json_value(m, x, a, scratch)))),
        // A JSON document whose strings are templates, itself a template.
        V::Json(inner) => {
            let doc = json_value(m, inner, a, scratch);
            scratch.clear();
            doc.write_compact(scratch);
            Tree::Str(a.alloc_str(scratch))
        }
    }
}

/// A data source: type, name, and one argument.
type DataSource = (&'static str, &'static str, Option<(&'static str, &'static str)>);

/// Data sources the values look up.
fn lookups(m: &Module<'_>) -> Vec<DataSource> {
    let mut out = Vec::new();
    if m.lookups.zones {
        out.push(("aws_availability_zones", "available", Some(("state", "available"))));
    }
    if m.lookups.account {
        out.push(("aws_caller_identity", "current", None));
    }
    if m.lookups.partition {
        out.push(("aws_partition", "current", None));
    }
    out
}

// ---------------------------------------------------------------- HCL

/// One region's module as HCL, formatted as `terraform fmt` formats it.
pub fn hcl(m: &Module<'_>) -> String {
    let g: &Graph = m.graph;
    let mut w = Hcl { m, out: String::with_capacity(256 + m.resources.len() * 512), spare: Vec::new() };
    let _ = writeln!(w.out, "# {}", g.description);
    let _ = writeln!(w.out, "# Generated by Lift from the app spec: edit the spec, not this file.\n");
    w.out.push_str("terraform {\n");
    let _ = writeln!(w.out, "  required_version = \"{REQUIRED_VERSION}\"");
    w.out.push_str("  required_providers {\n    aws = {\n");
    let _ = writeln!(w.out, "      source  = \"hashicorp/aws\"\n      version = \"{PROVIDER_VERSION}\"");
    w.out.push_str("    }\n  }\n}\n\nprovider \"aws\" {\n");
    let _ = writeln!(w.out, "  region = {}", quoted(&g.region));
    w.out.push_str("  default_tags {\n    tags = {\n");
    let width = g.tags.keys().map(|k| key_text(k).len()).max().unwrap_or(0);
    for (k, v) in &g.tags {
        let k = key_text(k);
        let _ = writeln!(w.out, "      {k:width$} = {}", quoted(v));
    }
    w.out.push_str("    }\n  }\n}\n");
    for p in &g.parameters {
        let _ = write!(w.out, "\nvariable {} {{\n", quoted(&p.name));
        let mut attrs = vec![("type", "string".to_owned()), ("description", quoted(&p.description))];
        if let Some(d) = &p.default {
            attrs.push(("default", quoted(d)));
        }
        let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in attrs {
            let _ = writeln!(w.out, "  {k:width$} = {v}");
        }
        if !p.optional() {
            let (condition, message) = validation(&p.name);
            let _ = write!(w.out, "  validation {{\n    condition     = {condition}\n    error_message = {}\n  }}\n", quoted(&message));
        }
        w.out.push_str("}\n");
    }
    for (type_name, name, arg) in lookups(m) {
        let _ = write!(w.out, "\ndata \"{type_name}\" \"{name}\" {{\n");
        if let Some((check, reason)) = data_skip(type_name) {
            let _ = writeln!(w.out, "  #checkov:skip={check}:{reason}");
        }
        if let Some((k, v)) = arg {
            let _ = writeln!(w.out, "  {k} = {}", quoted(v));
        }
        w.out.push_str("}\n");
    }
    for r in &m.resources {
        let _ = write!(w.out, "\nresource \"{}\" \"{}\" {{\n", r.type_name, r.name);
        for s in skips_of(m, r) {
            let _ = writeln!(w.out, "  #checkov:skip={}:{}", s.check, s.reason);
        }
        // `depends_on` is one more one-line argument: it aligns with the last run.
        let deps = (!r.depends_on.is_empty())
            .then(|| ("depends_on", format!("[{}]", r.depends_on.iter().map(|d| address(m, d)).collect::<Vec<_>>().join(", "))));
        w.body(r.body, 1, deps);
        if r.retain {
            w.out.push_str("  lifecycle {\n    prevent_destroy = true\n  }\n");
        }
        w.out.push_str("}\n");
    }
    let mut sorted: Vec<_> = g.outputs.iter().collect();
    sorted.sort_by(|x, y| x.name.cmp(&y.name));
    for o in sorted {
        let _ = write!(w.out, "\noutput {} {{\n", quoted(&o.name));
        let mut value = String::new();
        w.expr_text(&V::Expr(&o.value), &mut value);
        let _ = writeln!(w.out, "  description = {}\n  value       = {value}", quoted(&o.description));
        w.out.push_str("}\n");
    }
    w.out
}

struct Hcl<'m, 'a> {
    m: &'m Module<'a>,
    out: String,
    /// Runs no body is using, kept for the next: a body per block would otherwise allocate two buffers.
    spare: Vec<Run<'a>>,
}

/// A run of one-line entries: keys, their printed widths, and where each value ends in `values`.
#[derive(Default)]
struct Run<'k> {
    entries: Vec<(&'k str, usize, usize)>,
    values: String,
}

impl<'k> Run<'k> {
    fn push(&mut self, key: &'k str) {
        self.entries.push((key, key_len(key), self.values.len()));
    }
}

/// A string as an HCL quoted template literal.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_quoted(&mut out, text);
    out
}

fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    let mark = out.len();
    template_literal(out, text);
    close_quoted(out, mark);
}

/// Escape the template written to `out` since `mark` for a quoted string, and close the quote.
fn close_quoted(out: &mut String, mark: usize) {
    if out.get(mark..).is_some_and(|t| t.bytes().any(|b| matches!(b, b'"' | b'\\' | b'\n' | b'\r' | b'\t'))) {
        let escaped = escape_quoted(out.get(mark..).unwrap_or_default());
        out.truncate(mark);
        out.push_str(&escaped);
    }
    out.push('"');
}

fn escape_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

fn is_ident(k: &str) -> bool {
    k.bytes().next().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// An object key: bare when it is an identifier, else quoted.
fn push_key(out: &mut String, k: &str) {
    if is_ident(k) { out.push_str(k) } else { push_quoted(out, k) }
}

fn key_len(k: &str) -> usize {
    if is_ident(k) { k.len() } else { quoted(k).len() }
}

/// An object key as text.
fn key_text(k: &str) -> String {
    let mut out = String::new();
    push_key(&mut out, k);
    out
}

impl<'a> Hcl<'_, 'a> {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    /// Write a value that fits on one line into `out`; false (and `out` as it was) when it does not.
    fn inline(&self, v: &V<'_>, out: &mut String) -> bool {
        let mark = out.len();
        let ok = match v {
            V::Lit(Tree::Str(t)) => {
                push_quoted(out, t);
                true
            }
            V::Lit(t) => {
                out.push_str(&t.to_json_compact());
                true
            }
            V::Expr(_) | V::Ref(..) | V::Concat(_) => {
                self.expr_text(v, out);
                true
            }
            V::List(items) => {
                out.push('[');
                let mut ok = true;
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if !matches!(x, V::Lit(_) | V::Expr(_) | V::Ref(..) | V::Concat(_)) || !self.inline(x, out) {
                        ok = false;
                        break;
                    }
                }
                out.push(']');
                ok
            }
            V::Map(entries) | V::Block(entries) if entries.is_empty() => {
                out.push_str("{}");
                true
            }
            V::Map(_) | V::Block(_) | V::Json(_) => false,
        };
        if !ok {
            out.truncate(mark);
        }
        ok
    }

    /// A text value: a bare expression when it is one reference, else a quoted template.
    fn expr_text(&self, v: &V<'_>, out: &mut String) {
        let mark = out.len();
        out.push('"');
        template(self.m, v, out);
        let body = out.get(mark + 1..).unwrap_or_default();
        let bare = body.len() > 3
            && body.starts_with("${")
            && body.ends_with('}')
            && !body[2..body.len() - 1].bytes().any(|b| matches!(b, b'{' | b'}' | b'"' | b'\\' | b'\n'));
        if bare {
            // `"${x}` becomes `x`.
            out.truncate(out.len() - 1);
            out.replace_range(mark..mark + 3, "");
            return;
        }
        close_quoted(out, mark + 1);
    }

    /// Arguments and blocks of a body. Consecutive one-line arguments align
    /// their `=`, as `terraform fmt` does; a multi-line value or a block ends the run.
    fn body(&mut self, body: Body<'a>, depth: usize, last: Option<(&'a str, String)>) {
        let mut run = self.spare.pop().unwrap_or_default();
        for (k, v) in body {
            let is_blocks = matches!(v, V::Block(_))
                || matches!(v, V::List(items) if !items.is_empty() && items.iter().all(|x| matches!(x, V::Block(_))));
            if !is_blocks && self.inline(v, &mut run.values) {
                run.push(k);
                continue;
            }
            self.flush(&mut run, depth);
            match v {
                V::Block(inner) => self.block(k, inner, depth),
                V::List(items) if is_blocks => {
                    for x in *items {
                        if let V::Block(inner) = x {
                            self.block(k, inner, depth);
                        }
                    }
                }
                other => self.entry(k, other, depth),
            }
        }
        if let Some((k, v)) = last {
            run.values.push_str(&v);
            run.push(k);
        }
        self.flush(&mut run, depth);
        self.spare.push(run);
    }

    fn entry(&mut self, k: &str, v: &V<'a>, depth: usize) {
        self.indent(depth);
        push_key(&mut self.out, k);
        self.out.push_str(" = ");
        self.value(v, depth);
        self.out.push('\n');
    }

    fn flush(&mut self, run: &mut Run<'_>, depth: usize) {
        let width = run.entries.iter().map(|(_, len, _)| *len).max().unwrap_or(0);
        let mut from = 0;
        for (k, len, to) in run.entries.drain(..) {
            self.indent(depth);
            // A quoted key is longer than its text.
            if len == k.len() {
                self.out.push_str(k)
            } else {
                push_quoted(&mut self.out, k)
            }
            for _ in len..width {
                self.out.push(' ');
            }
            self.out.push_str(" = ");
            self.out.push_str(run.values.get(from..to).unwrap_or_default());
            self.out.push('\n');
            from = to;
        }
        run.values.clear();
    }

    fn block(&mut self, name: &str, body: Body<'a>, depth: usize) {
        self.indent(depth);
        self.out.push_str(name);
        self.out.push_str(" {\n");
        self.body(body, depth + 1, None);
        self.indent(depth);
        self.out.push_str("}\n");
    }

    /// A value after `key = `, possibly over several lines, without the final newline.
    fn value(&mut self, v: &V<'a>, depth: usize) {
        let mut out = std::mem::take(&mut self.out);
        let done = self.inline(v, &mut out);
        self.out = out;
        if done {
            return;
        }
        match v {
            V::Json(inner) => {
                self.out.push_str("jsonencode(");
                self.value(inner, depth);
                self.out.push(')');
            }
            V::Map(entries) | V::Block(entries) => {
                self.out.push_str("{\n");
                self.body_entries(entries, depth + 1);
                self.indent(depth);
                self.out.push('}');
            }
            V::List(items) => {
                self.out.push_str("[\n");
                for x in *items {
                    self.indent(depth + 1);
                    self.value(x, depth + 1);
                    self.out.push_str(",\n");
                }
                self.indent(depth);
                self.out.push(']');
            }
            _ => {}
        }
    }

    /// Object entries (never blocks): aligned runs of one-line entries.
    fn body_entries(&mut self, entries: &'a [(&'a str, V<'a>)], depth: usize) {
        let mut run = self.spare.pop().unwrap_or_default();
        for (k, v) in entries {
            if self.inline(v, &mut run.values) {
                run.push(k);
                continue;
            }
            self.flush(&mut run, depth);
            self.entry(k, v, depth);
        }
        self.flush(&mut run, depth);
        self.spare.push(run);
    }
}
