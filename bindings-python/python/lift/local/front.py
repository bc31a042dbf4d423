"""A region's HTTP front: what API Gateway's execute-api endpoint and Lambda's
invoke path do, for an HTTP API deployed into the emulator.

Everything it knows it reads from the emulator's own APIs, as deployed: the
API's routes and integrations (API Gateway v2), the `live` alias of each
route's function with its routing weights (Lambda `GetAlias`), each version's
configuration and code (Lambda `GetFunction`, the zip from the artifact
bucket, checked against the version's `CodeSha256`). Per request it picks a
version by the alias's weights, runs it in a warm worker
(`lift.local.runtime`), answers as an HTTP API does (payload format 2.0; a
function error is a 502, a throttled invocation a 500), and records Lambda's
and API Gateway's metrics (`lift.local.metrics`).

Faults for drills (`lift.local.faults`) act before anything else, so a probe
sees exactly what it would see of a failing region.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import re
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

from .faults import Faults
from .metrics import MetricSink
from .runtime import FunctionVersion, Pool, QuietServer, Result

ACCOUNT = "123456789012"
STAGE = "$default"
_ALIAS_TTL_S = 0.25
_RESERVED_TTL_S = 1.0


@dataclass
class Route:
    """One route of the API and the alias it invokes."""

    key: str
    method: str
    segments: List[str]
    function: str
    alias: str

    def match(self, method: str, path: str) -> Optional[Dict[str, str]]:
        if self.key == "$default":
            return {}
        if self.method not in ("ANY", method):
            return None
        parts = [p for p in path.split("/") if p != ""]
        params: Dict[str, str] = {}
        for i, seg in enumerate(self.segments):
            if seg.startswith("{") and seg.endswith("+}"):
                if i >= len(parts):
                    return None
                params[seg[1:-2]] = "/".join(parts[i:])
                return params
            if i >= len(parts):
                return None
            if seg.startswith("{") and seg.endswith("}"):
                params[seg[1:-1]] = parts[i]
            elif seg != parts[i]:
                return None
        return params if len(parts) == len(self.segments) else None

    def rank(self) -> Tuple[int, int, int]:
        """HTTP APIs prefer the most specific route: more literal segments, then a named method over ANY."""
        greedy = any(s.endswith("+}") for s in self.segments)
        literal = sum(1 for s in self.segments if not s.startswith("{"))
        return (0 if self.key == "$default" else 1, 0 if greedy else 1, literal * 2 + (self.method != "ANY"))


_FUNCTION_IN_URI = re.compile(r"function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?")


class Region:
    """The data plane of one app in one region."""

    def __init__(self, app: str, region: str, client: Callable[[str, str], object], sink: MetricSink, faults: Faults, code_cache: Path, log=None, extra_env: Optional[Dict[str, str]] = None):
        self.app = app
        self._extra_env = extra_env
        self.region = region
        self._client = client
        self.sink = sink
        self.faults = faults
        self.code_cache = code_cache
        self._log = log
        self.stack = f"{app}-{region}"
        self.api_id: Optional[str] = None
        self.routes: List[Route] = []
        self.throttle: Optional[Tuple[float, float]] = None
        self._bucket: Optional[str] = None
        self._aliases: Dict[Tuple[str, str], Tuple[float, str, Dict[str, float]]] = {}
        self._pools: Dict[Tuple[str, str], Pool] = {}
        self._lock = threading.Lock()
        self._tokens = 0.0
        self._tokens_at = time.monotonic()
        self.counts: Dict[str, int] = {}
        self.functions: set = set()
        # Lambda's reserved concurrency per function (None: no cap), read through its API and
        # cached like the aliases; and the invocations in flight, across the function's versions.
        self._reserved: Dict[str, Tuple[float, Optional[int]]] = {}
        self._in_flight: Dict[str, int] = {}

    # -- discovery ---------------------------------------------------------
    def discover(self) -> None:
        """Read the API, its routes and the artifact bucket from the emulator."""
        cfn = self._client("cloudformation", self.region)
        stack = cfn.describe_stacks(StackName=self.stack)["Stacks"][0]
        params = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
        self._bucket = params.get("ArtifactBucket")
        resources = cfn.describe_stack_resources(StackName=self.stack)["StackResources"]
        self.functions = {r["PhysicalResourceId"] for r in resources if r.get("ResourceType") == "AWS::Lambda::Function"}
        api = [r["PhysicalResourceId"] for r in resources if r.get("ResourceType") == "AWS::ApiGatewayV2::Api"]
        if not api:
            self.api_id, self.routes = None, []
            return
        self.api_id = api[0]
        gw = self._client("apigatewayv2", self.region)
        integrations = {i["IntegrationId"]: i.get("IntegrationUri", "") for i in gw.get_integrations(ApiId=self.api_id)["Items"]}
        routes = []
        for r in gw.get_routes(ApiId=self.api_id)["Items"]:
            target = (r.get("Target") or "").removeprefix("integrations/")
            m = _FUNCTION_IN_URI.search(integrations.get(target, ""))
            if not m:
                continue
            key = r["RouteKey"]
            method, _, path = key.partition(" ")
            routes.append(Route(key, method, [s for s in path.split("/") if s], m.group(1), m.group(2) or "$LATEST"))
        self.routes = sorted(routes, key=Route.rank, reverse=True)
        try:
            stage = gw.get_stage(ApiId=self.api_id, StageName=STAGE)
            s = stage.get("DefaultRouteSettings") or {}
            if s.get("ThrottlingRateLimit"):
                self.throttle = (float(s["ThrottlingRateLimit"]), float(s.get("ThrottlingBurstLimit") or s["ThrottlingRateLimit"]))
                self._tokens = self.throttle[1]
        except Exception:
            self.throttle = None

    # -- versions ----------------------------------------------------------
    def alias(self, function: str, alias: str) -> Tuple[str, Dict[str, float]]:
        """The alias's version and routing weights, cached for a quarter second."""
        now = time.monotonic()
        hit = self._aliases.get((function, alias))
        if hit and now - hit[0] < _ALIAS_TTL_S:
            return hit[1], hit[2]
        if alias == "$LATEST" or alias.isdigit():  # a version, not an alias
            version, weights = alias, {}
        else:
            a = self._client("lambda", self.region).get_alias(FunctionName=function, Name=alias)
            version = a["FunctionVersion"]
            weights = {k: float(v) for k, v in ((a.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}).items()}
        self._aliases[(function, alias)] = (now, version, weights)
        return version, weights

    def pick(self, function: str, alias: str) -> str:
        version, weights = self.alias(function, alias)
        r = random.random()
        for v, w in sorted(weights.items()):
            if r < w:
                return v
            r -= w
        return version

    def pool(self, function: str, version: str) -> Pool:
        with self._lock:
            pool = self._pools.get((function, version))
            if pool:
                return pool
        pool = Pool(self._version(function, version), extra_env=self._extra_env, log=self._log)
        with self._lock:
            return self._pools.setdefault((function, version), pool)

    def _version(self, function: str, version: str) -> FunctionVersion:
        got = self._client("lambda", self.region).get_function(FunctionName=function, Qualifier=version)
        cfg = got["Configuration"]
        if not cfg.get("Runtime", "").startswith("python"):
            raise RuntimeError(f"{function}: the local target runs Python functions; this one runs {cfg.get('Runtime')}")
        sha = cfg["CodeSha256"]
        code_dir = self.code_cache / hashlib.sha256(sha.encode()).hexdigest()[:24]
        if not (code_dir / ".complete").exists():
            key = urlsplit(got["Code"]["Location"]).path.lstrip("/")
            data = self._client("s3", self.region).get_object(Bucket=self._bucket, Key=key)["Body"].read()
            if base64.b64encode(hashlib.sha256(data).digest()).decode() != sha:
                raise RuntimeError(f"{function}:{version}: the code in s3://{self._bucket}/{key} is not what the version was published with")
            tmp = code_dir.with_suffix(f".{uuid.uuid4().hex[:8]}")
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                z.extractall(tmp)
            try:
                tmp.rename(code_dir)
            except OSError:  # another thread got there first
                pass
            (code_dir / ".complete").touch()
        return FunctionVersion(
            name=function,
            version=cfg.get("Version", version),
            arn=cfg["FunctionArn"],
            handler=cfg["Handler"],
            runtime=cfg["Runtime"],
            code_dir=code_dir,
            memory_mb=int(cfg.get("MemorySize", 128)),
            timeout_s=float(cfg.get("Timeout", 3)),
            environment=dict((cfg.get("Environment") or {}).get("Variables") or {}),
            region=self.region,
        )

    def reload(self) -> None:
        """Read a new release: routes again, aliases afresh, and the workers of
        versions no alias serves any more dropped."""
        self.discover()
        known = list(self._aliases)
        self._aliases.clear()
        for function, alias in known:
            try:
                self.alias(function, alias)  # read afresh, so retire() knows what is still served
            except Exception:  # gone with the release: its workers go too
                pass
        self.retire()

    def served_versions(self) -> Dict[str, Dict[str, object]]:
        with self._lock:
            return {f"{f}:{v}": {"warm_workers": p.warm} for (f, v), p in self._pools.items()}

    def retire(self) -> None:
        """Drop the workers of versions no alias serves any more (a new release took over)."""
        live = set()
        for (function, alias), (_, version, weights) in list(self._aliases.items()):
            live.add((function, version))
            live.update((function, v) for v in weights)
        with self._lock:
            old = [k for k in self._pools if k not in live and k[1] != "$LATEST"]
            pools = [self._pools.pop(k) for k in old]
        for p in pools:
            p.close()

    def reserved(self, function: str) -> Optional[int]:
        """The function's reserved concurrency (`PutFunctionConcurrency`), cached for a second: it
        changes when a pilot light is lit or scaled up, and each look is a call the emulator serves
        between the handlers' own."""
        now = time.monotonic()
        hit = self._reserved.get(function)
        if hit and now - hit[0] < _RESERVED_TTL_S:
            return hit[1]
        try:
            got = self._client("lambda", self.region).get_function_concurrency(FunctionName=function).get("ReservedConcurrentExecutions")
        except Exception:  # the emulator busy or restarting: no cap known, none enforced
            return hit[1] if hit else None
        self._reserved[function] = (now, None if got is None else int(got))
        return self._reserved[function][1]

    def invoke(self, function: str, alias: str, event: bytes) -> Tuple[str, Result]:
        """Invoke `function` through `alias`: the version the weights pick, in a
        warm worker; throttled at once, as Lambda throttles, when the function's
        reserved concurrency is all in flight (a pilot light's is small)."""
        version = self.pick(function, alias)
        cap = self.reserved(function)
        with self._lock:
            admitted = cap is None or self._in_flight.get(function, 0) < cap
            if admitted:
                self._in_flight[function] = self._in_flight.get(function, 0) + 1
        if not admitted:
            msg = {"errorMessage": "Rate Exceeded.", "errorType": "TooManyRequestsException", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
            result = Result(False, json.dumps(msg).encode(), 0.0, "TooManyRequestsException", throttled=True)
        else:
            try:
                result = self.pool(function, version).invoke(event)
            finally:
                with self._lock:
                    self._in_flight[function] -= 1
        self.sink.lambda_invocation(
            self.region, function, alias, version, time.time(), error=not result.ok and not result.throttled, throttled=result.throttled, duration_ms=result.handler_ms if result.handler_ms is not None else result.duration_ms
        )
        return version, result

    def admit(self) -> bool:
        """The stage's throttle: a token bucket of `rate` per second holding `burst`."""
        if not self.throttle:
            return True
        rate, burst = self.throttle
        with self._lock:
            now = time.monotonic()
            self._tokens = min(burst, self._tokens + (now - self._tokens_at) * rate)
            self._tokens_at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for p in pools:
            p.close()


def event_v2(route: Route, params: Dict[str, str], method: str, raw_path: str, query: str, headers: Dict[str, str], body: bytes, api_id: str, host: str, source_ip: str) -> bytes:
    """API Gateway's payload format 2.0 for one request."""
    now = datetime.now(timezone.utc)
    lowered: Dict[str, str] = {}
    cookies: List[str] = []
    for k, v in headers.items():
        if k.lower() == "cookie":
            cookies.extend(c.strip() for c in v.split(";") if c.strip())
            continue
        lowered[k.lower()] = f"{lowered[k.lower()]},{v}" if k.lower() in lowered else v
    qs: Dict[str, str] = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        qs[k] = f"{qs[k]},{v}" if k in qs else v
    try:
        text, b64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, b64 = base64.b64encode(body).decode(), True
    request_id = base64.b32encode(uuid.uuid4().bytes).decode()[:16]
    event = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": api_id,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": source_ip, "userAgent": lowered.get("user-agent", "")},
            "requestId": request_id,
            "routeKey": route.key,
            "stage": STAGE,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": b64,
    }
    if cookies:
        event["cookies"] = cookies
    if qs:
        event["queryStringParameters"] = qs
    if params:
        event["pathParameters"] = params
    if body:
        event["body"] = text
    return json.dumps(event).encode()


def response_v2(result: Result) -> Tuple[int, Dict[str, str], List[str], bytes]:
    """An HTTP API's answer to a function's result (payload format 2.0)."""
    if result.throttled:
        return 500, {"content-type": "application/json"}, [], b'{"message":"Internal Server Error"}'
    if not result.ok:
        return 502, {"content-type": "application/json"}, [], b'{"message":"Internal Server Error"}'
    try:
        out = json.loads(result.payload or b"null")
    except ValueError:
        return 502, {"content-type": "application/json"}, [], b'{"message":"Internal Server Error"}'
    if isinstance(out, dict) and "statusCode" in out:
        try:
            status = int(out["statusCode"])
        except (TypeError, ValueError):
            return 502, {"content-type": "application/json"}, [], b'{"message":"Internal Server Error"}'
        headers = {str(k).lower(): str(v) for k, v in (out.get("headers") or {}).items()}
        for k, vs in (out.get("multiValueHeaders") or {}).items():
            headers[str(k).lower()] = ",".join(str(v) for v in vs)
        body = out.get("body") or ""
        data = base64.b64decode(body) if out.get("isBase64Encoded") else str(body).encode()
        return status, headers, [str(c) for c in out.get("cookies") or []], data
    return 200, {"content-type": "application/json"}, [], result.payload


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    region: Region

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, headers: Dict[str, str], body: bytes, cookies: List[str] = ()) -> None:
        self.send_response(status)
        for k, v in headers.items():
            if k not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        for c in cookies:
            self.send_header("set-cookie", c)
        self.send_header("apigw-requestid", uuid.uuid4().hex[:16])
        self.send_header("x-lift-region", self.region.region)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        start = time.monotonic()
        region = self.region
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n else b""
        verdict = region.faults.apply(region.region, self.headers.get("x-lift-vantage"), self.connection)
        if verdict == "drop":
            self.close_connection = True
            return
        if verdict is not None:
            self._send(verdict, {"content-type": "application/json"}, b'{"message":"Service Unavailable"}')
            # The API answered it: API Gateway counts it (a refused or dropped connection it never saw).
            region.counts[str(verdict)] = region.counts.get(str(verdict), 0) + 1
            if region.api_id:
                region.sink.api_request(region.region, region.api_id, STAGE, verdict, (time.monotonic() - start) * 1000, 0.0, time.time())
            return
        url = urlsplit(self.path)
        route, params = None, None
        for r in region.routes:
            params = r.match(self.command, url.path)
            if params is not None:
                route = r
                break
        integration_ms = 0.0
        if route is None:
            status, headers, cookies, data = 404, {"content-type": "application/json"}, [], b'{"message":"Not Found"}'
        elif not region.admit():
            status, headers, cookies, data = 429, {"content-type": "application/json"}, [], b'{"message":"Too Many Requests"}'
        else:
            event = event_v2(
                route, params or {}, self.command, url.path, url.query, dict(self.headers.items()), body,
                region.api_id or "", self.headers.get("host", ""), self.client_address[0],
            )
            t = time.monotonic()
            try:
                version, result = region.invoke(route.function, route.alias, event)
                status, headers, cookies, data = response_v2(result)
                headers["x-lift-executed-version"] = version
            except Exception as e:  # the emulator or the code could not be read: API Gateway's 500
                status, headers, cookies, data = 500, {"content-type": "application/json"}, [], json.dumps({"message": "Internal Server Error", "lift": str(e)}).encode()
            integration_ms = (time.monotonic() - t) * 1000
        self._send(status, headers, data, cookies)
        region.counts[str(status)] = region.counts.get(str(status), 0) + 1
        if region.api_id:
            region.sink.api_request(region.region, region.api_id, STAGE, status, (time.monotonic() - start) * 1000, integration_ms, time.time())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class Front:
    """One region's HTTP front on its own loopback port."""

    def __init__(self, region: Region, port: int = 0):
        self.region = region
        self._port = port
        self._server: Optional[QuietServer] = None
        self.start()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> None:
        handler = type("FrontHandler", (_Handler,), {"region": self.region})
        self._server = QuietServer(("127.0.0.1", self._port), handler)
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name=f"front-{self.region.region}", daemon=True).start()

    def stop_listening(self) -> None:
        """Close the port: connections are refused, as to a region that is down."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def listening(self) -> bool:
        return self._server is not None

    def close(self) -> None:
        self.stop_listening()
        self.region.close()
