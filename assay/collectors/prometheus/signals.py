"""Prometheus signals (``monitoring.*``): the signal set and its evidence kinds, re-exported.

The declarations live beside their functions in ``signals_models`` (targets, service and model metrics,
coverage of production models, drift, GPUs, staleness) and ``signals_alerts`` (rules and alerting).
"""

from assay.collectors.prometheus import signals_alerts, signals_models
from assay.collectors.prometheus.view import (
    ALERT_HISTORY,
    ALERTMANAGER,
    GPU,
    METRICS,
    RULE_GROUP,
    SCRAPE_POOL,
    SERIES,
    SERVER,
    SOURCE,
    signals,
)

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
    "signals",
    "signals_alerts",
    "signals_models",
]
