"""Faults a drill injects into a region's front, per region and, where given,
per vantage point (a prober names its vantage point in the `x-lift-vantage`
header; a fault without one hits every client).

- `refuse`: connections are refused (the region's port is closed); for one
  vantage point, its connections are reset as they arrive.
- `error`: a share of requests is answered 503.
- `latency`: every request waits `ms` more before it is served.
- `hang`: requests are held `ms` (default 60 s, past any probe's timeout),
  then the connection is dropped with no answer.
- `flap`: failing (503) and healthy in turns of `period` seconds, failing first.
- `replication-lag`: the region's writes to its global tables reach the other
  replicas `ms` late (the replicator holds them; see `replication`).
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Union

from .._fault_kinds import KINDS  # noqa: E402 (one list, for the CLI too)


@dataclass
class Fault:
    """One injected fault."""

    region: str
    kind: str
    vantage: Optional[str] = None
    share: float = 1.0
    ms: int = 0
    period_s: float = 10.0
    since: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind `{self.kind}` is not one of {', '.join(KINDS)}")
        if not 0.0 <= self.share <= 1.0:
            raise ValueError(f"share {self.share} is not between 0 and 1")
        if self.ms < 0 or self.ms > 600_000:
            raise ValueError(f"ms {self.ms} is not between 0 and 600000")
        if not 0.1 <= self.period_s <= 3600:
            raise ValueError(f"period {self.period_s}s is not between 0.1s and 3600s")

    def to_dict(self) -> Dict[str, object]:
        return asdict(self)

    def describe(self) -> str:
        where = f"{self.region}" + (f" from {self.vantage}" if self.vantage else "")
        what = {
            "refuse": "connections refused",
            "error": f"{self.share:.0%} of requests answered 503",
            "latency": f"{self.ms} ms added",
            "hang": f"requests held {self.ms or 60000} ms, then dropped",
            "flap": f"failing and healthy in turns of {self.period_s:g}s",
            "replication-lag": f"writes reach the other replicas {self.ms} ms late",
        }[self.kind]
        return f"{where}: {what}"


class Faults:
    """The faults in force, shared by every front of the data plane."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: List[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self, region: Optional[str] = None) -> int:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if region is not None and f.region != region]
            return before - len(self._faults)

    def list(self) -> List[Fault]:
        with self._lock:
            return list(self._faults)

    def refused(self, region: str) -> bool:
        """Whether the region's port should be closed (a refuse for every client)."""
        return any(f.region == region and f.kind == "refuse" and f.vantage is None for f in self.list())

    def apply(self, region: str, vantage: Optional[str], conn: socket.socket) -> Union[None, int, str]:
        """What the faults do to one request: None to serve it, a status to
        answer with, or "drop" to close the connection without an answer."""
        now = time.time()
        for f in self.list():
            if f.region != region or (f.vantage is not None and f.vantage != vantage):
                continue
            if f.kind == "latency":
                time.sleep(f.ms / 1000)
            elif f.kind == "refuse":
                # An RST, not a FIN: what a client sees of a refused or reset connection.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return "drop"
            elif f.kind == "hang":
                time.sleep((f.ms or 60_000) / 1000)
                return "drop"
            elif f.kind == "error":
                if random.random() < f.share:
                    return 503
            elif f.kind == "flap":
                if int((now - f.since) / f.period_s) % 2 == 0:
                    return 503
        return None
