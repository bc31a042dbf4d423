//! The sandbox: one wasmtime engine per host, one store per plugin instance.
//! A store gets a memory cap, fuel and a wall-clock deadline per call, WASI
//! with nothing granted (no preopened directories, an empty environment, no
//! sockets, frozen clocks; stderr goes to the plugin's log), and the `log`
//! and `http` capabilities.

use crate::bindings::{http, log};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// How often the engine's epoch advances: the granularity of call timeouts.
pub(crate) const TICK: Duration = Duration::from_millis(5);
/// A plugin's stderr kept per instance (panic messages land here).
const STDERR_CAP: usize = 64 << 10;
/// Log records kept per plugin until drained, and the longest message.
const LOG_CAP: usize = 1000;
const MESSAGE_CAP: usize = 4096;

/// One line of a plugin's log, attributed to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogRecord {
    /// The plugin's name.
    pub plugin: String,
    /// `debug`, `info`, `warn` or `error`.
    pub level: &'static str,
    /// What it said (or what the host says about it, such as a denied request).
    pub message: String,
}

/// A plugin's log: bounded, so a chatty plugin cannot exhaust the host.
#[derive(Debug, Clone, Default)]
pub(crate) struct Log(Arc<Mutex<Vec<LogRecord>>>);

impl Log {
    pub(crate) fn push(&self, plugin: &str, level: &'static str, message: &str) {
        let mut records = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if records.len() < LOG_CAP {
            let mut message = message.to_string();
            if message.len() > MESSAGE_CAP {
                let mut end = MESSAGE_CAP;
                while !message.is_char_boundary(end) {
                    end -= 1;
                }
                message.truncate(end);
                message.push_str(" [truncated]");
            }
            records.push(LogRecord { plugin: plugin.to_string(), level, message });
        }
    }

    pub(crate) fn drain(&self) -> Vec<LogRecord> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The host: a wasmtime engine with the component model, fuel and epochs,
/// and a compile cache on disk keyed by the component's hash and wasmtime's
/// version (wasmtime's own cache), so a second load skips compilation.
pub struct Host {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<State>,
}

impl Host {
    /// A host whose compiled components are cached in `cache_dir` (none: compile every time).
    pub fn new(cache_dir: Option<PathBuf>) -> Result<Host, String> {
        let mut config = Config::new();
        config.wasm_component_model(true).consume_fuel(true).epoch_interruption(true);
        if let Some(dir) = cache_dir {
            let mut cache = wasmtime::CacheConfig::new();
            cache.with_directory(dir);
            config.cache(Some(wasmtime::Cache::new(cache).map_err(|e| format!("the compile cache: {e:#}"))?));
        }
        let engine = Engine::new(&config).map_err(|e| format!("{e:#}"))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| format!("{e:#}"))?;
        log::add_to_linker::<State, wasmtime::component::HasSelf<State>>(&mut linker, |s| s).map_err(|e| format!("{e:#}"))?;
        http::add_to_linker::<State, wasmtime::component::HasSelf<State>>(&mut linker, |s| s).map_err(|e| format!("{e:#}"))?;
        // The epoch ticker: wall-clock deadlines without a timer per call. It
        // holds the engine weakly, so it ends when the host and every plugin
        // loaded from it are gone.
        let weak = engine.weak();
        std::thread::Builder::new()
            .name("lift-plugin-epoch".into())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(TICK);
                }
            })
            .map_err(|e| format!("the epoch thread: {e}"))?;
        Ok(Host { engine, linker })
    }

    /// The default cache directory: `$LIFT_CACHE/plugins`, else `$XDG_CACHE_HOME/lift/plugins`, else `~/.cache/lift/plugins`.
    pub fn default_cache_dir() -> Option<PathBuf> {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        env("LIFT_CACHE")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("lift")))
            .or_else(|| env("HOME").map(|d| d.join(".cache").join("lift")))
            .map(|d| d.join("plugins"))
    }
}

/// Linear-memory growth past the cap is refused and remembered, so the error
/// can name the cap rather than the guest's own abort.
pub(crate) struct Limiter {
    pub(crate) memory_bytes: usize,
    pub(crate) refused: Option<usize>,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let ok = desired <= self.memory_bytes;
        if !ok {
            self.refused = Some(desired);
        }
        Ok(ok)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// The header that names the vantage point a probe is sent for.
pub const VANTAGE_HEADER: &str = "x-lift-vantage";

/// What a store holds for one plugin instance.
pub struct State {
    pub(crate) plugin: Arc<str>,
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    pub(crate) http: Option<crate::http::Capability>,
    pub(crate) log: Log,
    pub(crate) stderr: MemoryOutputPipe,
    pub(crate) stderr_seen: usize,
    pub(crate) deadline: Instant,
    /// The vantage point a prober probes for, named in each request it sends.
    pub(crate) vantage: Option<String>,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Strategies and probers read no clock: time comes in as an argument, and
/// WASI's clocks stand still. A deployer reads the wall clock, which AWS's
/// request signatures need (they expire after 15 minutes).
struct Frozen;

impl wasmtime_wasi::HostWallClock for Frozen {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl wasmtime_wasi::HostMonotonicClock for Frozen {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

impl State {
    pub(crate) fn new(plugin: Arc<str>, manifest: &crate::Manifest, http: Option<crate::http::Capability>, log: Log) -> State {
        let stderr = MemoryOutputPipe::new(STDERR_CAP);
        let mut wasi = WasiCtx::builder();
        // Nothing is inherited or granted: no args, env, stdin, preopens or sockets.
        wasi.stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }));
        // Signing a cloud API request needs the time; a strategy or prober reads none.
        if !matches!(manifest.world, crate::World::Deployer | crate::World::Metrics | crate::World::Dns) {
            wasi.wall_clock(Frozen).monotonic_clock(Frozen);
        }
        let limits = &manifest.limits;
        State {
            plugin,
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limiter: Limiter { memory_bytes: limits.memory_mib as usize * (1 << 20), refused: None },
            http,
            log,
            stderr,
            stderr_seen: 0,
            deadline: Instant::now(),
            vantage: None,
        }
    }

    /// What the plugin wrote to stderr since the last look, into its log.
    pub(crate) fn flush_stderr(&mut self) -> Option<String> {
        let all = self.stderr.contents();
        let new = all.get(self.stderr_seen..).filter(|b| !b.is_empty())?;
        self.stderr_seen = all.len();
        let text = String::from_utf8_lossy(new).trim_end().to_string();
        self.log.push(&self.plugin, "warn", &format!("stderr: {text}"));
        Some(text)
    }
}

impl log::Host for State {
    fn log(&mut self, level: log::Level, message: String) {
        let level = match level {
            log::Level::Debug => "debug",
            log::Level::Info => "info",
            log::Level::Warn => "warn",
            log::Level::Error => "error",
        };
        self.log.push(&self.plugin, level, &message);
    }
}

impl http::Host for State {
    fn send(&mut self, mut request: http::Request) -> Result<http::Response, http::HttpError> {
        let (method, url) = (request.method.clone(), request.url.clone());
        if let Some(v) = &self.vantage {
            request.headers.retain(|h| !h.name.eq_ignore_ascii_case(VANTAGE_HEADER));
            request.headers.push(http::Header { name: VANTAGE_HEADER.into(), value: v.clone() });
        }
        let outcome = match &self.http {
            Some(cap) => cap.send(request, self.deadline),
            None => Err(http::HttpError::Denied("this plugin's world has no HTTP".into())),
        };
        match &outcome {
            Err(http::HttpError::Denied(why)) => self.log.push(&self.plugin, "warn", &format!("denied {method} {url}: {why}")),
            Err(e) => self.log.push(&self.plugin, "debug", &format!("{method} {url} failed: {e:?}")),
            Ok(r) => self.log.push(&self.plugin, "debug", &format!("{method} {url} -> {}", r.status)),
        }
        outcome
    }
}
