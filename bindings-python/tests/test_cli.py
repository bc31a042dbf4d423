import json
import os
import subprocess

import pytest

from conftest import EXAMPLES, ROOT, lift_cmd


def test_help_lists_the_commands(run):
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("validate", "synth", "schema", "resolve"):
        assert cmd in r.stdout


def test_validate_ok_is_exit_0(run):
    r = run("validate", "examples/shop")
    assert r.returncode == 0, r.stderr
    assert "ok (shop, 2 region(s)" in r.stdout


def test_validate_prints_like_a_compiler_and_exits_1(run):
    r = run("validate", "examples/invalid/unknown-fields.yaml")
    assert r.returncode == 1
    assert "examples/invalid/unknown-fields.yaml:10:5: error[E101]: unknown field `memroy`" in r.stdout
    assert "hint: did you mean `memory`?" in r.stdout
    assert "5 error(s), 0 warning(s)" in r.stdout


def test_validate_json_for_tools(run):
    r = run("validate", "examples/invalid/dangling-references.yaml", "--format", "json")
    assert r.returncode == 1
    diags = json.loads(r.stdout)
    assert [d["code"] for d in diags] == ["E201", "E201", "E104", "E201", "E201"]
    assert diags[0] == {
        "code": "E201", "severity": "error", "pointer": "/functions/api/environment/ORDERS", "message": "no table named `order`",
        "line": 10, "column": 7, "hint": "did you mean `tables.orders`?", "file": "examples/invalid/dangling-references.yaml",
    }


def test_warnings_do_not_fail(run):
    r = run("validate", "examples/minimal")
    assert r.returncode == 0
    assert "warning[W403]" in r.stdout


def test_usage_errors_exit_2(run, tmp_path):
    assert run("validate", tmp_path / "nope.yaml").returncode == 2
    assert run("synth", "examples/shop", "--region", "mars-1").returncode == 2
    assert run("synth", "examples/shop", "--format", "nope").returncode == 2
    assert run("frobnicate").returncode == 2


def test_synth_writes_every_region(run, tmp_path):
    r = run("synth", "examples/shop", "--out-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["shop-eu-west-1.template.json", "shop-us-east-1.template.json"]
    t = json.loads((tmp_path / "shop-us-east-1.template.json").read_text())
    assert "HttpApi" in t["Resources"]


def test_synth_yaml_to_stdout(run):
    r = run("synth", "examples/minimal", "--yaml")
    assert r.returncode == 0
    assert r.stdout.startswith('AWSTemplateFormatVersion: "2010-09-09"\n')
    assert "Fn::GetAtt:" in r.stdout


def test_synth_is_deterministic(run):
    a = run("synth", "examples/shop", "--region", "eu-west-1").stdout
    b = run("synth", "examples/shop", "--region", "eu-west-1").stdout
    assert a == b and len(a) > 1000


def test_synth_of_an_invalid_spec_writes_nothing(run, tmp_path):
    out = tmp_path / "out"
    r = run("synth", "examples/invalid/cycle.yaml", "--out-dir", out)
    assert r.returncode == 1
    assert "error[E202]: dependency cycle" in r.stderr
    assert not out.exists() or not any(out.iterdir())


def test_schema_command(run, tmp_path):
    r = run("schema")
    assert r.returncode == 0
    assert json.loads(r.stdout)["title"] == "Lift app spec"
    assert run("schema", "-o", tmp_path / "s.json").returncode == 0
    assert json.loads((tmp_path / "s.json").read_text()) == json.loads(r.stdout)


def test_resolve_prints_defaults(run):
    r = run("resolve", "examples/minimal")
    assert json.loads(r.stdout)["functions"]["hello"]["memory"] == 256


def test_plan_prints_the_timeline(run):
    r = run("plan", "examples/shop")
    assert r.returncode == 0, r.stderr
    assert "canary (10% for 5m, 50% for 10m), 2 wave(s)" in r.stdout
    assert "fastest full promotion: 59m" in r.stdout
    j = run("plan", "examples/shop", "--format", "json")
    plan = json.loads(j.stdout)
    assert plan["fastest_promotion_ms"] == 59 * 60_000
    assert [w["regions"] for w in plan["waves"]] == [["us-east-1"], ["eu-west-1"]]


def test_plan_of_a_bad_rollout_is_exit_1(run, tmp_path):
    spec = tmp_path / "lift.yaml"
    spec.write_text("app: x\nregions: { primary: us-east-1 }\nrollout: { strategy: canari }\n")
    r = run("plan", spec)
    assert r.returncode == 1
    assert "did you mean `canary`?" in r.stderr


def test_a_strategy_plugin_the_spec_names_must_be_there_before_anything_starts(run, tmp_path):
    spec = tmp_path / "lift.yaml"
    spec.write_text("app: x\nregions: { primary: us-east-1 }\nrollout: { plugin: strategies/night.toml }\n")
    state = tmp_path / "state"
    r = run("deploy", spec, "--state-dir", state)
    assert r.returncode != 0
    assert f"{spec}: /rollout/plugin: `strategies/night.toml`: no such manifest ({tmp_path / 'strategies' / 'night.toml'})" in r.stderr, r.stderr
    # Nothing was started or locked.
    assert not (state / "rollouts").exists() and not (state / "target.json").exists(), sorted(p.name for p in state.rglob("*"))
    spec.write_text("app: x\nregions: { primary: us-east-1 }\nrollout: { plugin: nightly }\n")
    r = run("deploy", spec, "--state-dir", state)
    assert "/rollout/plugin: nightly: no such file, and no shipped plugin of that name (shipped: " in r.stderr and "business-hours" in r.stderr, r.stderr


def test_plan_as_svg(run, tmp_path):
    import xml.etree.ElementTree as ET

    out = tmp_path / "plan.svg"
    r = run("plan", "examples/shop", "--format", "svg", "--output", out)
    assert r.returncode == 0, r.stderr
    root = ET.fromstring(out.read_text())
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.tag.endswith("svg")
    bars = root.findall("s:rect", ns)[1:]  # the first is the background
    assert len(bars) == 8  # 2 regions x (deploy + 3 traffic steps)
    assert len(root.findall("s:path", ns)) == 6  # a gate after each traffic step
    assert len(root.findall("s:circle", ns)) == 1  # the approval before wave 2


def test_drills_print_a_timeline_and_the_ledger(run):
    r = run("drill", "examples/shop", "--scenario", "region-outage")
    assert r.returncode == 0, r.stderr
    assert "us-east-1 down: 2 of 3 vantage points" in r.stdout
    assert "shift traffic: eu-west-1 100%" in r.stdout and "failed back from eu-west-1 to us-east-1" in r.stdout
    assert "incident us-east-1 -> eu-west-1: detected 2s after the first failed probe (bound 5s)" in r.stdout
    j = run("drill", "examples/shop", "--scenario", "partial", "--format", "json")
    drill = json.loads(j.stdout)
    assert drill["ledger"] == [] and drill["active"] == "us-east-1"
    lag = run("drill", "examples/shop", "--scenario", "replication-lag")
    assert "ask a person: promoting would lose up to" in lag.stdout
    bad = run("drill", "examples/shop", "--scenario", "meteor")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_synth_output_is_all_or_nothing(run, tmp_path):
    out = tmp_path / "out"
    # The second file's place is taken by a directory: nothing is written, no temporary file stays.
    (out / "shop-us-east-1.template.json").mkdir(parents=True)
    r = run("synth", "examples/shop", "--out-dir", out)
    assert r.returncode == 2 and "is a directory" in r.stderr, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["shop-us-east-1.template.json"]
    (out / "shop-us-east-1.template.json").rmdir()
    # A temporary file a killed run left (its PID is gone) is cleaned up by the next.
    (out / ".lift-tmp-999999999-abc-shop.template.json").write_text("half")
    r = run("synth", "examples/shop", "--out-dir", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["shop-eu-west-1.template.json", "shop-us-east-1.template.json"]


def test_written_files_take_the_mode_the_umask_gives(tmp_path):
    for mask, mode in [(0o022, 0o644), (0o077, 0o600)]:
        out = tmp_path / f"m{mask:o}"
        subprocess.run(
            lift_cmd() + ["synth", "examples/minimal", "--out-dir", str(out)], cwd=ROOT, check=True, capture_output=True,
            preexec_fn=lambda m=mask: os.umask(m),
        )
        assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {oct(mode)}


def test_a_failure_midway_leaves_what_was_there(tmp_path, monkeypatch):
    from lift import cli

    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_text("old a")
    files = [("a.json", "new a"), ("b.json", "new b"), ("c.json", "new c")]
    # A full disk on the second file: nothing is written, no temporary file stays.
    real_fsync, calls = os.fsync, []

    def full_disk(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(cli.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        cli._write_atomically(files, out)
    assert sorted(p.name for p in out.iterdir()) == ["a.json"] and (out / "a.json").read_text() == "old a"
    monkeypatch.setattr(cli.os, "fsync", real_fsync)
    # A rename that fails after the first: the first is put back as it was.
    real_replace, renames = os.replace, []

    def flaky_replace(src, dst):
        renames.append(dst)
        if str(dst).endswith("b.json"):
            raise OSError(5, "I/O error")
        real_replace(src, dst)

    monkeypatch.setattr(cli.os, "replace", flaky_replace)
    with pytest.raises(OSError, match="I/O error"):
        cli._write_atomically(files, out)
    assert sorted(p.name for p in out.iterdir()) == ["a.json"] and (out / "a.json").read_text() == "old a"


def test_o_is_always_one_file_and_several_files_go_to_out_dir(run, tmp_path):
    """`-o` names one FILE in every command; synth, slo rules and package write
    several files and take `-d`/`--out-dir`, and say so when given `-o`."""
    for args in (["synth", "examples/shop"], ["slo", "rules", "examples/shop"], ["package", "examples/shop"]):
        r = run(*args, "-o", tmp_path / "x")
        assert r.returncode == 2 and "is one FILE in every lift command" in r.stderr and "--out-dir DIR (-d DIR)" in r.stderr, r.stderr
        assert not (tmp_path / "x").exists()
    r = run("synth", "examples/shop", "-d", tmp_path / "d")
    assert r.returncode == 0 and sorted(p.name for p in (tmp_path / "d").iterdir()) == ["shop-eu-west-1.template.json", "shop-us-east-1.template.json"]
    for args in (["plan", "examples/shop"], ["schema"], ["validate", "examples/shop"]):
        out = tmp_path / f"{args[0]}.out"
        r = run(*args, "-o", out)
        assert r.returncode == 0 and out.is_file() and out.stat().st_size > 0, (args, r.stderr)


def test_only_the_command_run_is_parsed_and_a_typo_still_lists_every_command(run):
    # `lift synth` builds only synth's parser (the others cost every cold run ~40 ms); help and errors are whole.
    typo = run("sinth", "examples/minimal")
    assert typo.returncode == 2 and "invalid choice: 'sinth'" in typo.stderr and "'synth'" in typo.stderr and "'local'" in typo.stderr
    top = run("--help")
    assert top.returncode == 0 and all(c in top.stdout for c in ("validate", "synth", "deploy", "watch", "local"))
    nested = run("slo", "import", "--help")
    assert nested.returncode == 0 and "openslo/v1alpha" in nested.stdout
    ok = run("synth", "examples/minimal")
    assert ok.returncode == 0 and '"AWSTemplateFormatVersion"' in ok.stdout
