"""`lift validate` as a linter: many specs at once (files, or directories
searched for `lift.yaml`/`lift.yml`/`lift.json`), codes selected and ignored
by prefix as ruff does (`--select E2,W405 --ignore W403`), and the
diagnostics in the formats CI systems read:

- `text`: compiler-style lines, as `lift validate` always printed them;
- `json`: a list of diagnostics, each with its `file`;
- `sarif`: SARIF 2.1.0, for code-scanning uploads (one run, one rule per code);
- `github`: GitHub Actions workflow commands (`::error file=...,line=...::`),
  which annotate a pull request's diff;
- `junit`: JUnit XML, one test case per spec, failed by its errors.

All of it goes to standard output.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple
from xml.sax.saxutils import escape, quoteattr

from . import SPEC_NAMES, Diagnostic, ValidationError, __version__, _lift, load

FORMATS = ("text", "json", "sarif", "github", "junit")

# What a directory search never enters.
_SKIP = {"node_modules", "target", "__pycache__", ".git", ".venv", "cdk.out"}

#: Each diagnostic code and what it means, from the core (docs/diagnostics.md says more).
CODES: Dict[str, str] = dict(_lift.diagnostic_code_summaries())


def find_specs(paths: Sequence[str]) -> Tuple[List[Path], List[str]]:
    """The spec files `paths` name, in order, once each; and the paths that name none."""
    found: List[Path] = []
    missing: List[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            found.append(p)
        elif p.is_dir():
            own = [p / n for n in SPEC_NAMES if (p / n).is_file()]
            if own:
                found.append(own[0])
                continue
            below = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith("."))
                name = next((n for n in SPEC_NAMES if n in files), None)
                if name:
                    below.append(Path(root) / name)
            if below:
                found.extend(below)
            else:
                missing.append(f"no {', '.join(SPEC_NAMES)} in or under `{p}`")
        else:
            missing.append(f"no spec at `{p}`")
    seen, unique = set(), []
    for f in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, missing


def _codes(text: Optional[str]) -> List[str]:
    return [c.strip().upper() for c in (text or "").split(",") if c.strip()]


def check_codes(select: Optional[str], ignore: Optional[str]) -> Optional[str]:
    """Why a `--select`/`--ignore` list is wrong, if it is: each entry must be a prefix of some code."""
    for c in _codes(select) + _codes(ignore):
        if c != "ALL" and not any(code.startswith(c) for code in CODES):
            return f"`{c}` is not a diagnostic code or a prefix of one (codes: {', '.join(CODES)})"
    return None


def chosen(diags: Iterable[Diagnostic], select: Optional[str], ignore: Optional[str]) -> List[Diagnostic]:
    """The diagnostics whose codes start with a selected prefix and with no
    longer ignored one (`--select W --ignore W4 --select W405` keeps W405)."""
    sel, ign = _codes(select) or ["ALL"], _codes(ignore)

    def longest(code: str, prefixes: List[str]) -> int:
        return max((0 if p == "ALL" else len(p) for p in prefixes if p == "ALL" or code.startswith(p)), default=-1)

    return [d for d in diags if longest(d.code, sel) >= 0 and longest(d.code, sel) > longest(d.code, ign)]


class Checked:
    """One spec's diagnostics, and what it is when it loaded."""

    def __init__(self, path: Path, diagnostics: List[Diagnostic], about: Optional[str] = None):
        self.path, self.diagnostics, self.about = path, diagnostics, about


def check(paths: Sequence[Path], select: Optional[str] = None, ignore: Optional[str] = None) -> List[Checked]:
    """Every spec's chosen diagnostics (a spec that does not parse gives its parse errors)."""
    out = []
    for p in paths:
        about = None
        try:
            app = load(p)
            diags = app.validate()
            about = f"{app.name}, {len(app.regions)} region(s): {', '.join(app.regions)}"
        except ValidationError as e:
            diags = e.diagnostics
        out.append(Checked(p, chosen(diags, select, ignore), about))
    return out


def render(results: List[Checked], fmt: str) -> str:
    """The diagnostics of every spec in `fmt` (one of `FORMATS`)."""
    every = [d for r in results for d in r.diagnostics]
    if fmt == "json":
        return json.dumps([d.to_dict() for d in every], indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(_sarif(every), indent=2) + "\n"
    if fmt == "github":
        return "".join(_github(d) + "\n" for d in every)
    if fmt == "junit":
        return _junit(results)
    lines = [str(d) for d in every]
    lines += [f"{r.path}: ok ({r.about})" for r in results if not any(d.is_error for d in r.diagnostics) and r.about]
    errors = sum(d.is_error for d in every)
    if every:
        specs = f" in {len(results)} specs" if len(results) > 1 else ""
        lines.append(f"{errors} error(s), {len(every) - errors} warning(s){specs}")
    return "\n".join(lines) + "\n"


def _location(d: Diagnostic) -> dict:
    region: dict = {}
    if d.line:
        region["startLine"] = d.line
    if d.column:
        region["startColumn"] = d.column
    physical: dict = {"artifactLocation": {"uri": Path(d.file or "<spec>").as_posix()}}
    if region:
        physical["region"] = region
    return {"physicalLocation": physical, "logicalLocations": [{"fullyQualifiedName": d.pointer or "/", "kind": "object"}]}


def _sarif(every: List[Diagnostic]) -> dict:
    codes = sorted({d.code for d in every})
    rules = [
        {
            "id": c,
            "shortDescription": {"text": CODES.get(c, c)},
            "defaultConfiguration": {"level": "error" if c.startswith("E") else "warning"},
        }
        for c in codes
    ]
    results = []
    for d in every:
        text = d.message + (f" (hint: {d.hint})" if d.hint else "")
        results.append({"ruleId": d.code, "ruleIndex": codes.index(d.code), "level": "error" if d.is_error else "warning", "message": {"text": text}, "locations": [_location(d)]})
    driver = {"name": "lift", "version": __version__, "rules": rules}
    return {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]}


def _github_escape(text: str, prop: bool = False) -> str:
    # GitHub's workflow-command escapes: %, CR and LF everywhere; `:` and `,` in properties.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _github(d: Diagnostic) -> str:
    props = [f"file={_github_escape(d.file or '<spec>', True)}"]
    if d.line:
        props.append(f"line={d.line}")
    if d.column:
        props.append(f"col={d.column}")
    title = f"{d.code} at {d.pointer or '/'}"
    props.append(f"title={_github_escape(title, True)}")
    text = d.message + (f" (hint: {d.hint})" if d.hint else "")
    return f"::{'error' if d.is_error else 'warning'} {','.join(props)}::{_github_escape(text)}"


def _junit(results: List[Checked]) -> str:
    failures = sum(1 for r in results if any(d.is_error for d in r.diagnostics))
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<testsuites name="lift validate" tests="{len(results)}" failures="{failures}" errors="0">']
    out.append(f'  <testsuite name="lift validate" tests="{len(results)}" failures="{failures}" errors="0" skipped="0">')
    for r in results:
        out.append(f"    <testcase classname={quoteattr('lift.validate')} name={quoteattr(str(r.path))}>")
        errors = [d for d in r.diagnostics if d.is_error]
        if errors:
            body = "\n".join(str(d) for d in errors)
            out.append(f"      <failure message={quoteattr(f'{len(errors)} error(s)')} type={quoteattr(errors[0].code)}>{escape(body)}</failure>")
        warnings = [d for d in r.diagnostics if not d.is_error]
        if warnings:
            out.append(f"      <system-out>{escape(chr(10).join(str(d) for d in warnings))}</system-out>")
        out.append("    </testcase>")
    out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
