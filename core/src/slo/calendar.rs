//! Calendar windows and maintenance intervals: when a week, month or quarter
//! starts and ends in an IANA time zone, and which times planned maintenance
//! leaves out of a budget.
//!
//! jiff does the civil-time arithmetic with the time zone database compiled
//! in (its `tzdb-bundle-always` feature), so nothing here reads a file: a
//! month in `Europe/Berlin` that crosses a daylight-saving change is 743 or
//! 745 hours long, as it really is.

use crate::spec::Maintenance;
use crate::spec::units::CalendarUnit;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan};

/// A time zone by its IANA name; `None` means UTC.
pub fn time_zone(name: Option<&str>) -> Result<TimeZone, String> {
    match name {
        None | Some("UTC") => Ok(TimeZone::UTC),
        Some(n) => TimeZone::get(n).map_err(|_| format!("`{n}` is not an IANA time zone (such as `Europe/Berlin` or `America/New_York`)")),
    }
}

/// The calendar period holding `at_ms`: its start and end (exclusive), in ms since the epoch.
pub fn period_bounds(unit: CalendarUnit, tz: &TimeZone, at_ms: u64) -> Option<(u64, u64)> {
    let at = Timestamp::from_millisecond(i64::try_from(at_ms).ok()?).ok()?.to_zoned(tz.clone());
    let date = at.date();
    let (start, step): (Date, Span) = match unit {
        CalendarUnit::Week => (date.checked_sub(i64::from(date.weekday().to_monday_zero_offset()).days()).ok()?, 1.week()),
        CalendarUnit::Month => (date.first_of_month(), 1.month()),
        CalendarUnit::Quarter => (Date::new(date.year(), (date.month() - 1) / 3 * 3 + 1, 1).ok()?, 3.months()),
    };
    // Midnight local time; where a zone skips midnight, the first instant of the day.
    let start = start.to_zoned(tz.clone()).ok()?.start_of_day().ok()?;
    let end = start.date().checked_add(step).ok()?.to_zoned(tz.clone()).ok()?.start_of_day().ok()?;
    let ms = |z: &jiff::Zoned| u64::try_from(z.timestamp().as_millisecond()).ok();
    Some((ms(&start)?, ms(&end)?))
}

/// An RFC 3339 time in ms since the epoch.
pub fn parse_time(text: &str) -> Result<u64, String> {
    let ts: Timestamp = text.parse().map_err(|e| format!("`{text}` is not an RFC 3339 time such as `2026-11-03T02:00:00Z`: {e}"))?;
    u64::try_from(ts.as_millisecond()).map_err(|_| format!("`{text}` is before 1970"))
}

/// Maintenance intervals as `[from, to)` in ms, sorted; intervals that do not parse are left out
/// (validation reports them).
pub fn intervals(maintenance: &[Maintenance]) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> =
        maintenance.iter().filter_map(|m| Some((parse_time(&m.from).ok()?, parse_time(&m.to).ok()?))).filter(|(a, b)| a < b).collect();
    out.sort_unstable();
    out
}

/// Whether `at_ms` falls in one of the sorted `intervals`.
pub fn in_maintenance(intervals: &[(u64, u64)], at_ms: u64) -> bool {
    let i = intervals.partition_point(|(from, _)| *from <= at_ms);
    i > 0 && intervals.get(i - 1).is_some_and(|(_, to)| at_ms < *to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> u64 {
        parse_time(text).unwrap_or_default()
    }

    #[test]
    fn months_weeks_and_quarters_in_a_zone() {
        let berlin = time_zone(Some("Europe/Berlin")).unwrap_or(TimeZone::UTC);
        // 2026-03-15 in Berlin: March starts at 23:00 UTC on Feb 28 and has
        // 743 hours, daylight saving time starting on March 29.
        let (start, end) = period_bounds(CalendarUnit::Month, &berlin, ms("2026-03-15T12:00:00Z")).unwrap_or_default();
        assert_eq!(start, ms("2026-02-28T23:00:00Z"));
        assert_eq!(end, ms("2026-03-31T22:00:00Z"));
        assert_eq!((end - start) / 3_600_000, 743);
        // A Sunday belongs to the week that started on the Monday before.
        let (start, end) = period_bounds(CalendarUnit::Week, &TimeZone::UTC, ms("2026-11-29T23:59:59Z")).unwrap_or_default();
        assert_eq!((start, end), (ms("2026-11-23T00:00:00Z"), ms("2026-11-30T00:00:00Z")));
        let (start, end) = period_bounds(CalendarUnit::Quarter, &TimeZone::UTC, ms("2026-11-28T00:00:00Z")).unwrap_or_default();
        assert_eq!((start, end), (ms("2026-10-01T00:00:00Z"), ms("2027-01-01T00:00:00Z")));
        // The period's first instant belongs to it; its end to the next.
        assert_eq!(
            period_bounds(CalendarUnit::Month, &TimeZone::UTC, ms("2026-12-01T00:00:00Z")).map(|b| b.0),
            Some(ms("2026-12-01T00:00:00Z"))
        );
    }

    #[test]
    fn bad_zones_and_times_say_what_is_wrong() {
        assert!(time_zone(Some("Mars/Olympus")).is_err_and(|e| e.contains("Mars/Olympus")));
        assert!(parse_time("yesterday").is_err_and(|e| e.contains("RFC 3339")));
    }

    #[test]
    fn maintenance_intervals_are_half_open() {
        let m = |from: &str, to: &str| Maintenance { from: from.into(), to: to.into(), reason: String::new() };
        let iv = intervals(&[m("2026-11-03T02:00:00Z", "2026-11-03T03:00:00Z"), m("2026-11-01T00:00:00Z", "2026-11-01T00:30:00Z")]);
        assert_eq!(iv.len(), 2);
        assert!(in_maintenance(&iv, ms("2026-11-03T02:00:00Z")));
        assert!(in_maintenance(&iv, ms("2026-11-03T02:59:59Z")));
        assert!(!in_maintenance(&iv, ms("2026-11-03T03:00:00Z")));
        assert!(in_maintenance(&iv, ms("2026-11-01T00:10:00Z")));
        assert!(!in_maintenance(&iv, ms("2026-11-02T00:00:00Z")));
    }
}
