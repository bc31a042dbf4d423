//! Deployment freezes: a file per app that says who stopped deployments,
//! when and why. The watcher sets one while it fails over (and lifts it when
//! the runbook is done); the runner refuses to start a rollout while any
//! freeze stands, and names each.

use super::cloud::write_atomic;
use super::journal::Actor;
use super::lock::rfc3339;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One freeze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freeze {
    /// What set it: `failover`, `slo <name> in <region>`, `person`. One freeze per setter.
    pub by: String,
    /// Why, in words.
    pub reason: String,
    /// The process that set it.
    pub actor: Actor,
    /// Since when, milliseconds since the Unix epoch.
    pub since_ms: u64,
}

impl std::fmt::Display for Freeze {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "frozen by {} since {} ({} on {}, PID {}): {}",
            self.by,
            rfc3339(self.since_ms),
            self.actor.user,
            self.actor.host,
            self.actor.pid,
            self.reason
        )
    }
}

/// The freezes standing in the file at `path` (none when it is absent or unreadable as a list).
pub fn standing(path: &Path) -> Vec<Freeze> {
    std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// Set `freeze`, replacing any earlier one by the same setter.
pub fn set(path: &Path, freeze: Freeze) -> std::io::Result<()> {
    let mut all = standing(path);
    all.retain(|f| f.by != freeze.by);
    all.push(freeze);
    write_atomic(path, &all)
}

/// Lift the freeze set by `by`; whether there was one.
pub fn lift(path: &Path, by: &str) -> std::io::Result<bool> {
    let mut all = standing(path);
    let before = all.len();
    all.retain(|f| f.by != by);
    if all.len() == before {
        return Ok(false);
    }
    if all.is_empty() {
        std::fs::remove_file(path)?;
    } else {
        write_atomic(path, &all)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly by design")]
    use super::*;

    #[test]
    fn freezes_are_set_per_setter_named_and_lifted() {
        let dir = std::env::temp_dir().join(format!("lift-freeze-{}", std::process::id()));
        let path = dir.join("shop.json");
        let actor = Actor { user: "ops".into(), host: "h".into(), pid: 7 };
        let f = |by: &str, reason: &str| Freeze { by: by.into(), reason: reason.into(), actor: actor.clone(), since_ms: 0 };
        assert!(standing(&path).is_empty());
        set(&path, f("failover", "us-east-1 is down")).unwrap();
        set(&path, f("failover", "us-east-1 is still down")).unwrap();
        set(&path, f("slo availability", "budget spent")).unwrap();
        let now = standing(&path);
        assert_eq!(now.len(), 2);
        assert_eq!(now[0].to_string(), "frozen by failover since 1970-01-01T00:00:00Z (ops on h, PID 7): us-east-1 is still down");
        assert!(lift(&path, "failover").unwrap());
        assert!(!lift(&path, "failover").unwrap());
        assert!(lift(&path, "slo availability").unwrap());
        assert!(!path.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
