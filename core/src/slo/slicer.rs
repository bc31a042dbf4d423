//! Timeslice SLOs as a stream: samples go into the open slice; when it
//! closes, its verdict becomes one event for the alert math, so a
//! `timeslices` SLO burns its budget in bad slices, not bad requests.
//!
//! - `timeslices`: a slice is good when its share of good events reaches the target.
//! - `ratio-timeslices`: a slice counts its share of good events, in parts
//!   per million, so a window's ratio is the mean of its slices' ratios.
//! - throughput: a slice is good when enough events arrive; a silent slice is bad.
//! - percentile latency: a slice is good when its pNN latency is fast (see [`PercentileSlices`]).
//!
//! A slice with no events carries no data, except for throughput, where
//! silence is the failure.

use super::{Counts, PercentileSlices, SliceVerdict};
use crate::spec::{Budgeting, Slo};
use serde::{Deserialize, Serialize};

/// How a slice is judged.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Judge {
    /// Good when `good / total >= target_ppm`.
    Target { target_ppm: u32 },
    /// The slice's share of good, in ppm of one event.
    Ratio,
    /// Good when at least `min` events arrived.
    Throughput { min: u64 },
    /// Good when the slice's percentile latency is at most the threshold.
    Percentile { slices: Box<PercentileSlices> },
}

/// The open slice of a timeslice SLO, and how it is judged when it closes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Slicer {
    slice_ms: u64,
    judge: Judge,
    /// The open slice and its counts (not used by percentile slices, which keep a sketch).
    open: Option<(u64, Counts)>,
}

impl PartialEq for Slicer {
    fn eq(&self, other: &Self) -> bool {
        // Sketches have no equality of their own: compare the serialised forms.
        serde_json::to_string(self).ok() == serde_json::to_string(other).ok()
    }
}

/// One event for the alert math: when (ms) and (good, total).
pub type SliceEvent = (u64, u64, u64);

/// Parts per million of one ratio-timeslice event.
const RATIO_SCALE: u64 = 1_000_000;

impl Slicer {
    /// The slicer an SLO needs, if it is judged per timeslice.
    pub fn for_slo(slo: &Slo) -> Option<Slicer> {
        let judge = if let (Some(pct), Some(threshold)) = (slo.percentile, slo.threshold) {
            Judge::Percentile { slices: Box::new(PercentileSlices::new(slo.timeslice, pct, threshold)) }
        } else if let Some(min) = slo.min_throughput {
            Judge::Throughput { min }
        } else {
            match slo.budgeting {
                Budgeting::Occurrences => return None,
                Budgeting::Timeslices => Judge::Target { target_ppm: slo.timeslice_target.unwrap_or(slo.objective).ppm() },
                Budgeting::RatioTimeslices => Judge::Ratio,
            }
        };
        Some(Slicer { slice_ms: slo.timeslice.as_millis().max(1), judge, open: None })
    }

    /// Add `good` of `total` events at `at`; the events of the slices this closed.
    pub fn record(&mut self, at: u64, good: u64, total: u64) -> Vec<SliceEvent> {
        let mut out = self.tick(at);
        let slice = at / self.slice_ms;
        let open = self.open.get_or_insert((slice, Counts::default()));
        open.1.good += good.min(total);
        open.1.total += total;
        if matches!(self.judge, Judge::Percentile { .. }) {
            out.clear();
        }
        out
    }

    /// Add one request's latency (percentile SLOs); the events of the slices this closed.
    pub fn record_latency(&mut self, at: u64, latency_ms: f64) -> Vec<SliceEvent> {
        match &mut self.judge {
            Judge::Percentile { slices } => slices.record(at, latency_ms).map(event).into_iter().collect(),
            _ => vec![],
        }
    }

    /// Close every slice that ended by `now`; their events. For throughput,
    /// every silent slice since the last one is an event too, and bad.
    pub fn tick(&mut self, now: u64) -> Vec<SliceEvent> {
        let slice = now / self.slice_ms;
        if let Judge::Percentile { slices } = &mut self.judge {
            return slices.tick(now).map(event).into_iter().collect();
        }
        let Some((open, counts)) = self.open else { return vec![] };
        if slice <= open {
            return vec![];
        }
        let end = |k: u64| (k + 1) * self.slice_ms - 1;
        let mut out = vec![(end(open), counts)];
        if let Judge::Throughput { .. } = self.judge {
            // Silent slices between the last one and now (at most a day of them: older ones no window needs).
            let from = (open + 1).max(slice.saturating_sub(1440));
            out.extend((from..slice).map(|k| (end(k), Counts::default())));
            self.open = Some((slice, Counts::default()));
        } else {
            self.open = None;
        }
        out.into_iter().filter_map(|(at, c)| self.verdict(c).map(|(g, t)| (at, g, t))).collect()
    }

    fn verdict(&self, c: Counts) -> Option<(u64, u64)> {
        match self.judge {
            Judge::Throughput { min } => Some((u64::from(c.total >= min), 1)),
            _ if c.total == 0 => None,
            Judge::Target { target_ppm } => {
                Some((u64::from(u128::from(c.good) * 1_000_000 >= u128::from(c.total) * u128::from(target_ppm)), 1))
            }
            Judge::Ratio => Some(((u128::from(c.good) * u128::from(RATIO_SCALE) / u128::from(c.total)) as u64, RATIO_SCALE)),
            Judge::Percentile { .. } => None,
        }
    }
}

fn event(v: SliceVerdict) -> SliceEvent {
    (v.end - 1, u64::from(v.good), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slicer(yaml: &str) -> Slicer {
        let text = format!("app: t\nregions: {{ primary: us-east-1 }}\nslos:\n  s: {yaml}\n");
        let app = crate::App::from_text(&text).unwrap_or_else(|e| panic!("{e:?}"));
        app.spec().slos.get("s").and_then(Slicer::for_slo).unwrap_or_else(|| panic!("{yaml} is not sliced"))
    }

    #[test]
    fn each_judge_turns_a_closed_slice_into_one_event() {
        let mut s = slicer("{ objective: 99%, budgeting: timeslices, timeslice: 1m, timeslice_target: 95% }");
        assert!(s.record(0, 96, 100).is_empty());
        assert!(s.record(30_000, 0, 0).is_empty());
        assert_eq!(s.record(60_000, 90, 100), vec![(59_999, 1, 1)]);
        assert_eq!(s.tick(120_000), vec![(119_999, 0, 1)]);
        // No traffic: no data, not a bad slice.
        assert!(s.tick(600_000).is_empty());

        let mut s = slicer("{ objective: 99%, budgeting: ratio-timeslices, timeslice: 1m }");
        s.record(0, 1, 3);
        assert_eq!(s.tick(60_000), vec![(59_999, 333_333, 1_000_000)]);

        let mut s = slicer("{ objective: 99%, budgeting: timeslices, min_throughput: 10, timeslice: 1m }");
        s.record(0, 12, 12);
        // Three silent minutes after a busy one: four events, three bad.
        assert_eq!(s.tick(240_000), vec![(59_999, 1, 1), (119_999, 0, 1), (179_999, 0, 1), (239_999, 0, 1)]);

        let mut s = slicer("{ objective: 99%, budgeting: timeslices, percentile: 99%, threshold: 100ms, timeslice: 1m }");
        for i in 0..100 {
            s.record_latency(i, if i < 95 { 10.0 } else { 500.0 });
        }
        assert_eq!(s.tick(60_000), vec![(59_999, 0, 1)]);
    }

    #[test]
    fn occurrences_need_no_slicer() {
        let app = crate::App::from_text("app: t\nregions: { primary: us-east-1 }\nslos:\n  s: { objective: 99% }\n").ok();
        assert!(app.and_then(|a| a.spec().slos.get("s").and_then(Slicer::for_slo)).is_none());
    }
}
