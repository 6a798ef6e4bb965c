"""PeopleOps signals (proxies, confidence L/M): who works on ML code, in which teams, how concentrated."""

from __future__ import annotations

from collections import Counter

from assay.collectors.derive import EvidenceView, Measured, require_population
from assay.collectors.github.signals.base import (
    OWNING,
    WINDOW_DAYS,
    active,
    codeowner_teams,
    has,
    is_bot,
    merged_prs,
    ml,
    signals,
    since,
    team_key,
    teams,
    within,
)
from assay.evidence import Confidence, Evidence, SignalType

M, L = Confidence.MEDIUM, Confidence.LOW
BUS_FACTOR_SHARE = 0.7


@signals.signal(
    "people.ml_contributors",
    type=SignalType.COUNT,
    confidence=L,
    unit="people",
    description="People (not bots) who committed to, or had pull requests merged into, ML repositories in "
    "the last 90 days.",
)
def ml_contributors(view: EvidenceView) -> Measured:
    """Distinct human authors on ML repositories' default branches within 90 days."""
    start = since(view, WINDOW_DAYS)
    repos = ml(view)
    people: set[str] = set()
    for repo in repos:
        people |= {
            c["author"]
            for c in repo.data.get("commits") or []
            if within(c.get("at"), start) and c.get("author")
        }
        people |= {p["author"] for p in merged_prs(repo.data, start) if p.get("author")}
    return Measured(len({p for p in people if not is_bot(p)}), repos)


def ml_team_keys(view: EvidenceView) -> tuple[set[str], list[Evidence]]:
    """Teams with write access to an ML repository or named in an ML repository's CODEOWNERS."""
    repos = ml(view)
    ml_names = {r.subject.lower() for r in repos}
    found: set[str] = set()
    cited: list[Evidence] = []
    for team in teams(view):
        org = team.subject.split("/", 1)[0].lower()
        if any(
            f"{org}/{name.lower()}" in ml_names and perm in OWNING
            for name, perm in (team.data.get("repos") or {}).items()
        ):
            found.add(team_key(team))
            cited.append(team)
    for repo in repos:
        found |= codeowner_teams(repo)
    return found, cited + repos


@signals.signal(
    "people.ml_teams",
    type=SignalType.COUNT,
    confidence=L,
    unit="teams",
    description="GitHub teams owning ML repositories (write, maintain or admin access, or named in their "
    "CODEOWNERS); two or more suggest separate roles such as data science and ML engineering.",
)
def ml_teams(view: EvidenceView) -> Measured:
    """How many teams own ML code."""
    found, cited = ml_team_keys(view)
    return Measured(len(found), cited)


@signals.signal(
    "people.team_ownership.ratio",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of active ML repositories whose CODEOWNERS names a team.",
)
def team_ownership(view: EvidenceView) -> Measured:
    """ML repos with team code owners over ML repos."""
    repos = ml(view)
    require_population(len(repos), "active ML repositories")
    return Measured.share(repos, [r for r in repos if (r.data.get("codeowners") or {}).get("teams")])


@signals.signal(
    "people.bus_factor.ratio",
    type=SignalType.RATIO,
    confidence=L,
    description="Share of ML repositories with commits in the last 90 days where the top author made less "
    "than 70% of them.",
)
def bus_factor(view: EvidenceView) -> Measured:
    """ML repos not dominated by one person, over ML repos with recent human commits."""
    start = since(view, WINDOW_DAYS)
    counted = []
    spread = []
    for repo in ml(view):
        authors = Counter(
            c["author"]
            for c in repo.data.get("commits") or []
            if within(c.get("at"), start) and c.get("author") and not is_bot(c["author"])
        )
        if not authors:
            continue
        counted.append(repo)
        if authors.most_common(1)[0][1] / sum(authors.values()) < BUS_FACTOR_SHARE:
            spread.append(repo)
    require_population(len(counted), "ML repositories with commits in the last 90 days")
    return Measured.share(counted, spread)


@signals.signal(
    "people.onboarding.ratio",
    type=SignalType.RATIO,
    confidence=L,
    description="Share of active repositories with contributor onboarding docs (CONTRIBUTING).",
)
def onboarding(view: EvidenceView) -> Measured:
    """Active repos with a CONTRIBUTING file at the root or in .github."""
    repos = active(view)
    require_population(len(repos), "active repositories")
    hits = [r for r in repos if has(r.data, "contributing*") or has(r.data, "contributing*", path=".github")]
    return Measured.share(repos, hits)
