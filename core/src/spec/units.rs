//! Value types with a unit: durations (`1h30m`), percentages (`12.5%`),
//! memory sizes (`512MB`, `1GB`) and IPv4 CIDR blocks.
//!
//! Each parses from the text a person writes, prints back in one canonical
//! form, and describes itself in the JSON Schema with a pattern for editors.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// What went wrong reading a value with a unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// The text does not have the expected shape.
    #[error("`{text}` is not a {what}; expected {expected}")]
    Malformed {
        /// The text read.
        text: String,
        /// The kind of value wanted.
        what: &'static str,
        /// Examples of what is accepted.
        expected: &'static str,
    },
    /// The value is too large to represent.
    #[error("`{0}` is too large")]
    TooLarge(String),
    /// A name that is not one of those known.
    #[error("`{text}` is not a {what}; {hint}")]
    NotOneOf {
        /// The text read.
        text: String,
        /// The kind of name wanted.
        what: &'static str,
        /// The nearest known name, or the ones there are.
        hint: String,
    },
}

/// How many vantage points must agree, of how many: `2/3`. At most 16 vantage points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quorum {
    /// Vantage points that must agree.
    pub agreeing: u32,
    /// Vantage points there are.
    pub of: u32,
}

impl FromStr for Quorum {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || UnitError::Malformed {
            text: s.to_owned(),
            what: "quorum",
            expected: "`agreeing/vantage points` such as `2/3`, no more agreeing than there are, at most 16 vantage points",
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (agreeing, of): (u32, u32) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if agreeing == 0 || agreeing > of || of > 16 {
            return Err(bad());
        }
        Ok(Quorum { agreeing, of })
    }
}

impl fmt::Display for Quorum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.agreeing, self.of)
    }
}

pub use crate::time::Duration;

const UNITS: [(&str, u64); 5] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];

impl FromStr for Duration {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || UnitError::Malformed {
            text: s.to_owned(),
            what: "duration",
            expected: "a number and a unit, such as `500ms`, `10s`, `5m`, `1h30m` or `30d`",
        };
        let mut rest = s.trim();
        if rest.is_empty() {
            return Err(bad());
        }
        let mut total: u64 = 0;
        let mut last_rank = 0usize;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad());
            }
            let n: u64 = rest[..digits].parse().map_err(|_| UnitError::TooLarge(s.to_owned()))?;
            rest = &rest[digits..];
            let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            let unit = &rest[..letters];
            rest = &rest[letters..];
            let rank = UNITS.iter().position(|(u, _)| *u == unit).ok_or_else(bad)? + 1;
            // Units must go from large to small, each at most once: `1h30m`, not `30m1h`.
            if rank <= last_rank {
                return Err(bad());
            }
            last_rank = rank;
            let factor = UNITS.get(rank - 1).map_or(1, |(_, f)| *f);
            total = n.checked_mul(factor).and_then(|v| total.checked_add(v)).ok_or_else(|| UnitError::TooLarge(s.to_owned()))?;
        }
        Ok(Duration::from_millis(total))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.as_millis() == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.as_millis();
        for (unit, factor) in UNITS {
            if rest >= factor {
                write!(f, "{}{unit}", rest / factor)?;
                rest %= factor;
            }
        }
        Ok(())
    }
}

/// A percentage held exactly, in millionths of the whole (so `99.95%` is 999,500).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percent {
    ppm: u32,
}

impl Percent {
    /// From parts per million of the whole (100% is 1,000,000).
    pub const fn from_ppm(ppm: u32) -> Self {
        Percent { ppm }
    }
    /// Parts per million of the whole.
    pub const fn ppm(self) -> u32 {
        self.ppm
    }
}

impl FromStr for Percent {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || UnitError::Malformed {
            text: s.to_owned(),
            what: "percentage",
            expected: "a number from 0 to 100 followed by `%`, such as `10%` or `99.95%`",
        };
        let body = s.trim().strip_suffix('%').ok_or_else(bad)?;
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 4 {
            return Err(bad());
        }
        let whole: u32 = int.parse().map_err(|_| bad())?;
        let mut frac4 = frac.to_owned();
        while frac4.len() < 4 {
            frac4.push('0');
        }
        let part: u32 = frac4.parse().map_err(|_| bad())?;
        let ppm = whole.checked_mul(10_000).and_then(|w| w.checked_add(part)).ok_or_else(bad)?;
        if ppm > 1_000_000 {
            return Err(bad());
        }
        Ok(Percent { ppm })
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.ppm / 10_000;
        let frac = self.ppm % 10_000;
        if frac == 0 {
            return write!(f, "{whole}%");
        }
        let digits = format!("{frac:04}");
        write!(f, "{whole}.{}%", digits.trim_end_matches('0'))
    }
}

/// A memory size in mebibytes (what Lambda calls MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MemorySize {
    mb: u32,
}

impl MemorySize {
    /// A size of `mb` MB.
    pub const fn from_mb(mb: u32) -> Self {
        MemorySize { mb }
    }
    /// The size in MB.
    pub const fn mb(self) -> u32 {
        self.mb
    }
}

impl FromStr for MemorySize {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || UnitError::Malformed {
            text: s.to_owned(),
            what: "memory size",
            expected: "a size such as `512MB`, `1GB` or `1.5GB`, or a number of MB",
        };
        let t = s.trim();
        let (num, factor) = if let Some(n) = t.strip_suffix("GB") {
            (n, 1024.0)
        } else if let Some(n) = t.strip_suffix("MB") {
            (n, 1.0)
        } else {
            (t, 1.0)
        };
        let num = num.trim();
        if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(bad());
        }
        let v: f64 = num.parse().map_err(|_| bad())?;
        let mb = (v * factor).round();
        if (v * factor - mb).abs() > f64::EPSILON * mb.max(1.0) {
            return Err(bad());
        }
        if mb > f64::from(u32::MAX) {
            return Err(UnitError::TooLarge(s.to_owned()));
        }
        // The range check above makes the cast exact.
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "range checked above")]
        Ok(MemorySize { mb: mb as u32 })
    }
}

impl fmt::Display for MemorySize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}MB", self.mb)
    }
}

/// An IPv4 CIDR block such as `10.0.0.0/16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    /// The network address.
    pub base: u32,
    /// The prefix length, 0 to 32.
    pub prefix: u8,
}

impl Cidr {
    /// The `index`-th sub-block of prefix `prefix`, or `None` when it does not fit.
    pub fn subnet(self, prefix: u8, index: u32) -> Option<Cidr> {
        if prefix < self.prefix || prefix > 32 {
            return None;
        }
        let bits = u32::from(prefix - self.prefix);
        let count = 1u64 << bits;
        if u64::from(index) >= count {
            return None;
        }
        let size = 1u64 << (32 - u32::from(prefix));
        let base = u64::from(self.base) + u64::from(index) * size;
        Some(Cidr { base: u32::try_from(base).ok()?, prefix })
    }
}

impl FromStr for Cidr {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || UnitError::Malformed { text: s.to_owned(), what: "CIDR block", expected: "an IPv4 network such as `10.0.0.0/16`" };
        let (addr, prefix) = s.trim().split_once('/').ok_or_else(bad)?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        if prefix > 32 {
            return Err(bad());
        }
        let mut base = 0u32;
        let mut parts = 0;
        for part in addr.split('.') {
            let octet: u8 = part.parse().map_err(|_| bad())?;
            base = (base << 8) | u32::from(octet);
            parts += 1;
        }
        if parts != 4 {
            return Err(bad());
        }
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
        if base & !mask != 0 {
            return Err(bad());
        }
        Ok(Cidr { base, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.base.to_be_bytes();
        write!(f, "{}.{}.{}.{}/{}", b[0], b[1], b[2], b[3], self.prefix)
    }
}

/// A calendar period an SLO's budget can run over, in the SLO's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CalendarUnit {
    /// Monday 00:00 to the next Monday 00:00 (ISO weeks).
    Week,
    /// The first of a month 00:00 to the first of the next.
    Month,
    /// January, April, July or October 1st 00:00 to the next of them.
    Quarter,
}

impl CalendarUnit {
    /// The name written in a spec.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarUnit::Week => "week",
            CalendarUnit::Month => "month",
            CalendarUnit::Quarter => "quarter",
        }
    }
}

/// What an SLO's budget is measured over: a rolling window (`30d`) or a
/// calendar period (`week`, `month`, `quarter`) that starts afresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SloWindow {
    /// The last so long, always.
    Rolling(Duration),
    /// The current calendar period.
    Calendar(CalendarUnit),
}

impl Default for SloWindow {
    fn default() -> Self {
        SloWindow::Rolling(Duration::from_secs(30 * 86_400))
    }
}

impl SloWindow {
    /// The period alert rules are derived from: a rolling window's length, or
    /// a calendar period's nominal one (7, 30 or 91 days). Months run 28 to 31
    /// days, so a rule tuned to 30 misjudges a month by at most 7%, where the
    /// rules' own windows already round far more.
    pub fn period(self) -> Duration {
        match self {
            SloWindow::Rolling(d) => d,
            SloWindow::Calendar(CalendarUnit::Week) => Duration::from_secs(7 * 86_400),
            SloWindow::Calendar(CalendarUnit::Month) => Duration::from_secs(30 * 86_400),
            SloWindow::Calendar(CalendarUnit::Quarter) => Duration::from_secs(91 * 86_400),
        }
    }

    /// The calendar unit, for a calendar window.
    pub fn calendar(self) -> Option<CalendarUnit> {
        match self {
            SloWindow::Calendar(u) => Some(u),
            SloWindow::Rolling(_) => None,
        }
    }
}

impl FromStr for SloWindow {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "week" => SloWindow::Calendar(CalendarUnit::Week),
            "month" => SloWindow::Calendar(CalendarUnit::Month),
            "quarter" => SloWindow::Calendar(CalendarUnit::Quarter),
            other => SloWindow::Rolling(other.parse().map_err(|_| UnitError::Malformed {
                text: s.to_owned(),
                what: "valid SLO window",
                expected: "a rolling duration such as `28d` or `30d`, or a calendar period: `week`, `month` or `quarter`",
            })?),
        })
    }
}

impl fmt::Display for SloWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SloWindow::Rolling(d) => d.fmt(f),
            SloWindow::Calendar(u) => f.write_str(u.as_str()),
        }
    }
}

/// Serde and JSON Schema for a type that reads from and writes to a string.
macro_rules! string_unit {
    ($ty:ty, $name:literal, $format:literal, $pattern:literal, $desc:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($desc)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        v.to_string().parse().map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "format": $format, "pattern": $pattern, "description": $desc })
            }
        }
    };
}

string_unit!(
    Duration,
    "Duration",
    "duration",
    "^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$",
    "a duration such as `500ms`, `10s`, `5m`, `1h30m` or `30d`"
);
string_unit!(
    SloWindow,
    "SloWindow",
    "slo-window",
    "^(week|month|quarter|([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$",
    "a rolling window such as `28d` or `30d`, or a calendar period: `week`, `month` or `quarter`"
);
string_unit!(Quorum, "Quorum", "quorum", "^[0-9]+/[0-9]+$", "how many vantage points must agree, of how many: `2/3`");
string_unit!(
    super::strategy::StrategyName,
    "StrategyName",
    "strategy",
    "^[A-Za-z0-9.-]+$",
    "`all-at-once`, `rolling`, `blue-green`, `canary` or `linear`, a preset such as `canary-10pct-5m` or `linear-10pct-every-1m`, or a CodeDeploy name such as `LambdaCanary10Percent5Minutes`"
);
string_unit!(Percent, "Percent", "percent", "^[0-9]{1,3}(\\.[0-9]{1,4})?%$", "a percentage such as `10%` or `99.95%`");
string_unit!(Cidr, "Cidr", "cidr", "^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$", "an IPv4 CIDR block such as `10.0.0.0/16`");

impl Serialize for MemorySize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.mb)
    }
}

impl<'de> Deserialize<'de> for MemorySize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = MemorySize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a memory size such as `512MB` or `1GB`, or a number of MB")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MemorySize, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<MemorySize, E> {
                u32::try_from(v).map(MemorySize::from_mb).map_err(|_| E::custom(format!("`{v}` is too large")))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for MemorySize {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("MemorySize")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["integer", "string"],
            "format": "memory",
            "pattern": "^[0-9]+(\\.[0-9]+)?(MB|GB)?$",
            "description": "memory in MB, as a number (`512`) or with a unit (`512MB`, `1GB`)"
        })
    }
}

/// Check a string against a unit format named in the schema (`format`).
/// Returns the error for a value that does not parse.
pub fn check_format(format: &str, text: &str) -> Option<UnitError> {
    let r = match format {
        "duration" => text.parse::<Duration>().map(|_| ()),
        "percent" => text.parse::<Percent>().map(|_| ()),
        "memory" => text.parse::<MemorySize>().map(|_| ()),
        "cidr" => text.parse::<Cidr>().map(|_| ()),
        "slo-window" => text.parse::<SloWindow>().map(|_| ()),
        "quorum" => text.parse::<Quorum>().map(|_| ()),
        "strategy" => text.parse::<super::strategy::StrategyName>().map(|_| ()),
        _ => Ok(()),
    };
    r.err()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations_parse_and_print() {
        let d: Duration = "1h30m".parse().unwrap_or_default();
        assert_eq!(d.as_millis(), 5_400_000);
        assert_eq!(d.to_string(), "1h30m");
        assert_eq!("90m".parse::<Duration>().map(|d| d.to_string()), Ok("1h30m".into()));
        assert_eq!("500ms".parse::<Duration>().map(Duration::as_millis), Ok(500));
        assert!("30m1h".parse::<Duration>().is_err());
        assert!("5".parse::<Duration>().is_err());
        assert!("5x".parse::<Duration>().is_err());
        assert!("".parse::<Duration>().is_err());
        assert!("99999999999999999999d".parse::<Duration>().is_err());
    }

    #[test]
    fn percents_are_exact() {
        assert_eq!("99.95%".parse::<Percent>().map(Percent::ppm), Ok(999_500));
        assert_eq!("99.9%".parse::<Percent>().map(|p| p.to_string()), Ok("99.9%".into()));
        assert_eq!("10%".parse::<Percent>().map(|p| p.to_string()), Ok("10%".into()));
        assert!("101%".parse::<Percent>().is_err());
        assert!("10".parse::<Percent>().is_err());
        assert!("1.23456%".parse::<Percent>().is_err());
    }

    #[test]
    fn memory_sizes() {
        assert_eq!("1GB".parse::<MemorySize>().map(MemorySize::mb), Ok(1024));
        assert_eq!("1.5GB".parse::<MemorySize>().map(MemorySize::mb), Ok(1536));
        assert_eq!("512MB".parse::<MemorySize>().map(MemorySize::mb), Ok(512));
        assert!("1.0001MB".parse::<MemorySize>().is_err());
        assert!("lots".parse::<MemorySize>().is_err());
    }

    #[test]
    fn cidrs() {
        let c: Cidr = "10.0.0.0/16".parse().unwrap_or(Cidr { base: 0, prefix: 0 });
        assert_eq!(c.subnet(20, 1).map(|s| s.to_string()), Some("10.0.16.0/20".into()));
        assert_eq!(c.subnet(17, 2), None);
        assert!("10.0.0.1/16".parse::<Cidr>().is_err());
        assert!("10.0.0/16".parse::<Cidr>().is_err());
        assert!("300.0.0.0/8".parse::<Cidr>().is_err());
    }

    proptest! {
        #[test]
        fn duration_display_round_trips(ms in 0u64..10_000_000_000_000) {
            let d = Duration::from_millis(ms);
            prop_assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
        }

        #[test]
        fn percent_display_round_trips(ppm in 0u32..=1_000_000) {
            let p = Percent::from_ppm(ppm / 100 * 100);
            prop_assert_eq!(p.to_string().parse::<Percent>(), Ok(p));
        }

        #[test]
        fn parsers_never_panic(s in ".{0,24}") {
            let _ = s.parse::<Duration>();
            let _ = s.parse::<Percent>();
            let _ = s.parse::<MemorySize>();
            let _ = s.parse::<Cidr>();
        }
    }
}
