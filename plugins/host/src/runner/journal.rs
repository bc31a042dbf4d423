//! The rollout journal: one JSON object per line, appended and fsync'd.
//!
//! Every record carries its sequence number, the machine time, the wall
//! time, the actor (user, host, PID), what happened, and the machine's state
//! after it. An intent is written before its side effect and its result after,
//! so a crash between the two leaves the intent without a result: the
//! restored machine lists that action in `outstanding()`, and the host carries
//! it out again under the same ID (`{rollout}-{seq}`), which the side effect
//! uses to be idempotent. A line cut short by a crash mid-write is the only
//! one that may fail to parse, and only at the end: it is dropped on reading.
//!
//! One format for every machine the host drives (a rollout, a watcher's
//! failover): [`Kind`] names the machine's state, events, actions and what
//! its first record says.

use lift_core::time::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Who did something: the audit trail's subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user name.
    pub user: String,
    /// The host name.
    pub host: String,
    /// The process.
    pub pid: u32,
}

impl Actor {
    /// This process, as the operating system names it.
    pub fn this_process() -> Actor {
        let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| user_of_this_process());
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .or_else(|_| std::env::var("HOSTNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Actor { user, host, pid: std::process::id() }
    }
}

/// The name of the user this process runs as, from the owner of
/// `/proc/self` and `/etc/passwd` (no `$USER` in a container or under cron);
/// `uid N` when the name is not found.
fn user_of_this_process() -> String {
    use std::os::unix::fs::MetadataExt;
    let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else { return "unknown".into() };
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id: u32 = f.nth(1)?.parse().ok()?;
            (id == uid).then(|| name.to_owned())
        })
        .next()
        .unwrap_or_else(|| format!("uid {uid}"))
}

/// The types of one kind of journal: the machine it records and what its first record says.
pub trait Kind: Clone + Debug + PartialEq {
    /// The machine, as each record keeps it.
    type State: Serialize + DeserializeOwned + Clone + Debug + PartialEq;
    /// What is fed to it.
    type Event: Serialize + DeserializeOwned + Clone + Debug + PartialEq;
    /// What it asks for.
    type Action: Serialize + DeserializeOwned + Clone + Debug + PartialEq;
    /// What the first record says (which rollout, which app).
    type Header: Serialize + DeserializeOwned + Clone + Debug + PartialEq;
}

/// What a record says happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", bound = "")]
pub enum Entry<K: Kind> {
    /// The journal's first record: what began.
    Started(K::Header),
    /// An action is about to be carried out, under this record's ID.
    Intent {
        /// The action.
        action: K::Action,
        /// Its idempotency ID: `{name}-{seq}` of the first intent for it.
        id: String,
    },
    /// What an action came to, or what was observed.
    Result {
        /// The event fed to the machine.
        event: K::Event,
        /// The intent it answers, if any.
        answers: Option<String>,
    },
    /// A person's (or another process's) word: approve, abort, pause, resume.
    Control {
        /// The event fed to the machine.
        event: K::Event,
    },
    /// The host picked the machine up again after a stop.
    Resumed {
        /// Actions re-driven, in order.
        outstanding: Vec<K::Action>,
    },
    /// A transient failure was retried.
    Retry {
        /// The action.
        action: K::Action,
        /// The attempt that failed, from 1.
        attempt: u32,
        /// What failed.
        error: String,
    },
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Record<K: Kind> {
    /// From 0, one more per record.
    pub seq: u64,
    /// Machine time.
    pub at: Timestamp,
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub wall_ms: u64,
    /// Who.
    pub actor: Actor,
    /// What.
    #[serde(flatten)]
    pub entry: Entry<K>,
    /// The machine after it.
    pub state: K::State,
}

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A line other than the last does not parse: the file was edited or is not a journal.
    #[error("{path}:{line}: not a journal record: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// Why.
        message: String,
    },
    /// There is nothing to resume.
    #[error("{0}: the journal has no records")]
    Empty(PathBuf),
}

/// An open journal, appending.
#[derive(Debug)]
pub struct Journal<K: Kind> {
    path: PathBuf,
    file: File,
    next_seq: u64,
    bytes: u64,
    kind: PhantomData<K>,
}

impl<K: Kind> Journal<K> {
    /// Create a new journal at `path` (which must not exist).
    pub fn create(path: &Path) -> Result<Journal<K>, JournalError> {
        let io = |source| JournalError::Io { path: path.to_owned(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new().create_new(true).append(true).open(path).map_err(io)?;
        sync_dir(path);
        Ok(Journal { path: path.to_owned(), file, next_seq: 0, bytes: 0, kind: PhantomData })
    }

    /// Open an existing journal to go on writing it; its records so far.
    pub fn open(path: &Path) -> Result<(Journal<K>, Vec<Record<K>>), JournalError> {
        let records = read::<K>(path)?;
        let io = |source| JournalError::Io { path: path.to_owned(), source };
        // Drop a torn last line, so that what is appended starts on a line of its own.
        let kept = kept_length(path).map_err(io)?;
        let file = OpenOptions::new().write(true).open(path).map_err(io)?;
        if kept < file.metadata().map_err(io)?.len() {
            file.set_len(kept).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        drop(file);
        let file = OpenOptions::new().append(true).open(path).map_err(io)?;
        let next_seq = records.last().map_or(0, |r| r.seq + 1);
        Ok((Journal { path: path.to_owned(), file, next_seq, bytes: kept, kind: PhantomData }, records))
    }

    /// Append a record and fsync it; returns it.
    pub fn append(
        &mut self,
        at: Timestamp,
        wall_ms: u64,
        actor: &Actor,
        entry: Entry<K>,
        state: &K::State,
    ) -> Result<Record<K>, JournalError> {
        let record = Record { seq: self.next_seq, at, wall_ms, actor: actor.clone(), entry, state: state.clone() };
        let mut line = serde_json::to_vec(&record).map_err(|e| JournalError::Io { path: self.path.clone(), source: e.into() })?;
        line.push(b'\n');
        let io = |source| JournalError::Io { path: self.path.clone(), source };
        self.file.write_all(&line).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.next_seq += 1;
        self.bytes += line.len() as u64;
        Ok(record)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sequence number the next record gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Its size so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// The length of the file up to the end of its last complete line.
fn kept_length(path: &Path) -> std::io::Result<u64> {
    let data = std::fs::read(path)?;
    Ok(data.iter().rposition(|b| *b == b'\n').map_or(0, |i| i as u64 + 1))
}

/// Every record of a journal; a torn last line is dropped.
pub fn read<K: Kind>(path: &Path) -> Result<Vec<Record<K>>, JournalError> {
    let io = |source| JournalError::Io { path: path.to_owned(), source };
    let file = File::open(path).map_err(io)?;
    let lines: Vec<String> = BufReader::new(file).lines().collect::<Result<_, _>>().map_err(io)?;
    let mut out = Vec::with_capacity(lines.len());
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record<K>>(line) {
            Ok(r) => out.push(r),
            Err(_) if i == last => break,
            Err(e) => return Err(JournalError::Corrupt { path: path.to_owned(), line: i + 1, message: e.to_string() }),
        }
    }
    Ok(out)
}

/// Make a new file's directory entry durable too.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().and_then(|d| File::open(d).ok()) {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_user_is_named_without_the_environment() {
        let Ok(out) = std::process::Command::new("id").arg("-un").output() else { return };
        let want = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(!want.is_empty());
        assert_eq!(super::user_of_this_process(), want);
    }
}
