"""GitHub DevOps signals: PR flow, environments and containers. CI coverage, health and tests, CD and
DORA merge GitHub with Jenkins, so they are cross-source signals (`assay.crosssource.delivery`, `.dora`)."""

from __future__ import annotations

from typing import Any

from assay.collectors.derive import EvidenceView, Measured, member, ratio, require_population
from assay.collectors.github.signals.base import (
    PRODUCTION,
    WINDOW_DAYS,
    active,
    has,
    signals,
    since,
    within,
)
from assay.evidence import Aggregate, Confidence, SignalType

H, M = Confidence.HIGH, Confidence.MEDIUM


@signals.signal(
    "devops.pr_flow",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of recent default-branch commits (last 90 days, up to 30 per repository) that came "
    "in through a merged pull request.",
)
def pr_flow(view: EvidenceView) -> Measured:
    """Commits with an associated merged PR, over sampled commits of active repos within 90 days."""
    start = since(view, WINDOW_DAYS)
    population = active(view)
    sample = [c for r in population for c in r.data.get("pr_sample") or [] if within(c.get("at"), start)]
    require_population(len(sample), "default-branch commits in the last 90 days", population)
    members = [  # a repository passes when every sampled commit came in through a pull request
        member(r.subject, all(c.get("via_pr") for c in commits), r)
        for r in population
        if (commits := [c for c in r.data.get("pr_sample") or [] if within(c.get("at"), start)])
    ]
    return Measured(ratio(sum(1 for c in sample if c.get("via_pr")), len(sample)), population, members)


def _environments(data: dict[str, Any]) -> dict[str, list[str]]:
    envs = {
        e["name"]: list(e.get("protection") or []) for e in data.get("environments") or [] if e.get("name")
    }
    for dep in data.get("deployments") or []:
        if dep.get("environment"):
            envs.setdefault(dep["environment"], [])
    return envs


@signals.signal(
    "devops.environments.promotion",
    type=SignalType.COUNT,
    confidence=H,
    unit="repositories",
    description="Active repositories deploying to at least two environments, one of them production.",
)
def promotion(view: EvidenceView) -> Measured:
    """Repos with ≥2 environments including a production one."""
    hits = [
        r
        for r in active(view, "repos.deployments")
        if len(envs := _environments(r.data)) >= 2 and any(PRODUCTION.search(n) for n in envs)
    ]
    return Measured(len(hits), hits, [member(r.subject, True, r) for r in hits], Aggregate.COUNT)


@signals.signal(
    "devops.environments.protected_production",
    type=SignalType.COUNT,
    confidence=H,
    unit="repositories",
    description="Active repositories whose production environment has protection rules (required "
    "reviewers, a wait timer or a deployment branch policy).",
)
def protected_production(view: EvidenceView) -> Measured:
    """Repos with a protected production environment."""
    hits = [
        r
        for r in active(view, "repos.deployments")
        if any(PRODUCTION.search(n) and rules for n, rules in _environments(r.data).items())
    ]
    return Measured(len(hits), hits, [member(r.subject, True, r) for r in hits], Aggregate.COUNT)


@signals.signal(
    "devops.containers.ratio",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of active repositories with a Dockerfile, Containerfile or Compose file at the root.",
)
def containers_ratio(view: EvidenceView) -> Measured:
    """Containerised active repos over active repos."""
    population = active(view)
    require_population(len(population), "active repositories")
    patterns = ("dockerfile*", "*.dockerfile", "containerfile", "docker-compose*.y*ml", "compose.y*ml")
    hits = [r for r in population if has(r.data, *patterns)]
    return Measured.share(population, hits)
