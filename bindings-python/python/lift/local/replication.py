"""What moto does not do for a DynamoDB global table: replicate. moto makes a
table of the same name in every replica region (Lift's adapter) and keeps
each one's stream, and there it stops: a write in one region never reaches
the others, and `ReplicationLatency` is never published.

One replicator per global table of a served app does what the service does:
it reads each replica's stream, applies every write (put or delete, the
newest image) to the other replicas, and publishes `AWS/DynamoDB
ReplicationLatency` (ms, dimensions `TableName` and `ReceivingRegion`) in the
source region every second: the largest delay of the writes applied in that
second, or the age of the oldest write still waiting, or 0 when caught up,
so the watcher always has a measurement while replication runs. A
`replication-lag` fault on a region holds its writes back that long before
they are applied elsewhere.

The writes the replicator applies come back on the receiving replica's
stream; each is recognised (its key and image) and not sent back.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from typing import Callable, Dict, List, Tuple

from .faults import Faults
from .metrics import MetricSink


def _key(keys: dict) -> str:
    return json.dumps(keys, sort_keys=True)


class Replicator:
    """Replicates one global table between its replica regions."""

    def __init__(self, table: str, regions: List[str], client: Callable[[str, str], object], sink: MetricSink, faults: Faults, period_s: float = 0.5):
        self.table, self.regions = table, regions
        self._client, self._sink, self._faults = client, sink, faults
        self._period = period_s
        self._stop = threading.Event()
        # Writes this replicator made, per region: (key, image) -> count, so their stream records are not sent back.
        self._mine: Dict[str, Dict[Tuple[str, str], int]] = {r: {} for r in regions}
        self._pending: List[Tuple[float, str, dict]] = []  # (created, source region, record), held by a lag fault
        self._lags: Dict[Tuple[str, str], float] = {}  # (source, receiving) -> the largest delay applied this second
        self.replicated = 0
        self.failures = 0
        self._iterators: Dict[str, List[str]] = {}
        self._thread = threading.Thread(target=self._run, name=f"replicate-{table}", daemon=True)
        self._thread.start()

    def _shards(self, region: str) -> List[str]:
        ddb = self._client("dynamodb", region)
        arn = ddb.describe_table(TableName=self.table)["Table"].get("LatestStreamArn")
        if not arn:
            return []
        streams = self._client("dynamodbstreams", region)
        shards = streams.describe_stream(StreamArn=arn)["StreamDescription"].get("Shards", [])
        # From now on: what was written before the replicator started was there before it too.
        return [streams.get_shard_iterator(StreamArn=arn, ShardId=s["ShardId"], ShardIteratorType="LATEST")["ShardIterator"] for s in shards]

    def _read(self, region: str) -> List[dict]:
        streams = self._client("dynamodbstreams", region)
        if region not in self._iterators:
            self._iterators[region] = self._shards(region)
        out, kept = [], []
        for it in self._iterators[region]:
            got = streams.get_records(ShardIterator=it)
            out.extend(got.get("Records", []))
            if got.get("NextShardIterator"):
                kept.append(got["NextShardIterator"])
        self._iterators[region] = kept
        return out

    def _held_ms(self, region: str) -> int:
        return max((f.ms for f in self._faults.list() if f.region == region and f.kind == "replication-lag"), default=0)

    def _apply(self, source: str, record: dict, created: float) -> None:
        d = record["dynamodb"]
        keys = d["Keys"]
        image = d.get("NewImage")
        for to in self.regions:
            if to == source:
                continue
            ddb = self._client("dynamodb", to)
            mark = (_key(keys), _key(image or {}))
            mine = self._mine[to]
            mine[mark] = mine.get(mark, 0) + 1
            if image is None:
                ddb.delete_item(TableName=self.table, Key=keys)
            else:
                ddb.put_item(TableName=self.table, Item=image)
            lag = max(0.0, (time.time() - created) * 1000)
            k = (source, to)
            self._lags[k] = max(self._lags.get(k, 0.0), lag)
        self.replicated += 1

    def _ours(self, region: str, record: dict) -> bool:
        d = record["dynamodb"]
        mark = (_key(d["Keys"]), _key(d.get("NewImage") or {}))
        mine = self._mine[region]
        if mine.get(mark):
            mine[mark] -= 1
            if not mine[mark]:
                del mine[mark]
            return True
        return False

    def _tick(self) -> None:
        for region in self.regions:
            for r in self._read(region):
                if self._ours(region, r):
                    continue
                created = r["dynamodb"].get("ApproximateCreationDateTime")
                at = created.timestamp() if isinstance(created, datetime) else time.time()
                self._pending.append((at, region, r))
        now = time.time()
        waiting = []
        for at, region, r in self._pending:
            if (now - at) * 1000 >= self._held_ms(region):
                self._apply(region, r, at)
            else:
                waiting.append((at, region, r))
        self._pending = waiting

    def _publish(self) -> None:
        now = time.time()
        for source in self.regions:
            for to in self.regions:
                if to == source:
                    continue
                oldest = min((at for at, region, _ in self._pending if region == source), default=None)
                value = max(self._lags.pop((source, to), 0.0), (now - oldest) * 1000 if oldest else 0.0)
                self._sink.put(source, "AWS/DynamoDB", "ReplicationLatency", "Milliseconds", {"TableName": self.table, "ReceivingRegion": to}, value, now)

    def _run(self) -> None:
        last = 0.0
        while not self._stop.wait(self._period):
            try:
                self._tick()
                if time.time() - last >= 1.0:
                    self._publish()
                    last = time.time()
            except Exception:  # noqa: BLE001 - the emulator refused once: count it, go on
                self.failures += 1
                self._iterators.clear()

    def status(self) -> Dict[str, object]:
        return {"table": self.table, "regions": self.regions, "replicated": self.replicated, "waiting": len(self._pending), "failures": self.failures}

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def global_tables(app: str, regions: List[str], client: Callable[[str, str], object]) -> Dict[str, List[str]]:
    """Each global table of `app`'s stacks and the served regions that hold a replica."""
    out: Dict[str, List[str]] = {}
    for region in regions:
        cfn = client("cloudformation", region)
        try:
            resources = cfn.describe_stack_resources(StackName=f"{app}-{region}")["StackResources"]
        except Exception:  # noqa: BLE001 - no such stack: nothing of it to replicate
            continue
        for r in resources:
            if r.get("ResourceType") == "AWS::DynamoDB::GlobalTable" and r.get("PhysicalResourceId"):
                out.setdefault(r["PhysicalResourceId"], [])
    for table in out:
        for region in regions:
            try:
                client("dynamodb", region).describe_table(TableName=table)
                out[table].append(region)
            except Exception:  # noqa: BLE001 - no replica there
                pass
    return {t: rs for t, rs in out.items() if len(rs) > 1}


def replicators(app: str, regions: List[str], client: Callable[[str, str], object], sink: MetricSink, faults: Faults) -> List[Replicator]:
    return [Replicator(t, rs, client, sink, faults) for t, rs in global_tables(app, regions, client).items()]

