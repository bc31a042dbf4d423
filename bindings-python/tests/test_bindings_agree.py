"""One App, one answer: every example, valid and invalid, through every
operation both bindings expose, in the Python extension and in the browser's
WebAssembly module (run by Node). The answers, or the errors with their
diagnostics, must be equal."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import lift
from lift import _lift

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file())

# Each operation as (name, arguments); the spec comes first in both bindings.
OPERATIONS = [
    ("validate", []),
    *[("synth", [f]) for f in _lift.formats()],
    ("synth", ["tf"]),  # an alias: both bindings take the core's
    ("synth", ["toml"]),  # unknown: the same message from both
    ("plan", ["text"]),
    ("plan", ["json"]),
    ("plan", ["svg"]),
    ("graph", ["@primary"]),
    ("graph", ["mars-north-1"]),
    ("drill", ["region-outage", "2h", "text"]),
    ("drill", ["flapping", "1h", "json"]),
    ("drill", ["earthquake", "1h", "text"]),
    ("slo_rules", ["prometheus", "slo-rules.yaml"]),
    ("slo_rules", ["openslo", "slo-rules.yaml"]),
    ("resolve", []),
]

NODE_RUNNER = r"""
import { readFileSync } from "node:fs";
import { initSync, validate, synth, plan, planJson, graph, drill, sloRules, resolve } from "./pkg/lift_wasm.js";
initSync({ module: readFileSync("./pkg/lift_wasm_bg.wasm") });
const cases = JSON.parse(readFileSync(0, "utf8"));
const call = {
  // An absent app name is `undefined` in JavaScript and `None` in Python: the same answer.
  validate: (s) => { const v = validate(s); return { ...v, app: v.app ?? null }; },
  synth: (s, f) => synth(s, f),
  plan: (s, f) => (f === "json" ? planJson(s) : f === "svg" ? plan(s).svg : plan(s).text),
  graph: (s, r) => graph(s, r),
  drill: (s, sc, d, f) => drill(s, sc, d, f),
  slo_rules: (s, f, name) => sloRules(s, f, name).files,
  resolve: (s) => JSON.parse(resolve(s)),
};
const out = cases.map(([op, spec, args]) => {
  try {
    return { ok: call[op](spec, ...args) };
  } catch (e) {
    return { error: e.message, diagnostics: e.diagnostics ?? null };
  }
});
process.stdout.write(JSON.stringify(out));
"""


def diagnostic(d) -> dict:
    out = {"code": d.code, "severity": d.severity, "pointer": d.pointer}
    if d.line is not None:
        out["location"] = {"line": d.line, "column": d.column}
    out["message"] = d.message
    if d.hint is not None:
        out["hint"] = d.hint
    return out


def python_answer(op: str, text: str, args: list):
    """The Python extension's answer, in the browser module's shape."""
    if op == "validate":
        try:
            app = _lift.parse(text)
        except _lift.SpecError as e:
            return {"ok": {"app": None, "regions": [], "diagnostics": [diagnostic(d) for d in e.args[1]]}}
        return {"ok": {"app": app.name, "regions": list(app.regions), "diagnostics": [diagnostic(d) for d in app.validate()]}}
    try:
        app = _lift.parse(text)
        if op == "synth":
            files, warnings = app.files(args[0])
            return {"ok": {"files": [{"path": p, "text": t} for p, t in files], "warnings": [diagnostic(w) for w in warnings]}}
        if op == "plan":
            return {"ok": app.plan(args[0])}
        if op == "graph":
            return {"ok": app.graph_svg(args[0])}
        if op == "drill":
            return {"ok": app.drill(*args)}
        if op == "slo_rules":
            return {"ok": [{"path": p, "text": t} for p, t in app.slo_rules(*args)]}
        if op == "resolve":
            return {"ok": json.loads(app.resolved())}
    except _lift.SpecError as e:
        return {"error": e.args[0], "diagnostics": [diagnostic(d) for d in e.args[1]]}
    except (_lift.RegionError, _lift.ArgumentError) as e:
        return {"error": str(e), "diagnostics": None}
    raise AssertionError(f"no such operation {op}")


def primary(text: str) -> str:
    try:
        return _lift.parse(text).regions[0]
    except _lift.SpecError:
        return "us-east-1"


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    if not shutil.which("node"):
        pytest.fail("node is not installed (scripts/setup installs it)")
    pkg = Path(lift.__file__).parent / "preview" / "pkg"
    assert (pkg / "lift_wasm_bg.wasm").exists(), "the browser module is not installed (scripts/build-web)"
    work = tmp_path_factory.mktemp("agree")
    shutil.copytree(pkg, work / "pkg")
    (work / "run.mjs").write_text(NODE_RUNNER)
    cases = []
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        for op, args in OPERATIONS:
            args = [primary(text) if a == "@primary" else a for a in args]
            cases.append((op, text, args, path.relative_to(ROOT)))
    run = subprocess.run(
        ["node", "run.mjs"], cwd=work, input=json.dumps([c[:3] for c in cases]), capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr
    browser = json.loads(run.stdout)
    return [(str(c[3]), c[0], c[2], python_answer(c[0], c[1], c[2]), b) for c, b in zip(cases, browser)]


def test_every_example_gets_the_same_answer_from_both_bindings(answers):
    assert len(answers) == len(EXAMPLES) * len(OPERATIONS)
    differ = [(path, op, args) for path, op, args, py, js in answers if py != js]
    assert not differ, f"{len(differ)} answers differ, the first: {differ[:5]}"


def test_the_comparison_covers_answers_and_errors_of_every_kind(answers):
    # Equal answers prove little if every one is an error: each kind shows up.
    kinds = {("ok" if "ok" in py else "invalid" if py["diagnostics"] else "argument") for _, _, _, py, _ in answers}
    assert kinds == {"ok", "invalid", "argument"}, kinds
    shop = {(op, tuple(args)): py for path, op, args, py, _ in answers if path == "examples/shop/lift.yaml"}
    assert "ok" in shop[("synth", ("tf",))] and shop[("synth", ("tf",))] == shop[("synth", ("terraform",))]
    assert shop[("synth", ("toml",))]["error"].startswith("unknown format `toml`; use `cloudformation`")
    assert shop[("drill", ("earthquake", "1h", "text"))]["error"].startswith("unknown drill scenario `earthquake`")
    # An invalid spec is refused by plan and graph alike, with the same diagnostics as validate finds.
    cycle = {(op, tuple(args)): py for path, op, args, py, _ in answers if path == "examples/invalid/cycle.yaml"}
    assert cycle[("graph", (primary((ROOT / "examples/invalid/cycle.yaml").read_text()),))]["diagnostics"]
