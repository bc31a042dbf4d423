//! Dates for plugins, which read no clock of their own unless their world
//! gives them one: UTC instants as ISO 8601 and RFC 3339 text and back, and
//! the date SigV4 signs with.

// Dates by hand (Howard Hinnant's civil-date algorithms, a dozen lines each
// way) rather than a date crate: a plugin needs only UTC and whole seconds.

/// The Gregorian date of a count of days since 1970-01-01.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days since 1970-01-01 of a Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYYMMDD'T'HHMMSS'Z'` for an instant in seconds since the Unix epoch, as SigV4 dates requests.
pub fn amz_date(unix_seconds: i64) -> String {
    let (year, month, day) = civil(unix_seconds.div_euclid(86_400));
    let secs = unix_seconds.rem_euclid(86_400);
    format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Now, as SigV4 dates a request (a plugin that signs is given the wall clock).
pub fn amz_date_now() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    amz_date(i64::try_from(now).unwrap_or_default())
}

/// ISO 8601 in UTC (`2026-12-07T10:00:00Z`), as the Query APIs take times.
pub fn iso8601(unix_ms: u64) -> String {
    let secs = i64::try_from(unix_ms / 1000).unwrap_or(i64::MAX);
    let (year, month, day) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60)
}

/// RFC 3339 in UTC with milliseconds (`2026-12-07T10:41:02.000Z`), as webhooks and PagerDuty take times.
pub fn rfc3339_ms(unix_ms: u64) -> String {
    let iso = iso8601(unix_ms);
    format!("{}.{:03}Z", iso.trim_end_matches('Z'), unix_ms % 1000)
}

/// Milliseconds since the epoch of an ISO 8601 time as AWS answers
/// (`2026-12-07T10:00:00Z`, `...00.123Z`, `...00+00:00`); `None` if it is not one.
pub fn parse_iso8601(text: &str) -> Option<u64> {
    let num = |s: &str| -> Option<i64> { if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() { s.parse().ok() } else { None } };
    let (date, time) = text.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (year, month, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let (clock, offset_s) = if let Some(c) = time.strip_suffix('Z') {
        (c, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (c, off) = time.split_at(at);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (h, m) = off.get(1..)?.split_once(':')?;
        (c, sign * (num(h)? * 3600 + num(m)? * 60))
    };
    let (whole, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut t = whole.splitn(3, ':');
    let (h, m, s) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let ms = if frac.is_empty() { 0 } else { num(&format!("{frac:0<3}").chars().take(3).collect::<String>())? };
    let secs = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s - offset_s;
    u64::try_from(secs * 1000 + ms).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_requests_as_sigv4_writes_them() {
        assert_eq!(super::amz_date(0), "19700101T000000Z");
        assert_eq!(super::amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(super::amz_date(1_796_637_600), "20261207T100000Z");
        assert_eq!(super::amz_date(951_782_400), "20000229T000000Z");
    }

    #[test]
    fn reads_and_writes_iso8601_both_ways() {
        for ms in [0u64, 951_782_400_000, 1_796_637_600_000, 4_102_444_799_000] {
            assert_eq!(super::parse_iso8601(&super::iso8601(ms)), Some(ms));
        }
        assert_eq!(super::iso8601(1_796_637_600_000), "2026-12-07T10:00:00Z");
        assert_eq!(super::parse_iso8601("2026-12-07T10:00:00.25Z"), Some(1_796_637_600_250));
        assert_eq!(super::parse_iso8601("2026-12-07T11:00:00+01:00"), Some(1_796_637_600_000));
        assert_eq!(super::parse_iso8601("2026-12-07 10:00:00"), None);
        assert_eq!(super::parse_iso8601("2026-13-07T10:00:00Z"), None);
    }
}
