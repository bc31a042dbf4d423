"""Lambda's and API Gateway's metrics, as AWS publishes them, written to the
target's CloudWatch with `PutMetricData`.

Whatever reads gates and SLOs later calls `GetMetricData` against the same API
it would call on AWS and gets the same shapes: the namespaces, names, units and
dimension sets below are the ones Lambda and HTTP APIs publish.

- `AWS/Lambda`: `Invocations`, `Errors`, `Throttles` (Count) and `Duration`
  (Milliseconds), each under three dimension sets: `FunctionName`;
  `FunctionName` + `Resource` (`name:alias`); and, for an alias,
  `FunctionName` + `Resource` + `ExecutedVersion`, which is how a canary's new
  version is told from the old one.
- `AWS/ApiGateway`: `Count`, `4xx`, `5xx` (Count) and `Latency`,
  `IntegrationLatency` (Milliseconds) under `ApiId` + `Stage`.

Data points are buffered and flushed once a second (and on close), each
second's values as `Values`/`Counts` pairs, so sums read back are exact.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timezone
from typing import Callable, Dict, List, Tuple

Key = Tuple[str, str, str, Tuple[Tuple[str, str], ...], int]  # region, namespace, name+unit, dims, second


class MetricSink:
    """Buffers data points per region and flushes them with `PutMetricData`."""

    def __init__(self, client: Callable[[str], object], interval_s: float = 1.0):
        self._client = client
        self._buf: Dict[Key, Dict[float, int]] = defaultdict(lambda: defaultdict(int))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.failures = 0
        self._thread = threading.Thread(target=self._run, args=(interval_s,), name="metrics", daemon=True)
        self._thread.start()

    def put(self, region: str, namespace: str, name: str, unit: str, dims: Dict[str, str], value: float, at: float) -> None:
        key = (region, namespace, f"{name}\0{unit}", tuple(sorted(dims.items())), int(at))
        with self._lock:
            self._buf[key][float(value)] += 1

    def lambda_invocation(self, region: str, function: str, alias: str, version: str, at: float, *, error: bool, throttled: bool, duration_ms: float) -> None:
        """One invocation of `function` through `alias`, run by `version`."""
        sets = [{"FunctionName": function}, {"FunctionName": function, "Resource": f"{function}:{alias}"}]
        if alias and not throttled:
            sets.append({"FunctionName": function, "Resource": f"{function}:{alias}", "ExecutedVersion": version})
        for dims in sets:
            if throttled:
                if "ExecutedVersion" not in dims:
                    self.put(region, "AWS/Lambda", "Throttles", "Count", dims, 1, at)
                continue
            self.put(region, "AWS/Lambda", "Invocations", "Count", dims, 1, at)
            self.put(region, "AWS/Lambda", "Errors", "Count", dims, 1 if error else 0, at)
            self.put(region, "AWS/Lambda", "Throttles", "Count", dims, 0, at)
            self.put(region, "AWS/Lambda", "Duration", "Milliseconds", dims, round(duration_ms, 3), at)

    def api_request(self, region: str, api_id: str, stage: str, status: int, latency_ms: float, integration_ms: float, at: float) -> None:
        """One request to an HTTP API, answered with `status`."""
        dims = {"ApiId": api_id, "Stage": stage}
        self.put(region, "AWS/ApiGateway", "Count", "Count", dims, 1, at)
        self.put(region, "AWS/ApiGateway", "4xx", "Count", dims, 1 if 400 <= status < 500 else 0, at)
        self.put(region, "AWS/ApiGateway", "5xx", "Count", dims, 1 if status >= 500 else 0, at)
        self.put(region, "AWS/ApiGateway", "Latency", "Milliseconds", dims, round(latency_ms, 3), at)
        self.put(region, "AWS/ApiGateway", "IntegrationLatency", "Milliseconds", dims, round(integration_ms, 3), at)

    def flush(self) -> None:
        with self._lock:
            buf, self._buf = self._buf, defaultdict(lambda: defaultdict(int))
        per_call: Dict[Tuple[str, str], List[dict]] = defaultdict(list)
        for (region, namespace, name_unit, dims, second), values in buf.items():
            name, unit = name_unit.split("\0")
            items = list(values.items())
            # PutMetricData takes at most 150 distinct values per datum.
            for i in range(0, len(items), 150):
                chunk = items[i : i + 150]
                per_call[(region, namespace)].append(
                    {
                        "MetricName": name,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                        "Timestamp": datetime.fromtimestamp(second, tz=timezone.utc),
                        "Values": [v for v, _ in chunk],
                        "Counts": [float(c) for _, c in chunk],
                        "Unit": unit,
                    }
                )
        for (region, namespace), data in per_call.items():
            cw = self._client(region)
            for i in range(0, len(data), 1000):
                try:
                    cw.put_metric_data(Namespace=namespace, MetricData=data[i : i + 1000])
                except Exception:  # the emulator going away must not take the front with it
                    self.failures += 1

    def _run(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.flush()

