"""Lift's Prometheus rules against the shape of Sloth's published output (its
golden files under test/integration/prometheus/testdata/ and examples/_gen/,
read for facts): the same series names, labels and alert shape, so Sloth's
Grafana dashboards read Lift's rules unchanged; checked by promtool, and the
period ratio weighed by traffic where Sloth averages ratios."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import lift

PROMTOOL = shutil.which("promtool")
CORPUS = Path(__file__).resolve().parent / "corpus" / "openslo"

# Sloth's getting-started SLO, as a Lift spec: service `myservice`, SLO `requests-availability`.
SPEC = """app: myservice
regions: {{ primary: us-east-1 }}
slos:
  requests-availability:
    objective: 99.9%
    window: {window}
    prometheus:
      errors: 'sum(rate(http_request_duration_seconds_count{{job="myservice",code=~"(5..|429)"}}[{{{{window}}}}]))'
      total: 'sum(rate(http_request_duration_seconds_count{{job="myservice"}}[{{{{window}}}}]))'
"""

# What Sloth records for one SLO (facts from its golden files): the ratios by window, then the metadata.
SLOTH_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
SLOTH_META = [
    "slo:objective:ratio",
    "slo:error_budget:ratio",
    "slo:time_period:days",
    "slo:current_burn_rate:ratio",
    "slo:period_burn_rate:ratio",
    "slo:period_error_budget_remaining:ratio",
    "sloth_slo_info",
]
IDS = {"sloth_id": "myservice-requests-availability", "sloth_service": "myservice", "sloth_slo": "requests-availability"}


def rules(window: str) -> list:
    text = lift.loads(SPEC.format(window=window)).slo_rules("prometheus")["slo-rules.yaml"]
    (group,) = yaml.safe_load(text)["groups"]
    return group["rules"]


@pytest.mark.parametrize(("window", "period"), [("30d", "30d"), ("28d", "4w")])
def test_every_series_sloth_records_with_its_labels(window, period):
    got = rules(window)
    records = {r["record"]: r for r in got if "record" in r}
    ratios = [f"slo:sli_error:ratio_rate{w}" for w in (SLOTH_WINDOWS if window == "30d" else ["5m"])] + [f"slo:sli_error:ratio_rate{period}"]
    for name in ratios + SLOTH_META:
        assert name in records, name
        labels = records[name]["labels"]
        assert {k: labels[k] for k in IDS} == IDS, name
        if name.startswith("slo:sli_error:"):
            assert labels["sloth_window"] == name.removeprefix("slo:sli_error:ratio_rate")
    assert records["slo:time_period:days"]["expr"] == f"vector({window[:-1]})"
    assert records["slo:objective:ratio"]["expr"] == "vector(0.999)"  # not Sloth's 0.9990000000000001
    assert records["sloth_slo_info"]["labels"]["sloth_objective"] == "99.9"
    # Burn rates divide by the budget as Sloth's do.
    assert "/ on(sloth_id, sloth_slo, sloth_service) group_left" in records["slo:current_burn_rate:ratio"]["expr"]
    assert records["slo:period_error_budget_remaining:ratio"]["expr"].startswith("1 - slo:period_burn_rate:ratio{")


def test_one_page_and_one_ticket_alert_each_joining_its_window_pairs():
    alerts = [r for r in rules("30d") if "alert" in r]
    assert [a["labels"]["sloth_severity"] for a in alerts] == ["page", "ticket"]
    page, ticket = (a["expr"] for a in alerts)
    # Each the OR of two pairs, each window's ratio taken without `sloth_window` so the pair can match.
    assert page.count("\nor\n") == 1 and ticket.count("\nor\n") == 1
    assert page.count(") without (sloth_window)") == 4
    # The Workbook's pairs, with exact thresholds (14.4 x 0.001) where Sloth writes `(14.4 * 0.0009999999999999432)`.
    assert "slo:sli_error:ratio_rate5m{" in page and "> 0.0144)" in page and "slo:sli_error:ratio_rate6h{" in page and "> 0.006)" in page
    assert "slo:sli_error:ratio_rate3d{" in ticket and "> 0.001)" in ticket and "slo:sli_error:ratio_rate1d{" in ticket


def test_an_openslo_document_sloth_publishes_keeps_sloths_slo_name():
    text = (CORPUS / "sloth__examples__openslo-getting-started.yml").read_text()
    slos = yaml.safe_load(lift.import_openslo(text))["slos"]
    spec = {"app": "my-service", "regions": {"primary": "us-east-1"}, "slos": slos}
    got = yaml.safe_load(lift.loads(yaml.safe_dump(spec)).slo_rules("prometheus")["slo-rules.yaml"])
    labels = got["groups"][0]["rules"][0]["labels"]
    # Sloth's generated rules for this document carry exactly these.
    assert (labels["sloth_id"], labels["sloth_service"], labels["sloth_slo"]) == (
        "my-service-sloth-slo-my-service-0",
        "my-service",
        "sloth-slo-my-service-0",
    )


def series(good_per_min, bad_per_min):
    """promtool input values: counters that grow by the given amounts per minute, minute by minute (15s steps)."""

    def values(per_min):
        out, total = [], 0
        for n in per_min:
            for _ in range(4):
                out.append(str(total))
                total += n / 4
        return " ".join(out)

    return values(good_per_min), values(bad_per_min)


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is installed by scripts/setup (Debian's prometheus package)")
def test_the_period_ratio_weighs_by_traffic(tmp_path):
    """A quiet, failing hour and a busy, clean hour: 600 bad of 60,600 events (0.99%).
    Sloth's mean of 5m ratios would read about 25% (half the minutes at 50%); Lift's recorded period ratio reads the count ratio."""
    minutes = 120
    good = [10 * (m < 60) + 1000 * (m >= 60) for m in range(minutes)]
    bad = [10 * (m < 60) for m in range(minutes)]
    g, b = series(good, bad)
    (tmp_path / "slo-rules.yaml").write_text(lift.loads(SPEC.format(window="30d")).slo_rules("prometheus")["slo-rules.yaml"])
    sel = 'sloth_id="myservice-requests-availability", sloth_service="myservice", sloth_slo="requests-availability"'
    period = f"slo:sli_error:ratio_rate30d{{{sel}}}"
    five = f"slo:sli_error:ratio_rate5m{{{sel}}}"
    test = {
        "rule_files": ["slo-rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "15s",
                "input_series": [
                    {"series": 'http_request_duration_seconds_count{job="myservice",code="200"}', "values": g},
                    {"series": 'http_request_duration_seconds_count{job="myservice",code="500"}', "values": b},
                ],
                "promql_expr_test": [
                    # Within 5% of the true 600 / 60,600.
                    {"expr": f"abs({period} - 600 / 60600) < bool (0.05 * 600 / 60600)", "eval_time": "119m", "exp_samples": [{"labels": f"{{{sel}, sloth_window=\"30d\"}}", "value": 1}]},
                    # Sloth's period ratio (the mean of the 5m ratios) is far off: above 20%, twenty times the truth.
                    {"expr": f"(sum_over_time({five}[30d]) / count_over_time({five}[30d])) > bool 0.2", "eval_time": "119m", "exp_samples": [{"labels": f"{{{sel}, sloth_window=\"5m\"}}", "value": 1}]},
                ],
            }
        ],
    }
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(test))
    r = subprocess.run([PROMTOOL, "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0 and "SUCCESS" in r.stdout, r.stdout + r.stderr
