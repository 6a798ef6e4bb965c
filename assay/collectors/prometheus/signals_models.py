"""Prometheus signals about what is scraped: target health, service metrics, model metrics and their
coverage of production models, drift, GPUs and the staleness of production versions."""

from __future__ import annotations

from collections.abc import Iterable

from assay.collectors.derive import (
    EvidenceView,
    Measured,
    Unknown,
    member,
    ratio,
    require_population,
    share_of,
)
from assay.collectors.prometheus.classify import (
    base_name,
    is_drift_metric,
    is_error_counter,
    is_gpu_metric,
    is_latency_histogram,
    is_model_metric,
)
from assay.collectors.prometheus.production import (
    MLFLOW_MODEL,
    SAGEMAKER_ENDPOINT,
    newest_production_created,
    normalise,
    production_models,
)
from assay.collectors.prometheus.view import (
    GPU,
    SCRAPE_POOL,
    SOURCE,
    metrics,
    model_rows,
    models_alerted_by,
    models_by_metric,
    rows,
    rules_of,
    series,
    signals,
)
from assay.evidence import Aggregate, Confidence, Evidence, SignalType, UnknownReason

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


def _coverage(view: EvidenceView, watched: Iterable[str], extra: list[Evidence]) -> Measured:
    prod, _ = production_models(view)
    every = [e for m in prod for e in m.evidence]
    require_population(
        len(prod), "production models (MLflow aliases or InService SageMaker endpoints)", every
    )
    names = {normalise(w) for w in watched}
    members = [member(m.name, m.known_as(names), m.evidence[0] if m.evidence else None) for m in prod]
    return Measured(share_of(members), [*extra, *every], members, Aggregate.RATIO)


@signals.signal(
    "monitoring.model.coverage",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of production models (MLflow production aliases, InService SageMaker endpoints) with "
    "model metrics in Prometheus, joined on the model label.",
)
def model_coverage(view: EvidenceView) -> Measured:
    """Production models whose name appears as a model label value on a model metric."""
    return _coverage(view, (r["model"] for r in model_rows(view) if r.get("model")), [series(view)])


@signals.signal(
    "monitoring.model.alerted_coverage",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of production models whose model metrics an alerting rule watches.",
)
def alerted_coverage(view: EvidenceView) -> Measured:
    """Production models covered by an alerting rule on a model metric labelled with them."""
    by_metric = models_by_metric(view)
    rules = rules_of(view, "alerting")
    watched = set().union(*(models_alerted_by(r, by_metric) for _, r in rules)) if rules else set()
    return _coverage(view, watched, [series(view), *{g.id: g for g, _ in rules}.values()])


@signals.signal(
    "monitoring.model.drift_coverage",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of production models with a drift metric in Prometheus labelled with their name.",
)
def drift_coverage(view: EvidenceView) -> Measured:
    """Production models whose drift is measured continuously."""
    drifting = (r["model"] for r in model_rows(view) if r.get("model") and is_drift_metric(r["metric"]))
    return _coverage(view, drifting, [series(view)])


@signals.signal(
    "monitoring.model.drift_models",
    type=SignalType.COUNT,
    confidence=H,
    unit="models",
    description="Models with drift monitoring or data capture: a drift metric in Prometheus, or an "
    "InService SageMaker endpoint capturing its traffic.",
    sources=(SOURCE, "aws"),
)
def drift_models(view: EvidenceView) -> Measured:
    """Distinct models watched for drift, across Prometheus and SageMaker data capture."""
    names: set[str] = set()
    used: list[Evidence] = []
    missing = [s for s in (SOURCE, "aws") if not view.available(s)]
    if view.available(SOURCE):
        names |= {
            normalise(r["model"]) for r in model_rows(view) if r.get("model") and is_drift_metric(r["metric"])
        }
        used.append(series(view))
    if view.available("aws"):
        for ep in view.of_kind(SAGEMAKER_ENDPOINT):
            if ep.data.get("data_capture") and str(ep.data.get("status", "")).lower() == "inservice":
                names.add(normalise(str(ep.data.get("name", ep.subject))))
                used.append(ep)
    if not names and missing:
        raise Unknown(
            UnknownReason.NOT_CONFIGURED,
            f"no drift monitoring found in what was read; {' and '.join(missing)} "
            f"{'was' if len(missing) == 1 else 'were'} not collected, so it may exist there",
            used,
        )
    return Measured(len(names), used)


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


@signals.signal(
    "monitoring.staleness.max_age_days",
    type=SignalType.NUMBER,
    confidence=M,
    unit="days",
    description="Age of the oldest production model version in the MLflow registry (newest production "
    "version per model).",
    sources=("mlflow",),
)
def staleness(view: EvidenceView) -> Measured:
    """Days since the production version of the least recently updated production model was created."""
    view.require("mlflow", "registry")
    prod = [m for m in view.of_kind(MLFLOW_MODEL) if newest_production_created(m)]
    require_population(len(prod), "MLflow production model versions with a creation time")
    now = view.reference_time("mlflow")
    ages = [(now - newest_production_created(m)).total_seconds() / 86400 for m in prod]  # type: ignore[operator]
    return Measured(round(max(0.0, max(ages)), 1), prod)
