//! The HTTP API, for `http`: the API, its stage and access logs, and a route and
//! integration per route.

use super::*;

impl Builder<'_> {
    pub(super) fn http(&mut self) {
        let Some(http) = &self.spec.http else { return };
        let api = Expr::r("HttpApi", Attr::Id);
        let cors =
            http.cors.as_ref().map(|c| CorsRule { origins: c.origins.clone(), methods: c.methods.clone(), headers: c.headers.clone() });
        self.add("HttpApi", "/http".into(), Resource::HttpApi { name: self.spec.app.clone(), cors }, true);
        let days = retention_days(http.log_retention);
        self.add(
            "HttpApiLogGroup",
            "/http/log_retention".into(),
            Resource::LogGroup { retention_days: days, kms_key: self.kms_key(None) },
            true,
        );
        let stage = Resource::Stage {
            api: api.clone(),
            log_group_arn: Expr::r("HttpApiLogGroup", Attr::Arn),
            rate: http.throttle.rate,
            burst: http.throttle.burst,
        };
        self.add("HttpApiStage", "/http/throttle".into(), stage, true);
        let authorization = match http.auth {
            Auth::Iam => "AWS_IAM",
            Auth::None => "NONE",
        };
        let mut targets: Vec<&String> = http.routes.values().collect();
        targets.sort();
        targets.dedup();
        for f in targets {
            if !self.spec.functions.contains_key(f) {
                continue;
            }
            let fid = function_id(f);
            let alias = alias_arn(&fid);
            let alias_id = cat(&fid, "Alias");
            let origin = format!("/functions/{}", escape_pointer(f));
            self.add(
                &format!("HttpApi{}Integration", pascal(f)),
                origin.clone(),
                Resource::Integration { api: api.clone(), target: alias.clone() },
                false,
            )
            .depends_on
            .push(alias_id.clone());
            // One permission per API and function, not per route: keeps the
            // function's resource policy far below its 20 KB limit.
            let source = Expr::arn("execute-api", Expr::Pseudo(Pseudo::Region), vec![api.clone(), Expr::s("/*")]);
            self.add(
                &format!("HttpApi{}Permission", pascal(f)),
                origin,
                Resource::Permission { function: alias, principal: "apigateway.amazonaws.com", source_arn: source },
                false,
            )
            .depends_on
            .push(alias_id);
        }
        // Route 53's health checkers and the watcher's probes cannot sign requests:
        // the probe's route answers without authorization, whatever `auth` says.
        let probe = self.spec.recovery.as_ref().map(|r| format!("GET {}", r.probe.path));
        for (key, f) in &http.routes {
            if !self.spec.functions.contains_key(f) {
                continue;
            }
            let integration = Expr::r(&format!("HttpApi{}Integration", pascal(f)), Attr::Id);
            let authorization = if probe.as_ref() == Some(key) { "NONE" } else { authorization };
            let r = Resource::Route { api: api.clone(), key: key.clone(), integration, authorization };
            self.add(&route_id(key), format!("/http/routes/{}", escape_pointer(key)), r, false);
        }
        self.output("HttpApiUrl", "URL of the HTTP API", Expr::r("HttpApi", Attr::Endpoint));
    }
}
