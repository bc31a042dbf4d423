"""The local target runs the app: the shop's real code deployed to the emulator
and served per version by the `live` alias's weights, with AWS's metrics.

Every side effect is read back through the emulator's own APIs (DynamoDB,
SQS, Lambda, CloudWatch), never from Lift's own bookkeeping.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import lift
from lift import package as packaging
from lift.local import LocalTarget, alive, lifecycle
from lift.local.traffic import send

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop"

PROBE_SPEC = """\
app: probe
regions: { primary: us-east-1 }
functions:
  web: { runtime: python3.12, handler: web.handler, code: ./src, timeout: 1s, memory: 128MB }
  work:
    runtime: python3.12
    handler: web.work
    code: ./src
    timeout: 1s
    triggers: [ { queue: jobs, batch_size: 1 } ]
http:
  auth: none
  routes: { "GET /ok": web, "GET /boom": web, "GET /slow": web }
  throttle: { rate: 5000, burst: 5000 }
queues:
  jobs: { visibility_timeout: 1s, dead_letter: { queue: jobs-dlq, max_receives: 2 } }
  jobs-dlq: {}
"""

PROBE_CODE = """\
import json, time
def handler(event, context):
    route = event["routeKey"]
    if route == "GET /boom":
        raise RuntimeError("boom")
    if route == "GET /slow":
        time.sleep(float((event.get("queryStringParameters") or {}).get("s", "3")))
    return {"statusCode": 200, "body": json.dumps({"route": route, "version": context.function_version})}
def work(event, context):
    for r in event["Records"]:
        if json.loads(r["body"]).get("fail"):
            raise RuntimeError("this job fails")
    return {}
"""


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The shop and a small probe app, deployed and served; torn down after."""
    state = tmp_path_factory.mktemp("state")
    probe = tmp_path_factory.mktemp("probe")
    (probe / "src").mkdir()
    (probe / "lift.yaml").write_text(PROBE_SPEC)
    (probe / "src" / "web.py").write_text(PROBE_CODE)
    shop = lifecycle.up(str(SHOP), state)
    small = lifecycle.up(str(probe), state)
    target = LocalTarget.attach(state)
    assert target is not None
    yield {"state": state, "shop": shop, "probe": small, "probe_dir": probe, "target": target}
    kept = tmp_path_factory.mktemp("logs")  # what the processes said, for a failure's post-mortem
    for log in state.glob("*.log"):
        shutil.copy(log, kept / log.name)
    lifecycle.down(state)


def _get(url: str, timeout: float = 10, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def _stack_resource(target, stack: str, region: str, logical: str) -> str:
    cfn = target.client("cloudformation", region)
    # DescribeStackResources, not DescribeStackResource: moto's singular call fails on a stack
    # holding a resource its own CloudFormation could not model (a Lambda permission here).
    found = [r for r in cfn.describe_stack_resources(StackName=stack)["StackResources"] if r.get("LogicalResourceId") == logical]
    return found[0]["PhysicalResourceId"]


def _metric_sum(target, region, namespace, name, dims, since) -> float:
    cw = target.client("cloudwatch", region)
    got = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {"Namespace": namespace, "MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]},
                    "Period": 3600,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=since,
        EndTime=datetime.now(timezone.utc) + timedelta(minutes=5),
    )
    return sum(got["MetricDataResults"][0]["Values"])


def test_a_request_reaches_the_handler_and_its_write_is_in_the_table(local):
    url = local["shop"]["regions"]["us-east-1"]["url"]
    order = {"customer_id": "c-42", "items": [{"sku": "tea", "quantity": 3}]}
    req = urllib.request.Request(url + "/orders", data=json.dumps(order).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201
        body = json.loads(r.read())
    assert body["status"] == "placed" and len(body["id"]) == 32
    # The item, read through the emulator's DynamoDB API, not through Lift.
    ddb = local["target"].client("dynamodb", "us-east-1")
    item = ddb.get_item(TableName="shop-orders", Key={"pk": {"S": f"ORDER#{body['id']}"}, "sk": {"S": "ORDER"}})["Item"]
    assert item["customer_id"] == {"S": "c-42"}
    assert item["items"]["L"][0]["M"]["quantity"] == {"N": "3"}
    status, got, _ = _get(f"{url}/orders/{body['id']}")
    assert status == 200 and json.loads(got)["id"] == body["id"]
    status, got, _ = _get(f"{url}/orders/no-such-order")
    assert status == 404 and "no order" in json.loads(got)["message"]
    # The job it queued reaches the worker, which marks the order processed.
    deadline = time.time() + 20
    while time.time() < deadline:
        item = ddb.get_item(TableName="shop-orders", Key={"pk": {"S": f"ORDER#{body['id']}"}, "sk": {"S": "ORDER"}})["Item"]
        if item["status"] == {"S": "processed"}:
            break
        time.sleep(0.2)
    assert item["status"] == {"S": "processed"}


def test_both_regions_serve_from_their_own_stack(local):
    for region, r in local["shop"]["regions"].items():
        status, body, headers = _get(r["url"] + "/orders/x")
        assert status == 404, (region, body)
        assert headers["x-lift-executed-version"] == "1"


def test_redeploy_publishes_only_for_new_code_and_the_alias_weights_split_traffic(local, tmp_path):
    target, state = local["target"], local["state"]
    fn = _stack_resource(target, "probe-us-east-1", "us-east-1", "WebFunction")
    lam = target.client("lambda", "us-east-1")
    versions = lambda: sorted(v["Version"] for v in lam.list_versions_by_function(FunctionName=fn)["Versions"] if v["Version"] != "$LATEST")
    before = versions()
    pid = lifecycle.status(state)["dataplane"]["pid"]
    # The same code again: no new version.
    lifecycle.up(str(local["probe_dir"]), state)
    assert versions() == before
    # New code: a new version, served by the same front (no restart).
    code = tmp_path / "v2"
    shutil.copytree(local["probe_dir"] / "src", code)
    (code / "web.py").write_text(PROBE_CODE.replace('"route": route,', '"route": route, "release": 2,'))
    url = local["probe"]["regions"]["us-east-1"]["url"]
    lifecycle.up(str(local["probe_dir"]), state, code={"web": str(code)})
    after = versions()
    assert len(after) == len(before) + 1
    new, old = after[-1], before[-1]
    assert lifecycle.status(state)["dataplane"]["pid"] == pid
    status, body, headers = _get(url + "/ok")
    assert status == 200 and json.loads(body).get("release") == 2 and headers["x-lift-executed-version"] == new

    # The alias at 90/10, set through the emulator's Lambda API as a runner would.
    lam.update_alias(FunctionName=fn, Name="live", FunctionVersion=old, RoutingConfig={"AdditionalVersionWeights": {new: 0.1}})
    since = datetime.now(timezone.utc) - timedelta(minutes=30)
    time.sleep(2.5)  # what came before is flushed: the counts below are this traffic's alone
    dims = {v: {"FunctionName": fn, "Resource": f"{fn}:live", "ExecutedVersion": v} for v in (old, new)}
    before = {v: _metric_sum(target, "us-east-1", "AWS/Lambda", "Invocations", dims[v], since) for v in (old, new)}
    n = 2000
    report = send(url, {"GET /ok": 1.0}, rps=400, duration_s=n / 400)
    assert report.sent == n and report.statuses == {"200": n}, report.describe()
    got_new = report.versions[new]
    # Binomial 99.9% bounds (z = 3.29) around n * 0.1.
    sd = math.sqrt(n * 0.1 * 0.9)
    assert abs(got_new - n * 0.1) <= 3.29 * sd, report.versions
    assert report.versions[old] + got_new == n
    # What the fronts counted is what CloudWatch has, exactly, per ExecutedVersion.
    time.sleep(2.5)
    for v in (old, new):
        assert _metric_sum(target, "us-east-1", "AWS/Lambda", "Invocations", dims[v], since) - before[v] == report.versions[v]
    lam.update_alias(FunctionName=fn, Name="live", FunctionVersion=new, RoutingConfig={"AdditionalVersionWeights": {}})


def test_a_handler_exception_is_a_502_counted_in_errors_and_5xx(local):
    target = local["target"]
    url = local["probe"]["regions"]["us-east-1"]["url"]
    fn = _stack_resource(target, "probe-us-east-1", "us-east-1", "WebFunction")
    api = _stack_resource(target, "probe-us-east-1", "us-east-1", "HttpApi")
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    errors0 = _metric_sum(target, "us-east-1", "AWS/Lambda", "Errors", {"FunctionName": fn}, since)
    for _ in range(3):
        status, body, _ = _get(url + "/boom")
        assert status == 502 and json.loads(body) == {"message": "Internal Server Error"}
    time.sleep(2.5)
    assert _metric_sum(target, "us-east-1", "AWS/Lambda", "Errors", {"FunctionName": fn}, since) - errors0 == 3
    assert _metric_sum(target, "us-east-1", "AWS/ApiGateway", "5xx", {"ApiId": api, "Stage": "$default"}, since) >= 3


def test_a_handler_over_its_timeout_is_killed_and_counted(local):
    target = local["target"]
    url = local["probe"]["regions"]["us-east-1"]["url"]
    fn = _stack_resource(target, "probe-us-east-1", "us-east-1", "WebFunction")
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    before = _metric_sum(target, "us-east-1", "AWS/Lambda", "Errors", {"FunctionName": fn}, since)
    t = time.monotonic()
    status, _, _ = _get(url + "/slow?s=5", timeout=10)
    took = time.monotonic() - t
    assert status == 502
    assert 0.9 < took < 3.0, took  # the function's 1 s timeout, not the handler's 5 s sleep
    status, _, _ = _get(url + "/slow?s=0.1")
    assert status == 200  # a fresh worker took the killed one's place
    time.sleep(2.5)
    assert _metric_sum(target, "us-east-1", "AWS/Lambda", "Errors", {"FunctionName": fn}, since) - before == 1


def test_a_failing_queue_message_ends_in_the_dead_letter_queue(local):
    sqs = local["target"].client("sqs", "us-east-1")
    urls = sqs.list_queues(QueueNamePrefix="probe-us-east-1")["QueueUrls"]
    jobs = next(u for u in urls if "JobsQueue" in u)
    dlq = next(u for u in urls if "JobsDlq" in u)
    sqs.send_message(QueueUrl=jobs, MessageBody=json.dumps({"fail": True}))
    sqs.send_message(QueueUrl=jobs, MessageBody=json.dumps({"ok": True}))
    deadline = time.time() + 30
    dead = []
    while time.time() < deadline and not dead:
        dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", [])
    assert [json.loads(m["Body"]) for m in dead] == [{"fail": True}]
    # The good one was delivered and deleted: the queue is empty.
    attrs = sqs.get_queue_attributes(QueueUrl=jobs, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"


def _fault(state, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lift", "local", "fault", *args, "--state-dir", str(state)], capture_output=True, text=True)


def test_each_fault_does_what_it_says_measured_from_a_client(local):
    state = local["state"]
    url = local["probe"]["regions"]["us-east-1"]["url"]
    port = int(url.rsplit(":", 1)[1])
    try:
        r = _fault(state, "us-east-1", "error", "--share", "1")
        assert r.returncode == 0 and "100% of requests answered 503" in r.stdout, r.stderr
        assert _get(url + "/ok")[0] == 503
        _fault(state, "--clear")
        assert _get(url + "/ok")[0] == 200

        _fault(state, "us-east-1", "latency", "--ms", "400")
        t = time.monotonic()
        assert _get(url + "/ok")[0] == 200
        assert time.monotonic() - t >= 0.4
        _fault(state, "--clear")

        assert _fault(state, "us-east-1", "refuse").returncode == 0
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
        _fault(state, "--clear")
        assert _get(url + "/ok")[0] == 200

        # One vantage point cut off, the others served.
        _fault(state, "us-east-1", "refuse", "--vantage", "vp-1")
        with pytest.raises((ConnectionResetError, urllib.error.URLError, ConnectionError)):
            _get(url + "/ok", headers={"x-lift-vantage": "vp-1"})
        assert _get(url + "/ok", headers={"x-lift-vantage": "vp-2"})[0] == 200
        _fault(state, "--clear")

        _fault(state, "us-east-1", "hang", "--ms", "3000")
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            _get(url + "/ok", timeout=1)
        _fault(state, "--clear")

        _fault(state, "us-east-1", "flap", "--period", "1s")
        seen = set()
        end = time.time() + 2.5
        while time.time() < end:
            seen.add(_get(url + "/ok")[0])
            time.sleep(0.1)
        assert seen == {200, 503}
        status = subprocess.run([sys.executable, "-m", "lift", "local", "status", "--state-dir", str(state)], capture_output=True, text=True)
        assert "us-east-1: failing and healthy in turns of 1s" in status.stdout
    finally:
        _fault(state, "--clear")
    assert _get(url + "/ok")[0] == 200
    bad = _fault(state, "nowhere-1", "error")
    assert bad.returncode == 1 and "not served here" in bad.stderr


def test_packages_are_reproducible_and_keyed_by_content(tmp_path):
    a = tmp_path / "a"
    shutil.copytree(SHOP / "src" / "api", a)
    (a / "lib").mkdir()
    (a / "lib" / "util.py").write_text("X = 1\n")
    first = packaging.build("shop", "api", a)
    # The same tree elsewhere, written later, with other timestamps: the same bytes.
    time.sleep(1.1)
    b = tmp_path / "b"
    shutil.copytree(a, b, copy_function=shutil.copy)
    (b / "__pycache__").mkdir()
    (b / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0junk")
    second = packaging.build("shop", "api", b)
    assert first.data == second.data and first.key == second.key
    assert first.key == f"shop/api-{first.sha256[:16]}.zip"
    (b / "lib" / "util.py").write_text("X = 2\n")
    assert packaging.build("shop", "api", b).key != first.key


def test_packages_over_lambdas_limits_are_refused_with_the_numbers(tmp_path, monkeypatch):
    (tmp_path / "big.bin").write_bytes(bytes(range(256)) * 4096)
    monkeypatch.setattr(packaging, "MAX_UNZIPPED", 512 * 1024)
    with pytest.raises(packaging.PackageError, match=r"1\.0 MB unzipped, over Lambda's 0\.5 MB"):
        packaging.build("x", "f", tmp_path)


def test_lift_package_lists_sizes_and_keys(run):
    r = run("package", "examples/shop", "--format", "json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert sorted(got) == ["api", "worker"]
    assert got["api"]["key"].startswith("shop/api-") and got["api"]["zipped_bytes"] > 0
    r = run("package", "examples/shop", "--code", "api=examples/shop/releases/2.0.0-regression/api", "--format", "json")
    assert json.loads(r.stdout)["api"]["key"] != got["api"]["key"]
    r = run("package", "examples/shop", "--code", "nope=.")
    assert r.returncode == 1 and "nope" in r.stderr


def test_a_configuration_change_publishes_a_version_that_takes_the_traffic(local):
    """Memory changed, code not: the version captures configuration too, so a
    new one is published and the template's alias moves to it."""
    target, state, probe = local["target"], local["state"], local["probe_dir"]
    fn = _stack_resource(target, "probe-us-east-1", "us-east-1", "WebFunction")
    lam = target.client("lambda", "us-east-1")
    url = local["probe"]["regions"]["us-east-1"]["url"]
    before = lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"]
    spec = probe / "lift.yaml"
    original = spec.read_text()
    try:
        spec.write_text(original.replace("timeout: 1s, memory: 128MB", "timeout: 1s, memory: 256MB"))
        lifecycle.up(str(probe), state)
        live = lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"]
        assert int(live) > int(before)
        assert lam.get_function_configuration(FunctionName=fn, Qualifier=live)["MemorySize"] == 256
        assert lam.get_function_configuration(FunctionName=fn, Qualifier=before)["MemorySize"] == 128
        status, _, headers = _get(url + "/ok")
        assert status == 200 and headers["x-lift-executed-version"] == live
    finally:
        spec.write_text(original)


def test_a_release_that_changes_nothing_keeps_the_warm_workers(local):
    url, state = local["probe"]["regions"]["us-east-1"]["url"], local["state"]
    lifecycle.up(str(local["probe_dir"]), state)  # whatever earlier tests released, this one is it
    assert _get(url + "/ok")[0] == 200
    lifecycle.up(str(local["probe_dir"]), state)
    versions = lifecycle.status(state)["dataplane"]["apps"]["probe"]["us-east-1"]["versions"]
    assert any(v["warm_workers"] > 0 for k, v in versions.items() if "WebFunction" in k), versions


def test_the_route53_plugin_moves_the_name_and_the_names_front_follows(local):
    """The shipped DNS plugin swaps the failover records' roles in one change
    batch, read back through the emulator's Route 53 API; a client of the
    name is then served by the other region, and moving back restores both."""
    from lift import plugins

    target, state = local["target"], local["state"]
    r53 = target.client("route53", "us-east-1")
    zone, name = LocalTarget.zone(target, lift_app(SHOP))
    url = lifecycle.name_url(state, "shop")
    assert url and _get(url + "/orders/x")[2]["x-lift-region"] == "us-east-1"
    dns = plugins.Dns("route53", endpoint=target.url, access_key_id="testing", secret_access_key="testing")

    def roles():
        sets = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        return {s["SetIdentifier"]: (s["Failover"], s["HealthCheckId"]) for s in sets if s.get("SetIdentifier")}

    before = roles()
    assert {r: f for r, (f, _) in before.items()} == {"us-east-1": "PRIMARY", "eu-west-1": "SECONDARY"}
    assert {r["region"]: r["weight_ppm"] for r in dns.records(zone, name)} == {"us-east-1": 1_000_000, "eu-west-1": 0}
    try:
        dns.route(zone, name, {"eu-west-1": 1_000_000})
        after = roles()
        assert {r: f for r, (f, _) in after.items()} == {"us-east-1": "SECONDARY", "eu-west-1": "PRIMARY"}
        assert {r: h for r, (_, h) in after.items()} == {r: h for r, (_, h) in before.items()}, "health checks kept"
        time.sleep(1.1)  # the name's front reads the records at most once a second
        assert _get(url + "/orders/x")[2]["x-lift-region"] == "eu-west-1"
        dns.route(zone, name, {"eu-west-1": 1_000_000})  # the same routing again changes nothing
        assert roles() == after
    finally:
        dns.route(zone, name, {"us-east-1": 1_000_000})
    assert roles() == before
    with pytest.raises(plugins.PluginError, match="no record routes to region `ap-south-1`"):
        dns.route(zone, name, {"ap-south-1": 1_000_000})


def test_get_metric_data_matches_dimensions_in_any_order(local):
    """As on AWS; moto's own comparison of two dimensions was broken."""
    cw = local["target"].client("cloudwatch", "us-east-1")
    now = datetime.now(timezone.utc)
    dims = [{"Name": "TableName", "Value": "t"}, {"Name": "ReceivingRegion", "Value": "eu-west-1"}]
    cw.put_metric_data(Namespace="Lift/Test", MetricData=[{"MetricName": "M", "Dimensions": dims, "Value": 7.0, "Timestamp": now}])
    for order in (dims, list(reversed(dims))):
        got = cw.get_metric_data(
            MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {"Namespace": "Lift/Test", "MetricName": "M", "Dimensions": order}, "Period": 60, "Stat": "Maximum"}}],
            StartTime=now - timedelta(minutes=2),
            EndTime=now + timedelta(minutes=2),
        )
        assert got["MetricDataResults"][0]["Values"] == [7.0], order


def test_global_tables_replicate_with_their_measured_latency_and_a_lag_fault_holds_writes(local):
    """A write in one region reaches the other replica (read through DynamoDB's
    API there); ReplicationLatency is published in the source region; a
    replication-lag fault holds writes back that long."""
    target, state = local["target"], local["state"]
    table = _stack_resource(target, "shop-us-east-1", "us-east-1", "OrdersTable")
    url = local["shop"]["regions"]["us-east-1"]["url"]

    def place() -> str:
        req = urllib.request.Request(url + "/orders", data=json.dumps({"customer_id": "r1", "items": []}).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())["id"]

    def in_standby(order: str) -> bool:
        item = target.client("dynamodb", "eu-west-1").get_item(TableName=table, Key={"pk": {"S": f"ORDER#{order}"}, "sk": {"S": "ORDER"}})
        return "Item" in item

    def latency_max() -> float:
        cw = target.client("cloudwatch", "us-east-1")
        now = datetime.now(timezone.utc)
        q = {"Namespace": "AWS/DynamoDB", "MetricName": "ReplicationLatency", "Dimensions": [{"Name": "TableName", "Value": table}, {"Name": "ReceivingRegion", "Value": "eu-west-1"}]}
        got = cw.get_metric_data(MetricDataQueries=[{"Id": "l", "MetricStat": {"Metric": q, "Period": 60, "Stat": "Maximum"}}], StartTime=now - timedelta(seconds=30), EndTime=now + timedelta(minutes=1))
        return max(got["MetricDataResults"][0]["Values"] or [-1.0])

    order = place()
    deadline = time.time() + 10
    while time.time() < deadline and not in_standby(order):
        time.sleep(0.1)
    assert in_standby(order)
    time.sleep(1.5)
    assert latency_max() >= 0
    assert _fault(state, "us-east-1", "replication-lag", "--ms", "3000").returncode == 0
    try:
        held = place()
        time.sleep(1.0)
        assert not in_standby(held), "a held write reached the standby early"
        deadline = time.time() + 10
        while time.time() < deadline and not in_standby(held):
            time.sleep(0.1)
        assert in_standby(held)
        time.sleep(1.5)
        assert latency_max() >= 2_500
    finally:
        assert _fault(state, "--clear").returncode == 0


def lift_app(path):
    import lift

    return lift.load(path)


def _children(pid: int) -> list:
    """The processes whose parent is `pid`, read from /proc."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _gone(pid: int, within: float = 10) -> bool:
    deadline = time.time() + within
    while time.time() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_an_emulator_started_as_a_child_dies_with_its_parent_killed(tmp_path):
    """`LocalTarget()` from Python is the caller's child: a `kill -9` of the
    caller leaves no moto server behind, listening and orphaned to init."""
    parent = subprocess.Popen(
        [sys.executable, "-c", "import time; from lift.local import LocalTarget; t = LocalTarget().start(); print(t.pid, flush=True); time.sleep(300)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        emulator = int(parent.stdout.readline())
        assert alive(emulator)
        parent.kill()
        parent.wait()
        assert _gone(emulator), "the emulator outlived its parent"
    finally:
        parent.kill()


def test_a_hung_emulator_is_stopped_and_replaced_by_the_next_run(tmp_path):
    """A recorded emulator that runs but does not answer (here: stopped) is
    no one's: the next command stops it and starts a fresh one."""
    first, fresh = LocalTarget.ensure(tmp_path)
    assert fresh
    try:
        os.kill(first.pid, signal.SIGSTOP)
        second, fresh = LocalTarget.ensure(tmp_path)
        assert fresh and second.pid != first.pid
        assert _gone(first.pid), "the hung emulator was left running"
        assert _get(second.url + "/moto-api/")[0] == 200
    finally:
        lifecycle.down(tmp_path)
        assert not alive(first.pid)


def test_workers_die_with_a_killed_data_plane_and_the_next_up_serves_again(local):
    """Last in this module: it kills the shared data plane. The handlers' worker
    processes end with it, and the next `up` finds the dead record and serves
    the app on the ports it had."""
    url, state = local["probe"]["regions"]["us-east-1"]["url"], local["state"]
    assert _get(url + "/ok")[0] == 200  # a warm worker
    plane = json.loads((state / "dataplane.json").read_text())["pid"]
    # One worker busy in its handler for a minute: it never asks its (dead) runtime API for more work.
    def slow() -> None:
        try:
            _get(url + "/slow?s=60", timeout=5)
        except OSError:
            pass  # the data plane dies under it: that is the point

    busy = threading.Thread(target=slow, daemon=True)
    busy.start()
    time.sleep(0.5)
    workers = _children(plane)
    assert workers, "no worker process under the data plane"
    os.kill(plane, signal.SIGKILL)
    for w in workers:
        assert _gone(w), f"worker {w} outlived the data plane"
    again = lifecycle.up(str(local["probe_dir"]), state)
    assert again["regions"]["us-east-1"]["url"] == url
    assert _get(url + "/ok")[0] == 200


VAULT_SPEC = """\
app: vault
regions: { primary: us-east-1, standby: [eu-west-1] }
secrets:
  db: { ssm: /vault/db-password }
  stripe: { secretsmanager: vault/stripe, key: api_key }
functions:
  web:
    runtime: python3.12
    handler: web.handler
    code: ./src
    timeout: 5s
    environment:
      DB_PASSWORD_PARAMETER: ${secrets.db.name}
      STRIPE_SECRET: ${secrets.stripe.arn}
      STRIPE_SECRET_KEY: ${secrets.stripe.key}
    access: { secrets.db: read, secrets.stripe: read }
http:
  auth: none
  routes: { "GET /secrets": web }
"""

VAULT_CODE = """\
import hashlib, json, os
import boto3
def handler(event, context):
    db = boto3.client("ssm").get_parameter(Name=os.environ["DB_PASSWORD_PARAMETER"], WithDecryption=True)["Parameter"]["Value"]
    doc = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["STRIPE_SECRET"])["SecretString"]
    stripe = json.loads(doc)[os.environ["STRIPE_SECRET_KEY"]]
    digest = lambda v: hashlib.sha256(v.encode()).hexdigest()
    return {"statusCode": 200, "body": json.dumps({"db": digest(db), "stripe": digest(stripe)})}
"""


def test_secrets_are_read_at_run_time_and_their_values_are_in_no_output(local, tmp_path):
    """The values live only in the emulator's SSM and Secrets Manager: the
    handler reads them through the names its environment gives, and neither
    value appears in any synthesized format, in the deployed templates or in
    the function's configuration (read through the emulator's own APIs)."""
    import hashlib

    target, state = local["target"], local["state"]
    db, stripe = "db-pw-" + os.urandom(8).hex(), "sk_test_" + os.urandom(12).hex()
    for region in ("us-east-1", "eu-west-1"):
        target.client("ssm", region).put_parameter(Name="/vault/db-password", Value=db, Type="SecureString", Overwrite=True)
        target.client("secretsmanager", region).create_secret(Name="vault/stripe", SecretString=json.dumps({"api_key": stripe}))
    app_dir = tmp_path / "vault"
    (app_dir / "src").mkdir(parents=True)
    (app_dir / "lift.yaml").write_text(VAULT_SPEC)
    (app_dir / "src" / "web.py").write_text(VAULT_CODE)
    served = lifecycle.up(str(app_dir), state)
    digest = lambda v: hashlib.sha256(v.encode()).hexdigest()  # noqa: E731
    for region in ("us-east-1", "eu-west-1"):
        status, body, _ = _get(served["regions"][region]["url"] + "/secrets")
        assert status == 200, body
        assert json.loads(body) == {"db": digest(db), "stripe": digest(stripe)}
    app = lift.load(app_dir)
    assert not [d for d in app.validate() if d.code == "W405"]
    for fmt in ("cloudformation", "cloudformation-yaml", "terraform", "terraform-json", "pulumi", "cdk"):
        for region in app.regions:
            out = app.synth(fmt, region=region, text=True)
            assert db not in out and stripe not in out and "/vault/db-password" in out, (fmt, region)
    for region in ("us-east-1", "eu-west-1"):
        template = json.dumps(target.client("cloudformation", region).get_template(StackName=f"vault-{region}")["TemplateBody"])
        fn = _stack_resource(target, f"vault-{region}", region, "WebFunction")
        config = json.dumps(target.client("lambda", region).get_function_configuration(FunctionName=fn))
        for text in (template, config):
            assert db not in text and stripe not in text and "/vault/db-password" in text, region
