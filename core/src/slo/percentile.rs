//! Latency percentiles per timeslice: a slice is good when its pNN latency
//! is at most the threshold, and the slices' verdicts become the counts the
//! rest of the SLO math uses (Timeslices budgeting).
//!
//! The percentile comes from a DDSketch (the `sketches-ddsketch` crate, the
//! one `metrics-util` uses): fixed memory whatever the traffic, mergeable,
//! and with a *relative* error bound on the value: at 1% accuracy a true p99
//! of 300 ms is reported between 297 and 303 ms, so only a slice whose p99
//! lies within 1% of the threshold can be judged wrongly. Rank-error sketches
//! (t-digest, GK) bound the rank instead, which at p99 of a long-tailed
//! latency distribution can be a factor of two in milliseconds.
//!
//! Only the open slice keeps a sketch (2048 bins at most): memory per SLO is
//! bounded, and a slice is judged once when the next begins.

use crate::spec::units::{Duration, Percent};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sketches_ddsketch::{Config, DDSketch};

/// The sketch's relative accuracy.
pub const RELATIVE_ACCURACY: f64 = 0.01;

/// A closed timeslice's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SliceVerdict {
    /// Where the slice ended (ms), exclusive.
    pub end: u64,
    /// Whether the slice's percentile was at most the threshold.
    pub good: bool,
    /// The slice's percentile latency (ms), to the sketch's accuracy.
    pub latency_ms: f64,
    /// Latencies in the slice.
    pub count: u64,
}

/// The open timeslice of a percentile-latency SLO.
#[derive(Clone, Serialize, Deserialize)]
pub struct PercentileSlices {
    slice_ms: u64,
    quantile: f64,
    threshold_ms: f64,
    /// The open slice's index, if any latency came in it.
    open: Option<u64>,
    #[serde(serialize_with = "to_bytes", deserialize_with = "from_bytes")]
    sketch: DDSketch,
}

impl std::fmt::Debug for PercentileSlices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PercentileSlices")
            .field("slice_ms", &self.slice_ms)
            .field("quantile", &self.quantile)
            .field("threshold_ms", &self.threshold_ms)
            .field("open", &self.open)
            .field("count", &self.sketch.count())
            .finish()
    }
}

fn new_sketch() -> DDSketch {
    DDSketch::new(Config::new(RELATIVE_ACCURACY, 2048, 1.0e-3))
}

// The sketch travels in DataDog's binary encoding: its own serde form holds
// infinities, which JSON cannot.
fn to_bytes<S: Serializer>(sketch: &DDSketch, s: S) -> Result<S::Ok, S::Error> {
    sketch.to_java_bytes().serialize(s)
}

fn from_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<DDSketch, D::Error> {
    let bytes = Vec::<u8>::deserialize(d)?;
    if bytes.is_empty() {
        return Ok(new_sketch());
    }
    DDSketch::from_java_bytes(&bytes).map_err(|e| serde::de::Error::custom(format!("not a sketch: {e:?}")))
}

impl PercentileSlices {
    /// Slices of `slice` width judging `percentile` (such as 99%) against `threshold`.
    pub fn new(slice: Duration, percentile: Percent, threshold: Duration) -> PercentileSlices {
        PercentileSlices {
            slice_ms: slice.as_millis().max(1),
            quantile: f64::from(percentile.ppm()) / 1_000_000.0,
            threshold_ms: threshold.as_millis() as f64,
            open: None,
            sketch: new_sketch(),
        }
    }

    /// Add one request's latency (ms) seen at `at`. When it falls in a later
    /// slice, the open one closes first and its verdict is returned. A late
    /// latency counts in the open slice.
    pub fn record(&mut self, at: u64, latency_ms: f64) -> Option<SliceVerdict> {
        let slice = at / self.slice_ms;
        let closed = match self.open {
            Some(open) if slice > open => self.close(),
            _ => None,
        };
        if self.open.is_none() {
            self.open = Some(slice);
        }
        // Negative or NaN latencies are clock noise: they count as instant.
        self.sketch.add(if latency_ms.is_finite() { latency_ms.max(0.0) } else { 0.0 });
        closed
    }

    /// Close the open slice if `now` is past it (time went on without traffic).
    pub fn tick(&mut self, now: u64) -> Option<SliceVerdict> {
        match self.open {
            Some(open) if now / self.slice_ms > open => self.close(),
            _ => None,
        }
    }

    fn close(&mut self) -> Option<SliceVerdict> {
        let open = self.open.take()?;
        let sketch = std::mem::replace(&mut self.sketch, new_sketch());
        let latency_ms = sketch.quantile(self.quantile).ok().flatten()?;
        let count = sketch.count() as u64;
        Some(SliceVerdict { end: (open + 1) * self.slice_ms, good: latency_ms <= self.threshold_ms, latency_ms, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn slices() -> PercentileSlices {
        PercentileSlices::new(Duration::from_secs(60), Percent::from_ppm(990_000), Duration::from_millis(300))
    }

    #[test]
    fn a_slice_is_judged_by_its_percentile_when_the_next_begins() {
        let mut s = slices();
        // Minute 0: 98 fast requests and 2 slow ones: p99 is slow.
        for i in 0..100u64 {
            assert_eq!(s.record(i * 100, if i < 98 { 50.0 } else { 900.0 }), None);
        }
        let v = s.record(60_000, 10.0).unwrap_or_else(|| panic!("minute 0 did not close"));
        assert!(!v.good && v.end == 60_000 && v.count == 100);
        assert!((v.latency_ms - 900.0).abs() <= 9.0, "{v:?}");
        // Minute 1: one slow request in 1000 keeps p99 fast.
        for i in 1..1000u64 {
            s.record(60_000 + i * 50, if i == 500 { 5_000.0 } else { 100.0 });
        }
        let v = s.tick(120_000).unwrap_or_else(|| panic!("minute 1 did not close"));
        assert!(v.good && v.count == 1000, "{v:?}");
        // Nothing open: nothing to close.
        assert_eq!(s.tick(600_000), None);
    }

    #[test]
    fn the_open_slice_survives_a_restart() {
        let mut s = slices();
        for i in 0..50u64 {
            s.record(i, 1_000.0);
        }
        let text = serde_json::to_string(&s).unwrap_or_default();
        let mut back: PercentileSlices = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let v = back.tick(60_000).unwrap_or_else(|| panic!("no verdict"));
        assert_eq!(v.count, 50);
        assert!(!v.good);
    }

    proptest! {
        /// The reported percentile is within the sketch's relative accuracy of the exact one.
        #[test]
        fn percentiles_keep_the_stated_error_bound(mut values in proptest::collection::vec(0.5f64..60_000.0, 1..400)) {
            let mut s = slices();
            for v in &values {
                s.record(0, *v);
            }
            let got = s.tick(60_000).map(|v| v.latency_ms).unwrap_or(f64::NAN);
            values.sort_by(f64::total_cmp);
            // DDSketch's rank: the value at index floor(q * (n - 1)).
            let idx = ((values.len() - 1) as f64 * 0.99).floor() as usize;
            let exact = values.get(idx).copied().unwrap_or(f64::NAN);
            prop_assert!((got - exact).abs() <= exact * RELATIVE_ACCURACY + 1e-9, "got {got}, exact {exact}");
        }
    }
}
