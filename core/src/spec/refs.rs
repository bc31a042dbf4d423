//! References between parts of a spec.
//!
//! Two spellings: a *target* (`tables.orders`, used as an `access` key) and an
//! *interpolation* inside a string (`${tables.orders.name}`, used in
//! environment values). Both are parsed here, once, for validation and for
//! the graph builder.

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
        }
    }

    fn parse(section: &str) -> Option<Kind> {
        Some(match section {
            "functions" => Kind::Function,
            "tables" => Kind::Table,
            "queues" => Kind::Queue,
            "topics" => Kind::Topic,
            "http" => Kind::Http,
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
    let (section, name) = text
        .split_once('.')
        .ok_or_else(|| format!("`{text}` is not a reference; write `tables.NAME`, `queues.NAME`, `topics.NAME` or `functions.NAME`"))?;
    let kind = Kind::parse(section)
        .filter(|k| *k != Kind::Http)
        .ok_or_else(|| format!("`{section}` is not something a function can access; use `tables`, `queues`, `topics` or `functions`"))?;
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
