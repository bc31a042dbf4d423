//! Delivering notices to the spec's channels through notifier plugins, off
//! the caller's thread: a rollout or a watch hands a notice over and goes
//! on; a dispatcher thread routes it (`lift_core::notify::channels`) and
//! delivers it to each channel, retrying what the plugin says may be retried
//! (a 5xx, a 429, a failed connection) with backoff, five attempts at most.
//! Secrets (a Slack URL, a PagerDuty routing key) come from the environment
//! when the dispatcher starts, never from the spec.
//!
//! The journal records of a rollout and a watch become notices here too
//! ([`from_rollout`], [`from_watch`]).

use crate::plugin::{DeliveryError, Notifier, Plugin, PluginError};
use crate::sandbox::Host;
use lift_core::notify::{Kind, Notice, Severity};
use lift_core::spec::{ChannelFormat, Notify};
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What became of one notice on one channel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    /// The channel.
    pub channel: String,
    /// The notice's kind.
    pub kind: Kind,
    /// Its dedup key.
    pub dedup_key: String,
    /// Attempts made.
    pub attempts: u32,
    /// From handing over to the last answer, ms.
    pub ms: u64,
    /// `None` when delivered, else why not.
    pub error: Option<String>,
}

/// Why the channels cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A channel's plugin failed to load or configure.
    #[error("channel `{channel}`: {source}")]
    Plugin {
        /// The channel.
        channel: String,
        /// Why.
        source: PluginError,
    },
    /// An environment variable a channel reads is not set.
    #[error("channel `{channel}`: the environment variable {var} ({what}) is not set")]
    Unset {
        /// The channel.
        channel: String,
        /// The variable.
        var: String,
        /// What it holds.
        what: &'static str,
    },
}

/// How deliveries are retried.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Attempts in all.
    pub attempts: u32,
    /// The first wait.
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { attempts: 5, first: Duration::from_millis(500), max: Duration::from_secs(8) }
    }
}

/// A channel's plugin settings: the format, the URL and the secret, read from the environment.
pub fn settings(
    name: &str,
    c: &lift_core::spec::Channel,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, NotifyError> {
    let format = match c.format {
        ChannelFormat::Generic => "generic",
        ChannelFormat::Slack => "slack",
        ChannelFormat::Pagerduty => "pagerduty",
        ChannelFormat::Opsgenie => "opsgenie",
    };
    let mut out = vec![("format".to_owned(), format.to_owned())];
    let read =
        |var: &str, what: &'static str| env(var).ok_or_else(|| NotifyError::Unset { channel: name.to_owned(), var: var.to_owned(), what });
    match (&c.url, &c.url_env) {
        (Some(u), _) => out.push(("url".into(), u.clone())),
        (None, Some(var)) => out.push(("url".into(), read(var, "the channel's URL")?)),
        (None, None) => {}
    }
    if let Some(var) = &c.secret_env {
        let key = if c.format == ChannelFormat::Opsgenie { "api-key" } else { "routing-key" };
        out.push((key.into(), read(var, "the channel's key")?));
    }
    Ok(out)
}

fn wit(n: &Notice) -> crate::plugin::Notice {
    use crate::plugin::{NoticeKind as K, Severity as S};
    let kind = match n.kind {
        Kind::AlertFiring => K::AlertFiring,
        Kind::AlertAcknowledged => K::AlertAcknowledged,
        Kind::AlertResolved => K::AlertResolved,
        Kind::Escalation => K::Escalation,
        Kind::RolloutStarted => K::RolloutStarted,
        Kind::RolloutWaiting => K::RolloutWaiting,
        Kind::RolloutWave => K::RolloutWave,
        Kind::RolloutPromoted => K::RolloutPromoted,
        Kind::RolloutRolledBack => K::RolloutRolledBack,
        Kind::Failover => K::Failover,
        Kind::Failback => K::Failback,
    };
    let severity = match n.severity {
        Severity::Info => S::Info,
        Severity::Warning => S::Warning,
        Severity::Page => S::Page,
    };
    crate::plugin::Notice {
        kind,
        severity,
        app: n.app.clone(),
        region: n.region.clone(),
        slo: n.slo.clone(),
        title: n.title.clone(),
        text: n.text.clone(),
        evidence: n.evidence.clone(),
        links: n.links.clone(),
        dedup_key: n.dedup_key.clone(),
        at_ms: n.at_ms,
    }
}

/// Deliver `notice` on one channel, retrying as `backoff` says.
pub fn deliver(name: &str, plugin: &mut Notifier, notice: &Notice, backoff: Backoff) -> Delivery {
    let started = Instant::now();
    let mut wait = backoff.first;
    let mut attempts = 0;
    let error = loop {
        attempts += 1;
        match plugin.deliver_once(&wit(notice)) {
            Ok(Ok(())) => break None,
            Ok(Err(DeliveryError::Retry(_))) if attempts < backoff.attempts.max(1) => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(backoff.max);
            }
            Ok(Err(DeliveryError::Retry(why) | DeliveryError::Fatal(why))) => break Some(why),
            Err(e) => break Some(e.to_string()),
        }
    };
    Delivery {
        channel: name.to_owned(),
        kind: notice.kind,
        dedup_key: notice.dedup_key.clone(),
        attempts,
        ms: started.elapsed().as_millis() as u64,
        error,
    }
}

/// A notice for the routes to place, or for one channel (an escalation's step).
type Message = (Option<String>, Notice);

/// The channels, their plugins, and the thread that delivers.
pub struct Dispatcher {
    tx: Option<Sender<Message>>,
    thread: Option<JoinHandle<Vec<Delivery>>>,
}

/// Hands notices to a dispatcher from another thread.
#[derive(Clone)]
pub struct Handle(Sender<Message>);

impl Handle {
    /// To the channels the routes name.
    pub fn send(&self, notice: Notice) {
        let _ = self.0.send((None, notice));
    }

    /// To one channel, whatever the routes say.
    pub fn send_to(&self, channel: &str, notice: Notice) {
        let _ = self.0.send((Some(channel.to_owned()), notice));
    }
}

/// Told of each delivery as it ends.
pub type OnDelivery = Box<dyn FnMut(&Delivery) + Send>;

impl Dispatcher {
    /// Load and configure every channel of `notify` (a channel's own plugin,
    /// or `default_plugin`), then deliver on a thread of its own.
    pub fn start(
        notify: &Notify,
        host: &Host,
        default_plugin: &Path,
        env: &dyn Fn(&str) -> Option<String>,
        backoff: Backoff,
        mut on_delivery: OnDelivery,
    ) -> Result<Dispatcher, NotifyError> {
        let mut plugins: Vec<(String, Notifier)> = vec![];
        for (name, c) in &notify.channels {
            let err = |source| NotifyError::Plugin { channel: name.clone(), source };
            let path = c.plugin.as_deref().map_or_else(|| default_plugin.to_owned(), std::path::PathBuf::from);
            let plugin: Plugin = host.load(&path).map_err(err)?;
            let mut n = plugin.notifier().map_err(err)?;
            n.configure(&settings(name, c, env)?).map_err(err)?;
            plugins.push((name.clone(), n));
        }
        let notify = notify.clone();
        let (tx, rx): (Sender<Message>, Receiver<Message>) = channel();
        let thread = std::thread::Builder::new()
            .name("notify".into())
            .spawn(move || {
                let mut all = vec![];
                for (to, notice) in rx {
                    let names = match &to {
                        Some(one) => vec![one.as_str()],
                        None => lift_core::notify::channels(&notify, &notice),
                    };
                    for name in names {
                        if let Some((_, plugin)) = plugins.iter_mut().find(|(n, _)| n == name) {
                            let d = deliver(name, plugin, &notice, backoff);
                            on_delivery(&d);
                            all.push(d);
                        }
                    }
                }
                all
            })
            .map_err(|e| NotifyError::Plugin {
                channel: "*".into(),
                source: PluginError::Reported { plugin: "notify".into(), call: "spawn".into(), message: e.to_string() },
            })?;
        Ok(Dispatcher { tx: Some(tx), thread: Some(thread) })
    }

    /// A handle to hand notices over from another thread (an observer). The
    /// dispatcher's thread ends when [`Dispatcher::close`] is called and every
    /// handle is dropped.
    pub fn sender(&self) -> Option<Handle> {
        self.tx.clone().map(Handle)
    }

    /// Hand a notice over; delivery happens on the dispatcher's thread.
    pub fn send(&self, notice: Notice) {
        if let Some(tx) = &self.tx {
            let _ = tx.send((None, notice));
        }
    }

    /// Deliver what was handed over, then stop; every delivery.
    pub fn close(mut self) -> Vec<Delivery> {
        self.tx = None;
        self.thread.take().and_then(|t| t.join().ok()).unwrap_or_default()
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn notice(app: &str, kind: Kind, severity: Severity, title: String, text: String, dedup_key: String, at_ms: u64) -> Notice {
    Notice { kind, severity, app: app.to_owned(), region: None, slo: None, title, text, evidence: vec![], links: vec![], dedup_key, at_ms }
}

/// The notice a rollout's journal record is worth, if any: started, waiting
/// for a person, a wave fully shifted, promoted, rolled back.
pub fn from_rollout(app: &str, rollout: &str, r: &crate::runner::Record) -> Option<Notice> {
    use crate::runner::Entry;
    use lift_core::rollout::{Event, Outcome, RolloutAction as Action};
    let key = format!("{app}/rollout/{rollout}");
    let at = r.wall_ms;
    match &r.entry {
        Entry::Started(s) => Some(notice(
            app,
            Kind::RolloutStarted,
            Severity::Info,
            format!("{app} {}: rollout {rollout} started", s.version),
            format!("by {}@{}", r.actor.user, r.actor.host),
            key,
            at,
        )),
        Entry::Intent { action: Action::AskApproval { step, .. }, .. } => Some(notice(
            app,
            Kind::RolloutWaiting,
            Severity::Warning,
            format!("{app}: rollout {rollout} waits for a person before step {}", step + 1),
            "`lift approve` goes on; `lift abort` rolls back".to_owned(),
            key,
            at,
        )),
        Entry::Result { event: Event::WeightSet { region, weight_ppm: 1_000_000 }, .. } => {
            let mut n = notice(
                app,
                Kind::RolloutWave,
                Severity::Info,
                format!("{app}: {region} serves the new version"),
                format!("rollout {rollout}: all of {region}'s traffic is on the new version"),
                key,
                at,
            );
            n.region = Some(region.clone());
            Some(n)
        }
        Entry::Intent { action: Action::Finish { outcome }, .. } => Some(match outcome {
            Outcome::Promoted => {
                notice(app, Kind::RolloutPromoted, Severity::Info, format!("{app}: rollout {rollout} promoted"), String::new(), key, at)
            }
            other => notice(
                app,
                Kind::RolloutRolledBack,
                Severity::Warning,
                format!("{app}: rollout {rollout} rolled back"),
                format!("{other:?}"),
                key,
                at,
            ),
        }),
        _ => None,
    }
}

/// The notice a watch's journal record is worth, if any: the failover
/// machine's own notices, and its questions to a person.
pub fn from_watch(app: &str, r: &crate::watch::Record) -> Option<Notice> {
    use crate::runner::journal::Entry;
    use lift_core::recovery::Action;
    let at = r.wall_ms;
    match &r.entry {
        Entry::Intent { action: Action::Notify { message }, .. } => {
            let (kind, severity) = if message.starts_with("failed back") {
                (Kind::Failback, Severity::Info)
            } else if message.starts_with("failed over") {
                (Kind::Failover, Severity::Page)
            } else {
                (Kind::Failover, Severity::Warning)
            };
            let incident = r.state.ledger().len();
            Some(notice(
                app,
                kind,
                severity,
                format!("{app}: {}", first_clause(message)),
                message.clone(),
                format!("{app}/failover/{incident}"),
                at,
            ))
        }
        Entry::Intent { action: Action::AskApproval { reason, evidence }, .. } => {
            let mut n = notice(
                app,
                Kind::Failover,
                Severity::Page,
                format!("{app}: a failover waits for a person"),
                format!("{reason}; `lift approve` promotes, `lift deny` keeps traffic where it is"),
                format!("{app}/failover/{}", r.state.ledger().len()),
                at,
            );
            n.evidence = evidence.measurements.iter().map(ToString::to_string).collect();
            Some(n)
        }
        _ => None,
    }
}

fn first_clause(message: &str) -> &str {
    message.split(':').next().unwrap_or(message)
}
