"""`lift drill --live`: a region-loss rehearsal against the running local
target. The fault goes into the local data plane, a watcher (started for the
drill) detects it and fails over for real, a client of the app's DNS name
measures what its users would see, and the ledger's measured detection time
and RTO are printed against the spec's objectives, the detection bound, and
the simulator's drill of the same scenario.

Scenarios:

- `region-outage`: the primary refuses every connection;
- `partial`: it refuses one vantage point's (no failover is right);
- `flapping`: it fails and recovers faster than `failures` probes (no failover is right);
- `slow`: it answers later than the probe's timeout;
- `replication-lag`: its writes reach the standby three RPOs late, then it
  refuses connections: a person is asked before the promotion (`lift approve`,
  or `--approve` for the drill's own word).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from . import _lift
from . import watch as watching

SCENARIOS = ("region-outage", "partial", "flapping", "slow", "replication-lag")
# The simulator's name for a live scenario it also models.
SIMULATED = {"region-outage": "region-outage", "partial": "partial", "flapping": "flapping", "replication-lag": "replication-lag", "slow": "region-outage"}


class Client:
    """Requests to the app's DNS name, every `every` seconds: when, what status, which region answered."""

    def __init__(self, url: str, every: float = 0.1):
        self.url, self.every = url, every
        self.samples: List[Tuple[float, int, str]] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, name="drill-client", daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            at = time.time()
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    self.samples.append((at, r.status, r.headers.get("x-lift-region", "")))
            except urllib.error.HTTPError as e:
                self.samples.append((at, e.code, e.headers.get("x-lift-region", "")))
            except OSError:
                self.samples.append((at, 0, ""))

    def stop(self) -> None:
        self._stop.set()
        self._t.join(timeout=5)


def _fault(plane, body: Dict[str, Any]) -> str:
    return plane.call("POST", "/faults", body)["described"]


def _seconds(ms: Optional[int]) -> str:
    return "-" if ms is None else f"{ms / 1000:.2f}s"


def run(app, state: Path, scenario: str, printer: watching.Printer, *, approve: bool = False, timeout_s: Optional[float] = None) -> Dict[str, Any]:
    """Run the live drill of `scenario`; the measurements (also printed by `text`)."""
    from .local import LocalTarget, lifecycle

    if scenario not in SCENARIOS:
        raise ValueError(f"scenario `{scenario}` is not one of {', '.join(SCENARIOS)}")
    target = LocalTarget.attach(state)
    plane = lifecycle.DataPlaneClient.attach(state)
    if target is None or plane is None:
        raise watching.WatchError(f"no local target runs (state directory {state}); `lift local up SPEC` first")
    settings = target.settings()
    conf = watching.setup(app, state, "local", settings)
    name = lifecycle.name_url(state, app.name)
    if not name:
        raise watching.WatchError(f"{app.name} has no `recovery.dns` name: a drill measures what a client of the name sees")
    recovery = app.resolved()["recovery"]
    probe = recovery["probe"]
    interval_ms, timeout_ms = conf["probe_interval_ms"], conf["probe_timeout_ms"]
    failures = int(probe["failures"])
    # The simulator's drill of the same scenario, printed beside; it also gives the core's detection bound.
    sim = json.loads(app._drill(SIMULATED[scenario], "1h", "json"))
    bound_ms = sim["detection_bound_ms"]
    rpo_ms = _lift.duration_ms(str(recovery["rpo"]))
    serving = conf["serving"] or conf["regions"][0]
    other = next(r for r in conf["regions"] if r != serving)
    expect_failover = scenario in ("region-outage", "slow", "replication-lag")
    wait_s = timeout_s or (bound_ms * 3 + _lift.duration_ms(str(recovery["rto"]))) / 1000
    if not expect_failover:
        wait_s = timeout_s or bound_ms * 4 / 1000

    stop = threading.Event()
    outcome: Dict[str, Any] = {}

    def watch() -> None:
        try:
            outcome["last"] = watching.run(app, state, "local", settings, printer, stop=stop.is_set)
        except Exception as e:  # noqa: BLE001 - reported after the drill
            outcome["error"] = e

    watcher = threading.Thread(target=watch, name="drill-watch", daemon=True)
    watcher.start()
    client = Client(name + probe["path"])
    printer.note(f"drill {scenario}: {app.name} serves from {serving}; a client asks {name}{probe['path']} every 0.1 s")
    time.sleep(max(3.0, 3 * interval_ms / 1000))
    if "error" in outcome:
        client.stop()
        raise outcome["error"]
    if scenario == "replication-lag":
        printer.note(_fault(plane, {"region": serving, "kind": "replication-lag", "ms": rpo_ms * 3}))
        # Writes the standby has not seen yet: what the lag costs.
        for _ in range(3):
            try:
                urllib.request.urlopen(urllib.request.Request(conf["endpoints"][serving] + "/orders", data=b'{"customer_id": "drill", "items": []}', method="POST"), timeout=5).read()
            except OSError:
                pass
        time.sleep(2.5)
    body: Dict[str, Any] = {"region": serving, "kind": "refuse"}
    if scenario == "partial":
        body["vantage"] = conf["vantage_points"][0]
    elif scenario == "flapping":
        body = {"region": serving, "kind": "flap", "period_s": max(0.1, interval_ms * (failures - 1) / 2000)}
    elif scenario == "slow":
        body = {"region": serving, "kind": "latency", "ms": timeout_ms + 1000}
    injected = time.time()
    printer.note(f"fault: {_fault(plane, body)}")
    asked = False
    deadline = time.time() + wait_s
    ledger: List[Dict[str, Any]] = []
    while time.time() < deadline and watcher.is_alive():
        time.sleep(0.2)
        recs = watching.records(state, app.name)
        st = recs[-1]["status"] if recs else {}
        ledger = st.get("ledger") or []
        if st.get("phase") == "awaiting approval" and not asked:
            asked = True
            if approve:
                watching.control(state, app.name, "approve")
                printer.note("the drill approves the promotion (--approve)")
        if expect_failover and ledger and ledger[-1]["outcome"] != "in progress":
            break
    if expect_failover and ledger and ledger[-1].get("shifted_at") is not None:
        # Until a client of the name is served by the standby (a resolver caches the records a moment).
        until = time.time() + 10
        while time.time() < until and not any(s[1] == 200 and s[2] == other for s in client.samples if s[0] >= injected):
            time.sleep(0.1)
    plane.call("DELETE", f"/faults?region={serving}")
    printer.note(f"healed {serving}")
    time.sleep(1.0)
    client.stop()
    stop.set()
    watcher.join(timeout=30)
    incident = ledger[-1] if ledger else None
    samples = [s for s in client.samples if s[0] >= injected]
    first_bad = next((s for s in samples if s[1] != 200 or s[2] != serving), None)
    first_other = next((s for s in samples if s[1] == 200 and s[2] == other), None)
    failed = sum(1 for s in samples if s[1] != 200)
    measured = {
        "scenario": scenario,
        "from": serving,
        "to": other,
        "failed_over": bool(incident and incident.get("shifted_at") is not None),
        "detection_ms": incident["detected_at"] - incident["first_failure_at"] if incident else None,
        "detection_bound_ms": bound_ms,
        "rto_ms": incident.get("rto_ms") if incident else None,
        "rto_objective_ms": _lift.duration_ms(str(recovery["rto"])),
        "data_loss_ms": incident.get("data_loss_ms") if incident else None,
        "outcome": incident["outcome"] if incident else "no failover",
        "client": {
            "requests": len(samples),
            "failed": failed,
            "first_failure_s": round(first_bad[0] - injected, 3) if first_bad else None,
            "first_from_standby_s": round(first_other[0] - injected, 3) if first_other else None,
        },
        "asked_a_person": asked,
        "simulated": {"rto_ms": (sim["ledger"][-1].get("rto_ms") if sim["ledger"] else None), "detection_ms": (sim["ledger"][-1]["detected_at"] - sim["ledger"][-1]["first_failure_at"]) if sim["ledger"] else None, "failed_over": bool(sim["ledger"])},
        "journal": str(watching.watch_dir(state, app.name) / "journal.jsonl"),
    }
    return measured


def text(m: Dict[str, Any]) -> str:
    """The drill's measurements, for a person."""
    c = m["client"]
    lines = [f"live drill {m['scenario']}: traffic was on {m['from']}"]
    if m["failed_over"]:
        met = "met" if m["rto_ms"] is not None and m["rto_ms"] <= m["rto_objective_ms"] else "MISSED"
        lines.append(f"  detected {_seconds(m['detection_ms'])} after the first failed probe (bound {_seconds(m['detection_bound_ms'])})")
        lines.append(f"  RTO {_seconds(m['rto_ms'])} (objective {_seconds(m['rto_objective_ms'])}: {met}); data-loss window {m['data_loss_ms'] if m['data_loss_ms'] is not None else '-'} ms")
        lines.append(
            f"  a client of the name: first failure {c['first_failure_s']}s after the fault, first answer from {m['to']} at {c['first_from_standby_s']}s; "
            f"{c['failed']} of {c['requests']} requests failed"
        )
    else:
        lines.append(f"  no failover ({m['outcome']}); a client of the name: {c['failed']} of {c['requests']} requests failed")
    if m["asked_a_person"]:
        lines.append("  a person was asked before the promotion")
    s = m["simulated"]
    if s["failed_over"]:
        lines.append(f"  the simulator, same scenario: detected {_seconds(s['detection_ms'])}, RTO {_seconds(s['rto_ms'])}")
    else:
        lines.append("  the simulator, same scenario: no failover")
    lines.append(f"  journal: {m['journal']}")
    return "\n".join(lines) + "\n"
