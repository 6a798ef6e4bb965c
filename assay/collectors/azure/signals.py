"""Azure-only signals. The practices Azure shares with AWS (environment separation, tags, IaC, guardrails,
inventory, drift alerting) are merged signals declared by the AWS collector with sources ("aws", "azure")."""

from __future__ import annotations

from assay.collectors.azure import kinds
from assay.collectors.derive import EvidenceView, Measured, SignalSet
from assay.evidence import Confidence, SignalType

signals = SignalSet(kinds.SOURCE)


def _count(view: EvidenceView, rtype: str) -> Measured:
    view.require(kinds.SOURCE, "resources")
    evs = view.of_kind(kinds.RESOURCES)
    return Measured(
        sum(1 for e in evs for r in e.data.get("resources", []) if r["type"].lower() == rtype), evs
    )


@signals.signal(
    "data.lineage.purview_accounts",
    type=SignalType.COUNT,
    confidence=Confidence.MEDIUM,
    unit="accounts",
    description="Microsoft Purview accounts (data catalog and lineage) in the audited subscriptions.",
)
def purview_accounts(view: EvidenceView) -> Measured:
    """Purview accounts: where lineage and classification can be governed."""
    return _count(view, kinds.PURVIEW)


@signals.signal(
    "data.orchestration.data_factories",
    type=SignalType.COUNT,
    confidence=Confidence.MEDIUM,
    unit="factories",
    description="Azure Data Factory instances (data pipeline orchestration).",
)
def data_factories(view: EvidenceView) -> Measured:
    """Data Factory instances."""
    return _count(view, kinds.DATA_FACTORY)


@signals.signal(
    "ml.azure.workspaces",
    type=SignalType.COUNT,
    confidence=Confidence.MEDIUM,
    unit="workspaces",
    description="Azure Machine Learning workspaces and registries.",
)
def ml_workspaces(view: EvidenceView) -> Measured:
    """Where Azure ML work happens."""
    ws = _count(view, kinds.ML_WORKSPACE)
    reg = _count(view, kinds.ML_REGISTRY)
    return Measured(int(ws.value or 0) + int(reg.value or 0), ws.evidence)
