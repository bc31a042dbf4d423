"""Follow plugins/sdk/README.md as a new plugin author would: run each block
marked `guide:` in a fresh directory (`run [DIR]` runs a shell block, `file
PATH` writes one, `append PATH` adds to one), then check that the last
commands print what the guide says they print."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

GUIDE = ROOT / "plugins" / "sdk" / "README.md"
STEP = re.compile(r"<!-- guide: (run|file|append) ?([^ ]*) -->\n```\w*\n(.*?)```", re.S)
SHOWN = re.compile(r"```text\n(.*?)```", re.S)


def test_the_sdk_guide_takes_a_new_author_to_a_loaded_plugin(tmp_path):
    if not shutil.which("cargo"):
        pytest.skip("no cargo")
    text = GUIDE.read_text()
    steps = STEP.findall(text)
    assert [kind for kind, _, _ in steps].count("run") >= 3, "the guide lost its runnable blocks"
    env = dict(os.environ, LIFT=str(ROOT), PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    # The crate builds in its own ./target, as the guide says; keep that cache
    # between runs by making ./target a link into Lift's cache.
    env.pop("CARGO_TARGET_DIR", None)
    cache = Path(os.environ.get("LIFT_CACHE", Path.home() / ".cache" / "lift")) / "sdk-guide-target"
    out = ""
    for kind, arg, body in steps:
        if kind == "run":
            cwd = tmp_path / arg if arg else tmp_path
            if (cwd / "Cargo.toml").exists() and not (cwd / "target").exists():
                cache.mkdir(parents=True, exist_ok=True)
                (cwd / "target").symlink_to(cache)
            r = subprocess.run(["bash", "-euo", "pipefail", "-c", body], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
            assert r.returncode == 0, f"guide step failed:\n{body}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
            out = r.stdout
        else:
            path = tmp_path / arg
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a" if kind == "append" else "w") as f:
                f.write(("\n" if kind == "append" else "") + body)
    shown = SHOWN.findall(text)
    assert shown and out == shown[-1], f"the guide shows:\n{shown[-1] if shown else ''}\nthe commands printed:\n{out}"
