"""Collaboration & communication signals: reviews, cross-team work, ownership, work tracking, docs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from assay.collectors.derive import EvidenceView, Measured, per_evidence, ratio, require_population
from assay.collectors.github.signals.base import (
    WINDOW_DAYS,
    active,
    codeowner_teams,
    full_name,
    has,
    is_bot,
    median,
    merged_prs,
    org_defaults,
    person_teams,
    repo_teams,
    signals,
    since,
    ts,
    within,
)
from assay.evidence import Confidence, Evidence, SignalType

M, L = Confidence.MEDIUM, Confidence.LOW
DEFAULT_LABELS = frozenset(
    {
        "bug",
        "documentation",
        "duplicate",
        "enhancement",
        "good first issue",
        "help wanted",
        "invalid",
        "question",
        "wontfix",
        "dependencies",
    }
)


def window_prs(view: EvidenceView) -> tuple[list[tuple[Evidence, dict[str, Any]]], list[Evidence]]:
    """(repo, pull request) pairs merged into default branches of active repos in the last 90 days."""
    start = since(view, WINDOW_DAYS)
    population = active(view, "repos.pull_requests")
    return [(r, p) for r in population for p in merged_prs(r.data, start)], population


def human_reviews(pr: dict[str, Any]) -> list[dict[str, Any]]:
    """Reviews by someone other than the author, and not by a bot."""
    return [
        r
        for r in pr.get("reviews") or []
        if r.get("author") and r["author"] != pr.get("author") and not is_bot(r["author"])
    ]


def approved(pr: dict[str, Any]) -> bool:
    return any(r.get("state") == "APPROVED" for r in human_reviews(pr))


@signals.signal(
    "collab.review.coverage",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of pull requests merged in the last 90 days that someone other than the author "
    "approved (0 when changes reached default branches only by direct pushes).",
)
def review_coverage(view: EvidenceView) -> Measured:
    """Approved-by-a-non-author merged PRs over merged PRs."""
    pairs, population = window_prs(view)
    if not pairs:
        start = since(view, WINDOW_DAYS)
        pushed = [
            r for r in population if any(within(c.get("at"), start) for c in r.data.get("commits") or [])
        ]
        require_population(len(pushed), "merged pull requests or default-branch commits in the last 90 days")
        return Measured(0.0, pushed)
    value = ratio(sum(1 for _, p in pairs if approved(p)), len(pairs))
    return Measured(value, _repos_of(pairs), per_evidence(pairs, approved))


def _repos_of(pairs: list[tuple[Evidence, dict[str, Any]]]) -> list[Evidence]:
    return list({r.id: r for r, _ in pairs}.values())


@signals.signal(
    "collab.review.cross_team_ratio",
    type=SignalType.RATIO,
    confidence=L,
    description="Share of reviewed pull requests (last 90 days) with a reviewer from a team the author is "
    "not in.",
)
def cross_team_ratio(view: EvidenceView) -> Measured:
    """Reviewed PRs where a reviewer belongs to a team the author does not."""
    pairs, _ = window_prs(view)
    members = person_teams(view)
    reviewed = [(r, p) for r, p in pairs if human_reviews(p)]
    require_population(len(reviewed), "reviewed pull requests in the last 90 days")

    def crosses(pr: dict[str, Any]) -> bool:
        mine = members.get(pr.get("author") or "", set())
        return any(members.get(rv["author"], set()) - mine for rv in human_reviews(pr))

    return Measured(ratio(sum(1 for _, p in reviewed if crosses(p)), len(reviewed)), _repos_of(reviewed))


def business_seconds(start: datetime, end: datetime) -> float:
    """Seconds between two moments that fall on weekdays (UTC): review latency in business time."""
    total = 0.0
    cur = start
    while cur < end:
        midnight = (cur + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        step = min(midnight, end)
        if cur.weekday() < 5:
            total += (step - cur).total_seconds()
        cur = step
    return total


@signals.signal(
    "collab.review.latency",
    type=SignalType.DURATION,
    confidence=M,
    unit="seconds",
    description="Median business time (weekdays, UTC) from opening a pull request to its first review by "
    "someone else, over pull requests merged in the last 90 days.",
)
def review_latency(view: EvidenceView) -> Measured:
    """Median opened -> first non-author review time, weekends excluded."""
    pairs, _ = window_prs(view)
    waits = []
    cited = []
    for repo, pr in pairs:
        opened = ts(pr.get("created_at"))
        firsts = sorted(t for rv in human_reviews(pr) if (t := ts(rv.get("at"))) is not None)
        if opened and firsts:
            waits.append(business_seconds(opened, firsts[0]))
            cited.append(repo)
    require_population(len(waits), "reviewed pull requests in the last 90 days")
    return Measured(round(median(waits)), list({e.id: e for e in cited}.values()))


@signals.signal(
    "collab.ownership.mixed_ratio",
    type=SignalType.RATIO,
    confidence=L,
    description="Share of active repositories that at least two teams own or contribute to (write access, "
    "CODEOWNERS, or commits by their members in the last 90 days).",
)
def mixed_ownership(view: EvidenceView) -> Measured:
    """Active repos with ≥2 distinct teams involved."""
    population = active(view)
    require_population(len(population), "active repositories")
    members = person_teams(view)
    owners = repo_teams(view)
    start = since(view, WINDOW_DAYS)

    def involved(repo: Evidence) -> set[str]:
        found = set(owners.get(full_name(repo), set())) | codeowner_teams(repo)
        for commit in repo.data.get("commits") or []:
            if within(commit.get("at"), start):
                found |= members.get(commit.get("author") or "", set())
        return found

    return Measured.share(population, [r for r in population if len(involved(r)) >= 2])


def templates(data: dict[str, Any], defaults: dict[str, Any] | None) -> tuple[bool, bool]:
    """(issue templates, pull request template) of a repo, falling back to its organisation's .github."""

    def own(d: dict[str, Any]) -> tuple[bool, bool]:
        issues = (
            bool(d.get("issue_templates"))
            or bool((d.get("tree") or {}).get(".github/ISSUE_TEMPLATE"))
            or any(has(d, "issue_template*", path=p) for p in ("", ".github"))
        )
        return issues, bool(d.get("pr_templates"))

    issues, prs = own(data)
    if defaults is not None:
        org_issues, org_prs = own(defaults)
        issues, prs = issues or org_issues, prs or org_prs
    return issues, prs


def custom_labels(data: dict[str, Any]) -> list[str]:
    return [lb for lb in data.get("labels") or [] if lb.lower() not in DEFAULT_LABELS]


@signals.signal(
    "collab.tracking.ratio",
    type=SignalType.RATIO,
    confidence=L,
    description="Share of active repositories that structure their work: issue or pull request templates "
    "(their own or the organisation's .github defaults) or labels beyond GitHub's defaults.",
)
def tracking_ratio(view: EvidenceView) -> Measured:
    """Active repos with templates or custom labels."""
    population = active(view)
    require_population(len(population), "active repositories")
    defaults = org_defaults(view)
    hits = [
        r
        for r in population
        if any(templates(r.data, defaults.get((r.data.get("org") or "").lower()))) or custom_labels(r.data)
    ]
    return Measured.share(population, hits)


@signals.signal(
    "collab.tracking.linked_pr_ratio",
    type=SignalType.RATIO,
    confidence=L,
    description="Share of pull requests merged in the last 90 days that close a linked issue.",
)
def linked_pr_ratio(view: EvidenceView) -> Measured:
    """Merged PRs with a closing issue reference over merged PRs."""
    pairs, _ = window_prs(view)
    require_population(len(pairs), "merged pull requests in the last 90 days")
    linked = sum(1 for _, p in pairs if (p.get("linked_issues") or 0) > 0)
    members = per_evidence(pairs, lambda p: (p.get("linked_issues") or 0) > 0)
    return Measured(ratio(linked, len(pairs)), _repos_of(pairs), members)


def documented(data: dict[str, Any]) -> bool:
    """A README plus a docs/ADR folder, a docs site config or a model card."""
    return has(data, "readme*") and has(
        data, "docs/", "doc/", "adr/", "adrs/", "mkdocs.y*ml", "model_card*.md", "modelcard*.md"
    )


@signals.signal(
    "collab.docs.ratio",
    type=SignalType.RATIO,
    confidence=L,
    description="Share of active repositories documented beyond a README: a docs or ADR folder, a docs "
    "site, or a model card.",
)
def docs_ratio(view: EvidenceView) -> Measured:
    """Documented active repos over active repos."""
    population = active(view)
    require_population(len(population), "active repositories")
    return Measured.share(population, [r for r in population if documented(r.data)])
