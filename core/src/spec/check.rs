//! Checks a parsed document against the generated JSON Schema and reports
//! every problem at once, each at its JSON pointer.
//!
//! Only the keywords schemars emits for Lift's types are understood:
//! `$ref`, `type`, `properties`, `required`, `additionalProperties`, `enum`,
//! `const`, `anyOf`/`oneOf`, `items`, `minimum`/`maximum` and Lift's unit
//! `format`s (checked with the same parsers deserialisation uses). A general
//! validator would report "not valid under any of the given schemas" for an
//! untagged union; this one picks the branch the author meant and suggests
//! the field or value they probably meant.

use crate::diag::{Code, Diagnostic, push_segment};
use crate::spec::units::{UnitError, check_format};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Check `value` against `schema`, whose `$defs` hold the referenced types.
pub fn check(value: &Value, schema: &Value) -> Vec<Diagnostic> {
    // The spec's schema is compiled once per process; any other, per call.
    static SPEC: OnceLock<Compiled<'static>> = OnceLock::new();
    let spec = super::schema();
    let local;
    let compiled = if std::ptr::eq(schema, spec) {
        SPEC.get_or_init(|| Compiled::new(spec))
    } else {
        local = Compiled::new(schema);
        &local
    };
    let mut out = Vec::new();
    let mut ptr = String::new();
    compiled.walk(value, compiled.root, &mut ptr, &mut out);
    out
}

/// What `additionalProperties` allows.
enum Extra {
    /// Not said, or `true`: anything.
    Any,
    /// `false`: nothing beyond `properties`.
    Forbidden,
    /// Values of this shape.
    Shape(usize),
}

/// One schema object with its `$ref`s followed and the keywords the walker
/// reads looked up once, so checking a value costs no lookups by keyword.
struct Shape<'a> {
    /// The schema object itself, for the hints of errors.
    raw: &'a Value,
    /// `anyOf` or `oneOf`: each branch's shape, and the branches' constants
    /// when every branch is one (an enum whose variants have docs).
    branches: Option<(Vec<usize>, Option<Vec<&'a Value>>)>,
    types: Vec<&'a str>,
    enumeration: Option<Vec<&'a Value>>,
    constant: Option<&'a Value>,
    /// `properties`, sorted by name for lookup; `None` when not given.
    properties: Option<Vec<(&'a str, usize)>>,
    required: Vec<&'a str>,
    extra: Extra,
    items: Option<usize>,
    format: Option<&'a str>,
    min: Option<f64>,
    max: Option<f64>,
}

/// A schema compiled to [`Shape`]s.
struct Compiled<'a> {
    root: usize,
    shapes: Vec<Shape<'a>>,
}

impl<'a> Compiled<'a> {
    fn new(schema: &'a Value) -> Self {
        let mut c = Compiled { root: 0, shapes: Vec::new() };
        let mut ids = HashMap::new();
        c.root = c.compile(schema, schema, &mut ids);
        c
    }

    /// `s` with its `$ref` chain followed (bounded, so a loop of refs ends).
    fn resolve(root: &'a Value, mut s: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match s.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
                Some(name) => match root.get("$defs").and_then(|d| d.get(name)) {
                    Some(t) => s = t,
                    None => return s,
                },
                None => return s,
            }
        }
        s
    }

    fn compile(&mut self, root: &'a Value, s: &'a Value, ids: &mut HashMap<*const Value, usize>) -> usize {
        let s = Self::resolve(root, s);
        if let Some(id) = ids.get(&std::ptr::from_ref(s)) {
            return *id;
        }
        let id = self.shapes.len();
        ids.insert(std::ptr::from_ref(s), id);
        let types = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let format = s.get("format").and_then(Value::as_str);
        let width = match format {
            Some("uint8") => Some(f64::from(u8::MAX)),
            Some("uint16") => Some(f64::from(u16::MAX)),
            Some("uint32") => Some(f64::from(u32::MAX)),
            _ => None,
        };
        self.shapes.push(Shape {
            raw: s,
            branches: None,
            types,
            enumeration: s.get("enum").and_then(Value::as_array).map(|v| v.iter().collect()),
            constant: s.get("const"),
            properties: None,
            required: s.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default(),
            extra: Extra::Any,
            items: None,
            format,
            min: s.get("minimum").and_then(Value::as_f64),
            max: s.get("maximum").and_then(Value::as_f64).or(width),
        });
        // Children after the shape is registered, so a recursive type ends.
        let branches = s.get("anyOf").or_else(|| s.get("oneOf")).and_then(Value::as_array).map(|bs| {
            let ids: Vec<usize> = bs.iter().map(|b| self.compile(root, b, ids)).collect();
            let consts: Option<Vec<&'a Value>> = bs.iter().map(|b| Self::resolve(root, b).get("const")).collect();
            (ids, consts)
        });
        let properties = s.get("properties").and_then(Value::as_object).map(|props| {
            let mut list: Vec<(&'a str, usize)> = props.iter().map(|(k, p)| (k.as_str(), self.compile(root, p, ids))).collect();
            list.sort_unstable_by(|a, b| a.0.cmp(b.0));
            list
        });
        let extra = match s.get("additionalProperties") {
            Some(Value::Bool(false)) => Extra::Forbidden,
            Some(schema @ Value::Object(_)) => Extra::Shape(self.compile(root, schema, ids)),
            _ => Extra::Any,
        };
        let items = s.get("items").map(|i| self.compile(root, i, ids));
        if let Some(shape) = self.shapes.get_mut(id) {
            shape.branches = branches;
            shape.properties = properties;
            shape.extra = extra;
            shape.items = items;
        }
        id
    }

    fn shape(&self, id: usize) -> Option<&Shape<'a>> {
        self.shapes.get(id)
    }

    fn walk(&self, v: &Value, id: usize, ptr: &mut String, out: &mut Vec<Diagnostic>) {
        let Some(s) = self.shape(id) else { return };
        if let Some((branches, consts)) = &s.branches {
            match consts {
                Some(consts) => enumeration(v, consts, ptr, out),
                None => self.union(v, branches, ptr, out),
            }
            return;
        }
        if !s.types.is_empty() && !s.types.iter().any(|t| matches_type(v, t)) {
            let wanted: Vec<&str> = s.types.iter().map(|t| type_name(t)).collect();
            out.push(
                Diagnostic::error(
                    Code::WrongType,
                    ptr.as_str(),
                    format!("expected {}, found {} (`{}`)", wanted.join(" or "), kind(v), short(v)),
                )
                .with_hint(describe(s.raw).unwrap_or_else(|| format!("write {}", wanted.join(" or ")))),
            );
            return;
        }
        if let Some(values) = &s.enumeration {
            enumeration(v, values, ptr, out);
            return;
        }
        if let Some(c) = s.constant {
            if c != v {
                out.push(Diagnostic::error(Code::BadValue, ptr.as_str(), format!("expected `{}`, found `{}`", short(c), short(v))));
            }
            return;
        }
        match v {
            Value::Object(map) => self.object(map, s, ptr, out),
            Value::Array(items) => {
                if let Some(item) = s.items {
                    for (i, value) in items.iter().enumerate() {
                        let len = ptr.len();
                        ptr.push('/');
                        ptr.push_str(&i.to_string());
                        self.walk(value, item, ptr, out);
                        ptr.truncate(len);
                    }
                }
            }
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(0.0);
                if s.min.is_some_and(|m| x < m) || s.max.is_some_and(|m| x > m) {
                    let bound = |b: Option<f64>| b.map_or("-".into(), |m| m.to_string());
                    let message = format!("`{n}` is out of range ({} to {})", bound(s.min), bound(s.max));
                    out.push(Diagnostic::error(Code::OutOfRange, ptr.as_str(), message));
                }
            }
            Value::String(text) => {
                if let Some(e) = s.format.and_then(|f| check_format(f, text)) {
                    // A name that is not one of those known says which it probably meant, as a hint.
                    let d = match e {
                        UnitError::NotOneOf { text, what, hint } => {
                            Diagnostic::error(Code::BadValue, ptr.as_str(), format!("`{text}` is not a {what}")).with_hint(hint)
                        }
                        other => Diagnostic::error(Code::BadValue, ptr.as_str(), other.to_string()),
                    };
                    out.push(d);
                }
            }
            _ => {}
        }
    }

    fn object(&self, map: &Map<String, Value>, s: &Shape<'a>, ptr: &mut String, out: &mut Vec<Diagnostic>) {
        let props = s.properties.as_deref();
        let find =
            |name: &str| props.and_then(|p| p.binary_search_by(|(k, _)| (*k).cmp(name)).ok().and_then(|i| p.get(i))).map(|(_, id)| *id);
        for name in &s.required {
            if !map.contains_key(*name) {
                let mut d = Diagnostic::error(Code::MissingField, ptr.as_str(), format!("missing field `{name}`"));
                if let Some(desc) = find(name).and_then(|id| self.shape(id)).and_then(|p| describe(p.raw)) {
                    d = d.with_hint(format!("`{name}`: {desc}"));
                }
                out.push(d);
            }
        }
        for (key, value) in map {
            let len = ptr.len();
            ptr.push('/');
            push_segment(ptr, key);
            let extra = match s.extra {
                Extra::Shape(id) => Some(id),
                _ => None,
            };
            match find(key).or(extra) {
                Some(id) => self.walk(value, id, ptr, out),
                None if matches!(s.extra, Extra::Forbidden) => {
                    // The known fields in the schema's own order.
                    let known: Vec<&str> = s
                        .raw
                        .get("properties")
                        .and_then(Value::as_object)
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let hint = match did_you_mean(key, known.iter().copied()) {
                        Some(m) => format!("did you mean `{m}`?"),
                        None => format!("known fields here: {}", known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
                    };
                    out.push(Diagnostic::error(Code::UnknownField, ptr.as_str(), format!("unknown field `{key}`")).with_hint(hint));
                }
                None => {}
            }
            ptr.truncate(len);
        }
    }

    fn union(&self, v: &Value, branches: &[usize], ptr: &mut String, out: &mut Vec<Diagnostic>) {
        let mut best: Option<(i64, Vec<Diagnostic>)> = None;
        for id in branches {
            let mut errs = Vec::new();
            self.walk(v, *id, ptr, &mut errs);
            if errs.is_empty() {
                return;
            }
            let score = self.shape(*id).map_or(0, |b| affinity(v, b.raw)) * 1000 - i64::try_from(errs.len()).unwrap_or(999);
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, errs));
            }
        }
        if let Some((_, errs)) = best {
            out.extend(errs);
        }
    }
}

fn enumeration(v: &Value, allowed: &[&Value], ptr: &str, out: &mut Vec<Diagnostic>) {
    if allowed.contains(&v) {
        return;
    }
    let names: Vec<&str> = allowed.iter().filter_map(|a| a.as_str()).collect();
    let list = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let hint = match v.as_str().and_then(|s| did_you_mean(s, names.iter().copied())) {
        Some(m) => format!("did you mean `{m}`? allowed: {list}"),
        None => format!("allowed: {list}"),
    };
    out.push(
        Diagnostic::error(Code::BadValue, ptr, format!("`{}` is not an allowed value", v.as_str().map_or_else(|| short(v), str::to_owned)))
            .with_hint(hint),
    );
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn type_name(t: &str) -> &'static str {
    match t {
        "null" => "null",
        "boolean" => "a boolean (`true` or `false`)",
        "integer" => "a whole number",
        "number" => "a number",
        "string" => "a string",
        "array" => "a list",
        "object" => "a mapping",
        _ => "a value",
    }
}

fn matches_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 { format!("{}...", s.chars().take(37).collect::<String>()) } else { s }
}

/// The closest candidate to `word`, if close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// How much a value looks like it was meant for a branch: type agreement,
/// then, for mappings, how many of its keys the branch knows.
fn affinity(v: &Value, branch: &Value) -> i64 {
    let types: Vec<&str> = match branch.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.iter().any(|t| matches_type(v, t)) {
        return 0;
    }
    let mut score = 1;
    if let (Value::Object(map), Some(props)) = (v, branch.get("properties").and_then(Value::as_object)) {
        let known = map.keys().filter(|k| props.contains_key(*k)).count();
        score += 2 * i64::try_from(known).unwrap_or(0);
        if let Some(req) = branch.get("required").and_then(Value::as_array) {
            // A branch whose required (distinguishing) key is present is almost surely the one meant.
            score += 10 * i64::try_from(req.iter().filter_map(Value::as_str).filter(|r| map.contains_key(*r)).count()).unwrap_or(0);
        }
    }
    score
}

/// The first line of a schema description, as a hint.
fn describe(s: &Value) -> Option<String> {
    s.get("description").and_then(Value::as_str).and_then(|d| d.lines().next()).map(|d| d.trim_end_matches(['.', ',']).to_owned())
}
