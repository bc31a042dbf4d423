//! A template as a tree of borrowed text: what renderers build and writers print.
//!
//! Cheaper than `serde_json::Value` for this job: keys are mostly `'static`
//! and values borrow from the graph, mappings are ordered `Vec`s (no hashing),
//! and the JSON and YAML writers stream straight into one `String`.

use serde_json::{Number, Value};
use std::borrow::Cow;
use std::rc::Rc;

/// One node of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Tree<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Num(Number),
    /// A string.
    Str(Cow<'a, str>),
    /// A list.
    List(Vec<Tree<'a>>),
    /// A mapping, in the order written.
    Map(Vec<(Cow<'a, str>, Tree<'a>)>),
    /// A subtree shared by many places (such as the tags of every resource):
    /// built once, written wherever it appears.
    Shared(Rc<Tree<'a>>),
}

/// Build a [`Tree::Map`] from `"Key" => value` pairs.
#[macro_export]
macro_rules! tmap {
    ($($k:expr => $v:expr),* $(,)?) => {
        $crate::iac::tree::Tree::Map(vec![$((::std::borrow::Cow::from($k), $crate::iac::tree::Tree::from($v))),*])
    };
}

/// Build a [`Tree::List`] from values.
#[macro_export]
macro_rules! tlist {
    ($($v:expr),* $(,)?) => {
        $crate::iac::tree::Tree::List(vec![$($crate::iac::tree::Tree::from($v)),*])
    };
}

impl<'a> From<&'a str> for Tree<'a> {
    fn from(s: &'a str) -> Self {
        Tree::Str(Cow::Borrowed(s))
    }
}
impl<'a> From<&'a String> for Tree<'a> {
    fn from(s: &'a String) -> Self {
        Tree::Str(Cow::Borrowed(s))
    }
}
impl From<String> for Tree<'_> {
    fn from(s: String) -> Self {
        Tree::Str(Cow::Owned(s))
    }
}
impl From<bool> for Tree<'_> {
    fn from(b: bool) -> Self {
        Tree::Bool(b)
    }
}
impl From<u32> for Tree<'_> {
    fn from(n: u32) -> Self {
        Tree::Num(n.into())
    }
}
impl From<u64> for Tree<'_> {
    fn from(n: u64) -> Self {
        Tree::Num(n.into())
    }
}
impl From<u8> for Tree<'_> {
    fn from(n: u8) -> Self {
        Tree::Num(n.into())
    }
}
impl<'a> From<Vec<Tree<'a>>> for Tree<'a> {
    fn from(v: Vec<Tree<'a>>) -> Self {
        Tree::List(v)
    }
}

impl<'a> Tree<'a> {
    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Tree<'a>> {
        match self {
            Tree::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            Tree::Shared(t) => t.get(key),
            _ => None,
        }
    }

    /// Entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(Cow<'a, str>, Tree<'a>)] {
        match self {
            Tree::Map(entries) => entries,
            Tree::Shared(t) => t.entries(),
            _ => &[],
        }
    }

    /// Add an entry to a mapping (no effect on anything else).
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: Tree<'a>) {
        if let Tree::Map(entries) = self {
            entries.push((key.into(), value));
        }
    }

    /// Borrow a JSON value as a tree.
    pub fn from_value(v: &'a Value) -> Tree<'a> {
        match v {
            Value::Null => Tree::Null,
            Value::Bool(b) => Tree::Bool(*b),
            Value::Number(n) => Tree::Num(n.clone()),
            Value::String(s) => Tree::Str(Cow::Borrowed(s)),
            Value::Array(a) => Tree::List(a.iter().map(Tree::from_value).collect()),
            Value::Object(o) => Tree::Map(o.iter().map(|(k, v)| (Cow::Borrowed(k.as_str()), Tree::from_value(v))).collect()),
        }
    }

    /// The tree as an owned JSON value.
    pub fn to_value(&self) -> Value {
        match self {
            Tree::Null => Value::Null,
            Tree::Bool(b) => Value::Bool(*b),
            Tree::Num(n) => Value::Number(n.clone()),
            Tree::Str(s) => Value::String(s.to_string()),
            Tree::List(l) => Value::Array(l.iter().map(Tree::to_value).collect()),
            Tree::Map(m) => Value::Object(m.iter().map(|(k, v)| (k.to_string(), v.to_value())).collect()),
            Tree::Shared(t) => t.to_value(),
        }
    }

    /// Pretty JSON, two-space indentation (the layout of `serde_json::to_string_pretty`), final newline.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        self.write_json(&mut out, 0);
        out.push('\n');
        out
    }

    /// Compact JSON, no whitespace: what AWS counts for policy sizes.
    pub fn to_json_compact(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    /// The length in bytes of [`Tree::to_json`], without writing it.
    pub fn json_len(&self) -> usize {
        self.pretty_len(0) + 1
    }

    fn pretty_len(&self, depth: usize) -> usize {
        let nl = |d: usize| 1 + 2 * d;
        match self {
            Tree::List(l) if !l.is_empty() => 2 + (l.len() - 1) + nl(depth) + l.iter().map(|v| nl(depth + 1) + v.pretty_len(depth + 1)).sum::<usize>(),
            Tree::Map(m) if !m.is_empty() => {
                2 + (m.len() - 1) + nl(depth) + m.iter().map(|(k, v)| nl(depth + 1) + json_str_len(k) + 2 + v.pretty_len(depth + 1)).sum::<usize>()
            }
            Tree::List(_) | Tree::Map(_) => 2,
            Tree::Null | Tree::Bool(true) => 4,
            Tree::Bool(false) => 5,
            Tree::Num(n) => n.to_string().len(),
            Tree::Str(s) => json_str_len(s),
            Tree::Shared(t) => t.pretty_len(depth),
        }
    }

    /// The length in bytes of [`Tree::to_json_compact`], without writing it.
    pub fn compact_len(&self) -> usize {
        match self {
            Tree::List(l) => 2 + l.len().saturating_sub(1) + l.iter().map(Tree::compact_len).sum::<usize>(),
            Tree::Map(m) => 2 + m.len().saturating_sub(1) + m.iter().map(|(k, v)| json_str_len(k) + 1 + v.compact_len()).sum::<usize>(),
            Tree::Shared(t) => t.compact_len(),
            other => other.pretty_len(0),
        }
    }

    fn write_json(&self, out: &mut String, depth: usize) {
        match self {
            Tree::List(l) if !l.is_empty() => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    v.write_json(out, depth + 1);
                }
                newline(out, depth);
                out.push(']');
            }
            Tree::Map(m) if !m.is_empty() => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    json_str(out, k);
                    out.push_str(": ");
                    v.write_json(out, depth + 1);
                }
                newline(out, depth);
                out.push('}');
            }
            Tree::Shared(t) => t.write_json(out, depth),
            scalar => scalar.write_compact(out),
        }
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Tree::Null => out.push_str("null"),
            Tree::Bool(true) => out.push_str("true"),
            Tree::Bool(false) => out.push_str("false"),
            Tree::Num(n) => push_number(out, n),
            Tree::Str(s) => json_str(out, s),
            Tree::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_compact(out);
                }
                out.push(']');
            }
            Tree::Map(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_str(out, k);
                    out.push(':');
                    v.write_compact(out);
                }
                out.push('}');
            }
            Tree::Shared(t) => t.write_compact(out),
        }
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Write a number without a temporary string.
pub(crate) fn push_number(out: &mut String, n: &Number) {
    use std::fmt::Write;
    let _ = write!(out, "{n}");
}

/// How many bytes of `s` JSON escapes; counted without branches so the
/// compiler can vectorise it (nearly every string has none).
fn special_bytes(s: &str) -> usize {
    s.bytes().fold(0, |n, b| n + usize::from(b < 0x20 || b == b'"' || b == b'\\'))
}

/// The length of [`json_str`]'s output.
fn json_str_len(s: &str) -> usize {
    if special_bytes(s) == 0 {
        return s.len() + 2;
    }
    2 + s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// A JSON string literal, escaped as serde_json escapes.
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    // Almost every string in a template needs no escaping: copy it in one go.
    if special_bytes(s) == 0 {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_matches_serde_json_pretty() {
        let v = json!({"a": [1, {"b": "x\"y\\z\n\u{1}"}, [], {}], "c": null, "d": true, "e": -1.5, "f": "ünï"});
        let t = Tree::from_value(&v);
        let mut expected = serde_json::to_string_pretty(&v).unwrap_or_default();
        expected.push('\n');
        assert_eq!(t.to_json(), expected);
        assert_eq!(t.json_len(), expected.len());
        assert_eq!(t.compact_len(), t.to_json_compact().len());
        let shared = Tree::List(vec![Tree::Shared(Rc::new(t.clone())), t.clone()]);
        assert_eq!(shared.to_json_compact(), format!("[{0},{0}]", t.to_json_compact()));
        assert_eq!(t.to_json_compact(), serde_json::to_string(&v).unwrap_or_default());
        assert_eq!(t.to_value(), v);
    }
}
