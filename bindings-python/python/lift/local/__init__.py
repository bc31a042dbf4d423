"""The local target: a real AWS API emulator (moto, server mode) on loopback.

Lift deploys here when there is no AWS account: tests, CI and the README's
quick start. The control plane is moto's own; Lift adds CloudFormation support
for the few resource types it generates that moto's CloudFormation lacks
(`moto_ext`), built on moto's own service backends.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from typing import Dict, Optional, Tuple


class LocalTarget:
    """A moto server on 127.0.0.1, started on a free port and stopped on exit."""

    def __init__(self, port: Optional[int] = None):
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 30.0) -> "LocalTarget":
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        cmd = [sys.executable, "-m", "lift.local.server", "-H", "127.0.0.1", "-p", str(self.port)]
        self._proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1)
                return self
            except OSError:
                if self._proc.poll() is not None or time.time() > deadline:
                    err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                    self.stop()
                    raise RuntimeError(f"the local target (moto) did not start on {self.url}: {err.strip()[-2000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._proc = None

    def client(self, service: str, region: str):
        import boto3

        return boto3.client(service, region_name=region, endpoint_url=self.url, aws_access_key_id="testing", aws_secret_access_key="testing")

    @staticmethod
    def template_bucket(app) -> str:
        """The bucket `prepare` makes for templates over CloudFormation's inline
        limit, `{region}` standing for the region (the deployer's `template-bucket`)."""
        return f"lift-templates-{app.name}-{{region}}"

    def prepare(self, app, region: str) -> Tuple[str, Dict[str, str]]:
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
            params["CertificateArn"] = acm.request_certificate(DomainName=app.resolved()["recovery"]["dns"]["name"])["CertificateArn"]
        for name, p in declared.items():
            if name.endswith("CodeKey"):
                s3.put_object(Bucket=params["ArtifactBucket"], Key=p["Default"], Body=_placeholder_code())
        for r in template["Resources"].values():
            if r["Type"] == "AWS::Lambda::Function":
                code = r["Properties"]["Code"]
                if isinstance(code["S3Bucket"], str) or "Fn::Sub" in code["S3Bucket"]:
                    b = code["S3Bucket"] if isinstance(code["S3Bucket"], str) else code["S3Bucket"]["Fn::Sub"].replace("${AWS::Region}", region)
                    s3.put_object(Bucket=bucket(b), Key=code["S3Key"], Body=_placeholder_code())
        dns = (app.resolved().get("recovery") or {}).get("dns")
        if dns:
            r53 = self.client("route53", region)
            zone_name = dns["name"].split(".", 1)[1]
            zones = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"].rstrip(".") == zone_name]
            zone = zones[0]["Id"] if zones else r53.create_hosted_zone(Name=zone_name, CallerReference=f"{app.name}-{region}")["HostedZone"]["Id"]
            body = body.replace(dns["zone_id"], zone.split("/")[-1])
        return body, params

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
