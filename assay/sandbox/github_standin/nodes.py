"""GraphQL resolvers: thin views over the stand-in's model, one class per GitHub object type.

graphql-core's default resolver reads an attribute named like the field and, when it is a method, calls
it with the field's arguments (GitHub's camelCase names), so each class below spells the GitHub fields it
serves. Fields a class does not define resolve to null, which GitHub's schema rejects for non-null fields
(the stand-in then answers with an error, as a query for an unsupported field should).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from assay.sandbox.github_standin.connection import ActorNode, Connection, GitHubGraphQLError
from assay.sandbox.github_standin.model import Actor, Org, Team
from assay.sandbox.github_standin.repo_nodes import RepoNode

__all__ = ["GitHubGraphQLError", "OrgNode", "QueryRoot", "TeamNode"]


class QueryRoot:
    """The ``Query`` type: organization, repository and rateLimit."""

    def __init__(self, orgs: dict[str, Org], rate_limit: dict[str, Any], now: datetime) -> None:
        self._orgs = {k.lower(): v for k, v in orgs.items()}
        self._rate = rate_limit
        self._now = now

    def organization(self, info: Any, login: str) -> OrgNode:
        org = self._orgs.get(login.lower())
        if org is None:
            raise GitHubGraphQLError(
                "NOT_FOUND", f"Could not resolve to an Organization with the login of '{login}'."
            )
        return OrgNode(org, self._now)

    def repository(self, info: Any, owner: str, name: str, **_: Any) -> RepoNode:
        org = self._orgs.get(owner.lower())
        repo = org.repo(name) if org else None
        if org is None or repo is None:
            raise GitHubGraphQLError(
                "NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'."
            )
        return RepoNode(org, repo, self._now)

    def rateLimit(self, info: Any, dryRun: bool = False) -> dict[str, Any]:
        return self._rate


class OrgNode:
    typename = "Organization"

    def __init__(self, org: Org, now: datetime) -> None:
        self._org = org
        self._now = now
        self.login = org.login
        self.name = org.login.replace("-", " ").title()
        self.id = base64.b64encode(f"O_{org.id}".encode()).decode()

    def repositories(self, info: Any, **args: Any) -> Connection:
        repos = list(self._org.repos)
        if args.get("isArchived") is not None:
            repos = [r for r in repos if r.archived == args["isArchived"]]
        if args.get("isFork") is not None:
            repos = [r for r in repos if r.fork == args["isFork"]]
        order = args.get("orderBy") or {}
        if order.get("field") == "NAME":
            repos.sort(key=lambda r: r.name.lower(), reverse=order.get("direction") == "DESC")
        elif order.get("field") == "PUSHED_AT":
            repos.sort(key=lambda r: r.pushed_at or self._now, reverse=order.get("direction") == "DESC")
        return Connection([RepoNode(self._org, r, self._now) for r in repos], args)

    def teams(self, info: Any, **args: Any) -> Connection:
        return Connection([TeamNode(self._org, t, self._now) for t in self._org.teams], args)

    def projectsV2(self, info: Any, **args: Any) -> Connection:
        nodes = [
            {"title": p.title, "closed": p.closed, "shortDescription": p.description, "number": i + 1}
            for i, p in enumerate(self._org.projects)
        ]
        return Connection(nodes, args)


class TeamNode:
    typename = "Team"

    def __init__(self, org: Org, team: Team, now: datetime) -> None:
        self._org = org
        self._team = team
        self._now = now
        self.slug = team.slug
        self.name = team.name
        self.combinedSlug = f"{org.login}/{team.slug}"

    def members(self, info: Any, **args: Any) -> Connection:
        return Connection([ActorNode(Actor(login)) for login in self._team.members], args)

    def repositories(self, info: Any, **args: Any) -> Connection:
        pairs = [
            (RepoNode(self._org, repo, self._now), perm)
            for name, perm in self._team.repos.items()
            if (repo := self._org.repo(name)) is not None
        ]
        return Connection(
            pairs,
            args,
            edge=lambda pair, cursor: {"cursor": cursor, "node": pair[0], "permission": pair[1]},
        )
