"""`lift deploy --target aws`: AWS's own credential chain, code uploaded to the
artifact bucket with boto3, the synthesized template applied through the
deployer plugin: the path a real AWS deploy takes. No AWS account is used
here: the emulator stands in for AWS's endpoints (`--endpoint`), and what
happened is read back through its APIs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SPEC = """\
app: awsapp
regions: { primary: us-east-1 }
functions:
  api: { runtime: python3.12, handler: app.handler, code: ./src, memory: 128MB }
rollout: { strategy: all-at-once, bake: 1m, wave_bake: 0s }
"""


def _env(tmp_path: Path, profile: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"), AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_EC2_METADATA_DISABLED="true")
    if profile:
        env["AWS_PROFILE"] = profile
    return env


def test_target_aws_takes_a_profile_from_the_shared_files_uploads_the_code_and_deploys(tmp_path):
    pytest.importorskip("moto")
    import boto3

    from lift.local import LocalTarget

    (tmp_path / "credentials").write_text("[ops]\naws_access_key_id = AKIAOPSEXAMPLE\naws_secret_access_key = secret\n")
    (tmp_path / "config").write_text("[profile ops]\nregion = us-east-1\n")
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    (app / "src" / "app.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    (app / "lift.yaml").write_text(SPEC)
    cmd = [sys.executable, "-m", "lift", "deploy", str(app), "--target", "aws", "--state-dir", str(tmp_path / "state"), "--time-scale", "60"]

    # No credentials anywhere in the chain: said, and nothing is done.
    none = subprocess.run(cmd, env=_env(tmp_path, "missing"), capture_output=True, text=True, timeout=120)
    assert none.returncode != 0 and "AWS" in none.stderr and "Traceback" not in none.stderr, none.stderr

    with LocalTarget() as aws:
        env = _env(tmp_path, "ops")
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=aws.url, aws_access_key_id="x", aws_secret_access_key="x")
        # The artifact bucket is the user's to make; without it the upload fails, naming the bucket.
        missing = subprocess.run(cmd + ["--endpoint", aws.url, "--parameter", "ArtifactBucket=art-{region}"], env=env, capture_output=True, text=True, timeout=120)
        assert missing.returncode != 0 and "s3://art-us-east-1" in missing.stderr and "Traceback" not in missing.stderr, missing.stderr
        s3.create_bucket(Bucket="art-us-east-1")
        r = subprocess.run(cmd + ["--endpoint", aws.url, "--parameter", "ArtifactBucket=art-{region}", "--format", "json"], env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        assert lines[-1]["outcome"] == "promoted", lines[-1]
        notes = [l.get("text", "") for l in lines if l.get("kind") == "note"]
        assert any("AWS credentials from shared-credentials-file (profile ops)" in n for n in notes), notes
        # What the endpoint holds now: the code in the bucket, the stack, the function serving through `live`.
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="art-us-east-1").get("Contents", [])]
        assert len(keys) == 1 and keys[0].endswith(".zip"), keys
        cfn = aws.client("cloudformation", "us-east-1")
        assert cfn.describe_stacks(StackName="awsapp-us-east-1")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        lam = aws.client("lambda", "us-east-1")
        fn = [f for f in lam.list_functions()["Functions"] if "ApiFunction" in f["FunctionName"]][0]
        assert fn["MemorySize"] == 128 and lam.get_alias(FunctionName=fn["FunctionName"], Name="live")["FunctionVersion"] == "1"
