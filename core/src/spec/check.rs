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

use crate::diag::{Code, Diagnostic, escape_pointer};
use crate::spec::units::{UnitError, check_format};
use serde_json::{Map, Value};

/// Check `value` against `schema`, whose `$defs` hold the referenced types.
pub fn check(value: &Value, schema: &Value) -> Vec<Diagnostic> {
    let mut w = Walker { root: schema };
    let mut out = Vec::new();
    w.walk(value, schema, "", &mut out);
    out
}

struct Walker<'a> {
    root: &'a Value,
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

impl<'a> Walker<'a> {
    fn resolve(&self, mut s: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match s.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
                Some(name) => match self.root.get("$defs").and_then(|d| d.get(name)) {
                    Some(t) => s = t,
                    None => return s,
                },
                None => return s,
            }
        }
        s
    }

    fn walk(&mut self, v: &Value, s: &'a Value, ptr: &str, out: &mut Vec<Diagnostic>) {
        let s = self.resolve(s);
        if let Some(branches) = s.get("anyOf").or_else(|| s.get("oneOf")).and_then(Value::as_array) {
            self.union(v, branches, ptr, out);
            return;
        }
        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !types.is_empty() && !types.iter().any(|t| matches_type(v, t)) {
                let wanted: Vec<&str> = types.iter().map(|t| type_name(t)).collect();
                out.push(
                    Diagnostic::error(
                        Code::WrongType,
                        ptr,
                        format!("expected {}, found {} (`{}`)", wanted.join(" or "), kind(v), short(v)),
                    )
                    .with_hint(describe(s).unwrap_or_else(|| format!("write {}", wanted.join(" or ")))),
                );
                return;
            }
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            self.enumeration(v, values.iter().collect(), ptr, out);
            return;
        }
        if let Some(c) = s.get("const") {
            if c != v {
                out.push(Diagnostic::error(Code::BadValue, ptr, format!("expected `{}`, found `{}`", short(c), short(v))));
            }
            return;
        }
        match v {
            Value::Object(map) => self.object(map, s, ptr, out),
            Value::Array(items) => {
                if let Some(item_schema) = s.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.walk(item, item_schema, &format!("{ptr}/{i}"), out);
                    }
                }
            }
            Value::Number(n) => {
                let max = match s.get("format").and_then(Value::as_str) {
                    Some("uint8") => Some(f64::from(u8::MAX)),
                    Some("uint16") => Some(f64::from(u16::MAX)),
                    Some("uint32") => Some(f64::from(u32::MAX)),
                    _ => None,
                };
                let max = s.get("maximum").and_then(Value::as_f64).or(max);
                let min = s.get("minimum").and_then(Value::as_f64);
                let x = n.as_f64().unwrap_or(0.0);
                if min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m) {
                    out.push(Diagnostic::error(
                        Code::OutOfRange,
                        ptr,
                        format!(
                            "`{n}` is out of range ({} to {})",
                            min.map_or("-".into(), |m| m.to_string()),
                            max.map_or("-".into(), |m| m.to_string())
                        ),
                    ));
                }
            }
            Value::String(text) => {
                if let Some(e) = s.get("format").and_then(Value::as_str).and_then(|f| check_format(f, text)) {
                    // A name that is not one of those known says which it probably meant, as a hint.
                    let d = match e {
                        UnitError::NotOneOf { text, what, hint } => {
                            Diagnostic::error(Code::BadValue, ptr, format!("`{text}` is not a {what}")).with_hint(hint)
                        }
                        other => Diagnostic::error(Code::BadValue, ptr, other.to_string()),
                    };
                    out.push(d);
                }
            }
            _ => {}
        }
    }

    fn object(&mut self, map: &Map<String, Value>, s: &'a Value, ptr: &str, out: &mut Vec<Diagnostic>) {
        let props = s.get("properties").and_then(Value::as_object);
        if let Some(required) = s.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(name) {
                    let mut d = Diagnostic::error(Code::MissingField, ptr, format!("missing field `{name}`"));
                    if let Some(desc) = props.and_then(|p| p.get(name)).and_then(|p| describe(self.resolve(p))) {
                        d = d.with_hint(format!("`{name}`: {desc}"));
                    }
                    out.push(d);
                }
            }
        }
        let extra = s.get("additionalProperties");
        for (key, value) in map {
            let p = format!("{ptr}/{}", escape_pointer(key));
            if let Some(ps) = props.and_then(|props| props.get(key)) {
                self.walk(value, ps, &p, out);
                continue;
            }
            match extra {
                Some(Value::Bool(false)) => {
                    let known: Vec<&str> = props.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
                    let hint = match did_you_mean(key, known.iter().copied()) {
                        Some(m) => format!("did you mean `{m}`?"),
                        None => format!("known fields here: {}", known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
                    };
                    out.push(Diagnostic::error(Code::UnknownField, p, format!("unknown field `{key}`")).with_hint(hint));
                }
                Some(schema @ Value::Object(_)) => self.walk(value, schema, &p, out),
                _ => {}
            }
        }
    }

    fn enumeration(&mut self, v: &Value, allowed: Vec<&Value>, ptr: &str, out: &mut Vec<Diagnostic>) {
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
            Diagnostic::error(
                Code::BadValue,
                ptr,
                format!("`{}` is not an allowed value", v.as_str().map_or_else(|| short(v), str::to_owned)),
            )
            .with_hint(hint),
        );
    }

    fn union(&mut self, v: &Value, branches: &'a [Value], ptr: &str, out: &mut Vec<Diagnostic>) {
        let resolved: Vec<&'a Value> = branches.iter().map(|b| self.resolve(b)).collect();
        // A union of constants (an enum whose variants have docs) is an enum.
        let consts: Option<Vec<&Value>> = resolved.iter().map(|b| b.get("const")).collect();
        if let Some(consts) = consts {
            self.enumeration(v, consts, ptr, out);
            return;
        }
        let mut best: Option<(i64, Vec<Diagnostic>)> = None;
        for b in &resolved {
            let mut errs = Vec::new();
            self.walk(v, b, ptr, &mut errs);
            if errs.is_empty() {
                return;
            }
            let score = affinity(v, b) * 1000 - i64::try_from(errs.len()).unwrap_or(999);
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, errs));
            }
        }
        if let Some((_, errs)) = best {
            out.extend(errs);
        }
    }
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
