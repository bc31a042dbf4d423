//! Reading spec text: YAML 1.2 or JSON into a JSON value plus a source map.
//!
//! Both formats go through one YAML 1.2 parser (JSON is a subset), so both get
//! line and column for every value. The source map ties each JSON pointer to
//! where it starts in the text: for a mapping entry, its key.

use crate::diag::{Code, Diagnostic, Location, escape_pointer, push_segment};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Most nodes a document may expand to, aliases included (stops "billion laughs").
const MAX_NODES: usize = 1_000_000;
/// Deepest nesting accepted, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 128;
/// Most bytes of strings a document may expand to, aliases included, beyond
/// a fixed allowance: `EXPANSION` times its own size. A short file cannot
/// make many gigabytes by repeating a long string through aliases.
const EXPANSION: usize = 16;
const EXPANSION_ALLOWANCE: usize = 16 << 20;
/// Most bytes of JSON pointers the source map keeps (a long key over a long
/// list would otherwise store the key once per item); past it, deeper places
/// are located by their nearest kept ancestor.
const MAP_ALLOWANCE: usize = 32 << 20;
/// Most characters YAML forbids that are each reported; the rest are counted.
const MAX_REPORTED: usize = 20;

/// Where each JSON pointer of a parsed document is in its source text.
///
/// Reading keeps only a compact record of places (a location, a depth and a
/// key or index per value); the pointers are written out on first use. A
/// spec that loads without a warning never asks where anything is, so it
/// does not pay for a string and a map entry per value.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    places: Places,
    locations: OnceLock<BTreeMap<String, Location>>,
}

impl PartialEq for SourceMap {
    fn eq(&self, other: &Self) -> bool {
        self.locations() == other.locations()
    }
}

impl Eq for SourceMap {}

/// The places a read recorded, in document order: each value's depth, the
/// last step of its pointer and where it starts.
#[derive(Debug, Clone, Default)]
struct Places {
    entries: Vec<Place>,
    /// The keys of the entries' steps, end to end.
    keys: String,
}

#[derive(Debug, Clone, Copy)]
struct Place {
    at: Location,
    /// Steps from the root: the pointer's parent is the last place recorded at `depth - 1`.
    depth: u32,
    step: PlaceStep,
}

#[derive(Debug, Clone, Copy)]
enum PlaceStep {
    /// A key, as a range of [`Places::keys`]; `dup` for a repeated key's value.
    Key {
        start: u32,
        end: u32,
        dup: bool,
    },
    Index(u32),
}

impl Places {
    /// Record a place at `depth` whose last step is `step`.
    fn record(&mut self, at: Location, depth: usize, step: &Step) {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let step = match step {
            Step::Key { key, dup } => {
                let start = clamp(self.keys.len());
                self.keys.push_str(key);
                PlaceStep::Key { start, end: clamp(self.keys.len()), dup: *dup }
            }
            Step::Index(i) => PlaceStep::Index(clamp(*i)),
        };
        self.entries.push(Place { at, depth: clamp(depth), step });
    }

    /// Every place's pointer, as the map keeps them: the first place of a
    /// pointer wins, and past [`MAP_ALLOWANCE`] bytes of pointers, none more.
    fn replay(&self) -> BTreeMap<String, Location> {
        let mut out = BTreeMap::new();
        let mut here = String::new();
        // The pointer's length at each depth of the current path.
        let mut lens: Vec<usize> = vec![0];
        let mut bytes = 0usize;
        for p in &self.entries {
            let depth = p.depth as usize;
            here.truncate(lens.get(depth.saturating_sub(1)).copied().unwrap_or(0));
            lens.truncate(depth);
            here.push('/');
            match p.step {
                PlaceStep::Key { start, end, dup } => {
                    push_segment(&mut here, self.keys.get(start as usize..end as usize).unwrap_or_default());
                    if dup {
                        here.push_str("#dup");
                    }
                }
                PlaceStep::Index(i) => here.push_str(&i.to_string()),
            }
            lens.push(here.len());
            if bytes.saturating_add(here.len()) <= MAP_ALLOWANCE && !out.contains_key(&here) {
                bytes += here.len();
                out.insert(here.clone(), p.at);
            }
        }
        out
    }
}

impl SourceMap {
    fn locations(&self) -> &BTreeMap<String, Location> {
        self.locations.get_or_init(|| self.places.replay())
    }

    /// The location of `pointer`, or of its nearest ancestor that has one.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        let locations = self.locations();
        let mut p = pointer;
        loop {
            if let Some(l) = locations.get(p) {
                return Some(*l);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// Fill in `location` on every diagnostic that lacks one.
    pub fn attach(&self, diags: &mut [Diagnostic]) {
        for d in diags.iter_mut().filter(|d| d.location.is_none()) {
            d.location = self.locate(&d.pointer);
        }
    }
}

/// A parsed document: its value, its source map and any problems found.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The document as JSON; `Null` when it could not be read at all.
    pub value: Value,
    /// Where each pointer is.
    pub map: SourceMap,
    /// Syntax problems (errors) and duplicate keys.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse YAML or JSON text. Never panics; problems come back as diagnostics.
pub fn parse(text: &str) -> Parsed {
    let events = match events(text) {
        Ok(events) => events,
        Err(mut ds) => {
            for d in &mut ds {
                if d.hint.is_none() {
                    *d = d.clone().with_hint("check indentation, quoting and brackets near this place");
                }
            }
            return Parsed { value: Value::Null, map: SourceMap::default(), diagnostics: ds };
        }
    };
    let mut b = Builder::new(events, false, text.len());
    let value = b.document().into_iter().next().unwrap_or(Value::Null);
    Parsed { value, map: SourceMap { places: b.places, locations: OnceLock::new() }, diagnostics: b.diags }
}

/// Parse a stream of YAML documents (such as OpenSLO files). Locations are not kept.
pub fn parse_all(text: &str) -> Result<Vec<Value>, Vec<Diagnostic>> {
    let events = events(text)?;
    let mut b = Builder::new(events, true, text.len());
    let docs = b.document();
    if b.diags.is_empty() { Ok(docs.into_iter().filter(|d| !d.is_null()).collect()) } else { Err(b.diags) }
}

/// The parser's events for `text`, or the syntax error that stopped it.
fn events(text: &str) -> Result<Vec<(Event, Marker)>, Vec<Diagnostic>> {
    // Editors on some systems start UTF-8 files with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let forbidden = forbidden_characters(text);
    if !forbidden.is_empty() {
        return Err(forbidden);
    }
    let mut collector = Collector::default();
    let parsed = Parser::new_from_str(text).load(&mut collector, true);
    parsed.map_err(|e| {
        // The parser's own nesting limit stops it before the spec's depth check sees the
        // nodes: say what the limit is about, and where, from the events read so far.
        if e.info().contains("recursion limit") {
            let pointer = pointer_at(&collector.events);
            let msg = "nesting too deep for the YAML parser (collections inside collections, such as `[[[...]]]`)";
            let d = Diagnostic::error(Code::Syntax, &pointer, msg).at(Some(loc(e.marker())));
            return vec![d.with_hint(format!("a spec nests at most {MAX_DEPTH} levels"))];
        }
        let d = Diagnostic::error(Code::Syntax, "", e.info().to_owned()).at(Some(loc(e.marker())));
        // YAML bounds an implicit key at 1,024 characters; past it the parser only says
        // that a mapping value is out of place.
        if e.info().starts_with("mapping values are not allowed") && e.marker().col() > 1024 {
            return vec![d.with_hint("a key may be at most 1,024 characters long unless written explicitly, as `? key` on its own line")];
        }
        vec![d]
    })?;
    Ok(collector.events)
}

/// Every character YAML does not allow in a stream (C0 controls but tab, line
/// feed and carriage return; DEL; C1 controls but NEL; U+FFFE and U+FFFF), at
/// its line and column. The parser would stop at a NUL without a word and
/// read the rest of the file as missing.
fn forbidden_characters(text: &str) -> Vec<Diagnostic> {
    let bad = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}' | '\u{80}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}');
    if !text.chars().any(bad) {
        return vec![];
    }
    let mut out = Vec::new();
    let mut total = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        for (j, c) in line.chars().enumerate() {
            if bad(c) {
                total += 1;
                if out.len() < MAX_REPORTED {
                    let at = Location { line: u32::try_from(i + 1).unwrap_or(u32::MAX), column: u32::try_from(j + 1).unwrap_or(u32::MAX) };
                    out.push(
                        Diagnostic::error(
                            Code::Syntax,
                            "",
                            format!("the control character U+{:04X} is not allowed in YAML or JSON", u32::from(c)),
                        )
                        .at(Some(at))
                        .with_hint("remove it; in a quoted string write it as an escape such as `\\u0000`"),
                    );
                }
            }
        }
    }
    if total > out.len() {
        let more = total - out.len();
        out.push(Diagnostic::error(Code::Syntax, "", format!("and {more} more control characters not shown")));
    }
    out
}

/// Where the events read so far leave off, as a JSON pointer: the keys of
/// the mappings and the indices of the sequences still open.
fn pointer_at(events: &[(Event, Marker)]) -> String {
    enum Frame {
        Map { key: Option<String>, want_key: bool },
        Seq { index: usize },
    }
    let mut frames: Vec<Frame> = vec![];
    // A node (scalar, alias or whole collection) took the place its parent offered.
    fn placed(frames: &mut [Frame]) {
        match frames.last_mut() {
            Some(Frame::Map { want_key, .. }) => *want_key = !*want_key,
            Some(Frame::Seq { index }) => *index += 1,
            None => {}
        }
    }
    for (ev, _) in events {
        match ev {
            Event::Scalar(v, ..) => {
                if let Some(Frame::Map { key, want_key: true }) = frames.last_mut() {
                    *key = Some(v.clone());
                }
                placed(&mut frames);
            }
            Event::Alias(_) => placed(&mut frames),
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if let Some(Frame::Map { key, want_key: true }) = frames.last_mut() {
                    *key = None; // a complex key
                }
                frames.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map { key: None, want_key: true }
                } else {
                    Frame::Seq { index: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                frames.pop();
                placed(&mut frames);
            }
            _ => {}
        }
    }
    let mut out = String::new();
    for f in &frames {
        match f {
            Frame::Map { key: Some(k), want_key: false } => {
                out.push('/');
                out.push_str(&escape_pointer(k));
            }
            Frame::Map { .. } => {}
            Frame::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
        }
    }
    out
}

fn loc(m: &Marker) -> Location {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Location { line: clamp(m.line()), column: clamp(m.col().saturating_add(1)) }
}

#[derive(Default)]
struct Collector {
    events: Vec<(Event, Marker)>,
}

impl MarkedEventReceiver for Collector {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        self.events.push((ev, mark));
    }
}

/// One step of the path from the root to the node being built.
enum Step {
    /// A mapping's entry; `dup` for the value of a key seen before.
    Key {
        key: String,
        dup: bool,
    },
    Index(usize),
}

struct Builder {
    /// The events, each taken (left `Nothing`) as it is read.
    events: Vec<(Event, Marker)>,
    pos: usize,
    /// Where the node being built is; a pointer is written out only when a
    /// problem is named.
    path: Vec<Step>,
    places: Places,
    diags: Vec<Diagnostic>,
    /// Each anchor's value, with its node count and string bytes.
    anchors: BTreeMap<usize, (Value, usize, usize)>,
    nodes: usize,
    /// String bytes built so far, aliases expanded, and the most allowed.
    bytes: usize,
    max_bytes: usize,
    /// Accept several documents (else a second one is an error).
    multi: bool,
}

impl Builder {
    fn new(events: Vec<(Event, Marker)>, multi: bool, input: usize) -> Self {
        Builder {
            events,
            pos: 0,
            path: Vec::new(),
            places: Places::default(),
            diags: vec![],
            anchors: BTreeMap::new(),
            nodes: 0,
            bytes: 0,
            max_bytes: EXPANSION_ALLOWANCE.saturating_add(input.saturating_mul(EXPANSION)),
            multi,
        }
    }

    /// The JSON pointer of the node being built.
    fn pointer(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            push_step(&mut out, step);
        }
        out
    }

    /// Mark the current entry as a repeated key's value.
    fn mark_dup(&mut self) {
        if let Some(Step::Key { dup, .. }) = self.path.last_mut() {
            *dup = true;
        }
    }

    /// Record where the current node is.
    fn locate(&mut self, at: Location) {
        if let Some(step) = self.path.last() {
            self.places.record(at, self.path.len(), step);
        }
    }

    /// Count `n` more string bytes; false (and one error) past the allowance.
    fn spend(&mut self, n: usize, at: Location) -> bool {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.max_bytes {
            if self.bytes.saturating_sub(n) <= self.max_bytes {
                let msg = format!("the document expands to more than {} MB of text (aliases repeating long strings)", self.max_bytes >> 20);
                self.error(Code::Syntax, at, msg);
            }
            return false;
        }
        true
    }

    /// The next event, taken out of the list.
    fn next(&mut self) -> Option<(Event, Marker)> {
        let e = self.events.get_mut(self.pos).map(|(e, m)| (std::mem::replace(e, Event::Nothing), *m));
        self.pos += 1;
        e
    }

    fn peek(&self) -> Option<&Event> {
        self.events.get(self.pos).map(|(e, _)| e)
    }

    fn error(&mut self, code: Code, at: Location, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(code, self.pointer(), msg).at(Some(at)));
    }

    fn document(&mut self) -> Vec<Value> {
        let mut docs = Vec::new();
        while let Some((ev, mark)) = self.next() {
            let at = loc(&mark);
            match ev {
                Event::DocumentStart => {
                    if docs.len() == 1 && !self.multi {
                        self.error(Code::Syntax, at, "a spec file holds one document, found a second `---`");
                    }
                    let v = self.node(0);
                    docs.push(v);
                }
                Event::StreamEnd => break,
                _ => {}
            }
        }
        docs
    }

    fn node(&mut self, depth: usize) -> Value {
        let Some((ev, mark)) = self.next() else { return Value::Null };
        let at = loc(&mark);
        if depth > MAX_DEPTH {
            self.error(Code::Syntax, at, format!("nesting deeper than {MAX_DEPTH} levels"));
            self.skip_rest(&ev);
            return Value::Null;
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            if self.nodes == MAX_NODES + 1 {
                self.error(Code::Syntax, at, format!("document expands to more than {MAX_NODES} values"));
            }
            self.skip_rest(&ev);
            return Value::Null;
        }
        // The root's start mark is not a place a person would look; whole-document
        // problems carry no line rather than a misleading one.
        // (A mapping entry's place is its key's, recorded before its value.)
        if !matches!(self.path.last(), None | Some(Step::Key { dup: false, .. })) {
            self.locate(at);
        }
        let (value, anchor) = match ev {
            Event::Scalar(text, style, anchor, tag) => {
                if tag.is_some() {
                    self.tag_error(at);
                }
                if !self.spend(text.len(), at) {
                    return Value::Null;
                }
                (scalar(text, style), anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                if tag.is_some() {
                    self.tag_error(at);
                }
                let mut items = Vec::new();
                while !matches!(self.peek(), Some(Event::SequenceEnd) | None) {
                    self.path.push(Step::Index(items.len()));
                    items.push(self.node(depth + 1));
                    self.path.pop();
                }
                self.pos += 1;
                (Value::Array(items), anchor)
            }
            Event::MappingStart(anchor, tag) => {
                if tag.is_some() {
                    self.tag_error(at);
                }
                (Value::Object(self.mapping(depth)), anchor)
            }
            Event::Alias(id) => {
                // Count what the alias repeats before copying it.
                let (nodes, bytes) = self.anchors.get(&id).map_or((0, 0), |(_, n, b)| (*n, *b));
                self.nodes = self.nodes.saturating_add(nodes);
                if self.nodes > MAX_NODES {
                    self.error(Code::Syntax, at, format!("aliases expand to more than {MAX_NODES} values"));
                    return Value::Null;
                }
                if !self.spend(bytes, at) {
                    return Value::Null;
                }
                (self.anchors.get(&id).map_or(Value::Null, |(v, ..)| v.clone()), 0)
            }
            _ => (Value::Null, 0),
        };
        if anchor > 0 {
            let (nodes, bytes) = size(&value);
            self.anchors.insert(anchor, (value.clone(), nodes, bytes));
        }
        value
    }

    fn mapping(&mut self, depth: usize) -> Map<String, Value> {
        let mut out = Map::new();
        loop {
            match self.peek() {
                Some(Event::MappingEnd) | None => {
                    self.pos += 1;
                    return out;
                }
                _ => {}
            }
            let Some((kev, kmark)) = self.next() else { return out };
            let at = loc(&kmark);
            let key = match kev {
                Event::Scalar(text, ..) => text,
                other => {
                    self.error(Code::Syntax, at, "a mapping key must be a plain string");
                    self.skip_rest(&other);
                    String::from("?")
                }
            };
            let key_len = key.len();
            let repeated = out.contains_key(&key).then(|| format!("key `{key}` appears twice in one mapping"));
            self.path.push(Step::Key { key, dup: false });
            if let Some(message) = repeated {
                let d = Diagnostic::error(Code::DuplicateKey, self.pointer(), message)
                    .at(Some(at))
                    .with_hint("remove one of them; Lift does not guess which one you meant");
                self.diags.push(d);
                self.mark_dup();
                let _ = self.node(depth + 1);
                self.path.pop();
                continue;
            }
            if !self.spend(key_len, at) {
                self.skip_value();
                self.path.pop();
                continue;
            }
            self.locate(at);
            let v = self.node(depth + 1);
            if let Some(Step::Key { key, .. }) = self.path.pop() {
                out.insert(key, v);
            }
        }
    }

    fn tag_error(&mut self, at: Location) {
        let d = Diagnostic::error(Code::Syntax, self.pointer(), "YAML tags (such as `!Ref`) are not part of a Lift spec")
            .at(Some(at))
            .with_hint("write references as `${kind.name.attribute}` strings");
        self.diags.push(d);
    }

    /// Pass over the next value whole.
    fn skip_value(&mut self) {
        if let Some((ev, _)) = self.next() {
            self.skip_rest(&ev);
        }
    }

    /// Skip the rest of a collection whose start event was just read.
    fn skip_rest(&mut self, start: &Event) {
        if !matches!(start, Event::SequenceStart(..) | Event::MappingStart(..)) {
            return;
        }
        let mut depth = 1usize;
        while let Some((ev, _)) = self.events.get(self.pos) {
            self.pos += 1;
            match ev {
                Event::SequenceStart(..) | Event::MappingStart(..) => depth += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Append one step to a JSON pointer.
fn push_step(out: &mut String, step: &Step) {
    out.push('/');
    match step {
        Step::Key { key, dup } => {
            push_segment(out, key);
            if *dup {
                out.push_str("#dup");
            }
        }
        Step::Index(i) => out.push_str(&i.to_string()),
    }
}

/// A value's nodes and the bytes of its strings (keys included).
fn size(v: &Value) -> (usize, usize) {
    match v {
        Value::Array(a) => a.iter().map(size).fold((1, 0), |(n, b), (n2, b2)| (n + n2, b.saturating_add(b2))),
        Value::Object(o) => {
            o.iter().map(|(k, v)| (k.len(), size(v))).fold((1, 0), |(n, b), (k, (n2, b2))| (n + n2, b.saturating_add(k + b2)))
        }
        Value::String(s) => (1, s.len()),
        _ => (1, 0),
    }
}

/// Resolve a scalar by the YAML 1.2 core schema (so `no` and `on` stay strings).
fn scalar(text: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if is_int(&text) {
        if let Ok(i) = text.parse::<i64>() {
            return Value::Number(i.into());
        }
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(hex, 16) {
            return Value::Number(i.into());
        }
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if let Ok(i) = i64::from_str_radix(oct, 8) {
            return Value::Number(i.into());
        }
    }
    if is_float(&text) {
        if let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(text)
}

fn is_int(t: &str) -> bool {
    let d = t.strip_prefix(['-', '+']).unwrap_or(t);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

fn is_float(t: &str) -> bool {
    let d = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mantissa, exp) = match d.find(['e', 'E']) {
        Some(i) => (&d[..i], Some(&d[i + 1..])),
        None => (d, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => (!a.is_empty() || !b.is_empty()) && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()),
        None => is_int(mantissa),
    };
    let exp_ok = exp.is_none_or(is_int);
    mantissa_ok && exp_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value's pointer, and the text it should start with at its place:
    /// a mapping entry at its key, a list item at its own first character.
    fn places(v: &Value, here: &mut String, out: &mut Vec<(String, String)>) {
        let mut visit = |here: &mut String, step: String, child: &Value, expect: String| {
            let len = here.len();
            here.push('/');
            here.push_str(&step);
            out.push((here.clone(), expect));
            places(child, here, out);
            here.truncate(len);
        };
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    visit(here, escape_pointer(k), c, serde_json::to_string(k).unwrap_or_default());
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    visit(here, i.to_string(), c, serde_json::to_string(c).unwrap_or_default().chars().take(1).collect());
                }
            }
            _ => {}
        }
    }

    fn value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0i64..1000).prop_map(Value::from),
            "[a-z ]{0,6}".prop_map(Value::from)
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z/~.]{1,5}", inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// The map replayed from the places a read recorded puts every value
        /// where it is in the text, and holds nothing else.
        #[test]
        fn every_value_is_located_where_it_stands(v in value()) {
            let text = serde_json::to_string_pretty(&serde_json::json!({ "root": v })).unwrap_or_default();
            let p = parse(&text);
            proptest::prop_assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
            let mut expected = vec![];
            places(&p.value, &mut String::new(), &mut expected);
            let lines: Vec<&str> = text.lines().collect();
            for (pointer, start) in &expected {
                let at = p.map.locations().get(pointer).copied();
                proptest::prop_assert!(at.is_some(), "{pointer} not located in\n{text}");
                let at = at.unwrap_or(Location { line: 0, column: 0 });
                let line = lines.get(at.line as usize - 1).copied().unwrap_or_default();
                let rest = line.get(at.column as usize - 1..).unwrap_or_default();
                proptest::prop_assert!(rest.starts_with(start.as_str()), "{pointer} at {at:?}: `{rest}`, expected `{start}`");
            }
            proptest::prop_assert_eq!(p.map.locations().len(), expected.len());
        }
    }

    #[test]
    fn yaml_and_json_give_the_same_value() {
        let y = parse("a: 1\nb: [x, 2.5, true, null]\nc: {d: 'no'}\n");
        let j = parse(r#"{"a": 1, "b": ["x", 2.5, true, null], "c": {"d": "no"}}"#);
        assert!(y.diagnostics.is_empty() && j.diagnostics.is_empty());
        assert_eq!(y.value, j.value);
    }

    #[test]
    fn yaml_1_2_keeps_norway_a_string() {
        let p = parse("country: no\nflag: on\n");
        assert_eq!(p.value["country"], Value::String("no".into()));
        assert_eq!(p.value["flag"], Value::String("on".into()));
    }

    #[test]
    fn locations_point_at_keys_and_items() {
        let p = parse("app: shop\nfunctions:\n  api:\n    memory: 512\nlist:\n  - a\n  - b\n");
        assert_eq!(p.map.locate("/functions/api/memory"), Some(Location { line: 4, column: 5 }));
        assert_eq!(p.map.locate("/list/1"), Some(Location { line: 7, column: 5 }));
        assert_eq!(
            p.map.locate("/functions/api/nothing/here"),
            Some(Location { line: 4, column: 5 }).filter(|_| false).or(p.map.locate("/functions/api"))
        );
    }

    #[test]
    fn nesting_past_the_parsers_limit_names_its_place() {
        let text = format!("app: x\nfunctions:\n  f:\n    env: [1, {}{}]\n", "[".repeat(3000), "]".repeat(3000));
        let p = parse(&text);
        let d = &p.diagnostics[0];
        assert!(d.message.contains("nesting too deep for the YAML parser"), "{}", d.message);
        // The parser stops while scanning the nested brackets: the place is the value they start.
        assert_eq!(d.pointer, "/functions/f/env/1");
        assert!(d.hint.as_deref().is_some_and(|h| h.contains("at most 128 levels")), "{:?}", d.hint);
        let p = parse(&format!("a: {{b: {}}}\n", "{c: ".repeat(3000)));
        assert!(p.diagnostics[0].pointer.starts_with("/a/b"), "{}", p.diagnostics[0].pointer);
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let p = parse("a: [1, 2\nb: 3\n");
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].code, "E001");
        assert!(p.diagnostics[0].location.is_some());
    }

    #[test]
    fn a_byte_order_mark_and_crlf_are_fine() {
        let p = parse("\u{feff}app: x\r\nlist: [1]\r\n");
        assert!(p.diagnostics.is_empty());
        assert_eq!(p.value["app"], Value::String("x".into()));
        assert_eq!(p.map.locate("/list"), Some(Location { line: 2, column: 1 }));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let p = parse("a: 1\na: 2\n");
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].code, "E002");
        assert_eq!(p.diagnostics[0].location, Some(Location { line: 2, column: 1 }));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let r = format!("*a{}", i - 1);
            s.push_str(&format!("a{i}: &a{i} [{r}, {r}, {r}, {r}, {r}, {r}, {r}, {r}, {r}, {r}]\n"));
        }
        let p = parse(&s);
        assert!(p.diagnostics.iter().any(|d| d.message.contains("more than")));
    }

    #[test]
    fn aliases_repeating_long_strings_are_refused_by_their_size() {
        // 100 KB of text, referenced 3,000 times: 300 MB if expanded.
        let mut s = format!("a: &big \"{}\"\nb:\n", "x".repeat(100_000));
        for _ in 0..3_000 {
            s.push_str("  - *big\n");
        }
        let p = parse(&s);
        let e = p.diagnostics.iter().find(|d| d.message.contains("MB of text")).map(|d| d.message.clone());
        assert!(e.is_some(), "{:?}", p.diagnostics);
        assert_eq!(p.diagnostics.iter().filter(|d| d.message.contains("MB of text")).count(), 1);
        // Under the allowance, the same shape is read in full.
        let ok = format!("a: &s \"{}\"\nb: [*s, *s, *s]\n", "x".repeat(1_000));
        assert!(parse(&ok).diagnostics.is_empty());
    }

    #[test]
    fn control_characters_are_errors_where_they_stand() {
        let p = parse("app: shop\nfunctions:\n  api: { memory: 512MB }\0\n  evil: { memory: 99999GB }\n");
        assert_eq!(p.diagnostics.len(), 1, "{:?}", p.diagnostics);
        assert_eq!(p.diagnostics[0].location, Some(Location { line: 3, column: 25 }));
        assert!(p.diagnostics[0].message.contains("U+0000"));
        // Every kind YAML forbids, each reported, then counted past the first twenty.
        for c in ['\u{1}', '\u{7}', '\u{1b}', '\u{7f}', '\u{9b}', '\u{fffe}'] {
            assert!(!parse(&format!("a: \"x{c}y\"\n")).diagnostics.is_empty(), "U+{:04X}", u32::from(c));
        }
        let many = parse(&"a: 1\u{1}\n".repeat(50));
        assert_eq!(many.diagnostics.len(), MAX_REPORTED + 1);
        assert!(many.diagnostics[MAX_REPORTED].message.contains("30 more"));
        // Tab, line feed, carriage return and NEL are allowed.
        let fine = parse("a: \"x\ty\"\r\nb: \"\u{85}\"\n");
        assert!(fine.diagnostics.is_empty(), "{:?}", fine.diagnostics);
    }

    #[test]
    fn a_long_key_over_a_long_list_does_not_store_the_key_per_item() {
        let key = "k".repeat(100_000);
        let items = vec!["1"; 20_000].join(", ");
        // A key past 1,024 characters must be explicit (`? key`), as YAML says.
        let p = parse(&format!("? \"{key}\"\n: [{items}]\n"));
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        let stored: usize = p.map.locations().keys().map(String::len).sum();
        assert!(stored <= MAP_ALLOWANCE, "{stored}");
        assert_eq!(p.value[&key].as_array().map(Vec::len), Some(20_000));
    }

    #[test]
    fn a_key_past_yamls_limit_says_what_the_limit_is() {
        let p = parse(&format!("{}: 1\n", "k".repeat(2_000)));
        assert_eq!(p.diagnostics.len(), 1);
        assert!(p.diagnostics[0].hint.as_deref().is_some_and(|h| h.contains("1,024 characters")), "{:?}", p.diagnostics);
    }
}
