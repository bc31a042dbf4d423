//! Pulumi YAML: one `Pulumi.yaml` program for the whole app, with a
//! `pulumi:providers:aws` per region and every resource bound to its region's
//! provider. Pulumi's AWS provider is bridged from Terraform's, so the program
//! prints the same [`Module`]s as the Terraform renderer, with Pulumi's names:
//! camelCase arguments, plural names for repeated blocks, and the few
//! arguments the bridge renames.

use super::provider::{Module, V};
use crate::graph::{Attr, Expr, Pseudo};
use crate::text::tree::{Bump, Tree, find_interpolation, list, map};
use crate::tmap;

/// The Pulumi type token of a provider resource type.
pub fn token(type_name: &str) -> &'static str {
    match type_name {
        "aws_cloudwatch_log_group" => "aws:cloudwatch:LogGroup",
        "aws_apigatewayv2_domain_name" => "aws:apigatewayv2:DomainName",
        "aws_apigatewayv2_api_mapping" => "aws:apigatewayv2:ApiMapping",
        "aws_route53_health_check" => "aws:route53:HealthCheck",
        "aws_route53_record" => "aws:route53:Record",
        "aws_iam_role" => "aws:iam:Role",
        "aws_lambda_function" => "aws:lambda:Function",
        "aws_lambda_alias" => "aws:lambda:Alias",
        "aws_lambda_permission" => "aws:lambda:Permission",
        "aws_lambda_event_source_mapping" => "aws:lambda:EventSourceMapping",
        "aws_apigatewayv2_api" => "aws:apigatewayv2:Api",
        "aws_apigatewayv2_stage" => "aws:apigatewayv2:Stage",
        "aws_apigatewayv2_integration" => "aws:apigatewayv2:Integration",
        "aws_apigatewayv2_route" => "aws:apigatewayv2:Route",
        "aws_dynamodb_table" => "aws:dynamodb:Table",
        "aws_sqs_queue" => "aws:sqs:Queue",
        "aws_sns_topic" => "aws:sns:Topic",
        "aws_sns_topic_subscription" => "aws:sns:TopicSubscription",
        "aws_cloudwatch_event_rule" => "aws:cloudwatch:EventRule",
        "aws_cloudwatch_event_target" => "aws:cloudwatch:EventTarget",
        "aws_cloudwatch_metric_alarm" => "aws:cloudwatch:MetricAlarm",
        "aws_cloudwatch_composite_alarm" => "aws:cloudwatch:CompositeAlarm",
        "aws_codedeploy_app" => "aws:codedeploy:Application",
        "aws_codedeploy_deployment_config" => "aws:codedeploy:DeploymentConfig",
        "aws_codedeploy_deployment_group" => "aws:codedeploy:DeploymentGroup",
        "aws_vpc" => "aws:ec2:Vpc",
        "aws_subnet" => "aws:ec2:Subnet",
        "aws_route_table" => "aws:ec2:RouteTable",
        "aws_route_table_association" => "aws:ec2:RouteTableAssociation",
        "aws_security_group" => "aws:ec2:SecurityGroup",
        "aws_vpc_endpoint" => "aws:ec2:VpcEndpoint",
        "aws_internet_gateway" => "aws:ec2:InternetGateway",
        "aws_internet_gateway_attachment" => "aws:ec2:InternetGatewayAttachment",
        "aws_eip" => "aws:ec2:Eip",
        "aws_nat_gateway" => "aws:ec2:NatGateway",
        "aws_route" => "aws:ec2:Route",
        "aws_flow_log" => "aws:ec2:FlowLog",
        "aws_default_security_group" => "aws:ec2:DefaultSecurityGroup",
        "aws_lambda_code_signing_config" => "aws:lambda:CodeSigningConfig",
        _ => "aws:unknown:Unknown",
    }
}

/// Arguments and attributes the bridge renames, by resource type.
fn renamed(type_name: &str, key: &str) -> Option<&'static str> {
    Some(match (type_name, key) {
        ("aws_lambda_function", "function_name") | ("aws_cloudwatch_metric_alarm", "alarm_name") => "name",
        ("aws_lambda_permission", "function_name") => "function",
        ("aws_sns_topic_subscription", "topic_arn") => "topic",
        (_, "egress") => "egress",
        _ => return None,
    })
}

/// A Terraform name in Pulumi's camelCase, plural for a repeated block.
fn pulumi_key<'a>(type_name: &str, key: &'a str, repeated: bool, a: &'a Bump) -> &'a str {
    if let Some(k) = renamed(type_name, key) {
        return k;
    }
    if !repeated && !key.contains('_') {
        return key;
    }
    let mut out = bumpalo::collections::String::with_capacity_in(key.len() + 2, a);
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    if repeated {
        if out.ends_with('y') && !out.ends_with("ey") {
            out.pop();
            out.push_str("ies");
        } else if out.ends_with("ex") {
            out.truncate(out.len() - 2);
            out.push_str("exes");
        } else if out.ends_with('s') || out.ends_with('x') {
            out.push_str("es");
        } else {
            out.push('s');
        }
    }
    if out.as_str() == key {
        return key;
    }
    out.into_bump_str()
}

/// Resource names carry the region: one program holds every region.
fn push_name(out: &mut impl std::fmt::Write, id: &str, region: &str) {
    for part in [id, "-", region] {
        let _ = out.write_str(part);
    }
}

fn name(id: &str, region: &str) -> String {
    let mut out = String::with_capacity(id.len() + region.len() + 1);
    push_name(&mut out, id, region);
    out
}

fn provider_name(region: &str) -> String {
    format!("aws-{region}")
}

struct Ctx<'m, 'a> {
    m: &'m Module<'a>,
    a: &'a Bump,
}

impl<'a> Ctx<'_, 'a> {
    fn region(&self) -> &str {
        &self.m.graph.region
    }

    /// Append `e` to a Pulumi interpolated string.
    fn push_expr(&self, e: &Expr, out: &mut impl std::fmt::Write) {
        match e {
            Expr::Str(t) => literal(out, t),
            Expr::Ref(id, attr) => self.push_ref(id, *attr, out),
            Expr::Param(p) => {
                let _ = write!(out, "${{{p}}}");
            }
            Expr::Pseudo(Pseudo::Region) => literal(out, self.region()),
            Expr::Pseudo(p) => {
                let var = match p {
                    Pseudo::AccountId => "account",
                    Pseudo::Partition => "partition",
                    _ => "dnsSuffix",
                };
                let _ = write!(out, "${{{var}-{}}}", self.region());
            }
            Expr::Zone(n) => {
                let _ = write!(out, "${{zones-{}[{n}]}}", self.region());
            }
            Expr::Join(parts) => parts.iter().for_each(|p| self.push_expr(p, out)),
            // Pulumi YAML has no conditional: the value follows the fallback,
            // so `pulumi up` moves what the runner would move step by step.
            Expr::ParamOr(_, fallback) => self.push_expr(fallback, out),
        }
    }

    fn push_ref(&self, id: &str, attr: Attr, out: &mut impl std::fmt::Write) {
        let Some(t) = self.m.target(id, attr) else { return literal(out, id) };
        let _ = out.write_str("${");
        push_name(out, t.name, self.region());
        // Pulumi flattens a single nested block into an object: `block.attr`.
        if let Some(block) = t.block {
            let _ = out.write_str(".");
            let _ = out.write_str(pulumi_key(t.type_name, block, false, self.a));
        }
        for part in [".", pulumi_key(t.type_name, t.attr, false, self.a), "}"] {
            let _ = out.write_str(part);
        }
        literal(out, t.suffix);
    }

    fn text(&self, v: &V<'_>, out: &mut impl std::fmt::Write) {
        match v {
            V::Lit(Tree::Str(t)) => literal(out, t),
            V::Lit(other) => {
                let _ = out.write_str(&other.to_json_compact());
            }
            V::Expr(e) => self.push_expr(e, out),
            V::Ref(id, attr) => self.push_ref(id, *attr, out),
            V::Concat(parts) => parts.iter().for_each(|p| self.text(p, out)),
            V::List(_) | V::Map(_) | V::Block(_) | V::Json(_) => {}
        }
    }

    fn value(&self, type_name: &str, v: &V<'a>) -> Tree<'a> {
        let a = self.a;
        match v {
            V::Lit(Tree::Str(t)) if find_interpolation(t).is_some() => Tree::Str(a.alloc_str(&escaped(t))),
            V::Lit(t) => *t,
            V::Expr(_) | V::Ref(..) | V::Concat(_) => {
                let mut s = bumpalo::collections::String::new_in(a);
                self.text(v, &mut s);
                Tree::Str(s.into_bump_str())
            }
            V::List(items) => list(a, items.iter().map(|x| self.value(type_name, x))),
            V::Map(entries) => map(a, entries.iter().map(|(k, x)| (*k, self.value(type_name, x)))),
            V::Block(body) => self.body(type_name, body),
            V::Json(inner) => tmap! { a; "fn::toJSON" => self.value(type_name, inner) },
        }
    }

    fn body(&self, type_name: &str, body: &[(&'a str, V<'a>)]) -> Tree<'a> {
        map(
            self.a,
            body.iter().map(|(k, v)| {
                let repeated = matches!(v, V::List(items) if items.iter().any(|x| matches!(x, V::Block(_))));
                let key = if matches!(v, V::Map(_)) && !repeated {
                    pulumi_key(type_name, k, false, self.a)
                } else {
                    pulumi_key(type_name, k, repeated, self.a)
                };
                (key, self.value(type_name, v))
            }),
        )
    }
}

/// Literal text in a Pulumi interpolated string: `${` becomes `$${`.
fn literal(out: &mut impl std::fmt::Write, text: &str) {
    let mut rest = text;
    while let Some(i) = find_interpolation(rest) {
        let _ = out.write_str(rest.get(..i).unwrap_or_default());
        let _ = out.write_str("$${");
        rest = rest.get(i + 2..).unwrap_or_default();
    }
    let _ = out.write_str(rest);
}

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    literal(&mut out, text);
    out
}

/// The whole app as one Pulumi YAML program (modules primary first), built in arena `a`.
pub fn program<'a>(app: &'a str, description: &'a str, modules: &[Module<'a>], a: &'a Bump) -> Tree<'a> {
    let mut top = bumpalo::collections::Vec::new_in(a);
    top.push(("name", Tree::Str(app)));
    top.push(("runtime", Tree::Str("yaml")));
    top.push(("description", Tree::Str(description)));
    // Parameters are the same in every region: one config entry each.
    let mut params: Vec<&crate::graph::Parameter> = modules.iter().flat_map(|m| m.graph.parameters.iter()).collect();
    params.sort_by(|x, y| x.name.cmp(&y.name));
    params.dedup_by(|x, y| x.name == y.name);
    if !params.is_empty() {
        let config = params.into_iter().map(|p| {
            let mut v = vec![("type", Tree::Str("string"))];
            if let Some(d) = &p.default {
                v.push(("default", Tree::Str(d)));
            }
            (p.name.as_str(), map(a, v))
        });
        top.push(("config", map(a, config)));
    }
    let mut resources = bumpalo::collections::Vec::new_in(a);
    let mut variables = bumpalo::collections::Vec::new_in(a);
    let mut outputs = bumpalo::collections::Vec::new_in(a);
    for m in modules {
        let g = m.graph;
        let cx = Ctx { m, a };
        let region: &str = &g.region;
        let provider: &str = a.alloc_str(&provider_name(region));
        let provider_ref: &str = a.alloc_str(&format!("${{{provider}}}"));
        let tags = map(a, g.tags.iter().map(|(k, v)| (k.as_str(), Tree::Str(a.alloc_str(&escaped(v))))));
        resources.push((
            provider,
            tmap! { a; "type" => "pulumi:providers:aws", "properties" => tmap! { a; "region" => region, "defaultTags" => tmap! { a; "tags" => tags } } },
        ));
        for r in &m.resources {
            let mut options = bumpalo::collections::Vec::with_capacity_in(3, a);
            options.push(("provider", Tree::Str(provider_ref)));
            if !r.depends_on.is_empty() {
                let deps = r.depends_on.iter().map(|d| {
                    let mut s = bumpalo::collections::String::from_str_in("${", a);
                    push_name(&mut s, m.target(d, Attr::Id).map_or(*d, |t| t.name), region);
                    s.push('}');
                    Tree::Str(s.into_bump_str())
                });
                options.push(("dependsOn", list(a, deps)));
            }
            if r.retain {
                options.push(("retainOnDelete", Tree::Bool(true)));
            }
            let mut res = bumpalo::collections::Vec::with_capacity_in(3, a);
            res.push(("type", Tree::Str(token(r.type_name))));
            if !r.body.is_empty() {
                res.push(("properties", cx.body(r.type_name, r.body)));
            }
            res.push(("options", Tree::Map(options.into_bump_slice())));
            let mut id = bumpalo::collections::String::with_capacity_in(r.name.len() + region.len() + 1, a);
            push_name(&mut id, r.name, region);
            resources.push((id.into_bump_str(), Tree::Map(res.into_bump_slice())));
        }
        let invoke = |var: &str, function: &'a str, args: Tree<'a>, ret: &'a str| {
            let body = tmap! { a;
                "fn::invoke" => tmap! { a; "function" => function, "arguments" => args, "options" => tmap! { a; "provider" => provider_ref }, "return" => ret },
            };
            (&*a.alloc_str(&format!("{var}-{region}")), body)
        };
        if m.lookups.zones {
            variables.push(invoke("zones", "aws:getAvailabilityZones", tmap! { a; "state" => "available" }, "names"));
        }
        if m.lookups.account {
            variables.push(invoke("account", "aws:getCallerIdentity", Tree::Map(&[]), "accountId"));
        }
        if m.lookups.partition {
            variables.push(invoke("partition", "aws:getPartition", Tree::Map(&[]), "partition"));
            variables.push(invoke("dnsSuffix", "aws:getPartition", Tree::Map(&[]), "dnsSuffix"));
        }
        let mut sorted: Vec<_> = g.outputs.iter().collect();
        sorted.sort_by(|x, y| x.name.cmp(&y.name));
        for o in sorted {
            let mut s = String::new();
            cx.push_expr(&o.value, &mut s);
            outputs.push((&*a.alloc_str(&name(&o.name, region)), Tree::Str(a.alloc_str(&s))));
        }
    }
    top.push(("resources", Tree::Map(resources.into_bump_slice())));
    if !variables.is_empty() {
        top.push(("variables", Tree::Map(variables.into_bump_slice())));
    }
    if !outputs.is_empty() {
        top.push(("outputs", Tree::Map(outputs.into_bump_slice())));
    }
    Tree::Map(top.into_bump_slice())
}
