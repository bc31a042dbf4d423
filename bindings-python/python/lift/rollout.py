"""Carrying a rollout out: `lift deploy`, and the words other shells send it
(`lift approve|abort|pause|resume`), `lift status` and `lift history`.

The runner itself is Rust (`lift-host`: the machine, the journal, the lock,
the plugins); this module prepares what it needs (code packaged and uploaded,
templates, parameters, credentials), starts it, and shows its journal to a
person as it is written.

Where things live, under the state directory (the local target's, or
`--state-dir` for AWS):

    freezes/<app>.json                        who froze the app's deployments, when and why
    rollouts/<app>/lock                       who is rolling the app out now
    rollouts/<app>/<id>/journal.jsonl         every intent, result and control, fsync'd
    rollouts/<app>/<id>/controls.jsonl        approve/abort/pause/resume from other processes
    rollouts/<app>/<id>/world.json            each function's previous and new version per region
    deployed/<app>/<region>.json              the template a region was left with (what the next release rolls back to)
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, TextIO

from . import LiftError, _lift

RolloutError = _lift.RolloutError
RolloutFrozen = _lift.RolloutFrozen


class NoRollout(LiftError, RuntimeError):
    """There is no rollout to act on."""


def freezes_file(state: Path, app: str) -> Path:
    """Where the freezes of `app`'s deployments stand (set by the watcher, an SLO, a person)."""
    return state / "freezes" / f"{app}.json"


def check_frozen(state: Path, app: str) -> None:
    """Raise `RolloutFrozen`, naming each freeze, if deployments of `app` are frozen."""
    _lift.rollout_check_frozen(app, str(freezes_file(state, app)))


def rollouts_dir(state: Path, app: str) -> Path:
    return state / "rollouts" / app


def rollout_ids(state: Path, app: str) -> List[Path]:
    """Every rollout of `app` under `state`, oldest first."""
    base = rollouts_dir(state, app)
    if not base.is_dir():
        return []
    return sorted((p for p in base.iterdir() if (p / "journal.jsonl").exists()), key=lambda p: p.name)


def records(rollout: Path) -> List[Dict[str, Any]]:
    """The journal's records, each with the machine's status after it."""
    return json.loads(_lift.rollout_records(str(rollout)))


def current(state: Path, app: str) -> Path:
    """The newest rollout of `app` that has not ended."""
    for r in reversed(rollout_ids(state, app)):
        recs = records(r)
        if recs and not recs[-1]["status"].get("outcome"):
            return r
    raise NoRollout(f"no rollout of {app} is under way (state directory {state})")


def control(state: Path, app: str, word: str, reason: Optional[str] = None) -> Path:
    """Send `word` to the rollout of `app` under way; its directory."""
    r = current(state, app)
    _lift.rollout_control(str(r), word, reason)
    return r


# --- what a person reads -------------------------------------------------


def pct(ppm: int) -> str:
    v = ppm / 10_000
    return f"{v:g}%"


def action_text(a: Dict[str, Any]) -> str:
    kind = a.get("kind")
    if kind == "deploy":
        return f"deploy to {a['region']}"
    if kind == "set-weight":
        return f"{a['region']}: shift {pct(a['weight_ppm'])} of traffic to the new version"
    if kind == "run-gate":
        return f"gate of step {a['step'] + 1} in {', '.join(a['regions'])}"
    if kind == "ask-approval":
        return f"approval before step {a['step'] + 1}: {a['reason']}"
    if kind == "roll-back":
        return f"{a['region']}: roll back"
    if kind == "finish":
        return "finish"
    return json.dumps(a)


def event_text(e: Dict[str, Any]) -> str:
    kind = e.get("kind")
    if kind == "deployed":
        return f"{e['region']}: deployed (the new version serves nothing yet)"
    if kind == "deploy-failed":
        return f"{e['region']}: deploy failed: {e['reason']}"
    if kind == "weight-set":
        return f"{e['region']}: {pct(e['weight_ppm'])} on the new version"
    if kind == "gate":
        ev = e.get("evidence") or {}
        summary = ev.get("summary") if isinstance(ev, dict) else str(ev)
        return f"gate of step {e['step'] + 1}: {e['verdict']}: {summary}"
    if kind == "approve":
        return "approved"
    if kind == "abort":
        return f"aborted: {e.get('reason', '')}"
    if kind == "pause":
        return "paused"
    if kind == "resume":
        return "resumed"
    if kind == "rolled-back":
        return f"{e['region']}: rolled back (every alias on its previous version)"
    return json.dumps(e)


def who(actor: Dict[str, Any]) -> str:
    return f"{actor.get('user', '?')}@{actor.get('host', '?')} (pid {actor.get('pid', '?')})"


def record_text(r: Dict[str, Any]) -> Optional[str]:
    """One line for a record, or None for one that says nothing new."""
    kind = r.get("kind")
    if kind == "started":
        scale = r.get("time_scale", 1)
        sped = f", {scale}x faster than the plan (--time-scale)" if scale > 1 else ""
        return f"rollout {r['rollout']} of {r['app']} {r['version']} started by {who(r['actor'])}{sped}"
    if kind == "intent":
        a = r["action"]
        if a.get("kind") == "finish":
            o = a.get("outcome", {})
            return "promoted: every region serves the new version" if o.get("kind") == "promoted" else f"rolled back: {o.get('reason', '')}"
        if a.get("kind") == "ask-approval":
            return f"waiting: {action_text(a)} (answer with `lift approve` or `lift abort`)"
        return f"-> {action_text(a)}"
    if kind == "result":
        return f"   {event_text(r['event'])}"
    if kind == "control":
        return f"{event_text(r['event'])} by {who(r['actor'])}"
    if kind == "resumed":
        return f"resumed by {who(r['actor'])}; carrying out again: {', '.join(action_text(a) for a in r['outstanding']) or 'nothing'}"
    if kind == "retry":
        return f"   retry {r['attempt']} of {action_text(r['action'])}: {r['error']}"
    return None


class Printer:
    """Shows the journal as it is written: a line per record (on a terminal
    with the elapsed time and where the rollout is), or one JSON object per
    record with `--format json`; every 30 s without news, a still-waiting line."""

    def __init__(self, out: TextIO, fmt: str = "text"):
        self.out = out
        self.fmt = fmt
        self.started = time.monotonic()
        self.last_news = time.monotonic()
        self.last: Optional[Dict[str, Any]] = None
        self.lock = threading.Lock()
        self.tty = out.isatty()

    def _emit(self, line: str) -> None:
        with self.lock:
            self.last_news = time.monotonic()
            if self.tty and self.fmt == "text":
                line = f"[{self._clock()}] {line}"
            print(line, file=self.out, flush=True)

    def _clock(self) -> str:
        s = int(time.monotonic() - self.started)
        return f"{s // 60:02d}:{s % 60:02d}"

    def record(self, text: str) -> None:
        r = json.loads(text)
        self.last = r
        if self.fmt == "json":
            self._emit(json.dumps(r, separators=(",", ":")))
            return
        line = record_text(r)
        if line:
            self._emit(line)

    def note(self, text: str) -> None:
        if self.fmt == "json":
            self._emit(json.dumps({"kind": "note", "text": text}, separators=(",", ":")))
        else:
            self._emit(f"   {text}")

    def waiting(self) -> None:
        """A still-waiting line when nothing was said for 30 s."""
        if time.monotonic() - self.last_news < 30 or self.last is None:
            return
        st = self.last.get("status", {})
        weights = ", ".join(f"{k} {pct(v)}" for k, v in st.get("weights", {}).items())
        if self.fmt == "json":
            self._emit(json.dumps({"kind": "waiting", "phase": st.get("phase"), "step": st.get("step"), "weights": st.get("weights")}))
        else:
            self._emit(f"still {st.get('phase')}, step {st.get('step', 0) + 1} of {st.get('steps')}; new version: {weights}")


def summary(last: Dict[str, Any], plan: Dict[str, Any], seconds: float, scale: int, journal: Path) -> str:
    st = last.get("status", {})
    outcome = st.get("outcome") or {}
    lines = []
    if outcome.get("kind") == "promoted":
        lines.append(f"outcome: promoted ({plan['app']} {plan['version']})")
    else:
        lines.append(f"outcome: rolled back: {outcome.get('reason', 'unknown')}")
    for region, w in sorted(st.get("weights", {}).items()):
        lines.append(f"  {region}: {pct(w)} on the new version")
    planned = plan.get("fastest_promotion_ms", 0) / 1000 / max(scale, 1)
    lines.append(f"took {seconds:.1f}s; the plan's fastest promotion is {planned:.1f}s" + (f" at {scale}x" if scale > 1 else ""))
    decisions = st.get("decisions", [])
    if decisions:
        lines.append("decisions:")
        for d in decisions:
            ev = d.get("evidence") or {}
            lines.append(f"  step {d['step'] + 1}: {d['decision']}: {ev.get('summary', '') if isinstance(ev, dict) else ev}")
    lines.append(f"journal: {journal}")
    return "\n".join(lines)


def watch(printer: Printer, done: threading.Event) -> None:
    while not done.wait(1.0):
        printer.waiting()


def run(
    app,
    setup: Dict[str, Any],
    state: Path,
    *,
    settings: Dict[str, str],
    resume: bool = False,
    break_lock: bool = False,
    strategy: Optional[str] = None,
    printer: Printer,
    on_deployed: Optional[Callable[[str], None]] = None,
) -> Dict[str, Any]:
    """Carry out (or resume) the rollout of `app`; the last record."""
    from . import plugins

    base = rollouts_dir(state, app.name)
    if resume:
        rdir = current(state, app.name)
        first = records(rdir)[0]
        if first.get("version") != app.plan()["version"]:
            raise NoRollout(f"{rdir}: that rollout is of version {first.get('version')}, not the spec's; resume it with the spec it started with")
        rollout_id = rdir.name
    else:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        rollout_id = f"{stamp}-{app.name}"
        rdir = base / rollout_id
        n = 1
        while rdir.exists():
            n += 1
            rdir = base / f"{rollout_id}-{n}"
        rollout_id = rdir.name

    def on_record(text: str) -> None:
        printer.record(text)
        r = json.loads(text)
        if on_deployed and r.get("kind") == "result" and r.get("event", {}).get("kind") == "deployed":
            on_deployed(r["event"]["region"])

    done = threading.Event()
    t = threading.Thread(target=watch, args=(printer, done), daemon=True)
    t.start()
    try:
        last = _lift.rollout_run(
            app._inner,
            json.dumps(setup),
            str(rdir),
            rollout_id,
            str(base / "lock"),
            str(state / "deployed" / app.name),
            str(plugins.resolve("cloudformation")),
            str(plugins.resolve("cloudwatch")),
            sorted(settings.items()),
            prober=str(plugins.resolve("http-prober")),
            strategy=str(plugins.resolve(strategy)) if strategy else None,
            resume=resume,
            break_lock=break_lock,
            on_record=on_record,
            on_note=printer.note,
            freezes=str(freezes_file(state, app.name)),
            notifier=str(plugins.resolve("webhook")) if app.resolved().get("notify") else None,
        )
    finally:
        done.set()
    out = json.loads(last)
    out["journal"] = str(rdir / "journal.jsonl")
    return out


def aws_settings() -> Dict[str, str]:
    """Credentials from AWS's standard chain (environment, shared config and
    credentials files, profiles, SSO, instance roles), through botocore."""
    try:
        import botocore.session
    except ImportError as e:  # pragma: no cover - depends on the install
        raise LiftError("--target aws needs botocore for AWS's credential chain: pip install 'lift-iac[local]' or botocore") from e
    import botocore.exceptions

    try:
        creds = botocore.session.get_session().get_credentials()
        frozen = creds.get_frozen_credentials() if creds is not None else None
    except botocore.exceptions.BotoCoreError as e:  # a profile named that is not there, a broken config file, an SSO login expired
        raise LiftError(f"AWS credentials: {e}") from None
    if frozen is None:
        raise LiftError("no AWS credentials found (environment, ~/.aws/credentials and config, profiles): configure them, or use --target local")
    out = {"access-key-id": frozen.access_key, "secret-access-key": frozen.secret_key}
    if frozen.token:
        out["session-token"] = frozen.token
    return out


def aws_credentials_source() -> str:
    """Where AWS's chain found the credentials, as a person reads it: `shared-credentials-file (profile ops)`."""
    import botocore.session

    session = botocore.session.get_session()
    creds = session.get_credentials()
    method = getattr(creds, "method", None) or "unknown"
    profile = session.get_config_variable("profile")
    return f"{method} (profile {profile})" if profile else method


def history(state: Path, app: str) -> List[Dict[str, Any]]:
    """Every rollout of `app`: id, version, outcome, start, duration, who started it."""
    out = []
    for r in rollout_ids(state, app):
        recs = records(r)
        if not recs:
            continue
        first, last = recs[0], recs[-1]
        outcome = last["status"].get("outcome")
        out.append(
            {
                "rollout": r.name,
                "version": first.get("version"),
                "started_ms": first["wall_ms"],
                "seconds": round((last["wall_ms"] - first["wall_ms"]) / 1000, 1),
                "outcome": outcome["kind"] if outcome else "under way",
                "reason": (outcome or {}).get("reason"),
                "by": who(first["actor"]),
                "journal": str(r / "journal.jsonl"),
            }
        )
    return out


def audit(state: Path, app: str) -> List[Dict[str, Any]]:
    """Who started, resumed, approved, paused or aborted what, and when."""
    out = []
    for r in rollout_ids(state, app):
        for rec in records(r):
            kind = rec.get("kind")
            what = None
            if kind == "started":
                what = f"started {rec['app']} {rec['version']}"
            elif kind == "resumed":
                what = "resumed after a stop"
            elif kind == "control":
                what = event_text(rec["event"])
            elif kind == "result" and rec.get("event", {}).get("kind") == "approve":
                what = "approved in advance (--approve)"
            if what:
                out.append({"rollout": r.name, "wall_ms": rec["wall_ms"], "who": who(rec["actor"]), "what": what})
    return out


def when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000)) + "Z"


def is_terminal() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty() and not os.environ.get("CI")


class LiveView(Printer):
    """On a terminal: the decision log scrolling above a live table with one
    line per region (its wave, the weight on the new version, what it is
    doing, the bake's countdown, its last verdict with its numbers) and the
    plan's timeline with where the rollout is. Drawn with rich."""

    def __init__(self, out: TextIO, plan: Dict[str, Any], scale: int, console=None):
        super().__init__(out, "text")
        from rich.console import Console
        from rich.live import Live

        self.plan = plan
        self.scale = max(scale, 1)
        self.console = console or Console(file=out, highlight=False)
        self.waves = {r: w["index"] for w in plan["waves"] for r in w["regions"]}
        self.regions: Dict[str, Dict[str, Any]] = {r: {"doing": "waiting", "verdict": "", "bake_until": None} for r in self.waves}
        self.step = 0
        self.weights: Dict[str, int] = {}
        self.live = Live(self.render(), console=self.console, refresh_per_second=4, transient=False, get_renderable=self.render)

    def __enter__(self) -> "LiveView":
        self.live.start()
        return self

    def __exit__(self, *exc) -> None:
        self.live.stop()

    def _emit(self, line: str) -> None:
        with self.lock:
            self.last_news = time.monotonic()
            self.console.print(f"[{self._clock()}] {line}", markup=False, highlight=False)

    def record(self, text: str) -> None:
        r = json.loads(text)
        st = r.get("status", {})
        self.step = st.get("step", self.step)
        self.weights = st.get("weights", self.weights)
        kind = r.get("kind")
        if kind == "intent":
            a = r["action"]
            doing = {"deploy": "deploying", "run-gate": "checking gates", "roll-back": "rolling back"}.get(a["kind"])
            if a["kind"] == "set-weight":
                doing = f"shifting to {pct(a['weight_ppm'])}"
            for region in [a.get("region")] if a.get("region") else a.get("regions", []):
                if region in self.regions and doing:
                    self.regions[region]["doing"] = doing
        elif kind == "result":
            e = r["event"]
            region = e.get("region")
            if e["kind"] == "weight-set" and region in self.regions:
                steps = self.plan["steps"]
                bake = steps[min(self.step, len(steps) - 1)]["duration_ms"] / 1000 / self.scale
                self.regions[region].update(doing="baking", bake_until=time.monotonic() + bake)
            elif e["kind"] == "gate":
                ev = e.get("evidence") or {}
                for m in ev.get("measurements", []) if isinstance(ev, dict) else []:
                    scope = m.get("scope", "")
                    if scope in self.regions:
                        self.regions[scope]["verdict"] = f"{e['verdict']}: {ev.get('summary', '')}"[:90]
            elif region in self.regions:
                done = {"deployed": "deployed", "deploy-failed": "deploy failed", "rolled-back": "rolled back"}.get(e["kind"])
                if done:
                    self.regions[region]["doing"] = done
        super().record(text)

    def render(self):
        from rich.table import Table

        t = Table(box=None, pad_edge=False, show_edge=False)
        for col in ("region", "wave", "new version", "doing", "bake", "last verdict"):
            t.add_column(col)
        now = time.monotonic()
        for region, s in self.regions.items():
            left = s["bake_until"] - now if s["bake_until"] else None
            bake = f"{left:4.0f}s" if left is not None and left > 0 and s["doing"] == "baking" else ""
            t.add_row(region, str(self.waves[region]), pct(self.weights.get(region, 0)), s["doing"], bake, s["verdict"])
        steps = self.plan["steps"]
        marks = "".join("#" if i < self.step else (">" if i == self.step else ".") for i in range(len(steps)))
        from rich.markup import escape

        t.caption = escape(f"plan: [{marks}] step {min(self.step + 1, len(steps))} of {len(steps)}")
        return t
