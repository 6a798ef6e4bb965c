"""AWS CloudOps signals: cost controls and drift detection. The practices AWS shares with Azure (accounts,
environment separation, tags, IaC share, self-service, budgets) are cross-source signals in
`assay.crosssource`."""

from __future__ import annotations

from assay.collectors.aws.signals.base import H, M, signals
from assay.collectors.derive import EvidenceView, Measured, ratio, require_population
from assay.evidence import SignalType
from assay.kinds import aws
from assay.kinds import cloud as c


@signals.signal(
    "cloud.cost.anomaly_monitors",
    type=SignalType.COUNT,
    confidence=H,
    unit="monitors",
    description="Cost Explorer anomaly monitors.",
)
def anomaly_monitors(view: EvidenceView) -> Measured:
    """Anomaly monitors across accounts."""
    c.need(view, "ce.anomaly")
    found = c.items(view, aws.ANOMALY_MONITORS, "monitors")
    return Measured(len(found), view.of_kind(aws.ANOMALY_MONITORS))


@signals.signal(
    "cloud.cost.allocation_tags",
    type=SignalType.LIST,
    confidence=H,
    description="Active user-defined cost-allocation tag keys.",
)
def allocation_tags(view: EvidenceView) -> Measured:
    """The union of active cost-allocation tags."""
    c.need(view, "ce.tags")
    keys = {k for e in view.of_kind(aws.ALLOCATION_TAGS) for k in e.data.get("active", [])}
    return Measured(sorted(keys), view.of_kind(aws.ALLOCATION_TAGS))


@signals.signal(
    "cloud.drift.coverage",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of audited account × regions with drift detection: an AWS Config recorder recording, "
    "or CloudFormation drift checks on the stacks there.",
)
def drift_coverage(view: EvidenceView) -> Measured:
    """Account × regions with Config recording or drift-checked stacks, over all audited."""
    c.need(view, "config", "cloudformation")
    cells = c.cells(view)
    require_population(len(cells), "audited account × regions")
    recording = {
        e.subject
        for e in view.of_kind(aws.CONFIG)
        if any(r.get("recording") for r in e.data.get("recorders", []))
    }
    checked = {
        e.subject
        for e in view.of_kind(aws.CLOUDFORMATION)
        if any(s.get("drift_status") not in (None, "NOT_CHECKED") for s in e.data.get("stacks", []))
    }
    covered = sum(1 for cell in cells if cell in recording or cell in checked)
    return Measured(
        ratio(covered, len(cells)), [*view.of_kind(aws.CONFIG), *view.of_kind(aws.CLOUDFORMATION)]
    )
