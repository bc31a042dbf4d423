"""What moto cannot do for Route 53: answer for a name. Per app with a
`recovery.dns` name, the data plane serves one more loopback port, the name's
front, which sends each request where Route 53 would send its client: it
reads the name's records from the emulator (at most once a second, as a
resolver caches a short TTL) and forwards to the front of the region they
answer with.

- Failover records: the `PRIMARY` record's region. Route 53's own health
  checkers, which probe from AWS's network, are not emulated: every health
  check counts as healthy, so on the local target traffic moves only when
  the records do (the watcher's failover, or a person's change).
- Weighted records: a region drawn by weight for each request.

The answer says which region served it (`x-lift-region`). A region whose
front refuses connections answers 502 here, as a client resolving to it
would fail to connect.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Callable, Dict, List, Optional, Tuple

from .runtime import QuietServer

# Per-hop headers, and those this server writes itself.
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "proxy-connection", "te", "upgrade", "server", "date"}


class Records:
    """The name's records in the emulator, cached for `ttl` seconds."""

    def __init__(self, client: Callable[[str, str], object], zone: str, name: str, ttl: float = 1.0):
        self._client, self.zone, self.name, self._ttl = client, zone, name.rstrip(".") + ".", ttl
        self._cache: Tuple[float, List[Dict[str, object]]] = (0.0, [])
        self._lock = threading.Lock()

    def read(self) -> List[Dict[str, object]]:
        with self._lock:
            at, records = self._cache
            if time.monotonic() - at < self._ttl:
                return records
        r53 = self._client("route53", "us-east-1")
        got = r53.list_resource_record_sets(HostedZoneId=self.zone, StartRecordName=self.name, StartRecordType="A")["ResourceRecordSets"]
        records = [r for r in got if r["Name"].rstrip(".") == self.name.rstrip(".") and r.get("SetIdentifier")]
        with self._lock:
            self._cache = (time.monotonic(), records)
        return records

    def answer(self) -> Optional[str]:
        """The region a client is sent to now, as Route 53 answers."""
        records = self.read()
        primary = [r["SetIdentifier"] for r in records if r.get("Failover") == "PRIMARY"]
        if primary:
            return str(primary[0])
        weighted = [(str(r["SetIdentifier"]), int(r.get("Weight") or 0)) for r in records if "Weight" in r]
        total = sum(w for _, w in weighted)
        if total <= 0:
            return None
        pick = random.uniform(0, total)
        for region, w in weighted:
            pick -= w
            if pick <= 0:
                return region
        return weighted[-1][0]


class NameFront:
    """The app's DNS name on a loopback port of its own."""

    def __init__(self, records: Records, fronts: Callable[[], Dict[str, int]], port: int = 0):
        self.records = records
        handler = type("NameHandler", (_Handler,), {"records": records, "fronts": staticmethod(fronts)})
        self._server = QuietServer(("127.0.0.1", port), handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name=f"name-{records.name}", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    records: Records
    fronts: Callable[[], Dict[str, int]]

    def log_message(self, *args) -> None:
        pass

    def _reply(self, status: int, headers: List[Tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _fail(self, status: int, message: str, region: str = "") -> None:
        self._reply(status, [("content-type", "application/json"), ("x-lift-region", region)], json.dumps({"message": message}).encode())

    def _handle(self) -> None:
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n else b""
        try:
            region = self.records.answer()
        except Exception as e:  # noqa: BLE001 - the emulator did not answer: as a resolver that cannot resolve
            self._fail(502, f"{self.records.name} could not be resolved: {e}")
            return
        port = self.fronts().get(region or "")
        if region is None or port is None:
            self._fail(502, f"{self.records.name} answers with no region that is served here ({region})", region or "")
            return
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            conn.request(self.command, self.path, body=body, headers=headers)
            r = conn.getresponse()
            self._reply(r.status, r.getheaders(), r.read())
        except OSError as e:
            self._fail(502, f"{self.records.name} answers with {region}, which did not answer: {e}", region)
        finally:
            conn.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle
