"""WebAssembly plugins: the ones Lift ships, and yours.

Each plugin is a component (``NAME.wasm``) with a manifest beside it
(``NAME.toml``): its world, version, limits and allowed hosts, and the
component's sha256. The host checks all of it before loading::

    from lift import plugins
    plugins.list()                      # the shipped plugins, with their checks
    plugins.inspect("http-prober")      # what it imports and exports
    plugins.check("./my-plugin.toml")   # raises PluginError with every finding
    plugins.probe("http-prober", "http://127.0.0.1:8080/health")

    cfn = plugins.Deployer("cloudformation", endpoint="http://127.0.0.1:5000")
    result = cfn.deploy("shop-us-east-1", "us-east-1", template_text, on_event=print)
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from . import _lift

__all__ = ["PluginError", "builtin_dir", "resolve", "list", "inspect", "check", "probe", "decide", "Deployer", "DeployError", "Dns"]

PluginError = _lift.PluginError

_list = list


def builtin_dir() -> Path:
    """Where the installed package keeps the plugins Lift ships."""
    return Path(__file__).parent / "plugins"


def resolve(name_or_path: Union[str, Path]) -> Path:
    """A path to a manifest or component, or the name of a shipped plugin."""
    path = Path(name_or_path)
    if path.exists():
        return path
    shipped = builtin_dir() / f"{name_or_path}.toml"
    if "/" not in str(name_or_path) and shipped.exists():
        return shipped
    names = ", ".join(sorted(p.stem for p in builtin_dir().glob("*.toml")))
    raise FileNotFoundError(f"{name_or_path}: no such file, and no shipped plugin of that name (shipped: {names or 'none'})")


def list(directory: Union[str, Path, None] = None) -> List[Dict[str, Any]]:  # noqa: A001 - the verb users type
    """Every plugin in `directory` (default: the shipped ones), each with its inspection or error."""
    return json.loads(_lift.plugin_list(str(directory or builtin_dir())))


def inspect(name_or_path: Union[str, Path]) -> Dict[str, Any]:
    """What a plugin is: manifest, size, sha256, imports, exports, and findings against it."""
    return json.loads(_lift.plugin_inspect(str(resolve(name_or_path))))


def check(name_or_path: Union[str, Path]) -> Dict[str, Any]:
    """Inspect a plugin and raise `PluginError` with every finding if it would not load."""
    inspection = inspect(name_or_path)
    if inspection["findings"]:
        raise PluginError(f"{name_or_path}: " + "; ".join(inspection["findings"]))
    return inspection


def probe(
    name_or_path: Union[str, Path],
    url: str,
    expect_status: Optional[int] = None,
    body_contains: Optional[str] = None,
    timeout_ms: int = 1000,
) -> Dict[str, Any]:
    """Probe `url` once with a prober plugin: ``{ok, status, latency_ms, detail, log}``."""
    return json.loads(_lift.plugin_probe(str(resolve(name_or_path)), url, expect_status, body_contains, timeout_ms))


def decide(name_or_path: Union[str, Path], **view: Any) -> Dict[str, Any]:
    """Ask a strategy plugin what follows a gate: ``{strategy, next, log}``.

    The view's fields are keywords (``verdict="fail"``, ``step=2``, ``steps=5``,
    ``now=`` milliseconds since the Unix epoch or a ``datetime``, ...); the
    rest take a first step's values. ``next`` is ``{kind, why, ...}`` with
    kind continue, retry, ask-person or roll-back.
    """
    now = view.get("now")
    if hasattr(now, "timestamp"):
        view["now"] = int(now.timestamp() * 1000)
    return json.loads(_lift.plugin_decide(str(resolve(name_or_path)), json.dumps(view)))


class Dns:
    """A DNS plugin (default: the shipped Route 53 one), in its sandbox: how a
    name's records route between regions, and moving them (what the watcher
    fails over with). Credentials as for `Deployer`."""

    def __init__(
        self,
        name_or_path: Union[str, Path] = "route53",
        endpoint: Optional[str] = None,
        access_key_id: Optional[str] = None,
        secret_access_key: Optional[str] = None,
        session_token: Optional[str] = None,
    ):
        self._inner = _lift.PluginDns(str(resolve(name_or_path)))
        given = {
            "endpoint": endpoint,
            "access-key-id": access_key_id or os.environ.get("AWS_ACCESS_KEY_ID"),
            "secret-access-key": secret_access_key or os.environ.get("AWS_SECRET_ACCESS_KEY"),
            "session-token": session_token or os.environ.get("AWS_SESSION_TOKEN"),
        }
        self._inner.configure([(k, v) for k, v in given.items() if v])

    def records(self, zone: str, name: str) -> List[Dict[str, Any]]:
        """One record per region: ``{region, weight_ppm, target, health_check}``."""
        return json.loads(self._inner.read_records(zone, name))

    def route(self, zone: str, name: str, weights: Mapping[str, int]) -> None:
        """Route `name` so: these regions take these shares (ppm), the others none."""
        self._inner.route(zone, name, _list(weights.items()))

    def log(self) -> List[Dict[str, Any]]:
        """The plugin's log since the last look."""
        return json.loads(self._inner.drain_log())


class DeployError(PluginError):
    """A stack operation that ended failed or rolled back, or did not end in time."""

    def __init__(self, message: str, progress: Dict[str, Any]):
        super().__init__(message)
        self.progress = progress


class Deployer:
    """A deployer plugin (default: the shipped CloudFormation one), in its sandbox.

    Credentials come from the arguments or, as the AWS tools read them, from
    ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and ``AWS_SESSION_TOKEN``;
    the plugin itself sees no environment. ``endpoint`` points it elsewhere
    than AWS (the local target: ``lift.local.LocalTarget().url``).
    """

    def __init__(
        self,
        name_or_path: Union[str, Path] = "cloudformation",
        endpoint: Optional[str] = None,
        access_key_id: Optional[str] = None,
        secret_access_key: Optional[str] = None,
        session_token: Optional[str] = None,
        settings: Optional[Mapping[str, str]] = None,
    ):
        self._inner = _lift.PluginDeployer(str(resolve(name_or_path)))
        given = {
            "endpoint": endpoint,
            "access-key-id": access_key_id or os.environ.get("AWS_ACCESS_KEY_ID"),
            "secret-access-key": secret_access_key or os.environ.get("AWS_SECRET_ACCESS_KEY"),
            "session-token": session_token or os.environ.get("AWS_SESSION_TOKEN"),
            **(settings or {}),
        }
        aws = str(name_or_path) == "cloudformation"
        if aws and not given["endpoint"] and not (given["access-key-id"] and given["secret-access-key"]):
            raise PluginError(
                "AWS's endpoints need credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(or pass access_key_id and secret_access_key), or deploy to the local target (`lift deploy --local`)"
            )
        self._inner.configure([(k, v) for k, v in given.items() if v])

    def apply(self, stack: str, region: str, template: str, parameters: Optional[Mapping[str, str]] = None) -> str:
        """Create or update `stack` in `region`; the operation's ID."""
        return self._inner.apply(stack, region, template, _list((parameters or {}).items()))

    def describe(self, stack: str, region: str) -> Dict[str, Any]:
        """``{status, events, outputs, reason}``: status is in-progress, complete, failed, rolled-back or deleted."""
        return json.loads(self._inner.describe(stack, region))

    def roll_back(self, stack: str, region: str) -> None:
        """Put the stack back as it was before this deployer's last operation on it."""
        self._inner.roll_back(stack, region)

    def delete(self, stack: str, region: str) -> None:
        """Start deleting the stack."""
        self._inner.delete(stack, region)

    def set_concurrency(self, function: str, region: str, reserved: Optional[int] = None) -> None:
        """Cap the function's concurrency at `reserved` (Lambda's reserved concurrency), or lift the cap (None)."""
        self._inner.set_concurrency(function, region, reserved)

    def log(self) -> List[Dict[str, Any]]:
        """The plugin's log since the last look: its messages, denied requests, failures."""
        return json.loads(self._inner.drain_log())

    def wait(
        self,
        stack: str,
        region: str,
        want: str = "complete",
        timeout: float = 600.0,
        interval: float = 1.0,
        on_event: Optional[Callable[[str], None]] = None,
    ) -> Dict[str, Any]:
        """Describe the stack until its operation ends; each new event goes to
        `on_event`. Raises `DeployError` unless it ends `want`."""
        seen = 0
        deadline = time.monotonic() + timeout
        while True:
            progress = self.describe(stack, region)
            for line in progress["events"][seen:]:
                if on_event:
                    on_event(line)
            seen = max(seen, len(progress["events"]))
            if progress["status"] != "in-progress":
                if progress["status"] != want:
                    why = progress.get("reason") or progress["status"]
                    raise DeployError(f"{stack} in {region}: {progress['status']} ({why})", progress)
                return progress
            if time.monotonic() > deadline:
                raise DeployError(f"{stack} in {region}: still in progress after {timeout:.0f} s", progress)
            time.sleep(interval)

    def deploy(
        self,
        stack: str,
        region: str,
        template: str,
        parameters: Optional[Mapping[str, str]] = None,
        timeout: float = 600.0,
        interval: float = 1.0,
        on_event: Optional[Callable[[str], None]] = None,
    ) -> Dict[str, Any]:
        """Apply and wait: the final ``{status, events, outputs, reason}``."""
        self.apply(stack, region, template, parameters)
        return self.wait(stack, region, "complete", timeout, interval, on_event)
