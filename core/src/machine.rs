//! The one contract of Lift's long-running processes: a rollout
//! ([`crate::rollout::Rollout`]), a failover ([`crate::recovery::Failover`])
//! and an SLO's alert evaluator ([`crate::slo::Evaluator`]).
//!
//! Each is a deterministic state machine, after `quinn-proto` and `str0m`: it
//! does no I/O and reads no clock. A host (the runner, the watcher, a test's
//! simulator) drives it with one loop:
//!
//! ```text
//! loop {
//!     machine.handle(observation, now);               // 1. feed what happened, as it happens
//!     while let Some(action) = machine.poll(now) {    // 2. carry out every action now due
//!         journal(intent); carry_out(action); journal(result)  //  (results come back through handle)
//!     }
//!     sleep_until(machine.next_deadline(), or the next observation)  // 3. wait
//! }
//! ```
//! After a crash, a host rebuilds the machine from its journal (its state is
//! serde-serialisable) and re-drives [`Machine::outstanding`]: the actions
//! handed out whose results never came. An action once returned by `poll` is
//! never returned again.

use crate::time::Timestamp;

/// A sans-IO state machine. Time is always an argument; the same events at
/// the same times give the same actions.
pub trait Machine {
    /// What the host observed and feeds in.
    type Event;
    /// What the machine asks the host to do.
    type Action;
    /// What a person sees.
    type Status;

    /// Feed an observation that happened at `now`. Call it for every event,
    /// as soon as it is seen; events that do not fit the machine's state
    /// (late, duplicated) are ignored, so a host may deliver twice. Nothing is
    /// carried out here: actions come from [`Machine::poll`].
    fn handle(&mut self, event: Self::Event, now: Timestamp);

    /// The next action due at `now`, if any. Call it after every `handle`
    /// and whenever [`Machine::next_deadline`] passes, until it returns `None`.
    fn poll(&mut self, now: Timestamp) -> Option<Self::Action>;

    /// When `poll` will next have something to do if no event arrives (a
    /// bake ending, an escalation, a pin expiring); `None` when only an event
    /// can move the machine on.
    fn next_deadline(&self) -> Option<Timestamp>;

    /// What a person sees: the phase, where traffic is, every decision with its evidence.
    fn status(&self) -> Self::Status;

    /// Actions handed out by `poll` whose results have not come back, in the
    /// order they were handed out: after a restart, the host carries out
    /// exactly these again (each is idempotent). Machines whose actions need
    /// no result (an evaluator's alerts) have none.
    fn outstanding(&self) -> Vec<Self::Action>;
}

/// Every action due at `now`, in order: `poll` until it returns `None`.
pub fn drain<M: Machine + ?Sized>(machine: &mut M, now: Timestamp) -> Vec<M::Action> {
    std::iter::from_fn(|| machine.poll(now)).collect()
}
