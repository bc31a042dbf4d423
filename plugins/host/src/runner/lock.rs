//! One rollout at a time per app and target: a lock file, created exclusively,
//! naming who holds it. A second runner is refused with the holder's user,
//! host, PID and since when; a lock whose process is gone (same host, PID not
//! running) is called stale, and `break_stale` clears it.

use super::journal::Actor;
use serde::{Deserialize, Serialize};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the lock file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Who.
    pub actor: Actor,
    /// Since when, milliseconds since the Unix epoch.
    pub since_ms: u64,
    /// The rollout.
    pub rollout: String,
}

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

/// Why the lock cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another rollout holds it.
    #[error(
        "{path}: rollout {rollout} holds the lock: {user} on {host}, PID {pid}, since {since}{stale}",
        rollout = holder.rollout, user = holder.actor.user, host = holder.actor.host, pid = holder.actor.pid, since = rfc3339(holder.since_ms),
        stale = if *stale { "; that process is gone, so the lock is stale: clear it with --break-lock" } else { "" }
    )]
    Held {
        /// The lock file.
        path: PathBuf,
        /// Who holds it.
        holder: Holder,
        /// Its process is gone.
        stale: bool,
    },
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Milliseconds since the epoch as an RFC 3339 time in UTC, to the second.
pub(crate) fn rfc3339(ms: u64) -> String {
    jiff::Timestamp::from_millisecond(i64::try_from(ms).unwrap_or(i64::MAX))
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| format!("{ms} ms after the epoch"))
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

impl Lock {
    /// Take the lock at `path` for `holder`; with `break_stale`, a stale lock is cleared first.
    pub fn acquire(path: &Path, holder: &Holder, break_stale: bool) -> Result<Lock, LockError> {
        let io = |source| LockError::Io { path: path.to_owned(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut f) => {
                    let body = serde_json::to_vec(holder).map_err(|e| io(e.into()))?;
                    f.write_all(&body).and_then(|()| f.sync_all()).map_err(io)?;
                    return Ok(Lock { path: path.to_owned() });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(path).unwrap_or_default();
                    let Ok(found) = serde_json::from_str::<Holder>(&text) else {
                        // Written by a process that died mid-write: nobody holds it.
                        std::fs::remove_file(path).map_err(io)?;
                        continue;
                    };
                    let stale = found.actor.host == holder.actor.host && !alive(found.actor.pid);
                    if stale && break_stale {
                        std::fs::remove_file(path).map_err(io)?;
                        continue;
                    }
                    return Err(LockError::Held { path: path.to_owned(), holder: found, stale });
                }
                Err(e) => return Err(io(e)),
            }
        }
        Err(io(std::io::Error::other("the lock changed hands while it was being taken")))
    }

    /// Who holds the lock at `path`, if anyone.
    pub fn holder(path: &Path) -> Option<Holder> {
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
