//! A document as a tree in an arena: what renderers build and writers print.
//!
//! Every node lives in one [`Bump`] arena per rendering: building a node is a
//! pointer bump, nothing is dropped node by node, and a subtree (such as the
//! tags every resource carries) is shared by copying a reference. Keys are
//! mostly `'static`, values borrow from the graph, mappings keep their order,
//! and the JSON and YAML writers stream straight into one `String`.

pub use bumpalo::Bump;
use serde_json::{Number, Value};
use std::cell::Cell;

/// One node of a template. `Copy`: its children live in the arena.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tree<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number as the user wrote it (from an event pattern).
    Num(&'a Number),
    /// A string.
    Str(&'a str),
    /// A list.
    List(&'a [Tree<'a>]),
    /// A mapping, in the order written.
    Map(&'a [(&'a str, Tree<'a>)]),
    /// A subtree that appears in many places (the tags of every resource):
    /// it remembers its printed length, so measuring a template walks it once.
    Shared(&'a Shared<'a>),
}

/// A subtree shared by many places; see [`Tree::Shared`].
#[derive(Debug, PartialEq)]
pub struct Shared<'a> {
    tree: Tree<'a>,
    /// The pretty-printed length at one depth: `(depth, length)`.
    memo: Cell<Option<(usize, usize)>>,
}

impl<'a> Shared<'a> {
    /// Share `tree`, in arena `a`.
    pub fn new_in(tree: Tree<'a>, a: &'a Bump) -> Tree<'a> {
        Tree::Shared(a.alloc(Shared { tree, memo: Cell::new(None) }))
    }
}

/// Turns a value into a tree node, allocating in the arena only when it must.
pub trait IntoTree<'a> {
    /// The node.
    fn into_tree(self, a: &'a Bump) -> Tree<'a>;
}

impl<'a> IntoTree<'a> for Tree<'a> {
    fn into_tree(self, _: &'a Bump) -> Tree<'a> {
        self
    }
}
impl<'a> IntoTree<'a> for &'a str {
    fn into_tree(self, _: &'a Bump) -> Tree<'a> {
        Tree::Str(self)
    }
}
impl<'a> IntoTree<'a> for &&'a str {
    fn into_tree(self, _: &'a Bump) -> Tree<'a> {
        Tree::Str(self)
    }
}
impl<'a> IntoTree<'a> for &'a String {
    fn into_tree(self, _: &'a Bump) -> Tree<'a> {
        Tree::Str(self)
    }
}
impl<'a> IntoTree<'a> for String {
    fn into_tree(self, a: &'a Bump) -> Tree<'a> {
        Tree::Str(a.alloc_str(&self))
    }
}
impl<'a> IntoTree<'a> for bool {
    fn into_tree(self, _: &'a Bump) -> Tree<'a> {
        Tree::Bool(self)
    }
}
macro_rules! int_into_tree {
    ($($t:ty),*) => {$(
        impl<'a> IntoTree<'a> for $t {
            fn into_tree(self, _: &'a Bump) -> Tree<'a> {
                Tree::Int(i64::try_from(self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_into_tree!(u8, u32, u64);

/// Build a [`Tree::Map`] in arena `a` from `"Key" => value` pairs.
#[macro_export]
macro_rules! tmap {
    ($a:expr; $($k:expr => $v:expr),* $(,)?) => {
        $crate::text::tree::Tree::Map($a.alloc_slice_copy(&[$(($k, $crate::text::tree::IntoTree::into_tree($v, $a))),*]))
    };
}

/// Build a [`Tree::List`] in arena `a` from values.
#[macro_export]
macro_rules! tlist {
    ($a:expr; $($v:expr),* $(,)?) => {
        $crate::text::tree::Tree::List($a.alloc_slice_copy(&[$($crate::text::tree::IntoTree::into_tree($v, $a)),*]))
    };
}

/// A list from an iterator, in the arena.
pub fn list<'a>(a: &'a Bump, items: impl IntoIterator<Item = Tree<'a>>) -> Tree<'a> {
    Tree::List(bumpalo::collections::Vec::from_iter_in(items, a).into_bump_slice())
}

/// A mapping from an iterator of entries, in the arena.
pub fn map<'a>(a: &'a Bump, entries: impl IntoIterator<Item = (&'a str, Tree<'a>)>) -> Tree<'a> {
    Tree::Map(bumpalo::collections::Vec::from_iter_in(entries, a).into_bump_slice())
}

/// A mapping built entry by entry, for optional entries.
pub struct MapBuilder<'a> {
    a: &'a Bump,
    entries: bumpalo::collections::Vec<'a, (&'a str, Tree<'a>)>,
}

impl<'a> MapBuilder<'a> {
    /// An empty mapping.
    pub fn new(a: &'a Bump) -> Self {
        MapBuilder { a, entries: bumpalo::collections::Vec::with_capacity_in(8, a) }
    }
    /// Add an entry.
    pub fn push(&mut self, key: &'a str, value: impl IntoTree<'a>) {
        self.entries.push((key, value.into_tree(self.a)));
    }
    /// The mapping.
    pub fn finish(self) -> Tree<'a> {
        Tree::Map(self.entries.into_bump_slice())
    }
}

impl<'a> Tree<'a> {
    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Tree<'a>> {
        match self.resolve() {
            Tree::Map(entries) => entries.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &'a [(&'a str, Tree<'a>)] {
        match *self.resolve() {
            Tree::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The tree itself, seen through any [`Tree::Shared`] wrapper.
    pub fn resolve(&self) -> &Tree<'a> {
        match self {
            Tree::Shared(s) => s.tree.resolve(),
            other => other,
        }
    }

    /// A JSON value as a tree in arena `a`.
    pub fn from_value(v: &'a Value, a: &'a Bump) -> Tree<'a> {
        match v {
            Value::Null => Tree::Null,
            Value::Bool(b) => Tree::Bool(*b),
            Value::Number(n) => n.as_i64().map_or(Tree::Num(n), Tree::Int),
            Value::String(s) => Tree::Str(s),
            Value::Array(items) => list(a, items.iter().map(|i| Tree::from_value(i, a))),
            Value::Object(o) => map(a, o.iter().map(|(k, v)| (k.as_str(), Tree::from_value(v, a)))),
        }
    }

    /// The tree as an owned JSON value.
    pub fn to_value(&self) -> Value {
        match self {
            Tree::Null => Value::Null,
            Tree::Bool(b) => Value::Bool(*b),
            Tree::Int(n) => Value::Number((*n).into()),
            Tree::Num(n) => Value::Number((*n).clone()),
            Tree::Str(s) => Value::String((*s).to_owned()),
            Tree::List(l) => Value::Array(l.iter().map(Tree::to_value).collect()),
            Tree::Map(m) => Value::Object(m.iter().map(|(k, v)| ((*k).to_owned(), v.to_value())).collect()),
            Tree::Shared(s) => s.tree.to_value(),
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
            Tree::List(l) if !l.is_empty() => {
                2 + (l.len() - 1) + nl(depth) + l.iter().map(|v| nl(depth + 1) + v.pretty_len(depth + 1)).sum::<usize>()
            }
            Tree::Map(m) if !m.is_empty() => {
                2 + (m.len() - 1)
                    + nl(depth)
                    + m.iter().map(|(k, v)| nl(depth + 1) + json_str_len(k) + 2 + v.pretty_len(depth + 1)).sum::<usize>()
            }
            Tree::Shared(s) => match s.memo.get() {
                Some((d, len)) if d == depth => len,
                _ => {
                    let len = s.tree.pretty_len(depth);
                    s.memo.set(Some((depth, len)));
                    len
                }
            },
            other => other.compact_len(),
        }
    }

    /// The length in bytes of [`Tree::to_json_compact`], without writing it.
    pub fn compact_len(&self) -> usize {
        match self {
            Tree::Null | Tree::Bool(true) => 4,
            Tree::Bool(false) => 5,
            Tree::Int(n) => int_len(*n),
            Tree::Num(n) => n.to_string().len(),
            Tree::Str(s) => json_str_len(s),
            Tree::List(l) => 2 + l.len().saturating_sub(1) + l.iter().map(Tree::compact_len).sum::<usize>(),
            Tree::Map(m) => 2 + m.len().saturating_sub(1) + m.iter().map(|(k, v)| json_str_len(k) + 1 + v.compact_len()).sum::<usize>(),
            Tree::Shared(s) => s.tree.compact_len(),
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
            Tree::Shared(s) => s.tree.write_json(out, depth),
            scalar => scalar.write_compact(out),
        }
    }

    /// Append compact JSON to `out`, as [`Tree::to_json_compact`] returns it.
    pub fn write_compact(&self, out: &mut String) {
        match self {
            Tree::Null => out.push_str("null"),
            Tree::Bool(true) => out.push_str("true"),
            Tree::Bool(false) => out.push_str("false"),
            Tree::Int(n) => push_int(out, *n),
            Tree::Num(n) => push_display(out, n),
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
            Tree::Shared(s) => s.tree.write_compact(out),
        }
    }
}

fn newline(out: &mut String, depth: usize) {
    const SPACES: &str = "                                                                ";
    out.push('\n');
    let mut n = depth * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(SPACES.get(..k).unwrap_or_default());
        n -= k;
    }
}

fn int_len(n: i64) -> usize {
    let mut len = usize::from(n < 0);
    let mut v = n.unsigned_abs();
    loop {
        len += 1;
        v /= 10;
        if v == 0 {
            return len;
        }
    }
}

/// Write an integer without a temporary string.
pub(crate) fn push_int(out: &mut String, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            // `v % 10` is below 10, so the cast cannot truncate.
            *slot = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(buf.get(i..).unwrap_or_default()).unwrap_or_default());
}

/// Write anything displayable without a temporary string.
pub(crate) fn push_display(out: &mut String, v: &impl std::fmt::Display) {
    use std::fmt::Write;
    let _ = write!(out, "{v}");
}

/// Whether any byte of `s` needs a JSON escape (a control character, `"` or
/// `\\`). Eight bytes at a time (SWAR): nearly every string has none, and this
/// check is the hot loop of writing and measuring templates.
fn needs_escape(s: &str) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // Exact for "some byte is zero" and for "some byte is below n" (n <= 128).
    let below = |x: u64, n: u64| x.wrapping_sub(LO * n) & !x & HI;
    let mut chunks = s.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        if below(x, 0x20) | below(x ^ (LO * u64::from(b'"')), 1) | below(x ^ (LO * u64::from(b'\\')), 1) != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// The length of [`json_str`]'s output.
fn json_str_len(s: &str) -> usize {
    if !needs_escape(s) {
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

/// Where the first `${` in `s` starts. A byte scan: `str::find` with a
/// string pattern builds a searcher first, which costs more than the scan
/// for the short strings templates are made of.
pub(crate) fn find_interpolation(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(i) = b.get(from..)?.iter().position(|&c| c == b'$') {
        if b.get(from + i + 1) == Some(&b'{') {
            return Some(from + i);
        }
        from += i + 1;
    }
    None
}

/// A JSON string literal, escaped as serde_json escapes.
pub(crate) fn json_str(out: &mut String, s: &str) {
    out.push('"');
    // Almost every string in a template needs no escaping: copy it in one go.
    if !needs_escape(s) {
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
        out.push_str(s.get(start..i).unwrap_or_default());
        if esc.is_empty() {
            push_display(out, &format_args!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    proptest::proptest! {
        #[test]
        fn find_interpolation_agrees_with_str_find(s in "[a$\\{}é]{0,12}") {
            proptest::prop_assert_eq!(find_interpolation(&s), s.find("${"));
        }
    }

    #[test]
    fn json_matches_serde_json_pretty() {
        let a = Bump::new();
        let v = json!({"a": [1, {"b": "x\"y\\z\n\u{1}"}, [], {}], "c": null, "d": true, "e": -1.5, "f": "ünï", "g": -1234567890123_i64, "h": u64::MAX});
        let t = Tree::from_value(&v, &a);
        let mut expected = serde_json::to_string_pretty(&v).unwrap_or_default();
        expected.push('\n');
        assert_eq!(t.to_json(), expected);
        assert_eq!(t.json_len(), expected.len());
        assert_eq!(t.to_json_compact(), serde_json::to_string(&v).unwrap_or_default());
        assert_eq!(t.compact_len(), t.to_json_compact().len());
        assert_eq!(t.to_value(), v);
        let s = Shared::new_in(t, &a);
        let shared = Tree::List(a.alloc_slice_copy(&[s, t, s]));
        assert_eq!(shared.to_json_compact(), format!("[{0},{0},{0}]", t.to_json_compact()));
        assert_eq!(shared.to_json(), Tree::List(a.alloc_slice_copy(&[t, t, t])).to_json());
        assert_eq!(shared.json_len(), shared.to_json().len());
    }

    #[test]
    fn escape_detection_is_exact() {
        for s in ["", "a", "abcdefgh", "abcdefghi", "0123456789abcdef!", "ünïcödé and ascii mixed ~~~"] {
            assert!(!needs_escape(s), "{s:?}");
        }
        for (i, c) in ["\"", "\\", "\n", "\u{1f}", "\u{0}", "\t"].iter().enumerate() {
            for pad in 0..17 {
                let s = format!("{}{c}{}", "x".repeat(pad), "y".repeat(i));
                assert!(needs_escape(&s), "{s:?}");
            }
        }
        // Bytes just outside the escaped ranges.
        assert!(!needs_escape(" !#$%&'()*+,-./[]^_`{|}~\u{7f}"));
    }

    proptest::proptest! {
        #[test]
        fn escape_detection_matches_the_plain_check(s in "\\PC{0,40}|[\\x00-\\x7f]{0,40}") {
            let naive = s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\');
            proptest::prop_assert_eq!(needs_escape(&s), naive);
        }
    }

    #[test]
    fn integers_print_like_display() {
        for n in [0, 7, -7, 10, 99, 100, -100, i64::MAX, i64::MIN] {
            let mut s = String::new();
            push_int(&mut s, n);
            assert_eq!(s, n.to_string());
            assert_eq!(int_len(n), s.len());
        }
    }
}
