//! The graph as the Terraform AWS provider models it: resource types such as
//! `aws_lambda_function`, snake_case arguments, nested blocks. Pulumi's AWS
//! provider is bridged from the same provider, so the Terraform and Pulumi
//! renderers both print this one model, each in its own syntax.
//!
//! Where the provider's resources differ from CloudFormation's, the model says
//! so once, here: a Lambda version is the function's `publish = true` (the
//! provider has no version resource), an EventBridge target is its own
//! resource, a global table is a table with `replica` blocks for the other
//! regions, and names CloudFormation would generate are derived from the app.

use super::tree::{Bump, Tree};
use crate::graph::{Attr, Expr, Graph, KeyAttr, Node, Pseudo, Resource, TableShape};
use std::collections::BTreeMap;

/// One value in the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum V<'a> {
    /// A literal: string, integer, number or boolean.
    Lit(Tree<'a>),
    /// A value from the graph (a reference, a deploy-time value, a join).
    Expr(&'a Expr),
    /// A reference to an attribute of a resource, by logical ID.
    Ref(&'a str, Attr),
    /// A string made of parts (literals and graph values).
    Concat(&'a [V<'a>]),
    /// A list.
    List(&'a [V<'a>]),
    /// An attribute of map or object type: keys are data, written as given.
    Map(&'a [(&'a str, V<'a>)]),
    /// A nested block (repeated blocks are a [`V::List`] of blocks).
    Block(Body<'a>),
    /// A value encoded as a JSON string at apply time (IAM policies, redrive policies).
    Json(&'a V<'a>),
}

/// The arguments of a resource or block, in the order written.
pub type Body<'a> = &'a [(&'a str, V<'a>)];

/// One resource of the provider.
#[derive(Debug, Clone)]
pub struct Res<'a> {
    /// Its name in the program: the graph's logical ID, or the ID and a suffix for a companion.
    pub name: &'a str,
    /// The graph node it renders.
    pub node: &'a str,
    /// Provider type, such as `aws_lambda_function`.
    pub type_name: &'static str,
    /// Arguments.
    pub body: Body<'a>,
    /// Resources (by name) it must come after, that no reference implies.
    pub depends_on: Vec<&'a str>,
    /// Keep the physical resource on destroy.
    pub retain: bool,
}

/// Deploy-time lookups a program needs (data sources or invokes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lookups {
    /// The account ID.
    pub account: bool,
    /// The partition and its DNS suffix.
    pub partition: bool,
    /// The region's availability zones.
    pub zones: bool,
}

/// One region's resources in provider terms.
#[derive(Debug, Clone)]
pub struct Module<'a> {
    /// The graph rendered.
    pub graph: &'a Graph,
    /// Resources in logical-ID order.
    pub resources: Vec<Res<'a>>,
    /// Lookups the values use.
    pub lookups: Lookups,
    /// Function versions folded into their functions: version ID to function ID.
    folded: BTreeMap<&'a str, &'a str>,
}

/// How a reference is written: the resource's provider type and name, the
/// attribute, and text to append (CloudFormation's log group ARN ends in `:*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// Provider type.
    pub type_name: &'static str,
    /// Resource name.
    pub name: &'a str,
    /// The single nested block holding the attribute, if it is not top-level
    /// (Terraform indexes it, `block[0].attr`; Pulumi flattens it, `block.attr`).
    pub block: Option<&'static str>,
    /// Attribute, in Terraform's snake_case.
    pub attr: &'static str,
    /// Appended literally.
    pub suffix: &'static str,
}

impl<'a> Module<'a> {
    /// Where a reference to `attr` of `id` points, if `id` is in the graph.
    pub fn target(&self, id: &str, attr: Attr) -> Option<Target<'a>> {
        if let Some(function) = self.folded.get(id) {
            let attr = if attr == Attr::Version { "version" } else { "qualified_arn" };
            return Some(Target { type_name: "aws_lambda_function", name: function, block: None, attr, suffix: "" });
        }
        let (name, node) = self.graph.nodes.get_key_value(id)?;
        let r: &Resource = &node.resource;
        let block = matches!(attr, Attr::RegionalDomainName | Attr::RegionalHostedZoneId).then_some("domain_name_configuration");
        let (attr, suffix) = match attr {
            Attr::Arn if matches!(r, Resource::LogGroup { .. }) => ("arn", ":*"),
            Attr::Arn => ("arn", ""),
            Attr::StreamArn => ("stream_arn", ""),
            Attr::Version => ("version", ""),
            Attr::Endpoint => ("api_endpoint", ""),
            Attr::AllocationId => ("allocation_id", ""),
            Attr::RegionalDomainName => ("target_domain_name", ""),
            Attr::RegionalHostedZoneId => ("hosted_zone_id", ""),
            Attr::Name => ("name", ""),
            Attr::Id => (id_attr(r), ""),
        };
        Some(Target { type_name: type_name(r), name, block, attr, suffix })
    }
}

/// The attribute CloudFormation's `Ref` returns, in provider terms.
fn id_attr(r: &Resource) -> &'static str {
    match r {
        Resource::LogGroup { .. }
        | Resource::Role { .. }
        | Resource::Table { .. }
        | Resource::GlobalTable { .. }
        | Resource::CodeDeployApplication
        | Resource::EventRule { .. } => "name",
        Resource::Function { .. } => "function_name",
        Resource::Alias { .. } | Resource::Topic { .. } | Resource::Subscription { .. } => "arn",
        Resource::Queue { .. } => "url",
        Resource::Alarm { .. } | Resource::SloAlarm { .. } | Resource::SloCompositeAlarm { .. } => "alarm_name",
        Resource::CodeDeployConfig { .. } => "deployment_config_name",
        Resource::DeploymentGroup { .. } => "deployment_group_name",
        _ => "id",
    }
}

/// The provider's type for a resource.
pub fn type_name(r: &Resource) -> &'static str {
    match r {
        Resource::LogGroup { .. } => "aws_cloudwatch_log_group",
        Resource::Role { .. } => "aws_iam_role",
        Resource::Function { .. } | Resource::FunctionVersion { .. } => "aws_lambda_function",
        Resource::Alias { .. } => "aws_lambda_alias",
        Resource::Permission { .. } => "aws_lambda_permission",
        Resource::HttpApi { .. } => "aws_apigatewayv2_api",
        Resource::Stage { .. } => "aws_apigatewayv2_stage",
        Resource::Integration { .. } => "aws_apigatewayv2_integration",
        Resource::Route { .. } => "aws_apigatewayv2_route",
        Resource::Table { .. } | Resource::GlobalTable { .. } => "aws_dynamodb_table",
        Resource::Queue { .. } => "aws_sqs_queue",
        Resource::Topic { .. } => "aws_sns_topic",
        Resource::Subscription { .. } => "aws_sns_topic_subscription",
        Resource::EventRule { .. } => "aws_cloudwatch_event_rule",
        Resource::EventSourceMapping { .. } => "aws_lambda_event_source_mapping",
        Resource::Alarm { .. } | Resource::SloAlarm { .. } => "aws_cloudwatch_metric_alarm",
        Resource::SloCompositeAlarm { .. } => "aws_cloudwatch_composite_alarm",
        Resource::CodeDeployApplication => "aws_codedeploy_app",
        Resource::CodeDeployConfig { .. } => "aws_codedeploy_deployment_config",
        Resource::DeploymentGroup { .. } => "aws_codedeploy_deployment_group",
        Resource::Vpc { .. } => "aws_vpc",
        Resource::Subnet { .. } => "aws_subnet",
        Resource::RouteTable { .. } => "aws_route_table",
        Resource::SubnetRouteTableAssociation { .. } => "aws_route_table_association",
        Resource::SecurityGroup { .. } => "aws_security_group",
        Resource::VpcEndpoint { .. } => "aws_vpc_endpoint",
        Resource::InternetGateway => "aws_internet_gateway",
        Resource::GatewayAttachment { .. } => "aws_internet_gateway_attachment",
        Resource::ElasticIp => "aws_eip",
        Resource::NatGateway { .. } => "aws_nat_gateway",
        Resource::DefaultRoute { .. } => "aws_route",
        Resource::ApiDomain { .. } => "aws_apigatewayv2_domain_name",
        Resource::ApiMapping { .. } => "aws_apigatewayv2_api_mapping",
        Resource::HealthCheck { .. } => "aws_route53_health_check",
        Resource::DnsRecord { .. } => "aws_route53_record",
    }
}

/// Turns a value into a model value, allocating in the arena only when it must.
pub trait IntoV<'a> {
    /// The value.
    fn into_v(self, a: &'a Bump) -> V<'a>;
}
impl<'a> IntoV<'a> for V<'a> {
    fn into_v(self, _: &'a Bump) -> V<'a> {
        self
    }
}
impl<'a> IntoV<'a> for &'a Expr {
    fn into_v(self, _: &'a Bump) -> V<'a> {
        V::Expr(self)
    }
}
impl<'a, T: super::tree::IntoTree<'a>> IntoV<'a> for Lit<T> {
    fn into_v(self, a: &'a Bump) -> V<'a> {
        V::Lit(self.0.into_tree(a))
    }
}

/// A literal, for [`IntoV`].
pub struct Lit<T>(pub T);

/// `"key" => value` pairs as a body in the arena; literals in `Lit(..)`.
macro_rules! body {
    ($a:expr; $($k:expr => $v:expr),* $(,)?) => {{
        let mut b = BodyBuilder::new($a);
        $(b.push($k, $v);)*
        b
    }};
}

/// A body built one argument at a time.
struct BodyBuilder<'a> {
    a: &'a Bump,
    entries: bumpalo::collections::Vec<'a, (&'a str, V<'a>)>,
}

impl<'a> BodyBuilder<'a> {
    fn new(a: &'a Bump) -> Self {
        BodyBuilder { a, entries: bumpalo::collections::Vec::new_in(a) }
    }
    fn push(&mut self, key: &'a str, value: impl IntoV<'a>) {
        let v = value.into_v(self.a);
        self.entries.push((key, v));
    }
    fn finish(self) -> Body<'a> {
        self.entries.into_bump_slice()
    }
    fn block(self) -> V<'a> {
        V::Block(self.finish())
    }
}

fn s<'a>(text: &'a str) -> V<'a> {
    V::Lit(Tree::Str(text))
}
fn list<'a>(a: &'a Bump, items: impl IntoIterator<Item = V<'a>>) -> V<'a> {
    V::List(bumpalo::collections::Vec::from_iter_in(items, a).into_bump_slice())
}
fn exprs<'a>(a: &'a Bump, es: &'a [Expr]) -> V<'a> {
    list(a, es.iter().map(V::Expr))
}
fn strs<'a>(a: &'a Bump, items: &'a [String]) -> V<'a> {
    list(a, items.iter().map(|x| s(x)))
}
fn map<'a>(a: &'a Bump, entries: impl IntoIterator<Item = (&'a str, V<'a>)>) -> V<'a> {
    V::Map(bumpalo::collections::Vec::from_iter_in(entries, a).into_bump_slice())
}
fn json_value<'a>(v: &'a serde_json::Value, a: &'a Bump) -> V<'a> {
    match v {
        serde_json::Value::Array(items) => list(a, items.iter().map(|x| json_value(x, a))),
        serde_json::Value::Object(m) => map(a, m.iter().map(|(k, x)| (k.as_str(), json_value(x, a)))),
        other => V::Lit(Tree::from_value(other, a)),
    }
}

/// A physical name for resources the provider requires one for: the app and
/// the logical ID, cut to `max` characters.
fn physical<'a>(g: &Graph, id: &str, max: usize, a: &'a Bump) -> V<'a> {
    let mut name = format!("{}-{id}", g.app);
    name.truncate(max);
    V::Lit(Tree::Str(a.alloc_str(&name)))
}

/// One region's graph in provider terms.
pub fn module<'a>(g: &'a Graph, a: &'a Bump) -> Module<'a> {
    let folded: BTreeMap<&str, &str> = g
        .nodes
        .iter()
        .filter_map(|(id, n)| match &*n.resource {
            Resource::FunctionVersion { function: Expr::Ref(f, _), .. } => Some((id.as_str(), f.as_str())),
            _ => None,
        })
        .collect();
    let mut m = Module { graph: g, resources: Vec::with_capacity(g.nodes.len() + 4), lookups: Lookups::default(), folded };
    for node in g.nodes.values() {
        resources(&mut m, node, a);
    }
    let mut lookups = Lookups::default();
    for r in &m.resources {
        r.body.iter().for_each(|(_, v)| lookups_of(v, &mut lookups));
    }
    g.outputs.iter().for_each(|o| expr_lookups(&o.value, &mut lookups));
    m.lookups = lookups;
    m
}

fn lookups_of(v: &V<'_>, u: &mut Lookups) {
    match v {
        V::Lit(_) | V::Ref(..) => {}
        V::Expr(e) => expr_lookups(e, u),
        V::Concat(items) | V::List(items) => items.iter().for_each(|x| lookups_of(x, u)),
        V::Map(entries) | V::Block(entries) => entries.iter().for_each(|(_, x)| lookups_of(x, u)),
        V::Json(inner) => lookups_of(inner, u),
    }
}

fn expr_lookups(e: &Expr, u: &mut Lookups) {
    match e {
        Expr::Pseudo(Pseudo::AccountId) => u.account = true,
        Expr::Pseudo(Pseudo::Partition | Pseudo::UrlSuffix) => u.partition = true,
        Expr::Zone(_) => u.zones = true,
        Expr::Join(parts) => parts.iter().for_each(|p| expr_lookups(p, u)),
        Expr::Pseudo(Pseudo::Region) | Expr::Str(_) | Expr::Ref(..) | Expr::Param(_) => {}
    }
}

/// The resources one node becomes (none for a folded version, two for an event rule).
fn resources<'a>(m: &mut Module<'a>, node: &'a Node, a: &'a Bump) -> Option<()> {
    let g = m.graph;
    let r: &'a Resource = &node.resource;
    let id = node.id.as_str();
    let depends_on: Vec<&str> = node.depends_on.iter().map(|d| m.folded.get(d.as_str()).copied().unwrap_or(d.as_str())).collect();
    let mut push = |name: &'a str, type_name: &'static str, body: BodyBuilder<'a>, depends_on: Vec<&'a str>| {
        m.resources.push(Res { name, node: id, type_name, body: body.finish(), depends_on, retain: node.retain });
    };
    let e = V::Expr;
    let body = match r {
        Resource::FunctionVersion { .. } => return None,
        Resource::LogGroup { retention_days } => body!(a; "retention_in_days" => Lit(*retention_days)),
        Resource::Role { service, managed_policies, statements } => {
            let trust = map(
                a,
                [
                    ("Version", s("2012-10-17")),
                    (
                        "Statement",
                        list(
                            a,
                            [map(
                                a,
                                [("Effect", s("Allow")), ("Principal", map(a, [("Service", s(service))])), ("Action", s("sts:AssumeRole"))],
                            )],
                        ),
                    ),
                ],
            );
            let stmts = list(
                a,
                statements.iter().map(|st| {
                    map(
                        a,
                        [
                            ("Effect", s("Allow")),
                            ("Action", list(a, st.actions.iter().map(|x| s(x)))),
                            ("Resource", exprs(a, &st.resources)),
                        ],
                    )
                }),
            );
            let doc = map(a, [("Version", s("2012-10-17")), ("Statement", stmts)]);
            let mut b = body!(a; "assume_role_policy" => V::Json(a.alloc(trust)));
            if !managed_policies.is_empty() {
                b.push("managed_policy_arns", exprs(a, managed_policies));
            }
            // A repeated block: one inline policy.
            b.push("inline_policy", list(a, [body!(a; "name" => s("least-privilege"), "policy" => V::Json(a.alloc(doc))).block()]));
            b
        }
        Resource::Function {
            runtime,
            handler,
            code_bucket,
            code_key,
            memory_mb,
            timeout_s,
            architecture,
            role,
            environment,
            log_group,
            tracing,
            reserved_concurrency,
            vpc,
        } => {
            let mut b = body!(a;
                "function_name" => physical(g, id, 64, a),
                "runtime" => s(runtime),
                "handler" => s(handler),
                "s3_bucket" => e(code_bucket),
                "s3_key" => e(code_key),
                "memory_size" => Lit(*memory_mb),
                "timeout" => Lit(*timeout_s),
                "architectures" => list(a, [s(architecture)]),
                "role" => e(role),
                // The provider has no version resource: publishing is the function's.
                "publish" => Lit(m.folded.values().any(|f| *f == id)),
            );
            if !environment.is_empty() {
                let vars = map(a, environment.iter().map(|(k, x)| (k.as_str(), e(x))));
                b.push("environment", body!(a; "variables" => vars).block());
            }
            b.push("logging_config", body!(a; "log_format" => s("JSON"), "log_group" => e(log_group)).block());
            b.push("tracing_config", body!(a; "mode" => s(tracing)).block());
            if let Some(n) = reserved_concurrency {
                b.push("reserved_concurrent_executions", Lit(*n));
            }
            if let Some((subnets, groups)) = vpc {
                b.push("vpc_config", body!(a; "subnet_ids" => exprs(a, subnets), "security_group_ids" => exprs(a, groups)).block());
            }
            b
        }
        Resource::Alias { function, version, name, .. } => {
            body!(a; "name" => s(name), "function_name" => e(function), "function_version" => e(version))
        }
        Resource::Permission { function, principal, source_arn } => body!(a;
            "action" => s("lambda:InvokeFunction"),
            "function_name" => e(function),
            "principal" => s(principal),
            "source_arn" => e(source_arn),
        ),
        Resource::HttpApi { name, cors } => {
            let mut b = body!(a; "name" => s(name), "protocol_type" => s("HTTP"));
            if let Some(c) = cors {
                let mut cb = body!(a; "allow_origins" => strs(a, &c.origins), "allow_methods" => strs(a, &c.methods));
                if !c.headers.is_empty() {
                    cb.push("allow_headers", strs(a, &c.headers));
                }
                b.push("cors_configuration", cb.block());
            }
            b
        }
        Resource::Stage { api, log_group_arn, rate, burst } => body!(a;
            "api_id" => e(api),
            "name" => s("$default"),
            "auto_deploy" => Lit(true),
            "access_log_settings" => body!(a; "destination_arn" => e(log_group_arn), "format" => s(super::cloudformation::ACCESS_LOG_FORMAT)).block(),
            "default_route_settings" => body!(a;
                "throttling_rate_limit" => Lit(*rate),
                "throttling_burst_limit" => Lit(*burst),
                "detailed_metrics_enabled" => Lit(true),
            ).block(),
        ),
        Resource::Integration { api, target } => body!(a;
            "api_id" => e(api),
            "integration_type" => s("AWS_PROXY"),
            "integration_uri" => e(target),
            "payload_format_version" => s("2.0"),
        ),
        Resource::Route { api, key, integration, authorization } => body!(a;
            "api_id" => e(api),
            "route_key" => s(key),
            "authorization_type" => s(authorization),
            "target" => V::Concat(a.alloc_slice_copy(&[s("integrations/"), e(integration)])),
        ),
        Resource::Table { shape } => {
            let mut b = table(g, id, shape, a);
            b.push("point_in_time_recovery", body!(a; "enabled" => Lit(shape.pitr)).block());
            if let Some(view) = shape.stream {
                b.push("stream_enabled", Lit(true));
                b.push("stream_view_type", s(view));
            }
            b
        }
        Resource::GlobalTable { shape, replicas } => {
            let mut b = table(g, id, shape, a);
            b.push("point_in_time_recovery", body!(a; "enabled" => Lit(shape.pitr)).block());
            b.push("stream_enabled", Lit(true));
            b.push("stream_view_type", s(shape.stream.unwrap_or("NEW_AND_OLD_IMAGES")));
            // The table itself is the replica in this region.
            let others = replicas.iter().filter(|r| **r != g.region).map(|region| {
                body!(a;
                    "region_name" => s(region),
                    "point_in_time_recovery" => Lit(shape.pitr),
                    "propagate_tags" => Lit(true),
                )
                .block()
            });
            let others = list(a, others);
            if others != V::List(&[]) {
                b.push("replica", others);
            }
            b
        }
        Resource::Queue { fifo, visibility_timeout_s, retention_s, dead_letter } => {
            let mut b = BodyBuilder::new(a);
            if *fifo {
                b.push("fifo_queue", Lit(true));
            }
            b.push("visibility_timeout_seconds", Lit(*visibility_timeout_s));
            b.push("message_retention_seconds", Lit(*retention_s));
            b.push("sqs_managed_sse_enabled", Lit(true));
            if let Some((arn, max)) = dead_letter {
                let policy = map(a, [("deadLetterTargetArn", e(arn)), ("maxReceiveCount", V::Lit(Tree::Int(i64::from(*max))))]);
                b.push("redrive_policy", V::Json(a.alloc(policy)));
            }
            b
        }
        Resource::Topic { display_name } => {
            let mut b = BodyBuilder::new(a);
            if let Some(d) = display_name {
                b.push("display_name", s(d));
            }
            b.push("kms_master_key_id", s("alias/aws/sns"));
            b
        }
        Resource::Subscription { topic, endpoint } => {
            body!(a; "topic_arn" => e(topic), "protocol" => s("lambda"), "endpoint" => e(endpoint))
        }
        Resource::EventRule { schedule, pattern, target, target_id } => {
            let mut b = BodyBuilder::new(a);
            if let Some(x) = schedule {
                b.push("schedule_expression", s(x));
            }
            if let Some(p) = pattern {
                b.push("event_pattern", V::Json(a.alloc(json_value(p, a))));
            }
            b.push("state", s("ENABLED"));
            // The provider's rule has no targets: they are a resource of their own.
            let target_name: &str = a.alloc_str(&format!("{id}Target"));
            let tb = body!(a; "rule" => V::Ref(id, Attr::Id), "target_id" => s(target_id), "arn" => e(target));
            push(id, "aws_cloudwatch_event_rule", b, depends_on.clone());
            push(target_name, "aws_cloudwatch_event_target", tb, Vec::new());
            return Some(());
        }
        Resource::EventSourceMapping { source, function, batch_size } => body!(a;
            "event_source_arn" => e(source),
            "function_name" => e(function),
            "batch_size" => Lit(*batch_size),
            "function_response_types" => list(a, [s("ReportBatchItemFailures")]),
        ),
        Resource::Alarm { metric, function, threshold, description } => body!(a;
            "alarm_name" => physical(g, id, 255, a),
            "alarm_description" => s(description),
            "namespace" => s("AWS/Lambda"),
            "metric_name" => s(metric),
            "dimensions" => map(a, [("FunctionName", e(function))]),
            "statistic" => s("Sum"),
            "period" => Lit(60u32),
            "evaluation_periods" => Lit(1u32),
            "threshold" => Lit(*threshold),
            "comparison_operator" => s("GreaterThanOrEqualToThreshold"),
            "treat_missing_data" => s("notBreaching"),
        ),
        Resource::SloAlarm { api, window_s, threshold, latency_ms, description } => {
            let (period, periods) = super::cloudformation::alarm_periods(*window_s);
            let stat = |id: &'a str, metric: &'a str, statistic: &'a str| {
                let metric = body!(a;
                    "namespace" => s("AWS/ApiGateway"),
                    "metric_name" => s(metric),
                    "dimensions" => map(a, [("ApiId", e(api))]),
                    "period" => Lit(period),
                    "stat" => s(statistic),
                );
                body!(a; "id" => s(id), "return_data" => Lit(false), "metric" => metric.block()).block()
            };
            let expression = |expr: &'a str, label: &'a str| {
                body!(a; "id" => s("ratio"), "expression" => s(expr), "label" => s(label), "return_data" => Lit(true)).block()
            };
            let queries = match latency_ms {
                Some(ms) => {
                    let pr: &str = a.alloc_str(&format!("PR(:{ms})"));
                    list(a, [stat("good", "Latency", pr), expression("(100 - good) / 100", "share slower than the threshold")])
                }
                None => list(
                    a,
                    [stat("bad", "5xx", "Sum"), stat("total", "Count", "Sum"), expression("IF(total > 0, bad / total, 0)", "error ratio")],
                ),
            };
            let threshold = threshold.parse::<serde_json::Number>().map_or(s(threshold), |n| V::Lit(Tree::Num(a.alloc(n))));
            body!(a;
                "alarm_name" => physical(g, id, 255, a),
                "alarm_description" => s(description),
                "comparison_operator" => s("GreaterThanThreshold"),
                "threshold" => threshold,
                "evaluation_periods" => Lit(periods),
                "datapoints_to_alarm" => Lit(periods),
                "treat_missing_data" => s("notBreaching"),
                "metric_query" => queries,
            )
        }
        Resource::SloCompositeAlarm { long, short, description } => {
            let rule = V::Concat(a.alloc_slice_copy(&[s("ALARM(\""), e(long), s("\") AND ALARM(\""), e(short), s("\")")]));
            body!(a; "alarm_name" => physical(g, id, 255, a), "alarm_description" => s(description), "alarm_rule" => rule)
        }
        Resource::CodeDeployApplication => body!(a; "name" => physical(g, id, 100, a), "compute_platform" => s("Lambda")),
        Resource::CodeDeployConfig { linear, percent, minutes } => {
            let (kind, key) = if *linear { ("TimeBasedLinear", "time_based_linear") } else { ("TimeBasedCanary", "time_based_canary") };
            let routing = body!(a; "type" => s(kind), key => body!(a; "interval" => Lit(*minutes), "percentage" => Lit(*percent)).block());
            body!(a; "deployment_config_name" => physical(g, id, 100, a), "compute_platform" => s("Lambda"), "traffic_routing_config" => routing.block())
        }
        Resource::DeploymentGroup { application, role, config, alarms } => body!(a;
            "app_name" => e(application),
            "deployment_group_name" => physical(g, id, 100, a),
            "service_role_arn" => e(role),
            "deployment_config_name" => e(config),
            "deployment_style" => body!(a; "deployment_type" => s("BLUE_GREEN"), "deployment_option" => s("WITH_TRAFFIC_CONTROL")).block(),
            "auto_rollback_configuration" => body!(a;
                "enabled" => Lit(true),
                "events" => list(a, [s("DEPLOYMENT_FAILURE"), s("DEPLOYMENT_STOP_ON_ALARM"), s("DEPLOYMENT_STOP_ON_REQUEST")]),
            ).block(),
            "alarm_configuration" => body!(a; "enabled" => Lit(true), "alarms" => exprs(a, alarms)).block(),
        ),
        Resource::Vpc { cidr } => {
            body!(a; "cidr_block" => s(cidr), "enable_dns_hostnames" => Lit(true), "enable_dns_support" => Lit(true))
        }
        Resource::Subnet { vpc, cidr, zone, .. } => {
            let zone = a.alloc(Expr::Zone(*zone));
            body!(a; "vpc_id" => e(vpc), "cidr_block" => s(cidr), "availability_zone" => V::Expr(zone), "map_public_ip_on_launch" => Lit(false))
        }
        Resource::RouteTable { vpc } => body!(a; "vpc_id" => e(vpc)),
        Resource::SubnetRouteTableAssociation { subnet, route_table } => {
            body!(a; "subnet_id" => e(subnet), "route_table_id" => e(route_table))
        }
        Resource::SecurityGroup { vpc, description } => {
            let rule = body!(a;
                "description" => s("HTTPS to AWS APIs and endpoints"),
                "protocol" => s("tcp"),
                "from_port" => Lit(443u32),
                "to_port" => Lit(443u32),
                "cidr_blocks" => list(a, [s("0.0.0.0/0")]),
            );
            body!(a; "description" => s(description), "vpc_id" => e(vpc), "egress" => list(a, [rule.block()]))
        }
        Resource::VpcEndpoint { vpc, service, route_tables } => {
            let name: &str = a.alloc_str(&format!("com.amazonaws.{}.{service}", g.region));
            body!(a; "vpc_id" => e(vpc), "service_name" => s(name), "vpc_endpoint_type" => s("Gateway"), "route_table_ids" => exprs(a, route_tables))
        }
        Resource::InternetGateway => BodyBuilder::new(a),
        Resource::GatewayAttachment { vpc, gateway } => body!(a; "vpc_id" => e(vpc), "internet_gateway_id" => e(gateway)),
        Resource::ElasticIp => body!(a; "domain" => s("vpc")),
        Resource::NatGateway { subnet, allocation } => body!(a; "subnet_id" => e(subnet), "allocation_id" => e(allocation)),
        Resource::DefaultRoute { route_table, target, via_nat } => {
            let key = if *via_nat { "nat_gateway_id" } else { "gateway_id" };
            body!(a; "route_table_id" => e(route_table), "destination_cidr_block" => s("0.0.0.0/0"), key => e(target))
        }
        Resource::ApiDomain { name, certificate } => body!(a;
            "domain_name" => s(name),
            "domain_name_configuration" => body!(a;
                "certificate_arn" => e(certificate),
                "endpoint_type" => s("REGIONAL"),
                "security_policy" => s("TLS_1_2"),
            ).block(),
        ),
        Resource::ApiMapping { api, domain } => body!(a; "api_id" => e(api), "domain_name" => e(domain), "stage" => s("$default")),
        Resource::HealthCheck { fqdn, path, interval_s, failures } => body!(a;
            "type" => s("HTTPS"),
            "fqdn" => e(fqdn),
            "port" => Lit(443u32),
            "resource_path" => s(path),
            "request_interval" => Lit(*interval_s),
            "failure_threshold" => Lit(*failures),
        ),
        Resource::DnsRecord { zone_id, name, set_id, routing, health_check, target, target_zone } => {
            let mut b = body!(a; "zone_id" => s(zone_id), "name" => s(name), "type" => s("A"), "set_identifier" => s(set_id));
            match routing {
                crate::graph::DnsRouting::Weighted(w) => {
                    b.push("weighted_routing_policy", list(a, [body!(a; "weight" => Lit(*w)).block()]))
                }
                other => b.push("failover_routing_policy", list(a, [body!(a; "type" => s(other.failover().unwrap_or_default())).block()])),
            }
            b.push("health_check_id", e(health_check));
            b.push(
                "alias",
                list(a, [body!(a; "name" => e(target), "zone_id" => e(target_zone), "evaluate_target_health" => Lit(true)).block()]),
            );
            b
        }
    };
    push(id, type_name(r), body, depends_on);
    Some(())
}

fn table<'a>(g: &Graph, id: &str, shape: &'a TableShape, a: &'a Bump) -> BodyBuilder<'a> {
    let name = match &shape.name {
        Some(n) => s(n),
        None => physical(g, id, 255, a),
    };
    let mut b = body!(a; "name" => name, "billing_mode" => s("PAY_PER_REQUEST"), "hash_key" => s(&shape.hash.name));
    if let Some(r) = &shape.range {
        b.push("range_key", s(&r.name));
    }
    let attribute = |k: &'a KeyAttr| body!(a; "name" => s(&k.name), "type" => s(k.kind)).block();
    b.push("attribute", list(a, shape.attributes().into_iter().map(attribute)));
    if !shape.indexes.is_empty() {
        let gsis = shape.indexes.iter().map(|i| {
            let mut ib = body!(a; "name" => s(&i.name), "hash_key" => s(&i.hash.name));
            if let Some(r) = &i.range {
                ib.push("range_key", s(&r.name));
            }
            ib.push("projection_type", s(i.projection));
            ib.block()
        });
        b.push("global_secondary_index", list(a, gsis));
    }
    b.push("server_side_encryption", body!(a; "enabled" => Lit(true)).block());
    if let Some(ttl) = &shape.ttl {
        b.push("ttl", body!(a; "attribute_name" => s(ttl), "enabled" => Lit(true)).block());
    }
    b
}
