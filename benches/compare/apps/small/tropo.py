"""The small app as a troposphere program (benches/compare): the resources
aws-sam-translator makes of sam.yaml, written out, for the same app as lift.yaml."""

import json

from troposphere import GetAtt, Join, Output, Ref, Sub, Template
from troposphere import apigatewayv2 as api
from troposphere import awslambda, dynamodb, iam, sqs

BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
SQS_EXEC = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"


def statement(actions, resource):
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def build() -> Template:
    t = Template(Description="small (the side-by-side comparison's small app)")
    items = t.add_resource(
        dynamodb.Table(
            "Items",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[dynamodb.AttributeDefinition(AttributeName="id", AttributeType="S")],
            KeySchema=[dynamodb.KeySchema(AttributeName="id", KeyType="HASH")],
        )
    )
    jobs = t.add_resource(sqs.Queue("Jobs", VisibilityTimeout=180))
    table_arns = [GetAtt(items, "Arn"), Join("", [GetAtt(items, "Arn"), "/index/*"])]
    read_actions = ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"]
    crud = read_actions + ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"]
    http = t.add_resource(api.Api("Api", Name="small", ProtocolType="HTTP"))
    t.add_resource(api.Stage("ApiDefaultStage", ApiId=Ref(http), StageName="$default", AutoDeploy=True))

    def function(name, handler, policies, managed, env, timeout=3):
        role = t.add_resource(
            iam.Role(
                f"{name}Role",
                AssumeRolePolicyDocument={
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": ["lambda.amazonaws.com"]}}],
                },
                ManagedPolicyArns=managed,
                Policies=[iam.Policy(PolicyName=f"{name}Policy{i}", PolicyDocument={"Statement": [s]}) for i, s in enumerate(policies)],
            )
        )
        return t.add_resource(
            awslambda.Function(
                name,
                Handler=handler,
                Runtime="python3.12",
                MemorySize=128,
                Timeout=timeout,
                Code=awslambda.Code(S3Bucket="lift-bench-artifacts", S3Key="small/src.zip"),
                Role=GetAtt(role, "Arn"),
                Environment=awslambda.Environment(Variables=env),
            )
        )

    def route(fn, name, key):
        integration = t.add_resource(
            api.Integration(f"{name}Integration", ApiId=Ref(http), IntegrationType="AWS_PROXY", IntegrationUri=GetAtt(fn, "Arn"), PayloadFormatVersion="2.0")
        )
        t.add_resource(api.Route(f"{name}Route", ApiId=Ref(http), RouteKey=key, Target=Join("/", ["integrations", Ref(integration)])))
        t.add_resource(
            awslambda.Permission(
                f"{name}Permission",
                Action="lambda:InvokeFunction",
                FunctionName=Ref(fn),
                Principal="apigateway.amazonaws.com",
                SourceArn=Sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*", Api=Ref(http)),
            )
        )

    read = function("Read", "app.read", [statement(read_actions, table_arns)], [BASIC], {"TABLE": Ref(items)})
    route(read, "ReadGet", "GET /items/{id}")
    write = function(
        "Write",
        "app.write",
        [statement(crud, table_arns), statement(["sqs:SendMessage*"], [GetAtt(jobs, "Arn")])],
        [BASIC],
        {"TABLE": Ref(items), "QUEUE_URL": Ref(jobs)},
    )
    route(write, "WritePost", "POST /items")
    worker = function("Worker", "app.work", [statement(crud, table_arns)], [BASIC, SQS_EXEC], {"TABLE": Ref(items)}, timeout=30)
    t.add_resource(awslambda.EventSourceMapping("WorkerJobs", EventSourceArn=GetAtt(jobs, "Arn"), FunctionName=Ref(worker), BatchSize=10))
    t.add_output(Output("ApiUrl", Value=Sub("https://${Api}.execute-api.${AWS::Region}.amazonaws.com", Api=Ref(http))))
    return t


if __name__ == "__main__":
    print(json.dumps(json.loads(build().to_json()), indent=1))
