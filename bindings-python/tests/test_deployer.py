"""The shipped CloudFormation deployer plugin against moto's server on loopback:
updates through change sets, an update that changes nothing, rolling an update
back, deleting, the errors it reports, and its SigV4 signatures checked
against botocore's signer."""

import http.server
import json
import threading

import pytest

import lift
from conftest import EXAMPLES
from lift import plugins

boto3 = pytest.importorskip("boto3")


@pytest.fixture(scope="module")
def target():
    from lift.local import LocalTarget

    with LocalTarget() as t:
        yield t


def _deployer(target):
    return plugins.Deployer("cloudformation", endpoint=target.url, access_key_id="testing", secret_access_key="testing")


def _memory(target, stack, region):
    cf = target.client("cloudformation", region)
    fns = [r for r in cf.list_stack_resources(StackName=stack)["StackResourceSummaries"] if r["ResourceType"] == "AWS::Lambda::Function"]
    lam = target.client("lambda", region)
    return {f["LogicalResourceId"]: lam.get_function(FunctionName=f["PhysicalResourceId"])["Configuration"]["MemorySize"] for f in fns}


def _bigger(body):
    """The same template with every function given 1024 MB: a real update."""
    t = json.loads(body)
    for r in t["Resources"].values():
        if r["Type"] == "AWS::Lambda::Function":
            r["Properties"]["MemorySize"] = 1024
    return json.dumps(t, indent=2)


def test_creates_updates_through_a_change_set_rolls_back_and_deletes(target):
    app = lift.load(EXAMPLES / "minimal")
    region = app.regions[0]
    stack = f"deployer-{app.name}"
    body, params = target.prepare(app, region)
    d = _deployer(target)

    created = d.deploy(stack, region, body, params, timeout=120, interval=0.2)
    before = _memory(target, stack, region)
    assert created["status"] == "complete" and before and 1024 not in before.values()

    # Same template again: nothing to change, and it says so.
    again = d.deploy(stack, region, body, params, timeout=60, interval=0.2)
    assert again["status"] == "complete" and again["events"] == ["no changes"]

    # A real update goes through a change set whose changes are reported.
    events = []
    updated = d.deploy(stack, region, _bigger(body), params, timeout=120, interval=0.2, on_event=events.append)
    assert updated["status"] == "complete"
    assert any(e.startswith("change: Modify") and "AWS::Lambda::Function" in e for e in events), events
    assert set(_memory(target, stack, region).values()) == {1024}
    cf = target.client("cloudformation", region)
    assert cf.list_change_sets(StackName=stack)["Summaries"][-1]["ExecutionStatus"] == "EXECUTE_COMPLETE"

    # Rolling the update back puts the previous template back.
    d.roll_back(stack, region)
    d.wait(stack, region, "complete", timeout=120, interval=0.2)
    assert _memory(target, stack, region) == before

    # Rolling back a stack it created deletes it.
    d.delete(stack, region)
    assert d.wait(stack, region, "deleted", timeout=120, interval=0.2)["status"] == "deleted"
    assert d.describe(stack, region)["status"] == "deleted"


def test_rolling_back_a_creation_deletes_the_stack(target):
    app = lift.load(EXAMPLES / "minimal")
    region = app.regions[0]
    body, params = target.prepare(app, region)
    d = _deployer(target)
    d.deploy("deployer-undo", region, body, params, timeout=120, interval=0.2)
    d.roll_back("deployer-undo", region)
    assert d.wait("deployer-undo", region, "deleted", timeout=120, interval=0.2)["status"] == "deleted"


def test_a_functions_concurrency_is_capped_and_uncapped_through_lambdas_api(target):
    """What a pilot light does to a standby's function, read back through Lambda's own API."""
    app = lift.load(EXAMPLES / "minimal")
    region = app.regions[0]
    body, params = target.prepare(app, region)
    d = _deployer(target)
    outputs = d.deploy("deployer-pilot", region, body, params, timeout=120, interval=0.2)["outputs"]
    function = next(v for k, v in outputs.items() if k.endswith("FunctionArn")).rsplit(":", 1)[-1]
    lam = target.client("lambda", region)
    d.set_concurrency(function, region, 2)
    d.set_concurrency(function, region, 2)  # the same twice changes nothing
    assert lam.get_function_concurrency(FunctionName=function)["ReservedConcurrentExecutions"] == 2
    d.set_concurrency(function, region, None)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=function)
    with pytest.raises(plugins.PluginError) as e:
        d.set_concurrency("no-such-function", region, 1)
    assert "set-concurrency" in str(e.value) and "no-such-function" in str(e.value), e.value


def test_errors_are_reported_not_raised_from_inside_the_sandbox(target, monkeypatch):
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(k, raising=False)
    d = _deployer(target)
    # moto creates stacks synchronously: a resource it cannot make fails the
    # request itself, and the deployer reports AWS's error code and message.
    # (How each stack status maps is tested in the plugin's own unit tests.)
    fifo = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "bad", "FifoQueue": True}}}}
    with pytest.raises(plugins.PluginError, match=r"reports from `apply`: InvalidParameterValue: Queue name must end in \.fifo"):
        d.deploy("deployer-bad", "us-east-1", json.dumps(fifo), timeout=60, interval=0.2)
    # moto answers a body that is no template with its framework's HTML error
    # page: reported as it came, status first.
    with pytest.raises(plugins.PluginError, match="reports from `apply`: HTTP 500: <!doctype html>"):
        d.apply("deployer-bad2", "us-east-1", "this is not a template")
    with pytest.raises(plugins.PluginError, match="unknown setting `regoin`"):
        plugins.Deployer("cloudformation", endpoint=target.url, settings={"regoin": "x"})
    with pytest.raises(plugins.PluginError, match="need credentials"):
        plugins.Deployer("cloudformation")
    big = json.dumps({"Resources": {f"Q{i}": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"q{i}" + "x" * 60}} for i in range(600)}})
    with pytest.raises(plugins.PluginError, match="over the 51200 CloudFormation takes inline: set `template-bucket`"):
        d.apply("deployer-big", "us-east-1", big)
    # An endpoint outside the manifest's allowlist is denied by the host, and logged.
    far = plugins.Deployer("cloudformation", endpoint="http://192.0.2.1:9", access_key_id="a", secret_access_key="b")
    with pytest.raises(plugins.PluginError, match="denied"):
        far.describe("x", "us-east-1")
    assert any("denied" in r["message"] for r in far.log())


def test_signatures_match_botocore():
    """A loopback server captures the plugin's request; botocore signs the same
    request at the same instant and must produce the same Authorization header."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    seen = {}
    answer = b"<DescribeStacksResponse><DescribeStacksResult><Stacks/></DescribeStacksResult></DescribeStacksResponse>"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            seen["headers"] = dict(self.headers.items())
            seen["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/"
    try:
        d = plugins.Deployer("cloudformation", endpoint=url, access_key_id="AKIDEXAMPLE", secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", session_token="tok")
        assert d.describe("shop-eu-west-1", "eu-west-1")["status"] == "deleted"
    finally:
        srv.shutdown()
    h = {k.lower(): v for k, v in seen["headers"].items()}
    assert seen["body"].startswith(b"Action=DescribeStacks&Version=2010-05-15&StackName=shop-eu-west-1")
    request = AWSRequest(method="POST", url=url, data=seen["body"], headers={"Content-Type": h["content-type"], "X-Amz-Date": h["x-amz-date"], "X-Amz-Security-Token": "tok"})
    request.context["timestamp"] = h["x-amz-date"]
    signer = SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok"), "cloudformation", "eu-west-1")
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    assert h["authorization"].endswith(f"Signature={signature}"), (h["authorization"], canonical)
    assert f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(request))}," in h["authorization"]
