//! The resource kinds of the graph, in provider-neutral terms.

use super::Expr;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One IAM policy statement (always `Allow`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// Actions, such as `dynamodb:GetItem`.
    pub actions: Vec<Cow<'static, str>>,
    /// Resource ARNs.
    pub resources: Vec<Expr>,
}

/// A key attribute of a table or index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyAttr {
    /// Name.
    pub name: String,
    /// `S`, `N` or `B`.
    pub kind: &'static str,
}

/// A global secondary index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gsi {
    /// Index name.
    pub name: String,
    /// Partition key.
    pub hash: KeyAttr,
    /// Sort key.
    pub range: Option<KeyAttr>,
    /// `ALL` or `KEYS_ONLY`.
    pub projection: &'static str,
}

/// Table shape shared by regional and global tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableShape {
    /// Physical name, when it must be known in other regions.
    pub name: Option<String>,
    /// Partition key.
    pub hash: KeyAttr,
    /// Sort key.
    pub range: Option<KeyAttr>,
    /// Indexes.
    pub indexes: Vec<Gsi>,
    /// Stream view type, such as `NEW_AND_OLD_IMAGES`.
    pub stream: Option<&'static str>,
    /// TTL attribute.
    pub ttl: Option<String>,
    /// Point-in-time recovery.
    pub pitr: bool,
    /// The customer-managed KMS key's ARN in this region; none: DynamoDB's own key.
    pub kms_key: Option<Expr>,
}

impl TableShape {
    /// Every key attribute with its type, each once, sorted by name.
    pub fn attributes(&self) -> Vec<&KeyAttr> {
        let mut all: Vec<&KeyAttr> = std::iter::once(&self.hash)
            .chain(self.range.as_ref())
            .chain(self.indexes.iter().flat_map(|i| std::iter::once(&i.hash).chain(i.range.as_ref())))
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all.dedup_by(|a, b| a.name == b.name);
        all
    }
}

/// CORS for an HTTP API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorsRule {
    /// Origins.
    pub origins: Vec<String>,
    /// Methods.
    pub methods: Vec<String>,
    /// Headers.
    pub headers: Vec<String>,
}

/// CodeDeploy's hold on an alias: which deployment group shifts it, and hooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AliasShift {
    /// The CodeDeploy application.
    pub application: Expr,
    /// The deployment group.
    pub group: Expr,
    /// A function run before traffic moves.
    pub before: Option<Expr>,
    /// A function run after all traffic has moved.
    pub after: Option<Expr>,
}

/// Every kind of resource Lift generates.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resource {
    /// A CloudWatch Logs group.
    LogGroup {
        /// Days kept.
        retention_days: u32,
        /// The customer-managed KMS key's ARN; none: CloudWatch Logs' own encryption.
        kms_key: Option<Expr>,
    },
    /// An IAM role assumed by an AWS service.
    Role {
        /// The service principal, such as `lambda.amazonaws.com`.
        service: &'static str,
        /// AWS-managed policies attached.
        managed_policies: Vec<Expr>,
        /// The inline policy.
        statements: Vec<Statement>,
    },
    /// A Lambda function.
    Function {
        /// Runtime name.
        runtime: &'static str,
        /// Handler.
        handler: String,
        /// Code bucket.
        code_bucket: Expr,
        /// Code key.
        code_key: Expr,
        /// Memory in MB.
        memory_mb: u32,
        /// Timeout in seconds.
        timeout_s: u64,
        /// `arm64` or `x86_64`.
        architecture: &'static str,
        /// Execution role ARN.
        role: Expr,
        /// Environment, by name.
        environment: Vec<(String, Expr)>,
        /// Log group name.
        log_group: Expr,
        /// X-Ray mode: `Active` or `PassThrough`.
        tracing: &'static str,
        /// Reserved concurrency.
        reserved_concurrency: Option<u32>,
        /// Subnet IDs and security group IDs, when in a VPC.
        vpc: Option<(Vec<Expr>, Vec<Expr>)>,
        /// The customer-managed KMS key's ARN for the environment; none: Lambda's AWS-managed key.
        kms_key: Option<Expr>,
        /// Where failed asynchronous invocations go (a queue's ARN).
        dead_letter: Option<Expr>,
        /// The code signing configuration's ARN.
        code_signing: Option<Expr>,
    },
    /// Which signing profiles a function's code must be signed by.
    CodeSigningConfig {
        /// Signing profile version ARNs.
        profiles: Vec<Expr>,
        /// Refuse code that fails the check (else log it).
        enforce: bool,
        /// What it is for.
        description: String,
    },
    /// A published, immutable function version.
    FunctionVersion {
        /// The function.
        function: Expr,
        /// Description; a change (new code key or app version) publishes a new version.
        description: Expr,
    },
    /// A function alias pointing at a version.
    Alias {
        /// The function.
        function: Expr,
        /// The version number.
        version: Expr,
        /// Alias name.
        name: &'static str,
        /// CodeDeploy shifts traffic on this alias, when the spec says so.
        codedeploy: Option<AliasShift>,
    },
    /// A resource-policy statement allowing a service to invoke a function.
    Permission {
        /// Function (or alias) ARN.
        function: Expr,
        /// Service principal.
        principal: &'static str,
        /// The source allowed.
        source_arn: Expr,
    },
    /// An API Gateway v2 HTTP API.
    HttpApi {
        /// Name.
        name: String,
        /// CORS.
        cors: Option<CorsRule>,
    },
    /// The `$default` stage of an HTTP API, auto-deployed, with access logs.
    Stage {
        /// The API.
        api: Expr,
        /// Access log group ARN.
        log_group_arn: Expr,
        /// Requests per second.
        rate: u32,
        /// Burst.
        burst: u32,
    },
    /// A Lambda proxy integration.
    Integration {
        /// The API.
        api: Expr,
        /// The function alias ARN.
        target: Expr,
    },
    /// A route.
    Route {
        /// The API.
        api: Expr,
        /// Such as `GET /orders/{id}`.
        key: String,
        /// The integration ID.
        integration: Expr,
        /// `AWS_IAM` or `NONE`.
        authorization: &'static str,
    },
    /// A regional DynamoDB table.
    Table {
        /// Its shape.
        shape: TableShape,
    },
    /// A DynamoDB global table with a replica per region.
    GlobalTable {
        /// Its shape.
        shape: TableShape,
        /// Regions with a replica.
        replicas: Vec<String>,
        /// With a customer-managed key, its ARN in each replica's region.
        replica_keys: BTreeMap<String, String>,
    },
    /// An SQS queue.
    Queue {
        /// FIFO queue.
        fifo: bool,
        /// Seconds.
        visibility_timeout_s: u64,
        /// Seconds.
        retention_s: u64,
        /// Dead-letter queue ARN and max receives.
        dead_letter: Option<(Expr, u32)>,
        /// The customer-managed KMS key's ARN; none: SQS-managed encryption.
        kms_key: Option<Expr>,
    },
    /// An SNS topic.
    Topic {
        /// Display name.
        display_name: Option<String>,
        /// The customer-managed KMS key's ARN; none: the AWS-managed `alias/aws/sns`.
        kms_key: Option<Expr>,
    },
    /// A Lambda subscription to a topic.
    Subscription {
        /// Topic ARN.
        topic: Expr,
        /// Function alias ARN.
        endpoint: Expr,
    },
    /// An EventBridge rule with one Lambda target.
    EventRule {
        /// Schedule expression.
        schedule: Option<String>,
        /// Event pattern.
        pattern: Option<serde_json::Value>,
        /// Function alias ARN.
        target: Expr,
        /// Target ID.
        target_id: &'static str,
    },
    /// Polls a queue and invokes a function.
    EventSourceMapping {
        /// Queue ARN.
        source: Expr,
        /// Function alias ARN.
        function: Expr,
        /// Batch size.
        batch_size: u32,
    },
    /// A CloudWatch alarm on a Lambda metric.
    Alarm {
        /// Metric name, such as `Errors`.
        metric: &'static str,
        /// Function name.
        function: Expr,
        /// Alarm at or above this sum per minute.
        threshold: u32,
        /// What it means.
        description: String,
    },
    /// An alarm on an SLO's error ratio over one window (metric math on the HTTP API's metrics).
    SloAlarm {
        /// The HTTP API.
        api: Expr,
        /// The window, in seconds (CloudWatch periods above a day are evaluated day by day).
        window_s: u64,
        /// Error ratio above which it alarms, as an exact decimal.
        threshold: String,
        /// For a latency SLO, the threshold in ms (good = at most this slow).
        latency_ms: Option<u64>,
        /// What it means.
        description: String,
    },
    /// Fires when both alarms of a window pair are in alarm.
    SloCompositeAlarm {
        /// The long window's alarm.
        long: Expr,
        /// The short window's alarm.
        short: Expr,
        /// What it means.
        description: String,
    },
    /// A CodeDeploy application for Lambda.
    CodeDeployApplication,
    /// A custom CodeDeploy traffic-shifting configuration.
    CodeDeployConfig {
        /// `TimeBasedCanary` or `TimeBasedLinear`.
        linear: bool,
        /// Whole percent.
        percent: u32,
        /// Whole minutes.
        minutes: u64,
    },
    /// A CodeDeploy deployment group: shifts one function's alias, rolls back on its alarms.
    DeploymentGroup {
        /// The application.
        application: Expr,
        /// CodeDeploy's service role ARN.
        role: Expr,
        /// The configuration's name.
        config: Expr,
        /// Names of the alarms that stop and roll back a deployment.
        alarms: Vec<Expr>,
    },
    /// A VPC.
    Vpc {
        /// CIDR block.
        cidr: String,
    },
    /// A subnet.
    Subnet {
        /// VPC ID.
        vpc: Expr,
        /// CIDR block.
        cidr: String,
        /// Availability zone index.
        zone: u8,
        /// Public (has a route to the internet gateway).
        public: bool,
    },
    /// A route table.
    RouteTable {
        /// VPC ID.
        vpc: Expr,
    },
    /// Associates a subnet with a route table.
    SubnetRouteTableAssociation {
        /// Subnet ID.
        subnet: Expr,
        /// Route table ID.
        route_table: Expr,
    },
    /// Flow logs of all of a VPC's traffic, into a log group.
    FlowLog {
        /// VPC ID.
        vpc: Expr,
        /// The log group's ARN (without the `:*` CloudFormation's `Arn` ends in).
        log_group: Expr,
        /// The role the flow log service writes with (ARN).
        role: Expr,
    },
    /// The VPC's default security group, taken over to hold no rules at all.
    /// Only Terraform and Pulumi can do this: CloudFormation has no resource
    /// for it, so its renderer writes none.
    DefaultSecurityGroup {
        /// VPC ID.
        vpc: Expr,
    },
    /// A security group for functions: no ingress, HTTPS egress.
    SecurityGroup {
        /// VPC ID.
        vpc: Expr,
        /// Description.
        description: String,
    },
    /// A gateway VPC endpoint.
    VpcEndpoint {
        /// VPC ID.
        vpc: Expr,
        /// `dynamodb` or `s3`.
        service: &'static str,
        /// Route table IDs.
        route_tables: Vec<Expr>,
    },
    /// An internet gateway.
    InternetGateway,
    /// Attaches an internet gateway to a VPC.
    GatewayAttachment {
        /// VPC ID.
        vpc: Expr,
        /// Gateway ID.
        gateway: Expr,
    },
    /// An elastic IP for a NAT gateway.
    ElasticIp,
    /// A NAT gateway.
    NatGateway {
        /// Public subnet ID.
        subnet: Expr,
        /// EIP allocation ID.
        allocation: Expr,
    },
    /// A default route (`0.0.0.0/0`).
    DefaultRoute {
        /// Route table ID.
        route_table: Expr,
        /// Internet gateway ID, or NAT gateway ID.
        target: Expr,
        /// True when the target is a NAT gateway.
        via_nat: bool,
    },
    /// A regional custom domain for the HTTP API.
    ApiDomain {
        /// The domain name.
        name: String,
        /// The region's ACM certificate ARN.
        certificate: Expr,
    },
    /// Maps the custom domain to the API's default stage.
    ApiMapping {
        /// API ID.
        api: Expr,
        /// Domain name.
        domain: Expr,
    },
    /// A Route 53 HTTPS health check of the region's API.
    HealthCheck {
        /// The host probed.
        fqdn: Expr,
        /// The path probed.
        path: String,
        /// Seconds between checks (10 or 30).
        interval_s: u32,
        /// Failures in a row before unhealthy (1 to 10).
        failures: u32,
    },
    /// A Route 53 alias record of the region's custom domain.
    DnsRecord {
        /// Hosted zone ID.
        zone_id: String,
        /// The name.
        name: String,
        /// The record's set identifier (the region).
        set_id: String,
        /// `PRIMARY` or `SECONDARY` for failover routing, or a weight for weighted routing.
        routing: DnsRouting,
        /// Health check ID.
        health_check: Expr,
        /// Alias target name.
        target: Expr,
        /// Alias target hosted zone.
        target_zone: Expr,
    },
}

/// How a DNS record shares its name with the other regions'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DnsRouting {
    /// Failover routing: this record serves while healthy.
    Primary,
    /// Failover routing: this record serves when the primary is unhealthy.
    Secondary,
    /// Weighted routing, each healthy record its share.
    Weighted(u32),
}

/// A resource's type names in the outputs' terms, from [`Resource::type_names`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeNames {
    /// CloudFormation's, such as `AWS::Lambda::Function`.
    pub cloudformation: &'static str,
    /// The Terraform AWS provider's, such as `aws_lambda_function`.
    pub terraform: &'static str,
}

impl DnsRouting {
    /// Route 53's failover type, for failover routing.
    pub fn failover(self) -> Option<&'static str> {
        match self {
            DnsRouting::Primary => Some("PRIMARY"),
            DnsRouting::Secondary => Some("SECONDARY"),
            DnsRouting::Weighted(_) => None,
        }
    }
}

impl Resource {
    /// The type this resource has in each output: CloudFormation's, and the
    /// Terraform AWS provider's (which Pulumi and the CDK's names follow). One
    /// table, so that the outputs cannot disagree on what a resource is.
    pub fn type_names(&self) -> TypeNames {
        let (cloudformation, terraform) = match self {
            Resource::LogGroup { .. } => ("AWS::Logs::LogGroup", "aws_cloudwatch_log_group"),
            Resource::Role { .. } => ("AWS::IAM::Role", "aws_iam_role"),
            Resource::Function { .. } => ("AWS::Lambda::Function", "aws_lambda_function"),
            Resource::CodeSigningConfig { .. } => ("AWS::Lambda::CodeSigningConfig", "aws_lambda_code_signing_config"),
            Resource::FunctionVersion { .. } => ("AWS::Lambda::Version", "aws_lambda_function"),
            Resource::Alias { .. } => ("AWS::Lambda::Alias", "aws_lambda_alias"),
            Resource::Permission { .. } => ("AWS::Lambda::Permission", "aws_lambda_permission"),
            Resource::HttpApi { .. } => ("AWS::ApiGatewayV2::Api", "aws_apigatewayv2_api"),
            Resource::Stage { .. } => ("AWS::ApiGatewayV2::Stage", "aws_apigatewayv2_stage"),
            Resource::Integration { .. } => ("AWS::ApiGatewayV2::Integration", "aws_apigatewayv2_integration"),
            Resource::Route { .. } => ("AWS::ApiGatewayV2::Route", "aws_apigatewayv2_route"),
            Resource::Table { .. } => ("AWS::DynamoDB::Table", "aws_dynamodb_table"),
            Resource::GlobalTable { .. } => ("AWS::DynamoDB::GlobalTable", "aws_dynamodb_table"),
            Resource::Queue { .. } => ("AWS::SQS::Queue", "aws_sqs_queue"),
            Resource::Topic { .. } => ("AWS::SNS::Topic", "aws_sns_topic"),
            Resource::Subscription { .. } => ("AWS::SNS::Subscription", "aws_sns_topic_subscription"),
            Resource::EventRule { .. } => ("AWS::Events::Rule", "aws_cloudwatch_event_rule"),
            Resource::EventSourceMapping { .. } => ("AWS::Lambda::EventSourceMapping", "aws_lambda_event_source_mapping"),
            Resource::Alarm { .. } => ("AWS::CloudWatch::Alarm", "aws_cloudwatch_metric_alarm"),
            Resource::SloAlarm { .. } => ("AWS::CloudWatch::Alarm", "aws_cloudwatch_metric_alarm"),
            Resource::SloCompositeAlarm { .. } => ("AWS::CloudWatch::CompositeAlarm", "aws_cloudwatch_composite_alarm"),
            Resource::CodeDeployApplication => ("AWS::CodeDeploy::Application", "aws_codedeploy_app"),
            Resource::CodeDeployConfig { .. } => ("AWS::CodeDeploy::DeploymentConfig", "aws_codedeploy_deployment_config"),
            Resource::DeploymentGroup { .. } => ("AWS::CodeDeploy::DeploymentGroup", "aws_codedeploy_deployment_group"),
            Resource::Vpc { .. } => ("AWS::EC2::VPC", "aws_vpc"),
            Resource::Subnet { .. } => ("AWS::EC2::Subnet", "aws_subnet"),
            Resource::RouteTable { .. } => ("AWS::EC2::RouteTable", "aws_route_table"),
            Resource::SubnetRouteTableAssociation { .. } => ("AWS::EC2::SubnetRouteTableAssociation", "aws_route_table_association"),
            Resource::SecurityGroup { .. } => ("AWS::EC2::SecurityGroup", "aws_security_group"),
            Resource::FlowLog { .. } => ("AWS::EC2::FlowLog", "aws_flow_log"),
            // CloudFormation has none: its renderer leaves it out.
            Resource::DefaultSecurityGroup { .. } => ("", "aws_default_security_group"),
            Resource::VpcEndpoint { .. } => ("AWS::EC2::VPCEndpoint", "aws_vpc_endpoint"),
            Resource::InternetGateway => ("AWS::EC2::InternetGateway", "aws_internet_gateway"),
            Resource::GatewayAttachment { .. } => ("AWS::EC2::VPCGatewayAttachment", "aws_internet_gateway_attachment"),
            Resource::ElasticIp => ("AWS::EC2::EIP", "aws_eip"),
            Resource::NatGateway { .. } => ("AWS::EC2::NatGateway", "aws_nat_gateway"),
            Resource::DefaultRoute { .. } => ("AWS::EC2::Route", "aws_route"),
            Resource::ApiDomain { .. } => ("AWS::ApiGatewayV2::DomainName", "aws_apigatewayv2_domain_name"),
            Resource::ApiMapping { .. } => ("AWS::ApiGatewayV2::ApiMapping", "aws_apigatewayv2_api_mapping"),
            Resource::HealthCheck { .. } => ("AWS::Route53::HealthCheck", "aws_route53_health_check"),
            Resource::DnsRecord { .. } => ("AWS::Route53::RecordSet", "aws_route53_record"),
        };
        TypeNames { cloudformation, terraform }
    }

    /// Every resource this one refers to.
    pub fn refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        let mut each = |es: &[&'a Expr]| es.iter().for_each(|e| e.refs(out));
        match self {
            Resource::HttpApi { .. }
            | Resource::Table { .. }
            | Resource::GlobalTable { .. }
            | Resource::Vpc { .. }
            | Resource::InternetGateway
            | Resource::ElasticIp => {}
            Resource::Role { managed_policies, statements, .. } => {
                let all: Vec<&Expr> = managed_policies.iter().chain(statements.iter().flat_map(|s| s.resources.iter())).collect();
                each(&all);
            }
            Resource::LogGroup { kms_key, .. } | Resource::Topic { kms_key, .. } => each(&kms_key.iter().collect::<Vec<_>>()),
            Resource::CodeSigningConfig { profiles, .. } => each(&profiles.iter().collect::<Vec<_>>()),
            Resource::FlowLog { vpc, log_group, role } => each(&[vpc, log_group, role]),
            Resource::DefaultSecurityGroup { vpc } => each(&[vpc]),
            Resource::Function { code_bucket, code_key, role, environment, log_group, vpc, kms_key, dead_letter, code_signing, .. } => {
                let mut all: Vec<&Expr> = vec![code_bucket, code_key, role, log_group];
                all.extend(environment.iter().map(|(_, e)| e));
                all.extend(kms_key.iter().chain(dead_letter.iter()).chain(code_signing.iter()));
                if let Some((subnets, groups)) = vpc {
                    all.extend(subnets.iter().chain(groups.iter()));
                }
                each(&all);
            }
            Resource::FunctionVersion { function, description } => each(&[function, description]),
            Resource::Alias { function, version, codedeploy, .. } => {
                let mut all: Vec<&Expr> = vec![function, version];
                if let Some(c) = codedeploy {
                    all.extend([&c.application, &c.group]);
                    all.extend(c.before.iter().chain(c.after.iter()));
                }
                each(&all);
            }
            Resource::CodeDeployApplication | Resource::CodeDeployConfig { .. } => {}
            Resource::SloAlarm { api, .. } => each(&[api]),
            Resource::SloCompositeAlarm { long, short, .. } => each(&[long, short]),
            Resource::DeploymentGroup { application, role, config, alarms } => {
                let all: Vec<&Expr> = [application, role, config].into_iter().chain(alarms.iter()).collect();
                each(&all);
            }
            Resource::Permission { function, source_arn, .. } => each(&[function, source_arn]),
            Resource::Stage { api, log_group_arn, .. } => each(&[api, log_group_arn]),
            Resource::Integration { api, target } => each(&[api, target]),
            Resource::Route { api, integration, .. } => each(&[api, integration]),
            Resource::Queue { dead_letter, kms_key, .. } => {
                let all: Vec<&Expr> = dead_letter.iter().map(|(arn, _)| arn).chain(kms_key.iter()).collect();
                each(&all);
            }
            Resource::Subscription { topic, endpoint } => each(&[topic, endpoint]),
            Resource::EventRule { target, .. } => each(&[target]),
            Resource::EventSourceMapping { source, function, .. } => each(&[source, function]),
            Resource::Alarm { function, .. } => each(&[function]),
            Resource::Subnet { vpc, .. } | Resource::RouteTable { vpc } | Resource::SecurityGroup { vpc, .. } => each(&[vpc]),
            Resource::SubnetRouteTableAssociation { subnet, route_table } => each(&[subnet, route_table]),
            Resource::VpcEndpoint { vpc, route_tables, .. } => {
                let all: Vec<&Expr> = std::iter::once(vpc).chain(route_tables.iter()).collect();
                each(&all);
            }
            Resource::GatewayAttachment { vpc, gateway } => each(&[vpc, gateway]),
            Resource::NatGateway { subnet, allocation } => each(&[subnet, allocation]),
            Resource::DefaultRoute { route_table, target, .. } => each(&[route_table, target]),
            Resource::ApiDomain { certificate, .. } => each(&[certificate]),
            Resource::ApiMapping { api, domain } => each(&[api, domain]),
            Resource::HealthCheck { fqdn, .. } => each(&[fqdn]),
            Resource::DnsRecord { health_check, target, target_zone, .. } => each(&[health_check, target, target_zone]),
        }
    }
}
