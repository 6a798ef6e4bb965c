"""Cost and threat-detection controls merged across AWS and Azure: alerting budgets (AWS Budgets, Azure
Cost Management budgets), per-project budgets, and threat detection (GuardDuty with Security Hub on AWS,
Microsoft Defender for Cloud on Azure). Each reads whichever of the two clouds was collected."""

from __future__ import annotations

from typing import Any

from assay.collectors.derive import EvidenceView, Measured, member, require_population, share_of
from assay.crosssource.base import CLOUDS, H, signals
from assay.evidence import Aggregate, Evidence, Member, SignalType
from assay.kinds import aws
from assay.kinds import azure as az
from assay.kinds import cloud as c


def _budgets(view: EvidenceView) -> tuple[list[tuple[str, Evidence, dict[str, Any]]], list[Evidence]]:
    """(member id, evidence, budget) for every budget of the clouds that speak, and what to cite."""
    use_aws, use_azure = c.clouds(view, ("budgets",), ("budgets",))
    found: list[tuple[str, Evidence, dict[str, Any]]] = []
    cited: list[Evidence] = []
    if use_aws:
        found += [(f"{ev.subject}/{b['name']}", ev, b) for ev, b in c.items(view, aws.BUDGETS, "budgets")]
        cited += view.of_kind(aws.BUDGETS)
    if use_azure:
        found += [(b["id"], ev, b) for ev, b in c.items(view, az.BUDGETS, "budgets")]
        cited += view.of_kind(az.BUDGETS)
    return found, cited


@signals.signal(
    "cloud.cost.budgets",
    type=SignalType.COUNT,
    confidence=H,
    unit="budgets",
    sources=CLOUDS,
    description="Budgets that send at least one notification: AWS budgets, and Azure Cost Management "
    "budgets with an enabled notification to an email, action group or role.",
)
def budgets_with_alerts(view: EvidenceView) -> Measured:
    """Budgets with notifications, across AWS accounts and Azure subscriptions."""
    found, cited = _budgets(view)
    members = [member(subject, b.get("notifications", 0) > 0, ev) for subject, ev, b in found]
    return Measured(
        sum(1 for _, _, b in found if b.get("notifications", 0) > 0), cited, members, Aggregate.COUNT
    )


@signals.signal(
    "cloud.cost.project_budgets",
    type=SignalType.COUNT,
    confidence=H,
    unit="projects",
    sources=CLOUDS,
    description="Projects (initiatives) with their own alerting budget: AWS budgets scoped by a project tag "
    "filter; Azure budgets filtered by a project tag or scoped to a resource group.",
)
def project_budgets(view: EvidenceView) -> Measured:
    """Distinct projects that a notifying budget is scoped to."""
    found, cited = _budgets(view)
    projects = {b["project"] for _, _, b in found if b.get("project") and b.get("notifications")}
    return Measured(len(projects), cited)


def _aws_cells(view: EvidenceView) -> list[Member]:
    """Account × regions watched by an enabled GuardDuty detector and by Security Hub with a standard."""
    detectors = c.by_subject(view, aws.GUARDDUTY)
    hubs = c.by_subject(view, aws.SECURITYHUB)
    members = []
    for cell in c.cells(view):
        guard, hub = detectors.get(cell), hubs.get(cell)
        watched = bool(
            guard
            and any(d.get("status") == "ENABLED" for d in guard.data.get("detectors", []))
            and hub
            and hub.data.get("enabled")
            and hub.data.get("standards")
        )
        members.append(
            member(cell, watched, (guard if guard and not watched else hub) or c.scope_evidence(view))
        )
    return members


def defender_watches(plans: list[dict[str, Any]], types: set[str]) -> bool:
    """Defender for Resource Manager on the Standard tier, and so is every plan protecting a resource type
    the subscription runs."""
    standard = {p["name"].lower() for p in plans if p.get("tier", "").lower() == "standard"}
    needed = [az.DEFENDER_CONTROL_PLANE] + [
        plan for plan, protected in az.DEFENDER_PLANS.items() if types & set(protected)
    ]
    return all(plan.lower() in standard for plan in needed)


def _azure_subscriptions(view: EvidenceView) -> list[Member]:
    plans = c.by_subject(view, az.DEFENDER)
    types: dict[str, set[str]] = {}
    for ev, r in c.azure_resources(view):
        types.setdefault(ev.subject, set()).add(r["type"].lower())
    return [
        member(
            sub.subject,
            sub.subject in plans
            and defender_watches(plans[sub.subject].data.get("plans", []), types.get(sub.subject, set())),
            plans.get(sub.subject) or sub,
        )
        for sub in view.of_kind(az.SUBSCRIPTION)
    ]


@signals.signal(
    "sec.threat_detection.coverage",
    type=SignalType.RATIO,
    confidence=H,
    sources=CLOUDS,
    description="Share of audited AWS account × regions with an enabled GuardDuty detector and Security Hub "
    "checking a standard, and of Azure subscriptions where Defender for Cloud's Standard tier covers the "
    "control plane (Arm) and every kind of resource the subscription runs.",
)
def threat_detection(view: EvidenceView) -> Measured:
    """Watched account × regions and subscriptions over all of them."""
    use_aws, use_azure = c.clouds(view, ("guardduty", "securityhub"), ("defender", "resources"))
    members: list[Member] = []
    cited: list[Evidence] = []
    if use_aws:
        members += _aws_cells(view)
        cited += [*view.of_kind(aws.GUARDDUTY), *view.of_kind(aws.SECURITYHUB)]
    if use_azure:
        members += _azure_subscriptions(view)
        cited += view.of_kind(az.DEFENDER)
    require_population(len(members), "audited account × regions and subscriptions", cited)
    return Measured(share_of(members), cited, members, Aggregate.RATIO)
