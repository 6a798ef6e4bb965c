"""GitHub Actions as deploy pipelines (SecOps): do they scan, and do they promote to production without a
person in the loop? The GitHub halves of practices Jenkins can show too; criteria read either source."""

from __future__ import annotations

from typing import Any

from assay.collectors.derive import EvidenceView, Measured, ratio, require_population
from assay.collectors.github.signals.base import PRODUCTION, WINDOW_DAYS, active, signals, since, within
from assay.evidence import Confidence, Evidence, SignalType

H = Confidence.HIGH
MANUAL_GATE = "REQUIRED_REVIEWERS"


def _workflows(repo: Evidence) -> list[dict[str, Any]]:
    return list(repo.data.get("workflows") or [])


def _automated_production(repo: Evidence, view: EvidenceView) -> bool:
    start = since(view, WINDOW_DAYS)
    return any(
        d.get("by_bot")
        and PRODUCTION.search(d.get("environment") or "")
        and within(d.get("created_at"), start)
        for d in repo.data.get("deployments") or []
    )


def deploy_pipelines(view: EvidenceView) -> list[Evidence]:
    """Active repositories that deploy from GitHub Actions: a deploying workflow, or deployments created by
    a workflow (a bot) in the last 90 days."""
    return [
        r
        for r in active(view, "workflows")
        if any(w.get("deploy") for w in _workflows(r)) or _automated_production(r, view)
    ]


def scans(repo: Evidence) -> bool:
    """A workflow runs a security scanner (CodeQL, dependency review, Trivy, Grype, Snyk, Semgrep, ...)."""
    return any(w.get("security_scan") or w.get("code_scanning") for w in _workflows(repo))


@signals.signal(
    "secops.github.pipeline_scan_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of repositories deploying from GitHub Actions whose workflows run a security scanner "
    "(CodeQL, dependency review, Trivy, Grype, Snyk, Anchore, Semgrep, Checkov, ...).",
)
def pipeline_scan_ratio(view: EvidenceView) -> Measured:
    """Deploying repositories that scan in their pipelines, over deploying repositories."""
    found = deploy_pipelines(view)
    require_population(len(found), "repositories deploying from GitHub Actions")
    return Measured(ratio(sum(1 for r in found if scans(r)), len(found)), found)


def _promotes_automatically(repo: Evidence) -> bool:
    """Production deployments wait for no reviewer, and a workflow gates them with tests or a scan."""
    production = [e for e in repo.data.get("environments") or [] if PRODUCTION.search(e.get("name") or "")]
    manual = any(MANUAL_GATE in (e.get("protection") or []) for e in production)
    gated = any(w.get("tests") or w.get("security_scan") or w.get("code_scanning") for w in _workflows(repo))
    return gated and not manual


@signals.signal(
    "secops.github.auto_promotion_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of repositories deploying to production by automation (GitHub deployments created by "
    "a workflow in 90 days) that promote without a required reviewer, gated by tests or security scans.",
)
def auto_promotion_ratio(view: EvidenceView) -> Measured:
    """Trusted rollouts from GitHub Actions: automated and automatically approved once the checks pass."""
    found = [r for r in active(view, "repos.deployments") if _automated_production(r, view)]
    require_population(len(found), "repositories deploying to production by automation")
    return Measured(ratio(sum(1 for r in found if _promotes_automatically(r)), len(found)), found)
