//! What each resource of the graph becomes in the provider's model: its type,
//! its arguments and nested blocks, the resources it adds (an event rule's
//! target) or folds away (a version, which is the function's `publish`).

use super::*;

/// The resources one node becomes (none for a folded version, two for an event rule).
pub(super) fn resources<'a>(m: &mut Module<'a>, node: &'a Node, a: &'a Bump) -> Option<()> {
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
        Resource::LogGroup { retention_days, kms_key } => {
            let mut b = body!(a; "retention_in_days" => Lit(*retention_days));
            if let Some(k) = kms_key {
                b.push("kms_key_id", e(k));
            }
            b
        }
        Resource::CodeSigningConfig { profiles, enforce, description } => body!(a;
            "description" => s(description),
            "allowed_publishers" => body!(a; "signing_profile_version_arns" => exprs(a, profiles)).block(),
            "policies" => body!(a; "untrusted_artifact_on_deployment" => s(if *enforce { "Enforce" } else { "Warn" })).block(),
        ),
        Resource::FlowLog { vpc, log_group, role } => body!(a;
            "vpc_id" => e(vpc),
            "traffic_type" => s("ALL"),
            "log_destination_type" => s("cloud-watch-logs"),
            "log_destination" => e(log_group),
            "iam_role_arn" => e(role),
        ),
        // No rules at all: the group exists in every VPC and is taken over empty.
        Resource::DefaultSecurityGroup { vpc } => body!(a; "vpc_id" => e(vpc)),
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
            kms_key,
            dead_letter,
            code_signing,
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
            if let Some(k) = kms_key {
                b.push("kms_key_arn", e(k));
            }
            if let Some(q) = dead_letter {
                b.push("dead_letter_config", body!(a; "target_arn" => e(q)).block());
            }
            if let Some(c) = code_signing {
                b.push("code_signing_config_arn", e(c));
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
            "access_log_settings" => body!(a; "destination_arn" => e(log_group_arn), "format" => s(crate::iac::cloudformation::ACCESS_LOG_FORMAT)).block(),
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
        Resource::GlobalTable { shape, replicas, replica_keys } => {
            let mut b = table(g, id, shape, a);
            b.push("point_in_time_recovery", body!(a; "enabled" => Lit(shape.pitr)).block());
            b.push("stream_enabled", Lit(true));
            b.push("stream_view_type", s(shape.stream.unwrap_or("NEW_AND_OLD_IMAGES")));
            // The table itself is the replica in this region.
            let others = replicas.iter().filter(|r| **r != g.region).map(|region| {
                let mut r = body!(a;
                    "region_name" => s(region),
                    "point_in_time_recovery" => Lit(shape.pitr),
                    "propagate_tags" => Lit(true),
                );
                if let Some(k) = replica_keys.get(region) {
                    r.push("kms_key_arn", s(k));
                }
                r.block()
            });
            let others = list(a, others);
            if others != V::List(&[]) {
                b.push("replica", others);
            }
            b
        }
        Resource::Queue { fifo, visibility_timeout_s, retention_s, dead_letter, kms_key } => {
            let mut b = BodyBuilder::new(a);
            if *fifo {
                b.push("fifo_queue", Lit(true));
            }
            b.push("visibility_timeout_seconds", Lit(*visibility_timeout_s));
            b.push("message_retention_seconds", Lit(*retention_s));
            match kms_key {
                Some(k) => b.push("kms_master_key_id", e(k)),
                None => b.push("sqs_managed_sse_enabled", Lit(true)),
            }
            if let Some((arn, max)) = dead_letter {
                let policy = map(a, [("deadLetterTargetArn", e(arn)), ("maxReceiveCount", V::Lit(Tree::Int(i64::from(*max))))]);
                b.push("redrive_policy", V::Json(a.alloc(policy)));
            }
            b
        }
        Resource::Topic { display_name, kms_key } => {
            let mut b = BodyBuilder::new(a);
            if let Some(d) = display_name {
                b.push("display_name", s(d));
            }
            match kms_key {
                Some(k) => b.push("kms_master_key_id", e(k)),
                None => b.push("kms_master_key_id", s("alias/aws/sns")),
            }
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
            let (period, periods) = crate::iac::cloudformation::alarm_periods(*window_s);
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
    let mut sse = body!(a; "enabled" => Lit(true));
    if let Some(k) = &shape.kms_key {
        sse.push("kms_key_arn", V::Expr(k));
    }
    b.push("server_side_encryption", sse.block());
    if let Some(ttl) = &shape.ttl {
        b.push("ttl", body!(a; "attribute_name" => s(ttl), "enabled" => Lit(true)).block());
    }
    b
}
