//! CloudFormation: a graph becomes a template, as a JSON value in the order
//! people read templates in (version, description, parameters, resources,
//! outputs), then JSON or YAML text.

use crate::graph::{Attr, Expr, Graph, Node, Pseudo, Resource, TableShape};
use serde_json::{Map, Value, json};

/// The template of one region, as a JSON value.
pub fn template(g: &Graph) -> Value {
    let mut t = Map::new();
    t.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    t.insert("Description".into(), json!(g.description));
    if !g.parameters.is_empty() {
        let mut params = Map::new();
        for p in &g.parameters {
            let mut v = Map::new();
            v.insert("Type".into(), json!("String"));
            v.insert("Description".into(), json!(p.description));
            v.insert("MinLength".into(), json!(1));
            if let Some(d) = &p.default {
                v.insert("Default".into(), json!(d));
            }
            params.insert(p.name.clone(), Value::Object(v));
        }
        t.insert("Parameters".into(), Value::Object(params));
    }
    let mut resources = Map::new();
    for (id, node) in &g.nodes {
        resources.insert(id.clone(), resource(g, node));
    }
    t.insert("Resources".into(), Value::Object(resources));
    if !g.outputs.is_empty() {
        let mut outputs = Map::new();
        let mut sorted: Vec<_> = g.outputs.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        for o in sorted {
            outputs.insert(o.name.clone(), json!({ "Description": o.description, "Value": expr(g, &o.value) }));
        }
        t.insert("Outputs".into(), Value::Object(outputs));
    }
    Value::Object(t)
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

fn tag_list(g: &Graph, region: &str) -> Value {
    Value::Array(
        g.tags
            .iter()
            .map(|(k, v)| {
                let v = if k == "lift:region" { region } else { v.as_str() };
                json!({ "Key": k, "Value": v })
            })
            .collect(),
    )
}

fn resource(g: &Graph, node: &Node) -> Value {
    let r = &node.resource;
    let mut props = properties(g, r);
    if node.tagged {
        match tag_style(r) {
            TagStyle::List => {
                props.insert("Tags".into(), tag_list(g, &g.region));
            }
            TagStyle::Map => {
                props.insert("Tags".into(), Value::Object(g.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect()));
            }
            TagStyle::None => {}
        }
    }
    let mut out = Map::new();
    out.insert("Type".into(), json!(type_name(r)));
    if node.retain {
        out.insert("DeletionPolicy".into(), json!("Retain"));
        out.insert("UpdateReplacePolicy".into(), json!("Retain"));
    } else if matches!(r, Resource::Table { .. } | Resource::GlobalTable { .. }) {
        // cfn-lint asks stateful resources to say what happens to their data.
        out.insert("DeletionPolicy".into(), json!("Delete"));
        out.insert("UpdateReplacePolicy".into(), json!("Delete"));
    }
    if !node.depends_on.is_empty() {
        out.insert("DependsOn".into(), json!(node.depends_on));
    }
    out.insert("Properties".into(), Value::Object(props));
    Value::Object(out)
}

fn exprs(g: &Graph, es: &[Expr]) -> Value {
    Value::Array(es.iter().map(|e| expr(g, e)).collect())
}

fn properties(g: &Graph, r: &Resource) -> Map<String, Value> {
    let e = |x: &Expr| expr(g, x);
    let v = match r {
        Resource::LogGroup { retention_days } => json!({ "RetentionInDays": retention_days }),
        Resource::Role { service, managed_policies, statements } => {
            let mut m = Map::new();
            m.insert(
                "AssumeRolePolicyDocument".into(),
                json!({
                    "Version": "2012-10-17",
                    "Statement": [{ "Effect": "Allow", "Principal": { "Service": service }, "Action": "sts:AssumeRole" }]
                }),
            );
            if !managed_policies.is_empty() {
                m.insert("ManagedPolicyArns".into(), exprs(g, managed_policies));
            }
            let stmts: Vec<Value> =
                statements.iter().map(|s| json!({ "Effect": "Allow", "Action": s.actions, "Resource": exprs(g, &s.resources) })).collect();
            m.insert(
                "Policies".into(),
                json!([{ "PolicyName": "least-privilege", "PolicyDocument": { "Version": "2012-10-17", "Statement": stmts } }]),
            );
            Value::Object(m)
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
            let mut m = Map::new();
            m.insert("Runtime".into(), json!(runtime));
            m.insert("Handler".into(), json!(handler));
            m.insert("Code".into(), json!({ "S3Bucket": e(code_bucket), "S3Key": e(code_key) }));
            m.insert("MemorySize".into(), json!(memory_mb));
            m.insert("Timeout".into(), json!(timeout_s));
            m.insert("Architectures".into(), json!([architecture]));
            m.insert("Role".into(), e(role));
            if !environment.is_empty() {
                let vars: Map<String, Value> = environment.iter().map(|(k, x)| (k.clone(), e(x))).collect();
                m.insert("Environment".into(), json!({ "Variables": vars }));
            }
            m.insert("LoggingConfig".into(), json!({ "LogGroup": e(log_group), "LogFormat": "JSON" }));
            m.insert("TracingConfig".into(), json!({ "Mode": tracing }));
            if let Some(n) = reserved_concurrency {
                m.insert("ReservedConcurrentExecutions".into(), json!(n));
            }
            if let Some((subnets, groups)) = vpc {
                m.insert("VpcConfig".into(), json!({ "SubnetIds": exprs(g, subnets), "SecurityGroupIds": exprs(g, groups) }));
            }
            Value::Object(m)
        }
        Resource::FunctionVersion { function, description } => json!({ "FunctionName": e(function), "Description": e(description) }),
        Resource::Alias { function, version, name } => json!({ "FunctionName": e(function), "FunctionVersion": e(version), "Name": name }),
        Resource::Permission { function, principal, source_arn } => {
            json!({ "Action": "lambda:InvokeFunction", "FunctionName": e(function), "Principal": principal, "SourceArn": e(source_arn) })
        }
        Resource::HttpApi { name, cors } => {
            let mut m = Map::new();
            m.insert("Name".into(), json!(name));
            m.insert("ProtocolType".into(), json!("HTTP"));
            if let Some(c) = cors {
                let mut cm = Map::new();
                cm.insert("AllowOrigins".into(), json!(c.origins));
                cm.insert("AllowMethods".into(), json!(c.methods));
                if !c.headers.is_empty() {
                    cm.insert("AllowHeaders".into(), json!(c.headers));
                }
                m.insert("CorsConfiguration".into(), Value::Object(cm));
            }
            Value::Object(m)
        }
        Resource::Stage { api, log_group_arn, rate, burst } => json!({
            "ApiId": e(api),
            "StageName": "$default",
            "AutoDeploy": true,
            "AccessLogSettings": {
                "DestinationArn": e(log_group_arn),
                "Format": "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\",\"requestTime\":\"$context.requestTime\",\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\",\"latency\":\"$context.responseLatency\",\"integrationError\":\"$context.integrationErrorMessage\"}"
            },
            "DefaultRouteSettings": { "ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst, "DetailedMetricsEnabled": true }
        }),
        Resource::Integration { api, target } => {
            json!({ "ApiId": e(api), "IntegrationType": "AWS_PROXY", "IntegrationUri": e(target), "PayloadFormatVersion": "2.0" })
        }
        Resource::Route { api, key, integration, authorization } => json!({
            "ApiId": e(api),
            "RouteKey": key,
            "AuthorizationType": authorization,
            "Target": expr(g, &Expr::Join(vec![Expr::s("integrations/"), integration.clone()]))
        }),
        Resource::Table { shape } => {
            let mut m = table_common(shape);
            m.insert("BillingMode".into(), json!("PAY_PER_REQUEST"));
            m.insert("SSESpecification".into(), json!({ "SSEEnabled": true }));
            m.insert("PointInTimeRecoverySpecification".into(), json!({ "PointInTimeRecoveryEnabled": shape.pitr }));
            if let Some(view) = shape.stream {
                m.insert("StreamSpecification".into(), json!({ "StreamViewType": view }));
            }
            if let Some(ttl) = &shape.ttl {
                m.insert("TimeToLiveSpecification".into(), json!({ "AttributeName": ttl, "Enabled": true }));
            }
            Value::Object(m)
        }
        Resource::GlobalTable { shape, replicas } => {
            let mut m = table_common(shape);
            m.insert("BillingMode".into(), json!("PAY_PER_REQUEST"));
            m.insert("SSESpecification".into(), json!({ "SSEEnabled": true }));
            m.insert("StreamSpecification".into(), json!({ "StreamViewType": shape.stream.unwrap_or("NEW_AND_OLD_IMAGES") }));
            if let Some(ttl) = &shape.ttl {
                m.insert("TimeToLiveSpecification".into(), json!({ "AttributeName": ttl, "Enabled": true }));
            }
            let reps: Vec<Value> = replicas
                .iter()
                .map(|region| {
                    json!({
                        "Region": region,
                        "PointInTimeRecoverySpecification": { "PointInTimeRecoveryEnabled": shape.pitr },
                        "Tags": tag_list(g, region)
                    })
                })
                .collect();
            m.insert("Replicas".into(), Value::Array(reps));
            Value::Object(m)
        }
        Resource::Queue { fifo, visibility_timeout_s, retention_s, dead_letter } => {
            let mut m = Map::new();
            if *fifo {
                m.insert("FifoQueue".into(), json!(true));
            }
            m.insert("VisibilityTimeout".into(), json!(visibility_timeout_s));
            m.insert("MessageRetentionPeriod".into(), json!(retention_s));
            m.insert("SqsManagedSseEnabled".into(), json!(true));
            if let Some((arn, max)) = dead_letter {
                m.insert("RedrivePolicy".into(), json!({ "deadLetterTargetArn": e(arn), "maxReceiveCount": max }));
            }
            Value::Object(m)
        }
        Resource::Topic { display_name } => {
            let mut m = Map::new();
            if let Some(d) = display_name {
                m.insert("DisplayName".into(), json!(d));
            }
            m.insert("KmsMasterKeyId".into(), json!("alias/aws/sns"));
            Value::Object(m)
        }
        Resource::Subscription { topic, endpoint } => json!({ "TopicArn": e(topic), "Protocol": "lambda", "Endpoint": e(endpoint) }),
        Resource::EventRule { schedule, pattern, target, target_id } => {
            let mut m = Map::new();
            if let Some(s) = schedule {
                m.insert("ScheduleExpression".into(), json!(s));
            }
            if let Some(p) = pattern {
                m.insert("EventPattern".into(), p.clone());
            }
            m.insert("State".into(), json!("ENABLED"));
            m.insert("Targets".into(), json!([{ "Arn": e(target), "Id": target_id }]));
            Value::Object(m)
        }
        Resource::EventSourceMapping { source, function, batch_size } => {
            json!({ "EventSourceArn": e(source), "FunctionName": e(function), "BatchSize": batch_size, "FunctionResponseTypes": ["ReportBatchItemFailures"] })
        }
        Resource::Alarm { metric, function, threshold, description } => json!({
            "AlarmDescription": description,
            "Namespace": "AWS/Lambda",
            "MetricName": metric,
            "Dimensions": [{ "Name": "FunctionName", "Value": e(function) }],
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching"
        }),
        Resource::Vpc { cidr } => json!({ "CidrBlock": cidr, "EnableDnsHostnames": true, "EnableDnsSupport": true }),
        Resource::Subnet { vpc, cidr, zone, .. } => {
            json!({ "VpcId": e(vpc), "CidrBlock": cidr, "AvailabilityZone": e(&Expr::Zone(*zone)), "MapPublicIpOnLaunch": false })
        }
        Resource::RouteTable { vpc } => json!({ "VpcId": e(vpc) }),
        Resource::SubnetRouteTableAssociation { subnet, route_table } => json!({ "SubnetId": e(subnet), "RouteTableId": e(route_table) }),
        Resource::SecurityGroup { vpc, description } => json!({
            "GroupDescription": description,
            "VpcId": e(vpc),
            "SecurityGroupEgress": [{ "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0", "Description": "HTTPS to AWS APIs and endpoints" }]
        }),
        Resource::VpcEndpoint { vpc, service, route_tables } => json!({
            "VpcId": e(vpc),
            "ServiceName": expr(g, &Expr::Join(vec![Expr::s("com.amazonaws."), Expr::Pseudo(Pseudo::Region), Expr::s(format!(".{service}"))])),
            "VpcEndpointType": "Gateway",
            "RouteTableIds": exprs(g, route_tables)
        }),
        Resource::InternetGateway | Resource::ElasticIp => {
            if matches!(r, Resource::ElasticIp) {
                json!({ "Domain": "vpc" })
            } else {
                json!({})
            }
        }
        Resource::GatewayAttachment { vpc, gateway } => json!({ "VpcId": e(vpc), "InternetGatewayId": e(gateway) }),
        Resource::NatGateway { subnet, allocation } => json!({ "SubnetId": e(subnet), "AllocationId": e(allocation) }),
        Resource::DefaultRoute { route_table, target, via_nat } => {
            let key = if *via_nat { "NatGatewayId" } else { "GatewayId" };
            json!({ "RouteTableId": e(route_table), "DestinationCidrBlock": "0.0.0.0/0", key: e(target) })
        }
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn table_common(s: &TableShape) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(n) = &s.name {
        m.insert("TableName".into(), json!(n));
    }
    m.insert(
        "AttributeDefinitions".into(),
        Value::Array(s.attributes().iter().map(|a| json!({ "AttributeName": a.name, "AttributeType": a.kind })).collect()),
    );
    m.insert("KeySchema".into(), key_schema(&s.hash, s.range.as_ref()));
    if !s.indexes.is_empty() {
        let gsis: Vec<Value> = s.indexes.iter().map(|i| json!({ "IndexName": i.name, "KeySchema": key_schema(&i.hash, i.range.as_ref()), "Projection": { "ProjectionType": i.projection } })).collect();
        m.insert("GlobalSecondaryIndexes".into(), Value::Array(gsis));
    }
    m
}

fn key_schema(hash: &crate::graph::KeyAttr, range: Option<&crate::graph::KeyAttr>) -> Value {
    let mut ks = vec![json!({ "AttributeName": hash.name, "KeyType": "HASH" })];
    if let Some(r) = range {
        ks.push(json!({ "AttributeName": r.name, "KeyType": "RANGE" }));
    }
    Value::Array(ks)
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

/// Render a value: literals as strings, references as `Ref`/`Fn::GetAtt`,
/// joins as `Fn::Sub` (readable) or `Fn::Join` when a part cannot be substituted.
pub fn expr(g: &Graph, e: &Expr) -> Value {
    match e {
        Expr::Str(s) => json!(s),
        Expr::Ref(id, attr) => match attribute(g, id, *attr) {
            None => json!({ "Ref": id }),
            Some(a) => json!({ "Fn::GetAtt": [id, a] }),
        },
        Expr::Param(p) => json!({ "Ref": p }),
        Expr::Pseudo(p) => json!({ "Ref": pseudo(*p) }),
        Expr::Zone(n) => json!({ "Fn::Select": [n, { "Fn::GetAZs": "" }] }),
        Expr::Join(parts) => {
            if parts.iter().any(|p| matches!(p, Expr::Zone(_) | Expr::Join(_))) {
                return json!({ "Fn::Join": ["", parts.iter().map(|p| expr(g, p)).collect::<Vec<_>>()] });
            }
            let mut s = String::new();
            for p in parts {
                match p {
                    Expr::Str(t) => s.push_str(&t.replace("${", "${!")),
                    Expr::Ref(id, attr) => match attribute(g, id, *attr) {
                        None => s.push_str(&format!("${{{id}}}")),
                        Some(a) => s.push_str(&format!("${{{id}.{a}}}")),
                    },
                    Expr::Param(p) => s.push_str(&format!("${{{p}}}")),
                    Expr::Pseudo(p) => s.push_str(&format!("${{{}}}", pseudo(*p))),
                    Expr::Zone(_) | Expr::Join(_) => {}
                }
            }
            json!({ "Fn::Sub": s })
        }
    }
}

/// JSON text: two-space indentation, a final newline.
pub fn to_json(template: &Value) -> String {
    let mut s = serde_json::to_string_pretty(template).unwrap_or_default();
    s.push('\n');
    s
}
