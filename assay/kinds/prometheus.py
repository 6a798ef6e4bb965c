"""The kinds of evidence the Prometheus collector writes, and pure readers of its series and rules.

Prometheus' own signals and the cross-source signals that join its model metrics with the registries'
production models both read through these.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from assay.collectors.derive import EvidenceView, Unknown
from assay.evidence import Evidence, UnknownReason
from assay.kinds.prometheus_metrics import base_name, is_model_metric, model_matchers, recorded_from
from assay.kinds.prometheus_metrics import references_model_metrics as _refs

SOURCE = "prometheus"
SERVER = "prometheus.server"
SCRAPE_POOL = "prometheus.scrape_pool"
METRICS = "prometheus.metrics"
SERIES = "prometheus.series"
RULE_GROUP = "prometheus.rule_group"
ALERT_HISTORY = "prometheus.alert_history"
GPU = "prometheus.gpu"
ALERTMANAGER = "prometheus.alertmanager"

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(text: str) -> datetime:
    """An RFC 3339 time as Prometheus writes it (nanoseconds, ``Z``) as an aware datetime."""
    return datetime.fromisoformat(_FRACTION.sub(r"\1", text.replace("Z", "+00:00")))


def _one(view: EvidenceView, kind: str, scope: str) -> Evidence:
    view.require(SOURCE, scope)
    ev = view.one(kind)
    if ev is None:
        raise Unknown(UnknownReason.ERROR, f"no {kind} evidence was collected")
    return ev


def metrics(view: EvidenceView) -> Evidence:
    return _one(view, METRICS, "metrics")


def series(view: EvidenceView) -> Evidence:
    return _one(view, SERIES, "series")


def history(view: EvidenceView) -> Evidence:
    return _one(view, ALERT_HISTORY, "alerts")


def rows(view: EvidenceView) -> list[dict[str, Any]]:
    return list(series(view).data.get("rows") or [])


def rule_groups(view: EvidenceView) -> list[Evidence]:
    view.require(SOURCE, "rules")
    return view.of_kind(RULE_GROUP)


def rules_of(view: EvidenceView, kind: str) -> list[tuple[Evidence, dict[str, Any]]]:
    """(group evidence, rule) for every rule of the kind (alerting | recording)."""
    return [(g, r) for g in rule_groups(view) for r in g.data.get("rules") or [] if r.get("type") == kind]


def model_rows(view: EvidenceView) -> list[dict[str, Any]]:
    return [r for r in rows(view) if is_model_metric(r["metric"])]


def models_by_metric(view: EvidenceView) -> dict[str, set[str]]:
    """Model metric family -> the model label values seen on it."""
    found: dict[str, set[str]] = {}
    for r in model_rows(view):
        found.setdefault(base_name(r["metric"]), set())
        if r.get("model"):
            found[base_name(r["metric"])].add(r["model"])
    return found


def models_alerted_by(rule: dict[str, Any], by_metric: dict[str, set[str]]) -> set[str]:
    """The model label values an alerting rule watches: those on the model metrics its expression reads."""
    expr = str(rule.get("expr", ""))
    referenced = {base_name(recorded_from(n)) for n in _refs(expr, by_metric)}
    watched = set().union(*(by_metric.get(n, set()) for n in referenced)) if referenced else set()
    pinned = model_matchers(expr)
    return watched & pinned if pinned else watched


def references_model_metrics(rule: dict[str, Any], by_metric: dict[str, set[str]]) -> bool:
    known = set(by_metric) | {f"{n}{s}" for n in by_metric for s in ("_bucket", "_count", "_sum")}
    return bool(_refs(str(rule.get("expr", "")), known))


def alert_identity(labels: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in labels.items() if k not in ("alertstate", "__name__")))
