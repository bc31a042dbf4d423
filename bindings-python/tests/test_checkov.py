"""checkov, run as a platform team runs it in CI, on every example's
CloudFormation (JSON and YAML) and Terraform (HCL and JSON) output: no check
fails. Each check a generated resource does not meet is skipped in the
template itself with its reason (`Metadata.checkov.skip`, `#checkov:skip=`),
and every such check is listed with its reason in docs/security.md.

checkov 3.3.30 reads Terraform's JSON syntax only through its separate
`terraform_json` framework, which stops at `terraform.required_version`
(bridgecrewio/checkov#7454, fix pending in #7467) and hands every check an
empty list of skips (its runner never collects them). So the JSON module is
scanned as a copy without `required_version`, and its failures must be exactly
the skips Lift wrote in each resource's `//` comment, which are the ones the
HCL scan skips.

checkov runs from its own venv (scripts/setup puts it at $LIFT_CACHE/checkov,
version $CHECKOV_VERSION), with `--skip-download`: nothing leaves the machine."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

import lift
from conftest import EXAMPLES, ROOT, VALID

CACHE = Path(os.environ.get("LIFT_CACHE", Path.home() / ".cache" / "lift"))
CHECKOV = CACHE / "checkov" / "bin" / "checkov"
FRAMEWORKS = ("cloudformation", "terraform", "terraform_json")

# Every knob that turns a skip into a pass, on one small app.
HARDENED = """
app: hardened
regions: { primary: us-east-1, standby: [us-west-2] }
kms_key: arn:aws:kms:{region}:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab
code_signing:
  profiles: ["arn:aws:signer:{region}:111122223333:/signing-profiles/lift/abcdefghij"]
http: { auth: iam, log_retention: 365d, routes: { GET /orders: api } }
tables: { orders: { partition_key: id, replicas: all-regions } }
queues: { work: {} }
topics: { changes: {} }
functions:
  api:
    runtime: python3.13
    handler: app.handler
    code: ./api
    reserved_concurrency: 10
    log_retention: 365d
    vpc: true
    environment: { ORDERS_TABLE: "${tables.orders.name}" }
    access: { tables.orders: read-write, queues.work: send, topics.changes: publish }
  worker:
    runtime: python3.13
    handler: app.handler
    code: ./worker
    reserved_concurrency: 5
    log_retention: 365d
    vpc: true
    triggers: [{ topic: changes }]
network: { vpc: { flow_logs: 365d } }
"""


def scan(root: Path) -> dict:
    """One checkov run over `root`, every framework: its JSON report by check type."""
    if not CHECKOV.exists():
        pytest.fail(f"checkov missing at {CHECKOV}: run scripts/setup")
    proc = subprocess.run(
        [str(CHECKOV), "-d", str(root), "--framework", *FRAMEWORKS, "--skip-download", "--compact", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    # checkov exits 1 when a check fails; the report says which.
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    reports = json.loads(proc.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    return {r["check_type"]: r for r in reports}


def write_outputs(app, root: Path) -> dict:
    """Every region's CloudFormation (JSON and YAML) and Terraform (HCL and JSON) under `root`.
    Returns the skips written in each JSON module: {(file, resource name): {check ids}}."""
    written = {}
    for region in app.regions:
        cfn = root / "cloudformation"
        cfn.mkdir(parents=True, exist_ok=True)
        (cfn / f"{region}.template.json").write_text(json.dumps(app.synth("cloudformation", region=region), indent=1))
        (cfn / f"{region}.template.yaml").write_text(app.synth("cloudformation-yaml", region=region, text=True))
        hcl = root / "terraform" / region
        hcl.mkdir(parents=True)
        (hcl / "main.tf").write_text(app.synth("terraform", region=region))
        module = app.synth("terraform-json", region=region)
        module["terraform"].pop("required_version")  # bridgecrewio/checkov#7454
        tfj = root / "terraform-json" / region
        tfj.mkdir(parents=True)
        path = tfj / "main.tf.json"
        path.write_text(json.dumps(module, indent=2))
        for block in ("resource", "data"):
            for by_name in module.get(block, {}).values():
                for name, body in by_name.items():
                    checks = {s["id"] for s in body.get("//", {}).get("checkov", {}).get("skip", [])}
                    written[(f"/{path.relative_to(root.parent)}", name)] = checks
    return written


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkov-examples")
    written = {}
    for name in VALID:
        written.update(write_outputs(lift.load(EXAMPLES / name), root / name))
    return root, scan(root), written


def failures(report):
    return [(f["check_id"], f["resource"], f["file_path"]) for f in report["results"]["failed_checks"]]


def test_no_check_fails_on_any_example_in_cloudformation_or_terraform_hcl(examples):
    root, reports, _ = examples
    for kind in ("cloudformation", "terraform"):
        report = reports[kind]
        assert report["results"]["parsing_errors"] == [], kind
        assert failures(report) == [], kind
        scanned = {r["file_path"] for part in ("passed_checks", "skipped_checks") for r in report["results"][part]}
        suffixes = (".template.json", ".template.yaml") if kind == "cloudformation" else (".tf",)
        files = {f"/{p.relative_to(root)}" for p in root.rglob("*") if p.name.endswith(suffixes)}
        assert files and files == scanned, kind
        assert report["summary"]["passed"] > 100


def documented_checks():
    text = (ROOT / "docs" / "security.md").read_text()
    return set(re.findall(r"^\| `(CKV2?_AWS_\d+)` \|", text, re.M))


def test_every_skip_carries_its_reason_and_is_in_the_docs(examples):
    _, reports, _ = examples
    documented = documented_checks()
    seen = set()
    for kind in ("cloudformation", "terraform"):
        for s in reports[kind]["results"]["skipped_checks"]:
            comment = s["check_result"].get("suppress_comment") or ""
            assert len(comment) > 40 and comment != "No comment provided", s
            seen.add(s["check_id"])
    assert seen, "no skips seen: the scan read nothing"
    assert seen <= documented, f"skipped but not in docs/security.md: {sorted(seen - documented)}"


def test_terraform_json_fails_exactly_where_lift_wrote_a_skip(examples):
    _, reports, written = examples
    report = reports["terraform_json"]
    assert report["results"]["parsing_errors"] == []
    got = {}
    for check, resource, path in failures(report):
        name = resource.split(".", 1)[1]
        got.setdefault((path, name), set()).add(check)
    want = {k: v for k, v in written.items() if v}
    assert got == want
    # And they are the checks the HCL scan skips, resource by resource.
    hcl = {}
    for s in reports["terraform"]["results"]["skipped_checks"]:
        region = Path(s["file_path"]).parent.name
        example = Path(s["file_path"]).parts[1]
        hcl.setdefault((example, region, s["resource"].split(".", 1)[1]), set()).add(s["check_id"])
    as_json = {(Path(f).parts[1], Path(f).parent.name, n): c for (f, n), c in want.items()}
    assert as_json == hcl


def test_the_spec_settings_turn_each_skip_into_a_pass(tmp_path):
    """A customer-managed key, code signing, reserved concurrency, a VPC, IAM
    auth and a year of logs: the checks Lift skips by default pass, and the
    only skips left are the ones no setting changes."""
    spec = tmp_path / "lift.yaml"
    spec.write_text(HARDENED)
    for f in ("api", "worker"):
        (tmp_path / f).mkdir()
        (tmp_path / f / "app.py").write_text("def handler(event, context):\n    return {}\n")
    out = tmp_path / "out"
    write_outputs(lift.load(spec), out)
    reports = scan(out)
    for kind in ("cloudformation", "terraform"):
        report = reports[kind]
        assert failures(report) == [], kind
        passed = {p["check_id"] for p in report["results"]["passed_checks"]}
        # checkov has some checks for one language only.
        own = {"cloudformation": ("CKV_AWS_27",), "terraform": ("CKV_AWS_119", "CKV_AWS_272", "CKV_AWS_338")}[kind]
        for check in ("CKV_AWS_115", "CKV_AWS_117", "CKV_AWS_158", "CKV_AWS_173", *own):
            assert check in passed, (kind, check)
        skipped = {(s["check_id"], s["resource"]) for s in report["results"]["skipped_checks"]}
        left = {c for c, _ in skipped}
        # No setting changes these: the API function is only called synchronously,
        # the VPC's network interfaces have no ARN before Lambda makes them, and
        # the zone lookup is Terraform's.
        assert left <= {"CKV_AWS_116", "CKV_AWS_111", "CKV_AWS_394"}, (kind, skipped)
        assert not any(c == "CKV_AWS_116" and "Worker" in r for c, r in skipped), "the worker has asynchronous triggers: it needs a dead-letter queue"
