"""The local target's data plane, measured: what one front sustains, what it
adds over calling the handler, how long `lift local up` takes to serve, and
what a warm worker costs in memory.

    python benches/local/front.py [--seconds 10] [--clients 8]

Three ways to call the same handler, each timed over the same number of calls,
alternating rounds so the machine's noise falls on all three alike:
  direct   the handler as a Python call in this process (no Lambda at all)
  runtime  one invocation through the Lambda Runtime API to a warm awslambdaric worker
  front    an HTTP request to the region's front (route match, alias read, version pick,
           the invocation, metrics), from a keep-alive client
Then the front under closed-loop load from --clients threads for --seconds:
requests per second sustained and its p50/p99. Prints medians; numbers vary
with the machine, so quote them with the machine.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SPEC = """\
app: bench
regions: { primary: us-east-1 }
functions:
  hello: { runtime: python3.12, handler: hello.handler, code: ./src, memory: 128MB, timeout: 10s }
http:
  auth: none
  routes: { "GET /": hello }
  throttle: { rate: 100000, burst: 100000 }
"""


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--calls", type=int, default=500)
    args = ap.parse_args()

    from lift.local import lifecycle
    from lift.local.runtime import FunctionVersion, Pool

    work = Path(tempfile.mkdtemp(prefix="lift-bench-"))
    (work / "src").mkdir()
    (work / "lift.yaml").write_text(SPEC)
    (work / "src" / "hello.py").write_text((ROOT / "examples" / "minimal" / "src" / "hello.py").read_text())
    state = work / "state"

    t = time.monotonic()
    up = lifecycle.up(str(work), state)
    url = up["regions"]["us-east-1"]["url"]
    port = int(url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/")
    first = conn.getresponse()
    first.read()
    cold_serving = time.monotonic() - t
    t = time.monotonic()
    lifecycle.up(str(work), state)
    redeploy = time.monotonic() - t

    # direct: the handler in this process
    spec = importlib.util.spec_from_file_location("hello", work / "src" / "hello.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    class Ctx:
        aws_request_id = "bench"

    event = {"version": "2.0", "routeKey": "GET /", "rawPath": "/", "headers": {}, "requestContext": {}}
    fn = FunctionVersion("hello", "1", "arn:aws:lambda:us-east-1:123456789012:function:hello:1", "hello.handler", "python3.12", work / "src", 128, 10)
    pool = Pool(fn)
    import json

    body = json.dumps(event).encode()
    pool.invoke(body)
    direct, runtime, front = [], [], []
    for _ in range(5):
        for _ in range(args.calls // 5):
            s = time.perf_counter()
            mod.handler(event, Ctx())
            direct.append((time.perf_counter() - s) * 1000)
        for _ in range(args.calls // 5):
            s = time.perf_counter()
            pool.invoke(body)
            runtime.append((time.perf_counter() - s) * 1000)
        for _ in range(args.calls // 5):
            s = time.perf_counter()
            conn.request("GET", "/")
            r = conn.getresponse()
            r.read()
            front.append((time.perf_counter() - s) * 1000)
            assert r.status == 200
    worker_pid = pool._idle[0].proc.pid
    worker_rss = rss_mb(worker_pid)
    pool.close()

    # closed-loop load
    lat = []
    lock = threading.Lock()
    stop = time.monotonic() + args.seconds

    def client() -> None:
        c = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        while time.monotonic() < stop:
            s = time.perf_counter()
            c.request("GET", "/")
            r = c.getresponse()
            r.read()
            mine.append((time.perf_counter() - s) * 1000)
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    start = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - start
    status = lifecycle.status(state)["dataplane"]["apps"]["bench"]["us-east-1"]
    workers = sum(v["warm_workers"] for v in status["versions"].values())
    lifecycle.down(state)

    print(f"machine: {sys.platform}, Python {sys.version.split()[0]}")
    print(f"lift local up to first answer (emulator start, package, deploy, data plane): {cold_serving:.2f}s; redeploy of unchanged code: {redeploy:.2f}s")
    for name, xs in (("direct handler call", direct), ("Runtime API to a warm worker", runtime), ("HTTP through the front", front)):
        print(f"{name:32s} p50 {pct(xs, 50):7.3f} ms  p99 {pct(xs, 99):7.3f} ms  (n={len(xs)})")
    print(f"front's own overhead over the worker: p50 {pct(front, 50) - pct(runtime, 50):.3f} ms, p99 {pct(front, 99) - pct(runtime, 99):.3f} ms")
    print(f"front under {args.clients} closed-loop clients for {elapsed:.1f}s: {len(lat) / elapsed:.0f} requests/s, p50 {pct(lat, 50):.2f} ms, p99 {pct(lat, 99):.2f} ms, {workers} warm worker(s)")
    print(f"memory of one warm worker (VmRSS, awslambdaric + the minimal handler): {worker_rss:.1f} MB")
    print(f"median direct {statistics.median(direct):.4f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
