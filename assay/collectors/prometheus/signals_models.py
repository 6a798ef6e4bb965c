"""Prometheus signals about what is scraped: target health, service metrics, model metrics and GPUs.

The coverage of production models by model metrics, alerts and drift metrics joins Prometheus with the
registries, so it lives with the cross-source signals (`assay.crosssource.model_metrics`)."""

from __future__ import annotations

from assay.collectors.derive import (
    EvidenceView,
    Measured,
    Unknown,
    member,
    ratio,
    require_population,
)
from assay.collectors.prometheus.view import (
    GPU,
    SCRAPE_POOL,
    SOURCE,
    metrics,
    model_rows,
    rows,
    series,
    signals,
)
from assay.evidence import Confidence, SignalType, UnknownReason
from assay.kinds.prometheus_metrics import (
    base_name,
    is_error_counter,
    is_gpu_metric,
    is_latency_histogram,
    is_model_metric,
)

H, M = Confidence.HIGH, Confidence.MEDIUM


@signals.signal(
    "monitoring.targets.up_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of Prometheus scrape targets that are up (targets not yet scraped are left out).",
)
def up_ratio(view: EvidenceView) -> Measured:
    """Scrape health: up over up + down, across every scrape pool."""
    view.require(SOURCE, "targets")
    pools = view.of_kind(SCRAPE_POOL)
    up = sum(int(p.data.get("up", 0)) for p in pools)
    down = sum(int(p.data.get("down", 0)) for p in pools)
    require_population(up + down, "scraped Prometheus targets")
    members = [  # a scrape job passes when none of its targets is down
        member(p.subject, int(p.data.get("down", 0)) == 0, p)
        for p in pools
        if int(p.data.get("up", 0)) + int(p.data.get("down", 0))
    ]
    return Measured(ratio(up, up + down), pools, members)


@signals.signal(
    "monitoring.service.instrumented_jobs",
    type=SignalType.COUNT,
    confidence=H,
    unit="jobs",
    description="Scrape jobs exposing both a latency histogram and an error counter (service metrics).",
)
def instrumented_jobs(view: EvidenceView) -> Measured:
    """Jobs instrumented for the RED method; node and monitoring-stack metrics do not count."""
    latency, errors = set(), set()
    for r in rows(view):
        if is_latency_histogram(r["metric"]):
            latency.add(r["job"])
        if is_error_counter(r["metric"]):
            errors.add(r["job"])
    return Measured(len(latency & errors), [series(view)])


@signals.signal(
    "monitoring.model.metric_names",
    type=SignalType.LIST,
    confidence=M,
    description="Metric families about models: model/inference/prediction/drift names or known serving "
    "prefixes (nv_inference_, seldon_, bentoml_, ...).",
)
def model_metric_names(view: EvidenceView) -> Measured:
    """Model metric families present in Prometheus."""
    ev = metrics(view)
    return Measured(sorted({base_name(n) for n in ev.data.get("names", []) if is_model_metric(n)}), [ev])


@signals.signal(
    "monitoring.model.label_values",
    type=SignalType.LIST,
    confidence=M,
    description="Values of the model (or model_name) label on model metrics: the models Prometheus watches.",
)
def model_label_values(view: EvidenceView) -> Measured:
    """Models with their own series."""
    return Measured(sorted({r["model"] for r in model_rows(view) if r.get("model")}), [series(view)])


@signals.signal(
    "monitoring.gpu.devices",
    type=SignalType.COUNT,
    confidence=M,
    unit="GPUs",
    description="GPUs reporting to Prometheus through NVIDIA DCGM (DCGM_FI_DEV_GPU_UTIL series).",
)
def gpu_devices(view: EvidenceView) -> Measured:
    """GPU devices monitored; 0 when no DCGM metric exists."""
    names = metrics(view)
    if not any(is_gpu_metric(n) for n in names.data.get("names", [])):
        return Measured(0, [names])
    view.require(SOURCE, "gpu")
    ev = view.one(GPU)
    if ev is None:
        raise Unknown(UnknownReason.ERROR, "the GPU queries were not answered")
    return Measured(int(ev.data.get("devices", 0)), [ev])


@signals.signal(
    "monitoring.gpu.utilization",
    type=SignalType.RATIO,
    confidence=M,
    description="Mean GPU utilisation over 30 days, across GPUs reporting through DCGM.",
)
def gpu_utilization(view: EvidenceView) -> Measured:
    """avg_over_time of DCGM_FI_DEV_GPU_UTIL over 30 days, averaged over GPUs, as a share."""
    count = gpu_devices(view)
    require_population(int(count.value or 0), "GPUs reporting through DCGM", count.evidence)
    ev = view.one(GPU)
    pct = ev.data.get("avg_utilisation_pct") if ev else None
    if pct is None:
        raise Unknown(UnknownReason.ERROR, "the GPU utilisation query returned nothing")
    return Measured(round(float(pct) / 100, 4), [ev])
