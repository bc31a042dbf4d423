//! What `rollout` and `slos` add to a region: the SLO alarms and CodeDeploy's
//! application, configuration and deployment groups.

use super::*;

impl Builder<'_> {
    /// For each SLO and each of its alert rules, an alarm per window and a
    /// composite alarm when both are in alarm, on the HTTP API's metrics.
    pub(super) fn slo_alarms(&mut self) {
        if self.spec.http.is_none() {
            return;
        }
        // A composite's alarms would repeat its parts' metric math; its parts alarm on their own.
        // SLOs judged per timeslice alarm in Prometheus, whose subqueries count slices.
        let plain = |s: &crate::spec::Slo| s.composite.is_empty() && !crate::slo::sliced(s);
        for (name, slo) in self.spec.slos.iter().filter(|(_, s)| plain(s)) {
            let budget = crate::slo::budget_ppm(slo.objective);
            if budget == 0 || budget >= 1_000_000 {
                continue;
            }
            let origin = format!("/slos/{}", escape_pointer(name));
            for rule in crate::slo::default_rules(slo.window.period()) {
                // An alarm whose threshold is 100% or more can never fire (W501 says so): leave it out.
                if !rule.can_fire(slo.objective) {
                    continue;
                }
                let threshold = crate::slo::exact_decimal(rule.error_ratio(slo.objective));
                let sev = rule.severity.title();
                let base = format!("{}Slo{sev}{}", pascal(name), rule.long_window);
                let mut ids = vec![];
                for (which, window) in [("Long", rule.long_window), ("Short", rule.short_window)] {
                    let id = format!("{base}{which}Alarm");
                    let description = format!(
                        "{} SLO {name} ({}): error ratio over {window} above {threshold} ({}x burn)",
                        self.spec.app,
                        slo.objective,
                        rule.burn_rate.to_decimal()
                    );
                    let r = Resource::SloAlarm {
                        api: Expr::r("HttpApi", Attr::Id),
                        window_s: window.as_secs(),
                        threshold: threshold.clone(),
                        latency_ms: slo.threshold.map(|t| t.as_millis()),
                        description,
                    };
                    self.add(&id, origin.clone(), r, true);
                    ids.push(id);
                }
                let (Some(long), Some(short)) = (ids.first(), ids.get(1)) else { continue };
                let description = format!(
                    "{} SLO {name}: {}x burn over {} and {} ({})",
                    self.spec.app,
                    rule.burn_rate.to_decimal(),
                    rule.long_window,
                    rule.short_window,
                    sev.to_lowercase()
                );
                let c = Resource::SloCompositeAlarm { long: Expr::r(long, Attr::Id), short: Expr::r(short, Attr::Id), description };
                self.add(&format!("{base}Alarm"), origin.clone(), c, true);
            }
        }
    }

    /// CodeDeploy's application, role, configuration and a deployment group per function.
    pub(super) fn codedeploy(&mut self) {
        if self.spec.rollout.shift != ShiftBy::Codedeploy || self.spec.functions.is_empty() {
            return;
        }
        let Ok(config) = crate::rollout::Strategy::of(&self.spec.rollout).codedeploy() else { return };
        let origin = String::from("/rollout/shift");
        self.add(CODEDEPLOY_APP, origin.clone(), Resource::CodeDeployApplication, true);
        let config_name = match config {
            crate::rollout::CodeDeployConfig::Predefined { name } => Expr::s(name),
            crate::rollout::CodeDeployConfig::Canary { percent, minutes } => {
                self.add("CodeDeployConfig", origin.clone(), Resource::CodeDeployConfig { linear: false, percent, minutes }, false);
                Expr::r("CodeDeployConfig", Attr::Id)
            }
            crate::rollout::CodeDeployConfig::Linear { percent, minutes } => {
                self.add("CodeDeployConfig", origin.clone(), Resource::CodeDeployConfig { linear: true, percent, minutes }, false);
                Expr::r("CodeDeployConfig", Attr::Id)
            }
        };
        // CodeDeploy invokes the hook functions and nothing else of ours.
        let hooks: Vec<Expr> = self
            .spec
            .rollout
            .gates
            .iter()
            .filter_map(|g| match g {
                Gate::Hook(h) => h.hook.target().ok().filter(|t| self.spec.has(t)).map(|t| alias_arn(&function_id(&t.name))),
                _ => None,
            })
            .collect();
        let mut statements = vec![];
        if !hooks.is_empty() {
            statements.push(Statement { actions: vec![Cow::Borrowed("lambda:InvokeFunction")], resources: hooks });
        }
        let managed = vec![Expr::Join(vec![
            Expr::s("arn:"),
            Expr::Pseudo(Pseudo::Partition),
            Expr::s(":iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"),
        ])];
        self.add(
            "CodeDeployRole",
            origin.clone(),
            Resource::Role { service: "codedeploy.amazonaws.com", managed_policies: managed, statements },
            true,
        );
        let names: Vec<String> = self.spec.functions.keys().cloned().collect();
        for name in names {
            let fid = function_id(&name);
            let group = Resource::DeploymentGroup {
                application: Expr::r(CODEDEPLOY_APP, Attr::Id),
                role: Expr::r("CodeDeployRole", Attr::Arn),
                config: config_name.clone(),
                alarms: vec![Expr::r(&cat(&fid, "ErrorsAlarm"), Attr::Id), Expr::r(&cat(&fid, "ThrottlesAlarm"), Attr::Id)],
            };
            self.add(&cat(&fid, "DeploymentGroup"), format!("/functions/{}", escape_pointer(&name)), group, false);
        }
    }
}
