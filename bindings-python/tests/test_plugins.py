"""The plugins Lift ships, loaded from the installed package: list, inspect and
check them, probe a loopback server with the HTTP prober, and the CLI's exit codes."""

import http.server
import json
import re
import shutil
import threading

import pytest

import lift
from conftest import EXAMPLES
from lift import plugins

SHIPPED = {"business-hours": "strategy", "cloudformation": "deployer", "cloudwatch": "metrics", "http-prober": "prober", "route53": "dns", "webhook": "notifier"}


@pytest.fixture(scope="module")
def server():
    """A loopback HTTP server: /ok answers 200 with a body, /fail 503."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status = 200 if self.path == "/ok" else 503
            body = b"all good" if status == 200 else b"down"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_the_shipped_plugins_come_with_the_package_and_load():
    rows = plugins.list()
    seen = {r["inspection"]["manifest"]["name"]: r["inspection"] for r in rows}
    assert {n: i["manifest"]["world"] for n, i in seen.items()} == SHIPPED
    for name, i in seen.items():
        assert i["findings"] == [], name
        assert plugins.check(name)["manifest"]["name"] == name
        # A shipped name resolves to the manifest in the package's own plugin directory.
        assert plugins.resolve(name) == plugins.builtin_dir() / f"{name}.toml"
        assert plugins.resolve(name).is_file()
    assert "lift:plugin/http@0.3.0" in seen["cloudformation"]["imports"]
    assert seen["business-hours"]["exports"] == ["name", "decide"]
    assert "lift:plugin/http@0.3.0" not in seen["business-hours"]["imports"]


def test_the_prober_probes_a_loopback_server(server):
    ok = plugins.probe("http-prober", server + "/ok", body_contains="good")
    assert ok["ok"] and ok["status"] == 200
    down = plugins.probe("http-prober", server + "/fail")
    assert not down["ok"] and down["status"] == 503 and "expected 200" in down["detail"]
    missing = plugins.probe("http-prober", server + "/ok", body_contains="nope")
    assert not missing["ok"] and "nope" in missing["detail"]
    denied = plugins.probe("http-prober", "http://example.com/")
    assert not denied["ok"] and "denied" in denied["detail"]
    assert any("denied" in r["message"] for r in denied["log"])


def test_a_tampered_plugin_is_refused_with_every_finding(tmp_path):
    for ext in ("toml", "wasm"):
        shutil.copy(plugins.builtin_dir() / f"http-prober.{ext}", tmp_path / f"http-prober.{ext}")
    manifest = tmp_path / "http-prober.toml"
    # Two findings at once: a checksum that does not match, and a world the component does not export.
    text = re.sub(r'sha256 = "[0-9a-f]{64}"', 'sha256 = "' + "0" * 64 + '"', manifest.read_text())
    manifest.write_text(text.replace('world = "prober"', 'world = "deployer"'))
    findings = plugins.inspect(manifest)["findings"]
    assert len(findings) == 2, findings
    assert "the manifest says 0000" in findings[0] and "does not export the deployer world" in findings[1], findings
    with pytest.raises(plugins.PluginError) as e:
        plugins.check(manifest)
    assert all(f in str(e.value) for f in findings), str(e.value)
    # A component cut short cannot even be read: that is said too.
    wasm = tmp_path / "http-prober.wasm"
    wasm.write_bytes(wasm.read_bytes()[:-16])
    assert any("not a WebAssembly component" in f for f in plugins.inspect(manifest)["findings"])
    with pytest.raises(FileNotFoundError, match="shipped: business-hours, cloudformation, cloudwatch, http-prober"):
        plugins.resolve("no-such-plugin")


def test_the_cli_lists_inspects_checks_and_probes(run, server, tmp_path):
    r = run("plugin", "list")
    assert r.returncode == 0, r.stderr
    assert all(name in r.stdout for name in SHIPPED) and "REFUSED" not in r.stdout
    r = run("plugin", "inspect", "cloudformation", "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["manifest"]["world"] == "deployer"
    r = run("plugin", "inspect", "business-hours")
    assert r.returncode == 0 and "imports    lift:plugin/log@0.3.0" in r.stdout, r.stdout
    r = run("plugin", "check", "http-prober")
    assert r.returncode == 0 and "ok: http-prober 0.1.0 implements prober" in r.stdout
    r = run("plugin", "probe", "http-prober", server + "/ok")
    assert r.returncode == 0 and r.stdout.startswith("healthy")
    r = run("plugin", "probe", "http-prober", server + "/fail")
    assert r.returncode == 1 and r.stdout.startswith("UNHEALTHY: status 503")
    (tmp_path / "x.toml").write_text('name = "x"\nworld = "nope"\n')
    r = run("plugin", "check", tmp_path / "x.toml")
    assert r.returncode == 1 and "x.toml" in r.stderr
    r = run("plugin", "list", tmp_path)
    assert r.returncode == 1


def test_the_cli_asks_a_strategy_plugin(run):
    r = run("plugin", "decide", "business-hours", "--at", "2026-12-07T10:00:00Z", "--step", "2", "--steps", "3")
    assert r.returncode == 0 and r.stdout == "business-hours: continue: step 2 passed inside business hours\n", r.stdout + r.stderr
    r = run("plugin", "decide", "business-hours", "--at", "2026-12-05T10:00:00Z")
    assert r.returncode == 0 and r.stdout.startswith("business-hours: ask-person: outside business hours"), r.stdout
    # With the spec's default gate policy (one failed check rolls back), as a real rollout would decide.
    r = run("plugin", "decide", "business-hours", "--verdict", "fail", "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["next"] == {"kind": "roll-back", "why": "gate of step 1 failed"}, r.stdout
    r = run("plugin", "decide", "http-prober")
    assert r.returncode == 1 and "not a strategy" in r.stderr
    r = run("plugin", "decide", "business-hours", "--at", "tuesday")
    assert r.returncode == 2 and "ISO 8601" in r.stderr


def test_lift_deploy_to_the_local_target(run, tmp_path):
    pytest.importorskip("moto")
    state = tmp_path / "state"
    try:
        r = run("deploy", "examples/minimal", "--local", "--state-dir", state, "--format", "json", "--time-scale", "1000")
        assert r.returncode == 0, r.stderr
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        assert lines[0]["kind"] == "note" and "local target started" in lines[0]["text"], lines[0]
        assert lines[-1]["kind"] == "summary" and lines[-1]["outcome"] == "promoted", lines[-1]
        deployed = {l["event"]["region"] for l in lines if l.get("kind") == "result" and l["event"]["kind"] == "deployed"}
        assert deployed == set(lift.load(EXAMPLES / "minimal").regions)
        assert any(l.get("kind") == "note" and "the first" in l["text"] for l in lines), "a first release has no version to canary against"
        # The target outlived the command: the same release again finds its stack and publishes nothing.
        r = run("deploy", "examples/minimal", "--local", "--state-dir", state, "--format", "json", "--time-scale", "1000")
        assert r.returncode == 0, r.stderr
        notes = [l["text"] for l in map(json.loads, r.stdout.splitlines()) if l.get("kind") == "note"]
        assert any("version 1 unchanged" in n for n in notes), notes
        r = run("deploy", "examples/minimal", "--local", "--state-dir", state, "--time-scale", "0")
        assert r.returncode == 2 and "--time-scale 0 is not between 1 and 10000" in r.stderr
        r = run("history", "examples/minimal", "--state-dir", state)
        assert r.returncode == 0 and r.stdout.count("promoted") == 2, r.stdout
    finally:
        run("local", "down", "--state-dir", state)
    assert not state.exists()


def test_out_of_range_numbers_are_usage_errors_not_tracebacks(run):
    for args, says in [
        (["--timeout-ms", "-5"], "-5 is not between 1 and 600000"),
        (["--timeout-ms", "99999999999"], "not between 1 and 600000"),
        (["--expect-status", "99999999"], "not between 100 and 599"),
        (["--timeout-ms", "soon"], "not a whole number"),
    ]:
        r = run("plugin", "probe", "http-prober", "http://127.0.0.1:9/", *args)
        assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr, r.stderr
    # A timeout over the plugin's own per-call limit says which limit would apply.
    limit = plugins.inspect("http-prober")["manifest"]["limits"]["timeout_ms"]
    r = run("plugin", "probe", "http-prober", "http://127.0.0.1:9/", "--timeout-ms", str(limit + 1))
    assert r.returncode == 2 and f"per-call limit of {limit} ms" in r.stderr, r.stderr
    r = run("plugin", "decide", "business-hours", "--step", "0")
    assert r.returncode == 2 and "0 is not between 1 and 100000" in r.stderr
