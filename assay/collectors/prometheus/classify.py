"""Metric-name conventions, defined in the neutral `assay.kinds.prometheus_metrics` (cross-source
signals classify model metrics the same way)."""

from assay.kinds.prometheus_metrics import *  # noqa: F403
