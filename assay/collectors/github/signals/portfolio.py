"""Populations and the GitHub parts of DataOps (DVC), AIOps (intake, governance), CloudOps (IaC files)
and maintenance (dependency pull requests)."""

from __future__ import annotations

import re

from assay.collectors.derive import EvidenceView, Measured, Unknown, require_population
from assay.collectors.github.signals.base import (
    PROJECTS,
    SOURCE,
    WINDOW_DAYS,
    active,
    has,
    merged_prs,
    ml,
    org_defaults,
    signals,
    since,
)
from assay.evidence import Confidence, Evidence, SignalType, UnknownReason

H, M, L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
INTAKE = re.compile(
    r"\b(ai|ml|llm|gen[- ]?ai|machine[ _-]learning|model)[ _-]*(intake|requests?|proposals?|use[ _-]?cases?|"
    r"ideas?|initiatives?)\b|\buse[ _-]?case[ _-]*(intake|requests?|proposals?)\b",
    re.IGNORECASE,
)
PORTFOLIO = re.compile(
    r"\b(ai|ml|machine learning|model)s?\b.*\b(portfolio|intake|use[ -]?cases?|initiatives?)\b|"
    r"\b(portfolio|intake)\b.*\b(ai|ml|models?)\b",
    re.IGNORECASE,
)
DEPENDENCY_BOTS = frozenset({"bot:dependabot", "bot:renovate", "bot:snyk-bot", "bot:pyup-bot"})


@signals.signal(
    "repos.active",
    type=SignalType.COUNT,
    confidence=H,
    unit="repositories",
    description="Active repositories: not archived, not forks, pushed within 90 days.",
)
def active_count(view: EvidenceView) -> Measured:
    """The population most GitHub ratios are over."""
    repos = active(view)
    return Measured(len(repos), repos)


@signals.signal(
    "repos.ml",
    type=SignalType.COUNT,
    confidence=M,
    unit="repositories",
    description="Active ML repositories: DVC, MLproject, notebooks, a model card, ML libraries in their "
    "requirements, or an ML topic.",
)
def ml_count(view: EvidenceView) -> Measured:
    """The population of ML-specific signals."""
    repos = ml(view)
    return Measured(len(repos), repos)


@signals.signal(
    "data.versioning.dvc_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of active ML repositories that version data with DVC (dvc.yaml or a .dvc folder).",
)
def dvc_ratio(view: EvidenceView) -> Measured:
    """ML repos with DVC over ML repos."""
    repos = ml(view)
    require_population(len(repos), "active ML repositories")
    return Measured.share(repos, [r for r in repos if has(r.data, "dvc.yaml", ".dvc/", "*.dvc")])


def _intake_in(data: dict[str, object]) -> bool:
    texts = [f"{t.get('name')} {t.get('about')} {t.get('file')}" for t in data.get("issue_templates") or []]  # type: ignore[union-attr]
    texts += list((data.get("tree") or {}).get(".github/ISSUE_TEMPLATE") or [])  # type: ignore[union-attr]
    texts += list(data.get("labels") or [])  # type: ignore[arg-type]
    return any(INTAKE.search(str(t).replace("-", " ")) for t in texts)


@signals.signal(
    "aiops.intake",
    type=SignalType.BOOL,
    confidence=L,
    description="An AI intake process: an AI use-case / intake issue template or label in an active "
    "repository (or the organisation's .github), or an open AI portfolio / intake project board.",
)
def intake(view: EvidenceView) -> Measured:
    """True when any intake channel exists; unknown only if none is found and projects were unreadable."""
    repos = active(view)
    defaults = [r for r in view.of_kind("github.repo") if r.data.get("name") == ".github" and r not in repos]
    hits = [r for r in repos + defaults if _intake_in(r.data)]
    if hits:
        return Measured(True, hits)
    try:
        view.require(SOURCE, "projects")
    except Unknown as unk:
        raise Unknown(unk.reason, f"no intake template or label found, and {unk.message}", repos) from None
    boards = view.of_kind(PROJECTS)
    open_boards = [
        p
        for ev in boards
        for p in ev.data.get("projects") or []
        if not p.get("closed") and PORTFOLIO.search(f"{p.get('title')} {p.get('description') or ''}")
    ]
    return Measured(bool(open_boards), boards + repos)


@signals.signal(
    "aiops.governance.rai_checklist_ratio",
    type=SignalType.RATIO,
    confidence=L,
    description="Share of active ML repositories whose pull request template (their own or the "
    "organisation's default) has a responsible-AI checklist.",
)
def rai_checklist_ratio(view: EvidenceView) -> Measured:
    """ML repos reviewed against a responsible-AI checklist."""
    repos = ml(view)
    require_population(len(repos), "active ML repositories")
    defaults = org_defaults(view)

    def checklist(ev: Evidence) -> bool:
        own = ev.data.get("pr_templates") or []
        if not own:
            own = (defaults.get((ev.data.get("org") or "").lower()) or {}).get("pr_templates") or []
        return any(t.get("responsible_ai") for t in own)

    return Measured.share(repos, [r for r in repos if checklist(r)])


@signals.signal(
    "maintenance.dependency_prs_merged",
    type=SignalType.COUNT,
    confidence=M,
    unit="pull requests",
    description="Dependency-update pull requests (Dependabot, Renovate, Snyk, PyUp) merged in the last 90 "
    "days.",
)
def dependency_prs_merged(view: EvidenceView) -> Measured:
    """Maintenance flow: automated dependency updates that were actually merged."""
    start = since(view, WINDOW_DAYS)
    repos = active(view, "repos.pull_requests")
    count = sum(1 for r in repos for p in merged_prs(r.data, start) if p.get("author") in DEPENDENCY_BOTS)
    if not repos:
        raise Unknown(UnknownReason.NOT_APPLICABLE, "no active repositories were observed")
    return Measured(count, repos)
