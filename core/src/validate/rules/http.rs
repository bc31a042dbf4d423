//! Rules for `http`: routes, methods, auth and throttling.

use super::*;

impl Rules<'_> {
    pub(super) fn http(&mut self) {
        let Some(http) = &self.spec.http else { return };
        if http.routes.is_empty() {
            self.err(
                Code::MissingField,
                "/http/routes".into(),
                "an HTTP API needs at least one route".into(),
                Some("for example `\"GET /orders/{id}\": api`".into()),
            );
        }
        self.retention(|| "/http/log_retention".into(), http.log_retention);
        for (key, f) in &http.routes {
            let ptr = p(&["http", "routes", key]);
            let ok = key == "$default"
                || key.split_once(' ').is_some_and(|(m, path)| {
                    HTTP_METHODS.contains(&m) && path.starts_with('/') && !path.contains(' ') && !path.contains("//")
                });
            if !ok {
                self.err(
                    Code::BadValue,
                    ptr.clone(),
                    format!("route `{key}` is not `METHOD /path`"),
                    Some(format!("methods: {}; or `$default`", HTTP_METHODS.join(", "))),
                );
            }
            self.target(|| ptr, &Target { kind: Kind::Function, name: f.clone() });
        }
        if http.auth == crate::spec::Auth::None {
            self.out.push(
                Diagnostic::warning(
                    Code::PublicExposure,
                    "/http/auth",
                    "every route of the HTTP API can be called by anyone on the internet",
                )
                .with_hint("keep `auth: iam` unless the API is meant to be public, and set `throttle` for it"),
            );
        }
        if let Some(c) = &http.cors {
            if c.origins.iter().any(|o| o == "*") {
                self.out.push(
                    Diagnostic::warning(Code::PublicExposure, "/http/cors/origins", "CORS allows every origin (`*`)")
                        .with_hint("list the sites that call the API"),
                );
            }
        }
    }
}
