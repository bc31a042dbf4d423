//! Time as values: [`Timestamp`] (a moment) and [`Duration`] (a span), both
//! whole milliseconds.
//!
//! The core never reads a clock: every machine, the plan, the SLO engine and
//! recovery take the time as an argument. Arithmetic on these types
//! saturates instead of wrapping, so that no spec (a bake of `10000000d`) and
//! no host clock (a timestamp near the top of `u64`) can overflow a plan or a
//! machine; validation caps what a spec may ask for well below the point
//! where saturation would change an answer (see `validate::caps`).
//!
//! Both serialise as plain integers of milliseconds, so journals, plans and
//! snapshots read the same as they did when they were bare `u64`s.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A moment: milliseconds since an epoch the host chooses (Unix time where
/// calendars matter: calendar SLO windows, business-hours strategies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(u64);

/// A span of time, held exactly in milliseconds. Parses from and prints as
/// text such as `1h30m` (see `spec::units`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    millis: u64,
}

impl Timestamp {
    /// The epoch itself.
    pub const ZERO: Timestamp = Timestamp(0);
    /// The last representable moment; sums saturate here.
    pub const MAX: Timestamp = Timestamp(u64::MAX);

    /// The moment `millis` milliseconds after the epoch.
    pub const fn from_millis(millis: u64) -> Timestamp {
        Timestamp(millis)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// `self + d`, or [`Timestamp::MAX`] where that would overflow.
    pub const fn saturating_add(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(d.millis))
    }

    /// `self - d`, or [`Timestamp::ZERO`] where that would go before the epoch.
    pub const fn saturating_sub(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_sub(d.millis))
    }

    /// How long after `earlier` this is (zero if it is not after it).
    pub const fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    /// The start of the `step`-wide slot holding this moment (`step` zero: the moment itself).
    pub const fn floor(self, step: Duration) -> Timestamp {
        match step.millis {
            0 => self,
            s => Timestamp(self.0 - self.0 % s),
        }
    }
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration { millis: 0 };
    /// The longest span; sums saturate here.
    pub const MAX: Duration = Duration { millis: u64::MAX };

    /// A duration of `millis` milliseconds.
    pub const fn from_millis(millis: u64) -> Duration {
        Duration { millis }
    }
    /// A duration of `secs` seconds (saturating).
    pub const fn from_secs(secs: u64) -> Duration {
        Duration { millis: secs.saturating_mul(1000) }
    }
    /// Whole milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.millis
    }
    /// Whole seconds, rounded down.
    pub const fn as_secs(self) -> u64 {
        self.millis / 1000
    }
    /// Whole days, rounded down.
    pub const fn as_days(self) -> u64 {
        self.millis / 86_400_000
    }
    /// `self + other`, or [`Duration::MAX`] where that would overflow.
    pub const fn saturating_add(self, other: Duration) -> Duration {
        Duration { millis: self.millis.saturating_add(other.millis) }
    }
    /// `self - other`, or zero where `other` is longer.
    pub const fn saturating_sub(self, other: Duration) -> Duration {
        Duration { millis: self.millis.saturating_sub(other.millis) }
    }
    /// `self * n`, or [`Duration::MAX`] where that would overflow.
    pub const fn saturating_mul(self, n: u64) -> Duration {
        Duration { millis: self.millis.saturating_mul(n) }
    }
    /// `self + other`, or `None` where that would overflow: for parsers, which refuse what saturation would hide.
    pub const fn checked_add(self, other: Duration) -> Option<Duration> {
        match self.millis.checked_add(other.millis) {
            Some(millis) => Some(Duration { millis }),
            None => None,
        }
    }
}

impl Add<Duration> for Timestamp {
    type Output = Timestamp;
    /// Saturating: see [`Timestamp::saturating_add`].
    fn add(self, d: Duration) -> Timestamp {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for Timestamp {
    fn add_assign(&mut self, d: Duration) {
        *self = self.saturating_add(d);
    }
}

impl Sub<Duration> for Timestamp {
    type Output = Timestamp;
    /// Saturating: see [`Timestamp::saturating_sub`].
    fn sub(self, d: Duration) -> Timestamp {
        self.saturating_sub(d)
    }
}

impl Sub<Timestamp> for Timestamp {
    type Output = Duration;
    /// Saturating: see [`Timestamp::since`].
    fn sub(self, earlier: Timestamp) -> Duration {
        self.since(earlier)
    }
}

impl Add for Duration {
    type Output = Duration;
    /// Saturating: see [`Duration::saturating_add`].
    fn add(self, other: Duration) -> Duration {
        self.saturating_add(other)
    }
}

impl AddAssign for Duration {
    fn add_assign(&mut self, other: Duration) {
        *self = self.saturating_add(other);
    }
}

impl Sub for Duration {
    type Output = Duration;
    /// Saturating: see [`Duration::saturating_sub`].
    fn sub(self, other: Duration) -> Duration {
        self.saturating_sub(other)
    }
}

impl std::iter::Sum for Duration {
    fn sum<I: Iterator<Item = Duration>>(iter: I) -> Duration {
        iter.fold(Duration::ZERO, Duration::saturating_add)
    }
}

impl fmt::Display for Timestamp {
    /// Milliseconds since the epoch, such as `120000ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

/// Serde for a [`Duration`] as a plain integer of milliseconds, for data
/// outputs (plans, ledgers) whose fields are named `..._ms`:
/// `#[serde(rename = "duration_ms", with = "crate::time::millis")]`.
pub mod millis {
    use super::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Write the duration as its milliseconds.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis())
    }

    /// Read a duration from its milliseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sums_saturate_instead_of_wrapping() {
        let near_end = Timestamp::from_millis(u64::MAX - 5);
        assert_eq!(near_end + Duration::from_millis(10), Timestamp::MAX);
        assert_eq!(Timestamp::from_millis(3) - Duration::from_millis(10), Timestamp::ZERO);
        assert_eq!(Timestamp::from_millis(3) - Timestamp::from_millis(10), Duration::ZERO);
        assert_eq!(Duration::from_secs(u64::MAX), Duration::MAX);
        assert_eq!(Duration::MAX + Duration::from_millis(1), Duration::MAX);
        assert_eq!(Duration::from_millis(2).checked_add(Duration::MAX), None);
    }

    #[test]
    fn floor_finds_the_slot() {
        assert_eq!(Timestamp::from_millis(125_000).floor(Duration::from_secs(60)), Timestamp::from_millis(120_000));
        assert_eq!(Timestamp::from_millis(7).floor(Duration::ZERO), Timestamp::from_millis(7));
    }

    #[test]
    fn serialises_as_plain_milliseconds() {
        assert_eq!(serde_json::to_string(&Timestamp::from_millis(42)).ok(), Some("42".to_owned()));
        assert_eq!(serde_json::from_str::<Timestamp>("42").ok(), Some(Timestamp::from_millis(42)));
    }

    proptest! {
        #[test]
        fn arithmetic_agrees_with_u128_clamped(t in any::<u64>(), d in any::<u64>()) {
            let clamp = |v: u128| u64::try_from(v).unwrap_or(u64::MAX);
            let (ts, dur) = (Timestamp::from_millis(t), Duration::from_millis(d));
            prop_assert_eq!((ts + dur).as_millis(), clamp(u128::from(t) + u128::from(d)));
            prop_assert_eq!((ts - dur).as_millis(), t.saturating_sub(d));
            prop_assert!(ts + dur >= ts);
            prop_assert_eq!(((ts + dur) - ts).as_millis(), clamp(u128::from(t) + u128::from(d)) - t);
        }
    }
}
