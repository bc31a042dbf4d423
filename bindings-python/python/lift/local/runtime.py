"""Running a function's code the way Lambda runs it, without Docker.

Each warm worker is one process of AWS's own runtime client, `awslambdaric`,
the program Lambda's Python base images start: it loads the handler and asks
for work over the Lambda Runtime API. Lift serves that API (a small, documented
HTTP protocol: `GET /2018-06-01/runtime/invocation/next`, then `POST .../response`
or `.../error`, or `POST .../init/error`) on a loopback port per worker, one
invocation at a time, as a Lambda execution environment does.

Lambda's rules kept here: one invocation per worker at a time; a worker past
the function's timeout is killed and its invocation fails with
`Task timed out after N seconds`; a worker whose peak memory passed the
function's setting is recycled, the invocation failing with Lambda's
`Runtime exited ... memory` error; workers stay warm per version and are
dropped when their version is no longer served.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional

from . import lifeline

_API = "/2018-06-01/runtime"


@dataclass
class FunctionVersion:
    """What a worker needs to run one version of a function."""

    name: str
    version: str
    arn: str
    handler: str
    runtime: str
    code_dir: Path
    memory_mb: int
    timeout_s: float
    environment: Dict[str, str] = field(default_factory=dict)
    region: str = "us-east-1"


@dataclass
class Result:
    """The outcome of one invocation."""

    ok: bool
    payload: bytes
    #: From the invocation's start to its answer, a cold start's init included (what a caller waits).
    duration_ms: float
    error_type: Optional[str] = None
    #: The invocation never ran (no worker could be had): Lambda's throttle.
    throttled: bool = False
    timed_out: bool = False
    #: The handler's own time, from the runtime taking the event to its answer: Lambda's `Duration`
    #: metric, which leaves a cold start's init out (Lambda reports that as `Init Duration`).
    handler_ms: Optional[float] = None

    def error(self) -> Dict[str, object]:
        try:
            return json.loads(self.payload or b"{}")
        except ValueError:
            return {"errorMessage": self.payload.decode(errors="replace")}


class _Invocation:
    def __init__(self, event: bytes, deadline_ms: int, arn: str):
        self.id = str(uuid.uuid4())
        self.event = event
        self.deadline_ms = deadline_ms
        self.arn = arn
        self.done = threading.Event()
        self.taken: Optional[float] = None
        self.answered: Optional[float] = None
        self.ok = False
        self.payload = b""
        self.error_type: Optional[str] = None


class _RuntimeApi(BaseHTTPRequestHandler):
    """The Runtime API for one worker."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's
    # algorithm and the client's delayed ACK add ~40 ms to every exchange.
    disable_nagle_algorithm = True
    worker: "Worker"

    def log_message(self, *args) -> None:  # quiet: the worker's own output is what matters
        pass

    def _reply(self, status: int, body: bytes = b"", headers: Optional[Dict[str, str]] = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self) -> None:
        if self.path != f"{_API}/invocation/next":
            return self._reply(404, b'{"errorMessage":"unknown path"}')
        inv = self.worker._next.get()
        if inv is None:  # the worker is being stopped
            return self._reply(410, b"")
        self.worker._current = inv
        inv.taken = time.monotonic()
        self._reply(
            200,
            inv.event,
            {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": inv.id,
                "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": inv.arn,
                "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{inv.id.replace('-', '')[:24]};Sampled=0",
            },
        )

    def do_POST(self) -> None:
        body = self._body()
        parts = self.path[len(_API) :].strip("/").split("/")
        if parts == ["init", "error"]:
            self.worker._init_error = body or b'{"errorMessage":"init failed"}'
            self._reply(202, b'{"status":"OK"}')
            cur = self.worker._current
            if cur:
                cur.ok, cur.payload, cur.error_type = False, self.worker._init_error, "Runtime.InitError"
                cur.done.set()
            return
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            cur = self.worker._current
            if cur is None or cur.id != parts[1]:
                return self._reply(400, b'{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}')
            cur.answered = time.monotonic()
            cur.ok = parts[2] == "response"
            cur.payload = body
            cur.error_type = None if cur.ok else (self.headers.get("Lambda-Runtime-Function-Error-Type") or "Unhandled")
            self.worker._current = None
            self._reply(202, b'{"status":"OK"}')
            cur.done.set()
            return
        self._reply(404, b'{"errorMessage":"unknown path"}')


class QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that does not print a traceback when a peer goes
    away mid-reply (a worker killed at its timeout, a client that gave up)."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError)):
            super().handle_error(request, client_address)


class Worker:
    """One warm execution environment: an `awslambdaric` process and its Runtime API."""

    def __init__(self, fn: FunctionVersion, extra_env: Optional[Dict[str, str]] = None, log=None):
        self.fn = fn
        self._next: "queue.Queue[Optional[_Invocation]]" = queue.Queue()
        self._current: Optional[_Invocation] = None
        self._init_error: Optional[bytes] = None
        self.invocations = 0
        handler = type("RuntimeApi", (_RuntimeApi,), {"worker": self})
        self._server = QuietServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, name=f"runtime-api-{fn.name}", daemon=True).start()
        port = self._server.server_address[1]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            **fn.environment,
            **(extra_env or {}),
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
            "_HANDLER": fn.handler,
            "LAMBDA_TASK_ROOT": str(fn.code_dir),
            "PYTHONPATH": str(fn.code_dir),
            "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_VERSION": fn.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.name}",
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        # Bound to the data plane: a worker outlives neither it nor a `kill -9` of it.
        line, fds = lifeline.mine().child()
        env.update(line)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", lifeline.WORKER, fn.handler],
            pass_fds=fds,
            cwd=str(fn.code_dir),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and self._init_error is None

    def peak_rss_mb(self) -> Optional[float]:
        """The process's peak resident memory (Linux's VmHWM), in MB."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def invoke(self, event: bytes) -> Result:
        start = time.monotonic()
        deadline = time.time() + self.fn.timeout_s
        inv = _Invocation(event, int(deadline * 1000), self.fn.arn)
        self._next.put(inv)
        self.invocations += 1
        # The first invocation also waits for the process to start and import the handler (a cold start).
        while not inv.done.wait(0.05):
            elapsed = time.monotonic() - start
            if elapsed > self.fn.timeout_s:
                self.stop()
                msg = {"errorMessage": f"Task timed out after {self.fn.timeout_s:.2f} seconds", "errorType": "Sandbox.Timedout"}
                return Result(False, json.dumps(msg).encode(), elapsed * 1000, "Sandbox.Timedout", timed_out=True)
            if self.proc.poll() is not None:
                code = self.proc.returncode
                payload = self._init_error or json.dumps(
                    {"errorMessage": f"Runtime exited with error: exit status {code}", "errorType": "Runtime.ExitError"}
                ).encode()
                return Result(False, payload, elapsed * 1000, "Runtime.ExitError")
        duration = (time.monotonic() - start) * 1000
        peak = self.peak_rss_mb()
        if peak is not None and peak > self.fn.memory_mb:
            self.stop()
            msg = {
                "errorMessage": f"Runtime exited: memory used {peak:.0f} MB, over the function's {self.fn.memory_mb} MB",
                "errorType": "Runtime.OutOfMemory",
            }
            return Result(False, json.dumps(msg).encode(), duration, "Runtime.OutOfMemory")
        handler = (inv.answered - inv.taken) * 1000 if inv.taken is not None and inv.answered is not None else duration
        return Result(inv.ok, inv.payload, duration, inv.error_type, handler_ms=handler)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()
        self._next.put(None)
        self._server.shutdown()
        self._server.server_close()


class Pool:
    """Warm workers of one function version: reused while idle, one more started
    when all are busy, up to `concurrency`; beyond that an invocation waits a
    moment and is then throttled, as Lambda throttles past its concurrency."""

    def __init__(self, fn: FunctionVersion, concurrency: int = 8, extra_env: Optional[Dict[str, str]] = None, log=None):
        self.fn = fn
        self.concurrency = concurrency
        self._extra_env = extra_env
        self._log = log
        self._idle: List[Worker] = []
        self._busy = 0
        self._cv = threading.Condition()
        self._closed = False

    def _acquire(self, wait_s: float) -> Optional[Worker]:
        end = time.monotonic() + wait_s
        with self._cv:
            while True:
                if self._closed:
                    return None
                while self._idle:
                    w = self._idle.pop()
                    if w.alive:
                        self._busy += 1
                        return w
                    w.stop()
                if self._busy < self.concurrency:
                    self._busy += 1
                    break
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self._cv.wait(left)
        try:
            return Worker(self.fn, self._extra_env, self._log)
        except Exception:
            with self._cv:
                self._busy -= 1
                self._cv.notify()
            raise

    def _release(self, w: Worker) -> None:
        with self._cv:
            self._busy -= 1
            if w.alive and not self._closed:
                self._idle.append(w)
            else:
                w.stop()
            self._cv.notify()

    def invoke(self, event: bytes, wait_s: float = 1.0) -> Result:
        w = self._acquire(wait_s)
        if w is None:
            msg = {"errorMessage": "Rate Exceeded.", "errorType": "TooManyRequestsException"}
            return Result(False, json.dumps(msg).encode(), 0.0, "TooManyRequestsException", throttled=True)
        try:
            return w.invoke(event)
        finally:
            self._release(w)

    @property
    def warm(self) -> int:
        with self._cv:
            return len(self._idle) + self._busy

    def close(self) -> None:
        with self._cv:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cv.notify_all()
        for w in idle:
            w.stop()
