"""AWS AIOps signals (the AI portfolio): spend attribution and lifecycle decisions. The inventory and the
policies that govern AI services, merged across AWS and Azure, are cross-source signals."""

from __future__ import annotations

from assay.collectors.aws.signals.base import H, M, signals
from assay.collectors.derive import EvidenceView, Measured, require_population
from assay.evidence import SignalType
from assay.kinds import aws
from assay.kinds import cloud as c


@signals.signal(
    "ai.spend.attributed_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of the last 30 days' ML/AI service spend (SageMaker, Bedrock, ...) attributable to a "
    "project through the project cost-allocation tag.",
)
def spend_attributed(view: EvidenceView) -> Measured:
    """Tagged ML spend over all ML spend, across accounts."""
    c.need(view, "ce.spend")
    evs = view.of_kind(aws.ML_SPEND)
    total = sum(e.data.get("total", 0.0) for e in evs)
    require_population(int(total > 0), "ML/AI service costs in the last 30 days", evs)
    untagged = sum(e.data.get("untagged", 0.0) for e in evs)
    return Measured(round((total - untagged) / total, 4), evs)


@signals.signal(
    "ai.lifecycle.retired",
    type=SignalType.COUNT,
    confidence=M,
    unit="model versions",
    description="SageMaker model package versions retired from use (approval status Rejected): a recorded "
    "lifecycle decision.",
)
def retired(view: EvidenceView) -> Measured:
    """Versions the registry records as rejected or retired."""
    c.need(view, "sagemaker.registry")
    count = sum(
        1
        for _, g in c.items(view, aws.SM_REGISTRY, "groups")
        for p in g.get("packages", [])
        if p.get("approval") == "Rejected"
    )
    return Measured(count, view.of_kind(aws.SM_REGISTRY))
