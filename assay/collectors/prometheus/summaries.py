"""The compact shapes Prometheus evidence stores: only what the signals read.

Rule annotations are reduced to their keys (descriptions and runbook links may name people or hosts);
Alertmanager receivers to their names and integration types (never URLs, keys or tokens).
"""

from __future__ import annotations

from typing import Any

import yaml

from assay.kinds.prometheus_metrics import is_interesting

MAX_EXPR = 1000
MAX_ALERTS_PER_RULE = 200


def series_rows(result: list[dict[str, Any]], cap: int) -> tuple[list[dict[str, Any]], bool]:
    """(job, metric, model) rows of raw instrumentation, sorted; the model label is model or model_name."""
    rows = set()
    for item in result:
        metric = item.get("metric") or {}
        name = str(metric.get("__name__", ""))
        if not is_interesting(name):
            continue
        model = metric.get("model") or metric.get("model_name")
        rows.add((str(metric.get("job", "")), name, str(model) if model else ""))
    ordered = sorted(rows)
    return [{"job": j, "metric": m, "model": md or None} for j, m, md in ordered[:cap]], len(ordered) > cap


def rule_summary(rule: dict[str, Any]) -> dict[str, Any]:
    """One rule as the signals need it."""
    summary: dict[str, Any] = {
        "type": rule.get("type"),
        "name": rule.get("name"),
        "expr": str(rule.get("query", ""))[:MAX_EXPR],
        "labels": {str(k): str(v) for k, v in sorted((rule.get("labels") or {}).items())},
        "health": rule.get("health"),
    }
    if rule.get("type") == "alerting":
        alerts = rule.get("alerts") or []
        summary.update(
            state=rule.get("state"),
            duration_s=float(rule.get("duration") or 0),
            annotation_keys=sorted((rule.get("annotations") or {}).keys()),
            alerts=[
                {
                    "state": a.get("state"),
                    "active_at": a.get("activeAt"),
                    "labels": {str(k): str(v) for k, v in sorted((a.get("labels") or {}).items())},
                }
                for a in alerts[:MAX_ALERTS_PER_RULE]
            ],
            alerts_truncated=len(alerts) > MAX_ALERTS_PER_RULE,
        )
    return summary


def receivers_of(config_yaml: str) -> list[dict[str, Any]]:
    """Alertmanager receivers: name and the integrations configured (email, slack, pagerduty, webhook...)."""
    try:
        doc = yaml.safe_load(config_yaml) or {}
    except yaml.YAMLError:
        return []
    receivers = []
    for receiver in doc.get("receivers") or []:
        integrations = sorted(
            key.removesuffix("_configs")
            for key, value in receiver.items()
            if key.endswith("_configs") and value
        )
        receivers.append({"name": str(receiver.get("name")), "integrations": integrations})
    return receivers
