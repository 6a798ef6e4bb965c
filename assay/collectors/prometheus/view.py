"""The Prometheus signal set, with the evidence kinds and readers (defined in the neutral
`assay.kinds.prometheus`, which cross-source signals share) re-exported for the signal modules."""

from __future__ import annotations

from assay.collectors.derive import SignalSet
from assay.kinds.prometheus import (
    ALERT_HISTORY,
    ALERTMANAGER,
    GPU,
    METRICS,
    RULE_GROUP,
    SCRAPE_POOL,
    SERIES,
    SERVER,
    SOURCE,
    alert_identity,
    history,
    metrics,
    model_rows,
    models_alerted_by,
    models_by_metric,
    parse_time,
    references_model_metrics,
    rows,
    rule_groups,
    rules_of,
    series,
)

signals = SignalSet(SOURCE)

__all__ = [
    "ALERTMANAGER",
    "ALERT_HISTORY",
    "GPU",
    "METRICS",
    "RULE_GROUP",
    "SCRAPE_POOL",
    "SERIES",
    "SERVER",
    "SOURCE",
    "alert_identity",
    "history",
    "metrics",
    "model_rows",
    "models_alerted_by",
    "models_by_metric",
    "parse_time",
    "references_model_metrics",
    "rows",
    "rule_groups",
    "rules_of",
    "series",
    "signals",
]
