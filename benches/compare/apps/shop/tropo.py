"""The shop (examples/shop) as a troposphere program (benches/compare): its
us-east-1 stack, the resources sam.yaml describes, written out: a private VPC
with gateway endpoints, two functions in it with least-privilege roles, an
HTTP API with IAM auth and a throttle under a custom domain, a Route 53
failover record and health check, two global tables, a queue with its
dead-letter queue feeding the worker, a topic."""

import json

from troposphere import GetAtt, GetAZs, Join, Output, Parameter, Ref, Select, Sub, Tags, Template
from troposphere import apigatewayv2 as api
from troposphere import awslambda, dynamodb, ec2, iam, route53, sns, sqs

VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
READ = ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"]
CRUD = READ + ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"]
TAGS = {"team": "payments", "cost-center": "4711"}


def statement(actions, resource):
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def table_arns(table):
    return [GetAtt(table, "Arn"), Join("", [GetAtt(table, "Arn"), "/index/*"])]


def global_table(name, table_name, keys, attributes, **extra):
    return dynamodb.GlobalTable(
        name,
        TableName=table_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[dynamodb.AttributeDefinition(AttributeName=n, AttributeType=t) for n, t in attributes],
        KeySchema=[dynamodb.KeySchema(AttributeName=n, KeyType=k) for n, k in keys],
        StreamSpecification=dynamodb.StreamSpecification(StreamViewType="NEW_AND_OLD_IMAGES"),
        SSESpecification=dynamodb.GlobalTableSSESpecification(SSEEnabled=True),
        Replicas=[
            dynamodb.ReplicaSpecification(Region=r, PointInTimeRecoverySpecification=dynamodb.PointInTimeRecoverySpecification(PointInTimeRecoveryEnabled=True))
            for r in ("us-east-1", "eu-west-1")
        ],
        **extra,
    )


def build() -> Template:
    t = Template(Description="Order service for the shop")
    bucket, api_key, worker_key, cert = (t.add_parameter(Parameter(n, Type="String")) for n in ("ArtifactBucket", "ApiCodeKey", "WorkerCodeKey", "CertificateArn"))

    vpc = t.add_resource(ec2.VPC("Vpc", CidrBlock="10.20.0.0/16", EnableDnsHostnames=True, EnableDnsSupport=True))
    subnets, tables = [], []
    for i, cidr in enumerate(("10.20.0.0/20", "10.20.16.0/20"), start=1):
        subnet = t.add_resource(ec2.Subnet(f"PrivateSubnet{i}", VpcId=Ref(vpc), CidrBlock=cidr, AvailabilityZone=Select(i - 1, GetAZs(""))))
        routes = t.add_resource(ec2.RouteTable(f"PrivateRouteTable{i}", VpcId=Ref(vpc)))
        t.add_resource(ec2.SubnetRouteTableAssociation(f"PrivateSubnet{i}Routes", SubnetId=Ref(subnet), RouteTableId=Ref(routes)))
        subnets.append(Ref(subnet))
        tables.append(Ref(routes))
    for service in ("dynamodb", "s3"):
        t.add_resource(
            ec2.VPCEndpoint(f"{service.capitalize()}Endpoint", VpcId=Ref(vpc), ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"), VpcEndpointType="Gateway", RouteTableIds=tables)
        )
    sg = t.add_resource(
        ec2.SecurityGroup(
            "FunctionSecurityGroup",
            GroupDescription="shop functions: no inbound, HTTPS outbound",
            VpcId=Ref(vpc),
            SecurityGroupEgress=[ec2.SecurityGroupRule(IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0")],
        )
    )

    orders = t.add_resource(
        global_table(
            "OrdersTable",
            "shop-orders",
            [("pk", "HASH"), ("sk", "RANGE")],
            [("pk", "S"), ("sk", "S"), ("customer_id", "S"), ("created_at", "N")],
            GlobalSecondaryIndexes=[
                dynamodb.GlobalTableGlobalSecondaryIndex(
                    IndexName="by_customer",
                    KeySchema=[dynamodb.KeySchema(AttributeName="customer_id", KeyType="HASH"), dynamodb.KeySchema(AttributeName="created_at", KeyType="RANGE")],
                    Projection=dynamodb.Projection(ProjectionType="ALL"),
                )
            ],
            TimeToLiveSpecification=dynamodb.TimeToLiveSpecification(AttributeName="expires_at", Enabled=True),
        )
    )
    customers = t.add_resource(global_table("CustomersTable", "shop-customers", [("customer_id", "HASH")], [("customer_id", "S")]))
    dlq = t.add_resource(sqs.Queue("JobsDlq", MessageRetentionPeriod=1209600, SqsManagedSseEnabled=True))
    jobs = t.add_resource(
        sqs.Queue("Jobs", VisibilityTimeout=360, SqsManagedSseEnabled=True, RedrivePolicy=sqs.RedrivePolicy(deadLetterTargetArn=GetAtt(dlq, "Arn"), maxReceiveCount=5))
    )
    topic = t.add_resource(sns.Topic("OrderEvents", KmsMasterKeyId="alias/aws/sns"))

    def function(name, handler, key, memory, timeout, env, statements):
        role = t.add_resource(
            iam.Role(
                f"{name}Role",
                AssumeRolePolicyDocument={"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": ["lambda.amazonaws.com"]}}]},
                ManagedPolicyArns=[VPC_ACCESS],
                Policies=[iam.Policy(PolicyName="least-privilege", PolicyDocument={"Version": "2012-10-17", "Statement": statements})],
            )
        )
        return t.add_resource(
            awslambda.Function(
                name,
                Handler=handler,
                Runtime="python3.12",
                Architectures=["arm64"],
                MemorySize=memory,
                Timeout=timeout,
                Code=awslambda.Code(S3Bucket=Ref(bucket), S3Key=Ref(key)),
                Role=GetAtt(role, "Arn"),
                Environment=awslambda.Environment(Variables=env),
                VpcConfig=awslambda.VPCConfig(SubnetIds=subnets, SecurityGroupIds=[Ref(sg)]),
                Tags=Tags(**TAGS),
            )
        )

    api_fn = function(
        "ApiFunction",
        "app.handler",
        api_key,
        512,
        10,
        {"ORDERS_TABLE": Ref(orders), "CUSTOMERS_TABLE": Ref(customers), "JOBS_QUEUE_URL": Ref(jobs)},
        [statement(CRUD, table_arns(orders)), statement(READ, table_arns(customers)), statement(["sqs:SendMessage*"], [GetAtt(jobs, "Arn")])],
    )
    worker = function(
        "WorkerFunction",
        "worker.handler",
        worker_key,
        1024,
        60,
        {"ORDERS_TABLE": Ref(orders), "EVENTS_TOPIC_ARN": Ref(topic)},
        [
            statement(CRUD, table_arns(orders)),
            statement(["sns:Publish"], [Ref(topic)]),
            statement(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], [GetAtt(jobs, "Arn")]),
        ],
    )
    t.add_resource(
        awslambda.EventSourceMapping("WorkerJobs", EventSourceArn=GetAtt(jobs, "Arn"), FunctionName=Ref(worker), BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
    )

    http = t.add_resource(api.Api("Api", Name="shop", ProtocolType="HTTP"))
    stage = t.add_resource(
        api.Stage("ApiDefaultStage", ApiId=Ref(http), StageName="$default", AutoDeploy=True, DefaultRouteSettings=api.RouteSettings(ThrottlingRateLimit=200, ThrottlingBurstLimit=400))
    )
    integration = t.add_resource(api.Integration("ApiIntegration", ApiId=Ref(http), IntegrationType="AWS_PROXY", IntegrationUri=GetAtt(api_fn, "Arn"), PayloadFormatVersion="2.0"))
    for name, key, auth in (
        ("GetOrder", "GET /orders/{id}", "AWS_IAM"),
        ("PostOrder", "POST /orders", "AWS_IAM"),
        ("CustomerOrders", "GET /customers/{id}/orders", "AWS_IAM"),
        ("Health", "GET /health", "NONE"),
    ):
        t.add_resource(api.Route(f"{name}Route", ApiId=Ref(http), RouteKey=key, AuthorizationType=auth, Target=Join("/", ["integrations", Ref(integration)])))
    t.add_resource(
        awslambda.Permission(
            "ApiPermission",
            Action="lambda:InvokeFunction",
            FunctionName=Ref(api_fn),
            Principal="apigateway.amazonaws.com",
            SourceArn=Sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*", Api=Ref(http)),
        )
    )
    domain = t.add_resource(
        api.DomainName(
            "ApiDomain",
            DomainName="api.shop.example.com",
            DomainNameConfigurations=[api.DomainNameConfiguration(CertificateArn=Ref(cert), EndpointType="REGIONAL", SecurityPolicy="TLS_1_2")],
        )
    )
    t.add_resource(api.ApiMapping("ApiDomainMapping", ApiId=Ref(http), DomainName=Ref(domain), Stage=Ref(stage)))
    check = t.add_resource(
        route53.HealthCheck(
            "RegionHealthCheck",
            HealthCheckConfig=route53.HealthCheckConfig(
                Type="HTTPS",
                FullyQualifiedDomainName=Sub("${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}", Api=Ref(http)),
                Port=443,
                ResourcePath="/health",
                RequestInterval=10,
                FailureThreshold=3,
            ),
        )
    )
    t.add_resource(
        route53.RecordSetType(
            "DnsRecord",
            HostedZoneId="Z0SHOPEXAMPLE12345678",
            Name="api.shop.example.com",
            Type="A",
            SetIdentifier="us-east-1",
            Failover="PRIMARY",
            HealthCheckId=Ref(check),
            AliasTarget=route53.AliasTarget(DNSName=GetAtt(domain, "RegionalDomainName"), HostedZoneId=GetAtt(domain, "RegionalHostedZoneId"), EvaluateTargetHealth=True),
        )
    )
    t.add_output(Output("ApiUrl", Value=Sub("https://${Api}.execute-api.${AWS::Region}.amazonaws.com", Api=Ref(http))))
    return t


if __name__ == "__main__":
    print(json.dumps(json.loads(build().to_json()), indent=1))
