//! The runner: drives a [`Rollout`] in real time, the one loop of the
//! machine contract (`lift_core::machine`), with a journal that loses nothing.
//!
//! ```text
//! loop {
//!     controls (approve, abort, pause, resume) -> journal -> handle
//!     while let Some(action) = poll(now) {
//!         journal(intent); result = world.carry_out(action, id); journal(result); handle(result)
//!     }
//!     sleep until next_deadline, a control, or a second
//! }
//! ```
//!
//! The world (deployer, traffic, metrics, probes) and the clock are traits, so
//! the same runner drives the local target, AWS, and a test's simulation.
//! Resuming rebuilds the machine from the journal's last record and carries
//! out again exactly the actions it lists as outstanding, under their first
//! IDs, so a side effect that completed before the crash is not repeated.

pub mod cloud;
pub mod freeze;
pub mod journal;
pub mod lock;
pub mod wall;

pub use journal::{Actor, JournalError, Kind};
pub use lock::{Holder, Lock, LockError};

use lift_core::machine::Machine;
use lift_core::rollout::{Event, GatePolicy, Outcome, Plan, Rollout, RolloutAction as Action, Status, Verdict};
use lift_core::time::Timestamp;
use std::collections::BTreeMap;
use std::path::Path;

/// The rollout's journal: the [`Rollout`] machine, its events and actions.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutJournal;

/// What a rollout journal's first record says.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Started {
    /// The rollout's ID.
    pub rollout: String,
    /// The app.
    pub app: String,
    /// The release.
    pub version: String,
    /// Machine time runs this many times faster than the wall clock.
    pub time_scale: u32,
}

impl Kind for RolloutJournal {
    type State = Rollout;
    type Event = Event;
    type Action = Action;
    type Header = Started;
}

/// A rollout journal's record.
pub type Record = journal::Record<RolloutJournal>;
/// What a rollout journal's record says.
pub type Entry = journal::Entry<RolloutJournal>;
/// A rollout journal, appending.
pub type Journal = journal::Journal<RolloutJournal>;

/// Every record of the rollout journal at `path`; a torn last line is dropped.
pub fn read(path: &Path) -> Result<Vec<Record>, JournalError> {
    journal::read(path)
}

/// Why an action could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorldError {
    /// Worth another try (throttling, a 5xx, a connection reset).
    #[error("{0}")]
    Transient(String),
    /// Not worth another try; the rollout rolls back.
    #[error("{0}")]
    Fatal(String),
}

/// What the runner acts on: each action carried out, idempotently under its ID.
pub trait World {
    /// Carry out `action`; the event that reports its result, or `None` when
    /// the result comes from elsewhere (an approval is answered by a person;
    /// a finish needs none).
    fn carry_out(&mut self, action: &Action, id: &str, now: Timestamp) -> Result<Option<Event>, WorldError>;
}

/// Time, for the runner: the one place that reads a clock.
pub trait Clock {
    /// Machine time now.
    fn now(&self) -> Timestamp;
    /// Wall-clock time now, milliseconds since the Unix epoch (for the journal).
    fn wall_ms(&self) -> u64;
    /// Wait until machine time `until`, at most `max_ms` of machine time.
    fn sleep_until(&self, until: Timestamp, max_ms: u64);
}

/// Words from people and other processes, taken when the runner looks.
pub trait Controls {
    /// Every control that arrived since the last call, with who gave it.
    fn take(&mut self) -> Vec<(Event, Actor)>;
}

/// No controls: a rollout nobody talks to.
impl Controls for () {
    fn take(&mut self) -> Vec<(Event, Actor)> {
        vec![]
    }
}

/// Why the runner stopped without an outcome.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The journal failed: stop, as nothing can be carried out without it.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The journal does not start with a rollout.
    #[error("{0}: not a rollout journal (its first record is not `started`)")]
    NotARollout(String),
    /// The rollout is already over.
    #[error("the rollout in {path} is over: {outcome:?}")]
    Over {
        /// The journal.
        path: String,
        /// How it ended.
        outcome: Outcome,
    },
}

/// How transient failures are retried: attempts, and the backoff between them (machine ms, doubling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    /// Attempts in all, at least 1.
    pub attempts: u32,
    /// The first wait.
    pub first_ms: u64,
    /// The longest wait.
    pub max_ms: u64,
}

impl Default for Retries {
    fn default() -> Self {
        Retries { attempts: 5, first_ms: 500, max_ms: 8_000 }
    }
}

/// A rollout in progress.
pub struct Runner {
    machine: Rollout,
    journal: Journal,
    actor: Actor,
    rollout: String,
    policy: Option<Box<dyn GatePolicy>>,
    retries: Retries,
    /// Idempotency IDs of the actions handed out and not yet answered.
    ids: BTreeMap<String, String>,
    /// The last record written.
    last: Option<Record>,
    /// Told of every record as it is written (progress, for a person).
    observer: Option<Observer>,
}

/// Told of every journal record as it is written.
pub type Observer = Box<dyn FnMut(&Record) + Send>;

fn key(action: &Action) -> String {
    serde_json::to_string(action).unwrap_or_default()
}

impl Runner {
    /// Begin a rollout of `plan`, journaled at `path` (a new file).
    pub fn start(plan: &Plan, path: &Path, rollout: &str, time_scale: u32, clock: &dyn Clock) -> Result<Runner, RunError> {
        let mut journal = Journal::create(path)?;
        let machine = Rollout::new(plan);
        let actor = Actor::this_process();
        let entry = Entry::Started(Started {
            rollout: rollout.to_owned(),
            app: plan.app.clone(),
            version: plan.version.clone(),
            time_scale: time_scale.max(1),
        });
        let last = journal.append(clock.now(), clock.wall_ms(), &actor, entry, &machine)?;
        Ok(Runner {
            machine,
            journal,
            actor,
            rollout: rollout.to_owned(),
            policy: None,
            retries: Retries::default(),
            ids: BTreeMap::new(),
            last: Some(last),
            observer: None,
        })
    }

    /// Pick up the rollout journaled at `path` after a stop: the machine as
    /// its last record left it; the actions it still owes are carried out
    /// again by the next [`Runner::turn`], under their first IDs.
    pub fn resume(path: &Path, clock: &dyn Clock) -> Result<Runner, RunError> {
        let (mut journal, records) = Journal::open(path)?;
        let first = records.first().ok_or_else(|| JournalError::Empty(path.to_owned()))?;
        let Entry::Started(started) = &first.entry else {
            return Err(RunError::NotARollout(path.display().to_string()));
        };
        let rollout = started.rollout.clone();
        let last = records.last().map(|r| r.state.clone()).unwrap_or_else(|| first.state.clone());
        if let Some(outcome) = last.status().outcome.filter(|_| last.outstanding().is_empty()) {
            return Err(RunError::Over { path: path.display().to_string(), outcome });
        }
        // The IDs of the intents still unanswered: the last intent of each action.
        let mut ids = BTreeMap::new();
        for r in &records {
            match &r.entry {
                Entry::Intent { action, id } => {
                    ids.insert(key(action), id.clone());
                }
                Entry::Result { answers: Some(id), .. } => ids.retain(|_, v| v != id),
                _ => {}
            }
        }
        let actor = Actor::this_process();
        let outstanding = last.outstanding();
        let record = journal.append(clock.now(), clock.wall_ms(), &actor, Entry::Resumed { outstanding }, &last)?;
        Ok(Runner {
            machine: last,
            journal,
            actor,
            rollout,
            policy: None,
            retries: Retries::default(),
            ids,
            last: Some(record),
            observer: None,
        })
    }

    /// Judge gate verdicts with a user's strategy instead of the plan's built-in one.
    pub fn with_policy(mut self, policy: Box<dyn GatePolicy>) -> Runner {
        self.policy = Some(policy);
        self
    }

    /// Tell `observer` of every record as it is written, starting with the last one so far.
    pub fn with_observer(mut self, mut observer: Observer) -> Runner {
        if let Some(r) = &self.last {
            observer(r);
        }
        self.observer = Some(observer);
        self
    }

    /// Retry transient failures this way.
    pub fn with_retries(mut self, retries: Retries) -> Runner {
        self.retries = retries;
        self
    }

    /// What a person sees.
    pub fn status(&self) -> Status {
        self.machine.status()
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The machine's next deadline.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.machine.next_deadline()
    }

    fn record(&mut self, clock: &dyn Clock, entry: Entry) -> Result<Record, RunError> {
        let actor = self.actor.clone();
        self.record_as(clock, &actor, entry)
    }

    fn record_as(&mut self, clock: &dyn Clock, actor: &Actor, entry: Entry) -> Result<Record, RunError> {
        let record = self.journal.append(clock.now(), clock.wall_ms(), actor, entry, &self.machine)?;
        if let Some(o) = self.observer.as_mut() {
            o(&record);
        }
        Ok(record)
    }

    fn feed(&mut self, event: Event, now: Timestamp) {
        match &self.policy {
            Some(p) => self.machine.handle_with(event, now, p.as_ref()),
            None => self.machine.handle(event, now),
        }
    }

    /// Feed an event and journal it with the machine after it.
    fn observe(&mut self, event: Event, answers: Option<String>, clock: &dyn Clock) -> Result<(), RunError> {
        self.feed(event.clone(), clock.now());
        self.record(clock, Entry::Result { event, answers })?;
        Ok(())
    }

    /// Carry out one action: journal the intent, try it (retrying what is
    /// transient), journal and feed the result.
    fn carry_out(&mut self, action: Action, world: &mut dyn World, clock: &dyn Clock) -> Result<(), RunError> {
        let k = key(&action);
        let id = match self.ids.get(&k) {
            Some(id) => id.clone(),
            None => format!("{}-{}", self.rollout, self.journal.next_seq()),
        };
        self.ids.insert(k.clone(), id.clone());
        self.record(clock, Entry::Intent { action: action.clone(), id: id.clone() })?;
        let mut attempt = 1;
        let mut wait = self.retries.first_ms;
        let result = loop {
            match world.carry_out(&action, &id, clock.now()) {
                Err(WorldError::Transient(error)) if attempt < self.retries.attempts.max(1) => {
                    self.record(clock, Entry::Retry { action: action.clone(), attempt, error })?;
                    let until = clock.now() + lift_core::time::Duration::from_millis(wait);
                    clock.sleep_until(until, wait);
                    attempt += 1;
                    wait = (wait * 2).min(self.retries.max_ms);
                }
                other => break other,
            }
        };
        match result {
            Ok(Some(event)) => {
                self.ids.remove(&k);
                self.observe(event, Some(id), clock)
            }
            Ok(None) => Ok(()),
            // Putting the previous version back is the one act that must happen: it stays
            // outstanding under its ID and is tried again on the next turn, journaled each time,
            // rather than reported done or given up on (which would leave a region half-shifted).
            Err(e) if matches!(action, Action::RollBack { .. }) => {
                self.record(clock, Entry::Retry { action, attempt, error: format!("{e}; rolling back is tried again until it succeeds") })?;
                clock.sleep_until(clock.now() + lift_core::time::Duration::from_millis(self.retries.max_ms), self.retries.max_ms);
                Ok(())
            }
            Err(e) => {
                self.ids.remove(&k);
                let event = failure_event(&action, &e);
                self.observe(event, Some(id), clock)
            }
        }
    }

    /// One turn of the loop: controls, then every action due now. The outcome once the rollout is over.
    pub fn turn(&mut self, world: &mut dyn World, controls: &mut dyn Controls, clock: &dyn Clock) -> Result<Option<Outcome>, RunError> {
        for (event, actor) in controls.take() {
            self.feed(event.clone(), clock.now());
            self.record_as(clock, &actor, Entry::Control { event })?;
        }
        // What a restart left owed comes first, under its first IDs.
        for action in self.machine.outstanding() {
            if self.ids.contains_key(&key(&action)) && !matches!(action, Action::AskApproval { .. }) {
                self.carry_out(action, world, clock)?;
            }
        }
        while let Some(action) = self.machine.poll(clock.now()) {
            let finished = match &action {
                Action::Finish { outcome } => Some(outcome.clone()),
                _ => None,
            };
            self.carry_out(action, world, clock)?;
            if let Some(outcome) = finished {
                return Ok(Some(outcome));
            }
        }
        Ok(None)
    }

    /// Run to the end: turn, then sleep until the next deadline (or `tick_ms`
    /// of machine time, to look at the controls), until the rollout is over.
    pub fn run(
        &mut self,
        world: &mut dyn World,
        controls: &mut dyn Controls,
        clock: &dyn Clock,
        tick_ms: u64,
    ) -> Result<Outcome, RunError> {
        loop {
            if let Some(outcome) = self.turn(world, controls, clock)? {
                return Ok(outcome);
            }
            let now = clock.now();
            let until = self.machine.next_deadline().unwrap_or(now + lift_core::time::Duration::from_millis(tick_ms));
            clock.sleep_until(until, tick_ms);
        }
    }
}

/// The event that reports a failed action: a deploy failed; a gate could not
/// measure (for now: retried, as the gate policy says); anything else, and a
/// gate whose plugin broke, ends the rollout, rolled back, saying why.
fn failure_event(action: &Action, e: &WorldError) -> Event {
    match action {
        Action::Deploy { region } => Event::DeployFailed { region: region.clone(), reason: e.to_string() },
        Action::RunGate { step, .. } if matches!(e, WorldError::Transient(_)) => Event::Gate {
            step: *step,
            verdict: Verdict::Error,
            evidence: lift_core::evidence::Evidence::said(format!("the measurement failed: {e}")),
        },
        other => Event::Abort { reason: format!("{} failed: {e}", describe(other)) },
    }
}

/// An action in a few words, for messages.
pub fn describe(action: &Action) -> String {
    match action {
        Action::Deploy { region } => format!("deploy to {region}"),
        Action::SetWeight { region, weight_ppm } => format!("setting {region}'s weight to {}%", *weight_ppm as f64 / 10_000.0),
        Action::RunGate { step, .. } => format!("the gate of step {}", step + 1),
        Action::AskApproval { step, .. } => format!("the approval before step {}", step + 1),
        Action::RollBack { region } => format!("rolling {region} back"),
        Action::Finish { .. } => "finishing".into(),
    }
}
