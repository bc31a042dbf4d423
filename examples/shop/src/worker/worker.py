"""The shop's worker: takes order jobs from the `jobs` queue (batches of up to
ten, through the event source mapping), marks each order processed and
announces it on the `order-events` topic.

A job that cannot be done raises, so the whole batch returns to the queue and,
after `max_receives` tries, lands in `jobs-dlq`, as the spec says.
"""

import json
import os

import boto3

orders = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
sns = boto3.client("sns")
TOPIC = os.environ["EVENTS_TOPIC_ARN"]


def handler(event, context):
    for record in event["Records"]:
        job = json.loads(record["body"])
        order_id = job["order_id"]
        orders.update_item(
            Key={"pk": f"ORDER#{order_id}", "sk": "ORDER"},
            UpdateExpression="SET #s = :s",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": "processed"},
        )
        sns.publish(TopicArn=TOPIC, Message=json.dumps({"order_id": order_id, "status": "processed"}))
    return {"processed": len(event["Records"])}
