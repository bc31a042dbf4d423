"""Every OpenSLO document others publish (the OpenSLO spec's README and examples,
its `oslo` tool's test inputs, Sloth's examples; copied verbatim, sources in
corpus/openslo/SOURCES.txt) through `lift slo import`, against the outcome
written beside it: imported, or refused with the document, field and reason.
`LIFT_UPDATE_EXPECTED=1` rewrites the outcomes, for review in the diff."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import lift

CORPUS = Path(__file__).resolve().parent / "corpus" / "openslo"
DOCS = sorted(p for p in CORPUS.iterdir() if p.suffix in (".yaml", ".yml"))
PROMTOOL = shutil.which("promtool")


def outcome(run, doc: Path) -> str:
    r = run("slo", "import", doc)
    shown = r.stdout if r.returncode == 0 else r.stderr
    return f"exit {r.returncode}\n" + shown.replace(str(doc), "FILE")


def test_every_document_has_its_outcome_and_source():
    sources = (CORPUS / "SOURCES.txt").read_text()
    assert len(DOCS) == 34
    for doc in DOCS:
        assert doc.name in sources, doc.name
        assert (CORPUS / f"{doc.name}.expected").exists() or os.environ.get("LIFT_UPDATE_EXPECTED"), doc.name
    assert {p.name.removesuffix(".expected") for p in CORPUS.glob("*.expected")} == {d.name for d in DOCS}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_each_document_gets_its_expected_outcome(run, doc):
    got = outcome(run, doc)
    expected = CORPUS / f"{doc.name}.expected"
    if os.environ.get("LIFT_UPDATE_EXPECTED"):
        expected.write_text(got)
    assert got == expected.read_text()
    if got.startswith("exit 0"):
        # Imported: something to show, and every document accounted for.
        assert "slos:" in got
    else:
        assert got.startswith("exit 1\n") and all(line.startswith("lift: error: FILE: ") for line in got.splitlines()[1:]), got


def imported() -> dict:
    slos = {}
    for doc in DOCS:
        try:
            slos.update(yaml.safe_load(lift.import_openslo(doc.read_text()))["slos"])
        except lift.ArgumentError:
            pass
    return slos


def test_the_outcomes_split_as_reviewed():
    refused = [d.name for d in DOCS if not (CORPUS / f"{d.name}.expected").read_text().startswith("exit 0")]
    assert len(refused) == 29, refused
    assert sorted(imported()) == [
        "requests-availability-openslo-0",
        "requests-latency-openslo-0",
        "requests-latency-openslo-1",
        "slo1-0",
        "sloth-slo-my-service-0",
        "web-availability",
    ]


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is installed by scripts/setup (Debian's prometheus package)")
def test_imported_slos_make_rules_promtool_accepts(tmp_path):
    spec = {"app": "corpus", "regions": {"primary": "us-east-1"}, "slos": imported()}
    files = lift.loads(yaml.safe_dump(spec)).slo_rules("prometheus")
    (tmp_path / "slo-rules.yaml").write_text(files["slo-rules.yaml"])
    check = subprocess.run([PROMTOOL, "check", "rules", "slo-rules.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # oslo's counters were taken as rates (here over each 1m timeslice): no bare counter divides another.
    rules = yaml.safe_load(files["slo-rules.yaml"])
    web = [r["expr"] for g in rules["groups"] for r in g["rules"] if r.get("record") == "slo:timeslice_bad:ratio" and "web-availability" in str(r["labels"])]
    assert len(web) == 1 and web[0].count("rate(http_requests{") == 4 and "sum(http_requests" not in web[0], web
