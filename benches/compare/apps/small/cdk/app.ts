// The small app as an AWS CDK app in TypeScript (benches/compare): the same
// functions, API, table, queue, trigger and grants as lift.yaml.
import * as cdk from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sqs from "aws-cdk-lib/aws-sqs";

// Node's globals, declared here: the toolchain has no @types/node.
declare const require: { main: unknown };
declare const module: unknown;
declare const process: { argv: string[] };

/** Build the app and synthesize it to `outdir`; the template, as JSON. */
export function synth(outdir: string, validate: boolean): unknown {
  const app = new cdk.App({ outdir });
  const stack = new cdk.Stack(app, "small", { env: { region: "us-east-1" } });
  const items = new dynamodb.Table(stack, "Items", {
    partitionKey: { name: "id", type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  });
  const jobs = new sqs.Queue(stack, "Jobs", { visibilityTimeout: cdk.Duration.minutes(3) });
  const code = lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, "Artifacts", "lift-bench-artifacts"), "small/src.zip");
  const fn = (id: string, handler: string, env: Record<string, string>, timeout = 3) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler,
      code,
      memorySize: 128,
      timeout: cdk.Duration.seconds(timeout),
      environment: env,
    });
  const read = fn("Read", "app.read", { TABLE: items.tableName });
  const write = fn("Write", "app.write", { TABLE: items.tableName, QUEUE_URL: jobs.queueUrl });
  const worker = fn("Worker", "app.work", { TABLE: items.tableName }, 30);
  items.grantReadData(read);
  items.grantReadWriteData(write);
  jobs.grantSendMessages(write);
  items.grantReadWriteData(worker);
  worker.addEventSource(new SqsEventSource(jobs, { batchSize: 10 }));
  const api = new apigw.HttpApi(stack, "Api");
  api.addRoutes({ path: "/items/{id}", methods: [apigw.HttpMethod.GET], integration: new HttpLambdaIntegration("ReadGet", read) });
  api.addRoutes({ path: "/items", methods: [apigw.HttpMethod.POST], integration: new HttpLambdaIntegration("WritePost", write) });
  new cdk.CfnOutput(stack, "ApiUrl", { value: api.apiEndpoint });
  const assembly = app.synth({ skipValidation: !validate });
  return assembly.getStackByName("small").template;
}

// As a program (the cold run): synthesize once to cdk.out beside it, as `cdk synth` does.
if (require.main === module) {
  synth(process.argv[2] ?? "cdk.out", true);
}
