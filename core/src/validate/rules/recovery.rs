//! Rules for `recovery`: probes, fail-on-SLO names, times and DNS.

use super::*;

impl Rules<'_> {
    pub(super) fn recovery(&mut self) {
        let Some(r) = &self.spec.recovery else { return };
        for problem in crate::recovery::ProbeConfig::from_spec(&r.probe).problems() {
            self.err(Code::OutOfRange, "/recovery/probe".into(), problem, None);
        }
        for (i, slo) in r.fail_on_slo.iter().enumerate() {
            if !self.spec.slos.contains_key(slo) {
                let hint = did_you_mean(slo, self.spec.slos.keys().map(String::as_str)).map(|m| format!("did you mean `{m}`?"));
                self.err(Code::DanglingRef, format!("/recovery/fail_on_slo/{i}"), format!("`{slo}` is not an SLO of this spec"), hint);
            }
        }
        if let Some(n) = r.pilot_concurrency {
            if r.mode != crate::spec::RecoveryMode::PilotLight {
                self.err(
                    Code::BadValue,
                    "/recovery/pilot_concurrency".into(),
                    format!("`pilot_concurrency` is the pilot light's, and the mode is `{}`", crate::recovery::mode_name(r.mode)),
                    Some("remove it, or use `mode: pilot-light`".into()),
                );
            }
            self.range(|| "/recovery/pilot_concurrency".into(), "a pilot light's reserved concurrency", u64::from(n), 1, 1000, "");
        }
        if r.mode != crate::spec::RecoveryMode::ActiveActive && self.spec.regions.standby.is_empty() {
            self.err(
                Code::MissingField,
                "/regions/standby".into(),
                format!("recovery mode `{}` needs a standby region to fail over to", crate::recovery::mode_name(r.mode)),
                Some("such as `regions: { primary: us-east-1, standby: [us-west-2] }`".into()),
            );
        }
        if let Some(http) = &self.spec.http {
            let key = format!("GET {}", r.probe.path);
            if !http.routes.contains_key(&key) {
                self.out.push(
                    Diagnostic::warning(
                        Code::DanglingRef,
                        "/recovery/probe/path",
                        format!(
                            "the probes and Route 53's health checks ask `{key}`, which is not a route of the HTTP API: each would get 404 and see every region down"
                        ),
                    )
                    .with_hint(format!("add a route `\"{key}\": FUNCTION` that answers 200 while the region serves, or set `probe.path` to one")),
                );
            }
        }
        if r.rto.as_millis() < r.probe.interval.as_millis() * u64::from(r.probe.failures) + r.probe.timeout.as_millis() {
            self.out.push(
                Diagnostic::warning(
                    Code::OutOfRange,
                    "/recovery/rto",
                    format!(
                        "RTO {} is shorter than detection alone can take ({} probes {} apart, plus a {} timeout)",
                        r.rto, r.probe.failures, r.probe.interval, r.probe.timeout
                    ),
                )
                .with_hint("probe more often, need fewer failures, or accept a longer RTO"),
            );
        }
    }
}
