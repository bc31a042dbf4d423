"""Live drills measured: each scenario of `lift drill --live` run several times
against the shop on the local target, with its detection time and RTO
(median and max), the watcher's CPU and peak memory while it watches the
shop, and the notifier's delivery latency to a receiver on loopback.
Prints Markdown; run by `benches/drills/run` after `scripts/setup`.

    python benches/drills/measure.py [--runs N] [--watch-seconds S]
"""

from __future__ import annotations

import argparse
import http.server
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import lift
from lift import drill, plugins
from lift import watch as watching
from lift.local import LocalTarget, lifecycle

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop"
SCENARIOS = ["region-outage", "slow", "replication-lag", "partial", "flapping"]


def log(msg: str) -> None:
    print(f"drills: {msg}", file=sys.stderr, flush=True)


def home(target: LocalTarget, app) -> None:
    """All traffic on the primary again, as a person would put it back (the shop fails back only after 30 minutes)."""
    zone, name = target.zone(app)
    plugins.Dns("route53", endpoint=target.url, access_key_id="testing", secret_access_key="testing").route(zone, name, {app.regions[0]: 1_000_000})


def seconds(ms) -> str:
    return "-" if ms is None else f"{ms / 1000:.2f} s"


def drills(app, state: Path, target: LocalTarget, runs: int) -> list:
    lines = [
        "| scenario | runs | failed over | detection, median (max) | bound | RTO, median (max) | RTO objective |",
        "|---|---|---|---|---|---|---|",
    ]
    for scenario in SCENARIOS:
        got = []
        for i in range(runs):
            home(target, app)
            time.sleep(2)  # the probes see the primary healthy again before the fault
            m = drill.run(app, state, scenario, watching.Printer(io.StringIO()), approve=True)
            got.append(m)
            log(f"{scenario} {i + 1}/{runs}: failed over {m['failed_over']}, detection {seconds(m.get('detection_ms'))}, RTO {seconds(m.get('rto_ms'))}")
        over = sum(1 for m in got if m["failed_over"])
        det = [m["detection_ms"] for m in got if m.get("detection_ms") is not None]
        rto = [m["rto_ms"] for m in got if m.get("rto_ms") is not None]
        cell = lambda xs: f"{seconds(statistics.median(xs))} ({seconds(max(xs))})" if xs else "-"  # noqa: E731
        lines.append(
            f"| {scenario} | {runs} | {over} | {cell(det)} | {seconds(got[0].get('detection_bound_ms'))} | {cell(rto)} | {seconds(got[0].get('rto_objective_ms'))} |"
        )
    return lines


def watcher_cost(state: Path, watch_seconds: int) -> list:
    """`lift watch` on the shop for a while: its CPU time over the wall time, and its peak resident memory."""
    env = dict(os.environ, LIFT_STATE_DIR=str(state))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "lift", "watch", str(SHOP), "--for", f"{watch_seconds}s", "--break-lock"], env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 5):
        raise RuntimeError(f"lift watch exited {r.returncode}: {r.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return [
        f"- `lift watch examples/shop --for {watch_seconds}s` (2 regions, 3 vantage points probing each every second, the SLOs read each minute): "
        f"{cpu:.1f} s of CPU in {wall:.1f} s of wall time ({100 * cpu / wall:.1f}% of one core, start-up included), peak resident memory {after.ru_maxrss / 1024:.0f} MiB"
    ]


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def notifier_latency(n: int) -> list:
    """The webhook plugin delivering to a receiver on loopback, as `lift notify` reports each delivery."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    spec = (
        "app: notes\nregions: { primary: us-east-1 }\n"
        f"notify:\n  channels:\n    hook: {{ url: {url}/hook }}\n    pd: {{ format: pagerduty, url: {url}/pd, secret_env: LIFT_PD }}\n"
        "  routes:\n    - { to: [hook, pd], kinds: [alert-firing] }\n"
    )
    os.environ["LIFT_PD"] = "0123456789abcdef0123456789abcdef"
    from lift import notify

    app = lift.loads(spec)
    per = {"hook": [], "pd": []}
    for i in range(n):
        for d in notify.send(app, "alert-firing", f"drill {i}", severity="page"):
            if not d["error"]:
                per[d["channel"]].append(d["ms"])
    server.shutdown()
    return [
        f"- {name} ({'PagerDuty Events API v2 shape' if name == 'pd' else 'generic JSON'}), {len(ms)} deliveries: median {statistics.median(ms):.2f} ms, max {max(ms):.2f} ms (plugin call, request and answer on loopback)"
        for name, ms in per.items()
        if ms
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per scenario (default 3)")
    ap.add_argument("--watch-seconds", type=int, default=60, help="how long the watcher's cost is measured (default 60)")
    args = ap.parse_args()
    state = Path(tempfile.mkdtemp(prefix="lift-drills-"))
    started = time.time()
    log(f"the shop on the local target (state in {state})")
    lifecycle.up(str(SHOP), state)
    try:
        app = lift.load(SHOP)
        target = LocalTarget.attach(state)
        assert target is not None
        out = [f"Written by `benches/drills/run --runs {args.runs}`; every number is measured in that run.", ""]
        out += drills(app, state, target, args.runs)
        home(target, app)
        log("the watcher's cost")
        out += ["", *watcher_cost(state, args.watch_seconds)]
        log("the notifier's latency")
        out += notifier_latency(20)
        out += ["", f"({time.time() - started:.0f} s in all.)"]
    finally:
        lifecycle.down(state)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
