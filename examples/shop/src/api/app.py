"""The shop's order API: HTTP API (payload format 2.0) in, DynamoDB and SQS out.

Routes (from lift.yaml):
  POST /orders                  place an order; a job for the worker goes on the queue
  GET  /orders/{id}             one order
  GET  /customers/{id}/orders   a customer's orders, newest first (the by_customer index)
  GET  /health                  200 while this region's API runs its code (the probes' path)

Clients are made once per worker, outside the handler, as Lambda's guidance
says; boto3 finds the endpoint (AWS or the local target) in the environment.
"""

import json
import os
import time
import uuid
from decimal import Decimal

import boto3

dynamodb = boto3.resource("dynamodb")
orders = dynamodb.Table(os.environ["ORDERS_TABLE"])
sqs = boto3.client("sqs")
QUEUE = os.environ["JOBS_QUEUE_URL"]


def _json(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body, default=lambda d: int(d) if d == int(d) else float(d)),
    }


def place_order(event):
    try:
        order = json.loads(event.get("body") or "{}")
        customer = str(order["customer_id"])
        items = [{"sku": str(i["sku"]), "quantity": int(i["quantity"])} for i in order.get("items", [])]
    except (ValueError, KeyError, TypeError) as e:
        return _json(400, {"message": f"an order needs customer_id and items of sku and quantity ({e})"})
    order_id = uuid.uuid4().hex
    item = {
        "pk": f"ORDER#{order_id}",
        "sk": "ORDER",
        "id": order_id,
        "customer_id": customer,
        "created_at": Decimal(int(time.time() * 1000)),
        "items": items,
        "status": "placed",
    }
    orders.put_item(Item=item)
    sqs.send_message(QueueUrl=QUEUE, MessageBody=json.dumps({"order_id": order_id}))
    return _json(201, {"id": order_id, "status": "placed"})


def get_order(order_id):
    found = orders.get_item(Key={"pk": f"ORDER#{order_id}", "sk": "ORDER"}).get("Item")
    if not found:
        return _json(404, {"message": f"no order {order_id}"})
    return _json(200, found)


def customer_orders(customer):
    result = orders.query(
        IndexName="by_customer",
        KeyConditionExpression="customer_id = :c",
        ExpressionAttributeValues={":c": customer},
        ScanIndexForward=False,
    )
    return _json(200, {"orders": result.get("Items", [])})


def handler(event, context):
    route = event["routeKey"]
    params = event.get("pathParameters") or {}
    if route == "POST /orders":
        return place_order(event)
    if route == "GET /orders/{id}":
        return get_order(params["id"])
    if route == "GET /customers/{id}/orders":
        return customer_orders(params["id"])
    if route == "GET /health":
        # Shallow on purpose: probes come every second from every vantage point,
        # and a table's outage is the SLOs' to see, not a reason to leave the region.
        return _json(200, {"status": "ok", "region": os.environ.get("AWS_REGION")})
    return _json(404, {"message": f"no route {route}"})
