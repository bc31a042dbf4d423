"""Every Terraform and Pulumi resource type, argument and attribute Lift writes
exists in the AWS providers' own published definitions (see `schemas.py`),
nested blocks included, with every required argument given; the HCL parses
with HashiCorp's HCL parser and is already in the form `terraform fmt` writes
(hclwrite's Format, the formatter inside `terraform fmt`, both compiled to
WebAssembly in @cdktf/hcl2json and @cdktf/hcl-tools: no terraform binary can be
installed here); and every format holds the same resources."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import lift
import schemas
from conftest import EXAMPLES, VALID, node_modules

# `//` is a comment property in Terraform's JSON syntax (Lift writes scanner skips there).
META = {"depends_on", "lifecycle", "provider", "count", "for_each", "//"}
TF_REF = re.compile(r"\b(data\.)?(aws_\w+)\.(\w+)\.(\w+)(?:\[0\]\.(\w+))?")


def check_tf_body(schema, body, where, problems):
    for key, value in body.items():
        if key in META:
            continue
        at = f"{where}.{key}"
        if key in schema.blocks:
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(i, dict) for i in items):
                problems.append(f"{at}: a block, written as an attribute")
                continue
            for i, item in enumerate(items):
                check_tf_body(schema.blocks[key], item, f"{at}[{i}]", problems)
        elif key in schema.objects:
            check_tf_body(schema.objects[key], value, at, problems)
        elif key not in schema.attributes:
            problems.append(f"{at}: no such argument")
    for key in sorted(schema.required - set(body)):
        problems.append(f"{where}: required argument `{key}` missing")


def tf_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from tf_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from tf_strings(v)


@pytest.mark.parametrize("name", VALID)
def test_terraform_names_exist_in_the_provider_schema(name):
    modules = node_modules()
    app = lift.load(EXAMPLES / name)
    checked = 0
    for region in app.regions:
        doc = app.synth("terraform-json", region=region)
        problems = []
        declared = {(t, n) for t, rs in doc["resource"].items() for n in rs}
        for type_name, resources in doc["resource"].items():
            schema = schemas.terraform(modules, type_name)
            if schema is None:
                problems.append(f"{type_name}: no such resource type")
                continue
            for rname, body in resources.items():
                check_tf_body(schema, body, f"{type_name}.{rname}", problems)
                checked += 1
        for type_name in doc.get("data", {}):
            if schemas.terraform(modules, type_name, data=True) is None:
                problems.append(f"data.{type_name}: no such data source")
        # Every reference names a declared resource and one of its attributes.
        for s in tf_strings({k: v for k, v in doc.items() if k in ("resource", "output")}):
            for expr in re.findall(r"\$\{([^}]*)\}", s):
                for data, t, n, attr, nested in TF_REF.findall(expr):
                    schema = schemas.terraform(modules, t, data=bool(data))
                    if not data and (t, n) not in declared:
                        problems.append(f"`{expr}`: no resource {t}.{n}")
                    elif nested:
                        # `block[0].attr`: a nested block and one of its attributes, set or computed.
                        block = schema.blocks.get(attr) if schema else None
                        if block is None or nested not in (set(block.attributes) | schema.nested_computed):
                            problems.append(f"`{expr}`: {t} has no `{attr}[0].{nested}`")
                    elif schema is None or attr not in (schema.computed | set(schema.attributes)):
                        problems.append(f"`{expr}`: {t} has no attribute `{attr}`")
        assert not problems, f"{name}/{region}:\n" + "\n".join(problems)
    assert checked >= 5


def test_terraform_schema_check_catches_mistakes():
    # The oracle is not vacuous: a wrong name, a block as attribute and a missing required argument are all caught.
    schema = schemas.terraform(node_modules(), "aws_lambda_function")
    problems = []
    check_tf_body(schema, {"runtime": "python3.12", "memory": 128, "role": "r", "environment": "x"}, "f", problems)
    assert any("memory: no such argument" in p for p in problems)
    assert any("environment: a block" in p for p in problems)
    assert any("`function_name` missing" in p for p in problems)
    assert schemas.terraform(node_modules(), "aws_lambda_functions") is None


HCL_CHECK = r"""
const { readFileSync } = require("node:fs");
const { format } = require("@cdktf/hcl-tools");
const { parse } = require("@cdktf/hcl2json");
(async () => {
  const out = [];
  for (const [path, text] of JSON.parse(readFileSync(0, "utf8"))) {
    let parsed = null, problem = null;
    try { parsed = await parse(path, text); } catch (e) { problem = String(e); }
    out.push({ path, formatted: await format(text), parsed: parsed !== null, problem });
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


def hcl_check(files):
    """HashiCorp's own parser and formatter on each (path, text)."""
    r = subprocess.run(["node", "-e", HCL_CHECK], input=json.dumps(files), capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, NODE_PATH=str(node_modules())))
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_the_hcl_parses_and_is_formatted_as_terraform_fmt_writes_it():
    files = [(f"{name}/{path}", text) for name in VALID for path, text in lift.load(EXAMPLES / name).synth_files("terraform").items()]
    assert len(files) >= 3
    for f in hcl_check(files):
        assert f["parsed"], f"{f['path']}: {f['problem']}"
        original = dict(files)[f["path"]]
        assert f["formatted"] == original, f"{f['path']} is not as `terraform fmt` writes it"
    # The check can fail: HCL out of form, or not HCL at all, is caught.
    bad = hcl_check([("a.tf", 'resource "aws_s3_bucket" "b" {\nbucket="x"\n}\n'), ("b.tf", 'resource "aws_s3_bucket" {')])
    assert bad[0]["parsed"] and bad[0]["formatted"] != 'resource "aws_s3_bucket" "b" {\nbucket="x"\n}\n'
    assert not bad[1]["parsed"] and bad[1]["problem"]


@pytest.fixture(scope="module")
def pulumi():
    wheel = Path(os.environ.get("LIFT_CACHE", Path.home() / ".cache" / "lift")) / "wheels" / "pulumi_aws-7.51.1-py3-none-any.whl"
    if not wheel.is_file():
        pytest.fail(f"{wheel} missing: run scripts/setup")
    return schemas.Pulumi(wheel)


def check_pulumi_props(pulumi, token, args, props, where, problems):
    for key, value in props.items():
        at = f"{where}.{key}"
        if key not in args.inputs:
            problems.append(f"{at}: no such input")
            continue
        ann = args.inputs[key]
        if "Mapping[" in ann or (isinstance(value, dict) and "fn::toJSON" in value):
            continue
        nested = pulumi.nested(token, ann) if isinstance(value, (dict, list)) else None
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, dict):
                if nested is None:
                    problems.append(f"{at}: an object where the provider takes `{ann}`")
                else:
                    check_pulumi_props(pulumi, token, nested, item, f"{at}[{i}]", problems)
    for key in sorted(args.required - set(props)):
        problems.append(f"{where}: required input `{key}` missing")


@pytest.mark.parametrize("name", VALID)
def test_pulumi_names_exist_in_the_provider_schema(pulumi, name):
    program = yaml.safe_load(lift.load(EXAMPLES / name).synth("pulumi"))
    assert program["runtime"] == "yaml"
    problems = []
    resources = program["resources"]
    for rname, r in resources.items():
        args = pulumi.resource(r["type"])
        if args is None:
            problems.append(f"{rname}: no such type `{r['type']}`")
            continue
        check_pulumi_props(pulumi, r["type"], args, r.get("properties", {}), rname, problems)
    for vname, v in program.get("variables", {}).items():
        inv = v["fn::invoke"]
        fields = pulumi.invoke_result(inv["function"])
        if fields is None or inv["return"] not in fields:
            problems.append(f"{vname}: no function `{inv['function']}` returning `{inv['return']}`")
    # Every `${name.attr}` names a resource and one of its outputs (or a variable, or config).
    text = json.dumps(program)
    for ref in set(re.findall(r"\$\{([^}.\[]+)(?:\.(\w+))?", text)):
        target, attr = ref
        if target in resources:
            outputs = pulumi.resource(resources[target]["type"]).outputs | {"id", "urn"}
            if attr and attr not in outputs:
                problems.append(f"${{{target}.{attr}}}: `{resources[target]['type']}` has no output `{attr}`")
        elif target not in program.get("variables", {}) and target not in program.get("config", {}):
            problems.append(f"${{{target}}}: nothing of that name")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_pulumi_schema_check_catches_mistakes(pulumi):
    args = pulumi.resource("aws:lambda:Function")
    problems = []
    check_pulumi_props(pulumi, "aws:lambda:Function", args, {"functionName": "x", "environment": {"vars": {}}}, "f", problems)
    assert any("functionName: no such input" in p for p in problems)
    assert any("vars: no such input" in p for p in problems)
    assert any("`role` missing" in p for p in problems)
    assert pulumi.resource("aws:lambda:Functions") is None


# ---------------------------------------------------------------- the same resources everywhere

# How each format names a kind of resource, keyed by CloudFormation type: the
# test's own expectation, independent of the renderers.
KINDS = {
    "AWS::Logs::LogGroup": ("aws_cloudwatch_log_group", "aws:cloudwatch:LogGroup"),
    "AWS::IAM::Role": ("aws_iam_role", "aws:iam:Role"),
    "AWS::Lambda::Function": ("aws_lambda_function", "aws:lambda:Function"),
    "AWS::Lambda::Alias": ("aws_lambda_alias", "aws:lambda:Alias"),
    "AWS::Lambda::Permission": ("aws_lambda_permission", "aws:lambda:Permission"),
    "AWS::Lambda::EventSourceMapping": ("aws_lambda_event_source_mapping", "aws:lambda:EventSourceMapping"),
    "AWS::ApiGatewayV2::Api": ("aws_apigatewayv2_api", "aws:apigatewayv2:Api"),
    "AWS::ApiGatewayV2::Stage": ("aws_apigatewayv2_stage", "aws:apigatewayv2:Stage"),
    "AWS::ApiGatewayV2::Integration": ("aws_apigatewayv2_integration", "aws:apigatewayv2:Integration"),
    "AWS::ApiGatewayV2::Route": ("aws_apigatewayv2_route", "aws:apigatewayv2:Route"),
    "AWS::DynamoDB::Table": ("aws_dynamodb_table", "aws:dynamodb:Table"),
    "AWS::DynamoDB::GlobalTable": ("aws_dynamodb_table", "aws:dynamodb:Table"),
    "AWS::SQS::Queue": ("aws_sqs_queue", "aws:sqs:Queue"),
    "AWS::SNS::Topic": ("aws_sns_topic", "aws:sns:Topic"),
    "AWS::SNS::Subscription": ("aws_sns_topic_subscription", "aws:sns:TopicSubscription"),
    "AWS::Events::Rule": ("aws_cloudwatch_event_rule", "aws:cloudwatch:EventRule"),
    "AWS::CloudWatch::Alarm": ("aws_cloudwatch_metric_alarm", "aws:cloudwatch:MetricAlarm"),
    "AWS::CloudWatch::CompositeAlarm": ("aws_cloudwatch_composite_alarm", "aws:cloudwatch:CompositeAlarm"),
    "AWS::CodeDeploy::Application": ("aws_codedeploy_app", "aws:codedeploy:Application"),
    "AWS::CodeDeploy::DeploymentConfig": ("aws_codedeploy_deployment_config", "aws:codedeploy:DeploymentConfig"),
    "AWS::CodeDeploy::DeploymentGroup": ("aws_codedeploy_deployment_group", "aws:codedeploy:DeploymentGroup"),
    "AWS::EC2::VPC": ("aws_vpc", "aws:ec2:Vpc"),
    "AWS::EC2::Subnet": ("aws_subnet", "aws:ec2:Subnet"),
    "AWS::EC2::RouteTable": ("aws_route_table", "aws:ec2:RouteTable"),
    "AWS::EC2::SubnetRouteTableAssociation": ("aws_route_table_association", "aws:ec2:RouteTableAssociation"),
    "AWS::EC2::SecurityGroup": ("aws_security_group", "aws:ec2:SecurityGroup"),
    "AWS::EC2::FlowLog": ("aws_flow_log", "aws:ec2:FlowLog"),
    "AWS::Lambda::CodeSigningConfig": ("aws_lambda_code_signing_config", "aws:lambda:CodeSigningConfig"),
    "AWS::EC2::VPCEndpoint": ("aws_vpc_endpoint", "aws:ec2:VpcEndpoint"),
    "AWS::EC2::InternetGateway": ("aws_internet_gateway", "aws:ec2:InternetGateway"),
    "AWS::EC2::VPCGatewayAttachment": ("aws_internet_gateway_attachment", "aws:ec2:InternetGatewayAttachment"),
    "AWS::EC2::EIP": ("aws_eip", "aws:ec2:Eip"),
    "AWS::ApiGatewayV2::DomainName": ("aws_apigatewayv2_domain_name", "aws:apigatewayv2:DomainName"),
    "AWS::ApiGatewayV2::ApiMapping": ("aws_apigatewayv2_api_mapping", "aws:apigatewayv2:ApiMapping"),
    "AWS::Route53::HealthCheck": ("aws_route53_health_check", "aws:route53:HealthCheck"),
    "AWS::Route53::RecordSet": ("aws_route53_record", "aws:route53:Record"),
    "AWS::EC2::NatGateway": ("aws_nat_gateway", "aws:ec2:NatGateway"),
    "AWS::EC2::Route": ("aws_route", "aws:ec2:Route"),
}


@pytest.mark.parametrize("name", VALID)
def test_every_format_holds_the_same_resources(name):
    """By kind and name. Three documented differences: Terraform and Pulumi have
    no Lambda version resource (a version is the function's `publish`), their
    EventBridge rule's target is a resource of its own (`<Rule>Target`), and
    they take over a VPC's default security group, which CloudFormation has no
    resource for."""
    app = lift.load(EXAMPLES / name)
    program = yaml.safe_load(app.synth("pulumi"))
    for region in app.regions:
        cfn = app.synth("cloudformation", region=region)["Resources"]
        want_tf, want_pulumi = set(), set()
        for rid, r in cfn.items():
            if r["Type"] == "AWS::Lambda::Version":
                continue
            tf, pu = KINDS[r["Type"]]
            want_tf.add((tf, rid))
            want_pulumi.add((pu, f"{rid}-{region}"))
            if r["Type"] == "AWS::Events::Rule":
                want_tf.add(("aws_cloudwatch_event_target", rid + "Target"))
                want_pulumi.add(("aws:cloudwatch:EventTarget", f"{rid}Target-{region}"))
            if r["Type"] == "AWS::EC2::VPC":
                want_tf.add(("aws_default_security_group", rid + "DefaultSecurityGroup"))
                want_pulumi.add(("aws:ec2:DefaultSecurityGroup", f"{rid}DefaultSecurityGroup-{region}"))
        tf_json = app.synth("terraform-json", region=region)
        got_tf = {(t, n) for t, rs in tf_json["resource"].items() for n in rs}
        assert got_tf == want_tf
        hcl = app.synth("terraform", region=region)
        assert set(re.findall(r'^resource "(\w+)" "(\w+)"', hcl, re.M)) == want_tf
        got_pulumi = {(r["type"], n) for n, r in program["resources"].items() if n.endswith(f"-{region}") and r["type"] != "pulumi:providers:aws"}
        assert got_pulumi == want_pulumi
        stack = app.synth("cdk", region=region, text=True)
        constructs = set(re.findall(r"^    const (\w+) = new ", stack, re.M)) - {"tags"}
        template = app.synth("cloudformation", region=region)
        params = set(template.get("Parameters", {})) | set(template.get("Conditions", {}))
        assert constructs - params == set(cfn)
