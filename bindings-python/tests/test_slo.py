"""SLO rules exported for Prometheus, checked by the real promtool."""

import shutil
import subprocess

import pytest

import lift
from conftest import EXAMPLES

PROMTOOL = shutil.which("promtool")


def test_rules_and_tests_are_written(run, tmp_path):
    r = run("slo", "rules", "examples/shop", "--output", tmp_path)
    assert r.returncode == 0, r.stderr
    rules = (tmp_path / "slo-rules.yaml").read_text()
    assert "slo:sli_error:ratio_rate5m" in rules and "slo:objective:ratio" in rules
    assert "vector(0.999)" in rules and "0.9990000000000001" not in rules
    assert "> 0.0144" in rules  # 14.4 x 0.1%, exactly
    assert (tmp_path / "slo-rules.test.yaml").exists()


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is installed by scripts/setup (Debian's prometheus package)")
def test_promtool_checks_and_tests_the_rules(tmp_path):
    files = lift.load(EXAMPLES / "shop").slo_rules("prometheus")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    check = subprocess.run([PROMTOOL, "check", "rules", "slo-rules.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0 and "SUCCESS: 26 rules found" in check.stdout, check.stdout + check.stderr
    # A synthetic outage: nothing fires before it, every rule fires ten minutes in, all reset hours later.
    test = subprocess.run([PROMTOOL, "test", "rules", "slo-rules.test.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert test.returncode == 0 and "SUCCESS" in test.stdout, test.stdout + test.stderr
