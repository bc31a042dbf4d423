//! [`AppError`]: why an operation of [`super::App`] gave no answer. One enum
//! for every operation, so that each binding maps errors with one adapter.

use crate::diag::Diagnostic;

/// Why an operation gave no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    /// The spec has errors that block the operation; all of them are here, warnings too.
    #[error("{}", summary(.0))]
    Invalid(Vec<Diagnostic>),
    /// The region asked for is not one of the app's.
    #[error("`{region}` is not a region of this app; its regions are {}", .known.join(", "))]
    UnknownRegion {
        /// The region asked for.
        region: String,
        /// The app's regions.
        known: Vec<String>,
    },
    /// A name (a format, a scenario, an SLO) that is not one of those known.
    #[error("unknown {what} `{given}`; use {}", one_of(.known))]
    UnknownName {
        /// What kind of name, such as `format` or `drill scenario`.
        what: &'static str,
        /// The name given.
        given: String,
        /// The names that are known.
        known: Vec<String>,
    },
    /// The spec lacks a section the operation needs.
    #[error("the spec has no `{section}:` section, such as `{example}`")]
    MissingSection {
        /// The section.
        section: &'static str,
        /// A minimal one, to copy.
        example: &'static str,
    },
    /// An argument that does not read as what it must be.
    #[error("{what}: {message}")]
    BadArgument {
        /// Which argument.
        what: &'static str,
        /// What is wrong, with every problem found.
        message: String,
    },
}

/// "the spec has 2 error(s); the first: ...": written here once for every front end.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    match diagnostics.iter().find(|d| d.is_error()) {
        Some(first) => format!("the spec has {errors} error(s); the first: {}", first.message),
        None => "the spec has no errors".to_owned(),
    }
}

fn one_of(known: &[String]) -> String {
    match known {
        [] => "none: there are none".to_owned(),
        [one] => format!("`{one}`"),
        [init @ .., last] => format!("{} or `{last}`", init.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
    }
}

impl AppError {
    /// The diagnostics, for [`AppError::Invalid`].
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            AppError::Invalid(d) => d,
            _ => &[],
        }
    }

    /// An unknown name among `known`.
    pub fn unknown(what: &'static str, given: &str, known: impl IntoIterator<Item = impl Into<String>>) -> AppError {
        AppError::UnknownName { what, given: given.to_owned(), known: known.into_iter().map(Into::into).collect() }
    }
}
