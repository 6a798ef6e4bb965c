"""The in-memory GitHub organisation the stand-in serves: plain dataclasses, built by the materializer.

Timestamps are absolute UTC datetimes (the materializer anchors a fixture's "days ago" to the moment it
builds the estate). Lists that GitHub returns newest first are stored newest first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime


def iso(ts: datetime | None) -> str | None:
    """GitHub's timestamp format: ISO-8601 UTC with a Z and whole seconds."""
    if ts is None:
        return None
    return ts.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def oid_for(*parts: object) -> str:
    """A deterministic 40-hex git object id."""
    return hashlib.sha1("/".join(str(p) for p in parts).encode()).hexdigest()


@dataclass
class Actor:
    login: str
    bot: bool = False
    email: str = ""

    @property
    def noreply(self) -> str:
        name = f"{self.login}[bot]" if self.bot else self.login
        return self.email or f"{name}@users.noreply.github.com"


@dataclass
class Commit:
    oid: str
    at: datetime
    author: Actor
    rollup: str | None = None  # StatusState of the commit's checks: SUCCESS, FAILURE, ERROR, PENDING
    pull_request: int | None = None  # the merged PR that brought this commit in


@dataclass
class CheckSuite:
    app: str
    status: str
    conclusion: str | None
    updated_at: datetime
    event: str = "push"


@dataclass
class Review:
    author: Actor
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED
    at: datetime


@dataclass
class PullRequest:
    number: int
    author: Actor
    created_at: datetime
    merged_at: datetime
    merge_oid: str
    base: str = "main"
    reviews: list[Review] = field(default_factory=list)
    closing_issues: int = 0

    @property
    def updated_at(self) -> datetime:
        return self.merged_at


@dataclass
class Deployment:
    environment: str
    created_at: datetime
    state: str  # DeploymentStatusState of the latest status: SUCCESS, FAILURE, ERROR, ...
    creator: Actor
    task: str = "deploy"


@dataclass
class Environment:
    name: str
    protection: list[str] = field(default_factory=list)  # DeploymentProtectionRuleType values


@dataclass
class Alert:
    kind: str  # dependabot | code_scanning | secret_scanning
    number: int
    severity: str  # critical, high, medium, low (secret scanning: critical)
    state: str  # open, fixed (dependabot/code scanning), resolved (secret scanning), dismissed
    created_at: datetime
    closed_at: datetime | None = None

    @property
    def updated_at(self) -> datetime:
        return self.closed_at or self.created_at


@dataclass
class Repo:
    name: str
    id: int
    archived: bool = False
    fork: bool = False
    private: bool = True
    pushed_at: datetime | None = None
    created_at: datetime | None = None
    topics: list[str] = field(default_factory=list)
    language: str | None = None
    default_branch: str = "main"
    files: dict[str, str] = field(default_factory=dict)  # path -> text, in the default branch
    protection: dict[str, object] | None = None  # the classic rule matching the default branch
    rules: list[dict[str, object]] = field(default_factory=list)  # ruleset rules on the default branch
    security: dict[str, bool] = field(default_factory=dict)
    commits: list[Commit] = field(default_factory=list)  # default-branch history, newest first
    head_suites: list[CheckSuite] = field(default_factory=list)
    pull_requests: list[PullRequest] = field(default_factory=list)  # merged, newest first
    deployments: list[Deployment] = field(default_factory=list)  # newest first
    environments: list[Environment] = field(default_factory=list)
    releases: list[datetime] = field(default_factory=list)  # newest first
    labels: list[str] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    @property
    def vulnerability_alerts(self) -> bool:
        return bool(self.security.get("vulnerability_alerts"))


@dataclass
class Team:
    slug: str
    name: str
    members: list[str] = field(default_factory=list)
    repos: dict[str, str] = field(default_factory=dict)  # repo name -> RepositoryPermission


@dataclass
class Project:
    title: str
    closed: bool = False
    description: str = ""


@dataclass
class Org:
    login: str
    id: int = 1
    repos: list[Repo] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    # Alert endpoints the organisation does not have (e.g. no GitHub Advanced Security): answered with 404.
    disabled_alerts: set[str] = field(default_factory=set)

    def repo(self, name: str) -> Repo | None:
        for repo in self.repos:
            if repo.name.lower() == name.lower():
                return repo
        return None
