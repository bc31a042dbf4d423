//! The contract: the WIT package `lift:plugin` that plugins implement,
//! compiled in and resolved as the component model defines it, each world's
//! imports and exports (what `lift plugin inspect` shows and what the host
//! checks a component's imports against), and the versioning rule.
//!
//! Evolving the package: additive changes only within a minor version (new
//! functions in an interface, new worlds); anything else is a new minor
//! version, which the host refuses with a message naming both versions.

use std::collections::BTreeMap;
use wit_parser::{Resolve, SourceMap, WorldItem};

/// The package plugins implement.
pub const PACKAGE: &str = "lift:plugin@0.3.0";

/// The package's files, compiled in: the host needs no source tree.
pub const WIT: [(&str, &str); 2] =
    [("types.wit", include_str!("../../wit/types.wit")), ("worlds.wit", include_str!("../../wit/worlds.wit"))];

/// The worlds a plugin can implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum World {
    /// Decides what follows each gate of a rollout.
    Strategy,
    /// Applies templates to stacks.
    Deployer,
    /// Probes endpoints.
    Prober,
    /// Reads metrics.
    Metrics,
    /// Moves a DNS name's traffic between regions.
    Dns,
    /// Delivers notices to people.
    Notifier,
}

impl World {
    /// Its name in the WIT package.
    pub fn name(self) -> &'static str {
        match self {
            World::Strategy => "strategy",
            World::Deployer => "deployer",
            World::Prober => "prober",
            World::Metrics => "metrics",
            World::Dns => "dns",
            World::Notifier => "notifier",
        }
    }
}

impl std::fmt::Display for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a plugin built for `package` (`lift:plugin@X.Y.Z`) runs on this
/// host: the same major version and, before 1.0, the same minor (semver's rule,
/// and the component model's). An error names both versions.
pub fn compatible(package: &str) -> Result<(), String> {
    let (name, version) = package.split_once('@').ok_or_else(|| format!("`{package}` has no `@version`"))?;
    let (host_name, host_version) = PACKAGE.split_once('@').unwrap_or((PACKAGE, ""));
    if name != host_name {
        return Err(format!("`{name}` is not the plugin package; this host speaks `{PACKAGE}`"));
    }
    let parts = |v: &str| -> Option<(u64, u64, u64)> {
        let mut it = v.split('.').map(|p| p.parse::<u64>().ok());
        let parsed = (it.next()??, it.next()??, it.next()??);
        it.next().is_none().then_some(parsed)
    };
    let (theirs, ours) = (parts(version), parts(host_version));
    match (theirs, ours) {
        (None, _) => Err(format!("`{version}` is not a version (MAJOR.MINOR.PATCH)")),
        (Some((0, minor, _)), Some((0, host_minor, _))) if minor == host_minor => Ok(()),
        (Some((major, _, _)), Some((host_major, _, _))) if major == host_major && major > 0 => Ok(()),
        _ => Err(format!(
            "built for `{package}`, which this host cannot run: it speaks `{PACKAGE}` (compatible: the same {})",
            if host_version.starts_with("0.") { "0.minor version" } else { "major version" }
        )),
    }
}

/// What a world asks of the host and offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldShape {
    /// The world's name.
    pub name: String,
    /// Interfaces and functions it imports (`lift:plugin/log@0.3.0`, ...).
    pub imports: Vec<String>,
    /// Interfaces and functions it exports.
    pub exports: Vec<String>,
}

/// Resolve the package: every world, by name. An error names the file and line.
pub fn worlds() -> Result<BTreeMap<String, WorldShape>, String> {
    let mut map = SourceMap::new();
    for (path, text) in WIT {
        map.push_str(path, text);
    }
    let group = map.parse().map_err(|(_, e)| format!("{e:?}"))?;
    let mut resolve = Resolve::default();
    let pkg = resolve.push_group(group).map_err(|e| format!("{e:?}"))?;
    let package = resolve.packages.get(pkg).ok_or("the package is missing after resolving")?;
    let name = package.name.to_string();
    if name != PACKAGE {
        return Err(format!("the WIT package is `{name}`, the host speaks `{PACKAGE}`"));
    }
    let describe = |items: &wit_parser::IndexMap<wit_parser::WorldKey, WorldItem>| -> Vec<String> {
        items
            .iter()
            .filter_map(|(key, item)| match item {
                // Types a world uses are not a capability.
                WorldItem::Type { .. } => None,
                WorldItem::Interface { id, .. } => Some(resolve.id_of(*id).unwrap_or_else(|| resolve.name_world_key(key))),
                WorldItem::Function(f) => Some(format!("{}()", f.name)),
            })
            .collect()
    };
    Ok(package
        .worlds
        .iter()
        .filter_map(|(name, id)| resolve.worlds.get(*id).map(|w| (name.clone(), w)))
        .map(|(name, w)| (name.clone(), WorldShape { name, imports: describe(&w.imports), exports: describe(&w.exports) }))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_within_the_minor_are_compatible_others_refused_naming_both() {
        assert!(compatible("lift:plugin@0.3.0").is_ok());
        assert!(compatible("lift:plugin@0.3.7").is_ok());
        for bad in ["lift:plugin@0.4.0", "lift:plugin@1.0.0", "lift:plugin@0.2.0"] {
            let e = compatible(bad).unwrap_err();
            assert!(e.contains(bad) && e.contains(PACKAGE), "{e}");
        }
        assert!(compatible("other:plugin@0.2.0").unwrap_err().contains("other:plugin"));
        assert!(compatible("lift:plugin@x").unwrap_err().contains("not a version"));
    }

    #[test]
    fn six_worlds_with_the_capabilities_the_design_gives_them() {
        let worlds = worlds().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(worlds.keys().map(String::as_str).collect::<Vec<_>>(), ["deployer", "dns", "metrics", "notifier", "prober", "strategy"]);
        let w = |n: &str| worlds.get(n).cloned().unwrap_or_else(|| panic!("no world {n}"));
        // A strategy is pure: logging is all it may import (its types come from `types`, which has no functions).
        let strategy = w("strategy");
        assert_eq!(strategy.imports.iter().filter(|i| !i.contains("/types")).collect::<Vec<_>>(), ["lift:plugin/log@0.3.0"]);
        assert_eq!(strategy.exports, ["name()", "decide()"]);
        // Deployer, metrics, prober, DNS and notifier reach out only through the host's HTTP interface.
        for (name, exports) in [
            (
                "deployer",
                vec![
                    "configure()",
                    "apply()",
                    "describe()",
                    "roll-back()",
                    "delete()",
                    "read-route()",
                    "set-route()",
                    "invoke()",
                    "set-concurrency()",
                ],
            ),
            ("metrics", vec!["configure()", "fetch()"]),
            ("prober", vec!["probe()"]),
            ("dns", vec!["configure()", "read-records()", "route()"]),
            ("notifier", vec!["configure()", "deliver()"]),
        ] {
            let world = w(name);
            assert_eq!(world.imports, ["lift:plugin/log@0.3.0", "lift:plugin/http@0.3.0"], "{name}");
            assert_eq!(world.exports, exports, "{name}");
        }
    }
}
