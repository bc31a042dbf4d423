//! A YAML emitter for templates: block style, two-space indentation, keys
//! in the value's order, and a string quoted whenever a YAML 1.1 or 1.2 reader
//! could take it for anything but that string (`yes`, `1e3`, `null`, `:`...).
//! Quoted strings use JSON escapes, which YAML's double quotes accept.

use super::tree::{Bump, Tree, push_display, push_int};
use serde_json::Value;
use std::fmt::Write;

/// Render a JSON value as a YAML document.
pub fn to_yaml(v: &Value) -> String {
    let arena = Bump::new();
    tree_to_yaml(&Tree::from_value(v, &arena))
}

/// Render a template tree as a YAML document.
pub fn tree_to_yaml(v: &Tree<'_>) -> String {
    let mut out = String::with_capacity(4096);
    match v.resolve() {
        Tree::Map(m) if !m.is_empty() => block_map(&mut out, m, 0),
        Tree::List(a) if !a.is_empty() => block_seq(&mut out, a, 0),
        other => {
            inline(&mut out, other);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(SPACES.get(..k).unwrap_or_default());
        n -= k;
    }
}

fn block_map(out: &mut String, m: &[(&str, Tree<'_>)], depth: usize) {
    for (k, v) in m {
        indent(out, depth);
        push_scalar(out, k);
        out.push(':');
        child(out, v, depth);
    }
}

fn block_seq(out: &mut String, a: &[Tree<'_>], depth: usize) {
    for v in a {
        indent(out, depth);
        out.push('-');
        match v.resolve() {
            Tree::Map(m) if !m.is_empty() => {
                // First key on the dash's line, the rest aligned under it.
                let mut first = true;
                for (k, val) in m.iter() {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent(out, depth + 2);
                    }
                    push_scalar(out, k);
                    out.push(':');
                    child(out, val, depth + 2);
                }
            }
            Tree::List(inner) if !inner.is_empty() => {
                out.push('\n');
                block_seq(out, inner, depth + 2);
            }
            other => {
                out.push(' ');
                inline(out, other);
                out.push('\n');
            }
        }
    }
}

fn child(out: &mut String, v: &Tree<'_>, depth: usize) {
    match v.resolve() {
        Tree::Map(m) if !m.is_empty() => {
            out.push('\n');
            block_map(out, m, depth + 2);
        }
        Tree::List(a) if !a.is_empty() => {
            out.push('\n');
            block_seq(out, a, depth + 2);
        }
        other => {
            out.push(' ');
            inline(out, other);
            out.push('\n');
        }
    }
}

fn inline(out: &mut String, v: &Tree<'_>) {
    match v.resolve() {
        Tree::Null => out.push_str("null"),
        Tree::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Tree::Int(n) => push_int(out, *n),
        Tree::Num(n) => push_display(out, n),
        Tree::Str(s) => push_scalar(out, s),
        Tree::List(_) => out.push_str("[]"),
        Tree::Map(_) | Tree::Shared(_) => out.push_str("{}"),
    }
}

fn push_scalar(out: &mut String, s: &str) {
    // One pass over the bytes tells both whether the string may be plain and
    // whether its quoted form needs escapes.
    let class = s.bytes().fold(PLAIN | VERBATIM, |acc, b| acc & class_of(b));
    if class & PLAIN != 0 && plain_ok(s) {
        out.push_str(s);
    } else if class & VERBATIM != 0 {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        push_quoted(out, s);
    }
}

/// A string as a YAML scalar: plain when unambiguous, else double-quoted.
pub fn scalar_str(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    push_scalar(&mut q, s);
    q
}

fn push_quoted(q: &mut String, s: &str) {
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}' || c == '\u{feff}' => {
                let _ = write!(q, "\\u{:04x}", c as u32);
            }
            c => q.push(c),
        }
    }
    q.push('"');
}

/// Words YAML 1.1 readers (PyYAML, cfn-lint's loader) turn into booleans, null or numbers.
const AMBIGUOUS: [&str; 11] = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"];

/// A byte may appear in a plain scalar (given the checks of `plain_ok`).
const PLAIN: u8 = 1;
/// A byte stands for itself inside double quotes: printable ASCII but `"` and `\\`.
const VERBATIM: u8 = 2;

fn class_of(b: u8) -> u8 {
    // Never out of range: the table has an entry for every byte.
    CLASS.get(usize::from(b)).copied().unwrap_or(0)
}

/// Each byte's classes, as a table: this runs on every byte written.
#[allow(clippy::indexing_slicing, reason = "b < 256 by the loop's bound, in a const block")]
const CLASS: [u8; 256] = {
    let mut t = [0; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric()
            || matches!(c, b' ' | b'_' | b'-' | b'.' | b'/' | b':' | b'+' | b'=' | b'@' | b'(' | b')' | b'*' | b',')
        {
            t[b] |= PLAIN;
        }
        if c >= 0x20 && c < 0x7f && c != b'"' && c != b'\\' {
            t[b] |= VERBATIM;
        }
        b += 1;
    }
    t
};

/// Whether `s`, every byte of which is [`PLAIN`], may be written plain.
fn plain_ok(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else { return false };
    if !(first.is_ascii_alphabetic() || first == b'/' || first == b'_') {
        return false;
    }
    if bytes.last().is_some_and(|b| *b == b' ' || *b == b':') {
        return false;
    }
    // No `: ` or ` #` pair (which need a space).
    if bytes.contains(&b' ') && (s.contains(": ") || s.contains(" #")) {
        return false;
    }
    s.len() > 5 || !AMBIGUOUS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_the_parser() {
        let v = json!({
            "a": "plain", "b": "yes", "c": "1e3", "d": "x: y", "e": "${!x}", "f": [1, {"g": [], "h": {}}, [2, 3]],
            "i": null, "j": true, "k": 1.5, "l": "line\nbreak", "m": "", "n": "-dash", "o": "{\"json\":1}"
        });
        let text = to_yaml(&v);
        let back = crate::spec::source::parse(&text);
        assert!(back.diagnostics.is_empty(), "{text}");
        assert_eq!(back.value, v, "{text}");
    }

    #[test]
    fn ambiguous_words_are_quoted() {
        for w in ["yes", "No", "on", "null", "true", "1", "0x1f", "- a", "a: b", "#c", "*x", "&y", "!z", ""] {
            assert!(scalar_str(w).starts_with('"'), "{w}");
        }
        assert_eq!(scalar_str("AWS::Lambda::Function"), "AWS::Lambda::Function");
    }
}
