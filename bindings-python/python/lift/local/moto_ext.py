"""CloudFormation support, inside moto, for resource types Lift generates that
moto's CloudFormation does not implement. Each is a thin adapter over moto's
own service backend, so the resource is as real as one made through moto's API.

Registering is importing: moto builds its type map from the subclasses of
`CloudFormationModel` the first time a stack is parsed.
"""

from __future__ import annotations

from typing import Any, Dict

import random
import string
from datetime import timedelta
from typing import Callable, Optional

from moto.apigatewayv2.models import apigatewayv2_backends
from moto.awslambda.models import lambda_backends
from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat, cloudwatch_backends
from moto.codedeploy.models import codedeploy_backends
from moto.core.common_models import CloudFormationModel
from moto.dynamodb.models import dynamodb_backends
from moto.ec2.models import ec2_backends
from moto.ec2.models.vpcs import VPCEndPoint
from moto.sns.models import sns_backends


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase keys to the camelCase moto's JSON APIs store."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _kwargs(props: Dict[str, Any], *names: str) -> Dict[str, Any]:
    """moto's snake_case keyword arguments from CloudFormation's PascalCase
    properties of the same name (`tls_config` reads `TlsConfig`), absent ones as None."""
    return {n: props.get("".join(w.capitalize() for w in n.split("_"))) for n in names}


def _suffix() -> str:
    return "".join(random.choice(string.ascii_uppercase + string.digits) for _ in range(12))


class _Adapter:
    """A resource made through a moto backend: its physical ID, its `Fn::GetAtt`
    attributes, and how to undo it. Subclasses implement `make`, and also derive
    from `CloudFormationModel` directly: moto finds models by direct subclass."""

    TYPE = ""

    def __init__(self, physical_id: str, attributes: Dict[str, Any], undo: Optional[Callable[[], None]] = None):
        self._physical_id = physical_id
        self._attributes = attributes
        self._undo = undo

    @classmethod
    def cloudformation_type(cls) -> str:  # type: ignore[override]
        return cls.TYPE

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self._attributes:
            return self._attributes[attribute_name]
        raise NotImplementedError(attribute_name)

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    @classmethod
    def make(cls, name: str, props: Dict[str, Any], account_id: str, region: str) -> "_Adapter":
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Dict[str, Any], account_id: str, region_name: str, **kwargs: Any) -> "_Adapter":
        made = cls.make(resource_name, cloudformation_json.get("Properties", {}), account_id, region_name)
        made._props = cloudformation_json.get("Properties", {})
        return made

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: "_Adapter", new_resource_name: str, cloudformation_json: Dict[str, Any], account_id: str, region_name: str) -> "_Adapter":
        # moto's stack update offers every resource, changed or not: one whose
        # properties are the same stays as it is, as CloudFormation leaves it.
        props = cloudformation_json.get("Properties", {})
        if getattr(original_resource, "_props", None) == props:
            return original_resource
        # Replacement: make the new one, then remove the old one, as CloudFormation does.
        new = cls.make(new_resource_name, props, account_id, region_name)
        new._props = props
        original_resource.delete(account_id, region_name)
        return new

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Dict[str, Any], account_id: str, region_name: str) -> None:
        """Deletion goes through `delete` on the instance."""

    def delete(self, account_id: str, region_name: str) -> None:
        if not self._undo:
            return
        try:
            self._undo()
        except Exception as e:  # noqa: BLE001
            # Already gone (a route or stage goes with its API) is done; anything
            # else, such as a dependency still in place, moto retries later.
            if "NotFound" not in type(e).__name__ and "not found" not in str(e).lower() and "invalid" not in str(e).lower():
                raise
        self._undo = None


class LambdaAliasModel(_Adapter, CloudFormationModel):
    """`AWS::Lambda::Alias`, backed by moto's Lambda alias API; updated in place, as CloudFormation does."""

    TYPE = "AWS::Lambda::Alias"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = lambda_backends[account_id][region]
        alias = b.create_alias(**cls._args(props))
        return cls(alias.arn, {"AliasArn": alias.arn}, lambda: b.delete_alias(props["Name"], props["FunctionName"]))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        # CloudFormation updates an alias only when its properties, resolved, changed: a stack
        # update that leaves the version where it is must not touch weights a rollout has set.
        props = cloudformation_json["Properties"]
        before = getattr(original_resource, "_props", None)
        if before is None or cls._args(before) != cls._args(props):
            lambda_backends[account_id][region_name].update_alias(**cls._args(props))
        original_resource._props = props
        return original_resource

    @staticmethod
    def _args(props):
        """moto's create_alias and update_alias take the same arguments."""
        return {
            "name": props.get("Name"),
            "function_name": props.get("FunctionName"),
            "function_version": str(props.get("FunctionVersion")),
            "description": props.get("Description", ""),
            "routing_config": props.get("RoutingConfig"),
        }


class LambdaVersionModel(_Adapter, CloudFormationModel):
    """`AWS::Lambda::Version` with `Ref` (the version ARN) and `Fn::GetAtt Version`,
    which moto's own model lacks. Versions go with their function; a changed
    version is a new one (the inherited update publishes again)."""

    TYPE = "AWS::Lambda::Version"

    @classmethod
    def make(cls, name, props, account_id, region):
        fn = lambda_backends[account_id][region].publish_version(props["FunctionName"], description=props.get("Description", ""))
        arn = fn.function_arn
        return cls(arn, {"Version": str(fn.version), "FunctionArn": arn.rsplit(":", 1)[0]})


class HttpApiModel(_Adapter, CloudFormationModel):
    TYPE = "AWS::ApiGatewayV2::Api"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = apigatewayv2_backends[account_id][region]
        api = b.create_api(
            api_key_selection_expression=props.get("ApiKeySelectionExpression"),
            cors_configuration=_camel(props.get("CorsConfiguration")),
            description=props.get("Description"),
            disable_schema_validation=props.get("DisableSchemaValidation"),
            disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
            name=props.get("Name", name),
            protocol_type=props.get("ProtocolType", "HTTP"),
            route_selection_expression=props.get("RouteSelectionExpression"),
            tags=props.get("Tags") or {},
            version=props.get("Version"),
        )
        return cls(api.api_id, {"ApiEndpoint": api.api_endpoint, "ApiId": api.api_id}, lambda: b.delete_api(api.api_id))


class ApiDomainModel(_Adapter, CloudFormationModel):
    TYPE = "AWS::ApiGatewayV2::DomainName"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = apigatewayv2_backends[account_id][region]
        domain = props["DomainName"]
        b.create_domain_name(domain, _camel(props.get("DomainNameConfigurations", [])), {}, props.get("Tags") or {})
        # The regional name API Gateway would give it, and that name's hosted zone, for alias records.
        attrs = {"RegionalDomainName": f"d-{_suffix()}.execute-api.{region}.amazonaws.com", "RegionalHostedZoneId": "Z1UJRXOUMOOFQ8"}
        return cls(domain, attrs, lambda: b.delete_domain_name(domain))


class ApiMappingModel(_Adapter, CloudFormationModel):
    TYPE = "AWS::ApiGatewayV2::ApiMapping"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = apigatewayv2_backends[account_id][region]
        domain = props["DomainName"]
        mapping = b.create_api_mapping(props["ApiId"], props.get("ApiMappingKey", ""), domain, props["Stage"])
        return cls(mapping.api_mapping_id, {}, lambda: b.delete_api_mapping(mapping.api_mapping_id, domain))


class HttpStageModel(_Adapter, CloudFormationModel):
    TYPE = "AWS::ApiGatewayV2::Stage"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = apigatewayv2_backends[account_id][region]
        api_id = props["ApiId"]
        config = _camel({k: v for k, v in props.items() if k != "ApiId"})
        stage = b.create_stage(api_id, config)
        return cls(stage.name, {}, lambda: b.delete_stage(api_id, stage.name))


class HttpIntegrationModel(_Adapter, CloudFormationModel):
    TYPE = "AWS::ApiGatewayV2::Integration"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = apigatewayv2_backends[account_id][region]
        api_id = props["ApiId"]
        integration = b.create_integration(
            api_id=api_id,
            **_kwargs(
                props,
                "connection_id", "connection_type", "content_handling_strategy", "credentials_arn", "description",
                "integration_method", "integration_subtype", "integration_type", "integration_uri", "passthrough_behavior",
                "payload_format_version", "request_parameters", "request_templates", "response_parameters",
                "template_selection_expression", "timeout_in_millis", "tls_config",
            ),
        )
        iid = integration.to_json()["integrationId"]
        return cls(iid, {"IntegrationId": iid}, lambda: b.delete_integration(api_id, iid))


class HttpRouteModel(_Adapter, CloudFormationModel):
    TYPE = "AWS::ApiGatewayV2::Route"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = apigatewayv2_backends[account_id][region]
        api_id = props["ApiId"]
        args = _kwargs(
            props,
            "authorization_type", "authorizer_id", "model_selection_expression", "operation_name", "request_models",
            "request_parameters", "route_key", "route_response_selection_expression", "target",
        )
        route = b.create_route(
            api_id=api_id,
            api_key_required=props.get("ApiKeyRequired", False),
            authorization_scopes=props.get("AuthorizationScopes", []),
            **args,
        )
        rid = route.to_json()["routeId"]
        return cls(rid, {"RouteId": rid}, lambda: b.delete_route(api_id, rid))


def _metric_queries(metrics):
    """CloudFormation's metric-math `Metrics` as moto's query objects (what moto's own API layer builds)."""
    if not metrics:
        return None
    out = []
    for m in metrics:
        stat = m.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat["Metric"]
            dims = [Dimension(name=d["Name"], value=d["Value"]) for d in metric.get("Dimensions", [])]
            metric_stat = MetricStat(metric=Metric(metric_name=metric["MetricName"], namespace=metric["Namespace"], dimensions=dims), period=stat["Period"], stat=stat["Stat"], unit=stat.get("Unit"))
        out.append(MetricDataQuery(query_id=m["Id"], label=m.get("Label"), period=m.get("Period"), return_data=m.get("ReturnData"), expression=m.get("Expression"), metric_stat=metric_stat))
    return out


class AlarmModel(_Adapter, CloudFormationModel):
    TYPE = "AWS::CloudWatch::Alarm"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = cloudwatch_backends[account_id][region]
        alarm_name = props.get("AlarmName") or f"{name}-{_suffix()}"
        alarm = b.put_metric_alarm(
            metric_data_queries=_metric_queries(props.get("Metrics")),
            datapoints_to_alarm=props.get("DatapointsToAlarm"),
            name=alarm_name,
            namespace=props.get("Namespace"),
            metric_name=props.get("MetricName"),
            comparison_operator=props["ComparisonOperator"],
            evaluation_periods=int(props["EvaluationPeriods"]),
            period=int(props.get("Period", 60)),
            threshold=float(props.get("Threshold", 0)),
            statistic=props.get("Statistic"),
            description=props.get("AlarmDescription"),
            dimensions=props.get("Dimensions", []),
            alarm_actions=props.get("AlarmActions", []),
            ok_actions=props.get("OKActions", []),
            insufficient_data_actions=props.get("InsufficientDataActions", []),
            treat_missing_data=props.get("TreatMissingData"),
            tags=props.get("Tags"),
        )
        return cls(alarm_name, {"Arn": alarm.alarm_arn}, lambda: b.delete_alarms([alarm_name]))


class TopicSubscriptionModel(_Adapter, CloudFormationModel):
    TYPE = "AWS::SNS::Subscription"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = sns_backends[account_id][region]
        sub = b.subscribe(props["TopicArn"], props["Endpoint"], props["Protocol"])
        return cls(sub.arn, {"Arn": sub.arn}, lambda: b.unsubscribe(sub.arn))


class GlobalTableModel(_Adapter, CloudFormationModel):
    """A table of one name in every replica region, each made by moto's DynamoDB."""

    TYPE = "AWS::DynamoDB::GlobalTable"

    @classmethod
    def make(cls, name, props, account_id, region):
        table_name = props.get("TableName") or f"{name}-{_suffix()}"
        made = []
        for replica in props.get("Replicas", []):
            b = dynamodb_backends[account_id][replica["Region"]]
            table = b.create_table(
                name=table_name,
                schema=props["KeySchema"],
                throughput=None,
                attr=props["AttributeDefinitions"],
                global_indexes=props.get("GlobalSecondaryIndexes", []),
                indexes=props.get("LocalSecondaryIndexes", []),
                streams=props.get("StreamSpecification"),
                billing_mode="PAY_PER_REQUEST",
                sse_specification=props.get("SSESpecification"),
                tags=replica.get("Tags", []),
                deletion_protection_enabled=replica.get("DeletionProtectionEnabled"),
                warm_throughput=None,
            )
            made.append((b, table))

        def undo() -> None:
            for b, t in made:
                b.delete_table(t.name)

        here = next((t for b, t in made if b.region_name == region), made[0][1] if made else None)
        attrs = {"Arn": here.table_arn, "StreamArn": here.latest_stream_label and f"{here.table_arn}/stream/{here.latest_stream_label}", "TableId": getattr(here, "table_id", table_name)} if here else {}
        return cls(table_name, attrs, undo)


class VpcEndpointModel(_Adapter, CloudFormationModel):
    """`AWS::EC2::VPCEndpoint` made by moto's own model, plus the deletion that
    model lacks (without it no stack with an endpoint can be deleted)."""

    TYPE = "AWS::EC2::VPCEndpoint"

    @classmethod
    def make(cls, name, props, account_id, region):
        endpoint = VPCEndPoint.create_from_cloudformation_json(name, {"Properties": props}, account_id, region)
        b = ec2_backends[account_id][region]
        return cls(endpoint.id, {"Id": endpoint.id}, lambda: b.delete_vpc_endpoints([endpoint.id]))


class RouteTableModel(_Adapter, CloudFormationModel):
    """`AWS::EC2::RouteTable` with the deletion moto's model lacks."""

    TYPE = "AWS::EC2::RouteTable"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = ec2_backends[account_id][region]
        table = b.create_route_table(vpc_id=props["VpcId"], tags=props.get("Tags"))
        return cls(table.id, {"RouteTableId": table.id}, lambda: b.delete_route_table(table.id))


class SubnetRouteTableAssociationModel(_Adapter, CloudFormationModel):
    """`AWS::EC2::SubnetRouteTableAssociation` that really associates (moto's
    model only records the pair) and can be deleted."""

    TYPE = "AWS::EC2::SubnetRouteTableAssociation"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = ec2_backends[account_id][region]
        association_id = b.associate_route_table(props["RouteTableId"], subnet_id=props["SubnetId"])
        return cls(association_id, {"Id": association_id}, lambda: b.disassociate_route_table(association_id))


class CodeDeployApplicationModel(_Adapter, CloudFormationModel):
    """`AWS::CodeDeploy::Application`, made by moto's CodeDeploy (which has no delete: the adapter forgets it)."""

    TYPE = "AWS::CodeDeploy::Application"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = codedeploy_backends[account_id][region]
        app_name = props.get("ApplicationName") or f"{name}-{_suffix()}"
        b.create_application(app_name, props.get("ComputePlatform", "Server"), props.get("Tags") or [])
        return cls(app_name, {}, lambda: b.applications.pop(app_name, None))


class DeploymentGroupModel(_Adapter, CloudFormationModel):
    """`AWS::CodeDeploy::DeploymentGroup`, made by moto's CodeDeploy."""

    TYPE = "AWS::CodeDeploy::DeploymentGroup"

    @classmethod
    def make(cls, name, props, account_id, region):
        b = codedeploy_backends[account_id][region]
        app = props["ApplicationName"]
        group = props.get("DeploymentGroupName") or f"{name}-{_suffix()}"
        b.create_deployment_group(
            application_name=app,
            deployment_group_name=group,
            deployment_config_name=props.get("DeploymentConfigName"),
            ec2_tag_filters=None,
            on_premises_instance_tag_filters=None,
            auto_scaling_groups=None,
            service_role_arn=props["ServiceRoleArn"],
            alarm_configuration=_camel(props.get("AlarmConfiguration")),
            auto_rollback_configuration=_camel(props.get("AutoRollbackConfiguration")),
            deployment_style=_camel(props.get("DeploymentStyle")),
        )
        return cls(group, {}, lambda: b.deployment_groups.get(app, {}).pop(group, None))


def _event_source_mappings_as_lambda_keeps_them() -> None:
    """Two changes to moto's SQS event source mappings, so that Lift's data
    plane can poll the queue as Lambda does (`lift.local.queues`):

    - moto delivers a message to the mapped function synchronously, inside
      `SendMessage`, by running the function in Docker; without Docker the
      sender's call fails with a 500. Lift's poller delivers instead, so
      moto's delivery is switched off (the mapping stays, as data).
    - moto records the version an alias pointed to when the mapping was made;
      Lambda keeps the ARN it was given, so that a mapping through `live`
      follows the alias's weights. The given ARN is kept.
    """
    from moto.awslambda.models import LambdaBackend
    from moto.sqs.models import sqs_backends

    original = LambdaBackend.create_event_source_mapping

    def create_event_source_mapping(self, spec):  # type: ignore[no-untyped-def]
        esm = original(self, spec)
        given = str(spec.get("FunctionName", ""))
        if given.startswith("arn:") and len(given.split(":")) == 8:
            esm.function_arn = given
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            for key in [k for k, v in queue.lambda_event_source_mappings.items() if v is esm]:
                del queue.lambda_event_source_mappings[key]
        return esm

    LambdaBackend.create_event_source_mapping = create_event_source_mapping


_event_source_mappings_as_lambda_keeps_them()


def _stack_updates_follow_references() -> None:
    """moto's stack update marks a resource modified when its own JSON changed
    or a parameter it names with `Ref` changed. CloudFormation also updates a
    resource when a parameter changes inside `Fn::Sub` (a version's
    description, `${ApiCodeKey}`), and when a resource it refers to was
    replaced (an alias on its version). Both are added here, so that new code
    publishes a version and moves the template's alias, as it does on AWS."""
    import re

    from moto.cloudformation import parsing

    def references(node: Any) -> list:
        out: list = []
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Ref" and isinstance(value, str):
                    out.append(value)
                elif key == "Fn::GetAtt":
                    target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                    out.append(target)
                elif key == "Fn::Sub":
                    text = value[0] if isinstance(value, list) else value
                    out.extend(m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", str(text)))
                    if isinstance(value, list) and len(value) > 1:
                        out.extend(references(value[1]))
                else:
                    out.extend(references(value))
        elif isinstance(node, list):
            for item in node:
                out.extend(references(item))
        return out

    original = parsing.ResourceMap.build_resource_diff

    def build_resource_diff(self, other_template, parameters=None):  # type: ignore[no-untyped-def]
        diff = original(self, other_template, parameters)
        new, old = other_template["Resources"], self._resource_json_map
        changed = {p for p in (parameters or {}) if self.input_parameters.get(p) != parameters[p]}
        touched = set(diff["Add"]) | set(diff["Modify"]) | changed
        grew = True
        while grew:
            grew = False
            for name in new:
                if name in old and name not in touched and touched.intersection(references(new[name])):
                    diff["Modify"].append(name)
                    touched.add(name)
                    grew = True
        # Dependencies first: a version is published before its alias moves to it.
        ordered: list = []
        modify = set(diff["Modify"])

        def visit(name: str, path: frozenset) -> None:
            if name in ordered or name in path:
                return
            for dep in references(new.get(name, {})):
                if dep in modify:
                    visit(dep, path | {name})
            ordered.append(name)

        for name in diff["Modify"]:
            visit(name, frozenset())
        diff["Modify"] = ordered
        return diff

    parsing.ResourceMap.build_resource_diff = build_resource_diff


_stack_updates_follow_references()


def _versions_as_lambda_publishes_them() -> None:
    """Two faults of moto's `PublishVersion`, mended where versions are made:
    - a version is a shallow copy of `$LATEST`, so it shares `$LATEST`'s code
      record and, after an update, reports the new code's location for the old
      version; on AWS a version's code is its own, so the record is copied;
    - the number is `len(versions) + 1`, so once a version is deleted (a stack
      rolled back removes the version it made) the next one gets its number
      again, and metrics by `ExecutedVersion` mix the two releases (a rollout's
      error-rate gate read the rolled-back release's errors as the new one's).
      Lambda never reuses a number: each function's highest is kept here."""
    from moto.awslambda.models import LambdaStorage

    original = LambdaStorage.publish_version

    def publish_version(self, name_or_arn, description=""):  # type: ignore[no-untyped-def]
        known = self.get_function_by_name_or_arn_forbid_qualifier(name_or_arn).function_name
        count = len(self._functions.get(known, {}).get("versions", []))
        fn = original(self, name_or_arn, description)
        if fn is None:
            return fn
        if isinstance(getattr(fn, "code", None), dict):
            fn.code = dict(fn.code)
        highest = self.__dict__.setdefault("_lift_highest_version", {})
        name = fn.function_name
        number = int(fn.version)
        published = len(self._functions[name]["versions"]) > count
        if published and number <= highest.get(name, 0):
            # A number given before: the next one never used, as Lambda numbers them.
            self._arns.pop(fn.function_arn, None)
            number = highest[name] + 1
            fn.set_version(number)
            self._arns[fn.function_arn] = fn
        highest[name] = max(highest.get(name, 0), number)
        return fn

    LambdaStorage.publish_version = publish_version


_versions_as_lambda_publishes_them()


def _percentile_statistics() -> None:
    """moto's `GetMetricData` answers `Sum`, `Average`, `Minimum`, `Maximum`
    and `SampleCount` and nothing for a percentile (`p99`), which a latency
    gate reads, or for a percentile rank (`PR(:300)`, the share of values at
    most 300), which a latency SLO's live evaluation reads. CloudWatch computes a percentile over the period's values;
    here it is the nearest-rank percentile of the values put with
    `PutMetricData` (moto keeps each of them), so `p99` of 100 values is the
    99th smallest. CloudWatch's own estimate may differ by its histogram's
    error; a gate's threshold is far coarser."""
    import math
    import re

    from moto.cloudwatch.models import Statistics

    original = Statistics.get_statistics_for_type
    pattern = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")
    rank_pattern = re.compile(r"^PR\(([0-9.]*):([0-9.]*)\)$")

    def get_statistics_for_type(self, stat):  # type: ignore[no-untyped-def]
        pr = rank_pattern.match(stat or "")
        if pr is not None:
            # Percentile rank: the percentage of the values within the bounds (`PR(:300)`: at most 300).
            values = self.metric_single_values_list
            if not values:
                return None
            low = float(pr.group(1)) if pr.group(1) else float("-inf")
            high = float(pr.group(2)) if pr.group(2) else float("inf")
            return 100.0 * sum(1 for v in values if low < v <= high or (low == float("-inf") and v <= high)) / len(values)
        m = pattern.match(stat or "")
        if m is None:
            return original(self, stat)
        values = sorted(self.metric_single_values_list)
        if not values:
            return None
        rank = max(1, math.ceil(float(m.group(1)) / 100.0 * len(values)))
        return values[min(rank, len(values)) - 1]

    Statistics.get_statistics_for_type = get_statistics_for_type


_percentile_statistics()


def _change_sets_update_outputs() -> None:
    """moto executes an update's change set without reading the stack's
    outputs again: after the update a `Fn::GetAtt` output (the version the
    release published) still says what the previous template gave it. On AWS
    the outputs are the new template's; the stack's template is set, parsed
    and its outputs evaluated once the change set has been applied."""
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self, change_set_name, stack_name=None):  # type: ignore[no-untyped-def]
        original(self, change_set_name, stack_name)
        for stack in list(self.stacks.values()):
            if stack.name == stack_name or stack.stack_id == stack_name or any(
                cs.stack_id == stack.stack_id and change_set_name in (cs.change_set_name, cs_id) for cs_id, cs in self.change_sets.items()
            ):
                stack._parse_template()
                stack.output_map = stack._create_output_map()

    CloudFormationBackend.execute_change_set = execute_change_set


_change_sets_update_outputs()


def _alias_history() -> None:
    """Every change the emulator makes to what an alias serves (its version
    or its weights, through the Lambda API or a stack), appended as a JSON
    line to `$LIFT_ALIAS_HISTORY` when it is set:
    the emulator's own record of traffic shifts, which tests count instead of
    trusting the runner's journal. AWS keeps this in CloudTrail; moto keeps none."""
    import json
    import os
    import threading
    import time

    from moto.awslambda.models import LambdaBackend

    path = os.environ.get("LIFT_ALIAS_HISTORY")
    if not path:
        return
    lock = threading.Lock()
    original = LambdaBackend.update_alias

    def state(self, function_name, name):  # type: ignore[no-untyped-def]
        try:
            a = self.get_alias(name, function_name)
        except Exception:  # noqa: BLE001 - no such alias yet
            return None
        weights = ((a.routing_config or {}).get("AdditionalVersionWeights")) or {}
        return str(a.function_version), {k: float(v) for k, v in weights.items()}

    def update_alias(self, name, function_name, function_version, description, routing_config):  # type: ignore[no-untyped-def]
        before = state(self, function_name, name)
        alias = original(self, name, function_name, function_version, description, routing_config)
        after = state(self, function_name, name)
        if after is not None and after != before:  # a change of what the alias serves, not a call that changed nothing
            line = {"t": time.time(), "region": self.region_name, "function": function_name, "alias": name, "version": after[0], "weights": after[1]}
            with lock, open(path, "a") as f:
                f.write(json.dumps(line) + "\n")
        return alias

    LambdaBackend.update_alias = update_alias


_alias_history()


def _qualified_record_names() -> None:
    """Route 53 keeps every record name fully qualified (`api.example.com.`);
    moto's CloudFormation path keeps the template's spelling, so an UPSERT
    through the API (which moto qualifies) would add a second record beside
    the stack's instead of replacing it. Qualify on the way in."""
    from moto.route53.models import FakeZone

    add, delete = FakeZone.add_rrset, FakeZone.delete_rrset

    def qualified(record_set: Dict[str, Any]) -> Dict[str, Any]:
        name = record_set.get("Name") or ""
        return dict(record_set, Name=name + ".") if name and not name.endswith(".") else record_set

    FakeZone.add_rrset = lambda self, record_set: add(self, qualified(record_set))  # type: ignore[method-assign]
    FakeZone.delete_rrset = lambda self, rrset: delete(self, qualified(rrset))  # type: ignore[method-assign]


def _record_history() -> None:
    """The emulator's own record of every Route 53 change batch that changed
    something, one JSON line each, where `LIFT_DNS_HISTORY` says: what tests
    count a watcher's traffic moves by."""
    import json
    import os
    import threading
    import time

    from moto.route53.models import Route53Backend

    path = os.environ.get("LIFT_DNS_HISTORY")
    if not path:
        return
    lock = threading.Lock()
    original = Route53Backend.change_resource_record_sets

    def snapshot(self, zoneid):  # type: ignore[no-untyped-def]
        zone = self.get_hosted_zone(zoneid)
        return sorted((r.name, r.type, r.set_identifier or "", r.failover or "", str(r.weight or "")) for r in zone.rrsets)

    def change(self, zoneid, change_list):  # type: ignore[no-untyped-def]
        before = snapshot(self, zoneid)
        out = original(self, zoneid, change_list)
        after = snapshot(self, zoneid)
        if after != before:
            moved = [{"name": n, "set": s, "failover": f, "weight": w} for (n, _, s, f, w) in after if (n, _, s, f, w) not in before]
            with lock, open(path, "a") as f:
                f.write(json.dumps({"t": time.time(), "zone": zoneid, "changed": moved}) + "\n")
        return out

    Route53Backend.change_resource_record_sets = change  # type: ignore[method-assign]


_qualified_record_names()
_record_history()


def _dimension_order() -> None:
    """moto's `GetMetricData` matches a query's dimensions to a metric's by
    sorting both, and its `Dimension.__lt__` compares a value with a name, so
    the same dimensions given in another order often match nothing (AWS
    ignores their order). Sort by name, then value."""
    Dimension.__lt__ = lambda self, other: (self.name, self.value or "") < (other.name, other.value or "")  # type: ignore[method-assign]


_dimension_order()


def _metric_data_in_one_pass() -> None:
    """moto's `GetMetricData` rescans every data point in the time range for
    each query and each period, comparing sorted dimension lists each time:
    Q queries x P periods x N points, under the GIL. A rollout gate's one call
    (a dozen queries over a bake of per-second periods) then stalls every other
    thread of the target, the Lambda Runtime API among them, and the stall
    shows up as a new version's latency (CI's approval test read a p99 of
    574 ms against 214 for the old version while such a scan ran). Here the
    points are grouped by metric in one pass and each query's points put in
    their periods by arithmetic: N + matched work, with the same answers (the
    periods, their order, the statistics, a no-dimension query matching every
    dimension set as moto's does). Metric math and Insights queries, which Lift
    never sends, keep moto's own path."""
    from collections import defaultdict

    from moto.cloudwatch.exceptions import ValidationError
    from moto.cloudwatch.models import CloudWatchBackend, Statistics

    original = CloudWatchBackend.get_metric_data

    def key_of(md: Any) -> tuple:
        key = md.__dict__.get("_lift_key")
        if key is None:
            key = (md.namespace, md.name, tuple(sorted((d.name, d.value or "") for d in md.dimensions)))
            md._lift_key = key
        return key

    def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):  # type: ignore[no-untyped-def]
        if any("MetricStat" not in q for q in queries):
            return original(self, queries, start_time, end_time, scan_by)
        start_time = start_time.replace(microsecond=0)
        end_time = end_time.replace(microsecond=0)
        if start_time > end_time:
            raise ValidationError("The parameter EndTime must be greater than StartTime.")
        if start_time == end_time:
            raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
        by_metric: Dict[tuple, list] = defaultdict(list)
        by_name: Dict[tuple, list] = defaultdict(list)
        # Only a query without dimensions (which Lift never sends) reads points by name alone.
        undimensioned = any(not q["MetricStat"]["Metric"].get("Dimensions") for q in queries)
        for md in self.get_all_metrics():
            if start_time <= md.timestamp < end_time:
                key = key_of(md)
                by_metric[key].append(md)
                if undimensioned:
                    by_name[key[:2]].append(md)
        out = []
        for query in queries:
            stat_q = query["MetricStat"]
            metric = stat_q["Metric"]
            ns, name = metric["Namespace"], metric["MetricName"]
            dims = metric.get("Dimensions", [])
            if dims:
                points = by_metric.get((ns, name, tuple(sorted((d["Name"], d["Value"] or "") for d in dims))), [])
            else:
                points = by_name.get((ns, name), [])
            unit = stat_q.get("Unit")
            if unit:
                points = [md for md in points if md.unit == unit]
            delta = timedelta(seconds=int(stat_q["Period"]))
            periods: Dict[int, list] = defaultdict(list)
            for md in points:
                periods[(md.timestamp - start_time) // delta].append(md)
            stat = stat_q["Stat"]
            values, timestamps = [], []
            for index in sorted(periods):
                stats = Statistics([stat], start_time + index * delta)
                stats.metric_data = periods[index]
                values.append(stats.get_statistics_for_type(stat))
                timestamps.append(stats.timestamp)
            if scan_by == "TimestampDescending":
                values.reverse()
                timestamps.reverse()
            if query.get("ReturnData", True):
                label = query.get("Label") or f"{name} {stat}"
                out.append({"id": query["Id"], "label": label, "values": values, "timestamps": timestamps, "status_code": "Complete"})
        return out

    get_metric_data.moto_original = original  # type: ignore[attr-defined]
    CloudWatchBackend.get_metric_data = get_metric_data


_metric_data_in_one_pass()
