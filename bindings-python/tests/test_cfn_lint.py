"""Every generated template passes the real cfn-lint with no errors and no warnings."""

import subprocess
import sys

import pytest

import lift
from conftest import EXAMPLES, VALID

CFN_LINT = [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())"]


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    paths = []
    for name in VALID:
        app = lift.load(EXAMPLES / name)
        for region in app.regions:
            for fmt, ext in (("cloudformation", "json"), ("cloudformation-yaml", "yaml")):
                p = out / f"{name}-{region}.{ext}"
                p.write_text(app.synth(fmt, region=region, text=True))
                paths.append(p)
    return paths


def test_cfn_lint_is_clean(templates):
    assert len(templates) >= 10
    r = subprocess.run(CFN_LINT + ["--format", "parseable", *map(str, templates)], capture_output=True, text=True, timeout=600)
    assert r.stdout == "" and r.returncode == 0, r.stdout + r.stderr


def test_cfn_lint_does_catch_problems(tmp_path):
    # Guard against a silently broken linter: a bad property must be reported.
    bad = tmp_path / "bad.json"
    bad.write_text('{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"Bogus": 1}}}}')
    r = subprocess.run(CFN_LINT + ["--format", "parseable", str(bad)], capture_output=True, text=True, timeout=600)
    assert "E3002" in r.stdout
