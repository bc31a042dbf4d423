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
pub mod drive;
pub mod freeze;
pub mod journal;
pub mod lock;
pub mod wall;

pub use drive::{Driven, Driver};
pub use journal::{Actor, JournalError, Kind};
pub use lock::{Holder, Lock, LockError};

use lift_core::machine::Machine;
use lift_core::rollout::{Event, GatePolicy, Outcome, Plan, Rollout, RolloutAction as Action, Status, Verdict};
use lift_core::time::Timestamp;
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
/// Told of every rollout journal record as it is written.
pub type Observer = drive::Observer<RolloutJournal>;

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
pub trait Controls<E = Event> {
    /// Every control that arrived since the last call, with who gave it.
    fn take(&mut self) -> Vec<(E, Actor)>;
}

/// No controls: a rollout nobody talks to.
impl<E> Controls<E> for () {
    fn take(&mut self) -> Vec<(E, Actor)> {
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
    driver: Driver<RolloutJournal>,
    policy: Option<Box<dyn GatePolicy>>,
}

impl Driven for RolloutJournal {
    /// A deploy failed; a gate could not measure (for now: retried, as the
    /// gate policy says); anything else, and a gate whose plugin broke, ends
    /// the rollout, rolled back, saying why. Putting the previous version back
    /// is the one act that must happen: a failed roll back stays owed and is
    /// tried again, rather than reported done or given up on (which would
    /// leave a region half-shifted).
    fn failure(action: &Action, e: &WorldError) -> Option<Event> {
        match action {
            Action::RollBack { .. } => None,
            Action::Deploy { region } => Some(Event::DeployFailed { region: region.clone(), reason: e.to_string() }),
            Action::RunGate { step, .. } if matches!(e, WorldError::Transient(_)) => Some(Event::Gate {
                step: *step,
                verdict: Verdict::Error,
                evidence: lift_core::evidence::Evidence::said(format!("the measurement failed: {e}")),
            }),
            other => Some(Event::Abort { reason: format!("{} failed: {e}", describe(other)) }),
        }
    }
}

impl Runner {
    /// Begin a rollout of `plan`, journaled at `path` (a new file).
    pub fn start(plan: &Plan, path: &Path, rollout: &str, time_scale: u32, clock: &dyn Clock) -> Result<Runner, RunError> {
        let header =
            Started { rollout: rollout.to_owned(), app: plan.app.clone(), version: plan.version.clone(), time_scale: time_scale.max(1) };
        let driver = Driver::create(path, header, Rollout::new(plan), rollout, clock)?;
        Ok(Runner { driver, policy: None })
    }

    /// Pick up the rollout journaled at `path` after a stop: the machine as
    /// its last record left it; the actions it still owes are carried out
    /// again by the next [`Runner::turn`], under their first IDs.
    pub fn resume(path: &Path, clock: &dyn Clock) -> Result<Runner, RunError> {
        let records = read(path)?;
        let first = records.first().ok_or_else(|| JournalError::Empty(path.to_owned()))?;
        if !matches!(first.entry, Entry::Started(_)) {
            return Err(RunError::NotARollout(path.display().to_string()));
        }
        if let Some(outcome) = records.last().and_then(|l| l.state.status().outcome.filter(|_| l.state.outstanding().is_empty())) {
            return Err(RunError::Over { path: path.display().to_string(), outcome });
        }
        let (driver, _) = Driver::open(path, |h: &Started| h.rollout.clone(), clock)?;
        Ok(Runner { driver, policy: None })
    }

    /// Judge gate verdicts with a user's strategy instead of the plan's built-in one.
    pub fn with_policy(mut self, policy: Box<dyn GatePolicy>) -> Runner {
        self.policy = Some(policy);
        self
    }

    /// Tell `observer` of every record as it is written, starting with the last one so far.
    pub fn with_observer(mut self, observer: Observer) -> Runner {
        self.driver.observe_with(observer);
        self
    }

    /// Retry transient failures this way.
    pub fn with_retries(mut self, retries: Retries) -> Runner {
        self.driver.set_retries(retries);
        self
    }

    /// What a person sees.
    pub fn status(&self) -> Status {
        self.driver.machine.status()
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        self.driver.journal()
    }

    /// The machine's next deadline.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.driver.machine.next_deadline()
    }

    /// One turn of the loop: controls, then every action due now. The outcome once the rollout is over.
    pub fn turn(&mut self, world: &mut dyn World, controls: &mut dyn Controls, clock: &dyn Clock) -> Result<Option<Outcome>, RunError> {
        let policy = self.policy.as_deref();
        let feed = |m: &mut Rollout, e: Event, now: Timestamp| match policy {
            Some(p) => m.handle_with(e, now, p),
            None => m.handle(e, now),
        };
        let mut act = |a: &Action, id: &str, now: Timestamp| world.carry_out(a, id, now);
        for (event, actor) in controls.take() {
            self.driver.control(event, &actor, clock, &feed)?;
        }
        // What a restart left owed comes first, under its first IDs.
        for action in self.driver.machine.outstanding() {
            if self.driver.owes(&action) && !matches!(action, Action::AskApproval { .. }) {
                self.driver.carry_out(action, &mut act, clock, &feed)?;
            }
        }
        while let Some(action) = self.driver.machine.poll(clock.now()) {
            let finished = match &action {
                Action::Finish { outcome } => Some(outcome.clone()),
                _ => None,
            };
            self.driver.carry_out(action, &mut act, clock, &feed)?;
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
            let until = self.driver.machine.next_deadline().unwrap_or(now + lift_core::time::Duration::from_millis(tick_ms));
            clock.sleep_until(until, tick_ms);
        }
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
