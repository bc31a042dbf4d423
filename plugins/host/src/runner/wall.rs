//! The runner's real surroundings: the wall clock (sped up by a time scale)
//! and controls that other processes write to a file beside the journal.

use super::journal::{Actor, Entry, Kind, Record};
use super::{Clock, Controls};
use lift_core::rollout::Event;
use lift_core::time::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn wall_now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}

/// Machine time is wall time since the rollout began, `scale` times faster:
/// the plan's minutes are real minutes at scale 1. Derived from the start's
/// wall time alone, so a resumed rollout counts the time it was down.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    /// When the rollout began, ms since the epoch.
    pub origin_ms: u64,
    /// Machine time runs this many times faster.
    pub scale: u32,
}

impl WallClock {
    /// The clock of a rollout that began at `origin_ms`.
    pub fn new(origin_ms: u64, scale: u32) -> WallClock {
        WallClock { origin_ms, scale: scale.max(1) }
    }
}

impl Clock for WallClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(wall_now_ms().saturating_sub(self.origin_ms).saturating_mul(u64::from(self.scale)))
    }

    fn wall_ms(&self) -> u64 {
        wall_now_ms()
    }

    fn sleep_until(&self, until: Timestamp, max_ms: u64) {
        let machine = until.as_millis().saturating_sub(self.now().as_millis()).min(max_ms);
        let wall = machine.div_ceil(u64::from(self.scale));
        if wall > 0 {
            std::thread::sleep(Duration::from_millis(wall));
        }
    }
}

/// A word to a running machine, as `lift approve` and the like write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Control<E = Event> {
    /// Approve, abort, pause or resume (a rollout); approve, deny, pin, drain (a watch).
    pub event: E,
    /// Who.
    pub actor: Actor,
    /// When, ms since the epoch.
    pub wall_ms: u64,
}

/// Controls appended, one JSON object per line, to a file beside the journal:
/// any process (or machine) that shares the state directory can write one.
#[derive(Debug)]
pub struct FileControls<E = Event> {
    path: PathBuf,
    /// Lines taken so far.
    taken: usize,
    event: std::marker::PhantomData<E>,
}

impl<E> FileControls<E> {
    /// Controls at `path`; `journal` holds the ones already taken (on a resume).
    pub fn new<K: Kind<Event = E>>(path: &Path, journal: &[Record<K>]) -> FileControls<E> {
        let taken = journal.iter().filter(|r| matches!(r.entry, Entry::Control { .. })).count();
        FileControls { path: path.to_owned(), taken, event: std::marker::PhantomData }
    }

    /// Append a control for the machine whose controls live at `path`, fsync'd.
    pub fn send(path: &Path, control: &Control<E>) -> std::io::Result<()>
    where
        E: Serialize,
    {
        let mut line = serde_json::to_vec(control).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        f.write_all(&line)?;
        f.sync_data()
    }
}

impl<E: DeserializeOwned> Controls<E> for FileControls<E> {
    fn take(&mut self) -> Vec<(E, Actor)> {
        let Ok(mut f) = std::fs::File::open(&self.path) else { return vec![] };
        if f.seek(SeekFrom::Start(0)).is_err() {
            return vec![];
        }
        let mut out = vec![];
        // Only whole lines: one being written is read on the next look.
        let mut reader = BufReader::new(f);
        let mut line = String::new();
        let mut index = 0;
        while matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
            if !line.ends_with('\n') {
                break;
            }
            if index >= self.taken {
                self.taken = index + 1;
                if let Ok(c) = serde_json::from_str::<Control<E>>(line.trim()) {
                    out.push((c.event, c.actor));
                }
            }
            index += 1;
            line.clear();
        }
        out
    }
}

/// A clock for simulations and tests: machine time starts where it is told
/// and jumps to each deadline instead of sleeping; its wall time is a fixed
/// epoch plus machine time.
#[derive(Debug, Default)]
pub struct JumpClock(std::cell::Cell<u64>);

impl JumpClock {
    /// A clock at machine time `ms`.
    pub fn at(ms: u64) -> JumpClock {
        JumpClock(std::cell::Cell::new(ms))
    }
}

impl Clock for JumpClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.get())
    }

    fn wall_ms(&self) -> u64 {
        1_796_600_000_000 + self.0.get()
    }

    fn sleep_until(&self, until: Timestamp, max_ms: u64) {
        let now = self.0.get();
        self.0.set(until.as_millis().clamp(now, now.saturating_add(max_ms.max(1))));
    }
}
