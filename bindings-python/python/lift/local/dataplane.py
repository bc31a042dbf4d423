"""The local data plane, as a process of its own: every app's fronts (one per
region, each on its own loopback port), their warm workers, the queue pollers,
the metric sink and the faults, with a small control API on loopback that
`lift local` talks to.

Run as `python -m lift.local.dataplane --emulator URL --state DIR`; it writes
its control port to `DIR/dataplane.json` once it listens. Control API (JSON):

- `GET /status`: apps, regions, URLs, routes, served versions and warm
  workers, pollers, status counts, faults, and the metric sink's failures;
- `POST /apps` `{"app": ..., "regions": {region: port}, "dns"?: {"zone", "name", "port"}}`:
  serve (or re-read, after a deploy) an app's regions and, with `dns`, its
  name's front (see `names`); answers `{"urls": {region: url}, "name_url"?}`;
- `POST /faults` `{"region", "kind", "vantage"?, "share"?, "ms"?, "period_s"?}`;
  `DELETE /faults?region=R` (every region without it);
- `POST /stop`: stop everything and exit.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

from .faults import Fault, Faults
from .front import Front, Region
from .names import NameFront, Records
from .metrics import MetricSink
from .queues import Poller, pollers
from .replication import Replicator, replicators
from .runtime import QuietServer


def worker_environment(emulator: str) -> Dict[str, str]:
    """What a function's environment gains on the local target: the emulator
    as every AWS endpoint, and test credentials, so its boto3 calls reach it."""
    return {"AWS_ENDPOINT_URL": emulator, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


class DataPlane:
    def __init__(self, emulator: str, state: Path):
        import boto3
        import botocore.config

        self.emulator = emulator
        self.state = state
        self._session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
        self._clients: Dict[tuple, object] = {}
        self._cfg = botocore.config.Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=50)
        self._lock = threading.Lock()
        self.faults = Faults()
        self.sink = MetricSink(lambda region: self.client("cloudwatch", region))
        self.fronts: Dict[str, Dict[str, Front]] = {}
        self.pollers: Dict[str, List[Poller]] = {}
        self.names: Dict[str, NameFront] = {}
        self.replicators: Dict[str, List[Replicator]] = {}
        self.stopped = threading.Event()
        self._log = open(state / "workers.log", "ab", buffering=0)

    def client(self, service: str, region: str):
        key = (service, region)
        with self._lock:
            c = self._clients.get(key)
            if c is None:
                c = self._session.client(service, region_name=region, endpoint_url=self.emulator, config=self._cfg)
                self._clients[key] = c
            return c

    def serve(self, app: str, ports: Dict[str, int]) -> Dict[str, str]:
        """Serve `app` in each region (on the given port, 0 for any); re-read
        routes and retire old versions where it is already served."""
        urls = {}
        fronts = self.fronts.setdefault(app, {})
        for region, port in ports.items():
            front = fronts.get(region)
            if front is None:
                r = Region(app, region, self.client, self.sink, self.faults, self.state / "code", self._log, worker_environment(self.emulator))
                r.discover()
                front = Front(r, port)
                fronts[region] = front
            else:
                front.region.reload()
            urls[region] = front.url
        for p in self.pollers.pop(app, []):
            p.stop()
        self.pollers[app] = [p for f in fronts.values() for p in pollers(f.region, self.client)]
        for r in self.replicators.pop(app, []):
            r.stop()
        self.replicators[app] = replicators(app, list(fronts), self.client, self.sink, self.faults)
        return urls

    def serve_name(self, app: str, zone: str, name: str, port: int = 0) -> str:
        """Serve `app`'s DNS name, routed as its records in the emulator say; its URL."""
        front = self.names.get(app)
        if front is None or front.records.zone != zone or front.records.name.rstrip(".") != name.rstrip("."):
            if front is not None:
                front.close()
            front = NameFront(Records(self.client, zone, name), lambda: {r: f.port for r, f in self.fronts.get(app, {}).items()}, port)
            self.names[app] = front
        return front.url

    def add_fault(self, fault: Fault) -> None:
        self.faults.add(fault)
        self._sync_listening()

    def clear_faults(self, region: Optional[str]) -> int:
        n = self.faults.clear(region)
        self._sync_listening()
        return n

    def _sync_listening(self) -> None:
        for fronts in self.fronts.values():
            for region, front in fronts.items():
                refused = self.faults.refused(region)
                if refused and front.listening:
                    front.stop_listening()
                elif not refused and not front.listening:
                    front.start()

    def status(self) -> Dict[str, object]:
        apps = {}
        for app, fronts in self.fronts.items():
            apps[app] = {
                region: {
                    "url": f.url,
                    "listening": f.listening,
                    "api_id": f.region.api_id,
                    "routes": {r.key: f"{r.function}:{r.alias}" for r in f.region.routes},
                    "versions": f.region.served_versions(),
                    "responses": dict(f.region.counts),
                    "queues": [
                        {"queue": p.queue_arn, "function": f"{p.function}:{p.alias}", "delivered": p.delivered, "failed": p.failed}
                        for p in self.pollers.get(app, [])
                        if p.region is f.region
                    ],
                }
                for region, f in fronts.items()
            }
        names = {app: {"name": n.records.name, "zone": n.records.zone, "url": n.url} for app, n in self.names.items()}
        replication = {app: [r.status() for r in rs] for app, rs in self.replicators.items()}
        return {"pid": os.getpid(), "emulator": self.emulator, "apps": apps, "names": names, "replication": replication, "faults": [f.to_dict() for f in self.faults.list()], "metric_failures": self.sink.failures}

    def stop(self) -> None:
        for ps in self.pollers.values():
            for p in ps:
                p.stop()
        for rs in self.replicators.values():
            for r in rs:
                r.stop()
        for fronts in self.fronts.values():
            for f in fronts.values():
                f.close()
        for n in self.names.values():
            n.close()
        self.sink.close()
        self.stopped.set()


def _control(plane: DataPlane):
    class Control(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:
            pass

        def _json(self, status: int, value: object) -> None:
            body = json.dumps(value, indent=1).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> dict:
            n = int(self.headers.get("content-length") or 0)
            return json.loads(self.rfile.read(n) or b"{}") if n else {}

        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/status":
                return self._json(200, plane.status())
            self._json(404, {"error": f"no {self.path}"})

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            try:
                body = self._body()
                if path == "/apps":
                    out: Dict[str, object] = {"urls": plane.serve(body["app"], {k: int(v) for k, v in body["regions"].items()})}
                    if body.get("dns"):
                        d = body["dns"]
                        out["name_url"] = plane.serve_name(body["app"], d["zone"], d["name"], int(d.get("port") or 0))
                    return self._json(200, out)
                if path == "/faults":
                    known = {r for fronts in plane.fronts.values() for r in fronts}
                    if body.get("region") not in known:
                        return self._json(400, {"error": f"region `{body.get('region')}` is not served here ({', '.join(sorted(known)) or 'none'})"})
                    fault = Fault(**{k: body[k] for k in ("region", "kind", "vantage", "share", "ms", "period_s") if k in body})
                    plane.add_fault(fault)
                    return self._json(200, {"fault": fault.to_dict(), "described": fault.describe()})
                if path == "/stop":
                    self._json(200, {"stopping": True})
                    threading.Thread(target=plane.stop, daemon=True).start()
                    return
            except (KeyError, TypeError, ValueError) as e:
                return self._json(400, {"error": str(e)})
            except Exception as e:  # the emulator refused: say so, keep serving
                return self._json(502, {"error": f"{type(e).__name__}: {e}"})
            self._json(404, {"error": f"no {path}"})

        def do_DELETE(self) -> None:
            u = urlsplit(self.path)
            if u.path == "/faults":
                region = (parse_qs(u.query).get("region") or [None])[0]
                return self._json(200, {"cleared": plane.clear_faults(region)})
            self._json(404, {"error": f"no {u.path}"})

    return Control


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lift.local.dataplane", description="Lift's local data plane (started by `lift local up`)")
    p.add_argument("--emulator", required=True, help="the emulator's URL")
    p.add_argument("--state", required=True, type=Path, help="the local target's state directory")
    p.add_argument("--port", type=int, default=0, help="the control API's port (default: any free one)")
    args = p.parse_args(argv)
    args.state.mkdir(parents=True, exist_ok=True)
    plane = DataPlane(args.emulator, args.state)
    server = QuietServer(("127.0.0.1", args.port), _control(plane))
    threading.Thread(target=server.serve_forever, name="control", daemon=True).start()
    info = {"pid": os.getpid(), "port": server.server_address[1], "url": f"http://127.0.0.1:{server.server_address[1]}"}
    tmp = args.state / "dataplane.json.tmp"
    tmp.write_text(json.dumps(info))
    tmp.replace(args.state / "dataplane.json")
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=plane.stop, daemon=True).start())
    plane.stopped.wait()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
