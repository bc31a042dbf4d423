//! The one loop of the machine contract, journaled, for any machine the host
//! drives in real time (a rollout, a watcher's failover): feed an event and
//! journal it; for each action, journal the intent, carry it out (retrying
//! what is transient), journal and feed the result. Resuming rebuilds the
//! machine from the journal's last record and owes exactly the actions it
//! lists as outstanding, under their first IDs.

use super::journal::{Actor, Entry, Journal, JournalError, Kind, Record};
use super::{Clock, Retries, WorldError};
use lift_core::machine::Machine;
use lift_core::time::{Duration, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A journal kind whose machine the driver can run.
pub trait Driven: Kind
where
    Self::State: Machine<Event = Self::Event, Action = Self::Action>,
{
    /// The event that reports that `action` failed for good, fed to the
    /// machine; `None` when the action must succeed: it stays owed under its
    /// ID and is tried again on the next turn.
    fn failure(action: &Self::Action, error: &WorldError) -> Option<Self::Event>;
}

/// Told of every journal record as it is written.
pub type Observer<K> = Box<dyn FnMut(&Record<K>) + Send>;

/// How an event reaches the machine (a rollout's gates may be judged by a user's strategy).
pub type Feed<'a, K> = &'a dyn Fn(&mut <K as Kind>::State, <K as Kind>::Event, Timestamp);

/// Carries out one action under its idempotency ID.
pub type Act<'a, K> = &'a mut dyn FnMut(&<K as Kind>::Action, &str, Timestamp) -> Result<Option<<K as Kind>::Event>, WorldError>;

fn key(action: &impl Serialize) -> String {
    serde_json::to_string(action).unwrap_or_default()
}

/// A machine, its journal and what it owes.
pub struct Driver<K: Driven>
where
    K::State: Machine<Event = K::Event, Action = K::Action>,
{
    /// The machine.
    pub machine: K::State,
    journal: Journal<K>,
    actor: Actor,
    name: String,
    retries: Retries,
    /// Idempotency IDs of the actions handed out and not yet answered.
    ids: BTreeMap<String, String>,
    last: Option<Record<K>>,
    observer: Option<Observer<K>>,
}

impl<K: Driven> Driver<K>
where
    K::State: Machine<Event = K::Event, Action = K::Action>,
{
    /// Begin: a new journal at `path` whose first record is `header`; IDs are `{name}-{seq}`.
    pub fn create(path: &Path, header: K::Header, machine: K::State, name: &str, clock: &dyn Clock) -> Result<Self, JournalError> {
        let mut journal = Journal::create(path)?;
        let actor = Actor::this_process();
        let last = journal.append(clock.now(), clock.wall_ms(), &actor, Entry::Started(header), &machine)?;
        Ok(Driver {
            machine,
            journal,
            actor,
            name: name.to_owned(),
            retries: Retries::default(),
            ids: BTreeMap::new(),
            last: Some(last),
            observer: None,
        })
    }

    /// Pick up the journal at `path`: the machine as its last record left it,
    /// the header of its first, and a `resumed` record naming what is owed.
    /// `name` gives the IDs of actions handed out from now on.
    pub fn open(path: &Path, name: impl FnOnce(&K::Header) -> String, clock: &dyn Clock) -> Result<(Self, K::Header), JournalError> {
        let (mut journal, records) = Journal::<K>::open(path)?;
        let first = records.first().ok_or_else(|| JournalError::Empty(path.to_owned()))?;
        let Entry::Started(header) = &first.entry else {
            return Err(JournalError::Corrupt { path: path.to_owned(), line: 1, message: "the first record is not `started`".into() });
        };
        let header = header.clone();
        let machine = records.last().map(|r| r.state.clone()).unwrap_or_else(|| first.state.clone());
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
        let outstanding = machine.outstanding();
        let last = journal.append(clock.now(), clock.wall_ms(), &actor, Entry::Resumed { outstanding }, &machine)?;
        let name = name(&header);
        Ok((Driver { machine, journal, actor, name, retries: Retries::default(), ids, last: Some(last), observer: None }, header))
    }

    /// Tell `observer` of every record as it is written, starting with the last one so far.
    pub fn observe_with(&mut self, mut observer: Observer<K>) {
        if let Some(r) = &self.last {
            observer(r);
        }
        self.observer = Some(observer);
    }

    /// Retry transient failures this way.
    pub fn set_retries(&mut self, retries: Retries) {
        self.retries = retries;
    }

    /// The journal.
    pub fn journal(&self) -> &Journal<K> {
        &self.journal
    }

    /// Whether `action` was handed out before a restart and is owed under its first ID.
    pub fn owes(&self, action: &K::Action) -> bool {
        self.ids.contains_key(&key(action))
    }

    /// Journal `entry` as this process.
    pub fn record(&mut self, clock: &dyn Clock, entry: Entry<K>) -> Result<Record<K>, JournalError> {
        let actor = self.actor.clone();
        self.record_as(clock, &actor, entry)
    }

    /// Journal `entry` as `actor` (a control from another process).
    pub fn record_as(&mut self, clock: &dyn Clock, actor: &Actor, entry: Entry<K>) -> Result<Record<K>, JournalError> {
        let record = self.journal.append(clock.now(), clock.wall_ms(), actor, entry, &self.machine)?;
        if let Some(o) = self.observer.as_mut() {
            o(&record);
        }
        self.last = Some(record.clone());
        Ok(record)
    }

    /// Feed an observation (answering intent `answers`, if any) and journal it with the machine after it.
    pub fn observe(&mut self, event: K::Event, answers: Option<String>, clock: &dyn Clock, feed: Feed<'_, K>) -> Result<(), JournalError> {
        feed(&mut self.machine, event.clone(), clock.now());
        self.record(clock, Entry::Result { event, answers })?;
        Ok(())
    }

    /// Feed a person's (or another process's) word, journaled with its actor.
    pub fn control(&mut self, event: K::Event, actor: &Actor, clock: &dyn Clock, feed: Feed<'_, K>) -> Result<(), JournalError> {
        feed(&mut self.machine, event.clone(), clock.now());
        self.record_as(clock, actor, Entry::Control { event })?;
        Ok(())
    }

    /// Carry out one action: journal the intent, try it (retrying what is
    /// transient), journal and feed the result.
    pub fn carry_out(&mut self, action: K::Action, act: Act<'_, K>, clock: &dyn Clock, feed: Feed<'_, K>) -> Result<(), JournalError> {
        let k = key(&action);
        let id = match self.ids.get(&k) {
            Some(id) => id.clone(),
            None => format!("{}-{}", self.name, self.journal.next_seq()),
        };
        self.ids.insert(k.clone(), id.clone());
        self.record(clock, Entry::Intent { action: action.clone(), id: id.clone() })?;
        let mut attempt = 1;
        let mut wait = self.retries.first_ms;
        let result = loop {
            match act(&action, &id, clock.now()) {
                Err(WorldError::Transient(error)) if attempt < self.retries.attempts.max(1) => {
                    self.record(clock, Entry::Retry { action: action.clone(), attempt, error })?;
                    clock.sleep_until(clock.now() + Duration::from_millis(wait), wait);
                    attempt += 1;
                    wait = (wait * 2).min(self.retries.max_ms);
                }
                other => break other,
            }
        };
        match result {
            Ok(Some(event)) => {
                self.ids.remove(&k);
                self.observe(event, Some(id), clock, feed)
            }
            Ok(None) => Ok(()),
            Err(e) => match K::failure(&action, &e) {
                Some(event) => {
                    self.ids.remove(&k);
                    self.observe(event, Some(id), clock, feed)
                }
                // It must happen: it stays owed under its ID, journaled each time, rather than
                // reported done or given up on.
                None => {
                    self.record(clock, Entry::Retry { action, attempt, error: format!("{e}; tried again until it succeeds") })?;
                    clock.sleep_until(clock.now() + Duration::from_millis(self.retries.max_ms), self.retries.max_ms);
                    Ok(())
                }
            },
        }
    }
}
