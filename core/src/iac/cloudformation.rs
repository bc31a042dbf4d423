//! CloudFormation: a graph becomes a template, as a JSON value in the order
//! people read templates in (version, description, parameters, resources,
//! outputs), then JSON or YAML text.

use super::tree::Tree;
use crate::graph::{Attr, Expr, Graph, Node, Pseudo, Resource, TableShape};
use crate::{tlist, tmap};
use std::borrow::Cow;
use std::rc::Rc;

/// The app's tags in both of CloudFormation's shapes.
struct Tags<'a> {
    list: Rc<Tree<'a>>,
    map: Rc<Tree<'a>>,
}

/// The template of one region.
pub fn template(g: &Graph) -> Tree<'_> {
    let mut t = tmap! { "AWSTemplateFormatVersion" => "2010-09-09", "Description" => &g.description };
    if !g.parameters.is_empty() {
        let params = g
            .parameters
            .iter()
            .map(|p| {
                let mut v = tmap! { "Type" => "String", "Description" => &p.description, "MinLength" => 1u32 };
                if let Some(d) = &p.default {
                    v.insert("Default", Tree::from(d));
                }
                (Cow::Borrowed(p.name.as_str()), v)
            })
            .collect();
        t.insert("Parameters", Tree::Map(params));
    }
    // Every taggable resource carries the same tags: build them once.
    let tags = Tags { list: Rc::new(tag_list(g, &g.region)), map: Rc::new(Tree::Map(g.tags.iter().map(|(k, v)| (Cow::Borrowed(k.as_str()), Tree::from(v))).collect())) };
    let resources = g.nodes.iter().map(|(id, node)| (Cow::Borrowed(id.as_str()), resource(g, node, &tags))).collect();
    t.insert("Resources", Tree::Map(resources));
    if !g.outputs.is_empty() {
        let mut sorted: Vec<_> = g.outputs.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        let outputs = sorted.into_iter().map(|o| (Cow::Borrowed(o.name.as_str()), tmap! { "Description" => &o.description, "Value" => expr(g, &o.value) })).collect();
        t.insert("Outputs", Tree::Map(outputs));
    }
    t
}

/// The CloudFormation type name of a resource.
pub fn type_name(r: &Resource) -> &'static str {
    match r {
        Resource::LogGroup { .. } => "AWS::Logs::LogGroup",
        Resource::Role { .. } => "AWS::IAM::Role",
        Resource::Function { .. } => "AWS::Lambda::Function",
        Resource::FunctionVersion { .. } => "AWS::Lambda::Version",
        Resource::Alias { .. } => "AWS::Lambda::Alias",
        Resource::Permission { .. } => "AWS::Lambda::Permission",
        Resource::HttpApi { .. } => "AWS::ApiGatewayV2::Api",
        Resource::Stage { .. } => "AWS::ApiGatewayV2::Stage",
        Resource::Integration { .. } => "AWS::ApiGatewayV2::Integration",
        Resource::Route { .. } => "AWS::ApiGatewayV2::Route",
        Resource::Table { .. } => "AWS::DynamoDB::Table",
        Resource::GlobalTable { .. } => "AWS::DynamoDB::GlobalTable",
        Resource::Queue { .. } => "AWS::SQS::Queue",
        Resource::Topic { .. } => "AWS::SNS::Topic",
        Resource::Subscription { .. } => "AWS::SNS::Subscription",
        Resource::EventRule { .. } => "AWS::Events::Rule",
        Resource::EventSourceMapping { .. } => "AWS::Lambda::EventSourceMapping",
        Resource::Alarm { .. } => "AWS::CloudWatch::Alarm",
        Resource::Vpc { .. } => "AWS::EC2::VPC",
        Resource::Subnet { .. } => "AWS::EC2::Subnet",
        Resource::RouteTable { .. } => "AWS::EC2::RouteTable",
        Resource::SubnetRouteTableAssociation { .. } => "AWS::EC2::SubnetRouteTableAssociation",
        Resource::SecurityGroup { .. } => "AWS::EC2::SecurityGroup",
        Resource::VpcEndpoint { .. } => "AWS::EC2::VPCEndpoint",
        Resource::InternetGateway => "AWS::EC2::InternetGateway",
        Resource::GatewayAttachment { .. } => "AWS::EC2::VPCGatewayAttachment",
        Resource::ElasticIp => "AWS::EC2::EIP",
        Resource::NatGateway { .. } => "AWS::EC2::NatGateway",
        Resource::DefaultRoute { .. } => "AWS::EC2::Route",
    }
}

/// How tags are written on a resource type, if it takes them.
enum TagStyle {
    List,
    Map,
    None,
}

fn tag_style(r: &Resource) -> TagStyle {
    match r {
        Resource::HttpApi { .. } | Resource::Stage { .. } => TagStyle::Map,
        Resource::LogGroup { .. }
        | Resource::Role { .. }
        | Resource::Function { .. }
        | Resource::Table { .. }
        | Resource::Queue { .. }
        | Resource::Topic { .. }
        | Resource::Alarm { .. }
        | Resource::Vpc { .. }
        | Resource::Subnet { .. }
        | Resource::RouteTable { .. }
        | Resource::SecurityGroup { .. }
        | Resource::InternetGateway
        | Resource::ElasticIp
        | Resource::NatGateway { .. } => TagStyle::List,
        _ => TagStyle::None,
    }
}

fn tag_list<'a>(g: &'a Graph, region: &'a str) -> Tree<'a> {
    Tree::List(
        g.tags
            .iter()
            .map(|(k, v)| {
                let v = if k == "lift:region" { region } else { v.as_str() };
                tmap! { "Key" => k, "Value" => v }
            })
            .collect(),
    )
}

fn resource<'a>(g: &'a Graph, node: &'a Node, tags: &Tags<'a>) -> Tree<'a> {
    let r = &node.resource;
    let mut props = properties(g, r);
    if node.tagged {
        match tag_style(r) {
            TagStyle::List => props.insert("Tags", Tree::Shared(Rc::clone(&tags.list))),
            TagStyle::Map => props.insert("Tags", Tree::Shared(Rc::clone(&tags.map))),
            TagStyle::None => {}
        }
    }
    let mut out = tmap! { "Type" => type_name(r) };
    if node.retain {
        out.insert("DeletionPolicy", Tree::from("Retain"));
        out.insert("UpdateReplacePolicy", Tree::from("Retain"));
    } else if matches!(r, Resource::Table { .. } | Resource::GlobalTable { .. }) {
        // cfn-lint asks stateful resources to say what happens to their data.
        out.insert("DeletionPolicy", Tree::from("Delete"));
        out.insert("UpdateReplacePolicy", Tree::from("Delete"));
    }
    if !node.depends_on.is_empty() {
        out.insert("DependsOn", Tree::List(node.depends_on.iter().map(Tree::from).collect()));
    }
    out.insert("Properties", props);
    out
}

fn exprs<'a>(g: &'a Graph, es: &'a [Expr]) -> Tree<'a> {
    Tree::List(es.iter().map(|e| expr(g, e)).collect())
}

fn strs(items: &[String]) -> Tree<'_> {
    Tree::List(items.iter().map(Tree::from).collect())
}

const ACCESS_LOG_FORMAT: &str = "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\",\"requestTime\":\"$context.requestTime\",\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\",\"latency\":\"$context.responseLatency\",\"integrationError\":\"$context.integrationErrorMessage\"}";

fn properties<'a>(g: &'a Graph, r: &'a Resource) -> Tree<'a> {
    let e = |x: &'a Expr| expr(g, x);
    match r {
        Resource::LogGroup { retention_days } => tmap! { "RetentionInDays" => *retention_days },
        Resource::Role { service, managed_policies, statements } => {
            let trust = tmap! {
                "Version" => "2012-10-17",
                "Statement" => tlist![tmap! { "Effect" => "Allow", "Principal" => tmap! { "Service" => service }, "Action" => "sts:AssumeRole" }],
            };
            let mut m = tmap! { "AssumeRolePolicyDocument" => trust };
            if !managed_policies.is_empty() {
                m.insert("ManagedPolicyArns", exprs(g, managed_policies));
            }
            let stmts = statements.iter().map(|s| tmap! { "Effect" => "Allow", "Action" => strs(&s.actions), "Resource" => exprs(g, &s.resources) }).collect::<Vec<_>>();
            let doc = tmap! { "Version" => "2012-10-17", "Statement" => stmts };
            m.insert("Policies", tlist![tmap! { "PolicyName" => "least-privilege", "PolicyDocument" => doc }]);
            m
        }
        Resource::Function { runtime, handler, code_bucket, code_key, memory_mb, timeout_s, architecture, role, environment, log_group, tracing, reserved_concurrency, vpc } => {
            let mut m = tmap! {
                "Runtime" => runtime,
                "Handler" => handler,
                "Code" => tmap! { "S3Bucket" => e(code_bucket), "S3Key" => e(code_key) },
                "MemorySize" => *memory_mb,
                "Timeout" => *timeout_s,
                "Architectures" => tlist![architecture],
                "Role" => e(role),
            };
            if !environment.is_empty() {
                let vars = environment.iter().map(|(k, x)| (Cow::Borrowed(k.as_str()), e(x))).collect();
                m.insert("Environment", tmap! { "Variables" => Tree::Map(vars) });
            }
            m.insert("LoggingConfig", tmap! { "LogGroup" => e(log_group), "LogFormat" => "JSON" });
            m.insert("TracingConfig", tmap! { "Mode" => tracing });
            if let Some(n) = reserved_concurrency {
                m.insert("ReservedConcurrentExecutions", Tree::from(*n));
            }
            if let Some((subnets, groups)) = vpc {
                m.insert("VpcConfig", tmap! { "SubnetIds" => exprs(g, subnets), "SecurityGroupIds" => exprs(g, groups) });
            }
            m
        }
        Resource::FunctionVersion { function, description } => tmap! { "FunctionName" => e(function), "Description" => e(description) },
        Resource::Alias { function, version, name } => tmap! { "FunctionName" => e(function), "FunctionVersion" => e(version), "Name" => name },
        Resource::Permission { function, principal, source_arn } => {
            tmap! { "Action" => "lambda:InvokeFunction", "FunctionName" => e(function), "Principal" => principal, "SourceArn" => e(source_arn) }
        }
        Resource::HttpApi { name, cors } => {
            let mut m = tmap! { "Name" => name, "ProtocolType" => "HTTP" };
            if let Some(c) = cors {
                let mut cm = tmap! { "AllowOrigins" => strs(&c.origins), "AllowMethods" => strs(&c.methods) };
                if !c.headers.is_empty() {
                    cm.insert("AllowHeaders", strs(&c.headers));
                }
                m.insert("CorsConfiguration", cm);
            }
            m
        }
        Resource::Stage { api, log_group_arn, rate, burst } => tmap! {
            "ApiId" => e(api),
            "StageName" => "$default",
            "AutoDeploy" => true,
            "AccessLogSettings" => tmap! { "DestinationArn" => e(log_group_arn), "Format" => ACCESS_LOG_FORMAT },
            "DefaultRouteSettings" => tmap! { "ThrottlingRateLimit" => *rate, "ThrottlingBurstLimit" => *burst, "DetailedMetricsEnabled" => true },
        },
        Resource::Integration { api, target } => tmap! { "ApiId" => e(api), "IntegrationType" => "AWS_PROXY", "IntegrationUri" => e(target), "PayloadFormatVersion" => "2.0" },
        Resource::Route { api, key, integration, authorization } => tmap! {
            "ApiId" => e(api),
            "RouteKey" => key,
            "AuthorizationType" => authorization,
            "Target" => join_prefix(g, "integrations/", integration),
        },
        Resource::Table { shape } => {
            let mut m = table_common(shape);
            m.insert("BillingMode", Tree::from("PAY_PER_REQUEST"));
            m.insert("SSESpecification", tmap! { "SSEEnabled" => true });
            m.insert("PointInTimeRecoverySpecification", tmap! { "PointInTimeRecoveryEnabled" => shape.pitr });
            if let Some(view) = shape.stream {
                m.insert("StreamSpecification", tmap! { "StreamViewType" => view });
            }
            if let Some(ttl) = &shape.ttl {
                m.insert("TimeToLiveSpecification", tmap! { "AttributeName" => ttl, "Enabled" => true });
            }
            m
        }
        Resource::GlobalTable { shape, replicas } => {
            let mut m = table_common(shape);
            m.insert("BillingMode", Tree::from("PAY_PER_REQUEST"));
            m.insert("SSESpecification", tmap! { "SSEEnabled" => true });
            m.insert("StreamSpecification", tmap! { "StreamViewType" => shape.stream.unwrap_or("NEW_AND_OLD_IMAGES") });
            if let Some(ttl) = &shape.ttl {
                m.insert("TimeToLiveSpecification", tmap! { "AttributeName" => ttl, "Enabled" => true });
            }
            let reps = replicas
                .iter()
                .map(|region| {
                    tmap! {
                        "Region" => region,
                        "PointInTimeRecoverySpecification" => tmap! { "PointInTimeRecoveryEnabled" => shape.pitr },
                        "Tags" => tag_list(g, region),
                    }
                })
                .collect::<Vec<_>>();
            m.insert("Replicas", Tree::List(reps));
            m
        }
        Resource::Queue { fifo, visibility_timeout_s, retention_s, dead_letter } => {
            let mut m = Tree::Map(vec![]);
            if *fifo {
                m.insert("FifoQueue", Tree::from(true));
            }
            m.insert("VisibilityTimeout", Tree::from(*visibility_timeout_s));
            m.insert("MessageRetentionPeriod", Tree::from(*retention_s));
            m.insert("SqsManagedSseEnabled", Tree::from(true));
            if let Some((arn, max)) = dead_letter {
                m.insert("RedrivePolicy", tmap! { "deadLetterTargetArn" => e(arn), "maxReceiveCount" => *max });
            }
            m
        }
        Resource::Topic { display_name } => {
            let mut m = Tree::Map(vec![]);
            if let Some(d) = display_name {
                m.insert("DisplayName", Tree::from(d));
            }
            m.insert("KmsMasterKeyId", Tree::from("alias/aws/sns"));
            m
        }
        Resource::Subscription { topic, endpoint } => tmap! { "TopicArn" => e(topic), "Protocol" => "lambda", "Endpoint" => e(endpoint) },
        Resource::EventRule { schedule, pattern, target, target_id } => {
            let mut m = Tree::Map(vec![]);
            if let Some(s) = schedule {
                m.insert("ScheduleExpression", Tree::from(s));
            }
            if let Some(p) = pattern {
                m.insert("EventPattern", Tree::from_value(p));
            }
            m.insert("State", Tree::from("ENABLED"));
            m.insert("Targets", tlist![tmap! { "Arn" => e(target), "Id" => target_id }]);
            m
        }
        Resource::EventSourceMapping { source, function, batch_size } => tmap! {
            "EventSourceArn" => e(source),
            "FunctionName" => e(function),
            "BatchSize" => *batch_size,
            "FunctionResponseTypes" => tlist!["ReportBatchItemFailures"],
        },
        Resource::Alarm { metric, function, threshold, description } => tmap! {
            "AlarmDescription" => description,
            "Namespace" => "AWS/Lambda",
            "MetricName" => metric,
            "Dimensions" => tlist![tmap! { "Name" => "FunctionName", "Value" => e(function) }],
            "Statistic" => "Sum",
            "Period" => 60u32,
            "EvaluationPeriods" => 1u32,
            "Threshold" => *threshold,
            "ComparisonOperator" => "GreaterThanOrEqualToThreshold",
            "TreatMissingData" => "notBreaching",
        },
        Resource::Vpc { cidr } => tmap! { "CidrBlock" => cidr, "EnableDnsHostnames" => true, "EnableDnsSupport" => true },
        Resource::Subnet { vpc, cidr, zone, .. } => tmap! { "VpcId" => e(vpc), "CidrBlock" => cidr, "AvailabilityZone" => zone_select(*zone), "MapPublicIpOnLaunch" => false },
        Resource::RouteTable { vpc } => tmap! { "VpcId" => e(vpc) },
        Resource::SubnetRouteTableAssociation { subnet, route_table } => tmap! { "SubnetId" => e(subnet), "RouteTableId" => e(route_table) },
        Resource::SecurityGroup { vpc, description } => tmap! {
            "GroupDescription" => description,
            "VpcId" => e(vpc),
            "SecurityGroupEgress" => tlist![tmap! { "IpProtocol" => "tcp", "FromPort" => 443u32, "ToPort" => 443u32, "CidrIp" => "0.0.0.0/0", "Description" => "HTTPS to AWS APIs and endpoints" }],
        },
        Resource::VpcEndpoint { vpc, service, route_tables } => tmap! {
            "VpcId" => e(vpc),
            "ServiceName" => Tree::Map(vec![(Cow::Borrowed("Fn::Sub"), Tree::from(format!("com.amazonaws.${{AWS::Region}}.{service}")))]),
            "VpcEndpointType" => "Gateway",
            "RouteTableIds" => exprs(g, route_tables),
        },
        Resource::InternetGateway => Tree::Map(vec![]),
        Resource::ElasticIp => tmap! { "Domain" => "vpc" },
        Resource::GatewayAttachment { vpc, gateway } => tmap! { "VpcId" => e(vpc), "InternetGatewayId" => e(gateway) },
        Resource::NatGateway { subnet, allocation } => tmap! { "SubnetId" => e(subnet), "AllocationId" => e(allocation) },
        Resource::DefaultRoute { route_table, target, via_nat } => {
            let key = if *via_nat { "NatGatewayId" } else { "GatewayId" };
            tmap! { "RouteTableId" => e(route_table), "DestinationCidrBlock" => "0.0.0.0/0", key => e(target) }
        }
    }
}

fn zone_select(zone: u8) -> Tree<'static> {
    tmap! { "Fn::Select" => tlist![zone, tmap! { "Fn::GetAZs" => "" }] }
}

/// `prefix` followed by a value, as one string (`Fn::Sub`).
fn join_prefix<'a>(g: &'a Graph, prefix: &str, value: &'a Expr) -> Tree<'a> {
    let mut sub = String::from(prefix);
    if push_sub(g, &mut sub, value) { Tree::Map(vec![(Cow::Borrowed("Fn::Sub"), Tree::from(sub))]) } else { expr(g, value) }
}

fn table_common(s: &TableShape) -> Tree<'_> {
    let mut m = Tree::Map(vec![]);
    if let Some(n) = &s.name {
        m.insert("TableName", Tree::from(n));
    }
    m.insert("AttributeDefinitions", Tree::List(s.attributes().into_iter().map(|a| tmap! { "AttributeName" => &a.name, "AttributeType" => a.kind }).collect()));
    m.insert("KeySchema", key_schema(&s.hash, s.range.as_ref()));
    if !s.indexes.is_empty() {
        let gsis = s
            .indexes
            .iter()
            .map(|i| tmap! { "IndexName" => &i.name, "KeySchema" => key_schema(&i.hash, i.range.as_ref()), "Projection" => tmap! { "ProjectionType" => i.projection } })
            .collect::<Vec<_>>();
        m.insert("GlobalSecondaryIndexes", Tree::List(gsis));
    }
    m
}

fn key_schema<'a>(hash: &'a crate::graph::KeyAttr, range: Option<&'a crate::graph::KeyAttr>) -> Tree<'a> {
    let mut ks = vec![tmap! { "AttributeName" => &hash.name, "KeyType" => "HASH" }];
    if let Some(r) = range {
        ks.push(tmap! { "AttributeName" => &r.name, "KeyType" => "RANGE" });
    }
    Tree::List(ks)
}

/// The `Fn::GetAtt` attribute name for `attr` of `id`, or `None` for `Ref`.
fn attribute(g: &Graph, id: &str, attr: Attr) -> Option<&'static str> {
    let r = g.nodes.get(id).map(|n| &n.resource);
    Some(match attr {
        Attr::Id => match r {
            Some(Resource::SecurityGroup { .. }) => "GroupId",
            _ => return None,
        },
        Attr::Arn => "Arn",
        Attr::Name => match r {
            Some(Resource::Queue { .. }) => "QueueName",
            Some(Resource::Topic { .. }) => "TopicName",
            _ => return None,
        },
        Attr::StreamArn => "StreamArn",
        Attr::Version => "Version",
        Attr::Endpoint => "ApiEndpoint",
        Attr::AllocationId => "AllocationId",
    })
}

fn pseudo(p: Pseudo) -> &'static str {
    match p {
        Pseudo::Region => "AWS::Region",
        Pseudo::AccountId => "AWS::AccountId",
        Pseudo::Partition => "AWS::Partition",
        Pseudo::UrlSuffix => "AWS::URLSuffix",
    }
}

/// Append `e` to an `Fn::Sub` string; false when it cannot be substituted.
fn push_sub(g: &Graph, s: &mut String, e: &Expr) -> bool {
    match e {
        Expr::Str(t) => s.push_str(&t.replace("${", "${!")),
        Expr::Ref(id, attr) => {
            s.push_str("${");
            s.push_str(id);
            if let Some(a) = attribute(g, id, *attr) {
                s.push('.');
                s.push_str(a);
            }
            s.push('}');
        }
        Expr::Param(p) => {
            s.push_str("${");
            s.push_str(p);
            s.push('}');
        }
        Expr::Pseudo(p) => {
            s.push_str("${");
            s.push_str(pseudo(*p));
            s.push('}');
        }
        Expr::Zone(_) | Expr::Join(_) => return false,
    }
    true
}

/// Render a value: literals as strings, references as `Ref`/`Fn::GetAtt`,
/// joins as `Fn::Sub` (readable) or `Fn::Join` when a part cannot be substituted.
pub fn expr<'a>(g: &'a Graph, e: &'a Expr) -> Tree<'a> {
    match e {
        Expr::Str(s) => Tree::from(s),
        Expr::Ref(id, attr) => match attribute(g, id, *attr) {
            None => tmap! { "Ref" => id },
            Some(a) => tmap! { "Fn::GetAtt" => tlist![id, a] },
        },
        Expr::Param(p) => tmap! { "Ref" => p },
        Expr::Pseudo(p) => tmap! { "Ref" => pseudo(*p) },
        Expr::Zone(n) => zone_select(*n),
        Expr::Join(parts) => {
            let mut s = String::new();
            if parts.iter().all(|p| push_sub(g, &mut s, p)) {
                tmap! { "Fn::Sub" => s }
            } else {
                tmap! { "Fn::Join" => tlist!["", Tree::List(parts.iter().map(|p| expr(g, p)).collect())] }
            }
        }
    }
}
