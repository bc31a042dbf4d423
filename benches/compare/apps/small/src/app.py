"""The small app's handlers (they are packaged, not run, by the comparison)."""

import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def read(event, context):
    item = TABLE.get_item(Key={"id": event["pathParameters"]["id"]}).get("Item")
    return {"statusCode": 200 if item else 404, "body": json.dumps(item)}


def write(event, context):
    body = json.loads(event.get("body") or "{}")
    TABLE.put_item(Item=body)
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(body))
    return {"statusCode": 201, "body": json.dumps(body)}


def work(event, context):
    for record in event["Records"]:
        item = json.loads(record["body"])
        TABLE.update_item(Key={"id": item["id"]}, UpdateExpression="SET processed = :t", ExpressionAttributeValues={":t": True})
