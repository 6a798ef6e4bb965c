"""The AI portfolio across AWS and Azure: the production AI inventory, its metadata, and the organisation
policies that govern AI services."""

from __future__ import annotations

from assay.collectors.derive import EvidenceView, Measured, member, require_population, share_of
from assay.crosssource.base import CLOUDS, L, M, signals
from assay.evidence import Aggregate, Evidence, SignalType
from assay.kinds import aws
from assay.kinds import azure as az
from assay.kinds import cloud as c


def _named_inventory(view: EvidenceView) -> list[tuple[Evidence, dict[str, str], str]]:
    """The inventory with each resource's id (ARN or Azure resource id)."""
    use_aws, use_azure = c.clouds(view, ("sagemaker.endpoints",), ("resources", "ml"))
    found: list[tuple[Evidence, dict[str, str], str]] = []
    if use_aws:
        found += [(e, e.data.get("tags") or {}, e.subject) for e in c.production_endpoints(view)]
    if use_azure:
        found += [(e, e.data.get("tags") or {}, e.subject) for e in c.azure_production_endpoints(view)]
        envs = c.azure_subscription_envs(view)
        for ev, r in c.azure_resources(view):
            if (
                r["type"].lower() == az.COGNITIVE
                and envs.get(ev.subject) != "nonprod"
                and c.tag_env(r.get("tags")) != "nonprod"
            ):
                found.append((ev, r.get("tags") or {}, r["id"]))
    return found


def _inventory(view: EvidenceView) -> list[tuple[Evidence, dict[str, str]]]:
    """Production AI resources with their tags: SageMaker and Azure ML endpoints, Azure AI accounts."""
    return [(e, tags) for e, tags, _ in _named_inventory(view)]


@signals.signal(
    "ai.inventory.cloud_endpoints",
    type=SignalType.COUNT,
    confidence=M,
    unit="use cases",
    sources=CLOUDS,
    description="AI use cases serving production on the clouds: InService SageMaker endpoints, Azure ML "
    "online endpoints and Azure AI (Cognitive Services / OpenAI) accounts outside non-production.",
)
def cloud_endpoints(view: EvidenceView) -> Measured:
    """The production AI inventory the clouds show."""
    found = _inventory(view)
    return Measured(len(found), [e for e, _ in found])


@signals.signal(
    "ai.inventory.metadata_ratio",
    type=SignalType.RATIO,
    confidence=M,
    sources=CLOUDS,
    description="Share of production AI resources on the clouds tagged with an owner and a use case "
    "or project.",
)
def metadata_ratio(view: EvidenceView) -> Measured:
    """Inventory entries someone could act on: who owns them and what they are for."""
    found = _named_inventory(view)
    require_population(len(found), "production AI resources on the clouds")

    def described(tags: dict[str, str]) -> bool:
        t = c.tags_of(tags)
        return c.has_any(t, c.OWNER_KEYS) and (c.has_any(t, c.USE_CASE_KEYS) or c.has_any(t, c.PROJECT_KEYS))

    members = [member(subject, described(tags), e) for e, tags, subject in found]
    return Measured(share_of(members), [e for e, _, _ in found], members, Aggregate.RATIO)


@signals.signal(
    "ai.governance.policies",
    type=SignalType.COUNT,
    confidence=L,
    unit="policies",
    sources=CLOUDS,
    description="Organisation policies that govern AI services: attached SCPs naming SageMaker/Bedrock/... "
    "actions and Azure policy assignments on Machine Learning or Cognitive Services.",
)
def ai_policies(view: EvidenceView) -> Measured:
    """Guardrails written for AI services."""
    use_aws, use_azure = c.clouds(view, ("organizations.scps",), ("policy",))
    count, cited = 0, []
    if use_aws:
        count += sum(
            1 for _, p in c.items(view, aws.SCPS, "policies") if p["attached"] and p.get("ai_services")
        )
        cited += view.of_kind(aws.SCPS)
    if use_azure:
        count += sum(1 for _, a in c.items(view, az.POLICY, "assignments") if a.get("ai_services"))
        cited += view.of_kind(az.POLICY)
    return Measured(count, cited)
