//! The app spec as Rust types. Serde reads them; schemars derives the JSON
//! Schema from them, so the schema can never drift from what Lift accepts.
//!
//! Every default lives in this file, as a `serde(default = ...)` that the
//! schema also shows, so editors, `lift resolve` and the generated templates
//! all show the same values.

use super::units::{Cidr, Duration, MemorySize, Percent, SloWindow};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A Lift app: functions, an HTTP API, tables, queues, topics and a network,
/// deployed to a primary region and any number of standby regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The app's name: lowercase letters, digits and `-`, starting with a letter, at most 32 characters.
    pub app: String,
    /// The app's version, stamped on tags and on each function version.
    #[serde(default = "default_version")]
    pub version: String,
    /// A one-line description, copied into every template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the app runs.
    pub regions: Regions,
    /// Tags added to every resource that takes tags, after `app`, `version` and `region`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Lambda functions, by name.
    #[serde(default)]
    pub functions: BTreeMap<String, Function>,
    /// One HTTP API in front of the functions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<Http>,
    /// DynamoDB tables, by name.
    #[serde(default)]
    pub tables: BTreeMap<String, Table>,
    /// SQS queues, by name.
    #[serde(default)]
    pub queues: BTreeMap<String, Queue>,
    /// SNS topics, by name.
    #[serde(default)]
    pub topics: BTreeMap<String, Topic>,
    /// Secrets the functions read at run time, by name: where each is kept
    /// (never its value). `access: { secrets.NAME: read }` grants exactly it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, Secret>,
    /// The network the functions with `vpc: true` run in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// How a new version is rolled out across regions.
    #[serde(default)]
    pub rollout: Rollout,
    /// Service level objectives, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub slos: BTreeMap<String, Slo>,
    /// How the app survives losing a region: detection, failover and failback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<Recovery>,
    /// Where notices go: alerts, escalations, rollouts and failovers, to people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<Notify>,
    /// The customer-managed KMS key, by ARN, that encrypts every log group,
    /// table, queue, topic and function environment naming none of its own
    /// (`{region}` in it stands for each region). Its key policy must let
    /// those services use it. Without one, each service's own or AWS-managed key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    /// Code signing: Lambda accepts only code signed by these AWS Signer profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_signing: Option<CodeSigning>,
}

/// Which signatures a function's code must carry before Lambda runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeSigning {
    /// AWS Signer signing profile version ARNs (`{region}` stands for each region).
    pub profiles: Vec<String>,
    /// What Lambda does with code that fails the check: refuse it (`enforce`) or log it (`warn`).
    #[serde(default)]
    pub on_invalid: OnInvalidSignature,
}

/// Lambda's answer to code whose signature does not check out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnInvalidSignature {
    /// The deployment fails.
    #[default]
    Enforce,
    /// The deployment goes on and CloudWatch logs the failure.
    Warn,
}

/// Where notices go: named channels, and routes that pick channels by kind and severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// Channels by name.
    #[serde(default)]
    pub channels: BTreeMap<String, Channel>,
    /// Each notice goes to the channels of every route it matches, once each.
    #[serde(default)]
    pub routes: Vec<NotifyRoute>,
    /// A paging SLO alert nobody acknowledged (`lift ack`) pages these
    /// channels in turn, each once its delay after the alert fired has passed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalation: Vec<EscalationStep>,
}

/// One step of the escalation: a channel, and how long after the alert fired it is paged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// The channel.
    pub to: String,
    /// The delay after the alert fired. At most `1d`.
    pub after: Duration,
}

/// One place notices are delivered, through a notifier plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// The payload's shape: a generic JSON webhook, Slack's incoming webhook,
    /// PagerDuty's Events API v2, Opsgenie's Alert API.
    #[serde(default)]
    pub format: ChannelFormat,
    /// Where to send (a generic or Slack webhook; PagerDuty and Opsgenie have their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The environment variable that holds the URL, read when sending (a Slack
    /// webhook URL is a secret: keep it out of the spec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_env: Option<String>,
    /// The environment variable that holds PagerDuty's routing key or Opsgenie's API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    /// A notifier plugin of your own (its manifest); default: the shipped `webhook`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
}

/// A channel's payload shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelFormat {
    /// The notice as JSON.
    #[default]
    Generic,
    /// Slack's incoming-webhook message.
    Slack,
    /// PagerDuty's Events API v2 (trigger, acknowledge, resolve by dedup key).
    Pagerduty,
    /// Opsgenie's Alert API (create, acknowledge, close by alias).
    Opsgenie,
}

/// Which notices go to which channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifyRoute {
    /// The channels.
    pub to: Vec<String>,
    /// The kinds it takes; none: every kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<crate::notify::Kind>,
    /// The severities it takes; none: every severity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severities: Vec<crate::notify::Severity>,
}

/// How the app survives losing a region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    /// The disaster-recovery strategy: it decides the failover runbook's steps.
    #[serde(default)]
    pub mode: RecoveryMode,
    /// Recovery time objective: from the first failed probe to traffic served again. At most `1d`.
    #[serde(default = "default_rto")]
    pub rto: Duration,
    /// Recovery point objective: the most recent writes that may be lost. At most `1d`.
    #[serde(default = "default_rpo")]
    pub rpo: Duration,
    /// How regions are probed.
    #[serde(default)]
    pub probe: ProbeSpec,
    /// How long the primary must stay healthy before traffic moves back to it. At most `1d`.
    #[serde(default = "default_failback")]
    pub failback_after: Duration,
    /// Whether a failover may happen while a rollout is mid-step (the rollout then halts).
    #[serde(default)]
    pub during_rollout: DuringRollout,
    /// SLOs whose page in the serving region counts as that region failing,
    /// as a probe quorum would (a region can answer probes and still fail its users).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fail_on_slo: Vec<String>,
    /// The DNS name clients use: Route 53 failover records (weighted for
    /// active-active) with a health check per region send it where traffic should go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<Dns>,
    /// Pilot light: the reserved concurrency each function of a standby keeps
    /// while it does not serve (enough for probes, not for customers); the
    /// watcher sets it, and lifts it to the function's own when it fails over.
    /// Default 2; only with `mode: pilot-light`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pilot_concurrency: Option<u32>,
}

impl Recovery {
    /// The pilot light's reserved concurrency, when the mode keeps one.
    pub fn pilot(&self) -> Option<u32> {
        (self.mode == RecoveryMode::PilotLight).then(|| self.pilot_concurrency.unwrap_or(2))
    }
}

/// A name in a Route 53 hosted zone, served by each region's HTTP API through a custom domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dns {
    /// The hosted zone's ID (`Z0123456789ABCDEFGHIJ`).
    pub zone_id: String,
    /// The name, such as `api.shop.example.com`.
    pub name: String,
}

fn default_rto() -> Duration {
    Duration::from_secs(15 * 60)
}
fn default_rpo() -> Duration {
    Duration::from_secs(60)
}
fn default_failback() -> Duration {
    Duration::from_secs(30 * 60)
}

/// Disaster-recovery strategies, from slowest and cheapest to fastest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveryMode {
    /// Data is restored from backups and the stack deployed in the standby when needed.
    BackupRestore,
    /// Data replicates; the standby's compute is scaled up when needed.
    PilotLight,
    /// Data replicates and a scaled-down copy already runs.
    #[default]
    WarmStandby,
    /// Every region serves; a failed one is taken out of rotation.
    ActiveActive,
}

/// What a failover does while a rollout is mid-step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DuringRollout {
    /// Wait for the rollout to finish its step, then fail over.
    #[default]
    Wait,
    /// Halt the rollout and fail over at once.
    HaltRollout,
}

/// Health probes of each region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    /// The path probed on each region's HTTP API.
    #[serde(default = "default_probe_path")]
    pub path: String,
    /// Time between probes from one vantage point. At most `1d`.
    #[serde(default = "default_probe_interval")]
    pub interval: Duration,
    /// A probe slower than this fails. At most `1d`.
    #[serde(default = "default_probe_timeout")]
    pub timeout: Duration,
    /// Consecutive failures before a vantage point sees a region down.
    #[serde(default = "default_probe_failures")]
    pub failures: u32,
    /// Consecutive successes before it sees the region up again.
    #[serde(default = "default_probe_successes")]
    pub successes: u32,
    /// How many vantage points must agree, of how many: `2/3`.
    #[serde(default = "default_quorum")]
    pub quorum: super::units::Quorum,
    /// A probe slower than this counts as a failure too, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow: Option<Duration>,
}

impl Default for ProbeSpec {
    fn default() -> Self {
        ProbeSpec {
            path: default_probe_path(),
            interval: default_probe_interval(),
            timeout: default_probe_timeout(),
            failures: default_probe_failures(),
            successes: default_probe_successes(),
            quorum: default_quorum(),
            slow: None,
        }
    }
}

fn default_probe_path() -> String {
    "/health".into()
}
fn default_probe_interval() -> Duration {
    Duration::from_secs(1)
}
fn default_probe_timeout() -> Duration {
    Duration::from_secs(2)
}
fn default_probe_failures() -> u32 {
    3
}
fn default_probe_successes() -> u32 {
    5
}
fn default_quorum() -> super::units::Quorum {
    super::units::Quorum { agreeing: 2, of: 3 }
}

/// A service level objective: the share of good events to keep over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// The share of events that must be good, held exactly (`99.9%`).
    pub objective: Percent,
    /// What the objective is measured over: a rolling window (`30d`, the
    /// default) or a calendar period (`week`, `month`, `quarter`) whose
    /// budget starts afresh at each period's start. At most `366d`.
    #[serde(default)]
    pub window: SloWindow,
    /// The IANA time zone calendar periods start in (`Europe/Berlin`); UTC when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// For a throughput SLO: a timeslice is good when at least this many
    /// events arrive in it (a slice with none is bad). Needs `budgeting: timeslices`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_throughput: Option<u64>,
    /// A composite SLO: other SLOs of the spec and their weights. Its error
    /// ratio is the weighted mean of theirs (each over its own traffic), so a
    /// busy component cannot drown a quiet one; components with no events
    /// are left out of the mean.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub composite: BTreeMap<String, u32>,
    /// Planned maintenance: events in these intervals are left out of the
    /// budget, the alerts and the report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintenance: Vec<Maintenance>,
    /// For a latency SLO: a request is good when it is at most this slow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Duration>,
    /// For a latency SLO judged per timeslice: a slice is good when this
    /// percentile of its latencies (`99%` for p99) is at most `threshold`.
    /// Needs `budgeting: timeslices`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentile: Option<Percent>,
    /// Fewest events in an alert's long window before it may page (one
    /// failure among ten requests is not an outage).
    #[serde(default = "default_min_events")]
    pub min_events: u64,
    /// PromQL for the exported rules; `{{window}}` stands for the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<PromQueries>,
    /// How attainment is counted: good events over all (`occurrences`), good
    /// timeslices over all (`timeslices`), or the mean of the slices' ratios (`ratio-timeslices`).
    #[serde(default)]
    pub budgeting: Budgeting,
    /// The width of a timeslice, a whole number of minutes up to 1h.
    #[serde(default = "default_timeslice")]
    pub timeslice: Duration,
    /// For `timeslices`: a slice is good when this share of its events is; default the objective.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeslice_target: Option<Percent>,
}

fn default_timeslice() -> Duration {
    Duration::from_secs(60)
}

/// OpenSLO's budgeting methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Budgeting {
    /// Good events over all events.
    #[default]
    Occurrences,
    /// Good timeslices over all timeslices with events.
    Timeslices,
    /// The mean of each timeslice's share of good events.
    RatioTimeslices,
}

/// The PromQL rates of bad and of all events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromQueries {
    /// Rate of bad events, such as `sum(rate(http_requests_total{code=~"5.."}[{{window}}]))`.
    pub errors: String,
    /// Rate of all events.
    pub total: String,
}

/// A planned maintenance interval, excluded from an SLO's budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    /// Start, an RFC 3339 time such as `2026-11-03T02:00:00Z`.
    pub from: String,
    /// End (exclusive), an RFC 3339 time.
    pub to: String,
    /// Why, for the report.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}
fn default_min_events() -> u64 {
    100
}

fn default_version() -> String {
    "0.1.0".into()
}

/// The regions an app is deployed to. Each gets its own template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Regions {
    /// The region that serves traffic and owns global resources (such as global tables).
    pub primary: String,
    /// Regions that hold a copy of the app, ready to take over.
    #[serde(default)]
    pub standby: Vec<String>,
}

/// A Lambda function. It gets a version, a `live` alias, a log group, an
/// execution role with exactly the access declared here, and alarms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Function {
    /// The Lambda runtime.
    pub runtime: Runtime,
    /// The entry point, such as `app.handler`.
    pub handler: String,
    /// Where the code is: a local directory (uploaded by the deployer) or an S3 object.
    pub code: FunctionCode,
    /// Memory, from 128MB to 10GB.
    #[serde(default = "default_memory")]
    pub memory: MemorySize,
    /// How long one invocation may run, at most 15m.
    #[serde(default = "default_timeout")]
    pub timeout: Duration,
    /// The processor architecture; arm64 costs less for the same work.
    #[serde(default)]
    pub architecture: Architecture,
    /// Environment variables. Values may hold references such as `${tables.orders.name}`.
    #[serde(default)]
    pub environment: BTreeMap<String, super::refs::Interpolated>,
    /// What the function may touch, such as `tables.orders: read-write`. Nothing else is allowed.
    #[serde(default)]
    pub access: BTreeMap<super::refs::Reference, Access>,
    /// Queues, topics, schedules and event patterns that invoke the function.
    #[serde(default)]
    pub triggers: Vec<Trigger>,
    /// Run inside the app's VPC (needs `network.vpc`).
    #[serde(default)]
    pub vpc: bool,
    /// How long its logs are kept.
    #[serde(default = "default_log_retention")]
    pub log_retention: Duration,
    /// X-Ray tracing.
    #[serde(default)]
    pub tracing: Tracing,
    /// Concurrency reserved for this function; none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<u32>,
    /// Where asynchronous invocations (topic, schedule and event-pattern
    /// triggers) that failed every retry go: a queue of this spec. A function
    /// with such triggers and none named gets a queue of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<String>,
    /// The customer-managed KMS key (ARN) for its environment and log group; default: the app's `kms_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    /// Alarm thresholds on the function's metrics.
    #[serde(default)]
    pub alarms: Alarms,
}

fn default_memory() -> MemorySize {
    MemorySize::from_mb(256)
}
fn default_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_log_retention() -> Duration {
    Duration::from_secs(30 * 86_400)
}

/// Lambda runtimes Lift knows (the ones AWS has not deprecated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Runtime {
    /// Python 3.11.
    #[serde(rename = "python3.11")]
    Python311,
    /// Python 3.12.
    #[serde(rename = "python3.12")]
    Python312,
    /// Python 3.13.
    #[serde(rename = "python3.13")]
    Python313,
    /// Node.js 20.
    #[serde(rename = "nodejs20.x")]
    Nodejs20,
    /// Node.js 22.
    #[serde(rename = "nodejs22.x")]
    Nodejs22,
    /// Java 21.
    #[serde(rename = "java21")]
    Java21,
    /// .NET 8.
    #[serde(rename = "dotnet8")]
    Dotnet8,
    /// Ruby 3.3.
    #[serde(rename = "ruby3.3")]
    Ruby33,
    /// A custom runtime (Rust, Go, ...) on Amazon Linux 2023.
    #[serde(rename = "provided.al2023")]
    ProvidedAl2023,
}

impl Runtime {
    /// The name AWS uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Python311 => "python3.11",
            Runtime::Python312 => "python3.12",
            Runtime::Python313 => "python3.13",
            Runtime::Nodejs20 => "nodejs20.x",
            Runtime::Nodejs22 => "nodejs22.x",
            Runtime::Java21 => "java21",
            Runtime::Dotnet8 => "dotnet8",
            Runtime::Ruby33 => "ruby3.3",
            Runtime::ProvidedAl2023 => "provided.al2023",
        }
    }
}

/// Where a function's code comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FunctionCode {
    /// A local directory; the deployer zips and uploads it and passes the key as a template parameter.
    Path(String),
    /// An object already in S3.
    S3(S3Code),
}

/// An S3 object holding a function's zip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Code {
    /// The bucket, in the region deployed to; `{region}` in the name is replaced by that region.
    pub bucket: String,
    /// The object key.
    pub key: String,
}

/// Processor architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// AWS Graviton.
    #[default]
    Arm64,
    /// Intel or AMD.
    X86_64,
}

/// X-Ray tracing mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tracing {
    /// Trace requests (and allow the function to send traces).
    #[default]
    Active,
    /// Only pass through tracing headers.
    PassThrough,
}

/// A level of access to one resource. Each maps to named IAM actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Read items (tables), or receive messages (queues).
    Read,
    /// Write items (tables).
    Write,
    /// Read and write items (tables).
    ReadWrite,
    /// Send messages (queues).
    Send,
    /// Receive and delete messages (queues).
    Consume,
    /// Publish messages (topics).
    Publish,
    /// Invoke (functions).
    Invoke,
}

impl Access {
    /// The spelling used in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::ReadWrite => "read-write",
            Access::Send => "send",
            Access::Consume => "consume",
            Access::Publish => "publish",
            Access::Invoke => "invoke",
        }
    }
}

/// Something that invokes a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Trigger {
    /// Messages from an SQS queue of this app.
    Queue(QueueTrigger),
    /// Messages published to an SNS topic of this app.
    Topic(TopicTrigger),
    /// An EventBridge schedule.
    Schedule(ScheduleTrigger),
    /// EventBridge events matching a pattern on the default bus.
    Events(EventsTrigger),
}

impl Trigger {
    /// Whether it invokes the function asynchronously (Lambda retries, then
    /// gives up on the event): topics, schedules and event patterns. A queue
    /// is polled, and a failed batch stays in the queue.
    pub fn is_async(&self) -> bool {
        !matches!(self, Trigger::Queue(_))
    }
}

/// Invoke with batches of messages from a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueTrigger {
    /// The queue's name in this spec.
    pub queue: String,
    /// Messages per batch, 1 to 10,000.
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
}

fn default_batch_size() -> u32 {
    10
}

/// Invoke for each message published to a topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicTrigger {
    /// The topic's name in this spec.
    pub topic: String,
}

/// Invoke on a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleTrigger {
    /// `rate(5 minutes)` or `cron(0 12 * * ? *)`.
    pub schedule: String,
}

/// Invoke for EventBridge events that match a pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsTrigger {
    /// An EventBridge event pattern.
    pub pattern: BTreeMap<String, serde_json::Value>,
}

/// Alarm thresholds for one function, over one-minute periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alarms {
    /// Alarm when errors in a minute reach this count.
    #[serde(default = "one")]
    pub errors: u32,
    /// Alarm when throttles in a minute reach this count.
    #[serde(default = "one")]
    pub throttles: u32,
}

impl Default for Alarms {
    fn default() -> Self {
        Alarms { errors: 1, throttles: 1 }
    }
}

fn one() -> u32 {
    1
}

/// An HTTP API (API Gateway v2) routing requests to functions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Http {
    /// Who may call the API. `iam` needs signed requests; `none` makes the API public.
    #[serde(default)]
    pub auth: Auth,
    /// Routes such as `GET /orders/{id}`, each to a function of this spec.
    pub routes: BTreeMap<String, String>,
    /// Cross-origin access for browsers; none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    /// Request rate limits for the whole stage.
    #[serde(default)]
    pub throttle: Throttle,
    /// How long access logs are kept.
    #[serde(default = "default_log_retention")]
    pub log_retention: Duration,
}

/// Route authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// SigV4-signed requests (IAM).
    #[default]
    Iam,
    /// No authorization: anyone on the internet can call the API.
    None,
}

/// CORS settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    /// Allowed origins, such as `https://shop.example.com`.
    pub origins: Vec<String>,
    /// Allowed methods.
    #[serde(default = "default_cors_methods")]
    pub methods: Vec<String>,
    /// Allowed request headers.
    #[serde(default)]
    pub headers: Vec<String>,
}

fn default_cors_methods() -> Vec<String> {
    vec!["GET".into(), "POST".into()]
}

/// Stage-wide throttling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Throttle {
    /// Steady requests per second.
    #[serde(default = "default_rate")]
    pub rate: u32,
    /// Burst size.
    #[serde(default = "default_burst")]
    pub burst: u32,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle { rate: default_rate(), burst: default_burst() }
    }
}

fn default_rate() -> u32 {
    100
}
fn default_burst() -> u32 {
    200
}

/// A DynamoDB table: on-demand, encrypted, with point-in-time recovery, kept on delete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// The partition (hash) key.
    pub partition_key: Key,
    /// The sort (range) key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_key: Option<Key>,
    /// Global secondary indexes, by name.
    #[serde(default)]
    pub indexes: BTreeMap<String, Index>,
    /// A change stream; global tables always get `new-and-old-images`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamView>,
    /// The attribute holding each item's expiry time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// Which regions hold a replica: `all-regions` makes a global table.
    #[serde(default)]
    pub replicas: Replicas,
    /// Point-in-time recovery (35 days of restores).
    #[serde(default = "yes")]
    pub point_in_time_recovery: bool,
    /// What happens to the data when the resource is deleted or replaced.
    #[serde(default)]
    pub on_delete: OnDelete,
    /// The customer-managed KMS key (ARN) for the table and its replicas; default: the app's `kms_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

fn yes() -> bool {
    true
}

/// A key attribute: a name (a string attribute), or a name and a type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Key {
    /// A string attribute of this name.
    Name(String),
    /// A named attribute with a type.
    Typed(TypedKey),
}

impl Key {
    /// The attribute name.
    pub fn name(&self) -> &str {
        match self {
            Key::Name(n) => n,
            Key::Typed(t) => &t.name,
        }
    }
    /// The attribute type.
    pub fn kind(&self) -> KeyType {
        match self {
            Key::Name(_) => KeyType::String,
            Key::Typed(t) => t.r#type,
        }
    }
}

/// A key attribute with an explicit type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TypedKey {
    /// Attribute name.
    pub name: String,
    /// Attribute type.
    pub r#type: KeyType,
}

/// DynamoDB key attribute types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    /// `S`.
    String,
    /// `N`.
    Number,
    /// `B`.
    Binary,
}

impl KeyType {
    /// The DynamoDB letter.
    pub fn letter(self) -> &'static str {
        match self {
            KeyType::String => "S",
            KeyType::Number => "N",
            KeyType::Binary => "B",
        }
    }
}

/// A global secondary index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// The index's partition key.
    pub partition_key: Key,
    /// The index's sort key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_key: Option<Key>,
    /// Which attributes the index copies.
    #[serde(default)]
    pub projection: Projection,
}

/// GSI projection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Projection {
    /// Every attribute.
    #[default]
    All,
    /// Only the keys.
    KeysOnly,
}

/// What a table stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StreamView {
    /// Only the keys.
    KeysOnly,
    /// The item after the change.
    NewImage,
    /// The item before the change.
    OldImage,
    /// Both.
    NewAndOldImages,
}

impl StreamView {
    /// The DynamoDB name.
    pub fn aws(self) -> &'static str {
        match self {
            StreamView::KeysOnly => "KEYS_ONLY",
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }
}

/// Where a table has replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Replicas {
    /// A global table with a replica in every region of the app, created by the primary's template.
    #[default]
    AllRegions,
    /// A separate, independent table in each region.
    PerRegion,
    /// One table, in the primary region only.
    PrimaryOnly,
}

/// Deletion and replacement policy for stateful resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnDelete {
    /// Keep the data.
    #[default]
    Retain,
    /// Delete the data too.
    Delete,
}

/// An SQS queue, encrypted with SQS-managed keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    /// How long a received message stays hidden; at least the consumer's timeout.
    #[serde(default = "default_visibility")]
    pub visibility_timeout: Duration,
    /// How long messages are kept, 1m to 14d.
    #[serde(default = "default_queue_retention")]
    pub retention: Duration,
    /// First-in-first-out with exactly-once processing.
    #[serde(default)]
    pub fifo: bool,
    /// Where messages go after failing `max_receives` times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<DeadLetter>,
    /// The customer-managed KMS key (ARN); default: the app's `kms_key`, else SQS-managed encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

fn default_visibility() -> Duration {
    Duration::from_secs(60)
}
fn default_queue_retention() -> Duration {
    Duration::from_secs(4 * 86_400)
}

/// A dead-letter target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadLetter {
    /// Another queue of this spec.
    pub queue: String,
    /// Receives before a message moves there.
    #[serde(default = "default_max_receives")]
    pub max_receives: u32,
}

fn default_max_receives() -> u32 {
    5
}

/// Where a secret is kept: an SSM Parameter Store `SecureString` or a
/// Secrets Manager secret (exactly one).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    /// The parameter's name, such as `/shop/db-password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssm: Option<String>,
    /// The secret's name, such as `shop/db`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secretsmanager: Option<String>,
    /// The key to read in a secret that holds JSON, such as `password`
    /// (for the function's own code: `${secrets.NAME.key}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The customer-managed KMS key that encrypts it, by key ARN: reading
    /// the secret is then granted `kms:Decrypt` on that key too. Without it,
    /// the service's AWS-managed key, which needs no grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

impl Secret {
    /// The parameter's or the secret's name.
    pub fn stored_name(&self) -> String {
        self.ssm.clone().or_else(|| self.secretsmanager.clone()).unwrap_or_default()
    }
}

/// An SNS topic, encrypted with the AWS-managed key.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// A display name for SMS and email subscribers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The customer-managed KMS key (ARN); default: the app's `kms_key`, else the AWS-managed `alias/aws/sns`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

/// Networking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// A VPC with private subnets across availability zones.
    pub vpc: Vpc,
}

/// A VPC for functions. Private subnets only, unless `nat` asks for a way out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    /// The VPC's address range, /16 to /24.
    #[serde(default = "default_cidr")]
    pub cidr: Cidr,
    /// Availability zones to spread subnets over, 2 to 6.
    #[serde(default = "default_zones")]
    pub zones: u8,
    /// Gateway endpoints, so traffic to these services stays off the internet.
    #[serde(default = "default_endpoints")]
    pub endpoints: Vec<Endpoint>,
    /// A NAT gateway per zone for outbound internet access (costs money; off by default).
    #[serde(default)]
    pub nat: bool,
    /// Flow logs of all traffic into a log group, kept as long as this
    /// (CloudWatch charges for what they ingest); `false` turns them off.
    #[serde(default = "default_flow_logs")]
    pub flow_logs: FlowLogs,
}

/// Whether a VPC's flow logs are kept, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FlowLogs {
    /// `false`: none; `true`: kept as long as function logs by default (30 days).
    Enabled(bool),
    /// Kept this long.
    Kept(Duration),
}

impl FlowLogs {
    /// How long the logs are kept, when there are any.
    pub fn retention(self) -> Option<Duration> {
        match self {
            FlowLogs::Kept(d) => Some(d),
            FlowLogs::Enabled(true) => Some(default_log_retention()),
            FlowLogs::Enabled(false) => None,
        }
    }
}

fn default_flow_logs() -> FlowLogs {
    FlowLogs::Kept(default_log_retention())
}

fn default_cidr() -> Cidr {
    Cidr { base: 0x0A00_0000, prefix: 16 }
}
fn default_zones() -> u8 {
    2
}
fn default_endpoints() -> Vec<Endpoint> {
    vec![Endpoint::Dynamodb, Endpoint::S3]
}

/// Services with gateway endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    /// DynamoDB.
    Dynamodb,
    /// S3.
    S3,
}

impl Endpoint {
    /// The service name in an endpoint's service name.
    pub fn service(self) -> &'static str {
        match self {
            Endpoint::Dynamodb => "dynamodb",
            Endpoint::S3 => "s3",
        }
    }
}

/// How a new version reaches every region: a strategy within each region,
/// and waves of regions one after another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    /// `all-at-once`, `rolling`, `blue-green`, `canary` or `linear`, or a
    /// CodeDeploy-style preset such as `canary-10pct-5m` or `linear-10pct-every-1m`.
    #[serde(default = "default_strategy")]
    pub strategy: super::strategy::StrategyName,
    /// Canary steps: traffic weight on the new version and how long to bake at it. At most 100 steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<CanaryStep>,
    /// Linear: traffic added per step, at least `1%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<Percent>,
    /// Linear: time between steps. At most `7d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Rolling: regions of a wave updated at a time.
    #[serde(default = "one")]
    pub batch: u32,
    /// Blue-green and all-at-once: checks at full traffic before the next wave. At most `7d`.
    #[serde(default = "default_bake")]
    pub bake: Duration,
    /// Blue-green: how long the old version stays ready after the switch. At most `7d`.
    #[serde(default = "default_keep_old")]
    pub keep_old: Duration,
    /// Ordered groups of regions; each waits for the one before. Default: the primary, then the standbys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waves: Vec<Vec<String>>,
    /// Pause between the end of one wave and the start of the next. At most `7d`.
    #[serde(default)]
    pub stagger: Duration,
    /// Bake at full traffic at the end of each wave before the next starts. At most `7d`.
    #[serde(default = "default_bake")]
    pub wave_bake: Duration,
    /// What a failure rolls back: the failing wave, or every region touched.
    #[serde(default)]
    pub on_failure: OnFailure,
    /// Time to deploy a version to a region, for the timeline. At most `1d`.
    #[serde(default = "default_deploy_time")]
    pub deploy_time: Duration,
    /// Time to put the previous version back in a region (alias weights flip in seconds). At most `1d`.
    #[serde(default = "default_rollback_time")]
    pub rollback_time: Duration,
    /// Checks read at the end of every step's bake; all must pass to go on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<Gate>,
    /// What a gate with no data decides: `wait` (measure again, then ask a person), `fail`, or `pass`. Never silently pass.
    #[serde(default)]
    pub no_data: NoData,
    /// Failed gate checks in a row before rolling back.
    #[serde(default = "one")]
    pub failure_limit: u32,
    /// Broken measurements in a row before a person is asked.
    #[serde(default = "default_error_limit")]
    pub error_limit: u32,
    /// Who moves the traffic within a region: Lift, or AWS CodeDeploy (the
    /// templates then carry a CodeDeploy application, deployment groups and
    /// the alias's update policy).
    #[serde(default)]
    pub shift: ShiftBy,
    /// A strategy plugin that decides what follows each gate in place of
    /// Lift's policy (the steps still come from `strategy`): a shipped
    /// plugin's name (`business-hours`) or the path of a plugin's manifest
    /// (`plugins/my-strategy.toml`), relative to the spec's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
}

/// Who shifts traffic within a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ShiftBy {
    /// Lift's rollout machine sets the alias weights itself.
    #[default]
    Lift,
    /// CodeDeploy shifts the alias when CloudFormation updates it, and rolls back on the function's alarms.
    Codedeploy,
}

fn default_error_limit() -> u32 {
    4
}

/// A check between rollout steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Gate {
    /// The SLO's burn rate must stay below its alerting thresholds.
    Slo(SloGate),
    /// The new version's error rate must stay at or below this share.
    ErrorRate(ErrorRateGate),
    /// The new version's p99 latency must stay at or below this.
    Latency(LatencyGate),
    /// A health probe of each region must pass.
    Probe(ProbeGate),
    /// A person approves before the next step.
    Approval(ApprovalGate),
    /// A function of this app runs as a test before traffic shifts or after the last shift.
    Hook(HookGate),
}

/// SLO gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloGate {
    /// The SLO's name.
    pub slo: String,
}

/// Error-rate gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorRateGate {
    /// The highest acceptable share of failed requests.
    pub error_rate: Percent,
}

/// Latency gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencyGate {
    /// The highest acceptable p99 latency.
    pub latency_p99: Duration,
}

/// Probe gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeGate {
    /// The HTTP path probed in each region.
    pub probe: String,
}

/// Manual approval gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalGate {
    /// Ask a person before each wave after the first (`wave`) or before every step (`step`).
    pub approval: ApprovalWhen,
}

/// When a person is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalWhen {
    /// Before each wave after the first.
    Wave,
    /// Before every traffic step.
    Step,
}

/// Hook gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HookGate {
    /// The function to run, such as `functions.smoke-test`.
    pub hook: super::refs::Reference,
    /// Before traffic moves to the new version, or after all of it has.
    pub when: HookWhen,
}

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HookWhen {
    /// After the deploy, before any traffic.
    PreTraffic,
    /// After the last traffic step of a region.
    PostTraffic,
}

/// The policy for gates without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NoData {
    /// Measure again later, then ask a person (as for a broken measurement).
    #[default]
    Wait,
    /// Treat it as a failure.
    Fail,
    /// Treat it as a pass (say so explicitly: quiet services have no traffic).
    Pass,
}

impl Default for Rollout {
    fn default() -> Self {
        Rollout {
            strategy: default_strategy(),
            steps: vec![],
            increment: None,
            interval: None,
            batch: 1,
            bake: default_bake(),
            keep_old: default_keep_old(),
            waves: vec![],
            stagger: Duration::default(),
            wave_bake: default_bake(),
            on_failure: OnFailure::default(),
            deploy_time: default_deploy_time(),
            rollback_time: default_rollback_time(),
            gates: vec![],
            plugin: None,
            no_data: NoData::default(),
            failure_limit: 1,
            error_limit: default_error_limit(),
            shift: ShiftBy::default(),
        }
    }
}

fn default_strategy() -> super::strategy::StrategyName {
    super::strategy::StrategyName::default_canary()
}
fn default_bake() -> Duration {
    Duration::from_secs(5 * 60)
}
fn default_keep_old() -> Duration {
    Duration::from_secs(3600)
}
fn default_deploy_time() -> Duration {
    Duration::from_secs(2 * 60)
}
fn default_rollback_time() -> Duration {
    Duration::from_secs(30)
}

/// One canary step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CanaryStep {
    /// Share of traffic on the new version.
    pub weight: Percent,
    /// How long to watch it before the next step. At most `7d`.
    pub bake: Duration,
}

/// What a failed rollout rolls back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OnFailure {
    /// Only the wave that failed; earlier waves keep the new version.
    RollbackWave,
    /// Every region the rollout touched, in reverse wave order.
    #[default]
    RollbackAll,
}
