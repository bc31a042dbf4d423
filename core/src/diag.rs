//! Diagnostics: the data every check in Lift reports.
//!
//! A diagnostic is data, not a string: a stable code, a severity, where it is
//! (JSON pointer into the spec and, when known, line and column in the file),
//! a message in plain words and an optional hint.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a diagnostic is. Errors stop synthesis; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec cannot be turned into infrastructure as it is.
    Error,
    /// Legal, but likely a mistake or close to a limit.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A position in a source file, 1-based like compilers print them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Location {
    /// Line, starting at 1.
    pub line: u32,
    /// Column in characters, starting at 1.
    pub column: u32,
}

/// One finding about a spec or a generated template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Diagnostic {
    /// Stable code, such as `E101`; documented in the README.
    pub code: String,
    /// Error or warning.
    pub severity: Severity,
    /// JSON pointer (RFC 6901) into the spec; empty for the whole document.
    pub pointer: String,
    /// Line and column in the source file, when the pointer maps to one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<Location>,
    /// What is wrong, in plain words.
    pub message: String,
    /// How to fix it, when Lift can tell.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A new error at `pointer`.
    pub fn error(code: Code, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, pointer, message)
    }

    /// A new warning at `pointer`.
    pub fn warning(code: Code, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, pointer, message)
    }

    fn new(code: Code, severity: Severity, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.as_str().to_owned(),
            severity,
            pointer: escape_controls(pointer.into()),
            location: None,
            message: escape_controls(message.into()),
            hint: None,
        }
    }

    /// Attach a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(escape_controls(hint.into()));
        self
    }

    /// Attach a location.
    #[must_use]
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Render like a compiler: `file:line:col: error[E101]: message` plus a hint line.
    pub fn render(&self, file: &str) -> String {
        let place = match self.location {
            Some(l) => format!("{file}:{}:{}", l.line, l.column),
            None => file.to_owned(),
        };
        let mut out = format!("{place}: {}[{}]: {}", self.severity, self.code, self.message);
        if !self.pointer.is_empty() {
            out.push_str(&format!("\n  at {}", self.pointer));
        }
        if let Some(h) = &self.hint {
            out.push_str(&format!("\n  hint: {h}"));
        }
        out
    }
}

/// True when any diagnostic is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

/// Sort diagnostics by position, then code, so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (a.location, &a.pointer, &a.code, &a.message).cmp(&(b.location, &b.pointer, &b.code, &b.message)));
}

/// Escape one JSON pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    push_segment(&mut out, segment);
    out
}

/// Append one segment to a JSON pointer, escaped (RFC 6901); the caller writes the `/`.
pub fn push_segment(out: &mut String, segment: &str) {
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Every diagnostic code Lift emits, with its meaning. The README lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The file is not valid YAML or JSON.
    Syntax,
    /// A key appears twice in one mapping.
    DuplicateKey,
    /// A field the spec does not know.
    UnknownField,
    /// A required field is missing.
    MissingField,
    /// A value has the wrong type.
    WrongType,
    /// A value is not one of the allowed ones.
    BadValue,
    /// A value is outside its allowed range.
    OutOfRange,
    /// A reference names something that does not exist.
    DanglingRef,
    /// References form a cycle.
    Cycle,
    /// A name breaks the naming rules.
    BadName,
    /// Two things in one region would collide.
    Conflict,
    /// A CloudFormation or AWS service limit is exceeded.
    LimitExceeded,
    /// A CloudFormation or AWS service limit is nearly reached (90%).
    LimitNear,
    /// Logs are kept forever or not at all.
    Retention,
    /// Something is reachable from the internet without authentication.
    PublicExposure,
    /// An IAM statement uses a wildcard.
    WildcardIam,
    /// A literal that looks like a secret (by its name or its shape) would be
    /// written in plain text into every template.
    PlaintextSecret,
    /// A region is listed twice or is not a known AWS region.
    BadRegion,
    /// An SLO alert rule can never fire, or the budget is tiny.
    SloRule,
}

impl Code {
    /// The stable code string.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "E001",
            Code::DuplicateKey => "E002",
            Code::UnknownField => "E101",
            Code::MissingField => "E102",
            Code::WrongType => "E103",
            Code::BadValue => "E104",
            Code::OutOfRange => "E105",
            Code::DanglingRef => "E201",
            Code::Cycle => "E202",
            Code::BadName => "E203",
            Code::Conflict => "E204",
            Code::BadRegion => "E205",
            Code::LimitExceeded => "E301",
            Code::LimitNear => "W301",
            Code::Retention => "W402",
            Code::PublicExposure => "W403",
            Code::WildcardIam => "W404",
            Code::PlaintextSecret => "W405",
            Code::SloRule => "W501",
        }
    }

    /// What the code means, in a few words (SARIF's rule descriptions).
    pub fn summary(self) -> &'static str {
        match self {
            Code::Syntax => "not valid YAML or JSON",
            Code::DuplicateKey => "a key appears twice in one mapping",
            Code::UnknownField => "unknown field",
            Code::MissingField => "missing field",
            Code::WrongType => "wrong type",
            Code::BadValue => "bad value",
            Code::OutOfRange => "out of range",
            Code::DanglingRef => "dangling reference",
            Code::Cycle => "dependency cycle",
            Code::BadName => "a name breaks the naming rules",
            Code::Conflict => "two things collide",
            Code::BadRegion => "unknown or repeated region",
            Code::LimitExceeded => "a CloudFormation, IAM or Lambda limit is exceeded",
            Code::LimitNear => "a limit is at 90% or more",
            Code::Retention => "logs kept too briefly, or for a period CloudWatch cannot keep exactly",
            Code::PublicExposure => "something is public",
            Code::WildcardIam => "an IAM statement with a wildcard",
            Code::PlaintextSecret => "a literal environment value that looks like a secret",
            Code::SloRule => "an SLO alert rule that can never fire or a window too short to measure, or a tiny budget",
        }
    }

    /// Every code, for documentation.
    pub const ALL: [Code; 19] = [
        Code::Syntax,
        Code::DuplicateKey,
        Code::UnknownField,
        Code::MissingField,
        Code::WrongType,
        Code::BadValue,
        Code::OutOfRange,
        Code::DanglingRef,
        Code::Cycle,
        Code::BadName,
        Code::Conflict,
        Code::BadRegion,
        Code::LimitExceeded,
        Code::LimitNear,
        Code::Retention,
        Code::PublicExposure,
        Code::WildcardIam,
        Code::PlaintextSecret,
        Code::SloRule,
    ];
}

/// `text` with every control character (C0, DEL, C1) written as an escape
/// (`\u{1b}`), so that a message quoting input cannot move a terminal's
/// cursor, set its title or ring its bell. Line feeds and tabs stay.
pub fn escape_controls(text: String) -> String {
    let escaped = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(escaped) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_quoting_input_carry_no_terminal_controls() {
        // A key made of escapes in a double-quoted string: clear screen, a title, a bell.
        let text = "app: a\nregions: { primary: us-east-1 }\n\"\\e[2J\\e]0;pwned\\a\": 1\n";
        let diags = match crate::App::from_text(text) {
            Ok(app) => app.validate(),
            Err(d) => d,
        };
        assert!(!diags.is_empty());
        for d in &diags {
            let all = format!("{} {} {}", d.pointer, d.message, d.hint.clone().unwrap_or_default());
            assert!(!all.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{all:?}");
        }
        assert!(diags.iter().any(|d| d.message.contains("\\u{1b}[2J")), "{diags:?}");
    }
}
