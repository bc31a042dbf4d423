//! CloudFormation: a graph becomes a template, as a JSON value in the order
//! people read templates in (version, description, parameters, resources,
//! outputs), then JSON or YAML text.

use crate::graph::{Attr, Expr, Graph, Node, Pseudo, Resource, TableShape};
use crate::text::tree::{Bump, MapBuilder, Shared, Tree, find_interpolation, list, map};
use crate::{tlist, tmap};

/// A [`MapBuilder`] with its first entries: `builder!(a; "Key" => value, ...)`.
macro_rules! builder {
    ($a:expr; $($k:expr => $v:expr),* $(,)?) => {{
        let mut m = MapBuilder::new($a);
        $(m.push($k, $v);)*
        m
    }};
}

/// The template of one region, built in arena `a`.
pub fn template<'a>(g: &'a Graph, a: &'a Bump) -> Tree<'a> {
    let mut t = builder!(a; "AWSTemplateFormatVersion" => "2010-09-09", "Description" => &g.description);
    if !g.parameters.is_empty() {
        let params = g.parameters.iter().map(|p| {
            let mut v = builder!(a; "Type" => "String", "Description" => &p.description);
            if !p.optional() {
                v.push("MinLength", 1u32);
            }
            if let Some(d) = &p.default {
                v.push("Default", d);
            }
            (p.name.as_str(), v.finish())
        });
        t.push("Parameters", map(a, params));
        let optional = g.parameters.iter().filter(|p| p.optional()).map(|p| {
            let name: &str = a.alloc_str(&unset_condition(&p.name));
            (name, tmap! { a; "Fn::Equals" => tlist![a; tmap! { a; "Ref" => p.name.as_str() }, ""] })
        });
        let conditions = map(a, optional);
        if !conditions.entries().is_empty() {
            t.push("Conditions", conditions);
        }
    }
    // Every taggable resource carries the same tags: build them once, share them.
    let tags = Tags {
        list: Shared::new_in(tag_list(g, &g.region, a), a),
        map: Shared::new_in(map(a, g.tags.iter().map(|(k, v)| (k.as_str(), Tree::Str(v)))), a),
    };
    // A resource CloudFormation has no type for (the default security group) is left out.
    let nodes = g.nodes.iter().filter(|(_, node)| !type_name(&node.resource).is_empty());
    t.push("Resources", map(a, nodes.map(|(id, node)| (id.as_str(), resource(g, node, &tags, a)))));
    if !g.outputs.is_empty() {
        let mut sorted: Vec<_> = g.outputs.iter().collect();
        sorted.sort_by(|x, y| x.name.cmp(&y.name));
        let outputs =
            sorted.into_iter().map(|o| (o.name.as_str(), tmap! { a; "Description" => &o.description, "Value" => expr(g, &o.value, a) }));
        t.push("Outputs", map(a, outputs));
    }
    t.finish()
}

/// The app's tags in both of CloudFormation's shapes.
struct Tags<'a> {
    list: Tree<'a>,
    map: Tree<'a>,
}

/// The CloudFormation type name of a resource.
pub fn type_name(r: &Resource) -> &'static str {
    r.type_names().cloudformation
}

/// How tags are written on a resource type, if it takes them.
enum TagStyle {
    List,
    Map,
    None,
}

fn tag_style(r: &Resource) -> TagStyle {
    match r {
        Resource::HttpApi { .. } | Resource::Stage { .. } | Resource::ApiDomain { .. } => TagStyle::Map,
        Resource::LogGroup { .. }
        | Resource::Role { .. }
        | Resource::Function { .. }
        | Resource::Table { .. }
        | Resource::Queue { .. }
        | Resource::Topic { .. }
        | Resource::Alarm { .. }
        | Resource::CodeDeployApplication
        | Resource::SloAlarm { .. }
        | Resource::SloCompositeAlarm { .. }
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

fn tag_list<'a>(g: &'a Graph, region: &'a str, a: &'a Bump) -> Tree<'a> {
    list(
        a,
        g.tags.iter().map(|(k, v)| {
            let v = if k == "lift:region" { region } else { v.as_str() };
            tmap! { a; "Key" => k, "Value" => v }
        }),
    )
}

fn resource<'a>(g: &'a Graph, node: &'a Node, tags: &Tags<'a>, a: &'a Bump) -> Tree<'a> {
    let r: &Resource = &node.resource;
    let mut props = properties(g, r, a);
    if node.tagged {
        match tag_style(r) {
            TagStyle::List => props.push("Tags", tags.list),
            TagStyle::Map => props.push("Tags", tags.map),
            TagStyle::None => {}
        }
    }
    let mut out = builder!(a; "Type" => type_name(r));
    if node.retain {
        out.push("DeletionPolicy", "Retain");
        out.push("UpdateReplacePolicy", "Retain");
    } else if matches!(r, Resource::Table { .. } | Resource::GlobalTable { .. }) {
        // cfn-lint asks stateful resources to say what happens to their data.
        out.push("DeletionPolicy", "Delete");
        out.push("UpdateReplacePolicy", "Delete");
    }
    if !node.depends_on.is_empty() {
        out.push("DependsOn", list(a, node.depends_on.iter().map(|d| Tree::Str(d))));
    }
    if !node.skips.is_empty() {
        // checkov reads `Metadata.checkov.skip`: each check and why.
        let skips = list(a, node.skips.iter().map(|s| tmap! { a; "id" => s.check, "comment" => s.reason.as_str() }));
        out.push("Metadata", tmap! { a; "checkov" => tmap! { a; "skip" => skips } });
    }
    if let Resource::Alias { codedeploy: Some(c), .. } = r {
        // CodeDeploy shifts the alias when CloudFormation updates it.
        let mut update = builder!(a; "ApplicationName" => expr(g, &c.application, a), "DeploymentGroupName" => expr(g, &c.group, a));
        if let Some(h) = &c.before {
            update.push("BeforeAllowTrafficHook", expr(g, h, a));
        }
        if let Some(h) = &c.after {
            update.push("AfterAllowTrafficHook", expr(g, h, a));
        }
        out.push("UpdatePolicy", tmap! { a; "CodeDeployLambdaAliasUpdate" => update.finish() });
    }
    out.push("Properties", props.finish());
    out.finish()
}

fn exprs<'a>(g: &'a Graph, es: &'a [Expr], a: &'a Bump) -> Tree<'a> {
    list(a, es.iter().map(|e| expr(g, e, a)))
}

fn strs<'a>(items: &'a [String], a: &'a Bump) -> Tree<'a> {
    list(a, items.iter().map(|s| Tree::Str(s)))
}

/// The HTTP API's access log line (JSON).
pub(crate) const ACCESS_LOG_FORMAT: &str = "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\",\"requestTime\":\"$context.requestTime\",\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\",\"latency\":\"$context.responseLatency\",\"integrationError\":\"$context.integrationErrorMessage\"}";

fn properties<'a>(g: &'a Graph, r: &'a Resource, a: &'a Bump) -> MapBuilder<'a> {
    let e = |x: &'a Expr| expr(g, x, a);
    match r {
        Resource::LogGroup { retention_days, kms_key } => {
            let mut m = builder!(a; "RetentionInDays" => *retention_days);
            if let Some(k) = kms_key {
                m.push("KmsKeyId", e(k));
            }
            m
        }
        Resource::CodeSigningConfig { profiles, enforce, description } => builder!(a;
            "Description" => description,
            "AllowedPublishers" => tmap! { a; "SigningProfileVersionArns" => exprs(g, profiles, a) },
            "CodeSigningPolicies" => tmap! { a; "UntrustedArtifactOnDeployment" => if *enforce { "Enforce" } else { "Warn" } },
        ),
        Resource::FlowLog { vpc, log_group, role } => builder!(a;
            "ResourceId" => e(vpc),
            "ResourceType" => "VPC",
            "TrafficType" => "ALL",
            "LogDestinationType" => "cloud-watch-logs",
            "LogDestination" => e(log_group),
            "DeliverLogsPermissionArn" => e(role),
        ),
        // Left out of the template (see `template`).
        Resource::DefaultSecurityGroup { .. } => MapBuilder::new(a),
        Resource::Role { service, managed_policies, statements } => {
            let trust = tmap! { a;
                "Version" => "2012-10-17",
                "Statement" => tlist![a; tmap! { a; "Effect" => "Allow", "Principal" => tmap! { a; "Service" => service }, "Action" => "sts:AssumeRole" }],
            };
            let mut m = builder!(a; "AssumeRolePolicyDocument" => trust);
            if !managed_policies.is_empty() {
                m.push("ManagedPolicyArns", exprs(g, managed_policies, a));
            }
            let stmts = list(
                a,
                statements
                    .iter()
                    .map(|s| tmap! { a; "Effect" => "Allow", "Action" => list(a, s.actions.iter().map(|x| Tree::Str(x))), "Resource" => exprs(g, &s.resources, a) }),
            );
            let doc = tmap! { a; "Version" => "2012-10-17", "Statement" => stmts };
            m.push("Policies", tlist![a; tmap! { a; "PolicyName" => "least-privilege", "PolicyDocument" => doc }]);
            m
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
            kms_key,
            dead_letter,
            code_signing,
        } => {
            let mut m = builder!(a;
                "Runtime" => runtime,
                "Handler" => handler,
                "Code" => tmap! { a; "S3Bucket" => e(code_bucket), "S3Key" => e(code_key) },
                "MemorySize" => *memory_mb,
                "Timeout" => *timeout_s,
                "Architectures" => tlist![a; architecture],
                "Role" => e(role),
            );
            if !environment.is_empty() {
                let vars = map(a, environment.iter().map(|(k, x)| (k.as_str(), e(x))));
                m.push("Environment", tmap! { a; "Variables" => vars });
            }
            m.push("LoggingConfig", tmap! { a; "LogGroup" => e(log_group), "LogFormat" => "JSON" });
            m.push("TracingConfig", tmap! { a; "Mode" => tracing });
            if let Some(n) = reserved_concurrency {
                m.push("ReservedConcurrentExecutions", *n);
            }
            if let Some((subnets, groups)) = vpc {
                m.push("VpcConfig", tmap! { a; "SubnetIds" => exprs(g, subnets, a), "SecurityGroupIds" => exprs(g, groups, a) });
            }
            if let Some(k) = kms_key {
                m.push("KmsKeyArn", e(k));
            }
            if let Some(q) = dead_letter {
                m.push("DeadLetterConfig", tmap! { a; "TargetArn" => e(q) });
            }
            if let Some(c) = code_signing {
                m.push("CodeSigningConfigArn", e(c));
            }
            m
        }
        Resource::FunctionVersion { function, description } => builder!(a; "FunctionName" => e(function), "Description" => e(description)),
        Resource::Alias { function, version, name, .. } => {
            builder!(a; "FunctionName" => e(function), "FunctionVersion" => e(version), "Name" => name)
        }
        Resource::Permission { function, principal, source_arn } => {
            builder!(a; "Action" => "lambda:InvokeFunction", "FunctionName" => e(function), "Principal" => principal, "SourceArn" => e(source_arn))
        }
        Resource::HttpApi { name, cors } => {
            let mut m = builder!(a; "Name" => name, "ProtocolType" => "HTTP");
            if let Some(c) = cors {
                let mut cm = builder!(a; "AllowOrigins" => strs(&c.origins, a), "AllowMethods" => strs(&c.methods, a));
                if !c.headers.is_empty() {
                    cm.push("AllowHeaders", strs(&c.headers, a));
                }
                m.push("CorsConfiguration", cm.finish());
            }
            m
        }
        Resource::Stage { api, log_group_arn, rate, burst } => builder!(a;
            "ApiId" => e(api),
            "StageName" => "$default",
            "AutoDeploy" => true,
            "AccessLogSettings" => tmap! { a; "DestinationArn" => e(log_group_arn), "Format" => ACCESS_LOG_FORMAT },
            "DefaultRouteSettings" => tmap! { a; "ThrottlingRateLimit" => *rate, "ThrottlingBurstLimit" => *burst, "DetailedMetricsEnabled" => true },
        ),
        Resource::Integration { api, target } => {
            builder!(a; "ApiId" => e(api), "IntegrationType" => "AWS_PROXY", "IntegrationUri" => e(target), "PayloadFormatVersion" => "2.0")
        }
        Resource::Route { api, key, integration, authorization } => builder!(a;
            "ApiId" => e(api),
            "RouteKey" => key,
            "AuthorizationType" => authorization,
            "Target" => join_prefix(g, "integrations/", integration, a),
        ),
        Resource::Table { shape } => {
            let mut m = table_common(shape, a);
            m.push("BillingMode", "PAY_PER_REQUEST");
            match &shape.kms_key {
                Some(k) => m.push("SSESpecification", tmap! { a; "SSEEnabled" => true, "SSEType" => "KMS", "KMSMasterKeyId" => e(k) }),
                None => m.push("SSESpecification", tmap! { a; "SSEEnabled" => true }),
            }
            m.push("PointInTimeRecoverySpecification", tmap! { a; "PointInTimeRecoveryEnabled" => shape.pitr });
            if let Some(view) = shape.stream {
                m.push("StreamSpecification", tmap! { a; "StreamViewType" => view });
            }
            if let Some(ttl) = &shape.ttl {
                m.push("TimeToLiveSpecification", tmap! { a; "AttributeName" => ttl, "Enabled" => true });
            }
            m
        }
        Resource::GlobalTable { shape, replicas, replica_keys } => {
            let mut m = table_common(shape, a);
            m.push("BillingMode", "PAY_PER_REQUEST");
            if shape.kms_key.is_some() {
                m.push("SSESpecification", tmap! { a; "SSEEnabled" => true, "SSEType" => "KMS" });
            } else {
                m.push("SSESpecification", tmap! { a; "SSEEnabled" => true });
            }
            m.push("StreamSpecification", tmap! { a; "StreamViewType" => shape.stream.unwrap_or("NEW_AND_OLD_IMAGES") });
            if let Some(ttl) = &shape.ttl {
                m.push("TimeToLiveSpecification", tmap! { a; "AttributeName" => ttl, "Enabled" => true });
            }
            let reps = list(
                a,
                replicas.iter().map(|region| {
                    let mut r = builder!(a;
                        "Region" => region,
                        "PointInTimeRecoverySpecification" => tmap! { a; "PointInTimeRecoveryEnabled" => shape.pitr },
                    );
                    if let Some(k) = replica_keys.get(region) {
                        r.push("SSESpecification", tmap! { a; "KMSMasterKeyId" => k.as_str() });
                    }
                    r.push("Tags", tag_list(g, region, a));
                    r.finish()
                }),
            );
            m.push("Replicas", reps);
            m
        }
        Resource::Queue { fifo, visibility_timeout_s, retention_s, dead_letter, kms_key } => {
            let mut m = MapBuilder::new(a);
            if *fifo {
                m.push("FifoQueue", true);
            }
            m.push("VisibilityTimeout", *visibility_timeout_s);
            m.push("MessageRetentionPeriod", *retention_s);
            match kms_key {
                Some(k) => m.push("KmsMasterKeyId", e(k)),
                None => m.push("SqsManagedSseEnabled", true),
            }
            if let Some((arn, max)) = dead_letter {
                m.push("RedrivePolicy", tmap! { a; "deadLetterTargetArn" => e(arn), "maxReceiveCount" => *max });
            }
            m
        }
        Resource::Topic { display_name, kms_key } => {
            let mut m = MapBuilder::new(a);
            if let Some(d) = display_name {
                m.push("DisplayName", d);
            }
            match kms_key {
                Some(k) => m.push("KmsMasterKeyId", e(k)),
                None => m.push("KmsMasterKeyId", Tree::Str("alias/aws/sns")),
            }
            m
        }
        Resource::Subscription { topic, endpoint } => {
            builder!(a; "TopicArn" => e(topic), "Protocol" => "lambda", "Endpoint" => e(endpoint))
        }
        Resource::EventRule { schedule, pattern, target, target_id } => {
            let mut m = MapBuilder::new(a);
            if let Some(s) = schedule {
                m.push("ScheduleExpression", s);
            }
            if let Some(p) = pattern {
                m.push("EventPattern", Tree::from_value(p, a));
            }
            m.push("State", "ENABLED");
            m.push("Targets", tlist![a; tmap! { a; "Arn" => e(target), "Id" => target_id }]);
            m
        }
        Resource::EventSourceMapping { source, function, batch_size } => builder!(a;
            "EventSourceArn" => e(source),
            "FunctionName" => e(function),
            "BatchSize" => *batch_size,
            "FunctionResponseTypes" => tlist![a; "ReportBatchItemFailures"],
        ),
        Resource::Alarm { metric, function, threshold, description } => builder!(a;
            "AlarmDescription" => description,
            "Namespace" => "AWS/Lambda",
            "MetricName" => metric,
            "Dimensions" => tlist![a; tmap! { a; "Name" => "FunctionName", "Value" => e(function) }],
            "Statistic" => "Sum",
            "Period" => 60u32,
            "EvaluationPeriods" => 1u32,
            "Threshold" => *threshold,
            "ComparisonOperator" => "GreaterThanOrEqualToThreshold",
            "TreatMissingData" => "notBreaching",
        ),
        Resource::SloAlarm { api, window_s, threshold, latency_ms, description } => {
            let (period, periods) = alarm_periods(*window_s);
            let stat = |id: &'a str, metric: &'a str, statistic: &'a str| {
                let dims = tlist![a; tmap! { a; "Name" => "ApiId", "Value" => e(api) }];
                tmap! { a;
                    "Id" => id,
                    "MetricStat" => tmap! { a; "Metric" => tmap! { a; "Namespace" => "AWS/ApiGateway", "MetricName" => metric, "Dimensions" => dims }, "Period" => period, "Stat" => statistic },
                    "ReturnData" => false,
                }
            };
            let metrics = match latency_ms {
                Some(ms) => {
                    let pr: &str = a.alloc_str(&format!("PR(:{ms})"));
                    tlist![a;
                        stat("good", "Latency", pr),
                        tmap! { a; "Id" => "ratio", "Expression" => "(100 - good) / 100", "Label" => "share slower than the threshold", "ReturnData" => true },
                    ]
                }
                None => tlist![a;
                    stat("bad", "5xx", "Sum"),
                    stat("total", "Count", "Sum"),
                    tmap! { a; "Id" => "ratio", "Expression" => "IF(total > 0, bad / total, 0)", "Label" => "error ratio", "ReturnData" => true },
                ],
            };
            let threshold = threshold.parse::<serde_json::Number>().map_or(Tree::Str(threshold), |n| Tree::Num(a.alloc(n)));
            builder!(a;
                "AlarmDescription" => description,
                "ComparisonOperator" => "GreaterThanThreshold",
                "Threshold" => threshold,
                "EvaluationPeriods" => periods,
                "DatapointsToAlarm" => periods,
                "TreatMissingData" => "notBreaching",
                "Metrics" => metrics,
            )
        }
        Resource::SloCompositeAlarm { long, short, description } => {
            let mut rule = bumpalo::collections::String::from_str_in("ALARM(\"", a);
            push_sub(g, &mut rule, long);
            rule.push_str("\") AND ALARM(\"");
            push_sub(g, &mut rule, short);
            rule.push_str("\")");
            builder!(a; "AlarmDescription" => description, "AlarmRule" => tmap! { a; "Fn::Sub" => Tree::Str(rule.into_bump_str()) })
        }
        Resource::CodeDeployApplication => builder!(a; "ComputePlatform" => "Lambda"),
        Resource::CodeDeployConfig { linear, percent, minutes } => {
            let routing = if *linear {
                tmap! { a; "Type" => "TimeBasedLinear", "TimeBasedLinear" => tmap! { a; "LinearPercentage" => *percent, "LinearInterval" => *minutes } }
            } else {
                tmap! { a; "Type" => "TimeBasedCanary", "TimeBasedCanary" => tmap! { a; "CanaryPercentage" => *percent, "CanaryInterval" => *minutes } }
            };
            builder!(a; "ComputePlatform" => "Lambda", "TrafficRoutingConfig" => routing)
        }
        Resource::DeploymentGroup { application, role, config, alarms } => builder!(a;
            "ApplicationName" => e(application),
            "ServiceRoleArn" => e(role),
            "DeploymentConfigName" => e(config),
            "DeploymentStyle" => tmap! { a; "DeploymentType" => "BLUE_GREEN", "DeploymentOption" => "WITH_TRAFFIC_CONTROL" },
            "AutoRollbackConfiguration" => tmap! { a; "Enabled" => true, "Events" => tlist![a; "DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"] },
            "AlarmConfiguration" => tmap! { a; "Enabled" => true, "Alarms" => list(a, alarms.iter().map(|x| tmap! { a; "Name" => e(x) })) },
        ),
        Resource::Vpc { cidr } => builder!(a; "CidrBlock" => cidr, "EnableDnsHostnames" => true, "EnableDnsSupport" => true),
        Resource::Subnet { vpc, cidr, zone, .. } => {
            builder!(a; "VpcId" => e(vpc), "CidrBlock" => cidr, "AvailabilityZone" => zone_select(*zone, a), "MapPublicIpOnLaunch" => false)
        }
        Resource::RouteTable { vpc } => builder!(a; "VpcId" => e(vpc)),
        Resource::SubnetRouteTableAssociation { subnet, route_table } => {
            builder!(a; "SubnetId" => e(subnet), "RouteTableId" => e(route_table))
        }
        Resource::SecurityGroup { vpc, description } => builder!(a;
            "GroupDescription" => description,
            "VpcId" => e(vpc),
            "SecurityGroupEgress" => tlist![a; tmap! { a; "IpProtocol" => "tcp", "FromPort" => 443u32, "ToPort" => 443u32, "CidrIp" => "0.0.0.0/0", "Description" => "HTTPS to AWS APIs and endpoints" }],
        ),
        Resource::VpcEndpoint { vpc, service, route_tables } => builder!(a;
            "VpcId" => e(vpc),
            "ServiceName" => tmap! { a; "Fn::Sub" => format!("com.amazonaws.${{AWS::Region}}.{service}") },
            "VpcEndpointType" => "Gateway",
            "RouteTableIds" => exprs(g, route_tables, a),
        ),
        Resource::InternetGateway => MapBuilder::new(a),
        Resource::ElasticIp => builder!(a; "Domain" => "vpc"),
        Resource::GatewayAttachment { vpc, gateway } => builder!(a; "VpcId" => e(vpc), "InternetGatewayId" => e(gateway)),
        Resource::NatGateway { subnet, allocation } => builder!(a; "SubnetId" => e(subnet), "AllocationId" => e(allocation)),
        Resource::DefaultRoute { route_table, target, via_nat } => {
            let key = if *via_nat { "NatGatewayId" } else { "GatewayId" };
            builder!(a; "RouteTableId" => e(route_table), "DestinationCidrBlock" => "0.0.0.0/0", key => e(target))
        }
        Resource::ApiDomain { name, certificate } => builder!(a;
            "DomainName" => name,
            "DomainNameConfigurations" => tlist![a; tmap! { a; "CertificateArn" => e(certificate), "EndpointType" => "REGIONAL", "SecurityPolicy" => "TLS_1_2" }],
        ),
        Resource::ApiMapping { api, domain } => builder!(a; "ApiId" => e(api), "DomainName" => e(domain), "Stage" => "$default"),
        Resource::HealthCheck { fqdn, path, interval_s, failures } => builder!(a;
            "HealthCheckConfig" => tmap! { a;
                "Type" => "HTTPS",
                "FullyQualifiedDomainName" => e(fqdn),
                "Port" => 443u32,
                "ResourcePath" => path,
                "RequestInterval" => *interval_s,
                "FailureThreshold" => *failures,
            },
        ),
        Resource::DnsRecord { zone_id, name, set_id, routing, health_check, target, target_zone } => {
            let mut m = builder!(a; "HostedZoneId" => zone_id, "Name" => name, "Type" => "A", "SetIdentifier" => set_id);
            match routing {
                crate::graph::DnsRouting::Weighted(w) => m.push("Weight", Tree::Int(i64::from(*w))),
                other => m.push("Failover", Tree::Str(other.failover().unwrap_or_default())),
            }
            m.push("HealthCheckId", e(health_check));
            m.push("AliasTarget", tmap! { a; "DNSName" => e(target), "HostedZoneId" => e(target_zone), "EvaluateTargetHealth" => true });
            m
        }
    }
}

/// The period and number of periods an alarm over `window_s` seconds evaluates:
/// CloudWatch periods stop at a day, so a longer window is cut into the fewest
/// equal periods of whole minutes (a 2d19h12m window: three of 22h24m), and
/// alarms when every one of them does; whole days when it cannot be cut evenly.
pub(crate) fn alarm_periods(window_s: u64) -> (u64, u64) {
    if window_s <= 86_400 {
        return (window_s, 1);
    }
    let minutes = window_s / 60;
    let even = window_s % 60 == 0;
    (window_s.div_ceil(86_400)..=window_s.div_ceil(86_400) * 4)
        .find(|n| even && minutes % n == 0)
        .map_or((86_400, window_s.div_ceil(86_400)), |n| (window_s / n, n))
}

fn zone_select(zone: u8, a: &Bump) -> Tree<'_> {
    tmap! { a; "Fn::Select" => tlist![a; zone, tmap! { a; "Fn::GetAZs" => "" }] }
}

/// `prefix` followed by a value, as one string (`Fn::Sub`).
fn join_prefix<'a>(g: &'a Graph, prefix: &str, value: &'a Expr, a: &'a Bump) -> Tree<'a> {
    let mut sub = bumpalo::collections::String::from_str_in(prefix, a);
    if push_sub(g, &mut sub, value) {
        tmap! { a; "Fn::Sub" => Tree::Str(sub.into_bump_str()) }
    } else {
        expr(g, value, a)
    }
}

fn table_common<'a>(s: &'a TableShape, a: &'a Bump) -> MapBuilder<'a> {
    let mut m = MapBuilder::new(a);
    if let Some(n) = &s.name {
        m.push("TableName", n);
    }
    m.push(
        "AttributeDefinitions",
        list(a, s.attributes().into_iter().map(|x| tmap! { a; "AttributeName" => &x.name, "AttributeType" => x.kind })),
    );
    m.push("KeySchema", key_schema(&s.hash, s.range.as_ref(), a));
    if !s.indexes.is_empty() {
        let gsis = list(
            a,
            s.indexes.iter().map(|i| {
                tmap! { a; "IndexName" => &i.name, "KeySchema" => key_schema(&i.hash, i.range.as_ref(), a), "Projection" => tmap! { a; "ProjectionType" => i.projection } }
            }),
        );
        m.push("GlobalSecondaryIndexes", gsis);
    }
    m
}

fn key_schema<'a>(hash: &'a crate::graph::KeyAttr, range: Option<&'a crate::graph::KeyAttr>, a: &'a Bump) -> Tree<'a> {
    let hash = tmap! { a; "AttributeName" => &hash.name, "KeyType" => "HASH" };
    match range {
        Some(r) => tlist![a; hash, tmap! { a; "AttributeName" => &r.name, "KeyType" => "RANGE" }],
        None => tlist![a; hash],
    }
}

/// The `Fn::GetAtt` attribute name for `attr` of `id`, or `None` for `Ref`.
/// Only names differ by resource type, so only they look the resource up
/// (`Ref` of a security group in a VPC is already its ID).
fn attribute(g: &Graph, id: &str, attr: Attr) -> Option<&'static str> {
    Some(match attr {
        Attr::Id => return None,
        Attr::Arn => match g.nodes.get(id).map(|n| &*n.resource) {
            Some(Resource::CodeSigningConfig { .. }) => "CodeSigningConfigArn",
            _ => "Arn",
        },
        Attr::Name => match g.nodes.get(id).map(|n| &*n.resource) {
            Some(Resource::Queue { .. }) => "QueueName",
            Some(Resource::Topic { .. }) => "TopicName",
            _ => return None,
        },
        Attr::StreamArn => "StreamArn",
        Attr::Version => "Version",
        Attr::Endpoint => "ApiEndpoint",
        Attr::AllocationId => "AllocationId",
        Attr::RegionalDomainName => "RegionalDomainName",
        Attr::RegionalHostedZoneId => "RegionalHostedZoneId",
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

/// The condition that holds when optional parameter `p` is passed empty.
pub fn unset_condition(p: &str) -> String {
    format!("{p}Unset")
}

/// Append `e` to an `Fn::Sub` string; false when it cannot be substituted.
fn push_sub(g: &Graph, s: &mut bumpalo::collections::String<'_>, e: &Expr) -> bool {
    match e {
        Expr::Str(t) => {
            // A literal `${` must be written `${!` inside `Fn::Sub`.
            let mut rest = t.as_str();
            while let Some(i) = find_interpolation(rest) {
                s.push_str(rest.get(..i).unwrap_or_default());
                s.push_str("${!");
                rest = rest.get(i + 2..).unwrap_or_default();
            }
            s.push_str(rest);
        }
        Expr::Ref(id, attr) => {
            s.push_str("${");
            s.push_str(id);
            if let Some(x) = attribute(g, id, *attr) {
                s.push('.');
                s.push_str(x);
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
        Expr::Zone(_) | Expr::Join(_) | Expr::ParamOr(..) => return false,
    }
    true
}

/// Render a value: literals as strings, references as `Ref`/`Fn::GetAtt`,
/// joins as `Fn::Sub` (readable) or `Fn::Join` when a part cannot be substituted.
pub fn expr<'a>(g: &'a Graph, e: &'a Expr, a: &'a Bump) -> Tree<'a> {
    match e {
        Expr::Str(s) => Tree::Str(s),
        Expr::Ref(id, attr) => match attribute(g, id, *attr) {
            None => tmap! { a; "Ref" => id },
            Some(x) => tmap! { a; "Fn::GetAtt" => tlist![a; id, x] },
        },
        Expr::Param(p) => tmap! { a; "Ref" => p },
        Expr::Pseudo(p) => tmap! { a; "Ref" => pseudo(*p) },
        Expr::Zone(n) => zone_select(*n, a),
        Expr::ParamOr(p, fallback) => {
            let condition: &str = a.alloc_str(&unset_condition(p));
            tmap! { a; "Fn::If" => tlist![a; condition, expr(g, fallback, a), tmap! { a; "Ref" => p }] }
        }
        Expr::Join(parts) => {
            let mut s = bumpalo::collections::String::new_in(a);
            if parts.iter().all(|p| push_sub(g, &mut s, p)) {
                tmap! { a; "Fn::Sub" => Tree::Str(s.into_bump_str()) }
            } else {
                tmap! { a; "Fn::Join" => tlist![a; "", list(a, parts.iter().map(|p| expr(g, p, a)))] }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_windows_are_cut_into_equal_periods_of_whole_minutes() {
        assert_eq!(super::alarm_periods(3600), (3600, 1));
        assert_eq!(super::alarm_periods(3 * 86_400), (86_400, 3));
        // 28 days' ticket window: three periods of 22h24m, not three whole days.
        assert_eq!(super::alarm_periods(241_920), (80_640, 3));
        // 1d9h36m (14 days'): two of 16h48m.
        assert_eq!(super::alarm_periods(120_960), (60_480, 2));
        // Not whole minutes: whole days, rounded up.
        assert_eq!(super::alarm_periods(86_401), (86_400, 2));
    }
}
