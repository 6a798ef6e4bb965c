"""What a metric name or a rule is about: model serving, drift, latency, errors, GPUs, SLIs. Pure functions.

Names follow Prometheus conventions: ``_total`` counters, ``_bucket`` histogram series, base units, and
colons only in recording-rule outputs (``level:metric:operations``), which are never raw instrumentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Exporters and the monitoring stack itself: present everywhere, about no service or model.
INFRA_PREFIXES = (
    "node_",
    "go_",
    "process_",
    "prometheus_",
    "promhttp_",
    "scrape_",
    "net_conntrack_",
    "python_",
    "kube_",
    "kubelet_",
    "container_",
    "machine_",
    "grafana_",
    "alertmanager_",
    "windows_",
)
INFRA_NAMES = frozenset({"up", "ALERTS", "ALERTS_FOR_STATE"})
SERVING_PREFIXES = (
    "nv_inference_",
    "seldon_",
    "bentoml_",
    "tfserving_",
    "torchserve_",
    "ts_inference_",
    "kserve_",
    "mlserver_",
    "triton_",
)
GPU_PREFIX = "DCGM_FI_"

_MODEL_WORD = re.compile(
    r"(^|_)(models?|inference|inferences|predictions?|predict|predicted|drift|feature_drift)(_|$)"
)
_DRIFT = re.compile(r"(^|_)drift(_|$)")
_LATENCY = re.compile(r"(^|_)(latency|duration)(_|$)")
_ERRORS = re.compile(r"(^|_)(errors?|failures?|failed|exceptions?)(_|$)")
_SLI_RECORD = re.compile(
    r"sli|slo|availability|error_budget|errors?_?ratio|success_?ratio|apdex|latency|:p\d\d|quantile|"
    r"ratio_rate",
    re.I,
)
_IDENTIFIER_CALL = re.compile(r"(?<![\w:])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_RANGES = re.compile(r"\[[^\]]*\]")
_LABEL_EQUALS = re.compile(r"\b(model|model_name)\s*=\s*\"([^\"]*)\"")


def is_recorded(name: str) -> bool:
    """Recording-rule outputs carry colons; exporters never do."""
    return ":" in name


def is_infrastructure(name: str) -> bool:
    return name in INFRA_NAMES or name.startswith(INFRA_PREFIXES)


def is_instrumentation(name: str) -> bool:
    """A raw metric of a service or model (not the monitoring stack, not a recording rule)."""
    return not is_recorded(name) and not is_infrastructure(name)


def is_model_metric(name: str) -> bool:
    """Model/inference/prediction/drift vocabulary, or a known model-serving prefix."""
    return is_instrumentation(name) and (
        bool(_MODEL_WORD.search(name.lower())) or name.startswith(SERVING_PREFIXES)
    )


def is_drift_metric(name: str) -> bool:
    return is_model_metric(name) and bool(_DRIFT.search(name.lower()))


def is_latency_histogram(name: str) -> bool:
    return is_instrumentation(name) and name.endswith("_bucket") and bool(_LATENCY.search(name.lower()))


def is_error_counter(name: str) -> bool:
    return is_instrumentation(name) and name.endswith("_total") and bool(_ERRORS.search(name.lower()))


def is_gpu_metric(name: str) -> bool:
    return name.startswith(GPU_PREFIX)


def is_interesting(name: str) -> bool:
    """Worth keeping in the evidence: any of the classes above."""
    return (
        is_model_metric(name) or is_latency_histogram(name) or is_error_counter(name) or is_gpu_metric(name)
    )


def metrics_in(expr: str) -> set[str]:
    """Identifiers in a PromQL expression that may be metric names.

    Strings, label matchers (``{...}``), grouping clauses (``by (...)``, ``on (...)``, ...), durations
    (``[5m]``) and function calls are removed first, so label names such as ``model`` are not mistaken
    for metrics.
    """
    text = _STRINGS.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _RANGES.sub(" ", text)
    return {m.group(1) for m in _IDENTIFIER_CALL.finditer(text) if not m.group(2)}


def recorded_from(name: str) -> str:
    """The metric a recording rule output is about: ``level:metric:operations`` -> ``metric``."""
    parts = name.split(":")
    return parts[1] if len(parts) == 3 else name


def references_model_metrics(expr: str, known: Iterable[str] = ()) -> set[str]:
    """The model metrics an expression reads: by vocabulary, a known model metric's series name, or a
    recording rule output about a model metric (``sli:model_inference_latency_seconds:p99``)."""
    known_set = set(known)
    return {
        n
        for n in metrics_in(expr)
        if is_model_metric(n) or n in known_set or (is_recorded(n) and is_model_metric(recorded_from(n)))
    }


def model_matchers(expr: str) -> set[str]:
    """Model names an expression pins with ``model="..."`` / ``model_name="..."`` equality matchers."""
    return {m.group(2) for m in _LABEL_EQUALS.finditer(expr)}


def is_sli_record(name: str) -> bool:
    """A recording rule that computes a service-level indicator (latency, error ratio, availability)."""
    return bool(_SLI_RECORD.search(name))


def base_name(series_name: str) -> str:
    """``x_bucket`` / ``x_count`` / ``x_sum`` -> ``x``: the family a series belongs to."""
    for suffix in ("_bucket", "_count", "_sum"):
        if series_name.endswith(suffix):
            return series_name[: -len(suffix)]
    return series_name
