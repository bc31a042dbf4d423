"""`lift package` and `lift local ...`: packaging the app's code, and the local
target that runs it (the emulator for the control plane, Lift's data plane
for the requests)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List

from ._fault_kinds import KINDS

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _pairs(items: List[str], what: str) -> Dict[str, str]:
    out = {}
    for kv in items or []:
        k, sep, v = kv.partition("=")
        if not sep or not k:
            raise ValueError(f"{what} takes KEY=VALUE, not `{kv}`")
        out[k] = v
    return out


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _duration(text: str) -> float:
    """Seconds, read as the spec reads durations (`30s`, `1m30s`, `500ms`)."""
    from . import _lift

    return _lift.duration_ms(text) / 1000


def cmd_package(args: argparse.Namespace) -> int:
    import lift
    from . import package

    path = lift.find_spec(args.spec)
    app = lift.load(path)
    try:
        pkgs = package.packages(app, path.parent, _pairs(args.code, "--code"))
    except package.PackageError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_INVALID
    if args.output:
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        for p in pkgs.values():
            dest = out / p.key.replace("/", "-")
            tmp = dest.with_suffix(".tmp")
            tmp.write_bytes(p.data)
            tmp.replace(dest)
            print(f"wrote {dest}", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(json.dumps({k: p.to_dict() for k, p in pkgs.items()}, indent=2) + "\n")
    else:
        sys.stdout.write(package.describe(pkgs))
    return EXIT_OK


def _needs_local_extra() -> None:
    """The local target runs on moto, boto3 and awslambdaric: the `local` extra."""
    import importlib.util

    missing = [m for m in ("moto", "boto3", "awslambdaric") if importlib.util.find_spec(m) is None]
    if missing:
        raise ValueError(f"the local target needs {', '.join(missing)}: pip install 'lift-iac[local]'")


def _state(args: argparse.Namespace) -> Path:
    from .local import state_dir

    return state_dir(args.state_dir)


def cmd_local_up(args: argparse.Namespace) -> int:
    from .local import LocalError, lifecycle
    from .package import PackageError

    _needs_local_extra()
    try:
        result = lifecycle.up(args.spec, _state(args), _pairs(args.code, "--code"), say=_say if args.format == "text" else (lambda _: None))
    except (LocalError, PackageError) as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_INVALID
    if args.format == "json":
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        for region, r in result["regions"].items():
            print(f"{region}: {r['url']}")
        print(f"serving {result['app']} in {len(result['regions'])} region(s), {result['seconds']:.1f}s from start; `lift local down` stops it", file=sys.stderr)
    return EXIT_OK


def cmd_local_down(args: argparse.Namespace) -> int:
    from .local import lifecycle

    state = _state(args)
    if not lifecycle.down(state, say=_say):
        print(f"no local target was running ({state})", file=sys.stderr)
    return EXIT_OK


def cmd_local_status(args: argparse.Namespace) -> int:
    from .local import lifecycle

    st = lifecycle.status(_state(args))
    if args.format == "json":
        sys.stdout.write(json.dumps(st, indent=2) + "\n")
    else:
        sys.stdout.write(lifecycle.describe(st))
    return EXIT_OK


def _served(args: argparse.Namespace) -> Dict[str, Dict[str, object]]:
    from .local import LocalError, lifecycle

    plane = lifecycle.running(_state(args))
    apps = plane.call("GET", "/status")["apps"]
    if not apps:
        raise LocalError("the local target serves no app yet; `lift local up SPEC` deploys one")
    if args.app is None:
        if len(apps) > 1:
            raise LocalError(f"the local target serves {', '.join(apps)}: name one with --app")
        return next(iter(apps.values()))
    if args.app not in apps:
        raise LocalError(f"`{args.app}` is not served here ({', '.join(apps)})")
    return apps[args.app]


def cmd_local_traffic(args: argparse.Namespace) -> int:
    from .local import LocalError
    from .local.traffic import send

    try:
        regions = _served(args)
    except LocalError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_INVALID
    chosen = args.region or list(regions)
    unknown = [r for r in chosen if r not in regions]
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: not served ({', '.join(regions)})")
    mix = {k: float(v) for k, v in _pairs(args.mix, "--mix").items()}
    bodies = _pairs(args.body, "--body")
    params = _pairs(args.param, "--param")
    plans = {}
    for region in chosen:
        r = regions[region]
        routes = mix or {k: 1.0 for k in r["routes"]}
        missing = [k for k in routes if k not in r["routes"]]
        if missing:
            raise ValueError(f"--mix names {', '.join(missing)}, not routes of the API ({', '.join(r['routes'])})")
        plans[region] = (r["url"], routes)
    # Every region at once: the rate is per region, over the same seconds.
    from concurrent.futures import ThreadPoolExecutor

    duration = _duration(args.duration)
    with ThreadPoolExecutor(max_workers=len(plans) or 1) as pool:
        running = {region: pool.submit(send, url, routes, args.rps, duration, bodies, params) for region, (url, routes) in plans.items()}
        out = {}
        for region, f in running.items():
            rep = f.result()
            out[region] = rep.to_dict()
            if args.format == "text":
                print(f"{region}: {rep.describe()}")
    if args.format == "json":
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    return EXIT_OK


def cmd_local_fault(args: argparse.Namespace) -> int:
    from .local import LocalError, lifecycle

    try:
        plane = lifecycle.running(_state(args))
        if args.clear:
            n = plane.call("DELETE", "/faults" + (f"?region={args.region}" if args.region else ""))["cleared"]
            print(f"cleared {n} fault(s)")
            return EXIT_OK
        if not args.region or not args.kind:
            raise ValueError("a fault needs REGION and KIND (refuse, error, latency, hang, flap), or --clear")
        body = {"region": args.region, "kind": args.kind, "share": args.share, "ms": args.ms, "period_s": _duration(args.period)}
        if args.vantage:
            body["vantage"] = args.vantage
        print(plane.call("POST", "/faults", body)["described"])
    except LocalError as e:
        print(f"lift: error: {e}", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def add_parsers(sub) -> None:
    """`lift package` and `lift local` on the main parser."""
    pk = sub.add_parser(
        "package",
        help="zip each function's code reproducibly and show what would be uploaded",
        description="Zip each function's `code: ./path` (with its requirements.txt installed for Lambda's platform) "
        "reproducibly: the same tree gives the same bytes and the same S3 key. Refuses packages over Lambda's limits "
        "(50 MB zipped, 250 MB unzipped).",
    )
    pk.add_argument("spec", metavar="SPEC")
    pk.add_argument("--code", action="append", default=[], metavar="FUNCTION=PATH", help="use PATH as FUNCTION's code (repeatable)")
    from .cli import _out_dir

    _out_dir(pk, "the zips")
    pk.add_argument("--format", choices=["text", "json"], default="text")
    pk.set_defaults(func=cmd_package)

    lo = sub.add_parser(
        "local",
        help="the local target: deploy and serve the app from its real code, no AWS account needed",
        description="The local target: an AWS API emulator (moto) for the control plane and Lift's data plane, which "
        "serves each region's HTTP API from the deployed code by the `live` alias's weights and writes Lambda's and "
        "API Gateway's metrics to the emulator's CloudWatch. Both keep running until `lift local down`.",
    )
    lo_sub = lo.add_subparsers(dest="local_command", required=True, metavar="COMMAND")

    def state_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--state-dir", metavar="DIR", help="the local target's state directory (default: $LIFT_STATE_DIR, else ~/.local/state/lift/local)")

    up = lo_sub.add_parser("up", help="package, deploy (or update) and serve the app; prints each region's URL")
    up.add_argument("spec", metavar="SPEC")
    up.add_argument("--code", action="append", default=[], metavar="FUNCTION=PATH", help="use PATH as FUNCTION's code (repeatable)")
    up.add_argument("--format", choices=["text", "json"], default="text")
    state_arg(up)
    up.set_defaults(func=cmd_local_up)

    dn = lo_sub.add_parser("down", help="stop the emulator and the data plane and remove their state")
    state_arg(dn)
    dn.set_defaults(func=cmd_local_down)

    st = lo_sub.add_parser("status", help="what runs: URLs, routes, versions served, warm workers, queues, faults")
    st.add_argument("--format", choices=["text", "json"], default="text")
    state_arg(st)
    st.set_defaults(func=cmd_local_status)

    tr = lo_sub.add_parser("traffic", help="send paced, bounded load to the app's regions")
    tr.add_argument("--app", help="the app (when more than one is served)")
    tr.add_argument("--region", action="append", metavar="REGION", help="only this region (repeatable; default: all)")
    tr.add_argument("--rps", type=float, default=20.0, help="requests per second per region (default 20, at most 2000)")
    tr.add_argument("--duration", default="10s", help="how long (default 10s, at most 1h)")
    tr.add_argument("--mix", action="append", default=[], metavar="ROUTE=WEIGHT", help='a route and its weight, such as "GET /orders/{id}=3" (default: every route equally)')
    tr.add_argument("--body", action="append", default=[], metavar="ROUTE=JSON", help="the body a route's requests carry")
    tr.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a path parameter's value (default 1)")
    tr.add_argument("--format", choices=["text", "json"], default="text")
    state_arg(tr)
    tr.set_defaults(func=cmd_local_traffic)

    fa = lo_sub.add_parser("fault", help="inject a fault into a region's front (refuse, error, latency, hang, flap) or its replication (replication-lag), or --clear")
    fa.add_argument("region", nargs="?", metavar="REGION")
    fa.add_argument("kind", nargs="?", choices=list(KINDS), metavar="KIND", help=", ".join(KINDS[:-1]) + " or " + KINDS[-1])
    fa.add_argument("--vantage", metavar="NAME", help="only for the vantage point that names itself NAME (the x-lift-vantage header)")
    fa.add_argument("--share", type=float, default=1.0, help="error: the share of requests answered 503 (default 1)")
    fa.add_argument("--ms", type=int, default=0, help="latency: milliseconds added; hang: how long requests are held (default 60000); replication-lag: how late writes reach the other replicas")
    fa.add_argument("--period", default="10s", help="flap: the length of each failing and healthy turn (default 10s)")
    fa.add_argument("--clear", action="store_true", help="clear the faults (of REGION, or all)")
    state_arg(fa)
    fa.set_defaults(func=cmd_local_fault)
