"""Drift monitoring of production models across the clouds (``monitoring.drift.*``): SageMaker Model Monitor
schedules, Azure Monitor alerts on Azure ML online endpoints and their workspaces."""

from __future__ import annotations

from assay.collectors.derive import EvidenceView, Measured, require_population
from assay.crosssource.base import CLOUDS, H, signals
from assay.evidence import Evidence, SignalType
from assay.kinds import aws
from assay.kinds import azure as az
from assay.kinds import cloud as c


def _monitored(view: EvidenceView, use_aws: bool, use_azure: bool) -> tuple[list[Evidence], list[Evidence]]:
    """(production cloud models, those with drift monitoring)."""
    models: list[Evidence] = []
    watched: list[Evidence] = []
    if use_aws:
        scheduled = {
            (ev.subject, s["endpoint"])
            for ev, s in c.items(view, aws.SM_MONITORING, "schedules")
            if s.get("status") in (None, "Scheduled") and s.get("endpoint")
        }
        for ep in c.production_endpoints(view):
            models.append(ep)
            if (f"{ep.data['account']}/{ep.data['region']}", ep.data["name"]) in scheduled:
                watched.append(ep)
    if use_azure:
        scopes = {
            s for a in view.of_kind(az.ALERT) if a.data.get("enabled", True) for s in a.data.get("scopes", [])
        }
        for ep in c.azure_production_endpoints(view):
            models.append(ep)
            if ep.subject.lower() in scopes or str(ep.data.get("workspace", "")).lower() in scopes:
                watched.append(ep)
    return models, watched


def _sources(view: EvidenceView) -> tuple[bool, bool]:
    return c.clouds(view, ("sagemaker.endpoints", "sagemaker.monitoring"), ("resources", "ml", "monitor"))


@signals.signal(
    "monitoring.drift.coverage",
    type=SignalType.RATIO,
    confidence=H,
    sources=CLOUDS,
    description="Share of production cloud models (InService SageMaker endpoints, Azure ML online endpoints) "
    "watched for drift: a scheduled Model Monitor, or an enabled Azure Monitor alert on the endpoint or its "
    "workspace.",
)
def drift_coverage(view: EvidenceView) -> Measured:
    """Monitored production models over production models."""
    models, watched = _monitored(view, *_sources(view))
    require_population(len(models), "production cloud models (SageMaker or Azure ML endpoints)")
    return Measured.share(models, watched)


@signals.signal(
    "monitoring.drift.monitored_models",
    type=SignalType.COUNT,
    confidence=H,
    unit="models",
    sources=CLOUDS,
    description="Production cloud models with drift monitoring.",
)
def monitored_models(view: EvidenceView) -> Measured:
    """How many production cloud models are watched for drift."""
    models, watched = _monitored(view, *_sources(view))
    require_population(len(models), "production cloud models (SageMaker or Azure ML endpoints)")
    return Measured(len(watched), watched or models)
