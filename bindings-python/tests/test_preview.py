"""The preview page in a real browser: `lift preview` serves it; Debian's
Chromium, driven by playwright-core, checks every output against this
package's own for the same spec (bindings-wasm/web/tests/preview.test.mjs)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import lift
from conftest import EXAMPLES, ROOT, VALID, lift_cmd, node_modules

TEST = ROOT / "bindings-wasm" / "web" / "tests" / "preview.test.mjs"
FORMATS = ["cloudformation", "cloudformation-yaml", "terraform", "terraform-json", "pulumi", "cdk"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _expected():
    out = {}
    for name in VALID:
        app = lift.load(EXAMPLES / name)
        want = {f: app.synth_files(f) for f in FORMATS}
        want["regions"] = app.regions
        want["graph"] = {r: app.graph_svg(r) for r in app.regions}
        # One box per resource of the graph: CloudFormation's, and a VPC's default
        # security group, which only Terraform and Pulumi can take over.
        want["resources"] = {}
        for r in app.regions:
            resources = app.synth("cloudformation", region=r)["Resources"].values()
            want["resources"][r] = len(resources) + sum(x["Type"] == "AWS::EC2::VPC" for x in resources)
        want["plan_svg"] = app.plan_svg()
        want["plan_text"] = app.plan_text()
        out[name] = want
    return {"examples": out}


def test_the_preview_page_in_chromium(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (scripts/setup installs it)")
    if not (Path(lift.__file__).parent / "preview" / "index.html").exists():
        pytest.fail("the preview page is not in the installed package: scripts/build-web builds it before the wheel")
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps(_expected()))
    server = subprocess.Popen(lift_cmd() + ["preview", "--no-browser", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("serving the preview page at http://127.0.0.1:"), line
        url = line.split(" at ")[1].split()[0]
        out = Path(os.environ.get("LIFT_PREVIEW_OUT", tmp_path))
        out.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, URL=url, EXPECTED=str(expected), OUT=str(out), NODE_MODULES=str(node_modules()), CHROMIUM=CHROMIUM)
        r = subprocess.run(["node", str(TEST)], env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
        report = json.loads((out / "report.json").read_text())
        assert report["failures"] == [] and set(report["examples"]) == set(VALID)
        for shot in ("preview-shop.png", "preview-graph.png", "preview-error.png"):
            assert (out / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
        print(f"\npreview: {r.stdout.strip()}")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_lift_preview_says_when_its_port_is_taken(run):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = run("preview", "--no-browser", "--port", s.getsockname()[1])
    assert r.returncode == 2 and "try another --port, or --port 0" in r.stderr, r.stderr
