"""The kinds of evidence the GitHub collector writes, and what every signal over them reads: the populations
(active repo, ML repo), time windows measured back from the evidence's own observation time, and teams."""

from __future__ import annotations

import fnmatch
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from assay.collectors.derive import EvidenceView, Unknown
from assay.evidence import Evidence, UnknownReason

SOURCE = "github"
REPO = "github.repo"
ORG = "github.org"
TEAM = "github.team"
PROJECTS = "github.projects"
SECURITY = "github.security_settings"
ALERTS = "github.alerts"

ACTIVE_DAYS = 90
WINDOW_DAYS = 90
CI_DAYS = 30

ML_TOPICS = frozenset(
    {
        "machine-learning",
        "deep-learning",
        "ml",
        "mlops",
        "ai",
        "artificial-intelligence",
        "data-science",
        "nlp",
        "computer-vision",
        "llm",
        "pytorch",
        "tensorflow",
        "scikit-learn",
        "neural-network",
    }
)
ML_FILES = ("dvc.yaml", ".dvc/", "mlproject", "model_card*.md", "modelcard*.md", "*.ipynb", "notebooks/")
OWNING = frozenset({"ADMIN", "MAINTAIN", "WRITE"})
PRODUCTION = re.compile(r"(^|[-_ ./])(prod|production|live)($|[-_ ./])", re.IGNORECASE)


# ---- time ---------------------------------------------------------------------------------------------


def ts(text: str | None) -> datetime | None:
    """Parse GitHub's ISO timestamps (``Z`` suffix) and Jenkins' ISO UTC ones."""
    if not text:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def reference(view: EvidenceView) -> datetime:
    """ "Now" for GitHub signals: when the GitHub evidence was observed, never the clock."""
    return view.reference_time(SOURCE)


def since(view: EvidenceView, days: int) -> datetime:
    return reference(view) - timedelta(days=days)


def within(text: str | None, start: datetime) -> bool:
    moment = ts(text)
    return moment is not None and moment >= start


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


# ---- repositories and populations ---------------------------------------------------------------------


def repos(view: EvidenceView, scope: str = "repos") -> list[Evidence]:
    """Every repository's evidence; unknown when the repository pass (or ``scope`` of it) has a gap."""
    view.require(SOURCE, scope)
    return view.of_kind(REPO)


def is_active(data: dict[str, Any], ref: datetime) -> bool:
    """Not archived, not a fork, pushed within 90 days."""
    if data.get("archived") or data.get("fork"):
        return False
    pushed = ts(data.get("pushed_at"))
    return pushed is not None and pushed >= ref - timedelta(days=ACTIVE_DAYS)


def active(view: EvidenceView, scope: str = "repos") -> list[Evidence]:
    ref = reference(view)
    return [r for r in repos(view, scope) if is_active(r.data, ref)]


def names(data: dict[str, Any], path: str = "") -> list[str]:
    """Entry names (lower case; directories end in ``/``) of one of the trees the collector listed."""
    return [n.lower() for n in ((data.get("tree") or {}).get(path) or [])]


def has(data: dict[str, Any], *patterns: str, path: str = "") -> bool:
    """Whether the tree at ``path`` has an entry matching one of the (lower-case) glob patterns."""
    entries = names(data, path)
    return any(fnmatch.fnmatchcase(n, p) for n in entries for p in patterns)


def is_ml(data: dict[str, Any]) -> bool:
    """ML repo: DVC, MLproject, notebooks, a model card, ML libraries in its requirements, or an ML topic."""
    return (
        has(data, *ML_FILES)
        or bool(data.get("ml_libraries"))
        or bool(set(data.get("topics") or []) & ML_TOPICS)
        or data.get("language") == "Jupyter Notebook"
    )


def ml(view: EvidenceView, scope: str = "repos") -> list[Evidence]:
    return [r for r in active(view, scope) if is_ml(r.data)]


def full_name(ev: Evidence) -> str:
    return ev.subject.lower()


def org_defaults(view: EvidenceView) -> dict[str, dict[str, Any]]:
    """Each organisation's ``.github`` repository: its templates apply to repositories without their own."""
    return {
        r.data.get("org", "").lower(): r.data for r in view.of_kind(REPO) if r.data.get("name") == ".github"
    }


def merged_prs(data: dict[str, Any], start: datetime) -> list[dict[str, Any]]:
    """Pull requests merged into the default branch since ``start``."""
    branch = data.get("default_branch")
    return [
        p
        for p in data.get("pull_requests") or []
        if within(p.get("merged_at"), start) and (not branch or not p.get("base") or p.get("base") == branch)
    ]


def is_bot(pid: str | None) -> bool:
    return bool(pid) and str(pid).startswith("bot:")


# ---- teams --------------------------------------------------------------------------------------------


def teams(view: EvidenceView) -> list[Evidence]:
    view.require(SOURCE, "teams")
    return view.of_kind(TEAM)


def team_key(ev: Evidence) -> str:
    return ev.subject.lower()


def person_teams(view: EvidenceView) -> dict[str, set[str]]:
    """Pseudonymised person -> the teams (``org/slug``) they belong to."""
    found: dict[str, set[str]] = defaultdict(set)
    for team in teams(view):
        for member in team.data.get("members") or []:
            found[member].add(team_key(team))
    return found


def repo_teams(view: EvidenceView) -> dict[str, set[str]]:
    """``org/repo`` -> teams with write, maintain or admin access to it."""
    found: dict[str, set[str]] = defaultdict(set)
    for team in teams(view):
        org = team.subject.split("/", 1)[0].lower()
        for repo, permission in (team.data.get("repos") or {}).items():
            if permission in OWNING:
                found[f"{org}/{repo.lower()}"].add(team_key(team))
    return found


def codeowner_teams(ev: Evidence) -> set[str]:
    owners = ev.data.get("codeowners") or {}
    org = (ev.data.get("org") or "").lower()
    return {f"{org}/{slug}" for slug in owners.get("teams") or []}


def require_any(items: list[Any], what: str, evidence: Iterable[Evidence] = ()) -> None:
    """Like require_population, for a list."""
    if not items:
        raise Unknown(UnknownReason.NOT_APPLICABLE, f"no {what} were observed", evidence)
