"""Prometheus model metrics joined with the production models of the registries and serving platforms:
which production models have their own metrics, alert rules and drift metrics."""

from __future__ import annotations

from collections.abc import Iterable

from assay.collectors.derive import (
    EvidenceView,
    Measured,
    Unknown,
    member,
    require_population,
    share_of,
)
from assay.crosssource.base import H, M, signals
from assay.crosssource.models import SOURCES, normalise, production_models
from assay.evidence import Aggregate, Evidence, SignalType, UnknownReason
from assay.kinds import aws
from assay.kinds import prometheus as prom
from assay.kinds.prometheus import model_rows, models_alerted_by, models_by_metric, rules_of, series
from assay.kinds.prometheus_metrics import is_drift_metric


def _coverage(view: EvidenceView, watched: Iterable[str], extra: list[Evidence]) -> Measured:
    prod, _ = production_models(view)
    every = [e for m in prod for e in m.evidence]
    require_population(
        len(prod), "production models (MLflow aliases, SageMaker or Azure ML endpoints)", every
    )
    names = {normalise(w) for w in watched}
    members = [member(m.name, m.known_as(names), m.evidence[0] if m.evidence else None) for m in prod]
    return Measured(share_of(members), [*extra, *every], members, Aggregate.RATIO)


@signals.signal(
    "monitoring.model.coverage",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of production models (MLflow production aliases, InService SageMaker endpoints, Azure "
    "ML online endpoints) with model metrics in Prometheus, joined on the model label.",
    sources=SOURCES,
    requires=(prom.SOURCE,),
)
def model_coverage(view: EvidenceView) -> Measured:
    """Production models whose name appears as a model label value on a model metric."""
    return _coverage(view, (r["model"] for r in model_rows(view) if r.get("model")), [series(view)])


@signals.signal(
    "monitoring.model.alerted_coverage",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of production models whose model metrics an alerting rule watches.",
    sources=SOURCES,
    requires=(prom.SOURCE,),
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
    sources=SOURCES,
    requires=(prom.SOURCE,),
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
    sources=(prom.SOURCE, aws.SOURCE),
)
def drift_models(view: EvidenceView) -> Measured:
    """Distinct models watched for drift, across Prometheus and SageMaker data capture."""
    names: set[str] = set()
    used: list[Evidence] = []
    missing = [s for s in (prom.SOURCE, aws.SOURCE) if not view.available(s)]
    if view.available(prom.SOURCE):
        names |= {
            normalise(r["model"]) for r in model_rows(view) if r.get("model") and is_drift_metric(r["metric"])
        }
        used.append(series(view))
    if view.available("aws"):
        for ep in view.of_kind(aws.ENDPOINT):
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
