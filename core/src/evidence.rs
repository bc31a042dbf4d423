//! Evidence: the values and thresholds behind a decision, and the sentence
//! rendered from them, so that "why did it roll back?" gets numbers.

use crate::time::Duration;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a measured value is held against its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Comparison {
    /// Good when the value is at most the threshold (an error rate, a latency, a burn rate).
    AtMost,
    /// Good when the value is at least the threshold (an availability, a success ratio).
    AtLeast,
    /// Good when the value stays under the threshold: reaching it trips (a burn-rate alert, a spent budget).
    Below,
}

/// One measured value and what it was held against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// What was measured, such as `error rate`, `p99`, `burn rate`, `budget used`.
    pub what: String,
    /// Where: a region, a rule, an SLO; empty when it is the whole app.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// The window it was measured over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
    /// The value, in `unit`; `None` when there was no data.
    pub value: Option<f64>,
    /// The threshold it was held against, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// How value and threshold compare.
    pub comparison: Comparison,
    /// The unit: `ratio`, `ms`, `x` (a multiple), `events`.
    pub unit: String,
    /// Counts behind a ratio: bad events and all events, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<(u64, u64)>,
}

impl Measurement {
    /// A value against a threshold.
    pub fn new(what: impl Into<String>, value: Option<f64>, threshold: Option<f64>, comparison: Comparison, unit: &str) -> Measurement {
        Measurement {
            what: what.into(),
            scope: String::new(),
            window: None,
            value,
            threshold,
            comparison,
            unit: unit.to_owned(),
            counts: None,
        }
    }

    /// The same, measured in `scope`.
    pub fn scoped(mut self, scope: impl Into<String>) -> Measurement {
        self.scope = scope.into();
        self
    }

    /// The same, measured over `window`.
    pub fn over(mut self, window: Duration) -> Measurement {
        self.window = Some(window);
        self
    }

    /// The same, with the bad and total event counts behind it.
    pub fn counted(mut self, bad: u64, total: u64) -> Measurement {
        self.counts = Some((bad, total));
        self
    }

    /// Whether the value is on the good side of its threshold; `None` without both.
    pub fn within(&self) -> Option<bool> {
        let (v, t) = (self.value?, self.threshold?);
        Some(match self.comparison {
            Comparison::AtMost => v <= t,
            Comparison::AtLeast => v >= t,
            Comparison::Below => v < t,
        })
    }
}

impl fmt::Display for Measurement {
    /// Such as `error rate in us-east-1 over 5m: 4.2% (21 bad of 500) > 1%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        if !self.scope.is_empty() {
            write!(f, " in {}", self.scope)?;
        }
        if let Some(w) = self.window {
            write!(f, " over {w}")?;
        }
        let Some(value) = self.value else { return f.write_str(": no data") };
        write!(f, ": {}", quantity(value, &self.unit))?;
        if let Some((bad, total)) = self.counts {
            write!(f, " ({bad} bad of {total})")?;
        }
        if let Some(t) = self.threshold {
            let op = match (self.comparison, self.within()) {
                (Comparison::AtMost, Some(true)) => "<=",
                (Comparison::AtMost, _) => ">",
                (Comparison::AtLeast, Some(true)) => ">=",
                (Comparison::AtLeast, _) => "<",
                (Comparison::Below, Some(true)) => "<",
                (Comparison::Below, _) => ">=",
            };
            write!(f, " {op} {}", quantity(t, &self.unit))?;
        }
        Ok(())
    }
}

/// A value in its unit, as a person reads it: ratios as percentages, the rest with the unit.
fn quantity(v: f64, unit: &str) -> String {
    let trim = |s: String| if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
    match unit {
        "ratio" => format!("{}%", trim(format!("{:.4}", v * 100.0))),
        "x" => format!("{}x", trim(format!("{v:.4}"))),
        "" => trim(format!("{v:.4}")),
        u => format!("{}{u}", trim(format!("{v:.4}"))),
    }
}

/// The evidence behind one decision: what was measured, and the sentence a person reads.
///
/// Reads from its own JSON shape or from a bare string (a sentence with nothing measured).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "EvidenceInput")]
pub struct Evidence {
    /// The values and thresholds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
    /// The sentence: rendered from the measurements, or said in words where nothing was measured.
    pub summary: String,
}

impl Evidence {
    /// Evidence of these measurements, the sentence rendered from them.
    pub fn of(measurements: Vec<Measurement>) -> Evidence {
        let summary = measurements.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        Evidence { measurements, summary }
    }

    /// Evidence with nothing measured (a person's approval, a deploy's error).
    pub fn said(summary: impl Into<String>) -> Evidence {
        Evidence { measurements: Vec::new(), summary: summary.into() }
    }

    /// No evidence at all.
    pub fn none() -> Evidence {
        Evidence::default()
    }

    /// Whether there is neither a measurement nor a sentence.
    pub fn is_empty(&self) -> bool {
        self.measurements.is_empty() && self.summary.is_empty()
    }
}

/// What evidence reads from: its own shape, or a bare sentence.
#[derive(Deserialize)]
#[serde(untagged)]
enum EvidenceInput {
    Said(String),
    Full {
        #[serde(default)]
        measurements: Vec<Measurement>,
        #[serde(default)]
        summary: Option<String>,
    },
}

impl From<EvidenceInput> for Evidence {
    fn from(input: EvidenceInput) -> Evidence {
        match input {
            EvidenceInput::Said(s) => Evidence::said(s),
            // A summary left out is rendered from the measurements.
            EvidenceInput::Full { measurements, summary: None } => Evidence::of(measurements),
            EvidenceInput::Full { measurements, summary: Some(summary) } => Evidence { measurements, summary },
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}

impl From<&str> for Evidence {
    fn from(s: &str) -> Evidence {
        Evidence::said(s)
    }
}

impl From<String> for Evidence {
    fn from(s: String) -> Evidence {
        Evidence::said(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_is_rendered_from_the_numbers() {
        let e = Evidence::of(vec![
            Measurement::new("error rate", Some(0.042), Some(0.01), Comparison::AtMost, "ratio")
                .scoped("us-east-1")
                .over(Duration::from_secs(300))
                .counted(21, 500),
            Measurement::new("p99", Some(180.0), Some(300.0), Comparison::AtMost, "ms"),
            Measurement::new("availability", None, Some(0.999), Comparison::AtLeast, "ratio"),
        ]);
        assert_eq!(e.summary, "error rate in us-east-1 over 5m: 4.2% (21 bad of 500) > 1%; p99: 180ms <= 300ms; availability: no data");
        assert_eq!(e.measurements.first().and_then(Measurement::within), Some(false));
        assert_eq!(e.measurements.get(2).and_then(Measurement::within), None);
        // It reads back from its JSON, and from a bare sentence.
        let back: Option<Evidence> = serde_json::to_string(&e).ok().and_then(|j| serde_json::from_str(&j).ok());
        assert_eq!(back.as_ref(), Some(&e));
        assert_eq!(serde_json::from_str::<Evidence>("\"timeout\"").ok(), Some(Evidence::said("timeout")));
    }
}
