//! Rules for `notify`: routes name channels that exist, each channel has
//! where to send and the secret its format needs, named by environment variable.

use super::*;
use crate::spec::ChannelFormat;

fn env_name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

impl Rules<'_> {
    pub(super) fn notify(&mut self) {
        let Some(n) = &self.spec.notify else { return };
        for (name, c) in &n.channels {
            let at = |field: &str| pointer(&["notify", "channels", name, field]);
            let needs_url = matches!(c.format, ChannelFormat::Generic | ChannelFormat::Slack);
            match (&c.url, &c.url_env) {
                (Some(_), Some(_)) => {
                    self.err(Code::Conflict, at("url"), format!("channel `{name}` gives both `url` and `url_env`"), Some("keep one".into()))
                }
                (None, None) if needs_url => self.err(
                    Code::MissingField,
                    pointer(&["notify", "channels", name]),
                    format!("channel `{name}` needs `url`, or `url_env` naming the environment variable that holds it"),
                    Some("a Slack webhook URL is a secret: prefer `url_env: SLACK_WEBHOOK_URL`".into()),
                ),
                _ => {}
            }
            if let Some(u) = &c.url {
                if !(u.starts_with("https://") || u.starts_with("http://")) {
                    self.err(Code::BadValue, at("url"), format!("`{u}` is not an http(s) URL"), None);
                }
            }
            if matches!(c.format, ChannelFormat::Pagerduty | ChannelFormat::Opsgenie) && c.secret_env.is_none() {
                let what = if c.format == ChannelFormat::Pagerduty { "PagerDuty's routing key" } else { "Opsgenie's API key" };
                self.err(
                    Code::MissingField,
                    pointer(&["notify", "channels", name]),
                    format!("channel `{name}` needs `secret_env`: the environment variable that holds {what}"),
                    None,
                );
            }
            for (field, value) in [("url_env", &c.url_env), ("secret_env", &c.secret_env)] {
                if let Some(v) = value.as_ref().filter(|v| !env_name_ok(v)) {
                    self.err(Code::BadName, at(field), format!("`{v}` is not an environment variable's name (A-Z, 0-9, _)"), None);
                }
            }
        }
        for (i, e) in n.escalation.iter().enumerate() {
            let i = i.to_string();
            if !n.channels.contains_key(&e.to) {
                let hint = did_you_mean(&e.to, n.channels.keys().map(String::as_str)).map(|m| format!("did you mean `{m}`?"));
                self.err(
                    Code::DanglingRef,
                    pointer(&["notify", "escalation", &i, "to"]),
                    format!("`{}` is not a channel of `notify`", e.to),
                    hint,
                );
            }
            self.duration(
                || pointer(&["notify", "escalation", &i, "after"]),
                "an escalation's delay",
                e.after,
                Duration::from_secs(0),
                Duration::from_secs(86_400),
            );
        }
        for (i, r) in n.routes.iter().enumerate() {
            let i = i.to_string();
            if r.to.is_empty() {
                self.err(Code::OutOfRange, pointer(&["notify", "routes", &i, "to"]), "a route needs at least one channel".into(), None);
            }
            for (j, c) in r.to.iter().enumerate() {
                if !n.channels.contains_key(c) {
                    let hint = did_you_mean(c, n.channels.keys().map(String::as_str)).map(|m| format!("did you mean `{m}`?"));
                    self.err(
                        Code::DanglingRef,
                        pointer(&["notify", "routes", &i, "to", &j.to_string()]),
                        format!("`{c}` is not a channel of `notify`"),
                        hint,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::App;

    #[test]
    fn channels_need_where_and_routes_need_channels() {
        let text = "app: a\nregions: { primary: us-east-1 }\nnotify:\n  channels:\n    team: { format: slack }\n    pd: { format: pagerduty }\n    both: { url: https://x, url_env: X }\n    bad: { url: ftp://x, url_env: lower }\n  routes:\n    - { to: [teem] }\n    - { to: [] }\n  escalation: [ { to: boss, after: 2d } ]\n";
        let diags = App::from_text(text).map(|a| a.validate()).unwrap_or_else(|d| d);
        let got: Vec<(&str, &str)> = diags.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
        for want in [
            ("E102", "/notify/channels/team"),
            ("E102", "/notify/channels/pd"),
            ("E204", "/notify/channels/both/url"),
            ("E104", "/notify/channels/bad/url"),
            ("E203", "/notify/channels/bad/url_env"),
            ("E201", "/notify/routes/0/to/0"),
            ("E105", "/notify/routes/1/to"),
            ("E201", "/notify/escalation/0/to"),
            ("E105", "/notify/escalation/0/after"),
        ] {
            assert!(got.contains(&want), "{want:?} not in {got:?}");
        }
        assert!(diags.iter().any(|d| d.hint.as_deref() == Some("did you mean `team`?")));
    }
}
