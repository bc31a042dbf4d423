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
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from . import _lift

__all__ = [
    "App",
    "Diagnostic",
    "LiftError",
    "ValidationError",
    "RegionError",
    "ArgumentError",
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


class Diagnostic:
    """One finding about a spec: a code, a severity, where, what and how to fix it.

    Immutable, compared and hashed by its fields, as a frozen dataclass would be
    (written out because importing `dataclasses` costs every `lift` command
    about a fifth of its start-up).
    """

    __slots__ = ("code", "severity", "pointer", "message", "line", "column", "hint", "file", "_core")
    #: The fields compared, hashed and shown (the core's own object is not one).
    FIELDS = ("code", "severity", "pointer", "message", "line", "column", "hint", "file")
    __match_args__ = FIELDS

    code: str
    severity: str
    pointer: str
    message: str
    line: Optional[int]
    column: Optional[int]
    hint: Optional[str]
    file: Optional[str]
    # The core's own object: it renders the diagnostic, so every front end prints it the same way.
    _core: Any

    def __init__(
        self,
        code: str,
        severity: str,
        pointer: str,
        message: str,
        line: Optional[int] = None,
        column: Optional[int] = None,
        hint: Optional[str] = None,
        file: Optional[str] = None,
        _core: Any = None,
    ):
        for name, value in zip(self.__slots__, (code, severity, pointer, message, line, column, hint, file, _core)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a Diagnostic is immutable (use `replace`)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a Diagnostic is immutable")

    def _key(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self.FIELDS)

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if other.__class__ is self.__class__ else NotImplemented  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "Diagnostic(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self.FIELDS) + ")"

    def __reduce__(self):  # pickles without the core's object, which is rebuilt to render
        return (Diagnostic, self._key())

    def replace(self, **changes: Any) -> "Diagnostic":
        """A copy with `changes` (field names as keywords) applied."""
        unknown = set(changes) - set(self.__slots__)
        if unknown:
            raise TypeError(f"Diagnostic has no field {', '.join(sorted(unknown))}")
        return Diagnostic(*(changes.get(f, getattr(self, f)) for f in self.__slots__))

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @classmethod
    def _from_core(cls, d: Any, file: Optional[str]) -> "Diagnostic":
        return cls(d.code, d.severity, d.pointer, d.message, d.line, d.column, d.hint, file, d)

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict (what `lift validate --format json` prints)."""
        return {f: getattr(self, f) for f in self.FIELDS if getattr(self, f) is not None}

    def __str__(self) -> str:
        core = self._core or _lift.Diagnostic(self.code, self.severity, self.pointer, self.message, self.line, self.column, self.hint)
        return core.render(self.file or "<spec>")


def _diagnostics(raw: List[Any], file: Optional[str]) -> List[Diagnostic]:
    return [Diagnostic._from_core(d, file) for d in raw]


class ValidationError(LiftError, ValueError):
    """The spec has errors. `diagnostics` holds all of them (and any warnings)."""

    def __init__(self, diagnostics: List[Diagnostic]):
        self.diagnostics = diagnostics
        # The summary is the core's, as the browser shows it.
        summary = _lift.summary([d._core or _lift.Diagnostic(d.code, d.severity, d.pointer, d.message) for d in diagnostics])
        super().__init__(summary + "".join("\n" + str(d) for d in diagnostics if d.is_error))

    @property
    def errors(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


class RegionError(LiftError, ValueError):
    """A region was asked for that the app does not have."""


class ArgumentError(LiftError, ValueError):
    """An argument Lift cannot use: an unknown format or scenario, a bad duration, bad samples."""


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

    @property
    def parts(self) -> List[str]:
        """A composite SLO's parts (empty for any other): it is fed their samples, with `record_part`."""
        return self._inner.parts()

    def record_part(self, at_ms: int, part: str, good: int, total: int) -> List[Dict[str, Any]]:
        """A composite SLO: record `good` of `total` events of its part `part` at `at_ms`; the actions now due."""
        return [json.loads(a) for a in self._inner.record_part(at_ms, part, good, total)]

    def record_part_latency(self, at_ms: int, part: str, latency_ms: float) -> List[Dict[str, Any]]:
        """A composite SLO: record one request's latency of its percentile part `part`; the actions now due."""
        return [json.loads(a) for a in self._inner.record_part_latency(at_ms, part, latency_ms)]

    def poll(self, now_ms: int) -> List[Dict[str, Any]]:
        """Actions due at `now_ms` without new samples (escalations)."""
        return [json.loads(a) for a in self._inner.poll(now_ms)]

    def acknowledge(self, now_ms: int, rule: int) -> None:
        """Stop escalating rule `rule`'s alert."""
        self._inner.acknowledge(now_ms, rule)

    def gate(self) -> Tuple[str, Dict[str, Any]]:
        """A rollout SLO gate's `(verdict, evidence)`: the verdict `pass`, `fail`, `inconclusive`
        or `no-data`; the evidence `{"measurements": [...], "summary": "..."}`, each measurement
        with its value, threshold, window and counts."""
        verdict, evidence = self._core("gate")
        return verdict, json.loads(evidence)

    def status(self) -> Dict[str, Any]:
        """What a person sees: every rule (firing since, acknowledged), frozen, the gate's verdict."""
        return json.loads(self._core("status"))

    def next_deadline(self) -> Optional[int]:
        """When to poll next without new samples (ms)."""
        return self._inner.next_deadline()

    def _core(self, method: str, *args: Any) -> Any:
        return _call(self._inner, method, args, None)

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
        `lift synth --out-dir DIR` writes (a template or module per region, or the
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

    def files(self, format: str = "cloudformation", regions: Optional[List[str]] = None) -> Tuple[Dict[str, str], List[Diagnostic]]:
        """Every file of `format` (only those of `regions`, for the per-region formats) by relative
        path, and the warnings that came with them."""
        files, warnings = self._files(format, regions)
        return dict(files), warnings

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
        return dict(self._core("slo_rules", format, rules_file))

    def slo_report(self, samples: str, format: str = "markdown") -> str:
        """The SLA report of CSV samples (`time_ms,slo,good,total`): `markdown`, `json` or `html`."""
        return self._core("slo_report", samples, format)

    def slo_check(self) -> Tuple[List[Diagnostic], str]:
        """The SLOs' own diagnostics (and those of what refers to them), and their budgets and rules in words."""
        diags, summary = self._inner.slo_check()
        return _diagnostics(diags, self.file), summary

    def slo_evaluator(self, name: str, escalation: Optional[List[Tuple[str, str]]] = None) -> "Evaluator":
        """A streaming alert evaluator for SLO `name`: `record(at_ms, good, total)` returns the
        actions due (fire, resolve, notify, freeze-rollouts); `gate()` is a rollout SLO gate's verdict."""
        return Evaluator(self._core("slo_evaluator", name, escalation or []))

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
        return _call(self._inner, method, args, self.file)


def _call(inner: Any, method: str, args: Tuple[Any, ...], file: Optional[str]) -> Any:
    """The one error adapter: call the extension's `method`, its errors raised as this package's."""
    try:
        return getattr(inner, method)(*args)
    except _lift.SpecError as e:
        raise ValidationError(_diagnostics(e.args[1], file)) from None
    except _lift.RegionError as e:
        raise RegionError(str(e)) from None
    except _lift.ArgumentError as e:
        raise ArgumentError(str(e)) from None


def _format_kind(format: str) -> str:
    """How `synth` returns a format: `json` (a dict), `yaml` (a dict from the JSON twin), `text` or `cdk`.
    The names and aliases are the core's."""
    name = _call(_lift, "format_name", (format,), None)
    if name in ("cdk", "pulumi"):
        return "cdk" if name == "cdk" else "text"
    return {"json": "json", "yaml": "yaml"}.get(_lift.format_syntax(name), "text")


def loads(text: str, file: Optional[str] = None) -> App:
    """Read a spec from YAML or JSON text. Raises `ValidationError` with every problem found."""
    return App(_call(_lift, "parse", (text,), file), file)


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
    # The core checks the bytes are UTF-8 and says where they are not.
    return App(_call(_lift, "parse_bytes", (p.read_bytes(),), str(p)), str(p))


def from_dict(spec: Dict[str, Any]) -> App:
    """Build an app from a dict shaped like a spec (for specs built in Python)."""
    try:
        text = json.dumps(spec)
    except (TypeError, ValueError) as e:
        raise ValidationError([Diagnostic._from_core(_lift.not_json(str(e)), None)]) from None
    try:
        return loads(text)
    except ValidationError as e:
        # Lines of a generated JSON text mean nothing to the caller: the pointer is the place.
        raise ValidationError([d.replace(line=None, column=None, _core=None) for d in e.diagnostics]) from None


def import_openslo(text: str) -> str:
    """The SLOs of OpenSLO documents (`openslo/v1`, or Sloth's `openslo/v1alpha`) as a
    `slos:` section for a Lift spec (YAML). A document read and not used (an alert
    policy, a service no SLO names) is named in a `#` comment above the section;
    one that cannot be read raises `ArgumentError` naming it, the field and why."""
    return _call(_lift, "import_openslo", (text,), None)


def schema() -> Dict[str, Any]:
    """The JSON Schema of an app spec (draft 2020-12)."""
    return json.loads(_lift.schema())


def schema_path() -> Path:
    """The JSON Schema shipped with the package, for editors."""
    return Path(__file__).with_name("app-spec.schema.json")
from . import plugins  # noqa: E402  (WebAssembly plugins: lift.plugins.list(), inspect, check, probe)
