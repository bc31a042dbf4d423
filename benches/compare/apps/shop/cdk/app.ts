// The shop (examples/shop) as an AWS CDK app in TypeScript (benches/compare):
// its us-east-1 stack, the resources sam.yaml and tropo.py describe: a
// private VPC with gateway endpoints, two functions in it with their grants,
// an HTTP API with IAM auth and a throttle under a custom domain, a Route 53
// failover record and health check, two global tables replicated to
// eu-west-1, a queue with its dead-letter queue feeding the worker, a topic.
import * as cdk from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as route53 from "aws-cdk-lib/aws-route53";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";

// Node's globals, declared here: the toolchain has no @types/node.
declare const require: { main: unknown };
declare const module: unknown;
declare const process: { argv: string[] };

/** Build the app and synthesize it to `outdir`; the template, as JSON. */
export function synth(outdir: string, validate: boolean): unknown {
  const app = new cdk.App({ outdir });
  const stack = new cdk.Stack(app, "shop", { env: { region: "us-east-1" }, description: "Order service for the shop" });
  cdk.Tags.of(stack).add("team", "payments");
  cdk.Tags.of(stack).add("cost-center", "4711");
  const param = (name: string) => new cdk.CfnParameter(stack, name, { type: "String" }).valueAsString;
  const [artifacts, apiKey, workerKey, certificateArn] = ["ArtifactBucket", "ApiCodeKey", "WorkerCodeKey", "CertificateArn"].map(param);

  const vpc = new ec2.Vpc(stack, "Vpc", {
    ipAddresses: ec2.IpAddresses.cidr("10.20.0.0/16"),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: "private", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
    gatewayEndpoints: {
      dynamodb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      s3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
    },
  });
  const sg = new ec2.SecurityGroup(stack, "FunctionSecurityGroup", {
    vpc,
    description: "shop functions: no inbound, HTTPS outbound",
    allowAllOutbound: false,
  });
  sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs and endpoints");

  // What both global tables share.
  const common = {
    billing: dynamodb.Billing.onDemand(),
    encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
    dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    replicas: [{ region: "eu-west-1" }],
  };
  const orders = new dynamodb.TableV2(stack, "OrdersTable", {
    ...common,
    tableName: "shop-orders",
    partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
    sortKey: { name: "sk", type: dynamodb.AttributeType.STRING },
    timeToLiveAttribute: "expires_at",
    globalSecondaryIndexes: [
      {
        indexName: "by_customer",
        partitionKey: { name: "customer_id", type: dynamodb.AttributeType.STRING },
        sortKey: { name: "created_at", type: dynamodb.AttributeType.NUMBER },
      },
    ],
  });
  const customers = new dynamodb.TableV2(stack, "CustomersTable", {
    ...common,
    tableName: "shop-customers",
    partitionKey: { name: "customer_id", type: dynamodb.AttributeType.STRING },
  });

  const dlq = new sqs.Queue(stack, "JobsDlq", { retentionPeriod: cdk.Duration.days(14), encryption: sqs.QueueEncryption.SQS_MANAGED });
  const jobs = new sqs.Queue(stack, "Jobs", {
    visibilityTimeout: cdk.Duration.minutes(6),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
  });
  const events = new sns.Topic(stack, "OrderEvents", { masterKey: kms.Alias.fromAliasName(stack, "SnsKey", "alias/aws/sns") });

  const bucket = s3.Bucket.fromBucketName(stack, "Artifacts", artifacts);
  const fn = (id: string, handler: string, key: string, memorySize: number, seconds: number, environment: Record<string, string>) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.PYTHON_3_12,
      architecture: lambda.Architecture.ARM_64,
      handler,
      code: lambda.Code.fromBucket(bucket, key),
      memorySize,
      timeout: cdk.Duration.seconds(seconds),
      environment,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [sg],
    });
  const api = fn("ApiFunction", "app.handler", apiKey, 512, 10, {
    ORDERS_TABLE: orders.tableName,
    CUSTOMERS_TABLE: customers.tableName,
    JOBS_QUEUE_URL: jobs.queueUrl,
  });
  const worker = fn("WorkerFunction", "worker.handler", workerKey, 1024, 60, { ORDERS_TABLE: orders.tableName, EVENTS_TOPIC_ARN: events.topicArn });
  orders.grantReadWriteData(api);
  customers.grantReadData(api);
  jobs.grantSendMessages(api);
  orders.grantReadWriteData(worker);
  events.grantPublish(worker);
  worker.addEventSource(new SqsEventSource(jobs, { batchSize: 10, reportBatchItemFailures: true }));

  const http = new apigw.HttpApi(stack, "Api", { apiName: "shop", createDefaultStage: false, defaultAuthorizer: new HttpIamAuthorizer() });
  const stage = new apigw.HttpStage(stack, "ApiDefaultStage", {
    httpApi: http,
    stageName: "$default",
    autoDeploy: true,
    throttle: { rateLimit: 200, burstLimit: 400 },
  });
  const integration = new HttpLambdaIntegration("ApiIntegration", api);
  http.addRoutes({ path: "/orders/{id}", methods: [apigw.HttpMethod.GET], integration });
  http.addRoutes({ path: "/orders", methods: [apigw.HttpMethod.POST], integration });
  http.addRoutes({ path: "/customers/{id}/orders", methods: [apigw.HttpMethod.GET], integration });
  http.addRoutes({ path: "/health", methods: [apigw.HttpMethod.GET], integration, authorizer: new apigw.HttpNoneAuthorizer() });
  const domain = new apigw.DomainName(stack, "ApiDomain", {
    domainName: "api.shop.example.com",
    certificate: acm.Certificate.fromCertificateArn(stack, "Certificate", certificateArn),
  });
  new apigw.ApiMapping(stack, "ApiDomainMapping", { api: http, domainName: domain, stage });
  const check = new route53.CfnHealthCheck(stack, "RegionHealthCheck", {
    healthCheckConfig: {
      type: "HTTPS",
      fullyQualifiedDomainName: `${http.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`,
      port: 443,
      resourcePath: "/health",
      requestInterval: 10,
      failureThreshold: 3,
    },
  });
  new route53.CfnRecordSet(stack, "DnsRecord", {
    hostedZoneId: "Z0SHOPEXAMPLE12345678",
    name: "api.shop.example.com",
    type: "A",
    setIdentifier: "us-east-1",
    failover: "PRIMARY",
    healthCheckId: check.attrHealthCheckId,
    aliasTarget: { dnsName: domain.regionalDomainName, hostedZoneId: domain.regionalHostedZoneId, evaluateTargetHealth: true },
  });
  new cdk.CfnOutput(stack, "ApiUrl", { value: http.apiEndpoint });
  const assembly = app.synth({ skipValidation: !validate });
  return assembly.getStackByName("shop").template;
}

// As a program (the cold run): synthesize once to cdk.out beside it, as `cdk synth` does.
if (require.main === module) {
  synth(process.argv[2] ?? "cdk.out", true);
}
