//! Notices for people, sans-IO: what happened (an alert firing or resolved,
//! an escalation, a rollout's milestone, a failover), how loud, and to which
//! of the spec's channels it goes. Delivering them is the host's (through a
//! notifier plugin).

use crate::spec::Notify;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An SLO's alert began firing.
    AlertFiring,
    /// A person acknowledged it (`lift ack`).
    AlertAcknowledged,
    /// It stopped firing.
    AlertResolved,
    /// Nobody acknowledged in time: the next channel is paged.
    Escalation,
    /// A rollout began.
    RolloutStarted,
    /// A rollout waits for a person.
    RolloutWaiting,
    /// A rollout's wave is done.
    RolloutWave,
    /// A rollout promoted.
    RolloutPromoted,
    /// A rollout rolled back.
    RolloutRolledBack,
    /// Traffic left a failed region.
    Failover,
    /// Traffic went home.
    Failback,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 11] = [
        Kind::AlertFiring,
        Kind::AlertAcknowledged,
        Kind::AlertResolved,
        Kind::Escalation,
        Kind::RolloutStarted,
        Kind::RolloutWaiting,
        Kind::RolloutWave,
        Kind::RolloutPromoted,
        Kind::RolloutRolledBack,
        Kind::Failover,
        Kind::Failback,
    ];
}

/// How loud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// For the record.
    Info,
    /// Someone should look.
    Warning,
    /// Wake someone up.
    Page,
}

/// One notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// What happened.
    pub kind: Kind,
    /// How loud.
    pub severity: Severity,
    /// The app.
    pub app: String,
    /// The region, if one.
    pub region: Option<String>,
    /// The SLO, if one.
    pub slo: Option<String>,
    /// One line.
    pub title: String,
    /// What happened, with the numbers.
    pub text: String,
    /// Measurements, one sentence each.
    pub evidence: Vec<String>,
    /// Name and URL.
    pub links: Vec<(String, String)>,
    /// The same for every notice about one incident.
    pub dedup_key: String,
    /// When, ms since the Unix epoch.
    pub at_ms: u64,
}

/// The channels `notice` goes to under `notify`, each once, in the order the routes name them.
pub fn channels<'a>(notify: &'a Notify, notice: &Notice) -> Vec<&'a str> {
    let mut out: Vec<&str> = vec![];
    for r in &notify.routes {
        let kind = r.kinds.is_empty() || r.kinds.contains(&notice.kind);
        let severity = r.severities.is_empty() || r.severities.contains(&notice.severity);
        if kind && severity {
            for c in &r.to {
                if !out.contains(&c.as_str()) && notify.channels.contains_key(c) {
                    out.push(c);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly by design")]
    use super::*;

    #[test]
    fn a_notice_goes_to_every_matching_route_once() {
        let app = crate::App::from_text(
            "app: a\nregions: { primary: us-east-1 }\nnotify:\n  channels: { oncall: { format: pagerduty, secret_env: PD }, team: { format: slack, url_env: SLACK } }\n  routes:\n    - { to: [oncall], severities: [page] }\n    - { to: [team, oncall], kinds: [failover, rollout-rolled-back] }\n",
        )
        .unwrap();
        let notify = app.spec().notify.as_ref().unwrap();
        let n = |kind, severity| Notice {
            kind,
            severity,
            app: "a".into(),
            region: None,
            slo: None,
            title: String::new(),
            text: String::new(),
            evidence: vec![],
            links: vec![],
            dedup_key: String::new(),
            at_ms: 0,
        };
        assert_eq!(channels(notify, &n(Kind::Failover, Severity::Page)), ["oncall", "team"]);
        assert_eq!(channels(notify, &n(Kind::RolloutRolledBack, Severity::Warning)), ["team", "oncall"]);
        assert_eq!(channels(notify, &n(Kind::RolloutStarted, Severity::Info)), Vec::<&str>::new());
    }
}
