//! Loading a plugin (manifest, hash, version, imports, exports: every finding
//! at once) and running it: one store per instance, fresh limits per call, and
//! a fresh instance after any failure, so one bad call costs one error.

use crate::bindings::{deployer, dns, metrics, notifier, prober, strategy};
use crate::manifest::Manifest;
use crate::sandbox::{Host, Log, LogRecord, State, TICK};
use crate::{PACKAGE, World, compatible};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::Store;
use wasmtime::component::{Component, InstancePre};

pub use deployer::{Alias, Invocation, Progress, Route, Stack, StackStatus};
pub use dns::RegionRecord;
pub use metrics::{MetricQuery, Series};
pub use notifier::{DeliveryError, Notice, NoticeKind, Severity};
pub use prober::{Health, Target};

/// What went wrong, naming the plugin and, for a limit, the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    /// A file could not be read.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The plugin does not pass the host's checks (manifest, hash, version, imports, exports).
    #[error("plugin `{plugin}` is refused: {}", findings.join("; "))]
    Refused {
        /// The plugin (or its file, before its manifest is read).
        plugin: String,
        /// Every finding.
        findings: Vec<String>,
    },
    /// A call ran into one of the plugin's limits.
    #[error("plugin `{plugin}` hit its {limit} in `{call}`")]
    Limit {
        /// The plugin.
        plugin: String,
        /// The export called.
        call: String,
        /// The limit and its value.
        limit: String,
    },
    /// The plugin trapped (a panic, `unreachable`, an out-of-bounds access).
    #[error("plugin `{plugin}` trapped in `{call}`: {message}")]
    Trap {
        /// The plugin.
        plugin: String,
        /// The export called.
        call: String,
        /// The trap, and the plugin's last words on stderr (a panic message).
        message: String,
    },
    /// The plugin returned data the component model or the host rejects.
    #[error("plugin `{plugin}` returned malformed data from `{call}`: {message}")]
    Malformed {
        /// The plugin.
        plugin: String,
        /// The export called.
        call: String,
        /// What is wrong with it.
        message: String,
    },
    /// The plugin did its job and reports a failure (a deployer's `err`).
    #[error("plugin `{plugin}` reports from `{call}`: {message}")]
    Reported {
        /// The plugin.
        plugin: String,
        /// The export called.
        call: String,
        /// Its message.
        message: String,
    },
    /// The host itself failed (it could not make a store, say).
    #[error("plugin host: {0}")]
    Host(String),
}

/// What `lift plugin inspect` shows, and what `check` judges.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inspection {
    /// The manifest, when it reads.
    pub manifest: Option<serde_json::Value>,
    /// The component file.
    pub component: String,
    /// Its size and sha256.
    pub bytes: u64,
    /// Its sha256.
    pub sha256: String,
    /// What it imports, as the component says.
    pub imports: Vec<String>,
    /// What it exports.
    pub exports: Vec<String>,
    /// Everything wrong with it; empty when it loads.
    pub findings: Vec<String>,
}

/// A checked, compiled plugin, ready to instantiate.
pub struct Plugin {
    /// Its manifest.
    pub manifest: Manifest,
    /// Where its manifest is.
    pub path: PathBuf,
    pub(crate) pre: InstancePre<State>,
    pub(crate) engine: wasmtime::Engine,
    pub(crate) log: Log,
    inspection: Inspection,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin").field("manifest", &self.manifest).field("path", &self.path).finish_non_exhaustive()
    }
}

/// The manifest for `path`: the file itself if it is `.toml`, else the `.toml` beside the `.wasm`.
fn manifest_path(path: &Path) -> PathBuf {
    if path.extension().is_some_and(|e| e == "toml") { path.to_path_buf() } else { path.with_extension("toml") }
}

fn read(path: &Path) -> Result<Vec<u8>, PluginError> {
    std::fs::read(path).map_err(|e| PluginError::Io { path: path.display().to_string(), message: e.to_string() })
}

/// The WASI interfaces a plugin may import; each is granted nothing (no files,
/// no environment, frozen clocks). Sockets and wasi:http are refused outright.
const WASI_GRANTED: [&str; 5] = ["wasi:cli/", "wasi:io/", "wasi:clocks/", "wasi:random/", "wasi:filesystem/"];

impl Host {
    /// Check a plugin without refusing it: every finding at once.
    pub fn inspect(&self, path: &Path) -> Result<Inspection, PluginError> {
        self.check(path).map(|(inspection, _)| inspection)
    }

    fn check(&self, path: &Path) -> Result<(Inspection, Option<Ready>), PluginError> {
        let manifest_file = manifest_path(path);
        let mut findings = Vec::new();
        let manifest = match std::fs::read_to_string(&manifest_file) {
            Ok(text) => match Manifest::parse(&text) {
                Ok(m) => Some(m),
                Err(e) => {
                    findings.extend(e.findings.into_iter().map(|f| format!("{}: {f}", manifest_file.display())));
                    None
                }
            },
            Err(e) => {
                findings.push(format!("{}: {e} (each plugin needs a manifest beside it)", manifest_file.display()));
                None
            }
        };
        let component_file = match &manifest {
            Some(m) => manifest_file.with_file_name(&m.component),
            None if path.extension().is_some_and(|e| e == "wasm") => path.to_path_buf(),
            None => return Err(PluginError::Refused { plugin: path.display().to_string(), findings }),
        };
        let bytes = read(&component_file)?;
        let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        if let Some(m) = manifest.as_ref().filter(|m| !m.sha256.eq_ignore_ascii_case(&sha256)) {
            findings.push(format!("{}: sha256 is {sha256}, the manifest says {}", component_file.display(), m.sha256));
        }
        let mut inspection = Inspection {
            manifest: manifest.as_ref().and_then(|m| serde_json::to_value(ManifestView(m)).ok()),
            component: component_file.display().to_string(),
            bytes: bytes.len() as u64,
            sha256,
            imports: Vec::new(),
            exports: Vec::new(),
            findings: Vec::new(),
        };
        let component = match Component::new(&self.engine, &bytes) {
            Ok(c) => c,
            Err(e) => {
                findings.push(format!("{}: not a WebAssembly component this host can compile: {e:#}", component_file.display()));
                inspection.findings = findings;
                return Ok((inspection, None));
            }
        };
        let ty = component.component_type();
        inspection.imports = ty.imports(&self.engine).map(|(n, _)| n.to_string()).collect();
        inspection.exports = ty.exports(&self.engine).map(|(n, _)| n.to_string()).collect();
        let Some(manifest) = manifest else {
            inspection.findings = findings;
            return Ok((inspection, None));
        };
        findings.extend(check_imports(manifest.world, &inspection.imports));
        let pre = match self.linker.instantiate_pre(&component) {
            Ok(pre) => Some(pre),
            Err(e) => {
                findings.push(format!("its imports do not link against this host: {e:#}"));
                None
            }
        };
        if let Some(pre) = &pre {
            let exports = match manifest.world {
                World::Strategy => strategy::StrategyPre::new(pre.clone()).map(drop),
                World::Deployer => deployer::DeployerPre::new(pre.clone()).map(drop),
                World::Prober => prober::ProberPre::new(pre.clone()).map(drop),
                World::Metrics => metrics::MetricsPre::new(pre.clone()).map(drop),
                World::Dns => dns::DnsPre::new(pre.clone()).map(drop),
                World::Notifier => notifier::NotifierPre::new(pre.clone()).map(drop),
            };
            if let Err(e) = exports {
                findings.push(format!("it does not export the {} world: {e:#}", manifest.world));
            }
        }
        inspection.findings = findings;
        let ready = if inspection.findings.is_empty() { pre.map(|pre| Ready { manifest, pre }) } else { None };
        Ok((inspection, ready))
    }

    /// Load a plugin (its manifest path, or its `.wasm` with the manifest beside it).
    pub fn load(&self, path: &Path) -> Result<Plugin, PluginError> {
        let (inspection, ready) = self.check(path)?;
        match ready {
            Some(Ready { manifest, pre }) => {
                Ok(Plugin { manifest, path: manifest_path(path), pre, engine: self.engine.clone(), log: Log::default(), inspection })
            }
            None => Err(PluginError::Refused {
                plugin: inspection
                    .manifest
                    .as_ref()
                    .and_then(|m| m.get("name")?.as_str().map(String::from))
                    .unwrap_or_else(|| path.display().to_string()),
                findings: inspection.findings,
            }),
        }
    }

    /// Every plugin in a directory (each `*.toml` manifest), sorted by file name.
    pub fn list(&self, dir: &Path) -> Result<Vec<Listed>, PluginError> {
        let entries = std::fs::read_dir(dir).map_err(|e| PluginError::Io { path: dir.display().to_string(), message: e.to_string() })?;
        let mut paths: Vec<PathBuf> =
            entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
        paths.sort();
        Ok(paths.into_iter().map(|p| (p.clone(), self.inspect(&p))).collect())
    }
}

/// One manifest in a directory, and what inspecting it found.
pub type Listed = (PathBuf, Result<Inspection, PluginError>);

/// A plugin that passed every check, ready to become a [`Plugin`].
struct Ready {
    manifest: Manifest,
    pre: InstancePre<State>,
}

/// The manifest as `inspect` shows it.
struct ManifestView<'a>(&'a Manifest);

impl serde::Serialize for ManifestView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.0;
        serde_json::json!({
            "name": m.name, "world": m.world, "version": m.version, "package": m.package,
            "description": m.description, "component": m.component, "sha256": m.sha256,
            "limits": { "memory_mib": m.limits.memory_mib, "fuel": m.limits.fuel, "timeout_ms": m.limits.timeout_ms },
            "http": { "allow": m.http.allow, "timeout_ms": m.http.timeout_ms, "max_body_bytes": m.http.max_body_bytes },
        })
        .serialize(s)
    }
}

/// Each import must be one its world grants, at a compatible version.
fn check_imports(world: World, imports: &[String]) -> Vec<String> {
    let granted: Vec<String> = crate::worlds()
        .ok()
        .and_then(|w| w.get(world.name()).cloned())
        .map(|w| w.imports.into_iter().filter_map(|i| i.split_once('@').map(|(n, _)| n.to_string())).collect())
        .unwrap_or_default();
    let mut findings = Vec::new();
    for import in imports {
        let (name, version) = import.split_once('@').unwrap_or((import, ""));
        if name.starts_with("lift:plugin/") {
            // `types` declares types and no functions: it grants nothing.
            if name != "lift:plugin/types" && !granted.iter().any(|g| g == name) {
                findings.push(format!("it imports `{import}`, which the {world} world does not grant (it grants {})", granted.join(", ")));
            } else if let Err(e) = compatible(&format!("lift:plugin@{version}")) {
                findings.push(format!("it imports `{import}`: {e}"));
            }
        } else if name.starts_with("wasi:sockets/") || name.starts_with("wasi:http/") {
            findings.push(format!("it imports `{import}`: the sandbox grants no sockets; reach the network through `lift:plugin/http`"));
        } else if !WASI_GRANTED.iter().any(|w| name.starts_with(w)) {
            findings.push(format!(
                "it imports `{import}`, which no Lift world provides ({PACKAGE} and WASI's cli, io, clocks, random, filesystem)"
            ));
        }
    }
    findings
}

/// How each world's bindings are made from a checked instance.
pub(crate) trait Bindings: Sized {
    fn instantiate(pre: &InstancePre<State>, store: &mut Store<State>) -> wasmtime::Result<Self>;
}

/// Each world's bindings, instantiated the same way.
macro_rules! bindings {
    ($($world:ident :: $ty:ident / $pre:ident),* $(,)?) => {$(
        impl Bindings for $world::$ty {
            fn instantiate(pre: &InstancePre<State>, store: &mut Store<State>) -> wasmtime::Result<Self> {
                $world::$pre::new(pre.clone())?.instantiate(store)
            }
        }
    )*};
}

bindings!(
    strategy::Strategy / StrategyPre,
    deployer::Deployer / DeployerPre,
    metrics::Metrics / MetricsPre,
    notifier::Notifier / NotifierPre,
    dns::Dns / DnsPre,
    prober::Prober / ProberPre,
);

/// One live instance of a plugin, made again after any failure.
pub(crate) struct Runner<B> {
    name: Arc<str>,
    manifest: Manifest,
    pre: InstancePre<State>,
    engine: wasmtime::Engine,
    log: Log,
    live: Option<(Store<State>, B)>,
}

impl<B: Bindings> Runner<B> {
    fn new(plugin: &Plugin, world: World) -> Result<Runner<B>, PluginError> {
        if plugin.manifest.world != world {
            return Err(PluginError::Refused {
                plugin: plugin.manifest.name.clone(),
                findings: vec![format!("it is a {} plugin, not a {world}", plugin.manifest.world)],
            });
        }
        Ok(Runner {
            name: plugin.manifest.name.as_str().into(),
            manifest: plugin.manifest.clone(),
            pre: plugin.pre.clone(),
            engine: plugin.engine.clone(),
            log: plugin.log.clone(),
            live: None,
        })
    }

    fn arm(&self, store: &mut Store<State>) -> Result<(), PluginError> {
        let limits = self.manifest.limits;
        store.set_fuel(limits.fuel).map_err(|e| PluginError::Host(format!("{e:#}")))?;
        store.set_epoch_deadline(limits.timeout_ms.div_ceil(TICK.as_millis() as u64).max(1) + 1);
        let state = store.data_mut();
        state.deadline = Instant::now() + Duration::from_millis(limits.timeout_ms);
        state.limiter.refused = None;
        Ok(())
    }

    /// Call into the plugin under its limits; any failure drops the instance.
    pub(crate) fn call<R>(&mut self, call: &str, f: impl FnOnce(&B, &mut Store<State>) -> wasmtime::Result<R>) -> Result<R, PluginError> {
        let (mut store, bindings) = match self.live.take() {
            Some(live) => live,
            None => {
                let http = (self.manifest.world != World::Strategy).then(|| crate::http::Capability::new(&self.manifest.http));
                let state = State::new(self.name.clone(), &self.manifest, http, self.log.clone());
                let mut store = store_for(&self.engine, state);
                self.arm(&mut store)?;
                match B::instantiate(&self.pre, &mut store) {
                    Ok(b) => (store, b),
                    Err(e) => return Err(self.classify(&mut store, "instantiate", e)),
                }
            }
        };
        self.arm(&mut store)?;
        match f(&bindings, &mut store) {
            Ok(r) => {
                store.data_mut().flush_stderr();
                self.live = Some((store, bindings));
                Ok(r)
            }
            Err(e) => Err(self.classify(&mut store, call, e)),
        }
    }

    fn classify(&self, store: &mut Store<State>, call: &str, e: wasmtime::Error) -> PluginError {
        let stderr = store.data_mut().flush_stderr();
        let (plugin, call, limits) = (self.name.to_string(), call.to_string(), self.manifest.limits);
        let err = if let Some(asked) = store.data().limiter.refused {
            PluginError::Limit {
                plugin,
                call,
                limit: format!("memory cap of {} MiB (it asked for {} MiB)", limits.memory_mib, asked.div_ceil(1 << 20)),
            }
        } else {
            match e.downcast_ref::<wasmtime::Trap>() {
                Some(wasmtime::Trap::OutOfFuel) => {
                    PluginError::Limit { plugin, call, limit: format!("fuel budget of {} units", limits.fuel) }
                }
                Some(wasmtime::Trap::Interrupt) => {
                    PluginError::Limit { plugin, call, limit: format!("wall-clock timeout of {} ms", limits.timeout_ms) }
                }
                Some(trap) => {
                    // A Rust panic's last words: `panicked at FILE:LINE:COL:` then the message.
                    let words: Vec<&str> = stderr
                        .as_deref()
                        .unwrap_or_default()
                        .lines()
                        .filter(|l| !l.trim().is_empty() && !l.starts_with("note: "))
                        .collect();
                    let message = match words.len() {
                        0 => trap.to_string(),
                        n => format!("{trap}: {}", words.get(n.saturating_sub(2)..).unwrap_or_default().join(" ")),
                    };
                    PluginError::Trap { plugin, call, message }
                }
                None => PluginError::Malformed { plugin, call, message: format!("{e:#}") },
            }
        };
        self.log.push(&self.name, "error", &err.to_string());
        err
    }
}

fn store_for(engine: &wasmtime::Engine, state: State) -> Store<State> {
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limiter);
    store
}

impl Plugin {
    /// What `inspect` saw when it was loaded.
    pub fn inspection(&self) -> &Inspection {
        &self.inspection
    }

    /// Its log since the last drain: its own messages, its stderr, denied requests, failures.
    pub fn drain_log(&self) -> Vec<LogRecord> {
        self.log.drain()
    }

    /// A prober's handle.
    pub fn prober(&self) -> Result<Prober, PluginError> {
        Ok(Prober(Runner::new(self, World::Prober)?))
    }

    /// A deployer's handle.
    pub fn deployer(&self) -> Result<Deployer, PluginError> {
        Ok(Configured(Runner::new(self, World::Deployer)?, None))
    }

    /// A metrics reader's handle.
    pub fn metrics(&self) -> Result<Metrics, PluginError> {
        Ok(Configured(Runner::new(self, World::Metrics)?, None))
    }

    /// A notifier's handle.
    pub fn notifier(&self) -> Result<Notifier, PluginError> {
        Ok(Configured(Runner::new(self, World::Notifier)?, None))
    }

    /// A DNS plugin's handle.
    pub fn dns(&self) -> Result<Dns, PluginError> {
        Ok(Configured(Runner::new(self, World::Dns)?, None))
    }

    pub(crate) fn strategy_runner(&self) -> Result<Runner<strategy::Strategy>, PluginError> {
        Runner::new(self, World::Strategy)
    }
}

/// A prober plugin, ready to probe.
pub struct Prober(Runner<prober::Prober>);

impl Prober {
    /// Probe a target.
    pub fn probe(&mut self, target: &Target) -> Result<Health, PluginError> {
        self.probe_from(target, None)
    }

    /// Probe a target for a vantage point: the host names it in each
    /// request's `x-lift-vantage` header (the local target's faults can cut
    /// one vantage point off; a proxy per vantage point can route by it).
    pub fn probe_from(&mut self, target: &Target, vantage: Option<&str>) -> Result<Health, PluginError> {
        self.0.call("probe", |b, s| {
            s.data_mut().vantage = vantage.map(str::to_owned);
            b.call_probe(s, target)
        })
    }
}

/// A plugin that takes settings (endpoint, credentials): it keeps them, and
/// configures an instance made again after a failure before its next call.
pub struct Configured<B>(Runner<B>, Option<Vec<(String, String)>>);

/// How a configurable world is configured.
pub(crate) trait Configure: Bindings {
    fn configure(&self, store: &mut Store<State>, settings: &[(String, String)]) -> wasmtime::Result<Result<(), String>>;
}

/// Each configurable world's `configure`, called the same way.
macro_rules! configure {
    ($($world:ident :: $ty:ident),* $(,)?) => {$(
        impl Configure for $world::$ty {
            fn configure(&self, store: &mut Store<State>, settings: &[(String, String)]) -> wasmtime::Result<Result<(), String>> {
                self.call_configure(store, settings)
            }
        }
    )*};
}

configure!(notifier::Notifier, dns::Dns, deployer::Deployer, metrics::Metrics);

#[allow(private_bounds, reason = "the worlds that take settings are the host's to list")]
impl<B: Configure> Configured<B> {
    /// An instance made again after a failure is configured again before its next call.
    fn configured(&mut self) -> Result<(), PluginError> {
        if let (None, Some(settings)) = (&self.0.live, &self.1) {
            let settings = settings.clone();
            let plugin = self.0.name.to_string();
            self.0.call("configure", |b, s| b.configure(s, &settings))?.map_err(|message| PluginError::Reported {
                plugin,
                call: "configure".into(),
                message,
            })?;
        }
        Ok(())
    }

    fn flat<T>(
        &mut self,
        call: &str,
        f: impl FnOnce(&B, &mut Store<State>) -> wasmtime::Result<Result<T, String>>,
    ) -> Result<T, PluginError> {
        self.configured()?;
        let plugin = self.0.name.to_string();
        self.0.call(call, f)?.map_err(|message| PluginError::Reported { plugin, call: call.to_string(), message })
    }

    /// Settings: endpoint, credentials.
    pub fn configure(&mut self, settings: &[(String, String)]) -> Result<(), PluginError> {
        self.1 = None;
        self.flat("configure", |b, s| b.configure(s, settings))?;
        self.1 = Some(settings.to_vec());
        Ok(())
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }
}

/// A deployer plugin, ready to deploy.
pub type Deployer = Configured<deployer::Deployer>;

impl Configured<deployer::Deployer> {
    /// Create or update a stack; an operation ID.
    pub fn apply(&mut self, stack: &Stack) -> Result<String, PluginError> {
        self.flat("apply", |b, s| b.call_apply(s, stack))
    }
    /// Where the stack's operation stands.
    pub fn describe(&mut self, name: &str, region: &str) -> Result<Progress, PluginError> {
        self.flat("describe", |b, s| b.call_describe(s, name, region))
    }
    /// Put the stack back as it was.
    pub fn roll_back(&mut self, name: &str, region: &str) -> Result<(), PluginError> {
        self.flat("roll-back", |b, s| b.call_roll_back(s, name, region))
    }
    /// Delete the stack.
    pub fn delete(&mut self, name: &str, region: &str) -> Result<(), PluginError> {
        self.flat("delete", |b, s| b.call_delete(s, name, region))
    }
    /// Where an alias routes now.
    pub fn read_route(&mut self, alias: &Alias) -> Result<Route, PluginError> {
        self.flat("read-route", |b, s| b.call_read_route(s, alias))
    }
    /// Route an alias so.
    pub fn set_route(&mut self, alias: &Alias, route: &Route) -> Result<(), PluginError> {
        self.flat("set-route", |b, s| b.call_set_route(s, alias, route))
    }
    /// Invoke a function through an alias.
    pub fn invoke(&mut self, alias: &Alias, payload: &str) -> Result<Invocation, PluginError> {
        self.flat("invoke", |b, s| b.call_invoke(s, alias, payload))
    }
    /// Cap a function's concurrency (`Some(n)`), or lift the cap (`None`).
    pub fn set_concurrency(&mut self, function: &str, region: &str, reserved: Option<u32>) -> Result<(), PluginError> {
        self.flat("set-concurrency", |b, s| b.call_set_concurrency(s, function, region, reserved))
    }
}

/// A metrics plugin, ready to read.
pub type Metrics = Configured<metrics::Metrics>;

/// The points of the series `id` among `series`, by timestamp (ms); none when it is absent.
pub fn points(series: &[Series], id: &str) -> std::collections::BTreeMap<u64, f64> {
    series.iter().find(|s| s.id == id).map(|s| s.timestamps_ms.iter().copied().zip(s.values.iter().copied()).collect()).unwrap_or_default()
}

impl Configured<metrics::Metrics> {
    /// Every query's points between two instants (epoch ms), one per step.
    pub fn fetch(
        &mut self,
        region: &str,
        queries: &[MetricQuery],
        start_ms: u64,
        end_ms: u64,
        step_ms: u32,
    ) -> Result<Vec<Series>, PluginError> {
        self.flat("fetch", |b, s| b.call_fetch(s, region, queries, start_ms, end_ms, step_ms))
    }
}

/// A DNS plugin, ready to route.
pub type Dns = Configured<dns::Dns>;

impl Configured<dns::Dns> {
    /// How `name` in `zone` routes now: one record per region.
    pub fn read_records(&mut self, zone: &str, name: &str) -> Result<Vec<RegionRecord>, PluginError> {
        self.flat("read-records", |b, s| b.call_read_records(s, zone, name))
    }
    /// Route `name` so: these regions take these shares (ppm), the others none.
    pub fn route(&mut self, zone: &str, name: &str, weights: &[(String, u32)]) -> Result<(), PluginError> {
        self.flat("route", |b, s| b.call_route(s, zone, name, weights))
    }
}

/// A notifier plugin, ready to deliver.
pub type Notifier = Configured<notifier::Notifier>;

impl Configured<notifier::Notifier> {
    /// Deliver one notice, once: the plugin's verdict on a failure (worth another try or not)
    /// is kept; a plugin that broke is an error of its own.
    pub fn deliver_once(&mut self, notice: &Notice) -> Result<Result<(), DeliveryError>, PluginError> {
        self.configured()?;
        self.0.call("deliver", |b, s| b.call_deliver(s, notice))
    }
}
