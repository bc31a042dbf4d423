"""Lift side by side with the tools its users would otherwise pick
(troposphere, aws-sam-translator, the AWS CDK, cfn-lint; Sloth and Pyrra for
SLO rules), on the same app, the same way, on the same machine, in one run.
Writes benches/RESULTS.md; every number in it is measured or read here.

Run by `benches/compare/run` (which installs the peers in their own
environments); `--quick` makes one repetition of everything, for CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SMALL = HERE / "apps" / "small"
SHOP = HERE / "apps" / "shop"
# Each app: where its Lift spec is, and where the peers' programs are (the shop's spec is the example's own).
APPS = {"small": (SMALL, SMALL), "shop": (ROOT / "examples" / "shop", SHOP)}
CACHE = Path(os.environ.get("LIFT_CACHE", Path.home() / ".cache" / "lift"))
PEER_PY = Path(os.environ.get("LIFT_COMPARE_PY", CACHE / "compare" / "venv" / "bin" / "python"))
CFN_LINT = PEER_PY.parent / "cfn-lint"
LIFT_PY = Path(sys.executable)
LIFT_BIN = LIFT_PY.parent / "lift"
NODE_MODULES = Path(os.environ.get("LIFT_NODE_MODULES", ""))


def log(msg: str) -> None:
    print(f"compare: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- workers


class Worker:
    """A warm, long-lived process timing one operation in-process, batch by batch."""

    def __init__(self, name: str, argv: List[str], env: Optional[dict] = None):
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)

    def ask(self, cmd: dict) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name} worker stopped (exit {self.proc.wait()})")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def py_worker(op: str, python: Path, app: str = "small") -> Worker:
    lift_dir, peer_dir = APPS[app]
    return Worker(op, [str(python), str(HERE / "workers" / "py_worker.py"), op, str(lift_dir if op.startswith("lift") else peer_dir)])


def cdk_build(node_modules: Path, app: str = "small") -> Path:
    """The CDK app compiled with the toolchain's TypeScript, in a scratch directory."""
    build = CACHE / "compare" / f"cdk-{app}"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    for f in ("app.ts", "tsconfig.json"):
        shutil.copy(APPS[app][1] / "cdk" / f, build / f)
    (build / "node_modules").symlink_to(node_modules, target_is_directory=True)
    r = subprocess.run(["node", str(node_modules / "typescript" / "bin" / "tsc"), "-p", str(build)], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"tsc failed on the CDK app:\n{r.stdout}{r.stderr}")
    return build / "dist" / "app.js"


def cdk_worker(app_js: Path, validate: bool, outdir: Path) -> Worker:
    mode = "validate" if validate else "skip-validation"
    return Worker(f"cdk-{mode}", ["node", str(HERE / "workers" / "cdk_worker.js"), str(app_js), mode, str(outdir)])


# ---------------------------------------------------------------- statistics


def median(xs: List[float]) -> float:
    return statistics.median(xs)


def fmt_time(ns: float) -> str:
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def fmt_ratio(r: float) -> str:
    return f"{r:,.0f}x" if r >= 100 else f"{r:,.1f}x" if r >= 10 else f"{r:.2f}x"


def spread(xs: List[float], f: Callable[[float], str]) -> str:
    return f"{f(median(xs))} ({f(min(xs))} to {f(max(xs))})"


# ---------------------------------------------------------------- measurements


def warm(workers: Dict[str, Worker], reps: Dict[str, int], rounds: int) -> Dict[str, List[float]]:
    """Per worker, the median of each round's batch; the order of the workers alternates round by round."""
    out: Dict[str, List[float]] = {name: [] for name in workers}
    names = list(workers)
    for r in range(rounds):
        order = names if r % 2 == 0 else list(reversed(names))
        for name in order:
            got = workers[name].ask({"reps": reps[name], "warmup": max(2, reps[name] // 5) if r == 0 else 0})
            out[name].append(median(got["ns"]))
        log(f"warm round {r + 1}/{rounds}")
    return out


def run_cold(argv: List[str], cwd: Path, env: Optional[dict] = None) -> Tuple[float, int]:
    """One whole process, start to exit: wall time (ns) and peak resident memory (KiB)."""
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter_ns() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    # 1: lift's findings; cfn-lint's exit code is a bitmask of what it found (2, 4, 8).
    if p.returncode < 0 or p.returncode >= 16:
        raise RuntimeError(f"{argv[0]} exited {p.returncode}: {p.stderr.read().decode() if p.stderr else ''}")
    return wall, usage.ru_maxrss


def cold(commands: Dict[str, Tuple[List[str], Path]], rounds: int) -> Dict[str, Dict[str, List[float]]]:
    out = {name: {"wall": [], "rss": []} for name in commands}
    names = list(commands)
    for r in range(rounds):
        for name in names if r % 2 == 0 else list(reversed(names)):
            argv, cwd = commands[name]
            wall, rss = run_cold(argv, cwd)
            out[name]["wall"].append(wall)
            out[name]["rss"].append(rss)
        log(f"cold round {r + 1}/{rounds}")
    return out


def pair_ratios(a: List[float], b: List[float], scale: float = 1.0) -> List[float]:
    """Round by round, b / a (times `scale`): how many times a is faster than b."""
    return [(y / x) * scale for x, y in zip(a, b)]


# ---------------------------------------------------------------- validation: what each catches


def lift_template() -> dict:
    import lift

    app = lift.load(SMALL)
    return json.loads(app.synth("cloudformation", region=app.regions[0], text=True))


def fn_id(t: dict, handler: str) -> str:
    return next(k for k, v in t["Resources"].items() if v["Type"] == "AWS::Lambda::Function" and v["Properties"].get("Handler") == handler)


def of_type(t: dict, kind: str) -> List[str]:
    return [k for k, v in t["Resources"].items() if v["Type"] == kind]


def set_env(name: str, value) -> Callable[[dict], None]:
    def f(t: dict) -> None:
        t["Resources"][fn_id(t, "app.read")]["Properties"]["Environment"]["Variables"][name] = value

    return f


def read_prop(key: str, value) -> Callable[[dict], None]:
    def f(t: dict) -> None:
        t["Resources"][fn_id(t, "app.read")]["Properties"][key] = value

    return f


def worker_timeout(seconds: int) -> Callable[[dict], None]:
    def f(t: dict) -> None:
        t["Resources"][fn_id(t, "app.work")]["Properties"]["Timeout"] = seconds

    return f


def route_key(key: str) -> Callable[[dict], None]:
    def f(t: dict) -> None:
        route = of_type(t, "AWS::ApiGatewayV2::Route")[0]
        t["Resources"][route]["Properties"]["RouteKey"] = key

    return f


def cycle(t: dict) -> None:
    read, write = fn_id(t, "app.read"), fn_id(t, "app.write")
    t["Resources"][read]["DependsOn"] = [write]
    t["Resources"][write]["DependsOn"] = [read]


def dangling(t: dict) -> None:
    t["Resources"][fn_id(t, "app.read")]["Properties"]["Environment"]["Variables"]["TABLE"] = {"Ref": "Itemz"}


# Each defect written both ways: as edits of the spec's text (old, new) and as a change to Lift's template of it.
BROKEN: List[Tuple[str, List[Tuple[str, str]], Callable[[dict], None]]] = [
    ("a reference to a table that does not exist", [("tables.items: read\n", "tables.itemz: read\n")], dangling),
    ("an unknown property (a typo)", [("    handler: app.read\n", "    handler: app.read\n    memroy: 256MB\n")], read_prop("Memroy", 256)),
    ("a runtime Lambda no longer supports", [("runtime: python3.12\n    handler: app.read", "runtime: python2.7\n    handler: app.read")], read_prop("Runtime", "python2.7")),
    ("memory over Lambda's 10,240 MB", [("    handler: app.read\n", "    handler: app.read\n    memory: 20GB\n")], read_prop("MemorySize", 20480)),
    ("a timeout over Lambda's 15 minutes", [("timeout: 30s", "timeout: 20m")], worker_timeout(1200)),
    ("a queue consumer slower than the queue's visibility timeout", [("timeout: 30s", "timeout: 5m")], worker_timeout(300)),
    ("a malformed route", [('"GET /items/{id}"', '"GOT /items/{id}"')], route_key("GOT /items/{id}")),
    (
        "a dependency cycle between two functions",
        [
            ("      TABLE: ${tables.items.name}\n    access:\n      tables.items: read\n", "      TABLE: ${tables.items.name}\n      PEER: ${functions.write.arn}\n    access:\n      tables.items: read\n"),
            ("      QUEUE_URL: ${queues.jobs.url}\n", "      QUEUE_URL: ${queues.jobs.url}\n      PEER: ${functions.read.arn}\n"),
        ],
        cycle,
    ),
]


def catches(tmp: Path) -> List[dict]:
    spec_text = (SMALL / "lift.yaml").read_text()
    base = lift_template()
    rows = []
    for i, (what, edits, mutate) in enumerate(BROKEN):
        text = spec_text
        for old, new in edits:
            assert old in text, what
            text = text.replace(old, new, 1)
        d = tmp / f"broken{i}"
        d.mkdir()
        shutil.copytree(SMALL / "src", d / "src")
        (d / "lift.yaml").write_text(text)
        r = subprocess.run([str(LIFT_BIN), "validate", str(d), "--format", "json"], capture_output=True, text=True, timeout=120)
        lift_codes = sorted({x["code"] for x in json.loads(r.stdout or "[]")} - {"W403"})
        t = json.loads(json.dumps(base))
        mutate(t)
        (d / "template.json").write_text(json.dumps(t))
        c = subprocess.run([str(CFN_LINT), "--format", "parseable", str(d / "template.json")], capture_output=True, text=True, timeout=300)
        lint_codes = sorted({line.split(":")[5] for line in c.stdout.splitlines() if line.count(":") >= 6})
        rows.append({"what": what, "lift": lift_codes, "cfn-lint": lint_codes})
        log(f"broken input {i + 1}/{len(BROKEN)}: lift {lift_codes or 'nothing'}, cfn-lint {lint_codes or 'nothing'}")
    return rows


# ---------------------------------------------------------------- SLO rules


def lift_rules(days: int) -> List[Tuple[str, float, str, str]]:
    """Lift's alert rules for a period, read from its OpenSLO export: (severity, burn, long, short)."""
    import lift
    import yaml

    spec = (SMALL / "lift.yaml").read_text() + f"slos:\n  s: {{ objective: 99.9%, window: {days}d }}\n"
    docs = list(yaml.safe_load_all(lift.loads(spec).slo_rules("openslo")["openslo.yaml"]))
    policies = {d["metadata"]["name"]: d for d in docs if d["kind"] == "AlertPolicy"}
    out = []
    for d in docs:
        if d["kind"] != "AlertCondition":
            continue
        policy = policies[d["metadata"]["name"].removesuffix("-condition")]
        c = d["spec"]["condition"]
        short = policy["metadata"]["annotations"]["lift.dev/short-window"]
        out.append((d["spec"]["severity"], c["threshold"], prom_duration(minutes_of(c["lookbackWindow"])), prom_duration(minutes_of(short))))
    return out


def minutes_of(text: str) -> float:
    """`4032m`, `1w`, `5h36m` in minutes."""
    sizes = {"w": 10080, "d": 1440, "h": 60, "m": 1, "s": 1 / 60}
    return sum(int(n) * sizes[u] for n, u in re.findall(r"(\d+)([wdhms])", text))


def prom_duration(minutes: float) -> str:
    """Whole minutes as Prometheus writes them (`1d`, `5h36m`)."""
    m = int(round(minutes))
    out = ""
    for unit, size in (("d", 1440), ("h", 60), ("m", 1)):
        if m >= size:
            out += f"{m // size}{unit}"
            m %= size
    return out or "0m"


def sloth_rules(days: int) -> List[Tuple[float, str, str]]:
    """Sloth's rule: the Workbook's windows, factors share x period / window."""
    return [(share * days * 1440 / long, prom_duration(long), prom_duration(short)) for share, long, short in ((0.02, 60, 5), (0.05, 360, 30), (0.1, 1440, 120), (0.1, 4320, 360))]


def pyrra_rules(days: int) -> List[Tuple[float, str, str]]:
    """Pyrra's rule (slo/rules.go, Windows): windows scaled from 28 days, rounded to the minute (half away from zero)."""
    period = days * 1440
    return [(f, prom_duration(int(period / lw + 0.5)), prom_duration(int(period / sw + 0.5))) for f, lw, sw in ((14, 672, 8064), (7, 112, 1344), (2, 28, 336), (1, 7, 112))]


def slo_table() -> List[str]:
    peers = json.loads((HERE / "slo-peers.json").read_text())
    rules = {"Sloth": sloth_rules, "Pyrra": pyrra_rules}
    # Each tool's rule must give its published examples back.
    for tool, periods in peers["published"].items():
        for period, published in periods.items():
            got = rules[tool](int(period[:-1]))
            for (b, lw, sw), (pb, plw, psw) in zip(got, published):
                if abs(b - pb) > 1e-9 or (lw, sw) != (plw, psw):
                    raise RuntimeError(f"{tool} {period}: computed {b}x {lw}/{sw}, published {pb}x {plw}/{psw}")
    lines = ["| period | tool | page | page | ticket | ticket |", "|---|---|---|---|---|---|"]
    for days in (7, 14, 28, 30, 90):
        cells = [f"{fmt_burn(b)}x {lw} / {sw}" for _, b, lw, sw in lift_rules(days)]
        lines.append(f"| {days}d | Lift | " + " | ".join(cells) + " |")
        for tool, rule in rules.items():
            lines.append(f"| {days}d | {tool} | " + " | ".join(f"{fmt_burn(b)}x {lw} / {sw}" for b, lw, sw in rule(days)) + " |")
    return lines


def fmt_burn(b: float) -> str:
    return f"{b:.4f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- Rust


def rust_small(quick: bool) -> List[str]:
    """The criterion median of the small app's synth in Rust, and callgrind's instructions per call."""
    if quick:
        return ["(not measured in quick mode: `benches/compare/run` without `--quick` runs criterion and callgrind)"]
    subprocess.run(["cargo", "bench", "-q", "-p", "lift-benches", "--bench", "synth", "--", "compare_small", "--noplot"], cwd=ROOT, check=True, capture_output=True, timeout=1800)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    lines = []
    for bench in sorted((target / "criterion" / "compare_small").glob("*/new/estimates.json")):
        est = json.loads(bench.read_text())
        name = json.loads((bench.parent / "benchmark.json").read_text())["function_id"]
        lines.append(f"- Rust, {name} (criterion median): {fmt_time(est['median']['point_estimate'])}")
    if shutil.which("valgrind"):
        subprocess.run(["cargo", "build", "-q", "--release", "-p", "lift-benches", "--example", "profile"], cwd=ROOT, check=True, timeout=1800)
        binary = target / "release" / "examples" / "profile"

        def count(op: str, n: int) -> int:
            r = subprocess.run(
                ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", str(binary), op, str(n)],
                env=dict(os.environ, LIFT_PROFILE_SPEC=str(SMALL / "lift.yaml")),
                capture_output=True,
                text=True,
                timeout=600,
            )
            m = re.search(r"refs:\s+([\d,]+)", r.stderr)
            return int(m.group(1).replace(",", "")) if m else 0

        # Where the instructions go: reading the spec (YAML, schema check, typed spec) and
        # building and rendering the template (validation included), each as 20 calls minus 10.
        per = {op: (count(op, 20) - count(op, 10)) // 10 for op in ("parse", "synth", "loads")}
        lines.append(f"- Rust, spec text to typed spec, instructions per call (callgrind, 20 minus 10 calls): {per['parse']:,}")
        lines.append(f"- Rust, parsed spec to JSON text, instructions per call (callgrind, 20 minus 10 calls): {per['synth']:,}")
        lines.append(f"- Rust, spec text to JSON text, instructions per call (callgrind, 20 minus 10 calls): {per['loads']:,}")
    return lines


# ---------------------------------------------------------------- report


def machine() -> List[str]:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), platform.processor())
    mem = next((int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")), 0)

    def version(argv: List[str]) -> str:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        return (r.stdout or r.stderr).strip().splitlines()[-1] if r.returncode == 0 else "?"

    peers = version([str(PEER_PY), "-c", "import troposphere, samtranslator, cfnlint.version as v; print(troposphere.__version__, samtranslator.__version__, v.__version__)"]).split()
    return [
        f"- machine: {cpu}, {os.cpu_count()} cores, {mem / 1024 / 1024:.0f} GiB, {platform.system()} {platform.release()}",
        f"- Lift {version([str(LIFT_BIN), '--version']).split()[-1]} (Python {platform.python_version()}), troposphere {peers[0]}, aws-sam-translator {peers[1]}, cfn-lint {peers[2]}, "
        f"aws-cdk-lib {json.loads((NODE_MODULES / 'aws-cdk-lib' / 'package.json').read_text())['version']} on Node {version(['node', '--version'])}",
    ]



LABELS = {
    "lift-loads": "Lift from Python: `lift.loads(text).synth(...)` (parse, validate, build, render)",
    "lift-loaded": "Lift from Python: a loaded app's `synth(...)`",
    "troposphere": "troposphere: build the template and `to_json()`",
    "sam": "aws-sam-translator: `transform(...)` of the parsed template, and `json.dumps`",
    "cdk": "aws-cdk-lib in Node: construct the app and `synth()`",
    "cdk-no-validation": "aws-cdk-lib in Node: the same with `skipValidation`",
}
TOOLS = ("lift-loaded", "troposphere", "sam", "cdk")


def measure(app: str, quick: bool, rounds: int, cold_rounds: int, tmp: Path) -> dict:
    """One app in every tool: what each emits, warm in-process timings, cold processes."""
    lift_dir, peer_dir = APPS[app]
    log(f"{app}: compiling the CDK app")
    app_js = cdk_build(NODE_MODULES, app)
    workers = {
        "lift-loads": py_worker("lift-loads", LIFT_PY, app),
        "lift-loaded": py_worker("lift-loaded", LIFT_PY, app),
        "troposphere": py_worker("troposphere", PEER_PY, app),
        "sam": py_worker("sam", PEER_PY, app),
        "cdk": cdk_worker(app_js, True, tmp / f"{app}-cdk.out"),
        "cdk-no-validation": cdk_worker(app_js, False, tmp / f"{app}-cdk2.out"),
    }
    log(f"{app}: what each tool emits")
    shape = {name: workers[name].ask({"describe": True}) for name in TOOLS}
    big = app != "small"
    reps = {"lift-loads": 100, "lift-loaded": 200, "troposphere": 30, "sam": 5, "cdk": 2 if big else 3, "cdk-no-validation": 2 if big else 3}
    if quick:
        reps = {k: 1 for k in reps}
    log(f"{app}: warm, in-process timings")
    warm_ns = warm(workers, reps, rounds)
    for w in workers.values():
        w.close()
    log(f"{app}: cold processes")
    worker = str(HERE / "workers" / "py_worker.py")
    commands = {
        "lift": ([str(LIFT_BIN), "synth", str(lift_dir)], ROOT),
        "troposphere": ([str(PEER_PY), str(peer_dir / "tropo.py")], ROOT),
        "sam": ([str(PEER_PY), worker, "sam", str(peer_dir), "--once"], ROOT),
        "cdk": (["node", str(app_js), str(tmp / f"{app}-cold.out")], ROOT),
    }
    if not big:
        (tmp / "small.template.json").write_text(json.dumps(lift_template()))
        commands["lift validate"] = ([str(LIFT_BIN), "validate", str(lift_dir)], ROOT)
        commands["cfn-lint"] = ([str(CFN_LINT), str(tmp / "small.template.json")], ROOT)
    cold_ns = cold(commands, cold_rounds)
    res = {k: v["resources"] for k, v in shape.items()}
    byt = {k: v["bytes"] for k, v in shape.items()}
    for alias, of in (("lift-loads", "lift-loaded"), ("cdk-no-validation", "cdk")):
        res[alias], byt[alias] = res[of], byt[of]
    ratios = {}
    for peer in ("troposphere", "sam", "cdk", "cdk-no-validation"):
        ratios[peer] = {
            "run": pair_ratios(warm_ns["lift-loads"], warm_ns[peer]),
            "resource": pair_ratios(warm_ns["lift-loads"], warm_ns[peer], res["lift-loads"] / res[peer]),
            "byte": pair_ratios(warm_ns["lift-loads"], warm_ns[peer], byt["lift-loads"] / byt[peer]),
        }
    return {"shape": shape, "warm": warm_ns, "cold": cold_ns, "res": res, "bytes": byt, "ratios": ratios}


def app_tables(app: str, m: dict) -> List[str]:
    """The tables of one app: what each tool emits, warm timings and ratios, cold processes."""
    shape, warm_ns, cold_ns, res, byt = m["shape"], m["warm"], m["cold"], m["res"], m["bytes"]
    where = "`benches/compare/apps/small`" if app == "small" else "the Lift spec is `examples/shop`, the others are in `benches/compare/apps/shop`"
    what = (
        "two functions behind an HTTP API and a worker fed by a queue, one table, least-privilege roles"
        if app == "small"
        else "its us-east-1 stack: two functions in a private VPC with DynamoDB and S3 gateway endpoints, an HTTP API with IAM auth and a throttle under a custom domain with a Route 53 failover record and health check, two global tables replicated to eu-west-1, a queue with its dead-letter queue feeding the worker, a topic, least-privilege roles"
    )
    lines = [
        f"### The {app} app",
        "",
        f"The {app} app ({where}): {what}; written as a Lift spec (`lift.yaml`), a SAM template (`sam.yaml`), a troposphere program (`tropo.py`) and a CDK app in TypeScript (`cdk/app.ts`). The CloudFormation each produces:",
        "",
        "| resource type | Lift | troposphere | SAM (translated) | CDK |",
        "|---|---|---|---|---|",
    ]
    kinds = sorted({k for s in shape.values() for k in s["types"]})
    for k in kinds:
        lines.append(f"| `{k}` | " + " | ".join(str(shape[t]["types"].get(k, "")) for t in TOOLS) + " |")
    lines.append("| **resources** | " + " | ".join(f"**{shape[t]['resources']}**" for t in TOOLS) + " |")
    lines.append("| bytes of JSON | " + " | ".join(f"{shape[t]['bytes']:,}" for t in TOOLS) + " |")
    tropo = shape["troposphere"]["types"]
    extra = {k: v - tropo.get(k, 0) for k, v in shape["lift-loaded"]["types"].items() if v > tropo.get(k, 0)}
    why = {
        "AWS::Logs::LogGroup": "a log group per function, for the API's access log and for the VPC's flow log",
        "AWS::Lambda::Version": "a published version and a `live` alias per function, for traffic shifting",
        "AWS::CloudWatch::Alarm": "an errors and a throttles alarm per function, and each SLO's burn-rate windows as alarms",
        "AWS::CloudWatch::CompositeAlarm": "a composite alarm per window pair of each SLO",
        "AWS::EC2::FlowLog": "the VPC's flow log and the role it writes with",
    }
    lines += [
        "",
        "What Lift adds by default to the resources the others write: "
        + ", ".join(f"{n} `{k}`" for k, n in sorted(extra.items()))
        + " ("
        + "; ".join(w for k, w in why.items() if k in extra)
        + ").",
        "",
        "Warm, in-process, after warm-up:",
        "",
        "| tool, operation | per run | per resource | per KB of output |",
        "|---|---|---|---|",
    ]
    for name, label in LABELS.items():
        ns = warm_ns[name]
        lines.append(f"| {label} | {spread(ns, fmt_time)} | {fmt_time(median(ns) / res[name])} | {fmt_time(median(ns) / (byt[name] / 1024))} |")
    lines += ["", "Ratios to `lift.loads(text).synth(...)`, round by round:", "", "| peer | per run | per resource | per output byte |", "|---|---|---|---|"]
    for peer, r in m["ratios"].items():
        lines.append(f"| {LABELS[peer].split(':')[0]} ({peer}) | {spread(r['run'], fmt_ratio)} | {spread(r['resource'], fmt_ratio)} | {spread(r['byte'], fmt_ratio)} |")
    lift_dir = "apps/small" if app == "small" else "examples/shop"
    cmds = {
        "lift": f"`lift synth {lift_dir}` (the CLI)",
        "troposphere": "`python tropo.py`",
        "sam": "`python` importing aws-sam-translator and transforming `sam.yaml`",
        "cdk": "`node app.js` (the compiled CDK app, synthesizing to cdk.out, as `cdk synth` runs it)",
        "lift validate": f"`lift validate {lift_dir}`",
        "cfn-lint": "`cfn-lint` on Lift's template of the same app",
    }
    lines += ["", "Cold, whole processes, start to exit:", "", "| process | wall | peak memory |", "|---|---|---|"]
    for name, label in cmds.items():
        if name in cold_ns:
            c = cold_ns[name]
            lines.append(f"| {label} | {spread(c['wall'], fmt_time)} | {spread([k / 1024 for k in c['rss']], lambda x: f'{x:.0f} MiB')} |")
    cdk_wall = pair_ratios(cold_ns["lift"]["wall"], cold_ns["cdk"]["wall"])
    cdk_mem = pair_ratios(cold_ns["lift"]["rss"], cold_ns["cdk"]["rss"])
    lines += ["", f"Lift's CLI against a CDK process: {spread(cdk_wall, fmt_ratio)} the wall time and {spread(cdk_mem, fmt_ratio)} the memory."]
    if "cfn-lint" in cold_ns:
        val_wall = pair_ratios(cold_ns["lift validate"]["wall"], cold_ns["cfn-lint"]["wall"])
        lines[-1] += f" `lift validate` against cfn-lint: {spread(val_wall, fmt_ratio)} the wall time."
    m["cdk_cold"] = (cdk_wall, cdk_mem)
    return lines + [""]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repetition of everything (CI): the numbers mean little")
    ap.add_argument("--out", default=str(ROOT / "benches" / "RESULTS.md"), help="where to write the results (default: benches/RESULTS.md)")
    args = ap.parse_args()
    if not (NODE_MODULES / "aws-cdk-lib").is_dir():
        log(f"no aws-cdk-lib under LIFT_NODE_MODULES={NODE_MODULES}; run benches/compare/run, which sets it")
        return 2
    started = time.time()
    rounds, cold_rounds = (1, 1) if args.quick else (15, 10)
    tmp = Path(tempfile.mkdtemp(prefix="lift-compare-"))
    measured = {app: measure(app, args.quick, rounds, cold_rounds, tmp) for app in APPS}

    log("ingestion from Python")
    ing = {name: py_worker(name, LIFT_PY if name.startswith("lift") else PEER_PY) for name in ("lift-tracker", "counters", "hdrhistogram")}
    ing_ns = warm(ing, {n: 1 if args.quick else 20 for n in ing}, rounds)
    for w in ing.values():
        w.close()
    log("what validation catches")
    caught = catches(tmp)
    log("SLO rules")
    slo = slo_table()
    rust = rust_small(args.quick)
    shutil.rmtree(tmp, ignore_errors=True)

    # ------------------------------------------------------------ the report
    lines = [
        "# Lift side by side",
        "",
        "Written by `benches/compare/run"
        + (" --quick" if args.quick else "")
        + f"` in {time.time() - started:.0f} s; every number below is measured in that run (medians over rounds, min to max in brackets; pairs timed alternately, ratios taken round by round)."
        + (" **Quick mode: one repetition of each, so the numbers are noise; run it without `--quick` for the real ones.**" if args.quick else ""),
        "",
        *machine(),
        "",
        "## The same apps in each tool",
        "",
        "SAM writes the routes into the API's OpenAPI body where the others write `Route` and `Integration` resources, and a permission per route; the CDK writes each role's grants as a separate `AWS::IAM::Policy`. "
        "The times are also given per resource and per byte emitted, so more output is not counted as slowness.",
        "",
    ]
    for app, m in measured.items():
        lines += app_tables(app, m)
    lines += ["Rust, the small app:", "", *rust]
    lines += [
        "",
        "## What validation catches",
        "",
        "The same defects, each written into the small app's spec (for `lift validate`) and into Lift's template of it (for cfn-lint). cfn-lint has hundreds of rules Lift does not (it checks any template); Lift checks the app before there is a template, and this list is only the overlap people hit in a small app.",
        "",
        "| defect | `lift validate` | cfn-lint |",
        "|---|---|---|",
    ]
    for row in caught:
        lines.append(f"| {row['what']} | {', '.join(row['lift']) or 'not caught'} | {', '.join(row['cfn-lint']) or 'not caught'} |")
    lines += [
        "",
        "## SLO rules: the same objectives in Lift, Sloth and Pyrra",
        "",
        "Burn factor, long window / short window, for a 99.9% objective. Lift's are read from its OpenSLO export in this run; Sloth's and Pyrra's are computed by each tool's published rule and checked, in this run, against the rules of their published examples (`benches/compare/slo-peers.json` names the files). A factor below 1 fires on a burn that cannot spend the budget within the period.",
        "",
        *slo,
        "",
        "Ingestion from Python, 1,000 per-minute samples (per sample, round by round):",
        "",
    ]
    for name, label in (("lift-tracker", "`lift.Tracker.record`"), ("counters", "a plain dict-of-counters loop"), ("hdrhistogram", "hdrhistogram `record_value`")):
        lines.append(f"- {label}: {spread([n / 1000 for n in ing_ns[name]], fmt_time)} per sample")
    small = measured["small"]
    cdk_wall, cdk_mem = small["cdk_cold"]
    targets = [
        ("troposphere, per resource emitted (warm)", small["ratios"]["troposphere"]["resource"], 100),
        ("aws-sam-translator (warm)", small["ratios"]["sam"]["run"], 1000),
        ("a warm CDK synth", small["ratios"]["cdk"]["run"], 2000),
        ("a cold CDK process, wall time", cdk_wall, 50),
        ("a cold CDK process, peak memory", cdk_mem, 10),
    ]
    lines += ["", "## Against the targets (the small app)", "", "| Lift against | target | measured | |", "|---|---|---|---|"]
    for what, got, target in targets:
        med = median(got)
        verdict = "met" if med >= target else f"short by {target / med:.1f}x"
        lines.append(f"| {what} | {target:,}x | {fmt_ratio(med)} | {verdict} |")
    text = "\n".join(lines) + "\n"
    out = Path(args.out)
    part = out.with_suffix(".md.part")
    part.write_text(text)
    part.replace(out)
    log(f"wrote {out} in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
