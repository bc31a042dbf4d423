"""Deploy every example's templates to moto's CloudFormation (server mode, on
loopback) and check that what moto supports was really created."""

import pytest

import lift
from conftest import EXAMPLES, VALID

boto3 = pytest.importorskip("boto3")

# Resource types Lift generates that moto's own CloudFormation does not implement
# (it would report them CREATE_COMPLETE and create nothing). Lift's local target
# adds them, each made through moto's real service backend (lift.local.moto_ext).
ADDED_BY_LIFT = {
    "AWS::Lambda::Alias",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::DomainName",
    "AWS::ApiGatewayV2::ApiMapping",
    "AWS::DynamoDB::GlobalTable",
    "AWS::SNS::Subscription",
    "AWS::CloudWatch::Alarm",
    "AWS::CodeDeploy::Application",
    "AWS::CodeDeploy::DeploymentGroup",
}
# moto has no composite alarms at all (neither API nor CloudFormation): not checked.
UNSUPPORTED_BY_MOTO = {"AWS::CloudWatch::CompositeAlarm"}
# moto implements these, but not far enough to create and delete a stack:
# no `Ref`/`Fn::GetAtt Version` on versions, no deletion of endpoints and route
# tables, associations that are only recorded. Lift's adapters replace them.
REPLACED_BY_LIFT = {"AWS::Lambda::Version", "AWS::EC2::VPCEndpoint", "AWS::EC2::RouteTable", "AWS::EC2::SubnetRouteTableAssociation"}


@pytest.fixture(scope="module")
def target():
    from lift.local import LocalTarget

    with LocalTarget() as t:
        yield t


def _client(service, region, url):
    return boto3.client(service, region_name=region, endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing")


# EC2 resources whose existence is one describe call: (method, ID argument, result key).
EC2_LOOKUPS = {
    "AWS::EC2::VPC": ("describe_vpcs", "VpcIds", "Vpcs"),
    "AWS::EC2::Subnet": ("describe_subnets", "SubnetIds", "Subnets"),
    "AWS::EC2::SecurityGroup": ("describe_security_groups", "GroupIds", "SecurityGroups"),
    "AWS::EC2::RouteTable": ("describe_route_tables", "RouteTableIds", "RouteTables"),
    "AWS::EC2::VPCEndpoint": ("describe_vpc_endpoints", "VpcEndpointIds", "VpcEndpoints"),
    "AWS::EC2::NatGateway": ("describe_nat_gateways", "NatGatewayIds", "NatGateways"),
    "AWS::EC2::InternetGateway": ("describe_internet_gateways", "InternetGatewayIds", "InternetGateways"),
}


def _exists(rtype, physical, region, url):
    """Ask the service itself whether a resource exists."""
    c = lambda s: _client(s, region, url)  # noqa: E731
    if rtype == "AWS::Lambda::Function":
        return c("lambda").get_function(FunctionName=physical)["Configuration"]
    if rtype == "AWS::Lambda::Version":
        return physical.rsplit(":", 1)[-1].isdigit()
    if rtype == "AWS::Lambda::EventSourceMapping":
        return c("lambda").get_event_source_mapping(UUID=physical)
    if rtype == "AWS::Lambda::Alias":
        fn, alias = physical.split(":")[-2:]
        return c("lambda").get_alias(FunctionName=fn, Name=alias)
    if rtype == "AWS::Lambda::Permission":
        return bool(physical)
    if rtype == "AWS::DynamoDB::Table":
        return c("dynamodb").describe_table(TableName=physical)["Table"]
    if rtype == "AWS::IAM::Role":
        return c("iam").get_role(RoleName=physical)["Role"]
    if rtype == "AWS::SQS::Queue":
        return c("sqs").get_queue_attributes(QueueUrl=physical, AttributeNames=["All"])["Attributes"]
    if rtype == "AWS::SNS::Topic":
        return c("sns").get_topic_attributes(TopicArn=physical)["Attributes"]
    if rtype == "AWS::Logs::LogGroup":
        return any(g["logGroupName"] == physical for g in c("logs").describe_log_groups(logGroupNamePrefix=physical)["logGroups"])
    if rtype == "AWS::Events::Rule":
        return c("events").describe_rule(Name=physical.split("|")[-1])
    if rtype in EC2_LOOKUPS:
        method, ids, key = EC2_LOOKUPS[rtype]
        return getattr(c("ec2"), method)(**{ids: [physical]})[key]
    if rtype == "AWS::EC2::SubnetRouteTableAssociation":
        return c("ec2").describe_route_tables(Filters=[{"Name": "association.route-table-association-id", "Values": [physical]}])["RouteTables"]
    if rtype == "AWS::CodeDeploy::Application":
        return c("codedeploy").get_application(applicationName=physical)["application"]
    if rtype == "AWS::ApiGatewayV2::Api":
        return c("apigatewayv2").get_api(ApiId=physical)
    if rtype == "AWS::CloudWatch::Alarm":
        return c("cloudwatch").describe_alarms(AlarmNames=[physical])["MetricAlarms"]
    if rtype == "AWS::SNS::Subscription":
        return c("sns").get_subscription_attributes(SubscriptionArn=physical)["Attributes"]
    if rtype == "AWS::DynamoDB::GlobalTable":
        return c("dynamodb").describe_table(TableName=physical)["Table"]
    if rtype == "AWS::ApiGatewayV2::DomainName":
        return c("apigatewayv2").get_domain_name(DomainName=physical)
    if rtype == "AWS::ApiGatewayV2::ApiMapping":
        return bool(physical)
    if rtype == "AWS::Route53::HealthCheck":
        return c("route53").get_health_check(HealthCheckId=physical)["HealthCheck"]
    if rtype == "AWS::Route53::RecordSet":
        zones = c("route53").list_hosted_zones()["HostedZones"]
        return any(physical.rstrip(".") == r["Name"].rstrip(".") for z in zones for r in c("route53").list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"])
    return bool(physical)


@pytest.mark.parametrize("name", VALID)
def test_moto_creates_every_stack(name, target):
    """The shipped CloudFormation deployer plugin creates each example's stack in
    each region, through the host's HTTP capability, and deletes it again."""
    endpoint = target.url
    app = lift.load(EXAMPLES / name)
    deployer = lift.plugins.Deployer(
        "cloudformation", endpoint=endpoint, access_key_id="testing", secret_access_key="testing", settings={"template-bucket": target.template_bucket(app)}
    )
    seen_unsupported = set()
    for region in app.regions:
        template = app.synth("cloudformation", region=region)
        body, params = target.prepare(app, region)
        cf = _client("cloudformation", region, endpoint)
        stack = f"{app.name}-{region}"
        events = []
        done = deployer.deploy(stack, region, body, params, timeout=120, interval=0.2, on_event=events.append)
        assert done["status"] == "complete"
        assert events and events[-1].split()[1:4] == [stack, "AWS::CloudFormation::Stack", "CREATE_COMPLETE"], events[-3:]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in cf.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])}
        assert done["outputs"] == outputs
        listed = {r["LogicalResourceId"]: r for r in cf.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
        supported = {k for k, r in template["Resources"].items() if r["Type"] not in UNSUPPORTED_BY_MOTO}
        assert supported <= set(listed), f"moto did not create {sorted(supported - set(listed))}"
        for logical, r in template["Resources"].items():
            if r["Type"] in UNSUPPORTED_BY_MOTO:
                seen_unsupported.add(r["Type"])
                continue
            physical = listed[logical]["PhysicalResourceId"]
            if r["Type"] == "AWS::Lambda::Permission":
                # moto gives permissions no physical ID: read the alias's resource policy instead.
                sub = r["Properties"]["FunctionName"]["Fn::Sub"]  # "${XFunction.Arn}:live"
                fn_logical, qualifier = sub[2:].split(".Arn}:")
                fn = listed[fn_logical]["PhysicalResourceId"]
                policy = _client("lambda", region, endpoint).get_policy(FunctionName=fn, Qualifier=qualifier)["Policy"]
                assert r["Properties"]["Principal"] in policy, f"{logical}: {policy}"
                continue
            assert _exists(r["Type"], physical, region, endpoint), f"{name} {region}: {logical} ({r['Type']}) was not created"
            if r["Type"] == "AWS::Lambda::Function":
                conf = _exists(r["Type"], physical, region, endpoint)
                props = r["Properties"]
                assert (conf["Runtime"], conf["MemorySize"], conf["Timeout"]) == (props["Runtime"], props["MemorySize"], props["Timeout"])
            if r["Type"] in ("AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route"):
                api_id = listed["HttpApi"]["PhysicalResourceId"]
                v2 = _client("apigatewayv2", region, endpoint)
                got = {
                    "AWS::ApiGatewayV2::Stage": lambda: v2.get_stage(ApiId=api_id, StageName=physical),
                    "AWS::ApiGatewayV2::Integration": lambda: v2.get_integration(ApiId=api_id, IntegrationId=physical),
                    "AWS::ApiGatewayV2::Route": lambda: v2.get_route(ApiId=api_id, RouteId=physical),
                }[r["Type"]]()
                if r["Type"] == "AWS::ApiGatewayV2::Route":
                    assert got["RouteKey"] == r["Properties"]["RouteKey"]
            if r["Type"] == "AWS::CodeDeploy::DeploymentGroup":
                app_name = listed["CodeDeployApplication"]["PhysicalResourceId"]
                got = _client("codedeploy", region, endpoint).get_deployment_group(applicationName=app_name, deploymentGroupName=physical)["deploymentGroupInfo"]
                assert got["deploymentConfigName"] == r["Properties"]["DeploymentConfigName"]
            if r["Type"] == "AWS::DynamoDB::GlobalTable":
                for replica in r["Properties"]["Replicas"]:
                    t = _client("dynamodb", replica["Region"], endpoint).describe_table(TableName=physical)["Table"]
                    assert t["KeySchema"] == r["Properties"]["KeySchema"]
            if r["Type"] == "AWS::DynamoDB::Table":
                t = _exists(r["Type"], physical, region, endpoint)
                assert t["KeySchema"] == r["Properties"]["KeySchema"]
        deployer.delete(stack, region)
        assert deployer.wait(stack, region, "deleted", timeout=120, interval=0.2)["status"] == "deleted"
        assert all(s["StackName"] != stack for s in cf.describe_stacks()["Stacks"])
    if seen_unsupported:
        print(f"\n{name}: not implemented by moto's CloudFormation, so not checked: {', '.join(sorted(seen_unsupported))}")


def test_lift_adds_only_what_moto_lacks():
    from moto.core.common_models import CloudFormationModel

    import lift.local.moto_ext  # noqa: F401

    models = CloudFormationModel.__subclasses__()
    by_moto = {m.cloudformation_type() for m in models if not m.__module__.startswith("lift.")}
    by_lift = {m.cloudformation_type() for m in models if m.__module__.startswith("lift.") and m.cloudformation_type()}
    assert by_lift - REPLACED_BY_LIFT == ADDED_BY_LIFT
    assert not (ADDED_BY_LIFT & by_moto), "moto now implements these itself; drop Lift's adapters"
    assert not (UNSUPPORTED_BY_MOTO & (by_moto | by_lift)), "moto now has composite alarms: check them"


def test_a_deleted_versions_number_is_never_given_again():
    """moto numbers a version `len(versions) + 1`; Lambda never reuses a number,
    and the local target's metrics by ExecutedVersion need it not to."""
    import io
    import zipfile

    import boto3
    from moto import mock_aws

    import lift.local.moto_ext  # noqa: F401

    def code(text):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("a.py", text)
        return buf.getvalue()

    with mock_aws():
        role = boto3.client("iam", "us-east-1").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda", "us-east-1")
        lam.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="a.h", Code={"ZipFile": code("1")})
        assert lam.publish_version(FunctionName="f")["Version"] == "1"
        lam.update_function_code(FunctionName="f", ZipFile=code("2"))
        assert lam.publish_version(FunctionName="f")["Version"] == "2"
        assert lam.publish_version(FunctionName="f")["Version"] == "2"  # nothing changed: the same version
        lam.delete_function(FunctionName="f", Qualifier="2")
        lam.update_function_code(FunctionName="f", ZipFile=code("3"))
        assert lam.publish_version(FunctionName="f")["Version"] == "3"
        assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="f")["Versions"]] == ["$LATEST", "1", "3"]
        assert lam.get_function(FunctionName="f", Qualifier="3")["Configuration"]["Version"] == "3"


def test_get_metric_data_answers_as_moto_does_in_one_pass():
    """Lift's one-pass `GetMetricData` (moto rescans every point per query and
    per period) gives moto's own answers: the same periods, statistics, labels
    and order, for dimension sets given in any order, units, no-dimension
    queries, percentiles and both scan orders."""
    import random
    from datetime import datetime, timedelta, timezone

    from moto.cloudwatch.models import CloudWatchBackend

    import lift.local.moto_ext  # noqa: F401

    fast = CloudWatchBackend.get_metric_data
    slow = fast.moto_original
    rng = random.Random(7)
    backend = CloudWatchBackend("us-east-1", "123456789012")
    t0 = datetime(2026, 12, 7, 10, 0, 0, tzinfo=timezone.utc)
    dim_sets = [
        [{"Name": "FunctionName", "Value": "api"}],
        [{"Name": "FunctionName", "Value": "api"}, {"Name": "Resource", "Value": "api:live"}],
        [{"Name": "Resource", "Value": "api:live"}, {"Name": "FunctionName", "Value": "api"}, {"Name": "ExecutedVersion", "Value": "2"}],
        [{"Name": "FunctionName", "Value": "worker"}],
    ]
    for _ in range(400):
        second = t0 + timedelta(seconds=rng.randrange(0, 900), microseconds=rng.choice([0, 250_000]))
        dims = rng.choice(dim_sets)
        name, unit = rng.choice([("Duration", "Milliseconds"), ("Errors", "Count"), ("Invocations", "Count"), ("Duration", "Count")])
        values = [float(rng.randrange(0, 600)) for _ in range(rng.randrange(1, 4))]
        backend.put_metric_data(
            "AWS/Lambda",
            [{"MetricName": name, "Dimensions": dims, "Timestamp": second, "Values": values, "Counts": [str(rng.randrange(1, 3)) for _ in values], "Unit": unit}],
        )
    backend.put_metric_data("Other", [{"MetricName": "Depth", "Value": 3.0, "Timestamp": t0 + timedelta(seconds=5)}])
    stats = ["Sum", "SampleCount", "Average", "Maximum", "Minimum", "p99", "p50", "PR(:300)"]
    compared = 0
    for period in (1, 10, 60, 300):
        for scan_by in ("TimestampAscending", "TimestampDescending"):
            queries = []
            for i, dims in enumerate(dim_sets + [[{"Name": "FunctionName", "Value": "none"}], []]):
                for name in ("Duration", "Errors", "Depth"):
                    stat = rng.choice(stats)
                    query = {"Id": f"q{len(queries)}", "MetricStat": {"Metric": {"Namespace": "Other" if name == "Depth" else "AWS/Lambda", "MetricName": name, "Dimensions": list(reversed(dims)) if i % 2 else dims}, "Period": period, "Stat": stat}}
                    if i == 1:
                        query["MetricStat"]["Unit"] = "Milliseconds"
                    if i == 2:
                        query["Label"] = "labelled"
                    if i == 3:
                        query["ReturnData"] = False
                    queries.append(query)
            start, end = t0 + timedelta(seconds=rng.randrange(0, 120), microseconds=500), t0 + timedelta(seconds=rng.randrange(300, 1000))
            ours, moto = fast(backend, queries, start, end, scan_by), slow(backend, queries, start, end, scan_by)
            assert ours == moto, (period, scan_by)
            compared += sum(len(r["values"]) for r in moto)
    assert compared > 1000, compared  # the data was seen, not only empty answers
