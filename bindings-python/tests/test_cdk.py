"""The generated AWS CDK app compiles with TypeScript and synthesizes, with
aws-cdk-lib in Node, to the same CloudFormation as Lift's own, for every example.

"The same" is after this normalisation (what CDK adds or writes differently):
- CDK's own parts are dropped: the `BootstrapVersion` parameter, the
  `CheckBootstrapVersion` rule, the `CDKMetadata` resource and its condition,
  and every resource's `Metadata` (the construct path).
- L2 constructs get an 8-hex-digit hash after their logical ID
  (`JobsQueue86ED6666`): it is removed, in IDs and in every reference.
- A string built from parts is compared as its parts: `Fn::Sub` and
  `Fn::Join` with an empty separator are the same string.
- `DeletionPolicy` and `UpdateReplacePolicy` of `Delete` are CloudFormation's
  default and mean the same as no policy.
- In IAM policy documents a one-element list is its element (CDK writes
  `"Action": "s3:GetObject"`); tag lists are compared by key; `DependsOn` as a set.
Everything else (types, every property and value, outputs, parameters,
description) must be equal.
"""

import json
import os
import re
import subprocess

import pytest

import lift
from conftest import EXAMPLES, VALID, node_modules

HASHED = re.compile(r"^(.*)[0-9A-F]{8}$")
SUB_PART = re.compile(r"\$\{([^}]*)\}")


def parts_of_sub(text):
    out, pos = [], 0
    for m in SUB_PART.finditer(text):
        out.append(text[pos : m.start()])
        name = m.group(1)
        if name.startswith("!"):
            out.append("${" + name[1:] + "}")
        elif "." in name and not name.startswith("AWS::"):
            rid, attr = name.split(".", 1)
            out.append({"Fn::GetAtt": [rid, attr]})
        else:
            out.append({"Ref": name})
        pos = m.end()
    out.append(text[pos:])
    return out


def merge(parts):
    out = []
    for p in parts:
        if isinstance(p, str):
            if not p:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += p
                continue
        out.append(p)
    if len(out) == 1 and isinstance(out[0], str):
        return out[0]
    return {"parts": out}


def normalise(value, ids, in_policy=False):
    """A canonical form of a template value; `ids` maps CDK logical IDs to Lift's."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return {"Ref": ids.get(value["Ref"], value["Ref"])}
        if set(value) == {"Fn::GetAtt"}:
            rid, attr = value["Fn::GetAtt"] if isinstance(value["Fn::GetAtt"], list) else value["Fn::GetAtt"].split(".", 1)
            return {"Fn::GetAtt": [ids.get(rid, rid), attr]}
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return merge(normalise(p, ids) if isinstance(p, dict) else p for p in parts_of_sub(value["Fn::Sub"]))
        if set(value) == {"Fn::Join"} and value["Fn::Join"][0] == "":
            flat = []
            for p in value["Fn::Join"][1]:
                n = normalise(p, ids, in_policy)
                flat.extend(n["parts"] if isinstance(n, dict) and "parts" in n else [n])
            return merge(flat)
        out = {}
        for k, v in value.items():
            policy = in_policy or k in ("PolicyDocument", "AssumeRolePolicyDocument")
            out[k] = normalise(v, ids, policy)
        if isinstance(out.get("Tags"), list):
            out["Tags"] = sorted(out["Tags"], key=lambda t: t.get("Key", ""))
        return out
    if isinstance(value, list):
        items = [normalise(v, ids, in_policy) for v in value]
        return items[0] if in_policy and len(items) == 1 else items
    return value


def normalise_template(t, ids):
    t = json.loads(json.dumps(t))
    t.get("Parameters", {}).pop("BootstrapVersion", None)
    t.get("Rules", {}).pop("CheckBootstrapVersion", None)
    t.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    t["Resources"].pop("CDKMetadata", None)
    for key in ("Rules", "Conditions", "Parameters", "Outputs"):
        if key in t and not t[key]:
            del t[key]
    resources = {}
    for rid, r in t["Resources"].items():
        r.pop("Metadata", None)
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            if r.get(policy) == "Delete":
                del r[policy]
        if "DependsOn" in r:
            deps = r["DependsOn"] if isinstance(r["DependsOn"], list) else [r["DependsOn"]]
            r["DependsOn"] = sorted(ids.get(d, d) for d in deps)
        resources[ids.get(rid, rid)] = normalise(r, ids)
    t["Resources"] = resources
    if "Outputs" in t:
        t["Outputs"] = normalise(t["Outputs"], ids)
    return t


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """Every example's CDK app, written by `lift synth --format cdk`, compiled and synthesized."""
    modules = node_modules()
    out = {}
    for name in VALID:
        app = lift.load(EXAMPLES / name)
        root = tmp_path_factory.mktemp(f"cdk-{name}")
        for path, text in app.synth("cdk").items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        (root / "node_modules").symlink_to(modules, target_is_directory=True)
        tsc = subprocess.run(["node", str(modules / "typescript" / "bin" / "tsc"), "-p", str(root)], capture_output=True, text=True, timeout=300)
        assert tsc.returncode == 0, f"{name}: tsc failed:\n{tsc.stdout}{tsc.stderr}"
        env = dict(os.environ, CDK_OUTDIR=str(root / "cdk.out"))
        synth = subprocess.run(["node", "bin/app.js"], cwd=root, env=env, capture_output=True, text=True, timeout=300)
        assert synth.returncode == 0, f"{name}: CDK synth failed:\n{synth.stdout}{synth.stderr}"
        for region in app.regions:
            cdk = json.loads((root / "cdk.out" / f"{app.name}-{region}.template.json").read_text())
            out[(name, region)] = (cdk, app.synth("cloudformation", region=region))
    return out


def logical_ids(cdk, lift_template):
    ids = {}
    for rid in cdk["Resources"]:
        m = HASHED.match(rid)
        if rid not in lift_template["Resources"] and m and m.group(1) in lift_template["Resources"]:
            ids[rid] = m.group(1)
    return ids


@pytest.mark.parametrize("name", VALID)
def test_cdk_synth_equals_lift_cloudformation(synthesized, name):
    pairs = [(region, *v) for (ex, region), v in synthesized.items() if ex == name]
    assert pairs
    for region, cdk, own in pairs:
        ids = logical_ids(cdk, own)
        got, want = normalise_template(cdk, ids), normalise_template(own, {})
        assert sorted(got["Resources"]) == sorted(want["Resources"]), f"{name}/{region}: resource sets differ"
        for rid, r in want["Resources"].items():
            assert got["Resources"][rid] == r, f"{name}/{region}: {rid} differs:\nCDK:  {json.dumps(got['Resources'][rid], sort_keys=True)}\nLift: {json.dumps(r, sort_keys=True)}"
        assert got == want


def test_l2_constructs_are_used_and_renamed(synthesized):
    # The normalisation above is exercised: some IDs really carry CDK's hash.
    cdk, own = synthesized[("shop", "us-east-1")]
    ids = logical_ids(cdk, own)
    assert {"JobsQueue", "ApiFunctionLogGroup", "ApiFunctionRole"} <= set(ids.values())


def test_normalisation_still_sees_differences(synthesized):
    cdk, own = synthesized[("shop", "us-east-1")]
    broken = json.loads(json.dumps(cdk))
    fn = next(r for r in broken["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    fn["Properties"]["MemorySize"] += 1
    ids = logical_ids(cdk, own)
    assert normalise_template(broken, ids) != normalise_template(own, {})
