"""`lift local up | down | status | fault`: the local target's life, as a Python API.

`up` packages the app's code, starts the emulator if none runs, deploys every
region's stack with the deployer plugin (an update where the stack exists),
and has the data plane serve it; the URLs it prints are the regions' HTTP
APIs. Everything stays running until `down`, which stops both processes and
removes what they left in the state directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from . import LocalError, LocalTarget, _read, _up, _write, alive, ours, reap_stale, stop_group

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


class DataPlaneClient:
    """The running data plane's control API."""

    def __init__(self, url: str, pid: int):
        self.url = url
        self.pid = pid

    def call(self, method: str, path: str, body: Optional[Dict[str, Any]] = None, timeout: float = 120) -> Dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            try:
                msg = json.loads(e.read()).get("error", str(e))
            except ValueError:
                msg = str(e)
            raise LocalError(f"the data plane refused {method} {path}: {msg}") from None
        except OSError as e:
            raise LocalError(f"the data plane at {self.url} does not answer ({e}); `lift local down` and `lift local up` start it afresh") from None

    @classmethod
    def attach(cls, state: Path) -> Optional["DataPlaneClient"]:
        info = _read(state / "dataplane.json")
        if not info or not alive(int(info["pid"])) or not _up(info["url"] + "/status"):
            return None
        return cls(info["url"], int(info["pid"]))

    @classmethod
    def ensure(cls, state: Path, emulator: str, timeout: float = 30) -> "DataPlaneClient":
        found = cls.attach(state)
        if found:
            return found
        reap_stale(_read(state / "dataplane.json"), "lift.local.dataplane")
        (state / "dataplane.json").unlink(missing_ok=True)
        log = open(state / "dataplane.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "lift.local.dataplane", "--emulator", emulator, "--state", str(state)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            env=dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_ENDPOINT_URL=emulator),
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = cls.attach(state)
            if found:
                return found
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        tail = (state / "dataplane.log").read_text(errors="replace")[-2000:]
        raise LocalError(f"the local data plane did not start: {tail.strip()}")


def up(spec: str, state: Path, code: Optional[Dict[str, str]] = None, say: Say = _quiet, timeout: float = 300) -> Dict[str, Any]:
    """Package, deploy and serve the app at `spec`; the regions' URLs and what was published."""
    import lift
    from .. import package as packaging
    from .. import plugins

    started = time.monotonic()
    path = lift.find_spec(spec)
    app = lift.load(path)
    app.synth("cloudformation")  # every error at once, before anything starts
    pkgs = packaging.packages(app, path.parent, code)
    for p in pkgs.values():
        say(f"packaged {p.function}: {p.files} files, {p.zipped / 1024:.1f} KB, {p.key}")
    state.mkdir(parents=True, exist_ok=True)
    target, fresh = LocalTarget.ensure(state)
    say(f"emulator {'started' if fresh else 'running'} at {target.url}")
    deployer = plugins.Deployer("cloudformation", endpoint=target.url, settings={"template-bucket": target.template_bucket(app)}, access_key_id="testing", secret_access_key="testing")
    deployed: Dict[str, Any] = {}
    for region in app.regions:
        stack = f"{app.name}-{region}"
        body, params = target.prepare(app, region, pkgs)
        say(f"{stack}: deploying")
        done = deployer.deploy(stack, region, body, params, timeout=timeout, on_event=lambda line: say(f"  {line}"))
        if done["status"] not in ("complete",):
            raise LocalError(f"{stack}: {done['status']}: {done.get('reason') or 'see the events above'}")
        deployed[region] = {"stack": stack, "status": done["status"], "outputs": done["outputs"]}
    urls = serve(state, app, path, target.url)
    for region, url in urls.items():
        deployed[region]["url"] = url
        say(f"{app.name} in {region}: {url}")
    name = name_url(state, app.name)
    if name:
        say(f"{app.name} by its DNS name, routed as Route 53's records say: {name}")
    return {"app": app.name, "emulator": target.url, "name_url": name, "regions": deployed, "packages": {k: p.to_dict() for k, p in pkgs.items()}, "seconds": round(time.monotonic() - started, 2)}


def serve(state: Path, app, path: Path, emulator: str) -> Dict[str, str]:
    """Have the data plane (started if none runs) serve `app`'s deployed
    regions, on the ports it had before; each region's URL."""
    plane = DataPlaneClient.ensure(state, emulator)
    apps = _read(state / "apps.json") or {}
    had = apps.get(app.name, {})
    ports = {r: (had.get("regions", {}).get(r, {}).get("port", 0)) for r in app.regions}
    ask: Dict[str, Any] = {"app": app.name, "regions": ports}
    target = LocalTarget.attach(state)
    zone = target.zone(app) if target else None
    if zone:
        ask["dns"] = {"zone": zone[0], "name": zone[1], "port": (had.get("name") or {}).get("port", 0)}
    got = plane.call("POST", "/apps", ask)
    urls = got["urls"]
    apps[app.name] = {"spec": str(path), "regions": {r: {"url": u, "port": int(u.rsplit(":", 1)[1])} for r, u in urls.items()}}
    if got.get("name_url"):
        apps[app.name]["name"] = {"name": zone[1], "zone": zone[0], "url": got["name_url"], "port": int(got["name_url"].rsplit(":", 1)[1])}
    _write(state / "apps.json", apps)
    return urls


def name_url(state: Path, app: str) -> Optional[str]:
    """The URL of `app`'s DNS name on the local target (its name's front), if it has one."""
    return ((_read(state / "apps.json") or {}).get(app, {}).get("name") or {}).get("url")


def reload(state: Path, app: str) -> bool:
    """Where the running data plane serves `app`, have it read the app's new
    release (routes, aliases, versions) on the ports it has; whether it did."""
    plane = DataPlaneClient.attach(state)
    served = plane.call("GET", "/status")["apps"].get(app) if plane else None
    if not plane or not served:
        return False
    plane.call("POST", "/apps", {"app": app, "regions": {r: int(v["url"].rsplit(":", 1)[1]) for r, v in served.items()}})
    return True


def status(state: Path) -> Dict[str, Any]:
    """What runs: the emulator, the data plane and what it serves."""
    target = LocalTarget.attach(state)
    plane = DataPlaneClient.attach(state)
    out: Dict[str, Any] = {"state": str(state), "emulator": None, "dataplane": None}
    if target:
        out["emulator"] = {"url": target.url, "pid": target.pid}
    if plane:
        out["dataplane"] = plane.call("GET", "/status")
    return out


def running(state: Path) -> DataPlaneClient:
    plane = DataPlaneClient.attach(state)
    if plane is None:
        raise LocalError(f"no local target runs (state directory {state}); start one with `lift local up SPEC`")
    return plane


def down(state: Path, say: Say = _quiet) -> bool:
    """Stop the data plane and the emulator and remove their state; whether anything ran."""
    anything = False
    for name in ("dataplane.json", "emulator.json"):
        info = _read(state / name)
        if info and alive(int(info["pid"])) and ours(int(info["pid"]), "lift.local."):
            anything = True
            stop_group(int(info["pid"]))
            say(f"stopped the {name.split('.')[0]} (pid {info['pid']})")
    if state.exists():
        shutil.rmtree(state, ignore_errors=True)
    return anything


def describe(st: Dict[str, Any]) -> str:
    """`lift local status` as text."""
    lines = [f"state directory: {st['state']}"]
    lines.append(f"emulator: {st['emulator']['url']} (pid {st['emulator']['pid']})" if st["emulator"] else "emulator: not running")
    plane = st["dataplane"]
    if not plane:
        lines.append("data plane: not running")
        return "\n".join(lines) + "\n"
    lines.append(f"data plane: pid {plane['pid']}")
    for app, regions in plane["apps"].items():
        for region, r in regions.items():
            state = "" if r["listening"] else " (refusing connections)"
            lines.append(f"  {app} in {region}: {r['url']}{state}")
            for key, fn in r["routes"].items():
                lines.append(f"    {key} -> {fn}")
            for v, info in r["versions"].items():
                lines.append(f"    version {v}: {info['warm_workers']} warm worker(s)")
            for q in r["queues"]:
                lines.append(f"    queue {q['queue'].rsplit(':', 1)[-1]} -> {q['function']}: {q['delivered']} delivered, {q['failed']} failed")
            if r["responses"]:
                lines.append("    responses: " + ", ".join(f"{k}: {v}" for k, v in sorted(r["responses"].items())))
    for app, n in (plane.get("names") or {}).items():
        lines.append(f"  {app} by name ({n['name'].rstrip('.')}): {n['url']}")
    for app, tables in (plane.get("replication") or {}).items():
        for t in tables:
            lines.append(f"  {app}: table {t['table']} replicated across {', '.join(t['regions'])}: {t['replicated']} write(s), {t['waiting']} waiting")
    from .faults import Fault

    faults = [Fault(**f) for f in plane["faults"]]
    lines.append("faults: " + ("none" if not faults else ""))
    lines.extend(f"  {f.describe()}" for f in faults)
    return "\n".join(lines) + "\n"
