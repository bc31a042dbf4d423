//! Functions, for `functions`: each with its log group, role (least privilege from
//! `access`), versions, `live` alias, alarms and triggers.

use super::*;

/// What Lambda needs of a function's role to send its traces (the actions of
/// AWS's `AWSXRayDaemonWriteAccess` that a function uses).
pub const TRACING: [&str; 2] = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"];

/// The EC2 actions of AWS's `AWSLambdaVPCAccessExecutionRole`: what Lambda
/// needs of a function's role to give it network interfaces in a VPC.
pub const VPC_ACCESS: [&str; 6] = [
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:UnassignPrivateIpAddresses",
];

/// Whether AWS gives `action` no resource to name, so that it is granted on
/// `*`: the tracing and VPC-access actions above.
pub fn unscoped(action: &str) -> bool {
    TRACING.contains(&action) || VPC_ACCESS.contains(&action)
}

impl Builder<'_> {
    pub(super) fn function(&mut self, name: &str, f: &Function) {
        let id = function_id(name);
        let origin = format!("/functions/{}", escape_pointer(name));
        let alias_id = cat(&id, "Alias");
        let alias_arn = alias_arn(&id);
        let log_id = cat(&id, "LogGroup");
        let role_id = cat(&id, "Role");
        let days = retention_days(f.log_retention);
        let kms_key = self.kms_key(f.kms_key.as_ref());
        self.add(&log_id, cat(&origin, "/log_retention"), Resource::LogGroup { retention_days: days, kms_key: kms_key.clone() }, true);

        // Least privilege: logs, then exactly the declared access, then what triggers need.
        let mut statements = vec![Statement {
            actions: vec!["logs:CreateLogStream".into(), "logs:PutLogEvents".into()],
            resources: vec![Expr::r(&log_id, Attr::Arn)],
        }];
        for (key, access) in &f.access {
            let Ok(t) = key.target() else { continue };
            statements.extend(self.access_statement(t, *access));
            statements.extend(self.kms_statement(t, *access));
        }
        let dead_letter = self.dead_letter(name, f);
        if let Some(arn) = &dead_letter {
            statements.push(Statement { actions: vec![Cow::Borrowed("sqs:SendMessage")], resources: vec![arn.clone()] });
            let queue = f.dead_letter.as_ref().map_or_else(|| cat(&id, "DeadLetterQueue"), |q| q.clone());
            let target = Target { kind: Kind::Queue, name: queue };
            if let Some(s) = self.kms_statement(&target, Access::Send) {
                statements.push(s);
            }
        }
        for trigger in &f.triggers {
            if let Trigger::Queue(q) = trigger {
                let queue = Target { kind: Kind::Queue, name: q.queue.clone() };
                for s in [self.access_statement(&queue, Access::Consume), self.kms_statement(&queue, Access::Consume)].into_iter().flatten()
                {
                    if !statements.contains(&s) {
                        statements.push(s);
                    }
                }
            }
        }
        // What AWS's managed policies for tracing and VPC access would grant,
        // written out so that the template shows every grant. Neither X-Ray's
        // actions nor EC2's describe calls take a resource; Lambda creates and
        // deletes the function's network interfaces with the role before any
        // interface exists to name.
        let any = || vec![Expr::s("*")];
        if f.tracing == crate::spec::Tracing::Active {
            statements.push(Statement { actions: TRACING.iter().map(|a| Cow::Borrowed(*a)).collect(), resources: any() });
        }
        let vpc = if f.vpc && self.spec.network.is_some() {
            statements.push(Statement { actions: VPC_ACCESS.iter().map(|a| Cow::Borrowed(*a)).collect(), resources: any() });
            let zones = self.spec.network.as_ref().map_or(0, |n| n.vpc.zones);
            Some((
                (1..=zones).map(|z| Expr::r(&format!("VpcPrivateSubnet{z}"), Attr::Id)).collect(),
                vec![Expr::r("VpcFunctionSecurityGroup", Attr::Id)],
            ))
        } else {
            None
        };
        let managed_policies = vec![];
        self.add(&role_id, cat(&origin, "/access"), Resource::Role { service: "lambda.amazonaws.com", managed_policies, statements }, true);

        let (code_bucket, code_key, key_for_version) = match &f.code {
            FunctionCode::Path(_) => {
                let param = format!("{}CodeKey", pascal(name));
                if !self.g.parameters.iter().any(|p| p.name == "ArtifactBucket") {
                    self.g.parameters.push(Parameter {
                        name: "ArtifactBucket".into(),
                        description: "S3 bucket in this region holding the function code zips (the deployer uploads them)".into(),
                        default: None,
                    });
                }
                self.g.parameters.push(Parameter {
                    name: param.clone(),
                    description: format!("S3 key of the code zip of function `{name}`; a new key publishes a new version"),
                    default: Some(format!("{}/{name}.zip", self.spec.app)),
                });
                (Expr::Param("ArtifactBucket".into()), Expr::Param(param.clone()), Expr::Param(param))
            }
            FunctionCode::S3(s3) => {
                // Lambda reads code from a bucket in its own region: `{region}` names it.
                (Expr::in_region(&s3.bucket), Expr::s(s3.key.clone()), Expr::s(s3.key.clone()))
            }
        };
        let environment = f
            .environment
            .iter()
            .map(|(k, v)| {
                let e = match v.pieces() {
                    Ok(pieces) => Expr::Join(
                        pieces
                            .iter()
                            .map(|p| match p {
                                Piece::Text(t) => Expr::s(t.clone()),
                                Piece::Ref(t, attr) => self.target(t, attr).unwrap_or_else(|| Expr::s("")),
                            })
                            .collect(),
                    )
                    .simplify(),
                    Err(_) => Expr::s(v.as_str()),
                };
                (k.clone(), e)
            })
            .collect();
        let function = Resource::Function {
            runtime: f.runtime.as_str(),
            handler: f.handler.clone(),
            code_bucket,
            code_key,
            memory_mb: f.memory.mb(),
            timeout_s: f.timeout.as_secs(),
            architecture: match f.architecture {
                crate::spec::Architecture::Arm64 => "arm64",
                crate::spec::Architecture::X86_64 => "x86_64",
            },
            role: Expr::r(&role_id, Attr::Arn),
            environment,
            log_group: Expr::r(&log_id, Attr::Id),
            tracing: match f.tracing {
                crate::spec::Tracing::Active => "Active",
                crate::spec::Tracing::PassThrough => "PassThrough",
            },
            reserved_concurrency: f.reserved_concurrency,
            vpc,
            // Only an environment is encrypted with it: Lambda keeps no key
            // without one (and Terraform would show a change on every plan).
            kms_key: kms_key.filter(|_| !f.environment.is_empty()),
            dead_letter,
            code_signing: self.spec.code_signing.as_ref().map(|_| Expr::r(CODE_SIGNING, Attr::Arn)),
        };
        // A version captures the function's configuration as well as its code:
        // the description carries a digest of both (the code by its key), so
        // that a change to either, and only that, publishes a new version.
        let config = config_digest(&function);
        self.add(&id, origin.clone(), function, true);
        let version_id = cat(&id, "Version");
        let description =
            Expr::Join(vec![Expr::s(format!("{} {} config {config} code ", self.spec.app, self.spec.version)), key_for_version]).simplify();
        let version = Resource::FunctionVersion { function: Expr::r(&id, Attr::Id), description };
        self.add(&version_id, origin.clone(), version, false);
        let new_version = Expr::r(&version_id, Attr::Version);
        let codedeploy = self.alias_shift(name);
        // Lift's runner shifts traffic itself: a stack update publishes the new
        // version and leaves the alias on the version it is given (the one
        // serving), so no traffic moves until the runner moves it. Given
        // nothing (the first deploy, or a plain `aws cloudformation deploy`),
        // the alias follows the new version as before.
        let version = if codedeploy.is_none() {
            let param = format!("{id}LiveVersion");
            self.g.parameters.push(Parameter {
                name: param.clone(),
                description: format!(
                    "Version the `{LIVE_ALIAS}` alias of function `{name}` stays on (the runner passes the one serving); empty: the new version"
                ),
                default: Some(String::new()),
            });
            Expr::ParamOr(param, Box::new(new_version.clone()))
        } else {
            new_version.clone()
        };
        self.add(
            &alias_id,
            origin.clone(),
            Resource::Alias { function: Expr::r(&id, Attr::Id), version, name: LIVE_ALIAS, codedeploy },
            false,
        );
        self.output(&cat(&id, "Arn"), &format!("ARN of function `{name}`"), Expr::r(&id, Attr::Arn));
        self.output(&cat(&id, "PublishedVersion"), &format!("The version of function `{name}` this release published"), new_version);
        self.output(&cat(&id, "AliasArn"), &format!("ARN of the `{LIVE_ALIAS}` alias of function `{name}`"), alias_arn.clone());

        for (metric, threshold) in [("Errors", f.alarms.errors), ("Throttles", f.alarms.throttles)] {
            let r = Resource::Alarm {
                metric,
                function: Expr::r(&id, Attr::Id),
                threshold,
                description: format!("{} of {}: {metric} reached {threshold} in a minute", self.spec.app, name),
            };
            self.add(&format!("{id}{metric}Alarm"), cat(&origin, "/alarms"), r, true);
        }

        let (mut schedules, mut patterns) = (0, 0);
        for (i, trigger) in f.triggers.iter().enumerate() {
            let at = format!("{origin}/triggers/{i}");
            match trigger {
                Trigger::Queue(q) => {
                    let Some(source) = self.target(&Target { kind: Kind::Queue, name: q.queue.clone() }, "arn") else { continue };
                    let r = Resource::EventSourceMapping { source, function: alias_arn.clone(), batch_size: q.batch_size };
                    // The role's queue permissions must exist before Lambda checks them.
                    self.add(&format!("{id}{}QueueMapping", pascal(&q.queue)), at, r, false)
                        .depends_on
                        .extend([role_id.clone(), alias_id.clone()]);
                }
                Trigger::Topic(t) => {
                    let Some(topic) = self.target(&Target { kind: Kind::Topic, name: t.topic.clone() }, "arn") else { continue };
                    let base = format!("{id}{}Topic", pascal(&t.topic));
                    self.add(
                        &cat(&base, "Subscription"),
                        at.clone(),
                        Resource::Subscription { topic: topic.clone(), endpoint: alias_arn.clone() },
                        false,
                    )
                    .depends_on
                    .push(alias_id.clone());
                    self.add(
                        &cat(&base, "Permission"),
                        at,
                        Resource::Permission { function: alias_arn.clone(), principal: "sns.amazonaws.com", source_arn: topic },
                        false,
                    )
                    .depends_on
                    .push(alias_id.clone());
                }
                Trigger::Schedule(s) => {
                    schedules += 1;
                    let base = format!("{id}Schedule{schedules}");
                    self.rule(&base, at, Some(s.schedule.clone()), None, &alias_id);
                }
                Trigger::Events(e) => {
                    patterns += 1;
                    let base = format!("{id}Events{patterns}");
                    let pattern = serde_json::to_value(&e.pattern).unwrap_or_default();
                    self.rule(&base, at, None, Some(pattern), &alias_id);
                }
            }
        }
    }

    /// With `code_signing`, the one configuration every function names.
    pub(super) fn code_signing(&mut self) {
        let Some(cs) = &self.spec.code_signing else { return };
        let r = Resource::CodeSigningConfig {
            profiles: cs.profiles.iter().map(|p| Expr::in_region(p)).collect(),
            enforce: cs.on_invalid == crate::spec::OnInvalidSignature::Enforce,
            description: format!("{}: code must be signed by one of the app's signing profiles", self.spec.app),
        };
        self.add(CODE_SIGNING, "/code_signing".into(), r, false);
    }

    /// Where a function's failed asynchronous invocations go: the queue the
    /// spec names, else, for a function with asynchronous triggers, a queue of
    /// its own (kept 14 days, the most SQS keeps).
    fn dead_letter(&mut self, name: &str, f: &Function) -> Option<Expr> {
        if let Some(q) = &f.dead_letter {
            return self.target(&Target { kind: Kind::Queue, name: q.clone() }, "arn");
        }
        if !f.triggers.iter().any(Trigger::is_async) {
            return None;
        }
        let id = cat(&function_id(name), "DeadLetterQueue");
        let r = Resource::Queue {
            fifo: false,
            visibility_timeout_s: 30,
            retention_s: 14 * 86_400,
            dead_letter: None,
            kms_key: self.kms_key(None),
        };
        self.add(&id, format!("/functions/{}/dead_letter", escape_pointer(name)), r, true);
        self.output(
            &cat(&id, "Url"),
            &format!("URL of the queue of failed asynchronous invocations of function `{name}`"),
            Expr::r(&id, Attr::Id),
        );
        Some(Expr::r(&id, Attr::Arn))
    }

    /// What using a resource under a customer-managed key needs of the key:
    /// SQS and SNS encrypt and decrypt with the caller's credentials, and a
    /// secret is decrypted with them. (DynamoDB and Lambda use grants of their own.)
    fn kms_statement(&self, t: &Target, access: Access) -> Option<Statement> {
        let app = self.spec.kms_key.as_ref();
        let key = match t.kind {
            // A queue Lift made itself (a dead-letter queue) is under the app's key.
            Kind::Queue => self.spec.queues.get(&t.name).and_then(|q| q.kms_key.as_ref()).or(app),
            Kind::Topic => self.spec.topics.get(&t.name).and_then(|q| q.kms_key.as_ref()).or(app),
            // A secret's key is the one it is stored under, never the app's.
            Kind::Secret => self.spec.secrets.get(&t.name).and_then(|s| s.kms_key.as_ref()),
            _ => None,
        }?;
        let actions: &[&'static str] = match access {
            Access::Send | Access::Publish => &["kms:Decrypt", "kms:GenerateDataKey"],
            Access::Read | Access::Consume => &["kms:Decrypt"],
            _ => return None,
        };
        Some(Statement { actions: actions.iter().map(|a| Cow::Borrowed(*a)).collect(), resources: vec![Expr::in_region(key)] })
    }

    /// With `rollout.shift: codedeploy`, the deployment group that shifts this function's alias.
    pub(super) fn alias_shift(&self, name: &str) -> Option<AliasShift> {
        if self.spec.rollout.shift != ShiftBy::Codedeploy {
            return None;
        }
        let hook = |when: HookWhen| {
            self.spec.rollout.gates.iter().find_map(|g| match g {
                Gate::Hook(h) if h.when == when => h
                    .hook
                    .target()
                    .ok()
                    .filter(|t| t.kind == Kind::Function && self.spec.has(t))
                    .map(|t| Expr::r(&function_id(&t.name), Attr::Id)),
                _ => None,
            })
        };
        Some(AliasShift {
            application: Expr::r(CODEDEPLOY_APP, Attr::Id),
            group: Expr::r(&cat(&function_id(name), "DeploymentGroup"), Attr::Id),
            before: hook(HookWhen::PreTraffic),
            after: hook(HookWhen::PostTraffic),
        })
    }

    pub(super) fn rule(&mut self, base: &str, at: String, schedule: Option<String>, pattern: Option<serde_json::Value>, alias_id: &str) {
        let function_id = alias_id.trim_end_matches("Alias");
        let rule_id = cat(base, "Rule");
        let r = Resource::EventRule { schedule, pattern, target: alias_arn(function_id), target_id: "function" };
        self.add(&rule_id, at.clone(), r, false).depends_on.push(alias_id.to_owned());
        let p = Resource::Permission {
            function: alias_arn(function_id),
            principal: "events.amazonaws.com",
            source_arn: Expr::r(&rule_id, Attr::Arn),
        };
        self.add(&cat(base, "Permission"), at, p, false).depends_on.push(alias_id.to_owned());
    }

    pub(super) fn access_statement(&self, t: &Target, access: Access) -> Option<Statement> {
        const READ: [&str; 5] =
            ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"];
        const WRITE: [&str; 4] = ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"];
        let arn = self.target(t, "arn")?;
        let strs = |a: &[&'static str]| a.iter().map(|s| Cow::Borrowed(*s)).collect::<Vec<_>>();
        let (actions, resources) = match (t.kind, access) {
            (Kind::Table, Access::Read | Access::Write | Access::ReadWrite) => {
                let mut actions = vec![Cow::Borrowed("dynamodb:DescribeTable")];
                if matches!(access, Access::Read | Access::ReadWrite) {
                    actions.extend(strs(&READ));
                }
                if matches!(access, Access::Write | Access::ReadWrite) {
                    actions.extend(strs(&WRITE));
                }
                actions.sort();
                let indexes = !self.spec.tables.get(&t.name).is_none_or(|tb| tb.indexes.is_empty());
                let mut res = vec![arn.clone()];
                if indexes {
                    res.push(Expr::Join(vec![arn, Expr::s("/index/*")]).simplify());
                }
                (actions, res)
            }
            (Kind::Queue, Access::Send) => (strs(&["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]), vec![arn]),
            (Kind::Queue, Access::Read | Access::Consume) => {
                (strs(&["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]), vec![arn])
            }
            (Kind::Topic, Access::Publish) => (strs(&["sns:Publish"]), vec![arn]),
            (Kind::Function, Access::Invoke) => (strs(&["lambda:InvokeFunction"]), vec![arn]),
            (Kind::Secret, Access::Read) => match self.spec.secrets.get(&t.name) {
                Some(s) if s.ssm.is_some() => (strs(&["ssm:GetParameter"]), vec![arn]),
                // The secret's full ARN ends in `-` and six characters the service chose.
                _ => (strs(&["secretsmanager:GetSecretValue"]), vec![Expr::Join(vec![arn, Expr::s("-??????")]).simplify()]),
            },
            _ => return None,
        };
        Some(Statement { actions, resources })
    }
}

/// The first 12 hex digits of the SHA-256 of a function's configuration as
/// the graph holds it (runtime, handler, memory, timeout, architecture,
/// environment, tracing, concurrency, network; the code by its parameter).
fn config_digest(function: &Resource) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(function).unwrap_or_default();
    Sha256::digest(&json).iter().take(6).map(|b| format!("{b:02x}")).collect()
}
