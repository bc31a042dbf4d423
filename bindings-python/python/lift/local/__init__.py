"""The local target: a real AWS API emulator (moto, server mode) on loopback.

Lift deploys here when there is no AWS account: tests, CI and the README's
quick start. The control plane is moto's own; Lift adds CloudFormation support
for the few resource types it generates that moto's CloudFormation lacks
(`moto_ext`), built on moto's own service backends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Optional


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

    def __enter__(self) -> "LocalTarget":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
