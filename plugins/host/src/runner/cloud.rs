//! The world of a real rollout: stacks through a deployer plugin, traffic
//! through the same plugin's alias routing, gates through a metrics plugin, a
//! prober plugin and the app's own hook functions. The local target and AWS
//! differ only in the settings (endpoint, credentials) the plugins get.
//!
//! What a deploy learned (each function's previous and new version, the
//! template it replaced) is kept in a file beside the journal, written
//! atomically before the deploy is reported, so a resumed rollout shifts and
//! rolls back the same versions.

use super::{World, WorldError};
use crate::plugin::{Alias, Deployer, MetricQuery, Metrics, PluginError, Prober, Route, Stack, StackStatus, Target};
use lift_core::evidence::{Comparison, Evidence, Measurement};
use lift_core::rollout::judge::{Observed, Thresholds, Traffic, judge};
use lift_core::rollout::slo_judge::{Read, Reading, judge_slo, reads};
use lift_core::rollout::{Event, Plan, RolloutAction as Action, Verdict};
use lift_core::slo::Sample;
use lift_core::time::Duration;
use lift_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The alias Lift's templates give every function.
pub const LIVE: &str = "live";

/// A function of the app, as the templates name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// Its name in the spec.
    pub name: String,
    /// Its logical ID in the template (`ApiFunction`): outputs and parameters are named after it.
    pub id: String,
}

/// One region's stack, as this release would have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionSetup {
    /// The stack's name.
    pub stack: String,
    /// The template (CloudFormation JSON).
    pub template: String,
    /// Its parameters (code keys, the artifact bucket); the live versions are added per deploy.
    pub parameters: Vec<(String, String)>,
    /// Where the region's HTTP API answers, for probe gates.
    #[serde(default)]
    pub endpoint: Option<String>,
}

/// The gates the spec sets, typed for the world.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Gates {
    /// Error rate and p99 thresholds.
    pub thresholds: Thresholds,
    /// SLOs gated on, by name.
    #[serde(default)]
    pub slos: Vec<String>,
    /// Their definitions and their components', as the spec has them.
    #[serde(default)]
    pub slo_specs: BTreeMap<String, lift_core::spec::Slo>,
    /// SLOs gated on that a gate cannot judge from a bake's metrics, and why.
    #[serde(default)]
    pub unjudged_slos: Vec<(String, String)>,
    /// Paths probed in each region.
    #[serde(default)]
    pub probes: Vec<String>,
    /// Functions run before traffic moves, by spec name.
    #[serde(default)]
    pub pre_traffic: Vec<String>,
    /// Functions run after the last step of a region.
    #[serde(default)]
    pub post_traffic: Vec<String>,
}

/// Everything a cloud rollout needs besides the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setup {
    /// The app.
    pub app: String,
    /// The release.
    pub version: String,
    /// The functions.
    pub functions: Vec<Function>,
    /// Each region's stack.
    pub regions: BTreeMap<String, RegionSetup>,
    /// The gates.
    pub gates: Gates,
    /// Machine time runs this many times faster than the wall clock.
    pub time_scale: u32,
    /// Answer every approval (CI's `--approve`).
    #[serde(default)]
    pub approve: bool,
    /// CloudWatch's finest period here, in seconds (1 on the local target, 60 on AWS).
    #[serde(default = "one")]
    pub min_period_s: u32,
    /// How long a stack operation may take, in seconds.
    #[serde(default = "half_hour")]
    pub stack_timeout_s: u64,
}

fn one() -> u32 {
    1
}

fn half_hour() -> u64 {
    1800
}

/// What a deploy learned about one function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    /// The function's physical name.
    pub physical: String,
    /// The version serving before the release; `None` on the first deploy.
    pub previous: Option<String>,
    /// The version the release published.
    pub new: String,
}

/// What a deploy learned about one region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    /// Per function (logical ID).
    pub functions: BTreeMap<String, Versions>,
    /// The template and parameters the region had before, when the stack existed.
    pub previous: Option<(String, Vec<(String, String)>)>,
}

/// The world's memory, kept beside the journal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    /// Per region.
    pub regions: BTreeMap<String, Deployed>,
}

/// The last template and parameters a region was left with, per app and target
/// (`deployed/{region}.json` in the state directory): what a later release rolls back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The template.
    pub template: String,
    /// Its parameters.
    pub parameters: Vec<(String, String)>,
}

/// Write `value` as JSON to `path` atomically (temp file, fsync, rename).
pub fn write_atomic(path: &Path, value: &impl Serialize) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let body = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&body)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().and_then(|d| std::fs::File::open(d).ok()) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The rollout's world on a cloud (the local target or AWS).
pub struct CloudWorld {
    setup: Setup,
    plan: Plan,
    deployer: Deployer,
    metrics: Metrics,
    prober: Option<Prober>,
    memory: Memory,
    memory_path: PathBuf,
    applied_dir: PathBuf,
    /// What the world did, for a person: one line per act.
    pub on_note: Box<dyn FnMut(&str) + Send>,
}

pub(crate) fn plugin_error(e: PluginError) -> WorldError {
    let text = e.to_string();
    match &e {
        // Only an API's own answer can be worth another try; a plugin that broke is not.
        PluginError::Reported { message, .. } if transient(message) => WorldError::Transient(text),
        _ => WorldError::Fatal(text),
    }
}

/// Throttling, a 5xx, a connection that failed: worth another try.
fn transient(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "throttl",
        "toomanyrequests",
        "rate exceeded",
        "(http 5",
        "http 5",
        "cannot reach",
        "connection",
        "timed out",
        "serviceunavailable",
        "internalfailure",
    ]
    .iter()
    .any(|w| m.contains(w))
}

impl CloudWorld {
    /// A world for `setup`, remembering what it learns in `memory_path`
    /// (read back if it exists: a resumed rollout) and the templates regions
    /// are left with under `applied_dir`.
    pub fn new(
        setup: Setup,
        plan: Plan,
        deployer: Deployer,
        metrics: Metrics,
        prober: Option<Prober>,
        memory_path: &Path,
        applied_dir: &Path,
    ) -> CloudWorld {
        let memory = std::fs::read(memory_path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        CloudWorld {
            setup,
            plan,
            deployer,
            metrics,
            prober,
            memory,
            memory_path: memory_path.to_owned(),
            applied_dir: applied_dir.to_owned(),
            on_note: Box::new(|_| {}),
        }
    }

    /// What the world has learned so far.
    pub fn memory(&self) -> &Memory {
        &self.memory
    }

    fn note(&mut self, text: &str) {
        (self.on_note)(text);
    }

    fn remember(&mut self) -> Result<(), WorldError> {
        write_atomic(&self.memory_path, &self.memory)
            .map_err(|e| WorldError::Fatal(format!("{}: cannot record what the deploy learned: {e}", self.memory_path.display())))
    }

    fn region_setup(&self, region: &str) -> Result<RegionSetup, WorldError> {
        self.setup
            .regions
            .get(region)
            .cloned()
            .ok_or_else(|| WorldError::Fatal(format!("the plan names region {region}, which the setup lacks")))
    }

    /// Wait for the stack's operation to end; its outputs, or why it failed.
    fn settle(&mut self, stack: &str, region: &str) -> Result<Vec<(String, String)>, WorldError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(self.setup.stack_timeout_s);
        loop {
            let p = self.deployer.describe(stack, region).map_err(plugin_error)?;
            match p.status {
                StackStatus::Complete => return Ok(p.outputs),
                StackStatus::InProgress if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(250));
                }
                StackStatus::InProgress => {
                    return Err(WorldError::Fatal(format!(
                        "stack {stack} in {region} is still in progress after {}s",
                        self.setup.stack_timeout_s
                    )));
                }
                other => {
                    let why = p.reason.unwrap_or_else(|| p.events.last().cloned().unwrap_or_default());
                    return Err(WorldError::Fatal(format!("stack {stack} in {region} ended {other:?}: {why}")));
                }
            }
        }
    }

    /// The stack's outputs if it exists and is settled; `None` if it does not exist.
    fn existing(&mut self, stack: &str, region: &str) -> Result<Option<Vec<(String, String)>>, WorldError> {
        match self.deployer.describe(stack, region) {
            Ok(p) if p.status == StackStatus::InProgress => self.settle(stack, region).map(Some),
            Ok(p) if p.status == StackStatus::Deleted => Ok(None),
            Ok(p) => Ok(Some(p.outputs)),
            Err(PluginError::Reported { message, .. }) if message.contains("does not exist") => Ok(None),
            Err(e) => Err(plugin_error(e)),
        }
    }

    fn physical(outputs: &[(String, String)], id: &str) -> Option<String> {
        let arn = outputs.iter().find(|(k, _)| *k == format!("{id}Arn")).map(|(_, v)| v)?;
        arn.rsplit(':').next().map(str::to_owned)
    }

    fn deploy(&mut self, region: &str) -> Result<Event, WorldError> {
        let setup = self.region_setup(region)?;
        let before = self.existing(&setup.stack, region)?;
        // The version each alias serves now is the one the stack update leaves it on.
        let mut previous = BTreeMap::new();
        if let Some(outputs) = &before {
            for f in self.setup.functions.clone() {
                let Some(physical) = Self::physical(outputs, &f.id) else { continue };
                let alias = Alias { function: physical, name: LIVE.into(), region: region.into() };
                match self.deployer.read_route(&alias) {
                    Ok(route) => {
                        previous.insert(f.id.clone(), route.version);
                    }
                    Err(PluginError::Reported { message, .. }) if message.contains("ResourceNotFound") || message.contains("404") => {}
                    Err(e) => return Err(plugin_error(e)),
                }
            }
        }
        // A deploy carried out again after a crash finds the new version serving nothing yet: keep what was learned.
        if let Some(known) = self.memory.regions.get(region) {
            for (id, v) in &known.functions {
                if let Some(p) = &v.previous {
                    previous.insert(id.clone(), p.clone());
                }
            }
        }
        let mut parameters = setup.parameters.clone();
        for f in &self.setup.functions {
            parameters.push((format!("{}LiveVersion", f.id), previous.get(&f.id).cloned().unwrap_or_default()));
        }
        let applied_path = self.applied_dir.join(format!("{region}.json"));
        let prior: Option<Applied> = match self.memory.regions.get(region).and_then(|d| d.previous.clone()) {
            Some((template, parameters)) => Some(Applied { template, parameters }),
            None => std::fs::read(&applied_path).ok().and_then(|b| serde_json::from_slice(&b).ok()),
        };
        self.note(&format!("{region}: applying stack {} ({} bytes)", setup.stack, setup.template.len()));
        let stack =
            Stack { name: setup.stack.clone(), region: region.into(), template: setup.template.clone(), parameters: parameters.clone() };
        self.deployer.apply(&stack).map_err(plugin_error)?;
        let outputs = self.settle(&setup.stack, region)?;
        let mut functions = BTreeMap::new();
        let mut notes = vec![];
        for f in &self.setup.functions {
            let physical = Self::physical(&outputs, &f.id)
                .ok_or_else(|| WorldError::Fatal(format!("stack {} in {region} has no output {}Arn", setup.stack, f.id)))?;
            let new =
                outputs.iter().find(|(k, _)| *k == format!("{}PublishedVersion", f.id)).map(|(_, v)| v.clone()).ok_or_else(|| {
                    WorldError::Fatal(format!("stack {} in {region} has no output {}PublishedVersion", setup.stack, f.id))
                })?;
            let previous = previous.get(&f.id).cloned();
            let name = f.name.clone();
            let what = match &previous {
                Some(p) if *p == new => format!("{name}: version {new} unchanged"),
                Some(p) => format!("{name}: version {new} published beside {p}, which still serves"),
                None => format!("{name}: version {new}, the first"),
            };
            notes.push(format!("{region}: {what}"));
            functions.insert(f.id.clone(), Versions { physical, previous, new });
        }
        for n in notes {
            self.note(&n);
        }
        let previous_template = prior.map(|a| (a.template, a.parameters));
        self.memory.regions.insert(region.into(), Deployed { functions, previous: previous_template });
        self.remember()?;
        Ok(Event::Deployed { region: region.into() })
    }

    fn route(&mut self, region: &str, weight_ppm: u32) -> Result<(), WorldError> {
        let deployed = self.memory.regions.get(region).cloned().unwrap_or_default();
        for v in deployed.functions.values() {
            let Some(previous) = v.previous.clone().filter(|p| *p != v.new) else { continue };
            let route = match weight_ppm {
                0 => Route { version: previous, weights: vec![] },
                1_000_000.. => Route { version: v.new.clone(), weights: vec![] },
                w => Route { version: previous, weights: vec![(v.new.clone(), w)] },
            };
            let alias = Alias { function: v.physical.clone(), name: LIVE.into(), region: region.into() };
            // Carried out again after a crash, a route already in place is left alone: no second update.
            if self.deployer.read_route(&alias).map_err(plugin_error)? == route {
                continue;
            }
            self.deployer.set_route(&alias, &route).map_err(plugin_error)?;
        }
        Ok(())
    }

    /// Why the region's stack is gone, if it is: deleted behind the rollout's
    /// back, or a target restarted without its state (the local target keeps
    /// none across a restart). Then nothing there serves the new version, and
    /// nothing can be shifted or measured: retrying would wait forever.
    fn gone(&mut self, region: &str) -> Result<Option<String>, WorldError> {
        let stack = self.region_setup(region)?.stack;
        Ok(self.existing(&stack, region)?.is_none().then(|| {
            format!(
                "stack {stack} no longer exists in {region}: it was deleted, or the target restarted without its state (the local target keeps none across a restart)"
            )
        }))
    }

    /// A failed act in `region`, explained by the stack being gone when it is.
    fn or_gone(&mut self, region: &str, e: WorldError) -> WorldError {
        match self.gone(region) {
            Ok(Some(why)) => WorldError::Fatal(why),
            _ => e,
        }
    }

    fn roll_back(&mut self, region: &str) -> Result<Event, WorldError> {
        // A region whose stack is gone serves nothing, the new version least of all.
        if let Some(why) = self.gone(region)? {
            self.note(&format!("{why}; nothing there to roll back"));
            return Ok(Event::RolledBack { region: region.into() });
        }
        // Traffic first, at once: every alias back on its previous version.
        self.route(region, 0)?;
        let deployed = self.memory.regions.get(region).cloned().unwrap_or_default();
        let setup = self.region_setup(region)?;
        // Then the stack, where the release changed more than code (the template differs).
        if let Some((template, mut parameters)) = deployed.previous.clone().filter(|(t, _)| *t != setup.template) {
            for (id, v) in &deployed.functions {
                let live = v.previous.clone().unwrap_or_default();
                parameters.retain(|(k, _)| *k != format!("{id}LiveVersion"));
                parameters.push((format!("{id}LiveVersion"), live));
            }
            self.note(&format!("{region}: the release changed the template: applying the previous one"));
            let stack = Stack { name: setup.stack.clone(), region: region.into(), template, parameters };
            self.deployer.apply(&stack).map_err(plugin_error)?;
            self.settle(&setup.stack, region)?;
        }
        Ok(Event::RolledBack { region: region.into() })
    }

    /// Lambda's metrics of the new and of the previous version of each
    /// function, each summed over the functions, in one `GetMetricData`.
    fn traffic(&mut self, region: &str, start_ms: u64, end_ms: u64) -> Result<(Traffic, Traffic), WorldError> {
        let deployed = self.memory.regions.get(region).cloned().unwrap_or_default();
        let mut queries = vec![];
        for (id, v) in &deployed.functions {
            let previous = v.previous.clone().filter(|p| *p != v.new);
            for (which, version) in [("new", Some(v.new.clone())), ("old", previous)] {
                let Some(version) = version else { continue };
                let dims = lambda_dims(&v.physical, Some(&version));
                for (metric, stat, tag) in [("Invocations", "Sum", "n"), ("Errors", "Sum", "e"), ("Duration", "p99", "p")] {
                    queries.push(MetricQuery {
                        id: format!("{which}{tag}_{}", id.to_ascii_lowercase()),
                        namespace: "AWS/Lambda".into(),
                        name: metric.into(),
                        dimensions: dims.clone(),
                        stat: stat.into(),
                    });
                }
            }
        }
        if queries.is_empty() {
            return Ok((Traffic::default(), Traffic::default()));
        }
        let period_ms = (end_ms.saturating_sub(start_ms)).max(u64::from(self.setup.min_period_s) * 1000);
        let period_s =
            period_ms.div_ceil(1000).div_ceil(u64::from(self.setup.min_period_s.max(1))) * u64::from(self.setup.min_period_s.max(1));
        let step = u32::try_from(period_s * 1000).unwrap_or(u32::MAX);
        let series = self.metrics.fetch(region, &queries, start_ms, end_ms, step).map_err(plugin_error)?;
        let total = |which: &str| {
            let mut total = Traffic::default();
            for id in deployed.functions.keys() {
                let get = |tag: &str| series.iter().find(|s| s.id == format!("{which}{tag}_{}", id.to_ascii_lowercase()));
                let sum = |tag: &str| get(tag).map(|s| s.values.iter().sum::<f64>()).unwrap_or(0.0);
                let p99 = get("p").and_then(|s| s.values.iter().copied().fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v)))));
                total = total.and(Traffic { invocations: sum("n").max(0.0) as u64, errors: sum("e").max(0.0) as u64, p99_ms: p99 });
            }
            total
        };
        Ok((total("new"), total("old")))
    }

    /// The gates on SLOs `slos` in `region` over the bake from `start_ms` to
    /// `end_ms` (wall). Every SLO they need (a composite's parts among them)
    /// is read once: per timeslice (on the wall clock, at least CloudWatch's
    /// finest period) when it is counted by timeslices, else over the whole
    /// bake; one `GetMetricData` per distinct period, so a gate costs the
    /// metrics backend one call however many SLOs it holds; the points
    /// are moved to the SLO's time (the bake ends now; earlier points are
    /// `time_scale` times further back) and judged by the core.
    fn slo_gates(
        &mut self,
        region: &str,
        slos: &[String],
        start_ms: u64,
        end_ms: u64,
        window: Duration,
    ) -> Result<Vec<(Verdict, Measurement)>, WorldError> {
        let scale = u64::from(self.setup.time_scale.max(1));
        let specs = self.setup.gates.slo_specs.clone();
        let deployed = self.memory.regions.get(region).cloned().unwrap_or_default();
        let min_ms = u64::from(self.setup.min_period_s.max(1)) * 1000;
        // Every SLO read, once, grouped by the step it is read at.
        let mut by_step: BTreeMap<u64, Vec<(String, Read)>> = BTreeMap::new();
        // An SLO counted by timeslices is read per slice; one counted by occurrences needs no
        // finer period than the bake (its attainment is a sum), which spares the backend a scan per period.
        let bake_ms = (end_ms - start_ms.min(end_ms)).div_ceil(min_ms).max(1) * min_ms;
        for slo in slos {
            for (part, read) in reads(&specs, slo) {
                let step_ms = match specs.get(part) {
                    Some(s) if lift_core::slo::sliced(s) => (s.timeslice.as_millis() / scale).div_ceil(min_ms).max(1) * min_ms,
                    _ => bake_ms,
                };
                let group = by_step.entry(step_ms).or_default();
                if !group.iter().any(|(p, _)| p == part) {
                    group.push((part.to_owned(), read));
                }
            }
        }
        let mut readings: Vec<(String, Read, Vec<Reading>)> = vec![];
        for (step_ms, group) in by_step {
            let mut queries: Vec<MetricQuery> = vec![];
            let mut push = |id: String, name: &str, dims: &[(String, String)], stat: String| {
                if !queries.iter().any(|q| q.id == id) {
                    queries.push(MetricQuery { id, namespace: "AWS/Lambda".into(), name: name.into(), dimensions: dims.to_vec(), stat });
                }
            };
            for (id, v) in &deployed.functions {
                let fid = id.to_ascii_lowercase();
                let (all, new) = (lambda_dims(&v.physical, None), lambda_dims(&v.physical, Some(&v.new)));
                for (k, (_, read)) in group.iter().enumerate() {
                    let (tag, dims) = if read.all_versions() { ("all", &all) } else { ("new", &new) };
                    push(format!("n{tag}_{fid}"), "Invocations", dims, "Sum".into());
                    if let Some((metric, stat)) = read.lambda_metric() {
                        push(format!("v{k}_{fid}"), metric, dims, stat);
                    }
                }
            }
            if queries.is_empty() {
                continue;
            }
            let start = end_ms.saturating_sub((end_ms - start_ms.min(end_ms)).div_ceil(step_ms) * step_ms);
            let series =
                self.metrics.fetch(region, &queries, start, end_ms, u32::try_from(step_ms).unwrap_or(u32::MAX)).map_err(plugin_error)?;
            let points = |id: &str| crate::plugin::points(&series, id);
            for (k, (part, read)) in group.into_iter().enumerate() {
                let mut got = vec![];
                for id in deployed.functions.keys() {
                    let fid = id.to_ascii_lowercase();
                    let values = points(&format!("v{k}_{fid}"));
                    let tag = if read.all_versions() { "all" } else { "new" };
                    for (ts, n) in points(&format!("n{tag}_{fid}")) {
                        let value = if read.lambda_metric().is_some() { values.get(&ts).copied() } else { None };
                        got.push(Reading { at_ms: end_ms.saturating_sub(end_ms.saturating_sub(ts) * scale), invocations: n, value });
                    }
                }
                readings.push((part, read, got));
            }
        }
        let samples: Vec<Sample<'_>> = readings.iter().flat_map(|(part, read, got)| read.samples(part, got)).collect();
        Ok(slos.iter().map(|slo| judge_slo(&specs, slo, &samples, end_ms, region, window)).collect())
    }

    fn gate(&mut self, step: usize, regions: &[String]) -> Result<Event, WorldError> {
        let Some(s) = self.plan.steps.get(step).cloned() else {
            return Err(WorldError::Fatal(format!("the plan has no step {}", step + 1)));
        };
        let window_ms = (s.duration.as_millis() / u64::from(self.setup.time_scale.max(1))).max(1000);
        let end_ms = super::wall::wall_now_ms();
        let start_ms = end_ms.saturating_sub(window_ms);
        let window = s.duration;
        let mut measurements: Vec<Measurement> = vec![];
        let mut verdict = Verdict::Pass;
        let worse = |a: Verdict, b: Verdict| {
            let rank = |v: Verdict| match v {
                Verdict::Pass => 0,
                Verdict::NoData => 1,
                Verdict::Inconclusive => 2,
                Verdict::Error => 3,
                Verdict::Fail => 4,
            };
            if rank(b) > rank(a) { b } else { a }
        };
        let hooks: Vec<(String, &str)> = s
            .checks
            .iter()
            .filter_map(|c| c.strip_prefix("hook "))
            .map(|c| (c.to_owned(), if c.ends_with("(pre-traffic)") { "pre-traffic" } else { "post-traffic" }))
            .collect();
        let metric_checks = s.checks.iter().any(|c| c.starts_with("error rate") || c.starts_with("p99") || c.starts_with("slo "));
        if metric_checks {
            let mut observed = vec![];
            for region in regions {
                let (new, previous) = self.traffic(region, start_ms, end_ms)?;
                observed.push(Observed { scope: region.clone(), new, previous: (previous.invocations > 0).then_some(previous) });
            }
            let (v, e) = judge(&self.setup.gates.thresholds, &observed, window);
            verdict = worse(verdict, v);
            measurements.extend(e.measurements);
            let slos = self.setup.gates.slos.clone();
            for region in regions {
                for (v, m) in self.slo_gates(region, &slos, start_ms, end_ms, window)? {
                    verdict = worse(verdict, v);
                    measurements.push(m);
                }
            }
            for (slo, why) in self.setup.gates.unjudged_slos.clone() {
                verdict = worse(verdict, Verdict::Error);
                measurements.push(Measurement::new(format!("slo {slo}: {why}"), None, None, Comparison::AtLeast, ""));
            }
        }
        for path in self.setup.gates.probes.clone() {
            for region in regions {
                let endpoint = self.region_setup(region)?.endpoint;
                let (Some(endpoint), Some(prober)) = (endpoint, self.prober.as_mut()) else {
                    verdict = worse(verdict, Verdict::Error);
                    measurements.push(
                        Measurement::new(format!("probe {path}: no endpoint or prober"), None, None, Comparison::AtLeast, "")
                            .scoped(region),
                    );
                    continue;
                };
                let url = format!("{}{}", endpoint.trim_end_matches('/'), path);
                let health = prober
                    .probe(&Target { url: url.clone(), expect_status: None, body_contains: None, timeout_ms: 5000 })
                    .map_err(plugin_error)?;
                let m =
                    Measurement::new(format!("probe {url}"), Some(if health.ok { 1.0 } else { 0.0 }), Some(1.0), Comparison::AtLeast, "")
                        .scoped(region);
                verdict = worse(verdict, if health.ok { Verdict::Pass } else { Verdict::Fail });
                measurements.push(m);
            }
        }
        for (hook, when) in hooks {
            let name = hook.split_whitespace().next().unwrap_or_default().trim_start_matches("functions.").to_owned();
            let Some(f) = self.setup.functions.iter().find(|f| f.name == name).cloned() else {
                verdict = worse(verdict, Verdict::Error);
                measurements.push(Measurement::new(format!("hook {name}: no such function"), None, None, Comparison::AtLeast, ""));
                continue;
            };
            for region in regions {
                let Some(v) = self.memory.regions.get(region).and_then(|d| d.functions.get(&f.id)).cloned() else { continue };
                let payload = serde_json::json!({
                    "lift": { "app": self.setup.app, "version": self.setup.version, "region": region, "step": step + 1, "when": when }
                })
                .to_string();
                // A hook runs the new version, whatever the alias serves yet (Lambda takes a version as qualifier).
                let alias = Alias { function: v.physical.clone(), name: v.new.clone(), region: region.clone() };
                let answer = self.deployer.invoke(&alias, &payload).map_err(plugin_error)?;
                let ok = !answer.failed;
                verdict = worse(verdict, if ok { Verdict::Pass } else { Verdict::Fail });
                let said: String = answer.payload.chars().take(200).collect();
                measurements.push(
                    Measurement::new(
                        format!("hook {name} ({when}) ran version {}: {said}", answer.executed_version),
                        Some(if ok { 1.0 } else { 0.0 }),
                        Some(1.0),
                        Comparison::AtLeast,
                        "",
                    )
                    .scoped(region),
                );
            }
        }
        // Nothing to measure may mean nothing is there any more: say so, rather than wait for data that cannot come.
        if matches!(verdict, Verdict::NoData | Verdict::Error) {
            for region in regions {
                if let Some(why) = self.gone(region)? {
                    return Err(WorldError::Fatal(why));
                }
            }
        }
        let evidence = if measurements.is_empty() { Evidence::said("nothing to check at this step") } else { Evidence::of(measurements) };
        Ok(Event::Gate { step, verdict, evidence })
    }

    /// The template and parameters each promoted region is left with, for the next release to roll back to.
    pub fn record_promotion(&self) -> std::io::Result<()> {
        for (region, setup) in &self.setup.regions {
            let mut parameters = setup.parameters.clone();
            if let Some(d) = self.memory.regions.get(region) {
                for (id, v) in &d.functions {
                    parameters.push((format!("{id}LiveVersion"), v.new.clone()));
                }
            }
            write_atomic(&self.applied_dir.join(format!("{region}.json")), &Applied { template: setup.template.clone(), parameters })?;
        }
        Ok(())
    }
}

impl World for CloudWorld {
    fn carry_out(&mut self, action: &Action, _id: &str, _now: Timestamp) -> Result<Option<Event>, WorldError> {
        // Each act is idempotent by what it sets: applying the same template,
        // routing an alias to the route it has, reading metrics; so the ID a
        // resumed rollout carries out again under needs no further use here.
        match action {
            Action::Deploy { region } => self.deploy(region).map(Some),
            Action::SetWeight { region, weight_ppm } => {
                if let Err(e) = self.route(region, *weight_ppm) {
                    return Err(self.or_gone(region, e));
                }
                Ok(Some(Event::WeightSet { region: region.clone(), weight_ppm: *weight_ppm }))
            }
            Action::RunGate { step, regions } => self.gate(*step, regions).map(Some),
            // `--approve` answers the plan's approval gates; a doubt a gate policy escalates
            // (no data, broken measurements) still waits for a person.
            Action::AskApproval { planned, .. } => Ok((self.setup.approve && *planned).then_some(Event::Approve)),
            Action::RollBack { region } => self.roll_back(region).map(Some),
            Action::Finish { .. } => Ok(None),
        }
    }
}

impl Gates {
    /// The gates of a spec's `rollout`, typed for the world.
    pub fn from_spec(spec: &lift_core::spec::Spec) -> Gates {
        use lift_core::spec::{Gate, HookWhen};
        let mut g = Gates::default();
        for gate in &spec.rollout.gates {
            match gate {
                Gate::ErrorRate(e) => g.thresholds.error_rate = Some(f64::from(e.error_rate.ppm()) / 1e6),
                Gate::Latency(l) => g.thresholds.latency_p99_ms = Some(l.latency_p99.as_millis() as f64),
                Gate::Slo(s) => match spec.slos.get(&s.slo) {
                    Some(slo) => {
                        g.slos.push(s.slo.clone());
                        for name in std::iter::once(&s.slo).chain(slo.composite.keys()) {
                            if let Some(def) = spec.slos.get(name) {
                                g.slo_specs.insert(name.clone(), def.clone());
                            }
                        }
                    }
                    None => g.unjudged_slos.push((s.slo.clone(), "the spec has no such SLO".into())),
                },
                Gate::Probe(p) => g.probes.push(p.probe.clone()),
                Gate::Hook(h) => {
                    let name = h.hook.target().map(|t| t.name.clone()).unwrap_or_else(|_| h.hook.to_string());
                    match h.when {
                        HookWhen::PreTraffic => g.pre_traffic.push(name),
                        HookWhen::PostTraffic => g.post_traffic.push(name),
                    }
                }
                Gate::Approval(_) => {}
            }
        }
        g
    }
}

/// Lambda's dimensions of a function's `live` alias: every version it ran, or only `version`.
fn lambda_dims(physical: &str, version: Option<&str>) -> Vec<(String, String)> {
    let mut dims = vec![("FunctionName".to_string(), physical.to_owned()), ("Resource".to_string(), format!("{physical}:{LIVE}"))];
    if let Some(v) = version {
        dims.push(("ExecutedVersion".to_string(), v.to_owned()));
    }
    dims
}

/// The functions of a spec, with the logical IDs the templates give them.
pub fn functions(spec: &lift_core::spec::Spec) -> Vec<Function> {
    spec.functions.keys().map(|name| Function { name: name.clone(), id: lift_core::graph::build::function_id(name) }).collect()
}
