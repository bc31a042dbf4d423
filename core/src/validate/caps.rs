//! Caps: the most a spec may ask for in time and in steps, so that no spec
//! can overflow a plan or a machine, or make one explode. Each cap is far
//! above what a real rollout, SLO or recovery uses, and far below where the
//! saturating arithmetic of `time` would change an answer. Regions are known
//! AWS regions, so with at most 100 canary steps and linear increments of at
//! least 1% a plan has a few thousand steps at most. docs/spec.md and the JSON
//! Schema's descriptions give the same numbers.

use super::rules::pointer;
use crate::diag::{Code, Diagnostic};
use crate::spec::Spec;
use crate::time::Duration;

const DAY: u64 = 86_400;

/// The longest a rollout's bakes, intervals and staggers may be: a week.
pub const MAX_BAKE: Duration = Duration::from_secs(7 * DAY);
/// The longest a deploy or a rollback of one region may be planned to take: a day.
pub const MAX_DEPLOY: Duration = Duration::from_secs(DAY);
/// The longest an SLO's window may be: 366 days.
pub const MAX_SLO_WINDOW: Duration = Duration::from_secs(366 * DAY);
/// The shortest an SLO's window may be: an hour. Below it the burn-rate
/// windows shrink under a minute and any single error pages.
pub const MIN_SLO_WINDOW: Duration = Duration::from_secs(3_600);
/// The longest an RTO, RPO, failback wait or probe setting may be: a day.
pub const MAX_RECOVERY: Duration = Duration::from_secs(DAY);
/// The most canary steps a rollout may list.
pub const MAX_CANARY_STEPS: usize = 100;
/// The smallest linear increment: 1% (at most 100 shifts per region).
pub const MIN_INCREMENT_PPM: u32 = 10_000;

/// Every duration cap, with the fields it binds, for documentation and tests.
pub const DURATION_CAPS: [(&str, Duration); 4] = [
    ("rollout bake, wave_bake, keep_old, stagger, interval, steps[].bake", MAX_BAKE),
    ("rollout deploy_time, rollback_time", MAX_DEPLOY),
    ("slos.*.window", MAX_SLO_WINDOW),
    ("recovery rto, rpo, failback_after, probe.interval, probe.timeout", MAX_RECOVERY),
];

/// Diagnostics for every value of the spec over its cap.
pub fn caps(spec: &Spec) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut cap = |ptr: &[&str], d: Duration, max: Duration| {
        if d > max {
            out.push(
                Diagnostic::error(Code::OutOfRange, pointer(ptr), format!("`{d}` is longer than Lift allows here, at most `{max}`"))
                    .with_hint(format!("use at most `{max}`")),
            );
        }
    };
    let r = &spec.rollout;
    for (field, d) in [("bake", r.bake), ("wave_bake", r.wave_bake), ("keep_old", r.keep_old), ("stagger", r.stagger)] {
        cap(&["rollout", field], d, MAX_BAKE);
    }
    if let Some(i) = r.interval {
        cap(&["rollout", "interval"], i, MAX_BAKE);
    }
    for (i, s) in r.steps.iter().enumerate() {
        cap(&["rollout", "steps", &i.to_string(), "bake"], s.bake, MAX_BAKE);
    }
    cap(&["rollout", "deploy_time"], r.deploy_time, MAX_DEPLOY);
    cap(&["rollout", "rollback_time"], r.rollback_time, MAX_DEPLOY);
    for (name, slo) in &spec.slos {
        cap(&["slos", name, "window"], slo.window.period(), MAX_SLO_WINDOW);
    }
    if let Some(rec) = &spec.recovery {
        for (field, d) in [("rto", rec.rto), ("rpo", rec.rpo), ("failback_after", rec.failback_after)] {
            cap(&["recovery", field], d, MAX_RECOVERY);
        }
        cap(&["recovery", "probe", "interval"], rec.probe.interval, MAX_RECOVERY);
        cap(&["recovery", "probe", "timeout"], rec.probe.timeout, MAX_RECOVERY);
    }
    for (name, slo) in &spec.slos {
        if slo.window.period() < MIN_SLO_WINDOW {
            out.push(
                Diagnostic::error(
                    Code::OutOfRange,
                    pointer(&["slos", name, "window"]),
                    format!("`{}` is shorter than an SLO's window may be, at least `{MIN_SLO_WINDOW}`", slo.window.period()),
                )
                .with_hint("an SLO is judged over days or weeks: `28d` and `30d` are usual"),
            );
        }
    }
    if r.steps.len() > MAX_CANARY_STEPS {
        out.push(Diagnostic::error(
            Code::OutOfRange,
            "/rollout/steps",
            format!("{} canary steps; a rollout may have at most {MAX_CANARY_STEPS}", r.steps.len()),
        ));
    }
    if let Some(i) = r.increment {
        if i.ppm() > 0 && i.ppm() < MIN_INCREMENT_PPM {
            out.push(
                Diagnostic::error(
                    Code::OutOfRange,
                    "/rollout/increment",
                    format!(
                        "a linear increment of `{i}` makes {} shifts per region; the smallest is `1%`",
                        1_000_000_u32.div_ceil(i.ppm())
                    ),
                )
                .with_hint("use `1%` or more, or canary steps"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::App;

    fn errors(yaml: &str) -> Vec<(String, String)> {
        let app = App::from_text(yaml).unwrap_or_else(|d| panic!("{d:?}"));
        crate::validate::spec_rules(app.spec()).into_iter().filter(|d| d.is_error()).map(|d| (d.pointer, d.message)).collect()
    }

    #[test]
    fn what_would_overflow_or_explode_a_plan_is_refused_where_it_is_written() {
        let e =
            errors("app: a\nregions: { primary: us-east-1 }\nrollout: { strategy: canary, steps: [{ weight: 10%, bake: 10000000d }] }\n");
        assert_eq!(e, [("/rollout/steps/0/bake".to_owned(), "`10000000d` is longer than Lift allows here, at most `7d`".to_owned())]);
        let e = errors("app: a\nregions: { primary: us-east-1 }\nrollout: { strategy: linear, increment: 0.0001%, interval: 1m }\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].0 == "/rollout/increment" && e[0].1.contains("makes 1000000 shifts per region"), "{e:?}");
        let e = errors("app: a\nregions: { primary: us-east-1 }\nslos:\n  s: { objective: 99%, window: 400d }\n");
        assert_eq!(e.first().map(|x| x.0.as_str()), Some("/slos/s/window"), "{e:?}");
        // What real specs use stays well inside.
        assert!(errors("app: a\nregions: { primary: us-east-1 }\nrollout: { strategy: linear-10pct-every-10m, stagger: 1d }\n").is_empty());
    }
}
