"""`lift deploy` carries the plan out on the local target, end to end: the
shop's real code under generated traffic, the gates reading CloudWatch, the
aliases moved through the Lambda API, the journal surviving `kill -9`.

Side effects are counted through the emulator: its record of every alias
change (`alias-history.jsonl`, written inside moto as each change is made)
and CloudFormation's stack events; never through Lift's own journal.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List

import pytest

from lift.local import LocalTarget, lifecycle
from lift.local.traffic import send

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop"
RELEASES = SHOP / "releases"
SCALE = "60"

pytestmark = pytest.mark.skipif(shutil.which("lift") is None and not (Path(sys.executable).parent / "lift").exists(), reason="needs the lift command")


def lift_cmd() -> List[str]:
    return [sys.executable, "-m", "lift"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """Release 1 of the shop on the local target, under steady traffic in both regions."""
    pytest.importorskip("moto")
    state = tmp_path_factory.mktemp("rollout-state")
    up = lifecycle.up(str(SHOP), state)
    stop = threading.Event()

    def customers(url: str) -> None:
        while not stop.is_set():
            send(url, {"GET /orders/{id}": 1.0}, 15, 2.0, params={"id": "o-1"})

    threads = [threading.Thread(target=customers, args=(r["url"],), daemon=True) for r in up["regions"].values()]
    for t in threads:
        t.start()
    yield {"state": state, "target": LocalTarget.attach(state), "up": up}
    stop.set()
    for t in threads:
        t.join(timeout=10)
    kept = tmp_path_factory.mktemp("rollout-logs")
    for log in state.glob("*.log"):
        shutil.copy(log, kept / log.name)
    lifecycle.down(state)


def release(tmp_path: Path, base: str, marker: str) -> Path:
    """A copy of a release's API code with a marker, so its code key (and its version) is new."""
    dst = tmp_path / f"api-{marker}"
    shutil.copytree(RELEASES / base / "api", dst, symlinks=False)
    with open(dst / "app.py", "a") as f:
        f.write(f"\n# {marker}\n")
    return dst


def deploy(state: Path, *args: str, spec: Path = SHOP, **kw) -> subprocess.Popen:
    cmd = lift_cmd() + ["deploy", str(spec), "--state-dir", str(state), "--time-scale", SCALE, "--format", "json", *args]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, **kw)


def lift(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(lift_cmd() + list(args), cwd=ROOT, capture_output=True, text=True, timeout=120)


def alias_changes(state: Path, since: float) -> List[Dict]:
    path = state / "alias-history.jsonl"
    if not path.exists():
        return []
    return [c for c in map(json.loads, path.read_text().splitlines()) if c["t"] >= since]


def routes(changes: List[Dict], region: str, function_part: str) -> List[tuple]:
    return [(c["version"], c["weights"]) for c in changes if c["region"] == region and function_part in c["function"]]


def stack_updates(target, region: str, since: float) -> int:
    """Stack updates CloudFormation began since `since`, from its own events."""
    cfn = target.client("cloudformation", region)
    events = cfn.describe_stack_events(StackName=f"shop-{region}")["StackEvents"]
    return sum(1 for e in events if e.get("LogicalResourceId") == f"shop-{region}" and e["ResourceStatus"] == "UPDATE_IN_PROGRESS" and e["Timestamp"].timestamp() >= since - 1)


def alias_version(target, region: str) -> str:
    lam = target.client("lambda", region)
    api = [f["FunctionName"] for f in lam.list_functions()["Functions"] if "ApiFunction" in f["FunctionName"]][0]
    return lam.get_alias(FunctionName=api, Name="live")["FunctionVersion"]


def records_until(proc: subprocess.Popen, want, timeout: float = 300) -> List[Dict]:
    """Journal records from `lift deploy --format json` until `want(record)` holds."""
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        r = json.loads(line)
        seen.append(r)
        if want(r):
            return seen
    raise AssertionError(f"never saw the record wanted; saw:\n{shown(seen)}\nstderr: {proc.stderr.read()[-2000:] if proc.poll() is not None else ''}")


def shown(lines: List[Dict]) -> str:
    """Every result, and every measurement of a gate that did not pass in full (a list would be cut short by
    pytest), for the message of a rollout that ended otherwise than the test expected."""
    return "\n".join(
        f"{l['event']['kind']} {l['event'].get('verdict') or ''} "
        + (json.dumps(l["event"].get("evidence", {}).get("measurements")) if l["event"].get("verdict") not in (None, "pass") else "")
        for l in lines
        if l.get("kind") == "result"
    )


def finish(proc: subprocess.Popen, timeout: float = 400) -> tuple:
    out, err = proc.communicate(timeout=timeout)
    lines = [json.loads(l) for l in out.splitlines() if l.strip()]
    return proc.returncode, lines, err


def test_a_failing_canary_rolls_back_and_only_its_planned_weight_ever_served(shop, tmp_path):
    state, target = shop["state"], shop["target"]
    code = release(tmp_path, "2.0.0-regression", "regression")
    before_east, before_west = alias_version(target, "us-east-1"), alias_version(target, "eu-west-1")
    t0 = time.time()
    rc, lines, err = finish(deploy(state, "--code", f"api={code}", "--approve"))
    assert rc == 3, err
    summary = lines[-1]
    assert summary["kind"] == "summary" and summary["outcome"] == "rolled-back", summary
    gates = [l for l in lines if l.get("kind") == "result" and l["event"]["kind"] == "gate"]
    assert gates and gates[-1]["event"]["verdict"] == "fail", gates
    failed = gates[-1]["event"]["evidence"]["measurements"]
    rate = [m for m in failed if m["what"] == "error rate" and m["scope"] == "us-east-1"][0]
    assert rate["value"] > 0.01 and rate["counts"][0] > 0, rate
    # The emulator's own record: in us-east-1 the canary's 10% and then everything back; nothing else.
    changes = alias_changes(state, t0)
    east = routes(changes, "us-east-1", "ApiFunction")
    # The canary's weights as the plan gives them (10%, then 50% if the first gate saw no failure
    # among its few requests), then everything back at once; nothing else, and no weight twice.
    weights = [sorted(w.values()) for _, w in east]
    assert weights in ([[0.1], []], [[0.1], [0.5], []]), east
    assert all(v == before_east for v, _ in east), east
    assert routes(changes, "eu-west-1", "ApiFunction") == [], "the rollout never reached the second wave"
    assert alias_version(target, "us-east-1") == before_east and alias_version(target, "eu-west-1") == before_west
    assert stack_updates(target, "us-east-1", t0) == 1 and stack_updates(target, "eu-west-1", t0) == 0
    status = lift("status", str(SHOP), "--state-dir", str(state), "--format", "json")
    assert status.returncode == 0 and json.loads(status.stdout)["status"]["outcome"]["kind"] == "rolled-back", status.stdout


def test_kill_9_twice_then_resume_repeats_no_side_effect(shop, tmp_path):
    state, target = shop["state"], shop["target"]
    code = release(tmp_path, "2.0.1", "killed")
    t0 = time.time()
    first = deploy(state, "--code", f"api={code}", "--approve", start_new_session=True)
    # First stop: right after the canary's first weight is in place.
    records_until(first, lambda r: r.get("kind") == "result" and r["event"]["kind"] == "weight-set")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    again = lift("deploy", str(SHOP), "--state-dir", str(state), "--approve")
    assert again.returncode == 1 and "holds the lock" in again.stderr and "stale" in again.stderr, again.stderr
    # Second stop: once the second wave's deploy has been reported.
    second = deploy(state, "--code", f"api={code}", "--approve", "--resume", "--break-lock", start_new_session=True)
    records_until(second, lambda r: r.get("kind") == "result" and r["event"] == {"kind": "deployed", "region": "eu-west-1"})
    os.killpg(second.pid, signal.SIGKILL)
    second.wait()
    rc, lines, err = finish(deploy(state, "--code", f"api={code}", "--approve", "--resume", "--break-lock"))
    assert rc == 0, shown(lines) + err
    assert lines[-1]["outcome"] == "promoted", lines[-1]
    resumed = [l for l in lines if l.get("kind") == "resumed"]
    assert resumed, "the journal says it picked up where it stopped"
    changes = alias_changes(state, t0)
    for region in ("us-east-1", "eu-west-1"):
        seq = routes(changes, region, "ApiFunction")
        # Every weight the plan allows, once each, and nothing else: 10%, 50%, then all on the new version.
        assert [sorted(w.values()) for _, w in seq] == [[0.1], [0.5], []], (region, seq)
        new = list(seq[0][1])[0]
        assert seq[-1][0] == new and alias_version(target, region) == new
        assert stack_updates(target, region, t0) == 1, region
    hist = lift("history", str(SHOP), "--state-dir", str(state), "--format", "json")
    assert hist.returncode == 0 and json.loads(hist.stdout)[-1]["outcome"] == "promoted"


def test_an_approval_from_another_process_is_honoured_and_journaled_with_its_actor(shop, tmp_path):
    state = shop["state"]
    code = release(tmp_path, "2.0.1", "approved")
    proc = deploy(state, "--code", f"api={code}")
    records_until(proc, lambda r: r.get("kind") == "intent" and r["action"]["kind"] == "ask-approval" and r["action"].get("planned"))
    second = lift("deploy", str(SHOP), "--state-dir", str(state))
    assert second.returncode == 1 and "holds the lock" in second.stderr and f"PID {proc.pid}" in second.stderr, second.stderr
    ok = lift("approve", str(SHOP), "--state-dir", str(state))
    assert ok.returncode == 0, ok.stderr
    rc, lines, err = finish(proc)
    assert rc == 0 and lines[-1]["outcome"] == "promoted", shown(lines) + err
    controls = [l for l in lines if l.get("kind") == "control"]
    assert controls and controls[0]["event"] == {"kind": "approve"} and controls[0]["actor"]["pid"] != proc.pid, controls
    audit = json.loads(lift("history", str(SHOP), "--state-dir", str(state), "--audit", "--format", "json").stdout)
    assert any(a["what"] == "approved" and f"pid {controls[0]['actor']['pid']}" in a["who"] for a in audit), audit


def test_a_deploy_failing_in_the_second_wave_rolls_the_first_back(shop, tmp_path):
    state, target = shop["state"], shop["target"]
    code = release(tmp_path, "2.0.1", "second-wave-breaks")
    before = alias_version(target, "us-east-1")
    t0 = time.time()
    proc = deploy(state, "--code", f"api={code}", "--approve")
    records_until(proc, lambda r: r.get("kind") == "result" and r["event"] == {"kind": "deployed", "region": "us-east-1"})
    # Break the second wave: the bucket its template (over the inline limit) is uploaded to is gone.
    s3 = target.client("s3", "eu-west-1")
    bucket = "lift-templates-shop-eu-west-1"
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=o["Key"])
    s3.delete_bucket(Bucket=bucket)
    rc, lines, err = finish(proc)
    assert rc == 3, err
    failed = [l for l in lines if l.get("kind") == "result" and l["event"]["kind"] == "deploy-failed"]
    assert failed and failed[0]["event"]["region"] == "eu-west-1", shown(lines)
    east = routes(alias_changes(state, t0), "us-east-1", "ApiFunction")
    # The first wave was promoted (10%, 50%, all), then put back at once when the second failed.
    assert [sorted(w.values()) for _, w in east] == [[0.1], [0.5], [], []], east
    assert east[-1][0] == before and alias_version(target, "us-east-1") == before
    assert lines[-1]["outcome"] == "rolled-back" and "eu-west-1" in json.dumps(lines[-1]["status"]["decisions"]), lines[-1]
    assert "NoSuchBucket" in failed[0]["event"]["reason"] or "bucket" in failed[0]["event"]["reason"], failed[0]


def test_a_hostile_strategy_plugin_ends_the_rollout_rolled_back_naming_itself_and_its_limit(shop, tmp_path):
    state, target = shop["state"], shop["target"]
    hostile = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "lift-test-plugins" / "hostile-strategy.toml"
    if not hostile.exists():
        pytest.skip("scripts/build-plugins builds the hostile plugins")
    code = release(tmp_path, "2.0.1", "hostile-strategy")
    # The spec names the plugin (`rollout.plugin`), as a user would.
    spec = tmp_path / "shop"
    shutil.copytree(SHOP, spec, ignore=shutil.ignore_patterns("releases"))
    text = (spec / "lift.yaml").read_text()
    (spec / "lift.yaml").write_text(text.replace("rollout:\n", f"rollout:\n  plugin: {hostile}\n", 1))
    plan = lift("plan", str(spec))
    assert f"decided by the strategy plugin `{hostile}`" in plan.stdout, plan.stdout + plan.stderr
    before = alias_version(target, "us-east-1")
    t0 = time.time()
    rc, lines, err = finish(deploy(state, "--code", f"api={code}", "--approve", spec=spec))
    assert rc == 3, err
    reason = lines[-1]["status"]["outcome"]["reason"]
    assert "plugin `hostile-strategy` hit its fuel budget" in reason and "in `decide`" in reason, reason
    east = routes(alias_changes(state, t0), "us-east-1", "ApiFunction")
    assert [sorted(w.values()) for _, w in east] == [[0.1], []] and east[-1][0] == before, east


def test_an_emulator_restarted_mid_rollout_ends_it_rolled_back_with_the_reason_never_half_shifted(shop, tmp_path):
    """Last of the module: the restarted emulator keeps none of the shop (moto has no state across a restart)."""
    state, target = shop["state"], shop["target"]
    code = release(tmp_path, "2.0.1", "restarted")
    proc = deploy(state, "--code", f"api={code}", "--approve")
    records_until(proc, lambda r: r.get("kind") == "result" and r["event"] == {"kind": "weight-set", "region": "us-east-1", "weight_ppm": 100000})
    info = json.loads((state / "emulator.json").read_text())
    os.kill(int(info["pid"]), signal.SIGKILL)
    deadline = time.time() + 10
    while time.time() < deadline and subprocess.run(["kill", "-0", str(info["pid"])], capture_output=True).returncode == 0:
        time.sleep(0.1)
    restarted = LocalTarget(int(info["port"])).start(log=state / "emulator.log")
    (state / "emulator.json").write_text(json.dumps({"pid": restarted.pid, "port": restarted.port, "url": restarted.url}))
    since = time.time()
    rc, lines, err = finish(proc)
    assert rc == 3, err
    outcome = lines[-1]["status"]["outcome"]
    assert outcome["kind"] == "rolled-back", outcome
    assert "stack shop-us-east-1 no longer exists in us-east-1" in outcome["reason"] and "restarted without its state" in outcome["reason"], outcome
    # Never half-shifted: the restarted emulator saw no alias change and has no function whose traffic could be split.
    assert alias_changes(state, since) == []
    for region in ("us-east-1", "eu-west-1"):
        assert target.client("lambda", region).list_functions()["Functions"] == [], region
