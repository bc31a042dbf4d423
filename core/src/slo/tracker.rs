//! Streaming evaluation: samples go in one at a time, and the good and total
//! counts of any window, from minutes to the whole period, come out at once.
//!
//! Counts, not ratios: each of two rings keeps *cumulative* counts at the end
//! of every slice (one-minute slices for the last three days, one-hour slices
//! for the period), so a window is one subtraction. O(1) per sample (amortised
//! over skipped slices) and per query; memory fixed by the period (about 80 KB
//! for 30 days). Windows are answered to the slice: a minute up to three days,
//! an hour beyond.

use super::Counts;
use crate::time::{Duration, Timestamp};
use serde::{Deserialize, Serialize};

/// Width of the fine slices.
pub const FINE_SLICE_MS: u64 = 60_000;
/// How far back the fine slices reach: every alert window (5m to 3d) fits.
pub const FINE_SPAN_MS: u64 = 3 * 86_400_000;
/// Width of the coarse slices.
pub const COARSE_SLICE_MS: u64 = 3_600_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Ring {
    slice_ms: u64,
    /// Cumulative (good, total) at the end of each slice, by slice index modulo the length.
    cum: Vec<[u64; 2]>,
    /// The newest slice with an entry, and the first slice ever recorded.
    head: Option<(u64, u64)>,
}

impl Ring {
    fn new(slice_ms: u64, span_ms: u64) -> Ring {
        let len = usize::try_from(span_ms / slice_ms + 1).unwrap_or(1);
        Ring { slice_ms, cum: vec![[0, 0]; len], head: None }
    }

    fn len(&self) -> u64 {
        self.cum.len() as u64
    }

    fn slot(&mut self, slice: u64) -> Option<&mut [u64; 2]> {
        let len = self.len();
        self.cum.get_mut(usize::try_from(slice % len).unwrap_or(0))
    }

    /// Record that the cumulative counts are `now` as of time `at`, which were `before` just prior.
    fn record(&mut self, at: u64, before: [u64; 2], now: [u64; 2]) {
        let slice = at / self.slice_ms;
        let (head, first) = self.head.unwrap_or((slice, slice));
        // A late sample counts in the newest slice: history is not rewritten.
        let slice = slice.max(head);
        // Slices skipped in silence end where the one before ended.
        let gap_from = if self.head.is_some() { head + 1 } else { slice };
        let fill_from = gap_from.max(slice.saturating_sub(self.len() - 1));
        for s in fill_from..slice {
            if let Some(e) = self.slot(s) {
                *e = before;
            }
        }
        if let Some(e) = self.slot(slice) {
            *e = now;
        }
        self.head = Some((slice, first.min(slice)));
    }

    /// Cumulative counts at the end of `slice`, if the ring still holds it.
    fn at(&self, slice: u64) -> Option<[u64; 2]> {
        let (head, first) = self.head?;
        if slice < first {
            return Some([0, 0]);
        }
        let slice = slice.min(head);
        if head - slice >= self.len() {
            return None;
        }
        self.cum.get(usize::try_from(slice % self.len()).ok()?).copied()
    }

    /// Counts in the `k` slices ending with the one holding `now`.
    fn window(&self, now: u64, k: u64) -> Option<Counts> {
        let end_slice = now / self.slice_ms;
        let end = self.at(end_slice)?;
        let start = match end_slice.checked_sub(k) {
            Some(s) => self.at(s)?,
            None => [0, 0],
        };
        Some(Counts { good: end[0].saturating_sub(start[0]), total: end[1].saturating_sub(start[1]) })
    }
}

/// Good and total events of one SLO, streaming in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracker {
    fine: Ring,
    coarse: Ring,
    cumulative: [u64; 2],
    period: Duration,
}

impl Tracker {
    /// A tracker answering windows up to `period`.
    pub fn new(period: Duration) -> Tracker {
        Tracker {
            fine: Ring::new(FINE_SLICE_MS, FINE_SPAN_MS),
            coarse: Ring::new(COARSE_SLICE_MS, period.as_millis().max(COARSE_SLICE_MS)),
            cumulative: [0, 0],
            period,
        }
    }

    /// Record `good` of `total` events at time `at`. Samples should
    /// arrive in time order; a late one counts in the newest slice.
    pub fn record(&mut self, at: Timestamp, good: u64, total: u64) {
        let before = self.cumulative;
        self.cumulative = [before[0].saturating_add(good.min(total)), before[1].saturating_add(total)];
        self.fine.record(at.as_millis(), before, self.cumulative);
        self.coarse.record(at.as_millis(), before, self.cumulative);
    }

    /// Counts over the `window` ending at `now`: to the minute up to three
    /// days, to the hour beyond. `None` when the window is longer than the period.
    pub fn counts(&self, now: Timestamp, window: Duration) -> Option<Counts> {
        let (now, w) = (now.as_millis(), window.as_millis());
        if w <= FINE_SPAN_MS {
            self.fine.window(now, w.div_ceil(FINE_SLICE_MS))
        } else if w <= self.period.as_millis().max(COARSE_SLICE_MS) {
            self.coarse.window(now, w.div_ceil(COARSE_SLICE_MS))
        } else {
            None
        }
    }

    /// Every event ever recorded.
    pub fn lifetime(&self) -> Counts {
        Counts { good: self.cumulative[0], total: self.cumulative[1] }
    }

    /// Bytes of state (the rings dominate).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + (self.fine.cum.len() + self.coarse.cum.len()) * std::mem::size_of::<[u64; 2]>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The oracle: every sample kept, windows summed by slice.
    fn naive(samples: &[(u64, u64, u64)], now: u64, window_ms: u64, slice: u64) -> Counts {
        let end = now / slice;
        let k = window_ms.div_ceil(slice);
        let mut newest = 0;
        let mut c = Counts::default();
        for &(at, good, total) in samples {
            // Late samples count in the newest slice so far, as the tracker does.
            newest = newest.max(at / slice);
            let s = newest;
            if s <= end && s + k > end {
                c.good += good.min(total);
                c.total += total;
            }
        }
        c
    }

    #[test]
    fn windows_over_a_quiet_then_busy_service() {
        let mut t = Tracker::new(Duration::from_secs(30 * 86_400));
        assert_eq!(t.counts(Timestamp::from_millis(0), Duration::from_secs(300)), None);
        t.record(Timestamp::from_millis(0), 10, 10);
        t.record(Timestamp::from_millis(90_000), 5, 10); // minute 1
        t.record(Timestamp::from_millis(10 * 60_000), 100, 100); // minute 10
        assert_eq!(t.counts(Timestamp::from_millis(10 * 60_000), Duration::from_secs(300)), Some(Counts { good: 100, total: 100 }));
        assert_eq!(t.counts(Timestamp::from_millis(10 * 60_000), Duration::from_secs(3600)), Some(Counts { good: 115, total: 120 }));
        assert_eq!(t.counts(Timestamp::from_millis(10 * 60_000), Duration::from_secs(10 * 86_400)), Some(Counts { good: 115, total: 120 }));
        assert_eq!(t.counts(Timestamp::from_millis(10 * 60_000), Duration::from_secs(31 * 86_400)), None);
        // Long after, the 5-minute window is empty: no data, not a ratio of zeros.
        assert_eq!(t.counts(Timestamp::from_millis(100 * 60_000), Duration::from_secs(300)).and_then(Counts::error_ratio), None);
        assert!(t.memory_bytes() < 100 * 1024, "{}", t.memory_bytes());
    }

    proptest! {
        #[test]
        fn windows_equal_the_naive_sum(
            steps in prop::collection::vec((0u64..600_000, 0u64..50, 0u64..50), 1..200),
            windows in prop::collection::vec(1u64..4320, 1..8),
            late in 0usize..3,
        ) {
            let mut t = Tracker::new(Duration::from_secs(30 * 86_400));
            let mut samples = Vec::new();
            let mut at = 0u64;
            for (i, (gap, good, bad)) in steps.iter().enumerate() {
                at += gap;
                // Now and then a sample stamped a little in the past.
                let stamp = if late > 0 && i % 7 == 3 { at.saturating_sub(120_000) } else { at };
                t.record(Timestamp::from_millis(stamp), *good, good + bad);
                samples.push((stamp, *good, good + bad));
            }
            for w in windows {
                let got = t.counts(Timestamp::from_millis(at), Duration::from_millis(w * FINE_SLICE_MS));
                prop_assert_eq!(got, Some(naive(&samples, at, w * FINE_SLICE_MS, FINE_SLICE_MS)));
            }
        }
    }
}
