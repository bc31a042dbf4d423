"""SLO rules exported for Prometheus, checked by the real promtool."""

import json
import shutil
import subprocess

import pytest

import lift
from conftest import EXAMPLES

PROMTOOL = shutil.which("promtool")


def test_rules_and_tests_are_written(run, tmp_path):
    r = run("slo", "rules", "examples/shop", "--out-dir", tmp_path)
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
    assert check.returncode == 0 and "SUCCESS: 74 rules found" in check.stdout, check.stdout + check.stderr
    # A synthetic outage: nothing fires before it, every rule fires a quarter hour in, all reset hours later.
    test = subprocess.run([PROMTOOL, "test", "rules", "slo-rules.test.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert test.returncode == 0 and "SUCCESS" in test.stdout, test.stdout + test.stderr


def test_a_streaming_tracker():
    t = lift.Tracker("99.9%", "30d")
    for minute in range(120):
        good = 1000 if minute < 60 else 0  # a total outage in the second hour
        t.record(minute * 60_000, good, 1000)
    now = 119 * 60_000
    assert t.counts(now, "5m") == (0, 5000)
    assert t.counts(now, "2h") == (60_000, 120_000)
    assert t.burn_rate(now, "5m") == 1000.0
    assert t.burn_rate(now, "2h") == 500.0
    assert t.counts(now, "31d") is None
    with pytest.raises(ValueError, match="duration"):
        t.counts(now, "soon")
    with pytest.raises(ValueError):
        lift.Tracker("101%", "30d")


def test_slo_check_explains_the_rules(run):
    r = run("slo", "check", "examples/shop")
    assert r.returncode == 0, r.stderr
    assert "availability: 99.9% availability over 30d; budget 1000 per million events (43m12s of total outage)" in r.stdout
    # The Workbook: a total outage pages within about 0.9 minutes, 10% errors within about 8.6.
    assert "page     14.4x       0.0144     1h     5m              51s            8m38s" in r.stdout


def test_openslo_documents():
    yaml = pytest.importorskip("yaml")
    docs = list(yaml.safe_load_all(lift.load(EXAMPLES / "shop").slo_rules("openslo")["openslo.yaml"]))
    kinds = [d["kind"] for d in docs]
    assert kinds.count("Service") == 1 and kinds.count("SLO") == 4
    assert kinds.count("AlertPolicy") == 16 and kinds.count("AlertCondition") == 16
    assert all(d["apiVersion"] == "openslo/v1" for d in docs)
    slo = next(d for d in docs if d["kind"] == "SLO" and d["metadata"]["name"] == "shop-availability")
    assert slo["spec"]["objectives"][0]["target"] == 0.999
    assert slo["spec"]["timeWindow"] == [{"duration": "30d", "isRolling": True}]
    assert set(slo["spec"]["indicator"]["spec"]["ratioMetric"]) == {"counter", "bad", "total"}
    # A calendar month in a zone is OpenSLO's calendar window.
    contract = next(d for d in docs if d["kind"] == "SLO" and d["metadata"]["name"] == "shop-contract")
    assert contract["spec"]["timeWindow"] == [
        {"duration": "1M", "isRolling": False, "calendar": {"startTime": "2024-01-01 00:00:00", "timeZone": "Europe/Berlin"}}
    ]
    # Every policy's condition exists; the multi-window rule travels in annotations.
    names = {d["metadata"]["name"] for d in docs}
    for p in (d for d in docs if d["kind"] == "AlertPolicy"):
        assert p["spec"]["conditions"][0]["conditionRef"] in names
        assert {"lift.dev/short-window", "lift.dev/burn-rate"} <= set(p["metadata"]["annotations"])
    fast = next(d for d in docs if d["metadata"]["name"] == "shop-availability-page-1h-condition")
    assert fast["spec"]["condition"] == {"kind": "burnrate", "op": "gte", "threshold": 14.4, "lookbackWindow": "1h", "alertAfter": "0m"}


def _outage_samples(path):
    lines = ["time_ms,slo,good,total"]
    for minute in range(24 * 60):
        bad = 1000 if 600 <= minute < 630 else 0  # a 30-minute total outage
        lines.append(f"{minute * 60_000},availability,{1000 - bad},1000")
        lines.append(f"{minute * 60_000},latency,995,1000")
    path.write_text("\n".join(lines) + "\n")
    return path


SLICED = """
app: t
regions: { primary: us-east-1 }
slos:
  p99: { objective: 99%, percentile: 99%, threshold: 300ms, budgeting: timeslices, timeslice: 1m }
  orders: { objective: 99%, min_throughput: 50, budgeting: timeslices, timeslice: 5m }
  minutes: { objective: 99%, budgeting: timeslices, timeslice: 1m, timeslice_target: 95% }
  mean: { objective: 99%, budgeting: ratio-timeslices }
  journey: { objective: 99%, composite: { minutes: 2, mean: 1 } }
"""


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is installed by scripts/setup (Debian's prometheus package)")
def test_timeslice_slos_count_slices_in_promql(tmp_path):
    files = lift.loads(SLICED).slo_rules("prometheus")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    rules = files["slo-rules.yaml"]
    # Each slice's verdict is recorded once per slice (the group's interval is the slice); windows count them.
    assert "histogram_quantile(0.99, sum by (le) (rate(lift_request_duration_seconds_bucket" in rules and "> bool 0.3" in rules
    assert "interval: \"5m\"" in rules and "* 300 < bool 50" in rules
    assert r'count_over_time(slo:timeslice_bad:ratio{sloth_id=\"t-orders\", sloth_service=\"t\", sloth_slo=\"orders\"}[1h])' in rules
    check = subprocess.run([PROMTOOL, "check", "rules", "slo-rules.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # The outage replay covers the slice SLOs on Lift's own counter (and their composite): every alert
    # fires a quarter hour into a total outage and resets hours after it.
    tests = files["slo-rules.test.yaml"]
    assert all(f"sloth_slo: {n}" in tests for n in ("minutes", "mean", "journey"))
    test = subprocess.run([PROMTOOL, "test", "rules", "slo-rules.test.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert test.returncode == 0 and "SUCCESS" in test.stdout, test.stdout + test.stderr


def test_sla_report_in_three_formats(run, tmp_path):
    samples = _outage_samples(tmp_path / "samples.csv")
    md = run("slo", "report", "examples/shop", "--samples", samples)
    assert md.returncode == 0, md.stderr
    assert "| availability | 99.9% | 97.9167% | **no** | 2083.3333% | 1440000 |" in md.stdout
    assert "| latency | 99% | 99.5% | yes | 50% | 1440000 | 0 |" in md.stdout
    assert "page (1h window) fired +10h, resolved" in md.stdout
    assert "rollouts frozen: budget spent" in md.stdout
    j = run("slo", "report", "examples/shop", "--samples", samples, "--format", "json")
    report = json.loads(j.stdout)
    met = {s["name"]: s["met"] for s in report["slos"]}
    # `contract` has no samples: no data, not a pass or a fail.
    assert met == {"availability": False, "checkout": False, "contract": None, "latency": True}
    out = tmp_path / "report.html"
    h = run("slo", "report", "examples/shop", "--samples", samples, "--format", "html", "--output", out)
    assert h.returncode == 0
    html = out.read_text()
    assert html.startswith("<!doctype html>") and html.count("<svg") == 4 and "<polyline" in html


def test_the_bundled_samples_report_a_calendar_month_without_its_maintenance(run):
    r = run("slo", "report", "examples/shop", "--samples", "examples/shop/samples.csv", "--format", "json")
    assert r.returncode == 0, r.stderr
    slos = {s["name"]: s for s in json.loads(r.stdout)["slos"]}
    contract = slos["contract"]
    # November in Berlin: from 23:00 UTC on October 31st to 23:00 UTC on November 30th.
    assert contract["window"] == "month" and contract["period"] == [1793487600000, 1796079600000]
    # The hour of maintenance fails every request, and counts for nothing.
    assert contract["excluded"]["good"] == 0 and contract["excluded"]["total"] > 0
    assert contract["met"] is True and contract["incidents"] == []
    # The rolling SLOs have no maintenance: the same hour pages and spends their budget.
    assert slos["availability"]["met"] is False and any(i["severity"] == "page" for i in slos["availability"]["incidents"])
    assert contract["counts"]["total"] + contract["excluded"]["total"] == slos["availability"]["counts"]["total"]


def test_bad_samples_name_their_lines(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("time_ms,slo,good,total\n0,availability,10,5\nnot,a,line\n")
    r = run("slo", "report", "examples/shop", "--samples", bad)
    assert r.returncode == 2
    assert "line 2" in r.stderr and "line 3" in r.stderr


def test_openslo_round_trip_through_the_cli(run, tmp_path):
    r = run("slo", "rules", "examples/shop", "--format", "openslo", "--out-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    back = run("slo", "import", tmp_path / "openslo.yaml")
    assert back.returncode == 0, back.stderr
    yaml = pytest.importorskip("yaml")
    slos = yaml.safe_load(back.stdout)["slos"]
    assert slos["availability"]["objective"] == "99.9%" and slos["latency"]["threshold"] == "300ms"
    spec = yaml.safe_load((EXAMPLES / "shop" / "lift.yaml").read_text())
    assert {k: v["objective"] for k, v in slos.items()} == {k: v["objective"] for k, v in spec["slos"].items()}


def test_a_streaming_evaluator_pages_escalates_and_gates_rollouts():
    app = lift.load(EXAMPLES / "shop")
    ev = app.slo_evaluator("availability", escalation=[("oncall", "0s"), ("lead", "30m")])
    assert ev.gate()[0] == "no-data"
    actions = []
    for minute in range(120):
        good = 0 if 60 <= minute < 90 else 1000
        for a in ev.record(minute * 60_000, good, 1000):
            actions.append((minute, a))
        if minute == 65:
            verdict, evidence = ev.gate()
            assert verdict == "fail", (verdict, evidence)
            # The numbers behind it: the page's windows, each burning over its 14.4x threshold.
            burns = [(m["window"], m["threshold"]) for m in evidence["measurements"]][:2]
            assert burns == [("1h", 14.4), ("5m", 14.4)], evidence
            assert all(m["value"] >= m["threshold"] for m in evidence["measurements"][:2]), evidence
            assert ev.status()["rules"][0]["firing_since"] is not None
            # The state survives a restart, byte for byte.
            ev = lift.Evaluator.from_json(ev.to_json())
    kinds = [(m, a["kind"]) for m, a in actions]
    first_fire = next(m for m, k in kinds if k == "fire")
    assert 60 <= first_fire <= 62, kinds
    assert (first_fire, "notify") in kinds and any(k == "notify" and m >= first_fire + 30 for m, k in kinds)
    assert any(k == "freeze-rollouts" for _, k in kinds)
    with pytest.raises(ValueError, match="unknown SLO `nope`; use `availability`"):
        app.slo_evaluator("nope")


def test_a_composite_evaluator_in_python_is_fed_its_parts():
    app = lift.load(EXAMPLES / "shop")
    ev = app.slo_evaluator("checkout")
    assert ev.parts == ["availability", "latency"]
    # Latency (weight 1) all slow on its little traffic, availability (weight 3) clean on a lot:
    # (3 x 0 + 1 x 1) / 4 = 25% of errors against a 0.5% budget, a 50x burn that pages.
    kinds = []
    for m in range(30):
        kinds += [a["kind"] for a in ev.record_part(m * 60_000, "availability", 100_000, 100_000)]
        kinds += [a["kind"] for a in ev.record_part(m * 60_000, "latency", 0, 10)]
    assert "fire" in kinds, kinds
    assert ev.gate()[0] == "fail"
    with pytest.raises(ValueError, match="composite of availability, latency: `record` has no place"):
        ev.record(0, 1, 1)
    with pytest.raises(ValueError, match="no part `latancy`: its parts are availability, latency"):
        ev.record_part(0, "latancy", 1, 1)
    with pytest.raises(ValueError, match="not a composite"):
        app.slo_evaluator("availability").record_part(0, "latency", 1, 1)


def test_percentile_slices_in_python():
    s = lift.PercentileSlices("99%", "300ms", "1m")
    for i in range(100):
        assert s.record(i * 100, 900.0 if i >= 98 else 50.0) is None
    end, good, p99, count = s.record(60_000, 10.0)
    assert (end, good, count) == (60_000, False, 100) and abs(p99 - 900.0) <= 9.0
    assert s.tick(120_000)[1] is True
    with pytest.raises(ValueError, match="percentage"):
        lift.PercentileSlices("lots", "300ms", "1m")


def test_impossible_samples_are_refused_through_the_python_api():
    app = lift.load(EXAMPLES / "shop")
    ev = app.slo_evaluator("availability")
    with pytest.raises(ValueError, match="100 good events of 10"):
        ev.record(0, 100, 10)
    t = lift.Tracker("99.9%", "30d")
    with pytest.raises(ValueError, match="more good than there were"):
        t.record(0, 2, 1)
    # The refused samples were not counted.
    t.record(0, 1, 1)
    assert t.counts(0, "1h") == (1, 1)
