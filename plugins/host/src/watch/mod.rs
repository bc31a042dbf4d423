//! The watcher: probes every region from several vantage points, feeds the
//! detector, and drives the [`Failover`] machine in real time with the same
//! journaled loop as the runner ([`crate::runner::Driver`]).
//!
//! ```text
//! probe threads (one per region and vantage point) --Probe--> detector --Transition--> Failover
//! loop {
//!     probes -> detector -> journal(health) -> handle
//!     controls (approve, deny, pin, drain) -> journal -> handle
//!     while let Some(action) = poll(now) { journal(intent); world.carry_out(action); journal(result) }
//! }
//! ```
//!
//! Only the failover machine is journaled: probes are many and fleeting, and
//! a restarted watcher's detector starts from "every region up" and sees
//! again within one detection bound what is down.

pub mod cloud;
pub mod probes;
pub mod slos;

use crate::runner::journal::{self, JournalError, Kind};
use crate::runner::{Clock, Controls, Driven, Driver, WorldError};
use lift_core::machine::Machine;
use lift_core::recovery::{Action, Detector, Event, Failover, Probe, ProbeConfig};
use lift_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError};

/// The watcher's journal: the failover machine, its events and actions.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchJournal;

/// What a watcher journal's first record says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Started {
    /// The watch's ID (`{app}-watch`).
    pub watch: String,
    /// The app.
    pub app: String,
    /// Its regions, the primary first.
    pub regions: Vec<String>,
}

impl Kind for WatchJournal {
    type State = Failover;
    type Event = Event;
    type Action = Action;
    type Header = Started;
}

impl Driven for WatchJournal {
    /// Every runbook step that fails for good is reported to the machine,
    /// which tells people and stops the runbook with traffic where it is.
    fn failure(_: &Action, e: &WorldError) -> Option<Event> {
        Some(Event::StepFailed { reason: e.to_string() })
    }
}

/// A watcher journal's record.
pub type Record = journal::Record<WatchJournal>;

/// Every record of the watcher journal at `path`.
pub fn read(path: &Path) -> Result<Vec<Record>, JournalError> {
    journal::read(path)
}

/// What carries out a failover's runbook.
pub trait World {
    /// Carry out `action` under its idempotency ID; the event that reports
    /// its result, or `None` when none is due (a notice, an approval a person gives).
    fn carry_out(&mut self, action: &Action, id: &str, now: Timestamp) -> Result<Option<Event>, WorldError>;
}

/// A watch in progress.
pub struct Watcher {
    driver: Driver<WatchJournal>,
    detector: Detector,
}

fn feed(m: &mut Failover, e: Event, now: Timestamp) {
    m.handle(e, now);
}

impl Watcher {
    /// Begin watching `regions` (the primary first) under `recovery`,
    /// journaled at `path` (a new file), with traffic where `serving` says
    /// (the region the DNS records route to now), else on the primary.
    pub fn start(
        recovery: &lift_core::spec::Recovery,
        header: Started,
        serving: Option<&str>,
        path: &Path,
        clock: &dyn Clock,
    ) -> Result<Watcher, JournalError> {
        let mut machine = Failover::new(recovery, &header.regions);
        if let Some(region) = serving {
            machine = machine.serving(region, clock.now());
        }
        let detector = Detector::new(ProbeConfig::from_spec(&recovery.probe), &header.regions);
        let name = header.watch.clone();
        Ok(Watcher { driver: Driver::create(path, header, machine, &name, clock)?, detector })
    }

    /// Pick up the watch journaled at `path`: the failover machine as it was
    /// (mid-runbook, its step owed under its first ID), a fresh detector that
    /// knows which regions were down.
    pub fn resume(recovery: &lift_core::spec::Recovery, path: &Path, clock: &dyn Clock) -> Result<(Watcher, Started), JournalError> {
        let (driver, header) = Driver::<WatchJournal>::open(path, |h: &Started| h.watch.clone(), clock)?;
        // A region the journal saw go down stays down until probes show it back.
        let health = driver.machine.status().health;
        let down: Vec<&str> = health.iter().filter(|(_, up)| !up).map(|(r, _)| r.as_str()).collect();
        let detector = Detector::new(ProbeConfig::from_spec(&recovery.probe), &header.regions).knowing_down(&down);
        Ok((Watcher { driver, detector }, header))
    }

    /// Tell `observer` of every record as it is written.
    pub fn with_observer(mut self, observer: crate::runner::drive::Observer<WatchJournal>) -> Watcher {
        self.driver.observe_with(observer);
        self
    }

    /// What a person sees of the failover.
    pub fn status(&self) -> lift_core::recovery::Status {
        self.driver.machine.status()
    }

    /// The journal's path.
    pub fn journal_path(&self) -> &Path {
        self.driver.journal().path()
    }

    /// Take one probe result seen at `now`: a region changing state is journaled and fed.
    pub fn observe(&mut self, probe: &Probe, clock: &dyn Clock) -> Result<(), JournalError> {
        if let Some(t) = self.detector.observe(probe, clock.now()) {
            self.driver.observe(Event::Health(t), None, clock, &feed)?;
        }
        Ok(())
    }

    /// Controls, what a restart left owed, then every action due now.
    pub fn turn(&mut self, world: &mut dyn World, controls: &mut dyn Controls<Event>, clock: &dyn Clock) -> Result<(), JournalError> {
        for (event, actor) in controls.take() {
            self.driver.control(event, &actor, clock, &feed)?;
        }
        let mut act = |a: &Action, id: &str, now: Timestamp| world.carry_out(a, id, now);
        for action in self.driver.machine.outstanding() {
            if self.driver.owes(&action) && !matches!(action, Action::AskApproval { .. }) {
                self.driver.carry_out(action, &mut act, clock, &feed)?;
            }
        }
        while let Some(action) = self.driver.machine.poll(clock.now()) {
            self.driver.carry_out(action, &mut act, clock, &feed)?;
        }
        Ok(())
    }

    /// Watch until `stop` says so (asked every turn): take probes as they
    /// come, and what `more` observed (the live SLOs' paging), and turn at
    /// least every `tick_ms`.
    #[allow(clippy::too_many_arguments, reason = "the loop's collaborators, each a trait")]
    pub fn run(
        &mut self,
        world: &mut dyn World,
        probes: &Receiver<Probe>,
        controls: &mut dyn Controls<Event>,
        clock: &dyn Clock,
        stop: &mut dyn FnMut(&Watcher) -> bool,
        more: &mut dyn FnMut() -> Vec<Event>,
        tick_ms: u64,
    ) -> Result<(), JournalError> {
        while !stop(self) {
            for event in more() {
                self.driver.observe(event, None, clock, &feed)?;
            }
            self.turn(world, controls, clock)?;
            let now = clock.now();
            let until = self.driver.machine.next_deadline().map_or(tick_ms, |d| d.as_millis().saturating_sub(now.as_millis())).min(tick_ms);
            match probes.recv_timeout(std::time::Duration::from_millis(until.max(1))) {
                Ok(p) => {
                    self.observe(&p, clock)?;
                    // Everything already waiting, before acting on it.
                    while let Ok(p) = probes.try_recv() {
                        self.observe(&p, clock)?;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
        Ok(())
    }
}

/// What the watches in `dir` recorded, for `lift report`: the live SLOs'
/// samples (the CSV of [`slos::HISTORY`], empty when none were read) and the
/// failovers of every journal there (`journal.jsonl`, and the earlier
/// watches' `journal-<ms>.jsonl`), on the wall clock.
pub fn recorded(dir: &Path) -> Result<(String, Vec<lift_core::slo::FailoverRecord>), JournalError> {
    let io = |p: &Path, e: std::io::Error| JournalError::Io { path: p.to_path_buf(), source: e };
    let history = dir.join(slos::HISTORY);
    let samples = match std::fs::read_to_string(&history) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(&history, e)),
    };
    let mut journals: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("journal") && n.ends_with(".jsonl")))
        .collect();
    journals.sort();
    let mut failovers = vec![];
    for j in &journals {
        let records = read(j)?;
        let (Some(first), Some(last)) = (records.first(), records.last()) else { continue };
        // Machine time 0 on the wall clock (a watch runs at scale 1).
        let origin = first.wall_ms.saturating_sub(first.at.as_millis());
        failovers.extend(last.state.status().ledger.iter().map(|i| lift_core::slo::FailoverRecord::new(origin, i)));
    }
    Ok((samples, failovers))
}
