"""The package as a user gets it: a wheel built from this checkout by
maturin, installed into a fresh venv with nothing but its own dependencies,
and every `lift` command run once from there. Whatever the package needs at
run time (the extension, the shipped plugins, the preview page, the schema)
must be inside it; commands that need the optional `local` extra say how to
get it. No command may end in a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop"


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "maturin", "build", "--release", "--quiet", "--out", str(out), "-m", str(ROOT / "bindings-python" / "Cargo.toml")],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    pip = subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheels[0])], capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr
    return {"wheel": wheels[0], "bin": env_dir / "bin", "work": tmp_path_factory.mktemp("work")}


def run(v, *args, code=0, state=None):
    # Nothing of the checkout's: a clean PATH, the venv's own `lift`, a scratch directory.
    env = {"PATH": f"{v['bin']}:/usr/bin:/bin", "HOME": str(v["work"]), "LIFT_STATE_DIR": str(state or v["work"] / "state")}
    r = subprocess.run([str(v["bin"] / "lift"), *args], capture_output=True, text=True, env=env, cwd=v["work"], timeout=300)
    assert "Traceback" not in r.stderr, f"lift {' '.join(args)}:\n{r.stderr}"
    assert r.returncode == code, f"lift {' '.join(args)} exited {r.returncode}, not {code}:\n{r.stderr[-2000:]}"
    return r


def test_the_wheel_is_one_abi3_wheel_holding_everything_lift_needs(venv):
    assert "-abi3-" in venv["wheel"].name, venv["wheel"].name
    names = zipfile.ZipFile(venv["wheel"]).namelist()
    plugins = sorted(Path(n).stem for n in names if n.startswith("lift/plugins/") and n.endswith(".wasm"))
    shipped = sorted(
        next(line.split('"')[1] for line in (d / "plugin.toml").read_text().splitlines() if line.startswith("name = "))
        for d in (ROOT / "plugins" / "builtin").iterdir()
    )
    assert plugins == shipped
    for needed in ("lift/preview/index.html", "lift/preview/pkg/lift_wasm_bg.wasm", "lift/app-spec.schema.json", "lift/py.typed"):
        assert needed in names, needed


def test_every_command_runs_from_the_installed_wheel(venv, tmp_path):
    spec = str(SHOP)
    shutil.copytree(SHOP, tmp_path / "shop")
    spec = str(tmp_path / "shop")
    assert run(venv, "--version").stdout.startswith("lift ")
    run(venv, "validate", spec)
    run(venv, "validate", str(ROOT / "examples" / "invalid" / "cycle.yaml"), code=1)
    for fmt in ("cloudformation", "cloudformation-yaml", "terraform", "terraform-json", "pulumi", "cdk"):
        run(venv, "synth", spec, "--format", fmt, "-d", str(tmp_path / "out" / fmt))
        assert any((tmp_path / "out" / fmt).rglob("*")), fmt
    assert "wave" in run(venv, "plan", spec).stdout
    assert "RTO" in run(venv, "drill", spec, "--scenario", "region-outage").stdout
    run(venv, "slo", "rules", spec, "-d", str(tmp_path / "rules"))
    assert list((tmp_path / "rules").glob("*.yaml"))
    run(venv, "slo", "check", spec)
    assert "# SLA report" in run(venv, "slo", "report", spec, "--samples", str(SHOP / "samples.csv")).stdout
    run(venv, "slo", "rules", spec, "--format", "openslo", "-d", str(tmp_path / "openslo"))
    assert "slos:" in run(venv, "slo", "import", str(tmp_path / "openslo" / "openslo.yaml")).stdout
    listed = run(venv, "plugin", "list").stdout
    assert "webhook" in listed and "route53" in listed and "error" not in listed.lower(), listed
    run(venv, "plugin", "check", "http-prober")
    run(venv, "plugin", "inspect", "cloudformation")
    run(venv, "plugin", "decide", "business-hours", "--verdict", "pass", "--step", "2", "--steps", "4", "--at", "2026-12-05T10:00:00Z")
    run(venv, "package", spec)
    assert json.loads(run(venv, "schema").stdout)["title"]
    assert json.loads(run(venv, "resolve", spec).stdout)["app"] == "shop"
    # Rollout and watch commands with nothing under way say so, without a traceback.
    run(venv, "history", spec)
    for args in (["status", spec], ["approve", spec], ["abort", spec], ["pause", spec], ["resume", spec], ["deny", spec], ["report", spec]):
        r = subprocess.run([str(venv["bin"] / "lift"), *args], capture_output=True, text=True, timeout=60, env={"PATH": f"{venv['bin']}:/usr/bin:/bin", "LIFT_STATE_DIR": str(tmp_path / "state")})
        assert "Traceback" not in r.stderr and r.returncode == 1 and r.stderr.strip(), (args, r.stderr)
    run(venv, "ack", spec)
    run(venv, "notify", spec, "--kind", "rollout-started", "--title", "t", code=1)
    # The local target needs the `local` extra: the message says how to get it.
    for args in (["local", "up", spec], ["deploy", spec, "--approve"], ["watch", spec, "--once"]):
        r = subprocess.run([str(venv["bin"] / "lift"), *args], capture_output=True, text=True, timeout=120, env={"PATH": f"{venv['bin']}:/usr/bin:/bin", "LIFT_STATE_DIR": str(tmp_path / "state")})
        assert "Traceback" not in r.stderr and r.returncode != 0, (args, r.stderr)
        assert "lift-iac[local]" in r.stderr or "lift local up" in r.stderr, (args, r.stderr)


def test_the_preview_page_is_served_from_the_installed_wheel(venv):
    p = subprocess.Popen([str(venv["bin"] / "lift"), "preview", "--no-browser", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 30
        url = None
        while time.time() < deadline and url is None:
            line = p.stdout.readline()
            if "http://" in line:
                url = line[line.index("http://") :].split()[0]
        assert url, "the preview never said where it serves"
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        assert "<script" in page
        wasm = urllib.request.urlopen(url.rstrip("/") + "/pkg/lift_wasm_bg.wasm", timeout=10).read()
        assert wasm[:4] == b"\0asm"
    finally:
        p.terminate()
        p.wait(timeout=10)
    assert os.path.exists(venv["bin"] / "lift")


def _sdist(tmp_path) -> Path:
    out = tmp_path / "sdist"
    r = subprocess.run([sys.executable, "-m", "maturin", "sdist", "--out", str(out), "-m", str(ROOT / "bindings-python" / "Cargo.toml")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return next(out.glob("*.tar.gz"))


def _install(tmp_path, what: Path) -> subprocess.CompletedProcess:
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    # The build's own maturin, from the registry as pip would get it, into the fresh venv; no isolation so it is the one used.
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "maturin>=1.9,<2"], check=True, timeout=600)
    return subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-build-isolation", str(what)], capture_output=True, text=True, timeout=1800)


def test_an_sdist_carries_the_plugins_and_the_page_and_builds_a_complete_package(tmp_path):
    sdist = _sdist(tmp_path)
    names = tarfile.open(sdist).getnames()
    assert any(n.endswith("python/lift/plugins/webhook.wasm") for n in names) and any(n.endswith("python/lift/preview/index.html") for n in names)
    assert not any("/plugins/builtin/" in n for n in names), "the plugins' sources are not in it: what it ships is"
    r = _install(tmp_path, sdist)
    assert r.returncode == 0, r.stderr[-3000:]
    listed = subprocess.run([str(tmp_path / "venv" / "bin" / "lift"), "plugin", "list"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "webhook" in listed.stdout, listed.stderr


def test_an_sdist_without_what_it_ships_stops_the_build_and_says_why(tmp_path):
    sdist = _sdist(tmp_path)
    src = tmp_path / "src"
    with tarfile.open(sdist) as t:
        t.extractall(src, filter="data")
    (top,) = list(src.iterdir())
    shutil.rmtree(top / "python" / "lift" / "plugins")
    # The tests share one cargo target directory, where the build of the complete sdist
    # (same package, same relative paths, tar's old mtimes) looks fresh for this tree too:
    # a build script newer than that build runs again, as it would in a user's fresh target.
    (top / "bindings-python" / "build.rs").touch()
    r = _install(tmp_path, top)
    assert r.returncode != 0
    assert "lacks what `lift` needs at run time" in r.stderr and "plugins/webhook.wasm" in r.stderr, r.stderr[-3000:]
