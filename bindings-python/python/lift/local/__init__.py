"""The local target: a real AWS API emulator (moto, server mode) on loopback
for the control plane, and Lift's own data plane for what moto cannot do.

Lift deploys here when there is no AWS account: tests, CI and the README's
quick start. The control plane is moto's own; Lift adds CloudFormation support
for the few resource types it generates that moto's CloudFormation lacks
(`moto_ext`), built on moto's own service backends. moto runs no Lambda code
without Docker, ignores an alias's routing weights on invoke and has no
execute-api endpoint, so the data plane (`lift.local.dataplane`) serves each
region's HTTP API from the deployed code, by the alias's weights, and writes
Lambda's and API Gateway's metrics into the emulator's CloudWatch.

`lift local up` leaves both running as processes of their own; their ports
and PIDs live in one state directory (`state_dir()`), so any later `lift`
process finds them, and a second deploy updates what is there.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from .. import LiftError
from . import lifeline


class LocalError(LiftError, RuntimeError):
    """The local target cannot do what was asked: not running, or a part of it failed to start."""


def state_dir(given: Optional[str] = None) -> Path:
    """Where the running local target keeps its ports, PIDs, logs and code:
    `given`, else `$LIFT_STATE_DIR`, else `$XDG_STATE_HOME/lift/local`
    (`~/.local/state/lift/local`)."""
    if given:
        return Path(given).expanduser().resolve()
    if os.environ.get("LIFT_STATE_DIR"):
        return Path(os.environ["LIFT_STATE_DIR"]).expanduser().resolve()
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "lift" / "local"


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie child is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def ours(pid: int, module: str) -> bool:
    """Whether `pid` runs the local target's `module` (a recorded pid may since
    belong to another program: never signal that one)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return module.encode() in f.read()
    except OSError:
        return alive(pid)  # no /proc: trust the record


def stop_group(pid: int, grace: float = 10) -> None:
    """SIGTERM the process group `pid` leads, SIGKILL it after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(pid, sig)
        except OSError:
            return
        deadline = time.time() + wait
        while alive(pid) and time.time() < deadline:
            time.sleep(0.1)
        if not alive(pid):
            return


def reap_stale(info: Optional[Dict[str, Any]], module: str) -> bool:
    """Stop a recorded process that still runs but no longer answers (hung, or
    half-started when its starter was killed); whether there was one."""
    if not info or not alive(int(info["pid"])) or not ours(int(info["pid"]), module):
        return False
    stop_group(int(info["pid"]), grace=2)
    return True


def _read(path: Path) -> Optional[Dict[str, Any]]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write(path: Path, value: Dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, indent=1))
    tmp.replace(path)


def _up(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1)
        return True
    except OSError:
        return False


class LocalTarget:
    """A moto server on 127.0.0.1, started on a free port and stopped on exit."""

    def __init__(self, port: Optional[int] = None):
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: Optional[subprocess.Popen] = None
        self.pid: Optional[int] = None

    def start(self, timeout: float = 30.0, log: Optional[Path] = None) -> "LocalTarget":
        """Start the emulator: a child of this process, or, with `log`, a
        process of its own (a new session, output to `log`) that outlives it."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        if log:
            # The emulator's own record of every alias and DNS change, beside its log (see moto_ext).
            env["LIFT_ALIAS_HISTORY"] = str(log.parent / "alias-history.jsonl")
            env["LIFT_DNS_HISTORY"] = str(log.parent / "dns-history.jsonl")
        cmd = [sys.executable, "-m", "lift.local.server", "-H", "127.0.0.1", "-p", str(self.port)]
        out = open(log, "ab") if log else None
        fds: tuple = ()
        if not log:  # a child: it ends with this process, however this one ends
            line, fds = lifeline.mine().child()
            env.update(line)
        self._proc = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out or subprocess.DEVNULL,
            stderr=out or subprocess.PIPE,
            start_new_session=bool(log),
            pass_fds=fds,
        )
        self.pid = self._proc.pid
        deadline = time.time() + timeout
        while True:
            if _up(self.url + "/moto-api/"):
                return self
            if self._proc.poll() is not None or time.time() > deadline:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else (log.read_text()[-2000:] if log else "")
                self.stop()
                raise LocalError(f"the local target (moto) did not start on {self.url}: {err.strip()[-2000:]}")
            time.sleep(0.2)

    @classmethod
    def attach(cls, state: Path) -> Optional["LocalTarget"]:
        """The emulator `lift local up` left running, if it still answers."""
        info = _read(state / "emulator.json")
        if not info or not alive(int(info["pid"])) or not _up(info["url"] + "/moto-api/"):
            return None
        t = cls(int(info["port"]))
        t.pid = int(info["pid"])
        return t

    @classmethod
    def ensure(cls, state: Path) -> Tuple["LocalTarget", bool]:
        """The running emulator, or a new one that outlives this process; and whether it was started now."""
        found = cls.attach(state)
        if found:
            return found, False
        reap_stale(_read(state / "emulator.json"), "lift.local.server")
        state.mkdir(parents=True, exist_ok=True)
        t = cls().start(log=state / "emulator.log")
        t._proc = None  # not ours to stop on exit
        _write(state / "emulator.json", {"pid": t.pid, "port": t.port, "url": t.url})
        return t, True

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._proc = None

    def settings(self) -> Dict[str, str]:
        """What a plugin needs to call this emulator: its endpoint and test credentials."""
        return {"endpoint": self.url, "access-key-id": "testing", "secret-access-key": "testing"}

    def client(self, service: str, region: str):
        import boto3

        return boto3.client(service, region_name=region, endpoint_url=self.url, aws_access_key_id="testing", aws_secret_access_key="testing")

    @staticmethod
    def template_bucket(app) -> str:
        """The bucket `prepare` makes for templates over CloudFormation's inline
        limit, `{region}` standing for the region (the deployer's `template-bucket`)."""
        return f"lift-templates-{app.name}-{{region}}"

    def prepare(self, app, region: str, packages: Optional[Dict[str, Any]] = None) -> Tuple[str, Dict[str, str]]:
        """What a deployer does before it deploys `app` to `region` here: the
        artifact bucket and each function's code, the region's certificate
        (issued by the emulator's ACM), a bucket for large templates, and the DNS zone (the emulator's own,
        whose ID replaces the spec's). The template text and its parameters."""
        template = app.synth("cloudformation", region=region)
        body = app.synth("cloudformation", region=region, text=True)
        s3 = self.client("s3", region)
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}

        def bucket(name: str) -> str:
            if name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
                s3.create_bucket(Bucket=name, **where)
            return name

        bucket(self.template_bucket(app).replace("{region}", region))
        declared = template.get("Parameters", {})
        params: Dict[str, str] = {}
        if "ArtifactBucket" in declared:
            params["ArtifactBucket"] = bucket(f"lift-artifacts-{app.name}-{region}")
        if "CertificateArn" in declared:
            acm = self.client("acm", region)
            domain = app.resolved()["recovery"]["dns"]["name"]
            # One certificate per domain, reused: a new one each deploy would replace the custom domain.
            have = [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"] if c["DomainName"] == domain]
            params["CertificateArn"] = have[0] if have else acm.request_certificate(DomainName=domain)["CertificateArn"]
        from ..package import code_parameters

        for name, pkg in code_parameters(app, template, packages or {}).items():
            if pkg is None:
                # No package given (a template-only deploy): a stand-in that answers 200.
                s3.put_object(Bucket=params["ArtifactBucket"], Key=declared[name]["Default"], Body=_placeholder_code())
                continue
            params[name] = pkg.key
            try:
                s3.head_object(Bucket=params["ArtifactBucket"], Key=pkg.key)
            except Exception:  # content-addressed: a key that is there holds these very bytes
                s3.put_object(Bucket=params["ArtifactBucket"], Key=pkg.key, Body=pkg.data)
        for r in template["Resources"].values():
            if r["Type"] == "AWS::Lambda::Function":
                code = r["Properties"]["Code"]
                if isinstance(code["S3Bucket"], str) or "Fn::Sub" in code["S3Bucket"]:
                    b = code["S3Bucket"] if isinstance(code["S3Bucket"], str) else code["S3Bucket"]["Fn::Sub"].replace("${AWS::Region}", region)
                    s3.put_object(Bucket=bucket(b), Key=code["S3Key"], Body=_placeholder_code())
        found = self.zone(app)
        if found:
            body = body.replace(app.resolved()["recovery"]["dns"]["zone_id"], found[0])
        return body, params

    def zone(self, app) -> Optional[Tuple[str, str]]:
        """The emulator's hosted zone for the app's DNS name (made on first
        use; the spec's zone ID is AWS's, not the emulator's): its ID and the name."""
        dns = (app.resolved().get("recovery") or {}).get("dns")
        if not dns:
            return None
        r53 = self.client("route53", "us-east-1")
        zone_name = dns["name"].split(".", 1)[1]
        zones = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"].rstrip(".") == zone_name]
        zone = zones[0]["Id"] if zones else r53.create_hosted_zone(Name=zone_name, CallerReference=f"{app.name}-zone")["HostedZone"]["Id"]
        return zone.split("/")[-1], dns["name"]

    def __enter__(self) -> "LocalTarget":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _placeholder_code() -> bytes:
    """A function's code for the emulator: a zip with a handler that answers 200."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
    return buf.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
