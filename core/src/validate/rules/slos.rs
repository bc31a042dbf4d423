//! Rules for `slos`: objectives, windows, composites and calendar periods.

use super::*;

impl Rules<'_> {
    pub(super) fn slos(&mut self) {
        for (name, slo) in &self.spec.slos {
            let ppm = slo.objective.ppm();
            if ppm == 0 || ppm >= 1_000_000 {
                self.err(
                    Code::OutOfRange,
                    p(&["slos", name, "objective"]),
                    format!("objective `{}` leaves {} error budget", slo.objective, if ppm >= 1_000_000 { "no" } else { "a 100%" }),
                    Some("objectives live between 0% and 100%, such as `99.9%`".into()),
                );
                continue;
            }
            let ts = slo.timeslice.as_millis();
            if ts == 0 || ts % 60_000 != 0 || ts > 3_600_000 {
                self.err(
                    Code::OutOfRange,
                    p(&["slos", name, "timeslice"]),
                    format!("timeslice `{}` must be a whole number of minutes up to 1h", slo.timeslice),
                    None,
                );
            }
            self.slo_calendar(name, slo);
            self.slo_composite(name, slo);
            if slo.min_throughput.is_some() {
                if slo.budgeting != crate::spec::Budgeting::Timeslices {
                    self.err(
                        Code::BadValue,
                        p(&["slos", name, "min_throughput"]),
                        "throughput is judged per timeslice: it needs `budgeting: timeslices`".into(),
                        None,
                    );
                }
                if slo.threshold.is_some() || slo.percentile.is_some() {
                    self.err(
                        Code::BadValue,
                        p(&["slos", name, "min_throughput"]),
                        "an SLO measures one thing: throughput, or latency (`threshold`, `percentile`), not both".into(),
                        Some("make two SLOs, and a composite of them if they should share a budget".into()),
                    );
                }
            }
            if let Some(pct) = slo.percentile {
                if slo.threshold.is_none() {
                    self.err(
                        Code::MissingField,
                        p(&["slos", name, "threshold"]),
                        format!("a percentile SLO (the {pct} percentile per slice) needs the `threshold` its slices are held to"),
                        Some("such as `threshold: 300ms`".into()),
                    );
                }
                if slo.budgeting != crate::spec::Budgeting::Timeslices {
                    self.err(
                        Code::BadValue,
                        p(&["slos", name, "percentile"]),
                        "a percentile is judged per timeslice: it needs `budgeting: timeslices`".into(),
                        None,
                    );
                }
                if pct.ppm() == 0 || pct.ppm() >= 1_000_000 {
                    self.err(
                        Code::OutOfRange,
                        p(&["slos", name, "percentile"]),
                        format!("percentile `{pct}` must be above 0% and below 100%"),
                        None,
                    );
                }
            }
            for (message, hint) in crate::slo::lint(slo) {
                self.out.push(Diagnostic::warning(Code::SloRule, p(&["slos", name, "objective"]), message).with_hint(hint));
            }
        }
    }

    /// A composite's components: SLOs of the spec, not composites themselves, weighted above 0.
    pub(super) fn slo_composite(&mut self, name: &str, slo: &crate::spec::Slo) {
        if slo.composite.is_empty() {
            return;
        }
        for (part, weight) in &slo.composite {
            let ptr = p(&["slos", name, "composite", part]);
            match self.spec.slos.get(part) {
                None => {
                    let others = self.spec.slos.keys().map(String::as_str).filter(|k| *k != name);
                    let hint = did_you_mean(part, others).map(|m| format!("did you mean `{m}`?"));
                    self.err(Code::DanglingRef, ptr, format!("composite part `{part}` is not an SLO of this spec"), hint);
                }
                Some(other) if !other.composite.is_empty() => {
                    self.err(Code::BadValue, ptr, format!("`{part}` is itself a composite; list its parts instead"), None);
                }
                Some(_) if *weight == 0 => {
                    self.err(Code::OutOfRange, ptr, format!("`{part}` has weight 0; give it a weight of 1 or more, or leave it out"), None);
                }
                Some(_) => {}
            }
        }
        for (field, set) in
            [("threshold", slo.threshold.is_some()), ("percentile", slo.percentile.is_some()), ("prometheus", slo.prometheus.is_some())]
        {
            if set {
                self.err(
                    Code::BadValue,
                    p(&["slos", name, field]),
                    format!("a composite SLO takes its events from its parts: `{field}` belongs on them"),
                    None,
                );
            }
        }
    }

    /// The time zone of a calendar window, and the maintenance intervals.
    pub(super) fn slo_calendar(&mut self, name: &str, slo: &crate::spec::Slo) {
        use crate::slo::calendar;
        if let Some(zone) = &slo.time_zone {
            if let Err(msg) = calendar::time_zone(Some(zone)) {
                self.err(
                    Code::BadValue,
                    p(&["slos", name, "time_zone"]),
                    msg,
                    Some("IANA names are Area/City, such as `Europe/Berlin`".into()),
                );
            } else if slo.window.calendar().is_none() {
                self.out.push(
                    Diagnostic::warning(
                        Code::SloRule,
                        p(&["slos", name, "time_zone"]),
                        format!("`time_zone` has no effect on the rolling window `{}`", slo.window),
                    )
                    .with_hint("use `window: week`, `month` or `quarter` for periods that start at midnight in this zone"),
                );
            }
        }
        for (i, m) in slo.maintenance.iter().enumerate() {
            let n = i.to_string();
            let from =
                calendar::parse_time(&m.from).map_err(|e| self.err(Code::BadValue, p(&["slos", name, "maintenance", &n, "from"]), e, None));
            let to =
                calendar::parse_time(&m.to).map_err(|e| self.err(Code::BadValue, p(&["slos", name, "maintenance", &n, "to"]), e, None));
            if let (Ok(from), Ok(to)) = (from, to) {
                if from >= to {
                    self.err(
                        Code::OutOfRange,
                        p(&["slos", name, "maintenance", &n, "to"]),
                        format!("maintenance ends (`{}`) before it starts (`{}`)", m.to, m.from),
                        None,
                    );
                }
            }
        }
    }
}
