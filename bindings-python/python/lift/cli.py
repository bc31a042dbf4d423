"""The `lift` command: validate app specs, synthesize templates, print the schema."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, Sequence

import lift

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class _Style:
    def __init__(self, stream) -> None:
        self.on = hasattr(stream, "isatty") and stream.isatty() and "NO_COLOR" not in os.environ

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text


def _print_diagnostics(diags: Sequence[lift.Diagnostic], fmt: str, out=None) -> None:
    out = out or sys.stderr
    if fmt == "json":
        json.dump([d.to_dict() for d in diags], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    style = _Style(out)
    for d in diags:
        color = "1;31" if d.is_error else "1;33"
        text = str(d).replace(f"{d.severity}[{d.code}]", style(f"{d.severity}[{d.code}]", color), 1)
        print(text, file=out)
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    if diags:
        print(f"{errors} error(s), {warnings} warning(s)", file=out)


def _load(path: str) -> lift.App:
    return lift.load(path)


def _emit(text: str, output: Optional[str]) -> None:
    """Write `text` to the file `output` (all or nothing), or to standard output."""
    if output:
        _write_atomically([(Path(output).name, text)], Path(output).parent)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_validate(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    diags = app.validate()
    _print_diagnostics(diags, args.format)
    if args.format == "text" and not any(d.is_error for d in diags):
        print(f"{app.file}: ok ({app.name}, {len(app.regions)} region(s): {', '.join(app.regions)})", file=sys.stderr)
    return EXIT_INVALID if any(d.is_error for d in diags) else EXIT_OK


def _write_atomically(files: List[tuple], out_dir: Path) -> None:
    """Write every file or none: each goes to a temporary file first, then all are renamed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for name, text in files:
            dest = out_dir / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            staged.append((tmp, dest))
        for tmp, dest in staged:
            os.replace(tmp, dest)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def cmd_synth(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    fmt = args.format
    if args.yaml:
        fmt = "cloudformation-yaml"
    elif args.json:
        fmt = "cloudformation"
    per_region = fmt not in ("pulumi", "cdk")
    if args.output:
        # Every file of the format, all or nothing.
        files, warnings = app._files(fmt, args.region)
        _print_diagnostics(warnings, "text")
        out_dir = Path(args.output)
        _write_atomically(files, out_dir)
        for name, text in files:
            print(f"wrote {out_dir / name} ({len(text.encode())} bytes)", file=sys.stderr)
        return EXIT_OK
    if not per_region:
        files, warnings = app._files(fmt)
        _print_diagnostics(warnings, "text")
        if len(files) == 1:
            sys.stdout.write(files[0][1])
        else:
            for i, (name, text) in enumerate(files):
                sys.stdout.write(f"{chr(10) if i else ''}==> {name} <==\n{text}")
        return EXIT_OK
    regions = args.region or [app.primary_region]
    warnings: List[lift.Diagnostic] = []
    for region in regions:
        text, warns = app._synth(fmt, region)
        warnings += [w for w in warns if w not in warnings]
        sys.stdout.write(text)
    _print_diagnostics(warnings, "text")
    others = [r for r in app.regions if r not in regions]
    if others:
        print(f"(printed {', '.join(regions)}; also: {', '.join(others)}: use --region or --output DIR)", file=sys.stderr)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    if args.format == "json":
        text = json.dumps(app.plan(), indent=2) + "\n"
    elif args.format == "svg":
        text = app.plan_svg()
    else:
        text = app.plan_text()
    _emit(text, args.output)
    return EXIT_OK


def cmd_drill(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    try:
        if args.format == "json":
            text = json.dumps(app.drill(args.scenario, args.duration), indent=2) + "\n"
        else:
            text = app.drill_text(args.scenario, args.duration)
    except ValueError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    _emit(text, args.output)
    return EXIT_OK


def cmd_slo_rules(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    files = app.slo_rules(args.format)
    if args.output:
        out = Path(args.output)
        _write_atomically(list(files.items()), out)
        for name in files:
            print(f"wrote {out / name}", file=sys.stderr)
        if args.format == "prometheus":
            print(f"check them with: promtool check rules {out / 'slo-rules.yaml'} && promtool test rules {out / 'slo-rules.test.yaml'}", file=sys.stderr)
    else:
        sys.stdout.write(next(iter(files.values())))
    return EXIT_OK


def cmd_slo_check(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    diags = [d for d in app.validate() if d.pointer.startswith("/slos") or d.code == "W501" or "/slo" in d.pointer]
    _print_diagnostics(diags, "text")
    sys.stdout.write(app.slo_summary() or "no SLOs in this spec\n")
    return EXIT_INVALID if any(d.is_error for d in diags) else EXIT_OK


def cmd_slo_report(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    samples = Path(args.samples).read_text(encoding="utf-8")
    text = app.slo_report(samples, args.format)
    _emit(text, args.output)
    return EXIT_OK


def cmd_slo_import(args: argparse.Namespace) -> int:
    _emit(lift.import_openslo(Path(args.file).read_text(encoding="utf-8")), None)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    _emit(json.dumps(lift.schema(), indent=2) + "\n", args.output)
    return EXIT_OK


def cmd_resolve(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    json.dump(app.resolved(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lift",
        description="Ship serverless apps on AWS safely, across regions. SPEC is a lift.yaml/lift.json file or a directory holding one.",
        epilog="exit codes: 0 ok, 1 the spec has errors, 2 usage error",
    )
    p.add_argument("--version", action="version", version=f"lift {lift.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    v = sub.add_parser("validate", help="check a spec and print every problem with its file:line:col")
    v.add_argument("spec", metavar="SPEC")
    v.add_argument("--format", choices=["text", "json"], default="text", help="diagnostics as compiler-style text (stderr) or JSON (stdout)")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("synth", help="generate infrastructure as code for each region")
    s.add_argument("spec", metavar="SPEC")
    s.add_argument(
        "--format",
        default="cloudformation",
        choices=lift.FORMATS,
        help="cloudformation (JSON) or cloudformation-yaml: a template per region; terraform (HCL) or terraform-json: "
        "a root module per region; pulumi: one Pulumi YAML program; cdk: one TypeScript CDK app (default: cloudformation)",
    )
    g = s.add_mutually_exclusive_group()
    g.add_argument("--yaml", action="store_true", help="CloudFormation as YAML (long-form intrinsics)")
    g.add_argument("--json", action="store_true", help="CloudFormation as JSON (the default)")
    s.add_argument("--region", action="append", metavar="REGION", help="only this region (repeatable); default: every region with --output, else the primary")
    s.add_argument("--output", "-o", metavar="DIR", help="write every file of the format here (all or nothing) instead of printing")
    s.set_defaults(func=cmd_synth)

    pl = sub.add_parser("plan", help="preview the rollout: every step of every wave, traffic, regions at risk, rollback times")
    pl.add_argument("spec", metavar="SPEC")
    pl.add_argument("--format", choices=["text", "json", "svg"], default="text", help="a readable timeline, JSON for tools, or an SVG picture")
    pl.add_argument("--output", "-o", metavar="FILE", help="write it to FILE")
    pl.set_defaults(func=cmd_plan)

    dr = sub.add_parser("drill", help="rehearse losing a region in the simulator: a timeline, and the RTO/RPO ledger")
    dr.add_argument("spec", metavar="SPEC")
    dr.add_argument(
        "--scenario",
        choices=["region-outage", "partial", "flapping", "replication-lag"],
        default="region-outage",
        help="the primary fails everywhere; one vantage point loses it; its probes flap; an outage with replication lag over the RPO",
    )
    dr.add_argument("--duration", default="1h", help="how long to simulate (default 1h)")
    dr.add_argument("--format", choices=["text", "json"], default="text")
    dr.add_argument("--output", "-o", metavar="FILE", help="write it to FILE")
    dr.set_defaults(func=cmd_drill)

    slo = sub.add_parser("slo", help="service level objectives: alerting rules")
    slo_sub = slo.add_subparsers(dest="slo_command", metavar="COMMAND")
    slo_sub.required = True
    sr = slo_sub.add_parser("rules", help="multi-window, multi-burn-rate alerting rules for every SLO")
    sr.add_argument("spec", metavar="SPEC")
    sr.add_argument("--format", choices=["prometheus", "openslo"], default="prometheus")
    sr.add_argument("--output", "-o", metavar="DIR", help="write the rules and their promtool tests here")
    sr.set_defaults(func=cmd_slo_rules)
    sc = slo_sub.add_parser("check", help="lint the SLOs and show their budgets and alert rules")
    sc.add_argument("spec", metavar="SPEC")
    sc.set_defaults(func=cmd_slo_check)
    rp = slo_sub.add_parser("report", help="SLA report from samples: attainment, budget, burn-down, incidents")
    rp.add_argument("spec", metavar="SPEC")
    rp.add_argument("--samples", required=True, metavar="FILE", help="CSV: time_ms,slo,good,total")
    rp.add_argument("--format", choices=["markdown", "json", "html"], default="markdown")
    rp.add_argument("--output", "-o", metavar="FILE")
    rp.set_defaults(func=cmd_slo_report)
    si = slo_sub.add_parser("import", help="read OpenSLO v1 documents and print them as a `slos:` section")
    si.add_argument("file", metavar="FILE")
    si.set_defaults(func=cmd_slo_import)

    c = sub.add_parser("schema", help="print the JSON Schema of app specs (for editors)")
    c.add_argument("--output", "-o", metavar="FILE", help="write it to FILE")
    c.set_defaults(func=cmd_schema)

    r = sub.add_parser("resolve", help="print the spec with every default filled in")
    r.add_argument("spec", metavar="SPEC")
    r.set_defaults(func=cmd_resolve)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except lift.ValidationError as e:
        _print_diagnostics(e.diagnostics, args.format if args.command == "validate" else "text")
        return EXIT_INVALID
    except (lift.SpecNotFoundError, lift.RegionError) as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except OSError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
