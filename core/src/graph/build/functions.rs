//! Functions, for `functions`: each with its log group, role (least privilege from
//! `access`), versions, `live` alias, alarms and triggers.

use super::*;

impl Builder<'_> {
    pub(super) fn function(&mut self, name: &str, f: &Function) {
        let id = function_id(name);
        let origin = format!("/functions/{}", escape_pointer(name));
        let alias_id = cat(&id, "Alias");
        let alias_arn = alias_arn(&id);
        let log_id = cat(&id, "LogGroup");
        let role_id = cat(&id, "Role");
        let days = retention_days(f.log_retention);
        self.add(&log_id, cat(&origin, "/log_retention"), Resource::LogGroup { retention_days: days }, true);

        // Least privilege: logs, then exactly the declared access, then what triggers need.
        let mut statements = vec![Statement {
            actions: vec!["logs:CreateLogStream".into(), "logs:PutLogEvents".into()],
            resources: vec![Expr::r(&log_id, Attr::Arn)],
        }];
        for (key, access) in &f.access {
            let Ok(t) = key.target() else { continue };
            if let Some(s) = self.access_statement(t, *access) {
                statements.push(s);
            }
            // A secret under a customer-managed key is read through it.
            let kms = (t.kind == Kind::Secret).then(|| self.spec.secrets.get(&t.name).and_then(|s| s.kms_key.clone())).flatten();
            if let Some(key) = kms {
                statements.push(Statement { actions: vec![Cow::Borrowed("kms:Decrypt")], resources: vec![in_region(&key)] });
            }
        }
        for trigger in &f.triggers {
            if let Trigger::Queue(q) = trigger {
                if let Some(s) = self.access_statement(&Target { kind: Kind::Queue, name: q.queue.clone() }, Access::Consume) {
                    if !statements.contains(&s) {
                        statements.push(s);
                    }
                }
            }
        }
        let managed =
            |name: &str| Expr::Join(vec![Expr::s("arn:"), Expr::Pseudo(Pseudo::Partition), Expr::s(format!(":iam::aws:policy/{name}"))]);
        let mut managed_policies = vec![];
        if f.tracing == crate::spec::Tracing::Active {
            managed_policies.push(managed("AWSXRayDaemonWriteAccess"));
        }
        let vpc = if f.vpc && self.spec.network.is_some() {
            managed_policies.push(managed("service-role/AWSLambdaVPCAccessExecutionRole"));
            let zones = self.spec.network.as_ref().map_or(0, |n| n.vpc.zones);
            Some((
                (1..=zones).map(|z| Expr::r(&format!("VpcPrivateSubnet{z}"), Attr::Id)).collect(),
                vec![Expr::r("VpcFunctionSecurityGroup", Attr::Id)],
            ))
        } else {
            None
        };
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
                (in_region(&s3.bucket), Expr::s(s3.key.clone()), Expr::s(s3.key.clone()))
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

/// `text` with each `{region}` standing for the region of the template.
fn in_region(text: &str) -> Expr {
    let mut parts = vec![];
    for (i, piece) in text.split("{region}").enumerate() {
        if i > 0 {
            parts.push(Expr::Pseudo(Pseudo::Region));
        }
        parts.push(Expr::s(piece));
    }
    Expr::Join(parts).simplify()
}

/// The first 12 hex digits of the SHA-256 of a function's configuration as
/// the graph holds it (runtime, handler, memory, timeout, architecture,
/// environment, tracing, concurrency, network; the code by its parameter).
fn config_digest(function: &Resource) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(function).unwrap_or_default();
    Sha256::digest(&json).iter().take(6).map(|b| format!("{b:02x}")).collect()
}
