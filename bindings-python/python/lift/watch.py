"""`lift watch`: the app's regions probed from several vantage points, a failed
region detected within seconds, and the failover machine's runbook carried
out for real (freeze deployments, check the standby's replication lag, shift
the DNS name's traffic, verify, notify, unfreeze; fail back later).

The watcher itself is Rust (`lift-host`'s `watch`: probe threads, the
detector, the failover machine, the journal); this module finds what it
watches and shows what it does. Where things live, under the state directory:

    watch/<app>/lock            who is watching the app now
    watch/<app>/journal.jsonl   every health change, runbook intent and result, fsync'd
    watch/<app>/controls.jsonl  approve/deny from other processes
    watch/<app>/slos.json       the live SLOs' evaluators (budget history), saved every round
    watch/<app>/slo-samples.csv every point the live SLOs read (`time_ms,slo,good,total`), for `lift report`
    watch/<app>/journal-<ms>.jsonl  the journals of earlier watches (their ledgers, for `lift report`)
    watch/<app>/acks.jsonl      `lift ack`: acknowledged alerts stop escalating
    freezes/<app>.json          the freeze the runbook sets while it fails over
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, TextIO

from . import _lift
from .rollout import freezes_file, who


class WatchError(_lift.RolloutError):
    """The app cannot be watched as asked (no recovery section, nothing deployed)."""


def watch_dir(state: Path, app: str) -> Path:
    return state / "watch" / app


def _pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[-_]", name) if p)


def setup(app, state: Path, target: str, settings: Dict[str, str]) -> Dict[str, Any]:
    """What the watcher needs: each region's endpoint, the DNS name's zone,
    the global tables' names, the probe's settings, the freeze file."""
    from . import plugins

    resolved = app.resolved()
    recovery = resolved.get("recovery")
    if not recovery:
        raise WatchError(f"{app.name} has no `recovery` section: there is nothing to watch for")
    probe = recovery["probe"]
    regions = list(app.regions)
    deployer = plugins.Deployer(
        "cloudformation",
        endpoint=settings.get("endpoint"),
        access_key_id=settings.get("access-key-id"),
        secret_access_key=settings.get("secret-access-key"),
        session_token=settings.get("session-token"),
    )
    outputs: Dict[str, Dict[str, str]] = {}
    for region in regions:
        stack = f"{app.name}-{region}"
        try:
            outputs[region] = deployer.describe(stack, region)["outputs"]
        except plugins.PluginError as e:
            raise WatchError(f"{stack} is not deployed in {region} ({e}); deploy the app first (`lift local up` or `lift deploy`)") from None
    dns = None
    if target == "local":
        from .local import LocalTarget, _read

        served = (_read(state / "apps.json") or {}).get(app.name, {}).get("regions", {})
        missing = [r for r in regions if r not in served]
        if missing:
            raise WatchError(f"the local target serves no {app.name} in {', '.join(missing)}; `lift local up {app.name}` first")
        endpoints = {r: served[r]["url"] for r in regions}
        t = LocalTarget.attach(state)
        zone = t.zone(app) if t else None
        dns = list(zone) if zone else None
    else:
        endpoints = {r: outputs[r].get("HttpApiUrl", "") for r in regions}
        if recovery.get("dns"):
            dns = [recovery["dns"]["zone_id"], recovery["dns"]["name"]]
    primary = outputs[regions[0]]
    tables = [primary[f"{_pascal(t)}TableName"] for t, spec in (resolved.get("tables") or {}).items() if spec.get("replicas") and f"{_pascal(t)}TableName" in primary]
    serving = None
    if dns:
        records = plugins.Dns("route53", endpoint=settings.get("endpoint"), access_key_id=settings.get("access-key-id"), secret_access_key=settings.get("secret-access-key"), session_token=settings.get("session-token")).records(dns[0], dns[1])
        if records:
            serving = max(records, key=lambda r: r["weight_ppm"])["region"]
    agreeing, of = (int(x) for x in str(probe["quorum"]).split("/"))
    interval = _lift.duration_ms(str(probe["interval"]))
    timeout = _lift.duration_ms(str(probe["timeout"]))
    return {
        "app": app.name,
        "regions": regions,
        "endpoints": endpoints,
        "probe_path": probe["path"],
        "probe_timeout_ms": timeout,
        "probe_interval_ms": interval,
        "quorum": agreeing,
        "vantage_points": [f"vp-{i}" for i in range(1, of + 1)],
        "verify_within_ms": _lift.duration_ms(str(recovery["rto"])),
        "dns": dns,
        "tables": tables,
        "freezes": str(freezes_file(state, app.name)),
        "serving": serving,
        "outputs": {r: dict(outputs[r]) for r in regions},
    }


def event_text(e: Dict[str, Any]) -> Optional[str]:
    kind = e.get("kind")
    if kind == "health":
        state = "DOWN" if e["to"] == "down" else "up"
        open_ = " (every region looks down: failing open, nothing moves)" if e.get("fail_open") else ""
        return f"{e['region']} is {state}: {e['evidence']}{open_}"
    if kind == "step-done":
        return None
    if kind == "step-failed":
        return f"the step failed: {e['reason']}"
    if kind == "replication-lag":
        lag = "unknown (no measurement)" if e.get("lag_ms") is None else f"{e['lag_ms']} ms"
        return f"replication lag toward {e['region']}: {lag}"
    if kind in ("approve", "deny"):
        return f"{kind}d"
    if kind == "slo":
        return f"SLO {e['slo']} in {e['region']} {'pages' if e['paging'] else 'stopped paging'}: {e['evidence']['summary']}"
    return kind


def action_text(a: Dict[str, Any]) -> str:
    kind = a["kind"]
    if kind == "shift-traffic":
        return "shift traffic: " + ", ".join(f"{r} {w / 10_000:g}%" for r, w in a["weights"])
    if kind == "freeze-deployments":
        return "freeze deployments" + (" (the rollout halts)" if a.get("halt_rollout") else "")
    if kind in ("check-replication", "promote-data", "scale-up", "restore-backup", "verify"):
        return f"{kind.replace('-', ' ')} {a['region']}"
    if kind == "notify":
        return f"notify: {a['message']}"
    if kind == "ask-approval":
        return f"ask a person: {a['reason']}"
    return kind.replace("-", " ")


def record_text(r: Dict[str, Any]) -> Optional[str]:
    kind = r["kind"]
    if kind == "started":
        return f"watching {r['app']} in {', '.join(r['regions'])}, started by {who(r['actor'])}"
    if kind == "resumed":
        owed = ", ".join(action_text(a) for a in r["outstanding"]) or "nothing"
        return f"resumed by {who(r['actor'])}; owed: {owed}"
    if kind == "intent":
        # A notice is printed as the world gives it.
        return None if r["action"]["kind"] == "notify" else f"-> {action_text(r['action'])}"
    if kind == "result":
        return event_text(r["event"])
    if kind == "control":
        return f"{who(r['actor'])}: {event_text(r['event'])}"
    if kind == "retry":
        return f"   retry {r['attempt']} of {action_text(r['action'])}: {r['error']}"
    return None


def incident_text(i: Dict[str, Any]) -> str:
    def at(ms: Optional[int]) -> str:
        return "-" if ms is None else f"{(ms - i['first_failure_at']) / 1000:.2f}s"

    rto = "-" if i.get("rto_ms") is None else f"{i['rto_ms'] / 1000:.2f}s"
    loss = "-" if i.get("data_loss_ms") is None else f"{i['data_loss_ms']} ms"
    return (
        f"{i['region']} -> {i['to']}: detected {at(i['detected_at'])}, shifted {at(i.get('shifted_at'))}, "
        f"serving {at(i.get('healthy_at'))} after the first failed probe; RTO {rto} (objective {i['rto_objective_ms'] / 1000:g}s), "
        f"data-loss window {loss} (RPO {i['rpo_objective_ms'] / 1000:g}s): {i['outcome']}"
    )


class Printer:
    """Each record as a line (text) or a JSON object (json)."""

    def __init__(self, out: TextIO, fmt: str = "text"):
        self.out, self.fmt = out, fmt
        self.lock = threading.Lock()
        self.last: Optional[Dict[str, Any]] = None

    def record(self, text: str) -> None:
        r = json.loads(text)
        self.last = r
        with self.lock:
            if self.fmt == "json":
                self.out.write(json.dumps({"kind": "record", **r}) + "\n")
            else:
                line = record_text(r)
                if line:
                    self.out.write(line + "\n")
            self.out.flush()

    def note(self, text: str) -> None:
        with self.lock:
            self.out.write(json.dumps({"kind": "note", "text": text}) + "\n" if self.fmt == "json" else f"   {text}\n")
            self.out.flush()


def slo_setup(app, state: Path, target: str, conf: Dict[str, Any], time_scale: int) -> Optional[Dict[str, Any]]:
    """What the live SLOs read (each region's HTTP API ID) and where their state goes; None without SLOs or an API."""
    if not app.resolved().get("slos") or not app.resolved().get("http"):
        return None
    api_ids: Dict[str, str] = {}
    if target == "local":
        from .local import lifecycle

        served = lifecycle.status(state)["dataplane"]["apps"].get(app.name, {})
        api_ids = {r: v["api_id"] for r, v in served.items() if v.get("api_id")}
    else:
        for r, url in conf["endpoints"].items():
            m = re.match(r"https://([a-z0-9]+)\.execute-api\.", url or "")
            if m:
                api_ids[r] = m.group(1)
    d = watch_dir(state, app.name)
    return {
        "app": app.name,
        "api_ids": api_ids,
        "stage": "$default",
        "time_scale": max(1, time_scale),
        "state": str(d / "slos.json"),
        "acks": str(d / "acks.jsonl"),
        "freezes": conf["freezes"],
    }


def ack(state: Path, app: str, slo: Optional[str] = None, region: Optional[str] = None) -> Path:
    """Acknowledge the firing alerts of `app` (of one SLO, in one region): escalation stops."""
    import getpass
    import os
    import socket
    import time

    path = watch_dir(state, app) / "acks.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"slo": slo, "region": region, "actor": {"user": getpass.getuser(), "host": socket.gethostname(), "pid": os.getpid()}, "wall_ms": int(time.time() * 1000)}
    with open(path, "a") as f:
        f.write(json.dumps(line) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return path


def run(
    app,
    state: Path,
    target: str,
    settings: Dict[str, str],
    printer: Printer,
    *,
    resume: bool = False,
    break_lock: bool = False,
    stop: Optional[Callable[[], bool]] = None,
    time_scale: int = 1,
    once: bool = False,
) -> Dict[str, Any]:
    """Watch `app` until `stop()` says so (or Ctrl-C); the last record.
    `once`: one round of probes (enough for the detector to decide), one SLO
    evaluation, what they call for carried out, going on with the journal."""
    from . import plugins

    conf = setup(app, state, target, settings)
    d = watch_dir(state, app.name)
    d.mkdir(parents=True, exist_ok=True)
    slos = slo_setup(app, state, target, conf, time_scale)
    last = _lift.watch_run(
        app._inner,
        json.dumps(conf),
        str(d),
        str(plugins.resolve("http-prober")),
        str(plugins.resolve("cloudwatch")),
        sorted((k, v) for k, v in settings.items() if k != "template-bucket"),
        dns=str(plugins.resolve("route53")) if conf["dns"] else None,
        resume=resume,
        break_lock=break_lock,
        on_record=printer.record,
        on_note=printer.note,
        stop=stop,
        notifier=str(plugins.resolve("webhook")) if app.resolved().get("notify") else None,
        slos=json.dumps(slos) if slos else None,
        once=once,
        deployer=str(plugins.resolve("cloudformation")),
    )
    return json.loads(last) if last else {}


def records(state: Path, app: str) -> List[Dict[str, Any]]:
    """The watch journal's records, each with the failover's status after it."""
    return json.loads(_lift.watch_records(str(watch_dir(state, app))))


def attention(rs: List[Dict[str, Any]]) -> List[str]:
    """What in the watch's records wants a person now: regions down, a
    failover waiting for a word, SLOs paging (the last word on each)."""
    if not rs:
        return []
    st = rs[-1]["status"]
    out = [f"{r} is down" for r, up in st.get("health", []) if not up]
    if st.get("phase") == "awaiting approval":
        out.append("the failover waits for `lift approve` or `lift deny`")
    paging: Dict[tuple, bool] = {}
    for r in rs:
        e = r.get("event") or {}
        if r["kind"] == "result" and e.get("kind") == "slo":
            paging[(e["slo"], e["region"])] = e["paging"]
    out += [f"SLO {slo} pages in {region}" for (slo, region), on in sorted(paging.items()) if on]
    return out


def report(app, state: Path, fmt: str) -> str:
    """The SLA report of what the app's watches recorded: the live SLOs'
    samples and every failover's measured times (Markdown, JSON or HTML)."""
    d = watch_dir(state, app.name)
    if not d.is_dir():
        raise WatchError(f"{app.name} has never been watched here ({d}); `lift watch` records what `lift report` reports")
    return _lift.watch_report(app._inner, str(d), fmt)


def control(state: Path, app: str, word: str) -> Path:
    """Send `approve` or `deny` to the watch of `app`."""
    d = watch_dir(state, app)
    _lift.watch_control(str(d), word)
    return d


def awaiting(state: Path, app: str) -> bool:
    """Whether the watch of `app` waits for a person's word."""
    try:
        rs = records(state, app)
    except _lift.RolloutError:
        return False
    return bool(rs) and rs[-1]["status"]["phase"] == "awaiting approval"
