"""The Prometheus collector: scrape health, service and model metrics, alerting rules and alert activity."""

from assay.collectors.prometheus.collector import PrometheusCollector
from assay.collectors.prometheus.config import PrometheusConfig

__all__ = ["PrometheusCollector", "PrometheusConfig"]
