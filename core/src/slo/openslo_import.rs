//! Reading OpenSLO documents back into the spec's SLOs: Lift's own (their
//! `lift.dev/` annotations give back exactly what was written) and other
//! tools': `openslo/v1`, and `openslo/v1alpha`, the dialect Sloth reads and
//! publishes. A document that cannot be read is refused with its place, the
//! field and the reason; one that is read but not needed is named in a note.

use super::promql;
use crate::spec::units::{CalendarUnit, Duration, Percent, SloWindow};
use crate::spec::{Budgeting, PromQueries, Slo};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What an import found: the SLOs, and a note for every document it read but did not use.
#[derive(Debug, Default, PartialEq)]
pub struct Imported {
    /// The SLOs, by name.
    pub slos: BTreeMap<String, Slo>,
    /// Documents read and left out, each with the reason.
    pub notes: Vec<String>,
}

impl Imported {
    /// The SLOs as a spec's `slos:` section in YAML, each note a `#` comment above it.
    pub fn to_yaml(&self) -> String {
        let notes: String = self.notes.iter().map(|n| format!("# {n}\n")).collect();
        notes + &crate::text::yaml::to_yaml(&serde_json::json!({ "slos": self.slos }))
    }
}

/// The OpenSLO versions Lift reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Version {
    V1,
    /// Sloth's dialect: `timeWindows` with `count` and `unit`, `ratioMetrics` inside each objective.
    V1Alpha,
}

/// The kinds of OpenSLO documents; those other than `SLO` are read only through an SLO.
const KINDS: [&str; 7] = ["SLO", "SLI", "Service", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget"];

/// One document of the stream, with where it stands.
struct Doc<'a> {
    place: String,
    version: Version,
    kind: &'a str,
    name: Option<&'a str>,
    value: &'a Value,
}

impl Doc<'_> {
    fn at(&self, what: &str) -> String {
        match self.name {
            Some(n) => format!("{} ({} `{n}`): {what}", self.place, self.kind),
            None => format!("{} ({}): {what}", self.place, self.kind),
        }
    }
}

/// Read the SLOs of a stream of OpenSLO documents (`---` separated, or a
/// top-level list of them as `oslo` takes). Every document that cannot be
/// read is reported, each by its place in the stream.
pub fn import_openslo(text: &str) -> Result<Imported, Vec<String>> {
    let parsed = crate::spec::source::parse_all(text).map_err(|d| {
        d.into_iter()
            .map(|d| match d.location {
                Some(l) => format!("line {}, column {}: {}", l.line, l.column, d.message),
                None => d.message,
            })
            .collect::<Vec<_>>()
    })?;
    let mut flat: Vec<(String, &Value)> = vec![];
    for (i, d) in parsed.iter().enumerate() {
        match d {
            Value::Array(items) => flat.extend(items.iter().enumerate().map(|(j, v)| (format!("document {}, item {}", i + 1, j + 1), v))),
            v => flat.push((format!("document {}", i + 1), v)),
        }
    }
    let mut errors = vec![];
    let mut docs = vec![];
    for (place, value) in &flat {
        match header(place, value) {
            Ok((version, kind)) => {
                let name = value.pointer("/metadata/name").and_then(Value::as_str);
                docs.push(Doc { place: place.clone(), version, kind, name, value });
            }
            Err(e) => errors.push(e),
        }
    }
    let mut out = Imported::default();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut used: BTreeSet<(&str, &str)> = BTreeSet::new();
    for doc in docs.iter().filter(|d| d.kind == "SLO") {
        match read_slo(doc, &docs, &mut used) {
            Ok(slos) => {
                for (name, slo) in slos {
                    if let Some(previous) = seen.insert(name.clone(), doc.place.clone()) {
                        errors.push(doc.at(&format!("SLO `{name}` is defined already, by {previous}")));
                    } else {
                        out.slos.insert(name, slo);
                    }
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() && out.slos.is_empty() {
        let found: Vec<String> = docs.iter().map(|d| format!("{}: {}", d.place, d.kind)).collect();
        errors.push(if found.is_empty() {
            "no OpenSLO documents to import".to_owned()
        } else {
            format!("no SLO document to import ({}); other kinds are read only through an SLO", found.join(", "))
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for doc in docs.iter().filter(|d| d.kind != "SLO" && !used.contains(&(d.kind, d.name.unwrap_or_default()))) {
        let why = match doc.kind {
            "Service" => "no SLO names this service; Lift's app is the service",
            "SLI" | "DataSource" => "no SLO reads it",
            _ => {
                "Lift derives each SLO's alert rules from its objective and period (docs/slos.md); alerts go to the spec's `notify` channels"
            }
        };
        out.notes.push(doc.at(&format!("not imported: {why}")));
    }
    Ok(out)
}

/// A document's version and kind, or why it is no OpenSLO document Lift reads.
fn header<'a>(place: &str, value: &'a Value) -> Result<(Version, &'a str), String> {
    let Some(map) = value.as_object() else {
        return Err(format!(
            "{place}: an OpenSLO document is a mapping with `apiVersion`, `kind`, `metadata` and `spec`, not {}",
            type_name(value)
        ));
    };
    let (api, kind) = (map.get("apiVersion"), map.get("kind"));
    if api.is_none() && kind.is_none() {
        let keys: Vec<&str> = map.keys().map(String::as_str).take(4).collect();
        return Err(format!(
            "{place}: no `apiVersion` and no `kind`, so not an OpenSLO document (its keys: {}); a part of one cannot be imported on its own",
            keys.join(", ")
        ));
    }
    let version = match api {
        Some(Value::String(v)) if v == "openslo/v1" => Version::V1,
        Some(Value::String(v)) if v == "openslo/v1alpha" => Version::V1Alpha,
        Some(Value::String(v)) if v.starts_with("openslo") => {
            return Err(format!(
                "{place}: `apiVersion: {v}` is a version of OpenSLO Lift does not read; it reads `openslo/v1` and `openslo/v1alpha`"
            ));
        }
        Some(v) => return Err(format!("{place}: `apiVersion: {}` is not OpenSLO's; write `openslo/v1`", scalar(v))),
        None => return Err(format!("{place}: no `apiVersion`; OpenSLO documents start with `apiVersion: openslo/v1`")),
    };
    match kind {
        Some(Value::String(k)) if KINDS.contains(&k.as_str()) => Ok((version, k)),
        Some(Value::String(k)) => Err(format!("{place}: `kind: {k}` is not an OpenSLO kind ({})", KINDS.join(", "))),
        Some(other) => Err(format!("{place}: `kind` must be a string such as `SLO`, not {}", type_name(other))),
        None => Err(format!("{place}: no `kind`, such as `kind: SLO`")),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The SLOs of one `SLO` document: one per objective.
fn read_slo<'a>(doc: &Doc<'a>, docs: &'a [Doc<'a>], used: &mut BTreeSet<(&'a str, &'a str)>) -> Result<Vec<(String, Slo)>, Vec<String>> {
    let v = doc.value;
    let Some(base) = doc.name else { return Err(vec![doc.at("`metadata.name` is missing")]) };
    let ann = |k: &str| v.pointer("/metadata/annotations").and_then(|a| a.get(k)).and_then(Value::as_str);
    let Some(spec) = v.get("spec").filter(|s| s.is_object()) else { return Err(vec![doc.at("`spec` is missing or not a mapping")]) };
    if let Some(service) = spec.get("service").and_then(Value::as_str) {
        used.insert(("Service", service));
    }
    let mut errors = vec![];
    let window = match doc.version {
        Version::V1 => window_v1(spec),
        Version::V1Alpha => window_v1alpha(spec),
    }
    .map_err(|e| errors.push(doc.at(&e)))
    .ok();
    let budgeting = match spec.get("budgetingMethod") {
        None => Some(Budgeting::Occurrences),
        Some(Value::String(m)) if m == "Occurrences" => Some(Budgeting::Occurrences),
        Some(Value::String(m)) if m == "Timeslices" => Some(Budgeting::Timeslices),
        Some(Value::String(m)) if m == "RatioTimeslices" => Some(Budgeting::RatioTimeslices),
        Some(other) => {
            errors.push(
                doc.at(&format!("`spec.budgetingMethod: {}` is not `Occurrences`, `Timeslices` or `RatioTimeslices`", scalar(other))),
            );
            None
        }
    };
    let lift_written = ann("lift.dev/name").is_some();
    // v1: one indicator for every objective; v1alpha: each objective its own `ratioMetrics`.
    let shared = match (doc.version, lift_written) {
        (_, true) => Ok(lift_queries(ann)),
        (Version::V1, false) => indicator_v1(spec, docs, used).map(Some),
        (Version::V1Alpha, false) => match spec.pointer("/indicator/thresholdMetric") {
            Some(_) => Err(THRESHOLD.to_owned()),
            None => Ok(None),
        },
    };
    let shared = shared.map_err(|e| errors.push(doc.at(&e))).ok();
    let objectives = match spec.get("objectives") {
        Some(Value::Array(o)) if !o.is_empty() => o.as_slice(),
        Some(Value::Array(_) | Value::Null) | None => {
            errors.push(doc.at("`spec.objectives` is missing or empty: an SLO needs an objective, such as `[{ target: 0.999 }]`"));
            &[]
        }
        Some(other) => {
            errors.push(doc.at(&format!("`spec.objectives` must be a list, not {}", type_name(other))));
            &[]
        }
    };
    let mut out = vec![];
    for (i, o) in objectives.iter().enumerate() {
        let field = |f: &str| format!("`spec.objectives[{i}]{f}`");
        let objective = target(o).map_err(|e| errors.push(doc.at(&format!("{}: {e}", field("")))));
        let queries = match (doc.version, &shared) {
            (Version::V1Alpha, Some(None)) => {
                ratio_v1alpha(o).map(Some).map_err(|e| errors.push(doc.at(&format!("{}: {e}", field(".ratioMetrics"))))).ok()
            }
            (Version::V1, _) if o.get("indicator").is_some() || o.get("indicatorRef").is_some() => {
                errors.push(doc.at(&format!(
                    "{}: a composite OpenSLO objective (an indicator per objective) is not imported; Lift's composites weigh named SLOs (`composite:`)",
                    field(".indicator")
                )));
                None
            }
            (_, Some(q)) => Some(q.clone()),
            (_, None) => None,
        };
        let timeslice = match o.get("timeSliceWindow").and_then(Value::as_str).map(rolling) {
            None => Some(Duration::from_secs(60)),
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                errors.push(doc.at(&format!("{}: {e}", field(".timeSliceWindow"))));
                None
            }
        };
        let timeslice_target = match o.get("timeSliceTarget") {
            None => Ok(None),
            Some(t) => t.as_f64().and_then(fraction).map(Some).ok_or_else(|| format!("`{}` is not a fraction between 0 and 1", scalar(t))),
        }
        .map_err(|e| errors.push(doc.at(&format!("{}: {e}", field(".timeSliceTarget")))));
        let (Ok(objective), Some((window, time_zone)), Some(budgeting), Some(prometheus), Some(timeslice), Ok(timeslice_target)) =
            (objective, window.clone(), budgeting, queries, timeslice, timeslice_target)
        else {
            continue;
        };
        // Sloth names an objective's SLO `<name>-<index>`; keeping its names keeps its `sloth_slo` label.
        let name = match (doc.version, objectives.len()) {
            (Version::V1Alpha, _) => format!("{base}-{i}"),
            (Version::V1, 1) => ann("lift.dev/name").unwrap_or(base).to_owned(),
            (Version::V1, _) => format!("{base}-{i}"),
        };
        out.push((
            name,
            Slo {
                objective,
                window,
                time_zone,
                maintenance: ann("lift.dev/maintenance").and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default(),
                composite: ann("lift.dev/composite").and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default(),
                threshold: ann("lift.dev/latency-threshold").and_then(|t| t.parse().ok()),
                percentile: ann("lift.dev/latency-percentile").and_then(|t| t.parse().ok()),
                min_throughput: ann("lift.dev/min-throughput").and_then(|t| t.parse().ok()),
                min_events: ann("lift.dev/min-events").and_then(|m| m.parse().ok()).unwrap_or(100),
                prometheus,
                budgeting,
                timeslice,
                timeslice_target,
            },
        ));
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

const THRESHOLD: &str = "`spec.indicator.thresholdMetric`: a threshold indicator has no event counts; Lift's SLOs count good and bad events (use a `ratioMetric`)";

/// The queries Lift wrote into its own documents' annotations (none: Lift's default metric).
fn lift_queries<'a>(ann: impl Fn(&str) -> Option<&'a str>) -> Option<PromQueries> {
    match (ann("lift.dev/errors-query"), ann("lift.dev/total-query")) {
        (Some(e), Some(t)) => Some(PromQueries { errors: e.to_owned(), total: t.to_owned() }),
        _ => None,
    }
}

/// An objective's target: `target` (a fraction) or `targetPercent`, not both.
fn target(o: &Value) -> Result<Percent, String> {
    let t = match (o.get("target"), o.get("targetPercent")) {
        (Some(_), Some(_)) => return Err("has both `target` and `targetPercent`; OpenSLO allows one".into()),
        (Some(t), None) => t.as_f64().ok_or_else(|| format!("`target: {}` is not a number", scalar(t)))?,
        (None, Some(p)) => p.as_f64().ok_or_else(|| format!("`targetPercent: {}` is not a number", scalar(p)))? / 100.0,
        (None, None) => return Err("has no `target` (such as 0.999) or `targetPercent` (such as 99.9)".into()),
    };
    if t >= 1.0 {
        return Err(format!("a target of {t} leaves no error budget; a target is below 1, such as 0.999"));
    }
    fraction(t).ok_or_else(|| format!("a target of {t} is not a fraction between 0 and 1"))
}

fn fraction(v: f64) -> Option<Percent> {
    // Targets are decimals of at most six places: round away the float's noise.
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "in 0..=1e6 after the range check")]
    (0.0..=1.0).contains(&v).then(|| Percent::from_ppm((v * 1_000_000.0).round() as u32))
}

/// An OpenSLO duration shorthand for a length: a whole number and one of `m h d w`.
fn rolling(text: &str) -> Result<Duration, String> {
    let unit_at = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (n, unit) = text.split_at(unit_at);
    let n: u64 = n.parse().map_err(|_| format!("`{text}` is not an OpenSLO duration (a whole number and a unit: `30d`, `4w`)"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "M" | "Q" | "Y" => {
            return Err(format!(
                "`{text}` is a calendar length; a rolling window needs a fixed one (`30d`, `4w`), or `isRolling: false` with a `calendar`"
            ));
        }
        _ => return Err(format!("`{text}` is not an OpenSLO duration: the unit is one of m, h, d, w (M, Q, Y for calendar windows)")),
    };
    n.checked_mul(secs)
        .filter(|s| *s > 0 && *s <= 400 * 86_400)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("`{text}` is outside 1s to 400d"))
}

/// A calendar period from OpenSLO's shorthand (`1w`, `1M`, `1Q`).
fn calendar(text: &str) -> Result<CalendarUnit, String> {
    match text {
        "1w" | "7d" => Ok(CalendarUnit::Week),
        "1M" => Ok(CalendarUnit::Month),
        "1Q" | "3M" => Ok(CalendarUnit::Quarter),
        // The OpenSLO example that writes `1m` means a month, and is read as a minute by the shorthand.
        t if t.ends_with('m') => Err(format!("calendar window `{t}` is minutes (`m`); a month is `1M`")),
        t => Err(format!("calendar window `{t}` is not one of Lift's calendar periods: `1w`, `1M`, `1Q`")),
    }
}

type Window = (SloWindow, Option<String>);

fn zone(cal: Option<&Value>) -> Option<String> {
    cal.and_then(|c| c.get("timeZone")).and_then(Value::as_str).filter(|z| *z != "UTC").map(str::to_owned)
}

/// `spec.timeWindow`: exactly one, rolling or calendar-aligned.
fn window_v1(spec: &Value) -> Result<Window, String> {
    let w = match spec.get("timeWindow") {
        Some(Value::Array(w)) if w.len() == 1 => w.first().unwrap_or(&Value::Null),
        Some(Value::Array(w)) if w.len() > 1 => {
            return Err(format!("`spec.timeWindow` has {} windows; OpenSLO and Lift take exactly one", w.len()));
        }
        _ => {
            return Err("`spec.timeWindow` is missing: OpenSLO v1 needs exactly one, such as `[{ duration: 28d, isRolling: true }]`".into());
        }
    };
    let duration = w.get("duration").and_then(Value::as_str).ok_or("`spec.timeWindow[0].duration` is missing")?;
    let cal = w.get("calendar");
    // OpenSLO: `isRolling` is false when omitted beside a `calendar`.
    let is_rolling = w.get("isRolling").and_then(Value::as_bool).unwrap_or(cal.is_none());
    if is_rolling {
        rolling(duration).map(|d| (SloWindow::Rolling(d), None)).map_err(|e| format!("`spec.timeWindow[0].duration`: {e}"))
    } else {
        calendar(duration).map(|u| (SloWindow::Calendar(u), zone(cal))).map_err(|e| format!("`spec.timeWindow[0].duration`: {e}"))
    }
}

/// v1alpha's `spec.timeWindows`: `count` and `unit` (`Day`, `Week`, `Month`, `Quarter`...).
fn window_v1alpha(spec: &Value) -> Result<Window, String> {
    let w = match spec.get("timeWindows") {
        Some(Value::Array(w)) if w.len() == 1 => w.first().unwrap_or(&Value::Null),
        Some(Value::Array(w)) if w.len() > 1 => return Err(format!("`spec.timeWindows` has {} windows; Lift takes exactly one", w.len())),
        _ => return Err("`spec.timeWindows` is missing: OpenSLO v1alpha needs one, such as `[{ count: 30, unit: Day }]`".into()),
    };
    let count = w.get("count").and_then(Value::as_u64).ok_or("`spec.timeWindows[0].count` is missing or not a whole number")?;
    let unit = w.get("unit").and_then(Value::as_str).ok_or("`spec.timeWindows[0].unit` is missing")?;
    let cal = w.get("calendar");
    let is_rolling = w.get("isRolling").and_then(Value::as_bool).unwrap_or(cal.is_none());
    let short = match unit.to_ascii_lowercase().as_str() {
        "second" => "s",
        "minute" => "m",
        "hour" => "h",
        "day" => "d",
        "week" => "w",
        "month" => "M",
        "quarter" => "Q",
        "year" => "Y",
        _ => return Err(format!("`spec.timeWindows[0].unit: {unit}` is not Second, Minute, Hour, Day, Week, Month, Quarter or Year")),
    };
    let text = format!("{count}{short}");
    if is_rolling {
        rolling(&text).map(|d| (SloWindow::Rolling(d), None)).map_err(|e| format!("`spec.timeWindows[0]`: {e}"))
    } else {
        calendar(&text).map(|u| (SloWindow::Calendar(u), zone(cal))).map_err(|e| format!("`spec.timeWindows[0]`: {e}"))
    }
}

/// The Prometheus queries of a v1 SLO's indicator (inline, or the `SLI` document `indicatorRef` names).
fn indicator_v1<'a>(spec: &'a Value, docs: &'a [Doc<'a>], used: &mut BTreeSet<(&'a str, &'a str)>) -> Result<PromQueries, String> {
    let (indicator, at) = match (spec.get("indicator"), spec.get("indicatorRef").and_then(Value::as_str)) {
        (Some(i), _) if i.is_object() => (i, "spec.indicator"),
        (_, Some(r)) => {
            let sli = docs
                .iter()
                .find(|d| d.kind == "SLI" && d.name == Some(r))
                .ok_or_else(|| format!("`spec.indicatorRef: {r}` names no SLI document in this file"))?;
            used.insert(("SLI", r));
            (sli.value, "SLI")
        }
        _ => return Err("has no `spec.indicator` or `spec.indicatorRef`: an SLO needs to say what it measures".into()),
    };
    let body = indicator.get("spec").unwrap_or(&Value::Null);
    if body.get("thresholdMetric").is_some() {
        return Err(THRESHOLD.replace("spec.indicator", at));
    }
    let Some(ratio) = body.get("ratioMetric") else { return Err(format!("`{at}.spec` has no `ratioMetric`")) };
    if ratio.get("raw").is_some() {
        return Err(format!(
            "`{at}.spec.ratioMetric.raw`: a precomputed ratio has no event counts; Lift needs `good` or `bad` over `total`"
        ));
    }
    let counter = ratio.get("counter").and_then(Value::as_bool);
    let mut query = |key: &str| -> Result<Option<String>, String> {
        let Some(source) = ratio.get(key) else { return Ok(None) };
        let field = format!("`{at}.spec.ratioMetric.{key}.metricSource`");
        let ms = source.get("metricSource").ok_or_else(|| format!("{field} is missing"))?;
        // The type is the source's own, or that of the DataSource it refers to.
        let by_ref = ms.get("metricSourceRef").and_then(Value::as_str).and_then(|r| {
            let d = docs.iter().find(|d| d.kind == "DataSource" && d.name == Some(r))?;
            used.insert(("DataSource", r));
            d.value.pointer("/spec/type").and_then(Value::as_str)
        });
        let (source, q) = (ms.get("type").and_then(Value::as_str).or(by_ref), ms.pointer("/spec/query").and_then(Value::as_str));
        prometheus_query(&field, source, q, counter, ("`type` (nor a `metricSourceRef` to a DataSource with one)", "`spec.query`"))
            .map(Some)
    };
    queries(query("good")?, query("bad")?, query("total")?)
}

/// v1alpha's `objectives[i].ratioMetrics` (`source: prometheus`, `query`; `incremental` for counters).
fn ratio_v1alpha(o: &Value) -> Result<PromQueries, String> {
    let ratio = o.get("ratioMetrics").ok_or("is missing: a v1alpha objective measures good or bad events over total")?;
    let counter = ratio.get("incremental").and_then(Value::as_bool);
    let query = |key: &str| -> Result<Option<String>, String> {
        let Some(m) = ratio.get(key) else { return Ok(None) };
        let (source, q) = (m.get("source").and_then(Value::as_str), m.get("query").and_then(Value::as_str));
        prometheus_query(&format!("`{key}`"), source, q, counter, ("`source`", "`query`")).map(Some)
    };
    queries(query("good")?, query("bad")?, query("total")?)
}

/// One side of a ratio: a Prometheus query, put over the rule's window; `missing` names the source and query fields.
fn prometheus_query(
    field: &str,
    source: Option<&str>,
    query: Option<&str>,
    counter: Option<bool>,
    missing: (&str, &str),
) -> Result<String, String> {
    match (source, query) {
        (Some(t), Some(q)) if t.eq_ignore_ascii_case("prometheus") => windowed(q, counter).map_err(|e| format!("{field}: {e}")),
        (Some(t), _) if !t.eq_ignore_ascii_case("prometheus") => {
            Err(format!("{field} reads from `{t}`; Lift's rules are Prometheus rules"))
        }
        (None, _) => Err(format!("{field} has no {}", missing.0)),
        _ => Err(format!("{field} has no {}", missing.1)),
    }
}

fn queries(good: Option<String>, bad: Option<String>, total: Option<String>) -> Result<PromQueries, String> {
    let total = total.ok_or("the ratio has no `total`")?;
    let errors = match (bad, good) {
        (Some(bad), _) => bad,
        (None, Some(good)) => format!("({total}) - ({good})"),
        (None, None) => return Err("the ratio has neither `good` nor `bad`".into()),
    };
    Ok(PromQueries { errors, total })
}

/// A query over the rule's window: its ranges become the window; a counter
/// without one takes its rate over the window; a gauge (`counter: false`) sums its samples.
fn windowed(query: &str, counter: Option<bool>) -> Result<String, String> {
    if promql::has_range(query) {
        return Ok(promql::with_window(query));
    }
    match counter {
        Some(true) => promql::rate_selectors(query),
        Some(false) => Ok(format!("sum_over_time(({query})[{{{{window}}}}:])")),
        None => Err(format!(
            "`{query}` reads no range and the ratio does not say `counter: true` (a cumulative counter, taken as its rate) or `counter: false` (samples to sum)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slos_round_trip_through_openslo() {
        let text = "app: r\nregions: { primary: us-east-1 }\nslos:\n  availability: { objective: 99.95%, window: 28d }\n  odd: { objective: 99%, window: 36h, timeslice: 90s, budgeting: timeslices }\n  slices: { objective: 99%, budgeting: timeslices, timeslice: 5m, timeslice_target: 95% }\n  mean: { objective: 99%, budgeting: ratio-timeslices, window: month, time_zone: Europe/Berlin }\n  weekly: { objective: 99.5%, window: week, maintenance: [{ from: \"2026-11-03T02:00:00Z\", to: \"2026-11-03T03:00:00Z\", reason: upgrade }] }\n  latency: { objective: 99%, threshold: 250ms, min_events: 500 }\n  p99: { objective: 99%, threshold: 300ms, percentile: 99%, budgeting: timeslices }\n  journey: { objective: 99.5%, composite: { availability: 2, latency: 1 } }\n  orders: { objective: 99%, min_throughput: 50, budgeting: timeslices, timeslice: 5m }\n  custom: { objective: 99.9%, prometheus: { errors: 'sum(rate(e[{{window}}]))', total: 'sum(rate(t[{{window}}]))' } }\n";
        let app = crate::App::from_text(text).unwrap_or_else(|d| panic!("{d:?}"));
        let back = import_openslo(&super::super::openslo_yaml(app.spec())).map(|i| i.slos).unwrap_or_default();
        assert_eq!(back, app.spec().slos);
        assert!(
            import_openslo("apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: x }\nspec: { objectives: [{ target: 2 }] }\n").is_err()
        );
    }

    #[test]
    fn slos_written_by_other_tools_bring_their_queries() {
        let text = r#"
apiVersion: openslo/v1
kind: SLI
metadata: { name: checkout-good }
spec:
  ratioMetric:
    counter: true
    good: { metricSource: { type: Prometheus, spec: { query: 'sum(rate(http_requests_total{code!~"5.."}[5m]))' } } }
    total: { metricSource: { type: Prometheus, spec: { query: 'sum(rate(http_requests_total[5m]))' } } }
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: checkout }
spec:
  service: shop
  indicatorRef: checkout-good
  timeWindow: [{ duration: 28d, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ target: 0.995 }]
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: speed }
spec:
  indicator: { metadata: { name: p95 }, spec: { thresholdMetric: { metricSource: { type: Prometheus, spec: { query: x } } } } }
  timeWindow: [{ duration: 1w, isRolling: false }]
  objectives: [{ target: 0.9, op: lte, value: 0.3 }]
"#;
        let errors = import_openslo(text).err().unwrap_or_default();
        assert!(errors.len() == 1 && errors[0].contains("document 3") && errors[0].contains("thresholdMetric"), "{errors:?}");
        let only = text.split("---").take(2).collect::<Vec<_>>().join("---");
        let slos = import_openslo(&only).unwrap_or_else(|e| panic!("{e:?}")).slos;
        let checkout = &slos["checkout"];
        assert_eq!(checkout.window.to_string(), "28d");
        let q = checkout.prometheus.as_ref().unwrap_or_else(|| panic!("no queries"));
        assert_eq!(q.total, "sum(rate(http_requests_total[{{window}}]))");
        assert_eq!(q.errors, "(sum(rate(http_requests_total[{{window}}]))) - (sum(rate(http_requests_total{code!~\"5..\"}[{{window}}])))");
    }

    #[test]
    fn invalid_values_are_errors_naming_the_document_and_field() {
        let slo = |name: &str, extra: &str| {
            format!(
                "---\napiVersion: openslo/v1\nkind: SLO\nmetadata: {{ name: {name} }}\nspec: {{ indicatorRef: sli, timeWindow: [{{ duration: 30d, isRolling: true }}], objectives: [{{ target: 0.99 }}]{extra} }}\n"
            )
        };
        let e = import_openslo(&(slo("a", "") + &slo("a", "") + SLI)).unwrap_err();
        assert_eq!(e, ["document 2 (SLO `a`): SLO `a` is defined already, by document 1"]);
        let e = import_openslo(&(slo("b", ", budgetingMethod: Whatever") + SLI)).unwrap_err();
        assert_eq!(e, ["document 1 (SLO `b`): `spec.budgetingMethod: Whatever` is not `Occurrences`, `Timeslices` or `RatioTimeslices`"]);
        let e = import_openslo(&(slo("c", "").replace("target: 0.99", "target: 1") + SLI)).unwrap_err();
        assert!(e[0].contains("leaves no error budget"), "{e:?}");
        let e = import_openslo("apiVersion: openslo/v1\nkind: [1, 2]\nmetadata: { name: d }\n").unwrap_err();
        assert_eq!(e, ["document 1: `kind` must be a string such as `SLO`, not a list"]);
        let e = import_openslo("apiVersion: openslo/v1\nkind: Dashboard\nmetadata: { name: d }\n").unwrap_err();
        assert!(e[0].contains("`kind: Dashboard` is not an OpenSLO kind"), "{e:?}");
        assert!(import_openslo(&(slo("ok", ", budgetingMethod: Timeslices") + SLI)).is_ok());
    }

    /// A Prometheus SLI of counters, for the SLOs of these tests.
    const SLI: &str = "---\napiVersion: openslo/v1\nkind: SLI\nmetadata: { name: sli }\nspec: { ratioMetric: { counter: true, bad: { metricSource: { type: Prometheus, spec: { query: 'sum(e)' } } }, total: { metricSource: { type: Prometheus, spec: { query: 'sum(t)' } } } } }\n";

    fn only(text: &str) -> Imported {
        import_openslo(text).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn weeks_percentages_lists_and_counters() {
        let slo = "apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: w }\nspec: { indicatorRef: sli, timeWindow: [{ duration: 4w, isRolling: true }], objectives: [{ targetPercent: 99.5 }] }\n";
        let got = only(&format!("{slo}{SLI}"));
        let w = &got.slos["w"];
        assert_eq!((w.window.to_string().as_str(), w.objective.to_string().as_str()), ("28d", "99.5%"));
        // A counter without a range is taken as its rate over each window, rate before sum.
        let q = w.prometheus.as_ref().unwrap_or_else(|| panic!("no queries"));
        assert_eq!((q.errors.as_str(), q.total.as_str()), ("sum(rate(e[{{window}}]))", "sum(rate(t[{{window}}]))"));
        assert!(got.notes.is_empty(), "{:?}", got.notes);
        // The same documents as one top-level list, as `oslo` takes them.
        let listed =
            format!("- {}\n- {}", slo.trim_end().replace('\n', "\n  "), SLI.trim_start_matches("---\n").trim_end().replace('\n', "\n  "));
        assert_eq!(only(&listed).slos, got.slos);
        let both = slo.replace("targetPercent: 99.5", "target: 0.99, targetPercent: 99");
        let e = import_openslo(&format!("{both}{SLI}")).unwrap_err();
        assert_eq!(e, ["document 1 (SLO `w`): `spec.objectives[0]`: has both `target` and `targetPercent`; OpenSLO allows one"]);
    }

    #[test]
    fn versions_are_checked_by_name() {
        let doc = |api: &str| format!("apiVersion: {api}\nkind: Service\nmetadata: {{ name: s }}\n");
        let e = import_openslo(&doc("openslo.com/v2alpha")).unwrap_err();
        assert_eq!(
            e,
            [
                "document 1: `apiVersion: openslo.com/v2alpha` is a version of OpenSLO Lift does not read; it reads `openslo/v1` and `openslo/v1alpha`"
            ]
        );
        let e = import_openslo(&doc("foo/v9")).unwrap_err();
        assert_eq!(e, ["document 1: `apiVersion: foo/v9` is not OpenSLO's; write `openslo/v1`"]);
        // A Service alone is read, and there is nothing to import: said, not an empty success.
        let e = import_openslo(&doc("openslo/v1")).unwrap_err();
        assert_eq!(e, ["no SLO document to import (document 1: Service); other kinds are read only through an SLO"]);
    }

    #[test]
    fn a_missing_window_is_the_only_complaint() {
        let text =
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: n }\nspec: { indicatorRef: sli, objectives: [{ target: 0.98 }] }\n";
        let e = import_openslo(&format!("{text}{SLI}")).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("document 1 (SLO `n`): `spec.timeWindow` is missing"), "{e:?}");
    }

    #[test]
    fn sloths_dialect_imports_with_sloths_names() {
        let text = "apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: { name: api }\nspec:\n  service: k8s\n  budgetingMethod: Occurrences\n  objectives:\n    - ratioMetrics:\n        good: { source: prometheus, queryType: promql, query: 'sum(rate(r{code!~\"5..\"}[{{.window}}]))' }\n        total: { source: prometheus, queryType: promql, query: 'sum(rate(r[{{.window}}]))' }\n      target: 0.999\n    - ratioMetrics:\n        good: { source: prometheus, query: 'sum(ok)' }\n        total: { source: prometheus, query: 'sum(all)' }\n        incremental: true\n      target: 0.99\n  timeWindows: [{ count: 30, unit: Day }]\n---\napiVersion: openslo/v1alpha\nkind: AlertPolicy\nmetadata: { name: pager }\n";
        let got = only(text);
        assert_eq!(got.slos.keys().collect::<Vec<_>>(), ["api-0", "api-1"]);
        let q = got.slos["api-0"].prometheus.clone().unwrap_or_else(|| panic!("no queries"));
        assert_eq!(q.total, "sum(rate(r[{{window}}]))");
        let q = got.slos["api-1"].prometheus.clone().unwrap_or_else(|| panic!("no queries"));
        assert_eq!(q.errors, "(sum(rate(all[{{window}}]))) - (sum(rate(ok[{{window}}])))");
        assert_eq!(got.slos["api-1"].window.to_string(), "30d");
        assert_eq!(got.notes.len(), 1);
        assert!(got.notes[0].starts_with("document 2 (AlertPolicy `pager`): not imported"), "{:?}", got.notes);
    }
}
