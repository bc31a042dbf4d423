"""What a person sees of a rollout: the text lines and, on a terminal, the
live view (rich), fed the records the runner writes."""

from __future__ import annotations

import io
import json

import lift
from lift import rollout

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def rec(kind, status_step=1, weights=None, **fields):
    return json.dumps({"kind": kind, "seq": 0, "at": 0, "wall_ms": 0, "actor": {"user": "ada", "host": "h", "pid": 7}, "status": {"step": status_step, "steps": 8, "phase": "baking", "paused": False, "weights": weights or {}, "outcome": None, "decisions": []}, **fields})


def test_the_live_view_shows_each_region_its_weight_its_bake_and_its_last_verdict():
    from rich.console import Console

    plan = lift.load(ROOT / "examples" / "shop").plan()
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200, color_system=None)
    view = rollout.LiveView(out, plan, 60, console=console)
    view.record(rec("intent", action={"kind": "set-weight", "region": "us-east-1", "weight_ppm": 100000}))
    view.record(rec("result", weights={"us-east-1": 100000}, event={"kind": "weight-set", "region": "us-east-1", "weight_ppm": 100000}, answers="r-1"))
    gate = {"kind": "gate", "step": 1, "verdict": "fail", "evidence": {"summary": "error rate in us-east-1 over 5m: 20% (1 bad of 5) > 1%", "measurements": [{"what": "error rate", "scope": "us-east-1", "value": 0.2, "threshold": 0.01, "comparison": "at-most", "unit": "ratio"}]}}
    view.record(rec("result", weights={"us-east-1": 100000}, event=gate, answers="r-2"))
    console.print(view.render())
    text = out.getvalue()
    assert "-> us-east-1: shift 10% of traffic to the new version" in text, text
    row = [l for l in text.splitlines() if l.strip().startswith("us-east-1") and "10%" in l]
    assert row and "fail: error rate in us-east-1 over 5m: 20% (1 bad of 5) > 1%" in row[-1], text
    assert any(l.strip().startswith("eu-west-1") and " 0% " in l + " " for l in text.splitlines()), text
    assert "plan: [#>......] step 2 of 8" in text, text


def test_record_lines_say_who_and_what_and_the_summary_has_the_evidence():
    start = json.loads(rec("started", rollout="r", app="shop", version="1.4.2", time_scale=60))
    assert rollout.record_text(start) == "rollout r of shop 1.4.2 started by ada@h (pid 7), 60x faster than the plan (--time-scale)"
    control = json.loads(rec("control", event={"kind": "approve"}))
    assert rollout.record_text(control) == "approved by ada@h (pid 7)"
    ask = json.loads(rec("intent", action={"kind": "ask-approval", "step": 4, "reason": "wave 2", "planned": True}))
    assert rollout.record_text(ask) == "waiting: approval before step 5: wave 2 (answer with `lift approve` or `lift abort`)"
    last = {"status": {"outcome": {"kind": "rolled-back", "reason": "gate of step 2 failed"}, "weights": {"us-east-1": 0}, "decisions": [{"step": 1, "decision": "roll back", "evidence": {"summary": "error rate 20% > 1%"}}]}}
    text = rollout.summary(last, {"app": "shop", "version": "1.4.2", "fastest_promotion_ms": 3_540_000}, 10.5, 60, __import__("pathlib").Path("j.jsonl"))
    assert "outcome: rolled back: gate of step 2 failed" in text and "step 2: roll back: error rate 20% > 1%" in text
    assert "took 10.5s; the plan's fastest promotion is 59.0s at 60x" in text


def test_each_code_key_parameter_of_a_template_takes_its_functions_package():
    from lift import package as packaging

    shop = ROOT / "examples" / "shop"
    app = lift.load(shop)
    pkgs = packaging.packages(app, shop)
    template = app.synth("cloudformation", region="us-east-1")
    got = packaging.code_parameters(app, template, pkgs)
    # The names the template declares (`ApiCodeKey`), each with its own function's package.
    assert {name: p.function for name, p in got.items()} == {"ApiCodeKey": "api", "WorkerCodeKey": "worker"}
    assert packaging.code_parameters(app, template, {}) == {"ApiCodeKey": None, "WorkerCodeKey": None}


def test_a_frozen_app_is_refused_before_anything_starts_naming_each_freeze(run, tmp_path):
    """The file the watcher writes while it fails over: `lift deploy` exits 4,
    names who froze the app, since when and why, and starts no target."""
    freezes = tmp_path / "freezes" / "shop.json"
    freezes.parent.mkdir(parents=True)
    actor = {"user": "ops", "host": "watch-1", "pid": 4121}
    freezes.write_text(
        json.dumps(
            [
                {"by": "failover", "reason": "us-east-1 is down: 3 of 3 vantage points failing", "actor": actor, "since_ms": 1796640062000},
                {"by": "slo availability", "reason": "the error budget is spent", "actor": actor, "since_ms": 1796640000000},
            ]
        )
    )
    r = run("deploy", ROOT / "examples" / "shop", "--state-dir", tmp_path, "--approve")
    assert r.returncode == 4, r.stderr
    assert "deployments of shop are frozen" in r.stderr
    assert "frozen by failover since 2026-12-07T10:41:02Z (ops on watch-1, PID 4121): us-east-1 is down" in r.stderr
    assert "frozen by slo availability since 2026-12-07T10:40:00Z" in r.stderr
    assert not (tmp_path / "emulator.json").exists() and not list(tmp_path.rglob("journal.jsonl"))
