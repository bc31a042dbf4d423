import json

import pytest

import lift
from conftest import EXAMPLES, INVALID, VALID


def test_the_package_is_the_installed_one():
    assert "site-packages" in lift.__file__, "tests must run against the installed package"


@pytest.mark.parametrize("name", VALID)
def test_examples_load_validate_and_synth(name):
    app = lift.load(EXAMPLES / name)
    assert app.name
    assert not [d for d in app.validate() if d.is_error]
    for region in app.regions:
        t = app.synth("cloudformation", region=region)
        assert t["AWSTemplateFormatVersion"] == "2010-09-09"
        assert t["Resources"]
        text = app.synth("cloudformation", region=region, text=True)
        assert json.loads(text) == t
        yaml_text = app.synth("cloudformation-yaml", region=region, text=True)
        assert "Fn::GetAtt:" in yaml_text and "!GetAtt" not in yaml_text


def test_synth_defaults_to_the_primary_region():
    app = lift.load(EXAMPLES / "shop")
    assert app.regions == ["us-east-1", "eu-west-1"]
    assert "us-east-1 (primary)" in app.synth()["Description"]
    assert set(app.synth_all()) == {"us-east-1", "eu-west-1"}


def test_unknown_region_raises_region_error():
    app = lift.load(EXAMPLES / "shop")
    with pytest.raises(lift.RegionError, match="ap-south-1"):
        app.synth(region="ap-south-1")


def test_unknown_format_is_a_value_error():
    with pytest.raises(ValueError, match="unknown format"):
        lift.load(EXAMPLES / "minimal").synth("terraform-ish")


def test_validation_error_carries_every_diagnostic_with_locations():
    with pytest.raises(lift.ValidationError) as e:
        lift.load(EXAMPLES / "invalid" / "unknown-fields.yaml")
    diags = e.value.diagnostics
    assert len(diags) == 5
    first = diags[0]
    assert (first.code, first.line, first.column, first.pointer) == ("E101", 10, 5, "/functions/api/memroy")
    assert first.hint == "did you mean `memory`?"
    assert first.file.endswith("unknown-fields.yaml")
    assert "unknown-fields.yaml:10:5: error[E101]: unknown field `memroy`" in str(e.value)
    assert isinstance(e.value, lift.LiftError) and isinstance(e.value, ValueError)


def test_a_diagnostic_is_an_immutable_value():
    """Compared and hashed by its fields (not by the core's object behind it),
    immutable, shown by repr, copied with `replace`, pickled, as a frozen
    dataclass would be."""
    import pickle

    with pytest.raises(lift.ValidationError) as e:
        lift.load(EXAMPLES / "invalid" / "unknown-fields.yaml")
    d = e.value.diagnostics[0]
    same = lift.Diagnostic(d.code, d.severity, d.pointer, d.message, d.line, d.column, hint=d.hint, file=d.file)
    assert d == same and hash(d) == hash(same) and len({d, same}) == 1
    assert str(d) == str(same)  # rendered the same, with or without the core's object
    assert d != d.replace(line=11) and d.replace(line=11).line == 11 and d.line == 10
    with pytest.raises(AttributeError, match="immutable"):
        d.line = 3
    with pytest.raises(TypeError, match="no field colour"):
        d.replace(colour="red")
    assert repr(d).startswith("Diagnostic(code='E101', severity='error', pointer='/functions/api/memroy'") and "_core" not in repr(d)
    assert pickle.loads(pickle.dumps(d)) == d
    assert d.to_dict() == {k: v for k, v in zip(lift.Diagnostic.FIELDS, d._key()) if v is not None}
    assert d.to_dict()["code"] == "E101" and "_core" not in d.to_dict()
    match d:
        case lift.Diagnostic(code, "error"):
            assert code == "E101"
        case _:
            pytest.fail("a diagnostic matches by position")


def test_semantic_errors_come_from_validate_and_stop_synth():
    app = lift.load(EXAMPLES / "invalid" / "cycle.yaml")
    diags = app.validate()
    assert [d.code for d in diags] == ["E202"]
    assert "AFunction" in diags[0].message and "line 11" in diags[0].message
    with pytest.raises(lift.ValidationError) as e:
        app.synth()
    assert [d.code for d in e.value.errors] == ["E202"]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_every_invalid_example_fails_with_its_expected_codes(path):
    expected = sorted(line.split()[1] for line in path.with_suffix(".expected").read_text().splitlines() if line.strip())
    try:
        diags = lift.load(path).validate()
    except lift.ValidationError as e:
        diags = e.diagnostics
    assert sorted(d.code for d in diags) == expected


def test_from_dict_builds_a_spec_in_python():
    app = lift.from_dict({
        "app": "built",
        "regions": {"primary": "eu-west-1"},
        "functions": {"f": {"runtime": "python3.12", "handler": "f.handler", "code": {"bucket": "b", "key": "f.zip"}}},
    })
    t = app.synth()
    assert t["Resources"]["FFunction"]["Properties"]["Code"] == {"S3Bucket": "b", "S3Key": "f.zip"}
    with pytest.raises(lift.ValidationError) as e:
        lift.from_dict({"app": "x", "regions": {"primary": "eu-west-1"}, "functions": {"f": {"runtime": "python3.12"}}})
    assert {d.message for d in e.value.diagnostics} == {"missing field `handler`", "missing field `code`"}
    assert all(d.line is None for d in e.value.diagnostics)


def test_resolved_shows_the_defaults():
    r = lift.load(EXAMPLES / "minimal").resolved()
    f = r["functions"]["hello"]
    assert (f["memory"], f["timeout"], f["architecture"], f["log_retention"], f["tracing"]) == (256, "10s", "arm64", "30d", "active")
    assert r["version"] == "0.1.0"


def test_schema_is_generated_and_shipped():
    s = lift.schema()
    assert s["$schema"].endswith("2020-12/schema")
    assert "functions" in s["properties"] and "Function" in s["$defs"]
    assert s["$defs"]["Function"]["properties"]["memory"]["default"] == 256
    shipped = json.loads(lift.schema_path().read_text())
    assert shipped == s, "python/lift/app-spec.schema.json is stale: run `lift schema -o bindings-python/python/lift/app-spec.schema.json`"


def test_bad_input_never_crashes_the_interpreter():
    # None of these is a usable spec: each is refused with located diagnostics, and the
    # message is the core's summary ("the spec has N error(s); the first: ...").
    cases = {"": "E102", "[": "E001", "app: [": "E001", "- 1\n- 2": "E103", "app: 1\n" * 3: "E002", "a: &a [*a]": "E101", "{" * 500: "E001", "regions: {primary: ùnïcode}": "E102"}
    for text, code in cases.items():
        with pytest.raises(lift.ValidationError) as e:
            lift.loads(text)
        assert code in [d.code for d in e.value.diagnostics], (text, e.value.diagnostics)
        assert str(e.value).startswith("the spec has "), str(e.value)
        assert all(d.is_error for d in e.value.errors)


def test_a_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(lift.SpecNotFoundError, match="no lift.yaml"):
        lift.load(tmp_path)
    (tmp_path / "lift.yaml").write_bytes(b"\xff\xfe")
    with pytest.raises(lift.ValidationError, match="not UTF-8"):
        lift.load(tmp_path)


def test_plan_from_python():
    app = lift.load(EXAMPLES / "shop")
    plan = app.plan()
    assert plan["strategy"] == {"kind": "canary", "steps": [["10%", "5m"], ["50%", "10m"]]}
    assert plan["steps"][0]["action"] == {"kind": "deploy"}
    assert plan["steps"][-1]["traffic_ppm"] == 1_000_000
    assert "fastest full promotion" in app.plan_text()
