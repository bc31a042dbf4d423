"""The minimal example's one function: greets whoever asks, behind an HTTP API."""

import json


def handler(event, context):
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": f"hello, {name}", "request_id": context.aws_request_id}),
    }
