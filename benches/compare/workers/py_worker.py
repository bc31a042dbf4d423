"""A warm, in-process timing worker (benches/compare): loads one tool's
operation once, then answers `{"reps": N, "warmup": W}` lines on stdin with
`{"ns": [...]}` (one wall time per repetition, perf_counter_ns), so the driver
can interleave tools round by round. `describe` returns what one run makes.

Run by the project's venv for Lift and by the compare venv for the peers:
    python py_worker.py OP APPDIR [--once]
"""

import json
import sys
import time
from pathlib import Path


def lift_ops(app_dir: Path):
    import lift

    text = (app_dir / "lift.yaml").read_text()
    loaded = lift.loads(text)
    region = loaded.regions[0]
    samples = [(60_000 * i, 990 + i % 10, 1000) for i in range(1000)]
    return {
        # Spec text to template text: parse, validate, build, render.
        "lift-loads": lambda: lift.loads(text).synth("cloudformation", region=region, text=True),
        # A loaded app's synth: build and render.
        "lift-loaded": lambda: loaded.synth("cloudformation", region=region, text=True),
        # 1,000 per-minute samples into an SLO tracker.
        "lift-tracker": lambda: ingest_lift(lift, samples),
    }


def ingest_lift(lift, samples):
    t = lift.Tracker("99.9%", "30d")
    for at, good, total in samples:
        t.record(at, good, total)
    return str(t.counts(samples[-1][0], "1h"))


def peer_op(op: str, app_dir: Path):
    """One peer's operation, importing only what it needs (a cold run measures that import)."""
    if op == "troposphere":
        sys.path.insert(0, str(app_dir))
        import tropo  # the app's troposphere program

        return lambda: tropo.build().to_json()
    if op == "sam":
        return sam_op(app_dir)
    return ingest_op(op)


def sam_op(app_dir: Path):
    import os

    # The translator fills in AWS::Region as `sam` does, from the AWS configuration.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    import yaml
    from samtranslator.translator.transform import transform

    class Loader(yaml.SafeLoader):
        pass

    # CloudFormation's short-form intrinsics (!Ref, !GetAtt, !Sub) as the long form the translator reads.
    def intrinsic(loader, suffix, node):
        name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
        value = loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else loader.construct_mapping(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {name: value}

    Loader.add_multi_constructor("!", intrinsic)
    sam_text = (app_dir / "sam.yaml").read_text()
    policies = json.loads((Path(__file__).parent / "managed-policies.json").read_text())

    class Policies:
        """The managed-policy map the translator asks IAM for (`sam` asks the account): here, the two AWS policies the app names."""

        def load(self):
            return policies

    def sam():
        fragment = yaml.load(sam_text, Loader=Loader)
        return json.dumps(transform(fragment, {}, Policies()))

    return sam


def ingest_op(op: str):
    samples = [(60_000 * i, 990 + i % 10, 1000) for i in range(1000)]

    def counters():
        # A plain per-minute counter loop: what a hand-written burn-rate check keeps.
        good = {}
        total = {}
        for at, g, t in samples:
            minute = at // 60_000
            good[minute] = good.get(minute, 0) + g
            total[minute] = total.get(minute, 0) + t
        last = samples[-1][0] // 60_000
        return sum(good.get(m, 0) for m in range(last - 59, last + 1)), sum(total.get(m, 0) for m in range(last - 59, last + 1))

    from hdrh.histogram import HdrHistogram

    def histogram():
        h = HdrHistogram(1, 60_000, 2)
        for at, g, t in samples:
            h.record_value(1 + at % 1000, t)
        return h.get_value_at_percentile(99)

    return {"counters": counters, "hdrhistogram": histogram}[op]


def describe(out: str) -> dict:
    doc = json.loads(out)
    resources = doc.get("Resources", {})
    types = {}
    for r in resources.values():
        types[r["Type"]] = types.get(r["Type"], 0) + 1
    return {"bytes": len(out.encode()), "resources": len(resources), "types": types}


def main() -> None:
    op, app_dir = sys.argv[1], Path(sys.argv[2])
    # The protocol owns standard output; whatever a tool prints goes to standard error.
    proto, sys.stdout = sys.stdout, sys.stderr
    fn = lift_ops(app_dir)[op] if op.startswith("lift-") else peer_op(op, app_dir)
    if "--once" in sys.argv:
        # A whole process doing it once, for the cold timings.
        fn()
        return
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd.get("describe"):
            print(json.dumps(describe(fn())), file=proto, flush=True)
            continue
        for _ in range(cmd.get("warmup", 0)):
            fn()
        ns = []
        for _ in range(cmd["reps"]):
            t0 = time.perf_counter_ns()
            fn()
            ns.append(time.perf_counter_ns() - t0)
        print(json.dumps({"ns": ns}), file=proto, flush=True)


if __name__ == "__main__":
    main()
