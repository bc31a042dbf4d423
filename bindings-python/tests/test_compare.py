"""`benches/compare/run --quick` (the side-by-side comparison in one
repetition, as CI runs it): it installs its peers, measures every section and
writes a results file of the same shape as the committed benches/RESULTS.md.
No assertion on speed: one repetition on a shared machine is noise."""

import re
import subprocess
from pathlib import Path

from conftest import ROOT

SECTIONS = [
    "## The same apps in each tool",
    "### The small app",
    "### The shop app",
    "## What validation catches",
    "## SLO rules: the same objectives in Lift, Sloth and Pyrra",
    "## Against the targets (the small app)",
]


def rows(text: str, header: str) -> list:
    part = text.split(header, 1)[1].split("\n## ", 1)[0]
    return [line.split("|")[1].strip() for line in part.splitlines() if line.startswith("| ") and not line.startswith("|---")]


def test_the_quick_comparison_writes_every_section(tmp_path):
    out = tmp_path / "RESULTS.md"
    r = subprocess.run([str(ROOT / "benches" / "compare" / "run"), "--quick", "--out", str(out)], capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    text = out.read_text()
    assert text.startswith("# Lift side by side\n\nWritten by `benches/compare/run --quick`")
    assert all(s in text for s in SECTIONS)
    # Every tool's output was described, for both apps, and every defect judged by both validators.
    assert len(re.findall(r"\| \*\*resources\*\* \| \*\*\d+\*\* \| \*\*\d+\*\* \| \*\*\d+\*\* \| \*\*\d+\*\* \|", text)) == 2, text
    part = text.split("## What validation catches", 1)[1].split("\n## ", 1)[0]
    caught = [line.split("|") for line in part.splitlines() if line.startswith("| ") and not line.startswith("| defect")]
    assert len(caught) == 8 and all(re.fullmatch(r" E\d{3}(, E\d{3})* ", row[2]) for row in caught), caught
    # The committed results come from the full run and have the same rows.
    committed = (ROOT / "benches" / "RESULTS.md").read_text()
    assert committed.startswith("# Lift side by side\n\nWritten by `benches/compare/run` in ")
    for header in SECTIONS:
        assert rows(text, header) == rows(committed, header), header
