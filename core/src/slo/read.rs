//! What an SLO's events are made of, read from metrics: the one conversion
//! from a metrics backend's numbers per period (CloudWatch's `Sum`,
//! `PR(:ms)`, `pNN`) to the samples the SLO math counts, shared by a
//! rollout's SLO gates (Lambda's metrics of the new version) and the live
//! watcher (the HTTP API's metrics).

use super::Sample;
use crate::spec::Slo;
use std::collections::BTreeMap;

/// What is read for one SLO besides the count of events (invocations or requests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// Errors (`Sum`): good is events less errors.
    Errors,
    /// Latency (`PR(:ms)`): good is the share of events at most `ms`.
    Within {
        /// The SLO's threshold, ms.
        ms: u64,
    },
    /// Latency (`pNN`): one latency per period.
    Percentile {
        /// CloudWatch's statistic, such as `p99` or `p99.9`.
        stat: String,
    },
    /// The events alone (for a rollout, of every version).
    Throughput,
}

impl Read {
    /// What SLO `slo` needs read.
    pub fn of(slo: &Slo) -> Read {
        match (slo.percentile, slo.threshold, slo.min_throughput) {
            (Some(p), Some(_), _) => Read::Percentile { stat: format!("p{}", p.to_string().trim_end_matches('%')) },
            (None, Some(t), _) => Read::Within { ms: t.as_millis() },
            (_, _, Some(_)) => Read::Throughput,
            _ => Read::Errors,
        }
    }

    /// Lambda's metric and statistic to query besides `Invocations` (`Sum`), if any.
    pub fn lambda_metric(&self) -> Option<(&'static str, String)> {
        self.statistic().map(|stat| (if matches!(self, Read::Errors) { "Errors" } else { "Duration" }, stat))
    }

    /// An HTTP API's metric and statistic to query besides `Count` (`Sum`), if any.
    pub fn api_metric(&self) -> Option<(&'static str, String)> {
        self.statistic().map(|stat| (if matches!(self, Read::Errors) { "5xx" } else { "Latency" }, stat))
    }

    fn statistic(&self) -> Option<String> {
        match self {
            Read::Errors => Some("Sum".into()),
            Read::Within { ms } => Some(format!("PR(:{ms})")),
            Read::Percentile { stat } => Some(stat.clone()),
            Read::Throughput => None,
        }
    }

    /// Whether the invocations of every version count, not only the new one's.
    pub fn all_versions(&self) -> bool {
        matches!(self, Read::Throughput)
    }

    /// The samples of SLO `slo` from its readings (any functions, any order):
    /// per period, the functions' counts summed, their percentiles' maximum.
    /// A period whose statistic is missing while there were invocations is
    /// left out (no data), never taken as good.
    pub fn samples<'a>(&self, slo: &'a str, readings: &[Reading]) -> Vec<Sample<'a>> {
        let mut per: BTreeMap<u64, (u64, u64, Option<f64>, bool)> = BTreeMap::new();
        for r in readings {
            let n = r.invocations.max(0.0).round() as u64;
            let e = per.entry(r.at_ms).or_insert((0, 0, None, false));
            if n == 0 {
                continue;
            }
            e.0 += n;
            match (self, r.value) {
                (Read::Throughput, _) => e.1 += n,
                (Read::Errors, Some(errors)) => e.1 += n.saturating_sub(errors.max(0.0).round() as u64),
                (Read::Within { .. }, Some(pct)) => e.1 += ((pct.clamp(0.0, 100.0) / 100.0) * n as f64).round() as u64,
                (Read::Percentile { .. }, Some(ms)) => e.2 = Some(e.2.map_or(ms, |m: f64| m.max(ms))),
                (_, None) => e.3 = true,
            }
        }
        per.into_iter()
            .filter(|(_, (n, _, _, missing))| *n > 0 && !missing)
            .map(|(at, (n, good, p, _))| match self {
                Read::Percentile { .. } => Sample { at, slo, good: 0, total: 0, latency_ms: Some(p.unwrap_or(f64::MAX)) },
                _ => Sample { at, slo, good: good.min(n), total: n, latency_ms: None },
            })
            .collect()
    }
}

/// One function's numbers over one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The period's start, in the SLO's time (ms).
    pub at_ms: u64,
    /// Invocations (`Sum`).
    pub invocations: f64,
    /// The value of the read's statistic, when the backend had one.
    pub value: Option<f64>,
}
