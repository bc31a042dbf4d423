"""Lift: ship serverless apps on AWS safely, across regions.

Read an app spec, validate it, and synthesize CloudFormation::

    import lift
    app = lift.load("examples/shop")
    problems = app.validate()
    template = app.synth("cloudformation", region="us-east-1")
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from . import _lift

__all__ = [
    "App",
    "Diagnostic",
    "LiftError",
    "ValidationError",
    "RegionError",
    "SpecNotFoundError",
    "load",
    "loads",
    "from_dict",
    "import_openslo",
    "schema",
    "schema_path",
    "FORMATS",
    "Tracker",
    "Evaluator",
    "PercentileSlices",
    "plugins",
    "__version__",
]

__version__: str = _lift.__version__
Tracker = _lift.Tracker  # streaming SLO counts: Tracker("99.9%", "30d").record(at_ms, good, total)
# p99 per minute against 300 ms: PercentileSlices("99%", "300ms", "1m").record(at_ms, latency_ms) -> closed slice's verdict
PercentileSlices = _lift.PercentileSlices
FORMATS: List[str] = list(_lift.formats())
SPEC_NAMES = ("lift.yaml", "lift.yml", "lift.json")


class LiftError(Exception):
    """Base class of every error Lift raises."""


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a spec: a code, a severity, where, what and how to fix it."""

    code: str
    severity: str
    pointer: str
    message: str
    line: Optional[int] = None
    column: Optional[int] = None
    hint: Optional[str] = None
    file: Optional[str] = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @classmethod
    def _from_json(cls, d: Dict[str, Any], file: Optional[str]) -> "Diagnostic":
        loc = d.get("location") or {}
        return cls(
            code=d["code"],
            severity=d["severity"],
            pointer=d.get("pointer", ""),
            message=d["message"],
            line=loc.get("line"),
            column=loc.get("column"),
            hint=d.get("hint"),
            file=file,
        )

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict (what `lift validate --format json` prints)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def __str__(self) -> str:
        # The core renders diagnostics, so every front end prints them the same way.
        raw: Dict[str, Any] = {"code": self.code, "severity": self.severity, "pointer": self.pointer, "message": self.message}
        if self.line is not None:
            raw["location"] = {"line": self.line, "column": self.column}
        if self.hint is not None:
            raw["hint"] = self.hint
        return _lift.render(json.dumps(raw), self.file or "<spec>")


def _diagnostics(raw: str, file: Optional[str]) -> List[Diagnostic]:
    return [Diagnostic._from_json(d, file) for d in json.loads(raw)]


class ValidationError(LiftError, ValueError):
    """The spec has errors. `diagnostics` holds all of them (and any warnings)."""

    def __init__(self, diagnostics: List[Diagnostic]):
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.is_error]
        summary = f"the spec has {len(errors)} error(s)"
        super().__init__(summary + "".join("\n" + str(d) for d in errors))

    @property
    def errors(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


class RegionError(LiftError, ValueError):
    """A region was asked for that the app does not have."""


class SpecNotFoundError(LiftError, FileNotFoundError):
    """No spec file at the path given."""


class Evaluator:
    """One SLO's alerts as samples stream in. Make one with `App.slo_evaluator`."""

    def __init__(self, inner: Any):
        self._inner = inner

    def record(self, at_ms: int, good: int, total: int) -> List[Dict[str, Any]]:
        """Record `good` of `total` events at `at_ms`; the actions now due."""
        return [json.loads(a) for a in self._inner.record(at_ms, good, total)]

    def record_latency(self, at_ms: int, latency_ms: float) -> List[Dict[str, Any]]:
        """Record one request's latency at `at_ms` (percentile SLOs); the actions now due."""
        return [json.loads(a) for a in self._inner.record_latency(at_ms, latency_ms)]

    def poll(self, now_ms: int) -> List[Dict[str, Any]]:
        """Actions due at `now_ms` without new samples (escalations)."""
        return [json.loads(a) for a in self._inner.poll(now_ms)]

    def acknowledge(self, now_ms: int, rule: int) -> None:
        """Stop escalating rule `rule`'s alert."""
        self._inner.acknowledge(now_ms, rule)

    def gate(self) -> Tuple[str, str]:
        """A rollout SLO gate's `(verdict, evidence)`: `pass`, `fail`, `inconclusive` or `no-data`."""
        return self._inner.gate()

    def to_json(self) -> str:
        """The whole state, to keep across restarts."""
        return self._inner.to_json()

    @staticmethod
    def from_json(text: str) -> "Evaluator":
        """An evaluator from `to_json`'s state."""
        return Evaluator(_lift.Evaluator.from_json(text))


class App:
    """A loaded app spec. Make one with `load`, `loads` or `from_dict`."""

    def __init__(self, inner: Any, file: Optional[str] = None):
        self._inner = inner
        self.file = file

    def __repr__(self) -> str:
        return f"<lift.App {self.name!r} regions={self.regions!r}>"

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def regions(self) -> List[str]:
        """Regions, primary first."""
        return list(self._inner.regions)

    @property
    def primary_region(self) -> str:
        return self.regions[0]

    def validate(self) -> List[Diagnostic]:
        """Every error and warning, sorted by place. An empty list means all clear."""
        return _diagnostics(self._inner.validate(), self.file)

    def resolved(self) -> Dict[str, Any]:
        """The spec with every default filled in: what Lift will build."""
        return json.loads(self._inner.resolved())

    def synth(self, format: str = "cloudformation", region: Optional[str] = None, text: bool = False) -> Union[Dict[str, Any], str]:
        """The app in `format` (one of `FORMATS`).

        - `cloudformation`, `cloudformation-yaml`, `terraform-json`: one region's
          template or module (the primary's by default) as a dict, or its text with `text=True`;
        - `terraform`: one region's root module as HCL text;
        - `pulumi`: the one Pulumi YAML program holding every region, as text;
        - `cdk`: the TypeScript app as a dict of path to text (with `text=True`, one region's stack).

        Raises `ValidationError` when the spec has errors, `RegionError` for an unknown region.
        """
        region = region or self.primary_region
        kind = _format_kind(format)
        if kind == "cdk" and not text:
            return self.synth_files(format)
        out = self._synth(format, region)[0]
        if text or kind == "text":
            return out
        # CloudFormation's JSON and YAML hold the same template; the dict comes from the JSON.
        return json.loads(out if kind == "json" else self._synth("cloudformation", region)[0])

    def synth_files(self, format: str = "cloudformation") -> Dict[str, str]:
        """Every file of `format` for the whole app, by relative path: what
        `lift synth --output DIR` writes (a template or module per region, or the
        Pulumi program, or the CDK app)."""
        return dict(self._files(format)[0])

    def _files(self, format: str, regions: Optional[List[str]] = None):
        _format_kind(format)
        files, warnings = self._core("files", format, regions)
        return files, _diagnostics(warnings, self.file)

    def plan(self) -> Dict[str, Any]:
        """The rollout plan: waves, every step with its start time (ms), traffic
        share and regions at risk, the fastest promotion and worst-case rollback."""
        return json.loads(self._plan("json"))

    def graph_svg(self, region: Optional[str] = None) -> str:
        """A region's resource graph (default: the primary's) as an SVG picture:
        resources in columns by depth, an arrow from each dependency to its dependent."""
        return self._core("graph_svg", region or self.primary_region)

    def plan_text(self) -> str:
        """The rollout plan as a readable timeline."""
        return self._plan("text")

    def plan_svg(self) -> str:
        """The rollout plan as an SVG picture: lanes per region, traffic over time, gates."""
        return self._plan("svg")

    def _plan(self, format: str) -> str:
        return self._core("plan", format)

    def drill(self, scenario: str = "region-outage", duration: str = "1h") -> Dict[str, Any]:
        """Run a disaster-recovery drill in the simulator (no cloud touched): `region-outage`,
        `partial`, `flapping` or `replication-lag`. The timeline, the RTO/RPO ledger, where traffic ended."""
        return json.loads(self._drill(scenario, duration, "json"))

    def drill_text(self, scenario: str = "region-outage", duration: str = "1h") -> str:
        """The drill's timeline and ledger as text."""
        return self._drill(scenario, duration, "text")

    def _drill(self, scenario: str, duration: str, format: str) -> str:
        return self._core("drill", scenario, duration, format)

    def slo_rules(self, format: str = "prometheus", rules_file: str = "slo-rules.yaml") -> Dict[str, str]:
        """SLO alerting rules: for `prometheus`, `{rules_file: rules, "<name>.test.yaml": promtool unit tests}`;
        for `openslo`, `{"openslo.yaml": the OpenSLO v1 documents}`.

        The rules are Sloth-compatible recording rules and multi-window,
        multi-burn-rate alerts derived from each SLO's objective and window.
        """
        rules, tests = self._core("slo_rules", format, rules_file)
        if format == "openslo":
            return {"openslo.yaml": rules}
        test_file = rules_file.rsplit(".", 1)[0] + ".test.yaml"
        return {rules_file: rules, test_file: tests}

    def slo_report(self, samples: str, format: str = "markdown") -> str:
        """The SLA report of CSV samples (`time_ms,slo,good,total`): `markdown`, `json` or `html`."""
        return self._inner.slo_report(samples, format)

    def slo_evaluator(self, name: str, escalation: Optional[List[Tuple[str, str]]] = None) -> "Evaluator":
        """A streaming alert evaluator for SLO `name`: `record(at_ms, good, total)` returns the
        actions due (fire, resolve, notify, freeze-rollouts); `gate()` is a rollout SLO gate's verdict."""
        return Evaluator(self._inner.slo_evaluator(name, escalation or []))

    def slo_summary(self) -> str:
        """Every SLO's budget and alert rules, with how fast an outage fires each."""
        return self._inner.slo_summary()

    def synth_all(self, format: str = "cloudformation", text: bool = False) -> Dict[str, Union[Dict[str, Any], str]]:
        """Every region's template, by region."""
        return {r: self.synth(format, region=r, text=text) for r in self.regions}

    def _synth(self, format: str, region: str):
        out, warnings = self._core("synth", region, format)
        return out, _diagnostics(warnings, self.file)

    def _core(self, method: str, *args: Any) -> Any:
        """Call the extension's `method`, its errors raised as this package's."""
        try:
            return getattr(self._inner, method)(*args)
        except _lift.SpecError as e:
            raise ValidationError(_diagnostics(str(e.args[0]), self.file)) from None
        except _lift.RegionError as e:
            raise RegionError(str(e)) from None


_FORMAT_ALIASES = {"cfn": "cloudformation", "cfn-json": "cloudformation", "cloudformation-json": "cloudformation", "cfn-yaml": "cloudformation-yaml"}


def _format_kind(format: str) -> str:
    """How `synth` returns a format: `json` (a dict), `yaml` (a dict from the JSON twin), `text` or `cdk`."""
    name = _FORMAT_ALIASES.get(format, format)
    if name not in FORMATS:
        raise ValueError(f"unknown format `{format}`; use one of {', '.join(FORMATS)}")
    return {"cloudformation": "json", "terraform-json": "json", "cloudformation-yaml": "yaml", "cdk": "cdk"}.get(name, "text")


def loads(text: str, file: Optional[str] = None) -> App:
    """Read a spec from YAML or JSON text. Raises `ValidationError` with every problem found."""
    try:
        return App(_lift.parse(text), file)
    except _lift.SpecError as e:
        raise ValidationError(_diagnostics(str(e.args[0]), file)) from None


def find_spec(path: Union[str, "os.PathLike[str]"]) -> Path:
    """The spec file at `path`: the file itself, or `lift.yaml`/`lift.yml`/`lift.json` in a directory."""
    p = Path(path)
    if p.is_dir():
        for name in SPEC_NAMES:
            if (p / name).is_file():
                return p / name
        raise SpecNotFoundError(f"no {', '.join(SPEC_NAMES)} in directory `{p}`")
    if not p.is_file():
        raise SpecNotFoundError(f"no spec at `{p}`")
    return p


def load(path: Union[str, "os.PathLike[str]"]) -> App:
    """Read a spec from a file, or from the `lift.yaml` in a directory."""
    p = find_spec(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValidationError([Diagnostic("E001", "error", "", f"the file is not UTF-8 text ({e.reason} at byte {e.start})", file=str(p))]) from None
    return loads(text, file=str(p))


def from_dict(spec: Dict[str, Any]) -> App:
    """Build an app from a dict shaped like a spec (for specs built in Python)."""
    try:
        text = json.dumps(spec)
    except (TypeError, ValueError) as e:
        raise ValidationError([Diagnostic("E103", "error", "", f"the spec cannot be written as JSON: {e}")]) from None
    try:
        return loads(text)
    except ValidationError as e:
        # Lines of a generated JSON text mean nothing to the caller: the pointer is the place.
        import dataclasses

        raise ValidationError([dataclasses.replace(d, line=None, column=None) for d in e.diagnostics]) from None


def import_openslo(text: str) -> str:
    """The SLOs of OpenSLO v1 documents as a `slos:` section for a Lift spec (YAML)."""
    return _lift.import_openslo(text)


def schema() -> Dict[str, Any]:
    """The JSON Schema of an app spec (draft 2020-12)."""
    return json.loads(_lift.schema())


def schema_path() -> Path:
    """The JSON Schema shipped with the package, for editors."""
    return Path(__file__).with_name("app-spec.schema.json")
from . import plugins  # noqa: E402  (WebAssembly plugins: lift.plugins.list(), inspect, check, probe)
