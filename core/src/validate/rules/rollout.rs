//! Rules for `rollout`: strategies, steps, waves and gates.

use super::*;

impl Rules<'_> {
    pub(super) fn rollout(&mut self) {
        let r = &self.spec.rollout;
        if r.shift == crate::spec::ShiftBy::Codedeploy {
            if let Err(msg) = crate::rollout::Strategy::of(r).codedeploy() {
                self.err(
                    Code::BadValue,
                    "/rollout/shift".into(),
                    msg,
                    Some("use a single-step canary, linear or all-at-once with whole percents and minutes, or `shift: lift`".into()),
                );
            }
        }
        if let Some(plugin) = &r.plugin {
            let name = !plugin.is_empty() && plugin.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !name && !plugin.ends_with(".toml") {
                self.err(
                    Code::BadValue,
                    "/rollout/plugin".into(),
                    format!("`{plugin}` is neither a shipped plugin's name nor a plugin manifest"),
                    Some("name a shipped strategy plugin (`business-hours`) or a manifest, such as `plugins/my-strategy.toml`".into()),
                );
            }
            if r.shift == crate::spec::ShiftBy::Codedeploy {
                self.err(
                    Code::BadValue,
                    "/rollout/plugin".into(),
                    "a strategy plugin decides at Lift's gates, and with `shift: codedeploy` CodeDeploy decides".into(),
                    Some("remove `plugin`, or use `shift: lift`".into()),
                );
            }
        }
        let mut last = 0;
        for (i, step) in r.steps.iter().enumerate() {
            let w = step.weight.ppm();
            if w == 0 || w >= 1_000_000 || w <= last {
                let n = i.to_string();
                self.err(
                    Code::OutOfRange,
                    p(&["rollout", "steps", &n, "weight"]),
                    format!("canary step weight `{}` must be above 0%, below 100% and above the step before", step.weight),
                    Some("the last step to 100% is implied".into()),
                );
            }
            last = w;
        }
        for (i, gate) in r.gates.iter().enumerate() {
            if let crate::spec::Gate::Slo(g) = gate {
                if !self.spec.slos.contains_key(&g.slo) {
                    let hint = did_you_mean(&g.slo, self.spec.slos.keys().map(String::as_str))
                        .map(|m| format!("did you mean `{m}`?"))
                        .or_else(|| Some("declare it under `slos`".into()));
                    self.err(Code::DanglingRef, p(&["rollout", "gates", &i.to_string(), "slo"]), format!("no SLO named `{}`", g.slo), hint);
                }
            }
            if let crate::spec::Gate::Hook(h) = gate {
                let ptr = p(&["rollout", "gates", &i.to_string(), "hook"]);
                match h.hook.target() {
                    Ok(t) if t.kind == Kind::Function => {
                        self.target(|| ptr, t);
                    }
                    _ => self.err(
                        Code::DanglingRef,
                        ptr,
                        format!("hook `{}` is not a function of this app", h.hook),
                        Some("write `functions.NAME`".into()),
                    ),
                }
            }
        }
        if r.increment.is_some_and(|i| i.ppm() == 0) {
            self.err(Code::OutOfRange, "/rollout/increment".into(), "a linear increment of 0% never finishes".into(), None);
        }
        if r.batch == 0 {
            self.err(Code::OutOfRange, "/rollout/batch".into(), "a rolling batch needs at least one region".into(), None);
        }
        if r.waves.is_empty() {
            return;
        }
        let all = self.spec.all_regions();
        let mut seen = std::collections::BTreeSet::new();
        for (i, wave) in r.waves.iter().enumerate() {
            let wi = i.to_string();
            if wave.is_empty() {
                self.err(Code::BadValue, p(&["rollout", "waves", &wi]), "a wave needs at least one region".into(), None);
            }
            for (j, region) in wave.iter().enumerate() {
                let ptr = p(&["rollout", "waves", &wi, &j.to_string()]);
                if !all.contains(&region.as_str()) {
                    let hint = did_you_mean(region, all.iter().copied()).map(|m| format!("did you mean `{m}`?"));
                    self.err(Code::DanglingRef, ptr, format!("`{region}` is not one of the app's regions"), hint);
                } else if !seen.insert(region.as_str()) {
                    self.err(Code::Conflict, ptr, format!("region `{region}` is in more than one wave"), None);
                }
            }
        }
        let missing: Vec<&str> = all.iter().copied().filter(|r| !seen.contains(r)).collect();
        if !missing.is_empty() {
            self.err(
                Code::MissingField,
                "/rollout/waves".into(),
                format!("no wave deploys to {}", missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")),
                Some("every region of the app belongs to exactly one wave".into()),
            );
        }
    }
}
