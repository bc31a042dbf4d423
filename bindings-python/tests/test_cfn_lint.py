"""Every generated template passes the real cfn-lint with no errors and no warnings."""

import subprocess
import sys

import pytest

import lift
from conftest import EXAMPLES, VALID

CFN_LINT = [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())"]


def periods_app():
    """The shop with SLOs over 28 and 7 days: windows that are not whole hours or days."""
    text = (EXAMPLES / "shop" / "lift.yaml").read_text()
    text = text.replace("availability: { objective: 99.9%, window: 30d }", "availability: { objective: 99.9%, window: 28d }")
    text = text.replace("latency: { objective: 99%, threshold: 300ms, window: 30d }", "latency: { objective: 99%, threshold: 300ms, window: 7d }")
    assert "window: 28d" in text and "window: 7d" in text
    return lift.loads(text)


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    paths = []
    for name, app in [(n, lift.load(EXAMPLES / n)) for n in VALID] + [("periods", periods_app())]:
        for region in app.regions:
            for fmt, ext in (("cloudformation", "json"), ("cloudformation-yaml", "yaml")):
                p = out / f"{name}-{region}.{ext}"
                p.write_text(app.synth(fmt, region=region, text=True))
                paths.append(p)
    return paths


def test_cfn_lint_is_clean(templates):
    assert len(templates) >= 14
    r = subprocess.run(CFN_LINT + ["--format", "parseable", *map(str, templates)], capture_output=True, text=True, timeout=600)
    assert r.stdout == "" and r.returncode == 0, r.stdout + r.stderr


def test_cfn_lint_does_catch_problems(tmp_path):
    # Guard against a silently broken linter: a bad property must be reported.
    bad = tmp_path / "bad.json"
    bad.write_text('{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"Bogus": 1}}}}')
    r = subprocess.run(CFN_LINT + ["--format", "parseable", str(bad)], capture_output=True, text=True, timeout=600)
    assert "E3002" in r.stdout
