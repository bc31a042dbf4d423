import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
VALID = sorted(p.parent.name for p in EXAMPLES.glob("*/lift.yaml"))
INVALID = sorted(p for p in (EXAMPLES / "invalid").iterdir() if p.suffix in (".yaml", ".json"))


def lift_cmd():
    exe = shutil.which("lift", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "lift"]


@pytest.fixture
def run():
    """Run the installed `lift` command; returns the CompletedProcess."""

    def _run(*args, cwd=ROOT):
        return subprocess.run(lift_cmd() + [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120)

    return _run


TOOLCHAIN = Path(__file__).resolve().parent / "toolchain"


def node_modules() -> Path:
    """The npm packages of tests/toolchain, installed by scripts/setup into a cache keyed by the lock file."""
    import hashlib
    import os

    digest = hashlib.sha256((TOOLCHAIN / "package-lock.json").read_bytes()).hexdigest()[:16]
    cache = Path(os.environ.get("LIFT_CACHE", Path.home() / ".cache" / "lift"))
    path = cache / "node" / digest / "node_modules"
    if not (path / "aws-cdk-lib").is_dir():
        pytest.fail(f"npm packages missing at {path}: run scripts/setup")
    return path
