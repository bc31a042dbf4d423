"""Queue triggers: what Lambda's event source mapping does for SQS.

One poller per enabled mapping reads batches (`BatchSize`, long polling) from
the queue in the emulator, invokes the mapping's function (through its alias,
so the alias's weights decide the version, as on AWS) with Lambda's SQS event,
and deletes the batch when the function succeeds. When it fails, the messages
stay: they come back after the queue's visibility timeout, and after
`maxReceiveCount` receives the emulator's SQS moves them to the dead-letter
queue named in the queue's redrive policy.
"""

from __future__ import annotations

import json
import threading
from typing import Callable, Dict, List

from .front import Region


def sqs_event(messages: List[dict], queue_arn: str, region: str) -> bytes:
    """Lambda's SQS event for a batch of received messages."""
    return json.dumps(
        {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": m.get("MessageAttributes", {}),
                    "md5OfBody": m.get("MD5OfBody", ""),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": queue_arn,
                    "awsRegion": region,
                }
                for m in messages
            ]
        }
    ).encode()


class Poller:
    """Polls one mapping's queue until stopped."""

    def __init__(self, region: Region, client: Callable[[str, str], object], mapping: Dict[str, object]):
        self.region = region
        self.mapping = mapping
        self._sqs = client("sqs", region.region)
        arn = str(mapping["EventSourceArn"])
        name = arn.rsplit(":", 1)[-1]
        self.queue_arn = arn
        self.queue_url = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        fn = str(mapping["FunctionArn"]).split(":")
        self.function = fn[6]
        self.alias = fn[7] if len(fn) > 7 else "$LATEST"
        self.batch = max(1, min(10, int(mapping.get("BatchSize") or 10)))
        self.delivered = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sqs-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                got = self._sqs.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch, WaitTimeSeconds=1, AttributeNames=["All"], MessageAttributeNames=["All"]
                )
            except Exception:
                if self._stop.wait(1.0):
                    return
                continue
            messages = got.get("Messages", [])
            if not messages:
                continue
            try:
                _, result = self.region.invoke(self.function, self.alias, sqs_event(messages, self.queue_arn, self.region.region))
                ok = result.ok
            except Exception:
                ok = False
            if ok:
                self._sqs.delete_message_batch(
                    QueueUrl=self.queue_url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
                )
                self.delivered += len(messages)
            else:
                self.failed += len(messages)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def pollers(region: Region, client: Callable[[str, str], object]) -> List[Poller]:
    """A poller for every enabled SQS mapping of the region's functions."""
    lam = client("lambda", region.region)
    out = []
    for m in lam.list_event_source_mappings().get("EventSourceMappings", []):
        if ":sqs:" in str(m.get("EventSourceArn", "")) and m.get("State", "Enabled") in ("Enabled", "Creating", "Updating"):
            if str(m["FunctionArn"]).split(":")[6] in region.functions:
                out.append(Poller(region, client, m))
    return out
