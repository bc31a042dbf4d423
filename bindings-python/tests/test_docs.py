"""The README and docs/ say only what is true of the `lift` command: every
command they show exists in `lift --help` (subcommands in their group's
help), every diagnostic code the core has is documented, and the links
between the documents lead somewhere."""

import re
import subprocess
from pathlib import Path

import lift
from lift import _lift

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benches" / "README.md"]
GROUPS = {"slo", "plugin", "local"}
# `lift` followed by a command word: in console blocks after `$ `, and in inline code.
COMMAND = re.compile(r"(?:^\$ |`)lift ([a-z][a-z-]*)(?: ([a-z][a-z|-]*))?", re.M)


def help_commands(*group: str) -> set:
    r = subprocess.run(["lift", *group, "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    # argparse lists each subcommand under the COMMAND heading, indented four spaces.
    section = r.stdout.split("positional arguments:", 1)[1].split("options:", 1)[0]
    listed = set(re.findall(r"^    ([a-z][a-z-]*)(?=\s|$)", section, re.M))
    assert listed, r.stdout
    return listed


def shown_commands():
    for doc in DOCS:
        for m in COMMAND.finditer(doc.read_text(encoding="utf-8")):
            yield doc.relative_to(ROOT), m.group(1), m.group(2)


def test_every_command_the_docs_show_exists_in_lift_help():
    top = help_commands()
    groups = {g: help_commands(g) for g in GROUPS}
    shown = list(shown_commands())
    assert len(shown) > 20, shown
    missing = []
    for doc, command, sub in shown:
        if command not in top:
            missing.append(f"{doc}: lift {command}")
        elif command in GROUPS and sub:
            missing += [f"{doc}: lift {command} {s}" for s in sub.split("|") if s not in groups[command]]
    assert not missing, missing
    # And the other way round: every command lift has is documented somewhere.
    documented = {c for _, c, _ in shown}
    assert top <= documented, top - documented


def test_every_diagnostic_code_is_documented():
    text = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    codes = _lift.diagnostic_codes()
    assert len(codes) >= 18
    assert [c for c in codes if f"| {c} |" not in text] == []


def test_links_between_the_documents_lead_somewhere():
    broken = []
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not broken, broken


def test_the_caps_in_the_docs_are_the_ones_validation_applies():
    # docs/spec.md says a bake is at most 7d and an increment at least 1%: the spec says so too.
    text = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    assert "at most `7d`" in text and "at least `1%`" in text and "at least `1h`, at most `366d`" in text
    over = lift.loads("app: a\nregions: { primary: us-east-1 }\nrollout: { bake: 8d, increment: 0.5%, strategy: linear }\n").validate()
    assert {(d.pointer, d.code) for d in over if d.is_error} == {("/rollout/bake", "E105"), ("/rollout/increment", "E105")}, over
    short = lift.loads("app: a\nregions: { primary: us-east-1 }\nslos: { s: { objective: 99%, window: 59m } }\n").validate()
    assert [(d.pointer, d.code) for d in short if d.is_error] == [("/slos/s/window", "E105")], short
    inside = lift.loads("app: a\nregions: { primary: us-east-1 }\nrollout: { bake: 7d, increment: 1%, strategy: linear }\n").validate()
    assert not [d for d in inside if d.is_error], inside
