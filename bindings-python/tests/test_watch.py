"""`lift watch` and `lift drill --live` on the local target, end to end: a
region's outage detected within the bound, the DNS name moved for real, a
client of the name served by the standby, failback when the primary heals;
no failover for a partial outage or flapping probes; a person asked before a
promotion over the RPO; a watcher killed mid-failover resuming without
repeating a record change.

Side effects are read through the emulator's own Route 53 API and its record
of every change batch (`dns-history.jsonl`, written inside moto), never
through Lift's journal.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from typing import Dict, List

import pytest

import lift
from lift import drill
from lift import watch as watching
from lift.local import LocalTarget, lifecycle

import receiver

SPEC = """\
app: drillapp
regions: { primary: us-east-1, standby: [eu-west-1] }
functions:
  web: { runtime: python3.12, handler: web.handler, code: ./src, timeout: 5s, memory: 128MB, access: { tables.items: read-write } , environment: { ITEMS: "${tables.items.name}" } }
http:
  auth: none
  routes: { "GET /health": web, "POST /items": web, "GET /boom": web }
slos:
  availability: { objective: 99%, window: 30d, min_events: 5 }
  # Judged per minute by the API's p99 (CloudWatch's pNN of Latency): the bug answers fast, so this one holds.
  snappy: { objective: 90%, percentile: 99%, threshold: 3s, budgeting: timeslices, window: 30d }
  # Evaluated live from its parts' samples; so lax that the bug's errors neither page nor freeze through it.
  journey: { objective: 10%, composite: { availability: 1, snappy: 1 } }
notify:
  channels:
    oncall: { format: pagerduty, url: RECEIVER/pd, secret_env: LIFT_TEST_PD_KEY }
    manager: { url: RECEIVER/manager }
  routes:
    - { to: [oncall], kinds: [alert-firing, alert-acknowledged, alert-resolved], severities: [page, info] }
  escalation: [ { to: manager, after: 2m } ]
tables:
  items: { partition_key: id }
recovery:
  # The standby keeps a pilot light (its functions capped at 4 concurrent), scaled up when it takes over.
  mode: pilot-light
  pilot_concurrency: 4
  rto: 1m
  rpo: 2s
  probe: { path: /health, interval: 1s, timeout: 1s, failures: 3, successes: 2, quorum: 2/3 }
  failback_after: 6s
  dns: { zone_id: Z0DRILLEXAMPLE1234567, name: api.drill.example.com }
"""

CODE = """\
import json, os, uuid
import boto3
table = boto3.resource("dynamodb").Table(os.environ["ITEMS"])
def handler(event, context):
    if event["routeKey"] == "GET /health":
        return {"statusCode": 200, "body": "ok"}
    if event["routeKey"] == "GET /boom":
        raise RuntimeError("a bug")
    table.put_item(Item={"id": uuid.uuid4().hex})
    return {"statusCode": 201, "body": "{}"}
"""


class Receiver(receiver.Receiver):
    """The shared loopback receiver; `at` gives the bodies."""

    def at(self, prefix):
        return [r["body"] for r in super().at(prefix)]


PD_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    os.environ["LIFT_TEST_PD_KEY"] = PD_KEY
    receiver = Receiver()
    state = tmp_path_factory.mktemp("state")
    app_dir = tmp_path_factory.mktemp("drillapp")
    (app_dir / "src").mkdir()
    (app_dir / "lift.yaml").write_text(SPEC.replace("RECEIVER", receiver.url))
    (app_dir / "src" / "web.py").write_text(CODE)
    lifecycle.up(str(app_dir), state)
    t = LocalTarget.attach(state)
    assert t is not None
    yield {"state": state, "dir": app_dir, "target": t, "app": lift.load(app_dir), "receiver": receiver}
    receiver.server.shutdown()
    kept = tmp_path_factory.mktemp("logs")
    for log in list(state.glob("*.log")) + list(state.glob("*.jsonl")):
        shutil.copy(log, kept / log.name)
    lifecycle.down(state)


def _primary_of_name(t) -> str:
    """The region the name's PRIMARY failover record points at, read through the emulator's Route 53 API."""
    r53 = t["target"].client("route53", "us-east-1")
    zone, name = t["target"].zone(t["app"])
    sets = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return [s["SetIdentifier"] for s in sets if s["Name"].rstrip(".") == name and s.get("Failover") == "PRIMARY"][0]


def _dns_changes(t) -> List[Dict]:
    path = t["state"] / "dns-history.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _home(t) -> None:
    """Traffic on the primary again, whatever an earlier test left (through the DNS plugin, as a person would)."""
    from lift import plugins

    zone, name = t["target"].zone(t["app"])
    plugins.Dns("route53", endpoint=t["target"].url, access_key_id="testing", secret_access_key="testing").route(zone, name, {"us-east-1": 1_000_000})


def _printer():
    import io

    return watching.Printer(io.StringIO())


def _reserved(t, region: str) -> Dict[str, object]:
    """Each function's reserved concurrency in `region`, through the emulator's Lambda API."""
    lam = t["target"].client("lambda", region)
    return {f["FunctionName"]: lam.get_function_concurrency(FunctionName=f["FunctionName"]).get("ReservedConcurrentExecutions") for f in lam.list_functions()["Functions"]}


def test_a_region_outage_fails_over_for_real_and_back_when_it_heals(target):
    _home(target)
    before = len(_dns_changes(target))
    printer = _printer()
    m = drill.run(target["app"], target["state"], "region-outage", printer)
    assert m["failed_over"], m
    # The pilot light: the watch began with the standby's functions capped at 4, and the runbook scaled them up.
    said = printer.out.getvalue()
    assert "eu-west-1 at its pilot light" in said and "eu-west-1 scaled up" in said, said
    assert set(_reserved(target, "eu-west-1").values()) == {None}, _reserved(target, "eu-west-1")
    steps = [r["action"]["kind"] for r in watching.records(target["state"], "drillapp") if r.get("kind") == "intent"]
    assert steps.index("check-replication") < steps.index("scale-up") < steps.index("shift-traffic"), steps
    # Detected within interval x failures + timeout, plus one interval of scheduling slack.
    assert m["detection_ms"] <= m["detection_bound_ms"] + 1_000, m
    assert m["rto_ms"] is not None and m["rto_ms"] <= m["rto_objective_ms"], m
    # The record changed in the emulator, and a client of the name was served by the standby.
    assert _primary_of_name(target) == "eu-west-1"
    assert m["client"]["first_from_standby_s"] is not None and m["client"]["failed"] > 0, m
    changes = _dns_changes(target)[before:]
    assert len(changes) == 1 and {c["set"]: c["failover"] for c in changes[0]["changed"]} == {"eu-west-1": "PRIMARY", "us-east-1": "SECONDARY"}
    # Healed: a new watch begins where the name routes, and fails back after failback_after.
    stop_at = time.monotonic() + 25
    last = watching.run(target["app"], target["state"], "local", _settings(target), _printer(), stop=lambda: time.monotonic() > stop_at or _primary_of_name(target) == "us-east-1")
    assert _primary_of_name(target) == "us-east-1", last["status"]
    assert len(_dns_changes(target)[before:]) == 2
    # All traffic home: the standby is back at its pilot light, the primary uncapped.
    assert set(_reserved(target, "eu-west-1").values()) == {4}, _reserved(target, "eu-west-1")
    assert set(_reserved(target, "us-east-1").values()) == {None}, _reserved(target, "us-east-1")


def _settings(t) -> Dict[str, str]:
    return {"endpoint": t["target"].url, "access-key-id": "testing", "secret-access-key": "testing"}


@pytest.mark.parametrize("scenario", ["partial", "flapping"])
def test_one_lost_vantage_point_or_flapping_probes_move_nothing(target, scenario):
    _home(target)
    before = len(_dns_changes(target))
    m = drill.run(target["app"], target["state"], scenario, _printer())
    assert not m["failed_over"] and m["outcome"] == "no failover", m
    assert _primary_of_name(target) == "us-east-1"
    assert _dns_changes(target)[before:] == []


def test_watch_once_decides_in_one_round_acts_and_says_what_wants_a_person(target):
    """`lift watch --once`, as cron runs it: healthy, nothing about regions wants
    a person (exit 0, or 5 for an SLO the earlier drills burned); a refused primary
    is found down in one round and failed over (one record change, in the
    emulator); the next round, still down, changes nothing and exits 5 again;
    healed, the round sees it back up."""
    _home(target)
    state, spec = target["state"], target["dir"]
    env = dict(os.environ, LIFT_STATE_DIR=str(state))
    once = lambda: subprocess.run([sys.executable, "-m", "lift", "watch", str(spec), "--once", "--break-lock"], env=env, capture_output=True, text=True, timeout=120)  # noqa: E731
    # A new watch: this test is about one round's own view of the regions.
    (watching.watch_dir(state, "drillapp") / "journal.jsonl").unlink(missing_ok=True)
    ok = once()
    # The drills before this test answered 503s, so an SLO may page: that is the only attention a healthy round may ask.
    wanted = [line for line in ok.stderr.splitlines() if line.startswith("attention: ")]
    assert "traffic on us-east-1" in ok.stderr and all(w.startswith("attention: SLO ") for w in wanted), ok.stderr
    assert ok.returncode == (5 if wanted else 0), ok.stderr
    before = len(_dns_changes(target))
    plane = lifecycle.DataPlaneClient.attach(state)
    plane.call("POST", "/faults", {"region": "us-east-1", "kind": "refuse"})
    try:
        down = once()
        assert down.returncode == 5 and "attention: us-east-1 is down" in down.stderr, down.stderr
        assert _primary_of_name(target) == "eu-west-1", down.stderr
        assert len(_dns_changes(target)[before:]) == 1
        still = once()
        assert still.returncode == 5 and "attention: us-east-1 is down" in still.stderr, still.stderr
        assert len(_dns_changes(target)[before:]) == 1, "a region known down is not failed over again"
    finally:
        plane.call("DELETE", "/faults")
    healed = once()
    assert "us-east-1 is up" in healed.stderr and "attention: us-east-1 is down" not in healed.stderr, healed.stderr
    health = [r["event"] for r in watching.records(state, "drillapp") if r["kind"] == "result" and r["event"]["kind"] == "health"]
    assert [(h["region"], h["to"]) for h in health] == [("us-east-1", "down"), ("us-east-1", "up")]


def test_kill_9_mid_failover_then_resume_changes_the_record_once(target):
    """The watcher waits for a person (replication lag over the RPO): killed
    there, resumed, approved from another process; one record change in all."""
    _home(target)
    state, spec = target["state"], target["dir"]
    plane = lifecycle.DataPlaneClient.attach(state)
    before = len(_dns_changes(target))
    env = dict(os.environ, LIFT_STATE_DIR=str(state))
    cmd = [sys.executable, "-m", "lift", "watch", str(spec), "--format", "json"]
    log = open(state / "watch-test.log", "ab")
    w = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        time.sleep(3)
        plane.call("POST", "/faults", {"region": "us-east-1", "kind": "replication-lag", "ms": 10_000})
        for _ in range(3):
            subprocess.run(["curl", "-s", "-X", "POST", lifecycle.status(state)["dataplane"]["apps"]["drillapp"]["us-east-1"]["url"] + "/items"], capture_output=True)
        time.sleep(2.5)
        plane.call("POST", "/faults", {"region": "us-east-1", "kind": "refuse"})
        deadline = time.time() + 30
        while time.time() < deadline and not watching.awaiting(state, "drillapp"):
            time.sleep(0.2)
        assert watching.awaiting(state, "drillapp"), "no question asked"
        w.send_signal(signal.SIGKILL)
        w.wait()
        assert _dns_changes(target)[before:] == [], "nothing moved before the answer"
        again = subprocess.Popen(cmd + ["--resume", "--break-lock", "--for", "40s"], env=env, stdout=log, stderr=subprocess.STDOUT)
        time.sleep(2)
        ok = subprocess.run([sys.executable, "-m", "lift", "approve", str(spec)], env=env, capture_output=True, text=True)
        assert ok.returncode == 0 and "sent to the watch of drillapp" in ok.stderr, ok.stderr
        deadline = time.time() + 30
        while time.time() < deadline and _primary_of_name(target) != "eu-west-1":
            time.sleep(0.2)
        assert _primary_of_name(target) == "eu-west-1"
        again.send_signal(signal.SIGINT)
        again.wait(timeout=30)
    finally:
        w.kill()
        plane.call("DELETE", "/faults")
    assert len(_dns_changes(target)[before:]) == 1
    records = watching.records(state, "drillapp")
    kinds = [r["kind"] for r in records]
    assert kinds[0] == "started" and "resumed" in kinds
    approvals = [r for r in records if r["kind"] == "control" and r["event"]["kind"] == "approve"]
    assert len(approvals) == 1 and approvals[0]["actor"]["pid"] != records[0]["actor"]["pid"]
    asked = [r for r in records if r["kind"] == "intent" and r["action"]["kind"] == "ask-approval"]
    assert asked and "over the RPO of 2000 ms" in asked[0]["action"]["reason"]


def test_a_burning_slo_pages_escalates_until_acked_resolves_and_freezes_deploys(target):
    """A bug answers 502 to most requests in us-east-1: the live SLO pages
    through PagerDuty's Events API, escalates to the next channel until `lift
    ack` (PagerDuty: acknowledge), freezes `lift deploy` with the reason, and
    once the bug stops, resolves with the same dedup key. SLO time runs 60x."""
    _home(target)
    state, spec, rx = target["state"], target["dir"], target["receiver"]
    rx.requests.clear()
    # A fresh SLO history: the drills before this test answered 503s that burned the budget.
    for f in ("slos.json", "acks.jsonl", "slo-samples.csv"):
        (watching.watch_dir(state, "drillapp") / f).unlink(missing_ok=True)
    (state / "freezes" / "drillapp.json").unlink(missing_ok=True)
    url = lifecycle.status(state)["dataplane"]["apps"]["drillapp"]["us-east-1"]["url"]
    env = dict(os.environ, LIFT_STATE_DIR=str(state))
    log = open(state / "slo-test.log", "ab")
    w = subprocess.Popen([sys.executable, "-m", "lift", "watch", str(spec), "--time-scale", "60", "--for", "120s", "--break-lock"], env=env, stdout=log, stderr=subprocess.STDOUT)
    stop = {"bugs": True}

    def load():
        import urllib.request

        while stop.get("bugs") is not None:
            path = "/boom" if stop["bugs"] else "/health"
            try:
                urllib.request.urlopen(url + path, timeout=5).read()
            except OSError:
                pass
            time.sleep(0.05)

    import threading

    t = threading.Thread(target=load, daemon=True)
    t.start()

    def wait_for(what, check, within=60):
        deadline = time.time() + within
        while time.time() < deadline:
            if check():
                return
            time.sleep(0.25)
        raise AssertionError(f"no {what} within {within}s: {rx.requests}")

    try:
        triggers = lambda: [b for b in rx.at("/pd") if b["event_action"] == "trigger" and b["payload"]["severity"] == "critical"]  # noqa: E731
        wait_for("page", triggers)
        key = triggers()[0]["dedup_key"]
        assert key.startswith("drillapp/slo/availability/us-east-1/")
        wait_for("escalation", lambda: rx.at("/manager"))
        assert rx.at("/manager")[0]["kind"] == "escalation" and rx.at("/manager")[0]["dedup_key"] == key
        # The budget spent freezes deployments, and says whose budget and why.
        d = subprocess.run([sys.executable, "-m", "lift", "deploy", str(spec), "--approve"], env=env, capture_output=True, text=True, timeout=60)
        assert d.returncode == 4 and "frozen by slo availability" in d.stderr and "error budget of availability" in d.stderr, d.stderr
        ack = subprocess.run([sys.executable, "-m", "lift", "ack", str(spec), "--slo", "availability"], env=env, capture_output=True, text=True, timeout=60)
        assert ack.returncode == 0, ack.stderr
        wait_for("acknowledge", lambda: any(b["event_action"] == "acknowledge" and b["dedup_key"] == key for b in rx.at("/pd")))
        stop["bugs"] = False
        wait_for("resolve", lambda: any(b["event_action"] == "resolve" and b["dedup_key"] == key for b in rx.at("/pd")), within=90)
    finally:
        stop["bugs"] = None
        w.send_signal(signal.SIGINT)
        w.wait(timeout=30)
        plane = lifecycle.DataPlaneClient.attach(state)
        plane.call("DELETE", "/faults")
    assert len(rx.at("/manager")) == 1, "escalation stopped at its one step"
    saved = json.loads((watching.watch_dir(state, "drillapp") / "slos.json").read_text())
    assert "availability@us-east-1" in saved["evaluators"], "the budget history is saved for a restart"

    # `lift report` makes the SLA report of what the watches recorded: the SLO's
    # samples with the page that fired, and the region outage's failover.
    r = subprocess.run([sys.executable, "-m", "lift", "report", str(spec), "--format", "json"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    slo = report["slos"][0]
    assert slo["name"] == "availability" and slo["counts"]["total"] > 100 and slo["met"] is False, slo["counts"]
    # The percentile SLO was evaluated live too, one p99 per minute of SLO time, each minute a good slice.
    snappy = next(s for s in report["slos"] if s["name"] == "snappy")
    assert snappy["counts"]["total"] > 10 and snappy["counts"]["good"] == snappy["counts"]["total"] and snappy["met"] is True, snappy
    assert "snappy@us-east-1" in saved["evaluators"] and not snappy["incidents"], snappy
    # The composite was evaluated live: each of its parts' events reached its evaluator.
    parts = saved["evaluators"]["journey@us-east-1"]["parts"]
    assert [p["weight"] for p in parts] == [1, 1] and all(p["tracker"]["cumulative"][1] > 0 for p in parts), parts
    assert any(i["severity"] == "page" for i in slo["incidents"]) and slo["burn_down"][-1][1] < 0, slo["incidents"]
    outage = [f for f in report["failovers"] if f["region"] == "us-east-1" and f["to"] == "eu-west-1"]
    assert outage and outage[0]["rto_ms"] <= outage[0]["rto_objective_ms"] and outage[0]["detected_after_ms"] > 0, report["failovers"]
    html = subprocess.run([sys.executable, "-m", "lift", "report", str(spec), "--format", "html"], env=env, capture_output=True, text=True, timeout=60)
    assert html.returncode == 0 and "<svg" in html.stdout and "<h2>Failovers</h2>" in html.stdout

