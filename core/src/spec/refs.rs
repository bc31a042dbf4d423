//! References between parts of a spec.
//!
//! Two spellings: a *target* (`tables.orders`, used as an `access` key) and an
//! *interpolation* inside a string (`${tables.orders.name}`, used in
//! environment values). Each is parsed once, when the spec is read, into a
//! [`Reference`] or an [`Interpolated`]: validation reports those that do not
//! parse, and the graph builder and the plan read what they refer to.

use super::Spec;

/// The kinds of thing a reference can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `functions.NAME`.
    Function,
    /// `tables.NAME`.
    Table,
    /// `queues.NAME`.
    Queue,
    /// `topics.NAME`.
    Topic,
    /// `http` (there is one API).
    Http,
    /// `secrets.NAME`.
    Secret,
}

impl Kind {
    /// The section name in a spec.
    pub fn section(self) -> &'static str {
        match self {
            Kind::Function => "functions",
            Kind::Table => "tables",
            Kind::Queue => "queues",
            Kind::Topic => "topics",
            Kind::Http => "http",
            Kind::Secret => "secrets",
        }
    }

    /// Attributes a `${...}` interpolation may read.
    pub fn attributes(self) -> &'static [&'static str] {
        match self {
            Kind::Function => &["arn", "name"],
            Kind::Table => &["name", "arn"],
            Kind::Queue => &["url", "arn", "name"],
            Kind::Topic => &["arn", "name"],
            Kind::Http => &["url"],
            // Where it is kept, for the code to read at run time; never the value.
            Kind::Secret => &["name", "arn", "key"],
        }
    }

    fn parse(section: &str) -> Option<Kind> {
        Some(match section {
            "functions" => Kind::Function,
            "tables" => Kind::Table,
            "queues" => Kind::Queue,
            "topics" => Kind::Topic,
            "http" => Kind::Http,
            "secrets" => Kind::Secret,
            _ => return None,
        })
    }
}

/// A reference to one named part of a spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// What kind of thing.
    pub kind: Kind,
    /// Its name (empty for `http`).
    pub name: String,
}

/// One piece of an interpolated string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// `${kind.name.attr}`.
    Ref(Target, String),
}

/// Parse an `access` key such as `tables.orders`.
pub fn parse_target(text: &str) -> Result<Target, String> {
    let (section, name) = text.split_once('.').ok_or_else(|| {
        format!("`{text}` is not a reference; write `tables.NAME`, `queues.NAME`, `topics.NAME`, `functions.NAME` or `secrets.NAME`")
    })?;
    let kind = Kind::parse(section).filter(|k| *k != Kind::Http).ok_or_else(|| {
        format!("`{section}` is not something a function can access; use `tables`, `queues`, `topics`, `functions` or `secrets`")
    })?;
    Ok(Target { kind, name: name.to_owned() })
}

/// Split a string with `${...}` references into pieces. `$${` is a literal `${`.
pub fn parse_interpolation(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        lit.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix("$${") {
            lit.push_str("${");
            rest = after;
        } else if let Some(after) = rest.strip_prefix("${") {
            let end = after.find('}').ok_or_else(|| format!("`{text}` has `${{` without a closing `}}`"))?;
            let body = &after[..end];
            rest = &after[end + 1..];
            let parts: Vec<&str> = body.split('.').collect();
            let (target, attr) = match parts.as_slice() {
                ["http", attr] => (Target { kind: Kind::Http, name: String::new() }, *attr),
                // A secret's value never goes into an environment: it would be plain text in every
                // template and in the function's configuration.
                ["secrets", name] | ["secrets", name, "value"] => {
                    return Err(format!(
                        "`${{{body}}}` would put the secret's value in plain text in every template and in the function's \
                         configuration; pass `${{secrets.{name}.name}}` and read the value at run time (grant \
                         `access: {{ secrets.{name}: read }}`)"
                    ));
                }
                [section, name, attr] => {
                    let kind = Kind::parse(section)
                        .filter(|k| *k != Kind::Http)
                        .ok_or_else(|| format!("`${{{body}}}`: `{section}` is not a section that can be referenced"))?;
                    (Target { kind, name: (*name).to_owned() }, *attr)
                }
                _ => {
                    return Err(format!(
                        "`${{{body}}}` is not a reference; write `${{tables.NAME.name}}`, `${{queues.NAME.url}}` or `${{http.url}}`"
                    ));
                }
            };
            if !target.kind.attributes().contains(&attr) {
                let allowed = target.kind.attributes().iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
                return Err(format!("`${{{body}}}`: {} have no attribute `{attr}`; use {allowed}", target.kind.section()));
            }
            if !lit.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut lit)));
            }
            pieces.push(Piece::Ref(target, attr.to_owned()));
        } else {
            lit.push('$');
            rest = &rest[1..];
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        pieces.push(Piece::Text(lit));
    }
    Ok(pieces)
}

impl Spec {
    /// The names declared under a kind's section.
    pub fn names(&self, kind: Kind) -> Vec<&str> {
        match kind {
            Kind::Function => self.functions.keys().map(String::as_str).collect(),
            Kind::Table => self.tables.keys().map(String::as_str).collect(),
            Kind::Queue => self.queues.keys().map(String::as_str).collect(),
            Kind::Topic => self.topics.keys().map(String::as_str).collect(),
            Kind::Http => self.http.iter().map(|_| "").collect(),
            Kind::Secret => self.secrets.keys().map(String::as_str).collect(),
        }
    }

    /// Whether a target exists in this spec.
    pub fn has(&self, t: &Target) -> bool {
        match t.kind {
            Kind::Http => self.http.is_some(),
            Kind::Function => self.functions.contains_key(&t.name),
            Kind::Table => self.tables.contains_key(&t.name),
            Kind::Queue => self.queues.contains_key(&t.name),
            Kind::Topic => self.topics.contains_key(&t.name),
            Kind::Secret => self.secrets.contains_key(&t.name),
        }
    }

    /// Every region, primary first.
    pub fn all_regions(&self) -> Vec<&str> {
        std::iter::once(self.regions.primary.as_str()).chain(self.regions.standby.iter().map(String::as_str)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolations() {
        let p = parse_interpolation("https://x/${tables.orders.name}/$${aws:username}$").unwrap_or_default();
        assert_eq!(
            p,
            vec![
                Piece::Text("https://x/".into()),
                Piece::Ref(Target { kind: Kind::Table, name: "orders".into() }, "name".into()),
                Piece::Text("/${aws:username}$".into()),
            ]
        );
        assert!(parse_interpolation("${tables.orders.colour}").is_err());
        assert!(parse_interpolation("${nope.x.y}").is_err());
        assert!(parse_interpolation("${tables.orders.name").is_err());
        assert_eq!(parse_interpolation("${http.url}").map(|p| p.len()), Ok(1));
    }

    #[test]
    fn targets() {
        assert_eq!(parse_target("queues.jobs"), Ok(Target { kind: Kind::Queue, name: "jobs".into() }));
        assert!(parse_target("jobs").is_err());
        assert!(parse_target("http.x").is_err());
    }
}

/// A reference as the spec wrote it (`tables.orders`, `functions.smoke`),
/// parsed once when the spec is read: validation reports a reference that
/// does not parse, and everything after it reads the [`Target`].
#[derive(Debug, Clone)]
pub struct Reference {
    text: String,
    parsed: Result<Target, String>,
}

/// A string that may hold `${...}` references (an environment value), split
/// into its pieces once when the spec is read.
#[derive(Debug, Clone)]
pub struct Interpolated {
    text: String,
    pieces: Result<Vec<Piece>, String>,
}

impl Reference {
    /// Read a reference; one that does not parse keeps why.
    pub fn new(text: impl Into<String>) -> Reference {
        let text = text.into();
        let parsed = parse_target(&text);
        Reference { text, parsed }
    }

    /// As written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// What it refers to, or why it does not read as a reference.
    pub fn target(&self) -> Result<&Target, &str> {
        self.parsed.as_ref().map_err(String::as_str)
    }
}

impl Interpolated {
    /// Read a string; one whose references do not parse keeps why.
    pub fn new(text: impl Into<String>) -> Interpolated {
        let text = text.into();
        let pieces = parse_interpolation(&text);
        Interpolated { text, pieces }
    }

    /// As written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Its literal text and references, or why they do not read.
    pub fn pieces(&self) -> Result<&[Piece], &str> {
        self.pieces.as_deref().map_err(String::as_str)
    }
}

/// Both compare, order and print as the text the spec wrote, and read from
/// and write to it: the parse is a cache of that text, never a second truth.
macro_rules! parsed_text {
    ($ty:ident) => {
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.text == other.text
            }
        }
        impl Eq for $ty {}
        impl PartialOrd for $ty {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $ty {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.text.cmp(&other.text)
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.text)
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.text)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map($ty::new)
            }
        }
        impl schemars::JsonSchema for $ty {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                String::schema_name()
            }
            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                String::json_schema(generator)
            }
        }
    };
}

parsed_text!(Reference);
parsed_text!(Interpolated);
