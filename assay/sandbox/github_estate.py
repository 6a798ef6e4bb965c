"""Materialise an estate's ``github.yaml`` as an organisation served by the local GitHub stand-in.

A fixture describes repositories by their practices (files on the default branch, protection, how many
commits and pull requests in the last 90 days, how they are reviewed, CI results, deployments, alerts);
this module expands that into concrete, deterministic history anchored at "now", and serves it. The
format is documented at the top of ``fixtures/estates/aurora-dynamics/github.yaml``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from assay.errors import EstateError
from assay.sandbox.base import Materialized
from assay.sandbox.estate import Estate
from assay.sandbox.github_standin.model import (
    Actor,
    Alert,
    CheckSuite,
    Commit,
    Deployment,
    Environment,
    Org,
    Project,
    PullRequest,
    Repo,
    Review,
    Team,
    oid_for,
)

TOKEN_ENV = "ASSAY_SANDBOX_GITHUB_TOKEN"
DEFAULT_LABELS = (
    "bug",
    "documentation",
    "duplicate",
    "enhancement",
    "good first issue",
    "help wanted",
    "invalid",
    "question",
    "wontfix",
)
REPO_KEYS = {
    "name",
    "names",
    "archived",
    "fork",
    "private",
    "language",
    "topics",
    "pushed_days_ago",
    "created_days_ago",
    "files",
    "protection",
    "rules",
    "security",
    "labels",
    "commits",
    "pull_requests",
    "ci",
    "deployments",
    "environments",
    "releases",
    "alerts",
}
BOT = Actor("github-actions", bot=True)


class GithubMaterializer:
    """Serves the fixture's organisation on a local stand-in and hands the collector a token for it."""

    source = "github"

    def __init__(self) -> None:
        self.standin: Any = None

    def start(self, estate: Estate, fixture: dict[str, Any], workdir: Path) -> Materialized:
        """Build the organisation, start the stand-in and return the collector config pointing at it."""
        from assay.sandbox.github_standin import GithubStandIn

        org = build_org(fixture, datetime.now(UTC), where=str(estate.path / "github.yaml"))
        self.standin = GithubStandIn({org.login: org}).start()
        token = self.standin.add_token()
        config = {"orgs": [org.login], "base_url": self.standin.base_url, "token_env": TOKEN_ENV}
        return Materialized(config=config, env={TOKEN_ENV: token})

    def stop(self) -> None:
        standin, self.standin = self.standin, None
        if standin is not None:
            standin.stop()


def build_org(doc: dict[str, Any], now: datetime, where: str = "github.yaml", org_id: int = 1) -> Org:
    """Expand a fixture document into a concrete organisation whose history ends at ``now``."""
    unknown = set(doc) - {"org", "teams", "projects", "repos", "disabled_alerts"}
    if unknown:
        raise EstateError(f"{where}: unknown keys {sorted(unknown)}")
    if not doc.get("org"):
        raise EstateError(f"{where}: `org` (the organisation's login) is required")
    org = Org(login=str(doc["org"]), id=org_id, disabled_alerts=set(doc.get("disabled_alerts") or []))
    try:
        for t in doc.get("teams") or []:
            org.teams.append(
                Team(
                    t["slug"],
                    t.get("name", t["slug"]),
                    list(t.get("members") or []),
                    dict(t.get("repos") or {}),
                )
            )
        org.projects = [
            Project(p["title"], bool(p.get("closed")), p.get("description", ""))
            for p in doc.get("projects") or []
        ]
        for spec in doc.get("repos") or []:
            extra = set(spec) - REPO_KEYS
            if extra:
                raise ValueError(
                    f"repo {spec.get('name') or spec.get('names')}: unknown keys {sorted(extra)}"
                )
            for name in spec.get("names") or [spec["name"]]:
                org.repos.append(build_repo(name, spec, now, org_id * 100_000 + len(org.repos) + 1))
    except (KeyError, TypeError, ValueError) as exc:
        raise EstateError(f"{where}: malformed GitHub fixture: {type(exc).__name__}: {exc}") from None
    return org


def build_repo(name: str, spec: dict[str, Any], now: datetime, ident: int) -> Repo:
    """One repository with its generated history; ``spec`` is a fixture entry."""
    repo = Repo(
        name=name,
        id=ident,
        archived=bool(spec.get("archived")),
        fork=bool(spec.get("fork")),
        private=spec.get("private", True),
        language=spec.get("language"),
        topics=list(spec.get("topics") or []),
        files={str(k): str(v) for k, v in (spec.get("files") or {}).items() if v is not None},
        protection=spec.get("protection"),
        rules=list(spec.get("rules") or []),
        security={str(k): bool(v) for k, v in (spec.get("security") or {}).items()},
        labels=[*DEFAULT_LABELS, *(spec.get("labels") or [])],
        created_at=now - timedelta(days=spec.get("created_days_ago", 720)),
    )
    prs = _pull_requests(name, spec.get("pull_requests"), now)
    commits = [
        Commit(pr.merge_oid, pr.merged_at, pr.author, pull_request=pr.number) for pr in prs
    ] + _direct_commits(name, spec.get("commits"), now)
    if not commits:  # every repository has at least the commit that created it
        age = spec.get("pushed_days_ago", 400)
        commits = [Commit(oid_for(name, "initial"), now - timedelta(days=age, hours=1), Actor("founder"))]
    commits.sort(key=lambda c: c.at, reverse=True)
    repo.commits = commits
    repo.pull_requests = sorted(prs, key=lambda p: p.merged_at, reverse=True)
    _apply_ci(repo, spec.get("ci"), now)
    repo.pushed_at = (
        now - timedelta(days=spec["pushed_days_ago"]) if "pushed_days_ago" in spec else commits[0].at
    )
    repo.deployments = _deployments(name, spec.get("deployments") or [], now, prs)
    repo.environments = [
        Environment(e["name"], list(e.get("protection") or [])) for e in spec.get("environments") or []
    ]
    repo.releases = [now - timedelta(days=d) for d in _spread(int(spec.get("releases", 0)), [3, 85])]
    repo.alerts = _alerts(spec.get("alerts") or [], now)
    return repo


def _spread(count: int, days: Any) -> list[float]:
    """``count`` ages in days, evenly spread over ``days`` ([low, high] or one number), newest first."""
    low, high = (days, days) if isinstance(days, (int, float)) else (days[0], days[1])
    if count <= 0:
        return []
    if count == 1:
        return [float(low)]
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def _chosen(index: int, share: float) -> bool:
    """Pick ``share`` of a sequence deterministically and evenly (index i of n)."""
    return math.floor((index + 1) * share + 1e-9) > math.floor(index * share + 1e-9)


def _direct_commits(repo: str, spec: dict[str, Any] | None, now: datetime) -> list[Commit]:
    if not spec:
        return []
    authors = [Actor(a) for a in spec.get("authors") or ["founder"]]
    ages = _spread(int(spec.get("count", 0)), spec.get("days", [1, 85]))
    return [
        Commit(oid_for(repo, "direct", i), now - timedelta(days=age, minutes=7), authors[i % len(authors)])
        for i, age in enumerate(ages)
    ]


def _pull_requests(repo: str, spec: dict[str, Any] | None, now: datetime) -> list[PullRequest]:
    if not spec:
        return []
    authors = list(spec.get("authors") or ["founder"])
    reviewers = list(spec.get("reviewers") or [])
    ages = _spread(int(spec.get("count", 0)), spec.get("days", [1, 85]))
    open_hours = float(spec.get("open_hours", 24))
    review_hours = float(spec.get("review_hours", 4))
    prs = []
    for i, age in enumerate(ages):
        author = authors[i % len(authors)]
        merged = now - timedelta(days=age)
        created = merged - timedelta(hours=open_hours)
        pr = PullRequest(i + 1, Actor(author), created, merged, oid_for(repo, "merge", i))
        others = [r for r in reviewers if r != author]
        if others and _chosen(i, float(spec.get("approved", 1.0))):
            reviewer = others[i % len(others)]
            pr.reviews.append(Review(Actor(reviewer), "APPROVED", created + timedelta(hours=review_hours)))
        if _chosen(i, float(spec.get("linked", 0.0))):
            pr.closing_issues = 1
        prs.append(pr)
    return prs


def _apply_ci(repo: Repo, spec: dict[str, Any] | None, now: datetime) -> None:
    """Give default-branch commits CI results and the head commit its check suite."""
    if not spec:
        return
    success = float(spec.get("success", 1.0))
    for i, commit in enumerate(reversed(repo.commits)):  # oldest first, so failures spread evenly
        commit.rollup = "SUCCESS" if _chosen(i, success) else "FAILURE"
    app = spec.get("app", "github-actions")
    if app != "jenkins":  # Jenkins posts commit statuses only; apps also leave a check suite
        head = repo.commits[0]
        conclusion = "SUCCESS" if head.rollup == "SUCCESS" else "FAILURE"
        repo.head_suites.append(CheckSuite(app, "COMPLETED", conclusion, head.at + timedelta(minutes=12)))


def _deployments(
    repo: str, specs: list[dict[str, Any]], now: datetime, prs: list[PullRequest]
) -> list[Deployment]:
    deps: list[Deployment] = []
    for spec in specs:
        by_bot = spec.get("by", "bot") == "bot"
        creator = BOT if by_bot else (prs[0].author if prs else Actor("founder"))
        ages = _spread(int(spec.get("count", 0)), spec.get("days", [2, 85]))
        failed = int(spec.get("failed", 0))
        recovery = float(spec.get("recovery_hours", 3))
        for i, age in enumerate(ages):
            at = now - timedelta(days=age, hours=1)
            deps.append(Deployment(spec["environment"], at, "SUCCESS", creator))
            if failed and _chosen(i, failed / len(ages)):
                deps.append(
                    Deployment(spec["environment"], at - timedelta(hours=recovery), "FAILURE", creator)
                )
    return sorted(deps, key=lambda d: d.created_at, reverse=True)


def _alerts(specs: list[dict[str, Any]], now: datetime) -> list[Alert]:
    alerts: list[Alert] = []
    numbers: dict[str, int] = {}
    for spec in specs:
        kind = spec["kind"]
        for _ in range(int(spec.get("count", 1))):
            numbers[kind] = numbers.get(kind, 0) + 1
            created = now - timedelta(days=float(spec.get("days_ago", 10)))
            closed = None
            if spec.get("state", "open") != "open":
                closed = created + timedelta(days=float(spec.get("fixed_after_days", 3)))
            default_severity = "critical" if kind == "secret_scanning" else "high"
            alerts.append(
                Alert(
                    kind,
                    numbers[kind],
                    spec.get("severity", default_severity),
                    spec.get("state", "open"),
                    created,
                    closed,
                )
            )
    return alerts
