"""The `lift` command: validate app specs, synthesize templates, print the schema."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import lift

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_ROLLED_BACK, EXIT_FROZEN, EXIT_ATTENTION = 0, 1, 2, 3, 4, 5


class _Style:
    def __init__(self, stream) -> None:
        self.on = hasattr(stream, "isatty") and stream.isatty() and "NO_COLOR" not in os.environ

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text


def _print_diagnostics(diags: Sequence[lift.Diagnostic], out=None) -> None:
    """Compiler-style, in color on a terminal (`lift validate`'s formats are `lint`'s)."""
    out = out or sys.stderr
    style = _Style(out)
    for d in diags:
        color = "1;31" if d.is_error else "1;33"
        text = str(d).replace(f"{d.severity}[{d.code}]", style(f"{d.severity}[{d.code}]", color), 1)
        print(text, file=out)
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    if diags:
        print(f"{errors} error(s), {warnings} warning(s)", file=out)


def _out_dir(parser: argparse.ArgumentParser, files: str) -> None:
    """`--out-dir DIR` (`-d`): where a command that writes several files puts
    them. `-o`/`--output` is always one FILE, in every command; given to a
    command that writes several, it is a usage error that names the fix."""

    class Refuse(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            parser.error(f"{option_string} is one FILE in every lift command; this one writes {files}: use --out-dir DIR (-d DIR)")

    parser.add_argument("--out-dir", "-d", dest="output", metavar="DIR", help=f"write {files} into DIR (all or nothing)")
    parser.add_argument("--output", "-o", action=Refuse, help=argparse.SUPPRESS)


def _int_in(lo: int, hi: int):
    """An argparse type: an integer from `lo` to `hi`, else a usage error that says so."""

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"`{text}` is not a whole number") from None
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"{n} is not between {lo} and {hi}")
        return n

    return parse


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
    from . import lint

    fmt = args.output_format or args.format
    wrong = lint.check_codes(args.select, args.ignore)
    if wrong:
        print(f"lift: error: {wrong}", file=sys.stderr)
        return EXIT_USAGE
    specs, missing = lint.find_specs(args.spec)
    for m in missing:
        print(f"lift: error: {m}", file=sys.stderr)
    if missing:
        return EXIT_USAGE
    results = lint.check(specs, args.select, args.ignore)
    _emit(lint.render(results, fmt), args.output)
    failed = any(d.is_error for r in results for d in r.diagnostics)
    return EXIT_INVALID if failed and not args.exit_zero else EXIT_OK


_TMP_PREFIX = ".lift-tmp-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _clean_stale_temps(directory: Path) -> None:
    """Remove temporary files an earlier `lift` left when it was killed (its PID is gone)."""
    for tmp in directory.glob(f"{_TMP_PREFIX}*"):
        try:
            pid = int(tmp.name[len(_TMP_PREFIX) :].split("-", 1)[0])
        except ValueError:
            continue
        from .local import alive

        if pid != os.getpid() and not alive(pid):
            tmp.unlink(missing_ok=True)


def _write_atomically(files: List[tuple], out_dir: Path) -> None:
    """Write every file or none. Each is written to a temporary file beside
    its destination and fsync'd; only when all are, every destination is
    checked and the files are renamed into place, the ones they replace kept
    aside until all renames succeeded, so that a failure puts back what was
    there. On any error every temporary file is removed. Files get the mode
    the umask gives; temporary files left by a killed run are cleaned up."""
    import tempfile  # here, not at the top: importing it costs every command's start-up

    out_dir.mkdir(parents=True, exist_ok=True)
    mode = 0o666 & ~_umask()
    staged: List[tuple] = []
    moved: List[tuple] = []  # (dest, backup or None), in the order they were renamed
    try:
        for name, text in files:
            dest = out_dir / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            _clean_stale_temps(dest.parent)
            fd, tmp = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-", suffix=f"-{dest.name}", dir=dest.parent)
            staged.append((tmp, dest))
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, mode)
        for _, dest in staged:
            if dest.is_dir():
                raise IsADirectoryError(f"{dest} is a directory; nothing was written")
        for tmp, dest in staged:
            backup = None
            if dest.exists():
                fd, backup = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-", suffix=f"-{dest.name}.old", dir=dest.parent)
                os.close(fd)
                os.replace(dest, backup)
            moved.append((dest, backup))
            os.replace(tmp, dest)
        for _, backup in moved:
            if backup:
                os.unlink(backup)
        moved = []
    except BaseException:
        # Put back what was there, newest first.
        for dest, backup in reversed(moved):
            try:
                if backup:
                    os.replace(backup, dest)
                elif dest.exists():
                    dest.unlink()
            except OSError:
                pass
        raise
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
        _print_diagnostics(warnings)
        out_dir = Path(args.output)
        _write_atomically(files, out_dir)
        for name, text in files:
            print(f"wrote {out_dir / name} ({len(text.encode())} bytes)", file=sys.stderr)
        return EXIT_OK
    if not per_region:
        files, warnings = app._files(fmt)
        _print_diagnostics(warnings)
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
    _print_diagnostics(warnings)
    others = [r for r in app.regions if r not in regions]
    if others:
        print(f"(printed {', '.join(regions)}; also: {', '.join(others)}: use --region or --out-dir DIR)", file=sys.stderr)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    _emit(app._plan(args.format), args.output)
    return EXIT_OK


def cmd_drill(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    if args.live:
        from . import drill
        from . import watch as watching
        from .local import state_dir

        out = sys.stdout if args.format == "json" else sys.stderr
        printer = watching.Printer(out, args.format)
        measured = drill.run(app, state_dir(args.state_dir), args.scenario, printer, approve=args.approve)
        _emit(json.dumps({"kind": "drill", **measured}) + "\n" if args.format == "json" else drill.text(measured), args.output)
        return EXIT_OK
    if args.scenario == "slow":
        raise ValueError("the simulator has no `slow` scenario (a slow region is an outage to it); `--live` runs it against the local target")
    _emit(app._drill(args.scenario, args.duration, args.format), args.output)
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
    diags, summary = app.slo_check()
    _print_diagnostics(diags)
    sys.stdout.write(summary or "no SLOs in this spec\n")
    return EXIT_INVALID if any(d.is_error for d in diags) else EXIT_OK


def cmd_slo_report(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    samples = Path(args.samples).read_text(encoding="utf-8")
    text = app.slo_report(samples, args.format)
    _emit(text, args.output)
    return EXIT_OK


def cmd_slo_import(args: argparse.Namespace) -> int:
    try:
        text = lift.import_openslo(Path(args.file).read_text(encoding="utf-8"))
    except lift.ArgumentError as e:
        for line in str(e).splitlines():
            print(f"lift: error: {args.file}: {line}", file=sys.stderr)
        return EXIT_INVALID
    _emit(text, args.output)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    _emit(json.dumps(lift.schema(), indent=2) + "\n", args.output)
    return EXIT_OK


def cmd_resolve(args: argparse.Namespace) -> int:
    app = _load(args.spec)
    json.dump(app.resolved(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


class _Skeleton:
    """A subcommand's parser not built this run: it takes every call and does nothing."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: self


class _OnlyCommand:
    """The subcommands action, building only the parser of the command being run.
    argparse builds every subcommand's parser (each with its gettext look-ups) before
    it parses: 37 of them were some 40 ms of every cold `lift` run."""

    def __init__(self, sub, only: Optional[str]):
        self.sub, self.only, self.found = sub, only, only is None

    def add_parser(self, name: str, **kwargs):
        if self.only not in (None, name):
            return _Skeleton()
        self.found = True
        return self.sub.add_parser(name, **kwargs)


def parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The command line; with `only`, the top level and that command's parser alone."""
    p = argparse.ArgumentParser(
        prog="lift",
        description="Ship serverless apps on AWS safely, across regions. SPEC is a lift.yaml/lift.json file or a directory holding one.",
        epilog="exit codes: 0 ok, 1 the spec has errors, 2 usage error",
    )
    p.add_argument("--version", action="version", version=f"lift {lift.__version__}")
    subcommands = p.add_subparsers(dest="command", metavar="COMMAND")
    subcommands.required = True
    sub = _OnlyCommand(subcommands, only)

    v = sub.add_parser(
        "validate",
        help="check specs and print every problem with its file:line:col",
        description="Check each spec (a file, or a directory: its own lift.yaml, else every lift.yaml/lift.yml/lift.json "
        "under it) and print every diagnostic, on standard output, in the format CI reads. Exit 1 when any has an error "
        "(after --select/--ignore), unless --exit-zero.",
    )
    v.add_argument("spec", metavar="SPEC", nargs="+", help="spec files or directories")
    v.add_argument("--format", choices=["text", "json", "sarif", "github", "junit"], default="text", help="text (compiler-style), json, sarif (SARIF 2.1.0, for code scanning), github (workflow commands that annotate a pull request), junit (JUnit XML)")
    v.add_argument("--output-format", choices=["text", "json", "sarif", "github", "junit"], help="the same as --format (ruff's spelling)")
    v.add_argument("--select", metavar="CODES", help="only these codes, by prefix, comma-separated (E2,W405)")
    v.add_argument("--ignore", metavar="CODES", help="not these codes, by prefix, comma-separated; the longer of a selected and an ignored prefix wins")
    v.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are errors")
    v.add_argument("--output", "-o", metavar="FILE", help="write the diagnostics to this file (all or nothing) instead of standard output")
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
    s.add_argument("--region", action="append", metavar="REGION", help="only this region (repeatable); default: every region with --out-dir, else the primary")
    _out_dir(s, "a file per region (a directory per region for Terraform, one app for the CDK)")
    s.set_defaults(func=cmd_synth)

    pl = sub.add_parser("plan", help="preview the rollout: every step of every wave, traffic, regions at risk, rollback times")
    pl.add_argument("spec", metavar="SPEC")
    pl.add_argument("--format", choices=["text", "json", "svg"], default="text", help="a readable timeline, JSON for tools, or an SVG picture")
    pl.add_argument("--output", "-o", metavar="FILE", help="write it to FILE")
    pl.set_defaults(func=cmd_plan)

    dr = sub.add_parser(
        "drill",
        help="rehearse losing a region: in the simulator (a timeline and the RTO/RPO ledger), or --live against the running local target",
        description="Without --live: the simulator's drill, a timeline and the RTO/RPO ledger. With --live: the fault goes into the "
        "running local target's data plane, a watcher fails over for real, a client of the DNS name measures what users see, "
        "and the measured detection time and RTO are printed against the objectives, the detection bound and the simulator.",
    )
    dr.add_argument("spec", metavar="SPEC")
    dr.add_argument(
        "--scenario",
        choices=["region-outage", "partial", "flapping", "slow", "replication-lag"],
        default="region-outage",
        help="the primary fails everywhere; one vantage point loses it; its probes flap; it answers after the probe timeout (--live only); an outage with replication lag over the RPO",
    )
    dr.add_argument("--live", action="store_true", help="against the running local target (`lift local up` first), for real")
    dr.add_argument("--approve", action="store_true", help="--live: answer a promotion question (replication lag over the RPO) in the drill's name")
    dr.add_argument("--state-dir", metavar="DIR", help="--live: the local target's state directory")
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
    _out_dir(sr, "the rules and their promtool tests")
    sr.set_defaults(func=cmd_slo_rules)
    sc = slo_sub.add_parser("check", help="lint the SLOs and show their budgets and alert rules")
    sc.add_argument("spec", metavar="SPEC")
    sc.set_defaults(func=cmd_slo_check)
    rp = slo_sub.add_parser("report", help="SLA report from samples: attainment, budget, burn-down, incidents")
    rp.add_argument("spec", metavar="SPEC")
    rp.add_argument("--samples", required=True, metavar="FILE", help="CSV: time_ms,slo,good,total")
    rp.add_argument("--format", choices=["markdown", "json", "html"], default="markdown")
    rp.add_argument("--output", "-o", metavar="FILE", help="write it to FILE (all or nothing) instead of standard output")
    rp.set_defaults(func=cmd_slo_report)
    si = slo_sub.add_parser(
        "import",
        help="read OpenSLO documents (openslo/v1, Sloth's openslo/v1alpha) and print their SLOs as a `slos:` section",
        description="Read OpenSLO documents (a `---` stream or a top-level list; openslo/v1 and Sloth's openslo/v1alpha) "
        "and print their SLOs as a `slos:` section for a Lift spec. Documents read and not used are named in `#` comments; "
        "a document that cannot be read is an error naming it, the field and why (exit 1), and nothing is printed.",
    )
    si.add_argument("file", metavar="FILE")
    si.add_argument("--output", "-o", metavar="FILE", help="write it to FILE (all or nothing) instead of standard output")
    si.set_defaults(func=cmd_slo_import)

    pg = sub.add_parser("plugin", help="WebAssembly plugins: list, inspect, check, probe, decide")
    pg_sub = pg.add_subparsers(dest="plugin_command", metavar="COMMAND")
    pg.set_defaults(func=lambda a: (pg.print_help(), EXIT_USAGE)[1])
    pgl = pg_sub.add_parser("list", help="the plugins in a directory (default: the ones Lift ships) and whether each loads")
    pgl.add_argument("dir", nargs="?", help="a directory of NAME.toml manifests beside NAME.wasm components")
    pgl.add_argument("--format", choices=["text", "json"], default="text")
    pgl.set_defaults(func=cmd_plugin_list)
    pgi = pg_sub.add_parser("inspect", help="what a plugin is, imports and exports")
    pgi.add_argument("plugin", help="a manifest, a .wasm with its manifest beside it, or a shipped plugin's name")
    pgi.add_argument("--format", choices=["text", "json"], default="text")
    pgi.set_defaults(func=cmd_plugin_inspect)
    pgc = pg_sub.add_parser("check", help="whether a plugin would load: manifest, sha256, version, imports, exports")
    pgc.add_argument("plugin", help="a manifest, a .wasm with its manifest beside it, or a shipped plugin's name")
    pgc.set_defaults(func=cmd_plugin_check)
    pgp = pg_sub.add_parser("probe", help="probe a URL once with a prober plugin, in its sandbox")
    pgp.add_argument("plugin", help="a prober plugin (default shipped: http-prober)")
    pgp.add_argument("url")
    pgp.add_argument("--expect-status", type=_int_in(100, 599), help="the status a healthy answer has (100-599)")
    pgp.add_argument("--body-contains")
    pgp.add_argument("--timeout-ms", type=_int_in(1, 600_000), default=1000, help="how long to wait, at most the plugin's per-call limit (default 1000)")
    pgp.add_argument("--format", choices=["text", "json"], default="text")
    pgp.set_defaults(func=cmd_plugin_probe)
    pgd = pg_sub.add_parser("decide", help="ask a strategy plugin what follows a gate, in its sandbox")
    pgd.add_argument("plugin", help="a strategy plugin (shipped: business-hours)")
    pgd.add_argument("--verdict", choices=["pass", "fail", "inconclusive", "error", "no-data"], default="pass")
    pgd.add_argument("--step", type=_int_in(1, 100_000), default=1, help="the step whose gate reported, from 1 (default 1)")
    pgd.add_argument("--steps", type=_int_in(1, 100_000), default=1, help="steps in the plan (default 1)")
    pgd.add_argument("--at", metavar="TIME", help="the time, ISO 8601 (default: now)")
    pgd.add_argument("--evidence", default="", help="the numbers behind the verdict")
    pgd.add_argument("--format", choices=["text", "json"], default="text")
    pgd.set_defaults(func=cmd_plugin_decide)

    d = sub.add_parser(
        "deploy",
        help="roll a release out as the plan says: deploy wave by wave, shift traffic, read the gates, promote or roll back",
        description="Carry out the rollout plan (`lift plan` shows it): each wave's stacks are applied with the deployer "
        "plugin (the new version published, serving nothing), the `live` aliases' weights move step by step, every "
        "gate reads real metrics (CloudWatch GetMetricData through the metrics plugin), probes and hooks, and the "
        "rollout promotes or rolls back. Every step is journaled and fsync'd in the state directory: after a crash, "
        "--resume picks it up without repeating what was done. The target is the local one by default (started if "
        "none runs; no AWS account needed); --target aws uses AWS's standard credential chain. Exit status: 0 promoted, "
        "3 rolled back, 1 invalid spec or plugin, 2 usage.",
    )
    d.add_argument("spec", metavar="SPEC")
    d.add_argument("--target", choices=["local", "aws"], default="local", help="where to deploy (default: local)")
    d.add_argument("--local", action="store_true", help="the same as --target local")
    d.add_argument("--state-dir", metavar="DIR", help="journals, locks and controls (local: the local target's state directory, default $LIFT_STATE_DIR or ~/.local/state/lift/local; aws: default ./.lift)")
    d.add_argument("--code", action="append", default=[], metavar="FUNCTION=PATH", help="deploy this function's code from PATH instead of the spec's (repeatable)")
    d.add_argument("--time-scale", type=int, default=1, metavar="N", help="run every bake and stagger N times faster (demos and tests; the journal says so)")
    d.add_argument("--approve", action="store_true", help="answer every approval in advance (CI)")
    d.add_argument("--resume", action="store_true", help="pick up the rollout under way (after a crash or kill) where its journal stops")
    d.add_argument("--break-lock", action="store_true", help="clear a stale lock left by a rollout whose process is gone")
    d.add_argument("--strategy-plugin", metavar="PLUGIN", help="a strategy plugin that decides what follows each gate (in place of the spec's rollout.plugin)")
    d.add_argument("--endpoint", metavar="URL", help="with --target aws: an endpoint other than AWS's")
    d.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE", help="a stack parameter (repeatable)")
    d.add_argument("--template-bucket", metavar="BUCKET", help="where templates over 51,200 bytes are uploaded; {region} stands for the region")
    d.add_argument("--timeout", type=float, default=1800.0, metavar="SECONDS", help="per stack operation (default 1800)")
    d.add_argument("--format", choices=["text", "json"], default="text", help="json: one JSON object per journal record on stdout, then a summary")
    d.set_defaults(func=cmd_deploy)

    w = sub.add_parser(
        "watch",
        help="probe the app's regions, detect a failed one within seconds, and fail over for real",
        description="Probe every region's endpoint from the spec's vantage points (recovery.probe), feed the detector, and "
        "carry out the failover machine's runbook when the serving region fails: freeze deployments, check the standby's "
        "replication lag against the RPO (a person approves a bigger loss), shift the DNS name's traffic with the DNS "
        "plugin, verify, notify, unfreeze; fail back gradually once the primary has been healthy for failback_after. "
        "Every health change and runbook step is journaled and fsync'd; --resume goes on after a crash without repeating "
        "a step. Runs until Ctrl-C, or for --for. At the end: each incident with its measured detection time and RTO.",
    )
    w.add_argument("spec", metavar="SPEC")
    w.add_argument("--target", choices=["local", "aws"], default="local", help="what to watch (default: the local target)")
    w.add_argument("--state-dir", metavar="DIR", help="as for lift deploy")
    w.add_argument("--for", dest="duration", metavar="DURATION", help="stop after this long (`90s`, `30m`); default: until Ctrl-C")
    w.add_argument(
        "--once",
        action="store_true",
        help="one round, for cron: probe each region from each vantage point enough times to decide, evaluate the SLOs once, "
        "carry out what that calls for, and exit (5 when a region is down, an SLO pages or the failover waits for a person); "
        "goes on with the watch's journal, so rounds add up to one history",
    )
    w.add_argument("--resume", action="store_true", help="pick the watch up where its journal stops (after a crash or kill)")
    w.add_argument("--break-lock", action="store_true", help="clear a stale lock left by a watcher whose process is gone")
    w.add_argument("--endpoint", metavar="URL", help="with --target aws: an endpoint other than AWS's")
    w.add_argument("--time-scale", type=int, default=1, metavar="N", help="run the SLOs' windows, evaluations and escalation delays N times faster (demos and tests); probes and failover stay real-time")
    w.add_argument("--format", choices=["text", "json"], default="text", help="json: one JSON object per journal record and note, on stdout")
    w.set_defaults(func=cmd_watch)

    rw = sub.add_parser(
        "report",
        help="SLA report of what `lift watch` recorded: attainment, budget burn-down, alerts, failovers with their RTO/RPO",
        description="The SLA report of the app's watches on this target: every SLO's attainment, budget used and burn-down "
        "from the samples the live SLOs read, the alerts that fired, the budget policy's freezes, and every failover "
        "with its measured detection time, RTO and data-loss window against the objectives. `lift slo report` makes "
        "the same report from a CSV of samples.",
    )
    rw.add_argument("spec", metavar="SPEC")
    rw.add_argument("--target", choices=["local", "aws"], default="local", help="whose watches (default: the local target)")
    rw.add_argument("--state-dir", metavar="DIR", help="as for lift watch")
    rw.add_argument("--format", choices=["markdown", "json", "html"], default="markdown")
    rw.add_argument("--output", "-o", metavar="FILE", help="write here (all or nothing) instead of standard output")
    rw.set_defaults(func=cmd_report)

    ak = sub.add_parser("ack", help="acknowledge the firing SLO alerts the watch pages about: escalation stops", description="Acknowledge the firing alerts of the app (of one SLO, in one region): the watch stops escalating them and tells the channels (PagerDuty: acknowledge).")
    ak.add_argument("spec", metavar="SPEC")
    ak.add_argument("--slo", help="only this SLO's alerts")
    ak.add_argument("--region", help="only in this region")
    ak.add_argument("--target", choices=["local", "aws"], default="local")
    ak.add_argument("--state-dir", metavar="DIR")
    ak.set_defaults(func=cmd_ack)

    no = sub.add_parser(
        "notify",
        help="send a notice through the spec's notify channels (to try them)",
        description="Send one notice to the channels the spec's `notify` routes name for its kind and severity, through the "
        "notifier plugin (the shipped `webhook`: generic JSON, Slack, PagerDuty Events API v2, Opsgenie), retrying a 5xx "
        "with backoff. Secrets come from the environment variables the channels name. Prints each delivery.",
    )
    no.add_argument("spec", metavar="SPEC")
    no.add_argument("--kind", required=True, choices=list(_notify_kinds()), metavar="KIND", help="alert-firing, alert-resolved, failover, rollout-promoted, ...")
    no.add_argument("--severity", choices=["info", "warning", "page"], default="info")
    no.add_argument("--title", required=True)
    no.add_argument("--text", default="")
    no.add_argument("--region")
    no.add_argument("--slo")
    no.add_argument("--dedup-key", help="the same for every notice about one incident (a resolve closes what a trigger opened)")
    no.add_argument("--format", choices=["text", "json"], default="text")
    no.set_defaults(func=cmd_notify)

    for word, what in [
        ("approve", "approve the step the rollout (or the watch's failover) waits on"),
        ("deny", "refuse what the watch's failover asks (a promotion over the RPO): traffic stays where it is"),
        ("abort", "abort the rollout under way: it rolls back"),
        ("pause", "hold the rollout under way: no new step starts, bakes stop counting"),
        ("resume", "go on after a pause"),
    ]:
        c = sub.add_parser(word, help=what, description=f"{what[0].upper()}{what[1:]}; from any shell (or machine) sharing the state directory. The journal records who.")
        c.add_argument("spec", metavar="SPEC")
        c.add_argument("--target", choices=["local", "aws"], default="local")
        c.add_argument("--state-dir", metavar="DIR")
        if word == "abort":
            c.add_argument("--reason", help="why (journaled)")
        c.set_defaults(func=cmd_control)

    st = sub.add_parser("status", help="where the newest rollout of the app stands", description="Where the newest rollout stands: phase, step, weights, the last record and the last decisions with their evidence.")
    st.add_argument("spec", metavar="SPEC")
    st.add_argument("--target", choices=["local", "aws"], default="local")
    st.add_argument("--state-dir", metavar="DIR")
    st.add_argument("--format", choices=["text", "json"], default="text")
    st.set_defaults(func=cmd_status)

    hi = sub.add_parser("history", help="past rollouts of the app: outcome and duration (--audit: who did what)", description="Every rollout of the app in the state directory with its outcome and duration; --audit lists who started, resumed, approved, paused or aborted what, and when.")
    hi.add_argument("spec", metavar="SPEC")
    hi.add_argument("--target", choices=["local", "aws"], default="local")
    hi.add_argument("--state-dir", metavar="DIR")
    hi.add_argument("--audit", action="store_true")
    hi.add_argument("--format", choices=["text", "json"], default="text")
    hi.set_defaults(func=cmd_history)

    pv = sub.add_parser(
        "preview",
        help="serve the template preview page on loopback and open it in a browser",
        description="Serve the template preview page (Lift's core compiled to WebAssembly: type a spec, see its "
        "CloudFormation, Terraform, Pulumi and CDK output, diagnostics, resource graph and rollout plan) from "
        "127.0.0.1. Everything runs in the page; nothing is sent anywhere. Ctrl-C stops it.",
    )
    pv.add_argument("--port", type=int, default=8321, help="the port (default 8321; 0 picks a free one)")
    pv.add_argument("--no-browser", action="store_true", help="only print the address")
    pv.set_defaults(func=cmd_preview)

    from . import cli_local

    cli_local.add_parsers(sub)

    c = sub.add_parser("schema", help="print the JSON Schema of app specs (for editors)")
    c.add_argument("--output", "-o", metavar="FILE", help="write it to FILE")
    c.set_defaults(func=cmd_schema)

    r = sub.add_parser("resolve", help="print the spec with every default filled in")
    r.add_argument("spec", metavar="SPEC")
    r.set_defaults(func=cmd_resolve)
    # Whether `only` named a command: if not, the caller builds every parser, to list them all.
    p.found_command = sub.found  # type: ignore[attr-defined]
    return p


def _inspection_text(path: str, i: dict) -> str:
    m = i.get("manifest") or {}
    lines = [f"{m.get('name', path)} {m.get('version', '')}  ({m.get('world', '?')} world, {m.get('package', '?')})".rstrip()]
    if m.get("description"):
        lines.append(f"  {m['description']}")
    lines.append(f"  component  {i['component']}  {i['bytes']:,} bytes  sha256 {i['sha256'][:16]}...")
    if m:
        lim = m["limits"]
        lines.append(f"  limits     memory {lim['memory_mib']} MiB, fuel {lim['fuel']:,} per call, timeout {lim['timeout_ms']} ms per call")
        lines.append(f"  http       {', '.join(m['http']['allow']) or 'none'}")
    lines.append(f"  imports    {', '.join(i['imports']) or 'nothing'}")
    lines.append(f"  exports    {', '.join(i['exports']) or 'nothing'}")
    lines.extend(f"  problem    {f}" for f in i["findings"])
    return "\n".join(lines)


def _print_plugin_log(records, skip_debug: bool = False) -> None:
    """A plugin's log records on stderr, each with the plugin's name."""
    for r in records:
        if not (skip_debug and r["level"] == "debug"):
            print(f"  [{r['plugin']}] {r['level']}: {r['message']}", file=sys.stderr)


def cmd_plugin_list(args: argparse.Namespace) -> int:
    from . import plugins

    rows = plugins.list(args.dir)
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    bad = 0
    for row in rows:
        if "error" in row:
            bad += 1
            print(f"{row['path']}: {row['error']}")
            continue
        i = row["inspection"]
        m = i.get("manifest") or {}
        state = "ok" if not i["findings"] else f"REFUSED: {'; '.join(i['findings'])}"
        print(f"{m.get('name', row['path']):<18} {m.get('world', '?'):<9} {m.get('version', ''):<8} {i['bytes']:>8,} B  {state}")
        bad += bool(i["findings"])
    return EXIT_INVALID if bad else EXIT_OK


def cmd_plugin_inspect(args: argparse.Namespace) -> int:
    from . import plugins

    i = plugins.inspect(args.plugin)
    sys.stdout.write(json.dumps(i, indent=2) + "\n" if args.format == "json" else _inspection_text(args.plugin, i) + "\n")
    return EXIT_INVALID if i["findings"] else EXIT_OK


def cmd_plugin_check(args: argparse.Namespace) -> int:
    from . import plugins

    i = plugins.inspect(args.plugin)
    for f in i["findings"]:
        print(f"{args.plugin}: {f}", file=sys.stderr)
    if not i["findings"]:
        m = i["manifest"]
        print(f"{args.plugin}: ok: {m['name']} {m['version']} implements {m['world']} ({m['package']})")
    return EXIT_INVALID if i["findings"] else EXIT_OK


def cmd_plugin_probe(args: argparse.Namespace) -> int:
    from . import plugins

    limit = (plugins.inspect(args.plugin).get("manifest") or {}).get("limits", {}).get("timeout_ms")
    if limit and args.timeout_ms > limit:
        raise ValueError(f"--timeout-ms {args.timeout_ms} is over {args.plugin}'s per-call limit of {limit} ms (its manifest's timeout)")
    h = plugins.probe(args.plugin, args.url, args.expect_status, args.body_contains, args.timeout_ms)
    if args.format == "json":
        sys.stdout.write(json.dumps(h, indent=2) + "\n")
    else:
        print(f"{'healthy' if h['ok'] else 'UNHEALTHY'}: {h['detail']}")
        _print_plugin_log(h["log"])
    return EXIT_OK if h["ok"] else EXIT_INVALID


def cmd_plugin_decide(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from . import plugins

    try:
        at = datetime.fromisoformat(args.at.replace("Z", "+00:00")) if args.at else datetime.now(timezone.utc)
    except ValueError:
        raise ValueError(f"--at {args.at}: not an ISO 8601 time (2026-12-07T10:00:00Z)") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    if not 1 <= args.step <= max(args.steps, 1):
        raise ValueError(f"--step {args.step}: steps count from 1 to --steps ({args.steps})")
    d = plugins.decide(args.plugin, verdict=args.verdict, step=args.step - 1, steps=args.steps, now=at, evidence=args.evidence)
    if args.format == "json":
        sys.stdout.write(json.dumps(d, indent=2) + "\n")
    else:
        n = d["next"]
        print(f"{d['strategy']}: {n['kind']}: {n['why']}")
        _print_plugin_log(d["log"])
    return EXIT_OK


def cmd_preview(args: argparse.Namespace) -> int:
    import functools
    import http.server
    import webbrowser

    root = Path(lift.__file__).parent / "preview"
    if not (root / "index.html").is_file():
        print(f"lift: error: the preview page is not installed in {root} (build it with scripts/build-web)", file=sys.stderr)
        return EXIT_USAGE

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".js": "text/javascript"}

        def log_message(self, *a) -> None:
            pass

    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), functools.partial(Handler, directory=str(root)))
    except OSError as e:
        print(f"lift: error: cannot serve on 127.0.0.1:{args.port} ({e.strerror}); try another --port, or --port 0 for a free one", file=sys.stderr)
        return EXIT_USAGE
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"serving the preview page at {url} (Ctrl-C stops it)", flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def _code_overrides(pairs: Sequence[str]) -> Dict[str, str]:
    out = {}
    for kv in pairs:
        fn, sep, path = kv.partition("=")
        if not sep or not fn or not path:
            raise ValueError(f"--code takes FUNCTION=PATH, not {kv!r}")
        out[fn] = path
    return out


def _state_for(args: argparse.Namespace) -> Path:
    """The state directory: the local target's, or --state-dir (default ./.lift) for AWS."""
    if args.target == "local":
        from .local import state_dir

        return state_dir(args.state_dir)
    return Path(args.state_dir or ".lift").resolve()


def cmd_deploy(args: argparse.Namespace) -> int:
    from . import package as packaging
    from . import rollout
    from .package import PackageError

    if args.local:
        args.target = "local"
    if args.time_scale < 1 or args.time_scale > 10_000:
        raise ValueError(f"--time-scale {args.time_scale} is not between 1 and 10000")
    path = lift.find_spec(args.spec)
    app = _load(args.spec)
    if any(d.is_error for d in app.validate()):
        raise lift.ValidationError([d for d in app.validate() if d.is_error])
    strategy = args.strategy_plugin or _spec_strategy(app, path)
    given = dict(kv.split("=", 1) for kv in args.parameter if "=" in kv)
    if len(given) != len(args.parameter):
        raise ValueError("--parameter takes KEY=VALUE")
    code = _code_overrides(args.code)
    state = _state_for(args)
    # Another rollout of this app under way: say so before packaging anything.
    lift._lift.rollout_lock_check(str(rollout.rollouts_dir(state, app.name) / "lock"), args.break_lock)
    if not args.resume:
        rollout.check_frozen(state, app.name)
    out = sys.stdout if args.format == "json" else sys.stderr
    plan = app.plan()
    live = args.format == "text" and sys.stderr.isatty() and not os.environ.get("CI")
    printer = rollout.LiveView(out, plan, args.time_scale) if live else rollout.Printer(out, args.format)
    try:
        pkgs = packaging.packages(app, path.parent, code)
    except PackageError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_INVALID
    regions: Dict[str, Any] = {}
    on_deployed = None
    if args.target == "local":
        from .cli_local import _needs_local_extra
        from .local import LocalTarget, _read, lifecycle

        _needs_local_extra()

        target, fresh = LocalTarget.ensure(state)
        printer.note(f"local target {'started' if fresh else 'running'} at {target.url} (state in {state})")
        served = (_read(state / "apps.json") or {}).get(app.name, {}).get("regions", {})
        for region in app.regions:
            body, params = target.prepare(app, region, pkgs)
            params.update(given)
            regions[region] = {"stack": f"{app.name}-{region}", "template": body, "parameters": sorted(params.items()), "endpoint": served.get(region, {}).get("url")}
        settings = {**target.settings(), "template-bucket": target.template_bucket(app)}
        min_period = 1

        def on_deployed(region: str) -> None:
            # The data plane serves what is deployed: a new stack's routes, a new version's code.
            lifecycle.serve(state, app, path, target.url)
    else:
        settings = rollout.aws_settings()
        printer.note(f"AWS credentials from {rollout.aws_credentials_source()}" + (f"; endpoint {args.endpoint}" if args.endpoint else ""))
        if args.endpoint:
            settings["endpoint"] = args.endpoint
        if args.template_bucket:
            settings["template-bucket"] = args.template_bucket
        min_period = 60
        _upload_code_to_aws(app, pkgs, given, args.endpoint)
        for region in app.regions:
            body = app.synth("cloudformation", region=region, text=True)
            # `{region}` in a parameter stands for the region (one artifact bucket per region).
            params = {k: v.replace("{region}", region) for k, v in given.items()}
            for name, p in packaging.code_parameters(app, app.synth("cloudformation", region=region), pkgs).items():
                if p is not None:
                    params[name] = p.key
            regions[region] = {"stack": f"{app.name}-{region}", "template": body, "parameters": sorted(params.items())}
    setup = {"regions": regions, "time_scale": args.time_scale, "approve": args.approve, "min_period_s": min_period, "stack_timeout_s": int(args.timeout)}
    started = time.monotonic()
    approver = _terminal_approver(state, app.name) if (not args.approve and rollout.is_terminal() and args.format == "text") else None
    with printer if live else contextlib.nullcontext():
        last = rollout.run(
            app,
            setup,
            state,
            settings=settings,
            resume=args.resume,
            break_lock=args.break_lock,
            strategy=strategy,
            printer=_Both(printer, approver) if approver else printer,
            on_deployed=on_deployed,
        )
    seconds = time.monotonic() - started
    outcome = (last.get("status", {}).get("outcome") or {}).get("kind")
    if args.format == "json":
        printer._emit(json.dumps({"kind": "summary", "outcome": outcome, "status": last.get("status"), "seconds": round(seconds, 2), "journal": last["journal"]}))
    else:
        print(rollout.summary(last, plan, seconds, args.time_scale, Path(last["journal"])), file=sys.stderr)
    return EXIT_OK if outcome == "promoted" else EXIT_ROLLED_BACK


def _spec_strategy(app: lift.App, path: Path) -> Optional[str]:
    """The strategy plugin the spec's `rollout.plugin` names: a shipped one, or a manifest beside the spec."""
    from . import plugins

    named = (app.resolved().get("rollout") or {}).get("plugin")
    if not named:
        return None
    if named.endswith(".toml"):
        manifest = path.parent / named
        if not manifest.is_file():
            raise ValueError(f"{path}: /rollout/plugin: `{named}`: no such manifest ({manifest})")
        return str(manifest)
    try:
        return str(plugins.resolve(named))
    except FileNotFoundError as e:
        raise ValueError(f"{path}: /rollout/plugin: {e}") from None


class _Both:
    """The printer, and a person asked at the terminal when the rollout waits for approval."""

    def __init__(self, printer, approver):
        self.printer, self.approver = printer, approver

    def __getattr__(self, name):
        return getattr(self.printer, name)

    def record(self, text: str) -> None:
        self.printer.record(text)
        self.approver(json.loads(text))


def _terminal_approver(state: Path, app: str):
    """On a terminal, an approval is asked for there (another shell's `lift approve` works too)."""
    from . import rollout

    def ask(r: Dict[str, Any]) -> None:
        a = r.get("action") or {}
        if r.get("kind") != "intent" or a.get("kind") != "ask-approval":
            return

        def prompt() -> None:
            try:
                answer = input(f"approve step {a['step'] + 1}? [y/N] ").strip().lower()
            except EOFError:
                return
            try:
                rollout.control(state, app, "approve" if answer in ("y", "yes") else "abort", None if answer in ("y", "yes") else "declined at the terminal")
            except rollout.NoRollout:
                pass

        threading.Thread(target=prompt, daemon=True).start()

    return ask


def _upload_code_to_aws(app, pkgs, given: Dict[str, str], endpoint: Optional[str] = None) -> None:
    """Put each function's zip in the artifact bucket of each region (--parameter ArtifactBucket=NAME, `{region}` for the region)."""
    if not pkgs:
        return
    bucket = given.get("ArtifactBucket")
    if not bucket:
        raise ValueError("--target aws with code to upload needs --parameter ArtifactBucket=BUCKET ({region} stands for the region)")
    try:
        import boto3
    except ImportError as e:
        raise lift.LiftError("--target aws uploads code with boto3: pip install boto3") from e
    for region in app.regions:
        s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint)
        name = bucket.replace("{region}", region)
        for p in pkgs.values():
            try:
                s3.head_object(Bucket=name, Key=p.key)
            except Exception:  # content-addressed: a key that is there holds these very bytes
                try:
                    s3.put_object(Bucket=name, Key=p.key, Body=p.data)
                except Exception as e:
                    raise lift.LiftError(f"could not upload {p.key} to s3://{name} in {region} (--parameter ArtifactBucket): {e}") from None


def _rollout_state(args: argparse.Namespace) -> Tuple[Path, str]:
    if getattr(args, "local", False):
        args.target = "local"
    app = _load(args.spec)
    return _state_for(args), app.name


def _notify_kinds():
    from .notify import KINDS

    return KINDS


def cmd_notify(args: argparse.Namespace) -> int:
    from . import notify

    app = _load(args.spec)
    if not app.resolved().get("notify"):
        print(f"lift: error: {args.spec} has no `notify` section: no channels to send to", file=sys.stderr)
        return EXIT_INVALID
    got = notify.send(app, args.kind, args.title, severity=args.severity, text=args.text, region=args.region, slo=args.slo, dedup_key=args.dedup_key)
    if args.format == "json":
        sys.stdout.write(json.dumps(got, indent=2) + "\n")
    else:
        if not got:
            print(f"no route sends {args.kind} ({args.severity}) anywhere", file=sys.stderr)
        for d in got:
            if d["error"]:
                print(f"{d['channel']}: failed after {d['attempts']} attempt(s): {d['error']}", file=sys.stderr)
            else:
                print(f"{d['channel']}: delivered ({d['attempts']} attempt(s), {d['ms']} ms)", file=sys.stderr)
    return EXIT_INVALID if any(d["error"] for d in got) else EXIT_OK


def cmd_watch(args: argparse.Namespace) -> int:
    import time

    from . import rollout
    from . import watch as watching

    app = _load(args.spec)
    state = _state_for(args)
    if args.target == "local":
        from .local import LocalTarget

        target = LocalTarget.attach(state)
        if target is None:
            print(f"lift: error: no local target runs (state directory {state}); `lift local up {args.spec}` first", file=sys.stderr)
            return EXIT_INVALID
        settings = target.settings()
    else:
        settings = rollout.aws_settings()
        if args.endpoint:
            settings["endpoint"] = args.endpoint
    until = None
    if args.duration:
        until = time.monotonic() + lift._lift.duration_ms(args.duration) / 1000
    out = sys.stdout if args.format == "json" else sys.stderr
    printer = watching.Printer(out, args.format)
    # Ctrl-C and SIGTERM end the watch at its next turn (a notice in flight is delivered first).
    import signal
    import threading

    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())

    def stop() -> bool:
        return stopping.is_set() or (until is not None and time.monotonic() >= until)

    if args.once and args.duration:
        print("lift: error: --once runs one round; it takes no --for", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.time_scale < 1 or args.time_scale > 10_000:
            raise ValueError(f"--time-scale {args.time_scale} is not between 1 and 10000")
        last = watching.run(
            app, state, args.target, settings, printer, resume=args.resume, break_lock=args.break_lock, stop=stop, time_scale=args.time_scale, once=args.once
        )
    except KeyboardInterrupt:
        last = printer.last or {}
        print(f"lift: the watch stopped; `lift watch {args.spec} --resume` goes on from {watching.watch_dir(state, app.name) / 'journal.jsonl'}", file=sys.stderr)
    ledger = (last.get("status") or {}).get("ledger") or []
    if args.format == "json":
        sys.stdout.write(json.dumps({"kind": "summary", "status": last.get("status"), "journal": str(watching.watch_dir(state, app.name) / "journal.jsonl")}) + "\n")
    else:
        st = last.get("status") or {}
        print(f"traffic on {st.get('active', '?')}; {st.get('phase', '?')}; {len(ledger)} incident(s)", file=sys.stderr)
        for i in ledger:
            print("  " + watching.incident_text(i), file=sys.stderr)
    if args.once:
        wanted = watching.attention(watching.records(state, app.name))
        if args.format == "json":
            sys.stdout.write(json.dumps({"kind": "attention", "items": wanted}) + "\n")
        for w_ in wanted:
            print(f"attention: {w_}", file=sys.stderr)
        return EXIT_ATTENTION if wanted else EXIT_OK
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from . import watch as watching

    app = _load(args.spec)
    _emit(watching.report(app, _state_for(args), args.format), args.output)
    return EXIT_OK


def cmd_ack(args: argparse.Namespace) -> int:
    from . import watch as watching

    state, app = _rollout_state(args)
    path = watching.ack(state, app, args.slo, args.region)
    print(f"acknowledged the firing alerts of {app}{' SLO ' + args.slo if args.slo else ''}{' in ' + args.region if args.region else ''} ({path})", file=sys.stderr)
    return EXIT_OK


def cmd_control(args: argparse.Namespace) -> int:
    from . import rollout
    from . import watch as watching

    state, app = _rollout_state(args)
    if args.command in ("approve", "deny") and watching.awaiting(state, app):
        d = watching.control(state, app, args.command)
        print(f"{args.command}: sent to the watch of {app} ({d})", file=sys.stderr)
        return EXIT_OK
    if args.command == "deny":
        print(f"lift: error: no watch of {app} waits for a person (state directory {state})", file=sys.stderr)
        return EXIT_INVALID
    try:
        r = rollout.control(state, app, args.command, getattr(args, "reason", None))
    except rollout.NoRollout as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{args.command}: sent to rollout {r.name} of {app}", file=sys.stderr)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from . import rollout

    state, app = _rollout_state(args)
    ids = rollout.rollout_ids(state, app)
    if not ids:
        print(f"lift: error: no rollout of {app} in {state}", file=sys.stderr)
        return EXIT_INVALID
    recs = rollout.records(ids[-1])
    last = recs[-1]
    st = last["status"]
    if args.format == "json":
        sys.stdout.write(json.dumps({"rollout": ids[-1].name, "version": recs[0].get("version"), "status": st, "last": {k: v for k, v in last.items() if k != "status"}}, indent=2) + "\n")
        return EXIT_OK
    outcome = st.get("outcome")
    print(f"rollout {ids[-1].name} of {app} {recs[0].get('version')}: {outcome['kind'] if outcome else st['phase']}{' (paused)' if st.get('paused') else ''}")
    print(f"  step {min(st['step'] + 1, st['steps'])} of {st['steps']}; new version: " + ", ".join(f"{k} {rollout.pct(v)}" for k, v in sorted(st["weights"].items())))
    line = rollout.record_text(last)
    if line:
        print(f"  last: {line.strip()} ({rollout.when(last['wall_ms'])})")
    for d in st.get("decisions", [])[-5:]:
        ev = d.get("evidence") or {}
        print(f"  step {d['step'] + 1}: {d['decision']}: {ev.get('summary', '') if isinstance(ev, dict) else ev}")
    print(f"  journal: {ids[-1] / 'journal.jsonl'}")
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from . import rollout

    state, app = _rollout_state(args)
    rows = rollout.audit(state, app) if args.audit else rollout.history(state, app)
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    if not rows:
        print(f"no rollouts of {app} in {state}")
        return EXIT_OK
    for r in rows:
        if args.audit:
            print(f"{rollout.when(r['wall_ms'])}  {r['rollout']}  {r['who']}: {r['what']}")
        else:
            reason = f" ({r['reason']})" if r.get("reason") else ""
            print(f"{rollout.when(r['started_ms'])}  {r['rollout']}  {r['version']}  {r['outcome']}{reason}  {r['seconds']}s  by {r['by']}")
    return EXIT_OK


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The command is the first word that is no option (the top level's options take no value).
    command = next((a for a in argv if not a.startswith("-")), None)
    p = parser(command)
    if not p.found_command:  # type: ignore[attr-defined]
        p = parser()  # no such command: argparse lists every one
    args = p.parse_args(argv)
    try:
        return args.func(args)
    except lift.ValidationError as e:
        _print_diagnostics(e.diagnostics)
        return EXIT_INVALID
    except lift.plugins.PluginError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except lift._lift.RolloutFrozen as e:
        print(f"lift: refused: {e}", file=sys.stderr)
        return EXIT_FROZEN
    except lift._lift.RolloutError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("lift: interrupted; a rollout under way goes on from its journal with `lift deploy --resume`", file=sys.stderr)
        return 130
    except (lift.SpecNotFoundError, lift.RegionError) as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except lift.LiftError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:
        return EXIT_OK
    except OSError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
