"""Notices through the shipped `webhook` notifier plugin to a receiver on
loopback: every payload checked against the shape each service documents
(PagerDuty Events API v2, Slack incoming webhooks, Opsgenie's Alert API, and
Lift's generic JSON), a resolve closing what its trigger opened, retries with
backoff on a 5xx and none on a 4xx, and nothing sent to a host outside the
plugin's allowlist.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import lift
from lift.notify import KINDS

from receiver import Receiver

# PagerDuty Events API v2 (developer.pagerduty.com, "Send an Alert Event"): a
# trigger needs routing_key, event_action and a payload with summary (at most
# 1024 characters), source and severity (critical, error, warning, info);
# acknowledge and resolve need routing_key, event_action and dedup_key.
PAGERDUTY = {
    "type": "object",
    "required": ["routing_key", "event_action"],
    "properties": {
        "routing_key": {"type": "string", "minLength": 32, "maxLength": 32},
        "event_action": {"enum": ["trigger", "acknowledge", "resolve"]},
        "dedup_key": {"type": "string", "maxLength": 255},
        "client": {"type": "string"},
        "payload": {
            "type": "object",
            "required": ["summary", "source", "severity"],
            "properties": {
                "summary": {"type": "string", "minLength": 1, "maxLength": 1024},
                "source": {"type": "string", "minLength": 1},
                "severity": {"enum": ["critical", "error", "warning", "info"]},
                "timestamp": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"},
                "component": {"type": "string"},
                "group": {"type": "string"},
                "class": {"type": "string"},
                "custom_details": {"type": "object"},
            },
            "additionalProperties": False,
        },
        "links": {"type": "array", "items": {"type": "object", "required": ["href"], "properties": {"href": {"type": "string"}, "text": {"type": "string"}}}},
    },
    "additionalProperties": False,
    "if": {"properties": {"event_action": {"const": "trigger"}}},
    "then": {"required": ["payload"]},
    "else": {"required": ["dedup_key"]},
}

# Slack incoming webhooks (api.slack.com/messaging/webhooks): `text`, and
# Block Kit blocks; a header's text is plain_text of at most 150 characters,
# a section's at most 3000.
SLACK = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "blocks": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": ["header", "section", "context", "divider"]}},
                "allOf": [
                    {"if": {"properties": {"type": {"const": "header"}}}, "then": {"properties": {"text": {"properties": {"type": {"const": "plain_text"}, "text": {"maxLength": 150}}}}}},
                    {"if": {"properties": {"type": {"const": "section"}}}, "then": {"properties": {"text": {"properties": {"type": {"const": "mrkdwn"}, "text": {"maxLength": 3000}}}}}},
                ],
            },
        },
    },
}

# Opsgenie's Alert API (docs.opsgenie.com, "Create Alert"): message (at most
# 130 characters) is required; alias at most 512; priority P1 to P5.
OPSGENIE_CREATE = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "message": {"type": "string", "minLength": 1, "maxLength": 130},
        "alias": {"type": "string", "maxLength": 512},
        "description": {"type": "string", "maxLength": 15000},
        "priority": {"enum": ["P1", "P2", "P3", "P4", "P5"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "details": {"type": "object", "additionalProperties": {"type": "string"}},
        "source": {"type": "string"},
        "entity": {"type": "string"},
    },
}
OPSGENIE_CLOSE = {"type": "object", "properties": {"source": {"type": "string"}, "note": {"type": "string", "maxLength": 25000}}}

GENERIC = {
    "type": "object",
    "required": ["kind", "severity", "app", "title", "text", "dedup_key", "at"],
    "properties": {"kind": {"enum": list(KINDS)}, "severity": {"enum": ["info", "warning", "page"]}},
}


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


KEY = "0123456789abcdef0123456789abcdef"


def spec(tmp_path: Path, url: str, extra_channels: str = "") -> Path:
    text = f"""\
app: shop
regions: {{ primary: us-east-1 }}
notify:
  channels:
    audit: {{ url: {url}/generic }}
    team: {{ format: slack, url_env: LIFT_TEST_SLACK_URL }}
    oncall: {{ format: pagerduty, url: {url}/pd, secret_env: LIFT_TEST_PD_KEY }}
    ops: {{ format: opsgenie, url: {url}/og, secret_env: LIFT_TEST_OG_KEY }}
{extra_channels}  routes:
    - {{ to: [oncall, ops], kinds: [alert-firing, alert-acknowledged, alert-resolved, escalation, failover] }}
    - {{ to: [audit, team] }}
"""
    p = tmp_path / "lift.yaml"
    p.write_text(text)
    return p


def run(path: Path, receiver_url: str, *args: str):
    env = {"LIFT_TEST_SLACK_URL": f"{receiver_url}/slack", "LIFT_TEST_PD_KEY": KEY, "LIFT_TEST_OG_KEY": "og-key"}
    import os

    return subprocess.run([sys.executable, "-m", "lift", "notify", str(path), *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=120)


def test_a_firing_alert_and_its_resolution_reach_every_receiver_in_its_own_shape(receiver, tmp_path):
    path = spec(tmp_path, receiver.url)
    fired = run(path, receiver.url, "--kind", "alert-firing", "--severity", "page", "--title", "availability burning 14.4x its budget", "--text", "2% of requests failed over 1h", "--region", "us-east-1", "--slo", "availability", "--dedup-key", "shop/availability/us-east-1", "--format", "json")
    assert fired.returncode == 0, fired.stderr
    got = {d["channel"]: d for d in json.loads(fired.stdout)}
    assert set(got) == {"oncall", "ops", "audit", "team"} and all(d["error"] is None and d["attempts"] == 1 for d in got.values()), got
    resolved = run(path, receiver.url, "--kind", "alert-resolved", "--title", "availability is back within budget", "--dedup-key", "shop/availability/us-east-1")
    assert resolved.returncode == 0, resolved.stderr

    pd = [r["body"] for r in receiver.at("/pd")]
    for body in pd:
        jsonschema.validate(body, PAGERDUTY)
    assert [b["event_action"] for b in pd] == ["trigger", "resolve"]
    assert pd[0]["dedup_key"] == pd[1]["dedup_key"] == "shop/availability/us-east-1", "the resolve closes the incident the trigger opened"
    assert pd[0]["payload"]["severity"] == "critical" and pd[0]["routing_key"] == KEY

    og = receiver.at("/og")
    jsonschema.validate(og[0]["body"], OPSGENIE_CREATE)
    assert og[0]["body"]["alias"] == "shop/availability/us-east-1" and og[0]["body"]["priority"] == "P1"
    assert og[0]["headers"]["authorization"] == "GenieKey og-key"
    assert og[1]["path"] == "/og/shop%2Favailability%2Fus-east-1/close?identifierType=alias"
    jsonschema.validate(og[1]["body"], OPSGENIE_CLOSE)

    for r in receiver.at("/slack"):
        jsonschema.validate(r["body"], SLACK)
    assert "availability burning" in receiver.at("/slack")[0]["body"]["text"]
    generic = receiver.at("/generic")
    for r in generic:
        jsonschema.validate(r["body"], GENERIC)
    assert [r["body"]["kind"] for r in generic] == ["alert-firing", "alert-resolved"]


def test_a_5xx_is_retried_with_backoff_and_a_4xx_is_not(receiver, tmp_path):
    from lift import notify

    app = lift.load(spec(tmp_path, receiver.url))
    import os

    os.environ.update({"LIFT_TEST_SLACK_URL": f"{receiver.url}/slack", "LIFT_TEST_PD_KEY": KEY, "LIFT_TEST_OG_KEY": "og-key"})
    receiver.fail = [503, 502]
    got = notify.send(app, "rollout-promoted", "shop 2.0.1 promoted", retry_after_ms=50)
    first = got[0]
    assert first["error"] is None and first["attempts"] == 3, got
    assert len(receiver.requests) == 3 + (len(got) - 1), "two failures and a success for the first channel, one each after"
    receiver.requests.clear()
    receiver.fail = [400]
    got = notify.send(app, "rollout-promoted", "shop 2.0.1 promoted", retry_after_ms=50)
    refused = got[0]
    assert refused["attempts"] == 1 and "HTTP 400" in refused["error"], got


def test_a_host_outside_the_allowlist_gets_nothing_and_a_missing_secret_is_named(receiver, tmp_path):
    path = spec(tmp_path, receiver.url, "    elsewhere: { url: https://hooks.example.com/lift }\n")
    text = path.read_text().replace("to: [audit, team]", "to: [audit, team, elsewhere]")
    path.write_text(text)
    r = run(path, receiver.url, "--kind", "rollout-started", "--title", "started", "--format", "json")
    assert r.returncode == 1
    got = {d["channel"]: d for d in json.loads(r.stdout)}
    assert "not in the manifest's http.allow" in got["elsewhere"]["error"] and got["elsewhere"]["attempts"] == 1
    assert got["audit"]["error"] is None
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFT_TEST_")}
    missing = subprocess.run([sys.executable, "-m", "lift", "notify", str(path), "--kind", "failover", "--title", "x"], capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode != 0
    assert "the environment variable LIFT_TEST_OG_KEY" in missing.stderr or "the environment variable LIFT_TEST_PD_KEY" in missing.stderr or "LIFT_TEST_SLACK_URL" in missing.stderr, missing.stderr
    assert "Traceback" not in missing.stderr
