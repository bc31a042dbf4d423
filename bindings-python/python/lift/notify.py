"""Notices to people through the spec's `notify` channels: `lift notify`
sends one (to try a channel), and rollouts and watches send theirs the same
way (see docs/notify.md)."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional

from . import _lift

KINDS = (
    "alert-firing",
    "alert-acknowledged",
    "alert-resolved",
    "escalation",
    "rollout-started",
    "rollout-waiting",
    "rollout-wave",
    "rollout-promoted",
    "rollout-rolled-back",
    "failover",
    "failback",
)
SEVERITIES = ("info", "warning", "page")


def send(
    app,
    kind: str,
    title: str,
    *,
    severity: str = "info",
    text: str = "",
    region: Optional[str] = None,
    slo: Optional[str] = None,
    evidence: Optional[List[str]] = None,
    dedup_key: Optional[str] = None,
    retry_after_ms: int = 500,
) -> List[Dict[str, Any]]:
    """Deliver one notice to the channels its routes name; each delivery
    (``{channel, kind, dedup_key, attempts, ms, error}``)."""
    from . import plugins

    if kind not in KINDS:
        raise ValueError(f"kind `{kind}` is not one of {', '.join(KINDS)}")
    if severity not in SEVERITIES:
        raise ValueError(f"severity `{severity}` is not one of {', '.join(SEVERITIES)}")
    notice = {
        "kind": kind,
        "severity": severity,
        "app": app.name,
        "region": region,
        "slo": slo,
        "title": title,
        "text": text,
        "evidence": evidence or [],
        "links": [],
        "dedup_key": dedup_key or f"{app.name}/{kind}/{int(time.time() * 1000)}",
        "at_ms": int(time.time() * 1000),
    }
    return json.loads(_lift.notify_send(app._inner, json.dumps(notice), str(plugins.resolve("webhook")), retry_after_ms))
