"""Paced, bounded load for a region's front: what a bake needs to see.

Requests go out at `rps` per second for `duration_s` (both capped), spread
over the routes by weight, from a bounded pool of client threads; every loop
ends by itself. Path parameters are filled from `params` (`{"id": "42"}`),
else with `1`; a route's body comes from `bodies`. The result counts answers
by status and by the version that served them (the front's
`x-lift-executed-version` header), with client-side latency percentiles.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, List, Optional
from urllib.parse import urlsplit

MAX_RPS = 2000
MAX_DURATION_S = 3600
_PARAM = re.compile(r"\{([^}+]+)\+?\}")


@dataclass
class Report:
    """What a run of traffic saw."""

    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    versions: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    latencies_ms: List[float] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, p: float) -> Optional[float]:
        if not self.latencies_ms:
            return None
        xs = sorted(self.latencies_ms)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]

    def to_dict(self) -> Dict[str, object]:
        return {
            "sent": self.sent,
            "statuses": dict(self.statuses),
            "versions": dict(self.versions),
            "connection_errors": dict(self.errors),
            "p50_ms": self.percentile(50),
            "p99_ms": self.percentile(99),
            "seconds": round(self.seconds, 3),
        }

    def describe(self) -> str:
        st = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        vs = ", ".join(f"{k}: {v}" for k, v in sorted(self.versions.items()))
        errs = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items()))
        p50, p99 = self.percentile(50), self.percentile(99)
        lat = f"p50 {p50:.1f} ms, p99 {p99:.1f} ms" if p50 is not None else "no answers"
        out = f"{self.sent} requests in {self.seconds:.1f}s; {lat}; statuses {st or 'none'}"
        if vs:
            out += f"; versions {vs}"
        if errs:
            out += f"; connection errors {errs}"
        return out


def path_of(route_key: str, params: Optional[Dict[str, str]] = None) -> tuple[str, str]:
    """The method and a concrete path for a route key such as `GET /orders/{id}`."""
    method, _, template = route_key.partition(" ")
    return method if method != "ANY" else "GET", _PARAM.sub(lambda m: (params or {}).get(m.group(1), "1"), template)


class _Client(threading.local):
    conn: Optional[http.client.HTTPConnection] = None


def send(url: str, routes: Dict[str, float], rps: float, duration_s: float, bodies: Optional[Dict[str, str]] = None, params: Optional[Dict[str, str]] = None, headers: Optional[Dict[str, str]] = None, concurrency: int = 16) -> Report:
    """Send paced requests to the front at `url`; returns what came back."""
    if not 0 < rps <= MAX_RPS:
        raise ValueError(f"rps {rps} is not between 0 and {MAX_RPS}")
    if not 0 < duration_s <= MAX_DURATION_S:
        raise ValueError(f"duration {duration_s}s is not between 0 and {MAX_DURATION_S}s")
    if not routes or any(w < 0 for w in routes.values()) or sum(routes.values()) <= 0:
        raise ValueError("traffic needs at least one route with a positive weight")
    u = urlsplit(url)
    keys = list(routes)
    weights = [routes[k] for k in keys]
    total = int(rps * duration_s)
    report = Report()
    lock = threading.Lock()
    local = _Client()

    def one(key: str) -> None:
        method, path = path_of(key, params)
        body = (bodies or {}).get(key)
        t = time.monotonic()
        try:
            if local.conn is None:
                local.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            local.conn.request(method, path, body=body.encode() if body else None, headers={"content-type": "application/json", **(headers or {})})
            r = local.conn.getresponse()
            r.read()
            ms = (time.monotonic() - t) * 1000
            with lock:
                report.statuses[str(r.status)] += 1
                report.latencies_ms.append(ms)
                v = r.getheader("x-lift-executed-version")
                if v:
                    report.versions[v] += 1
        except (OSError, http.client.HTTPException) as e:
            if local.conn is not None:
                local.conn.close()
            local.conn = None
            with lock:
                report.errors[type(e).__name__] += 1

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, 64))) as pool:
        for i in range(total):
            due = start + i / rps
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, random.choices(keys, weights)[0])
            report.sent += 1
    report.seconds = time.monotonic() - start
    return report
