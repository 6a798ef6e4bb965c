"""SageMaker data capture on production endpoints. Drift monitoring merged across AWS and Azure, and models
watched for drift by any means, are cross-source signals (`assay.crosssource.drift`)."""

from __future__ import annotations

from assay.collectors.aws.signals.base import H, signals
from assay.collectors.derive import EvidenceView, Measured, require_population
from assay.evidence import SignalType
from assay.kinds import cloud as c


@signals.signal(
    "monitoring.drift.data_capture_endpoints",
    type=SignalType.COUNT,
    confidence=H,
    unit="endpoints",
    description="Production SageMaker endpoints capturing request and response data for monitoring.",
)
def data_capture(view: EvidenceView) -> Measured:
    """Endpoints with data capture enabled."""
    c.need(view, "sagemaker.endpoints")
    prod = c.production_endpoints(view)
    require_population(len(prod), "production SageMaker endpoints")
    return Measured.count(prod, [e for e in prod if e.data.get("data_capture")])
