"""GraphQL resolvers for a repository and what hangs off it: trees and blobs, the default branch, its
commits and checks, pull requests, deployments and environments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assay.sandbox.github_standin.connection import ActorNode, Connection
from assay.sandbox.github_standin.model import (
    CheckSuite,
    Commit,
    Deployment,
    Environment,
    Org,
    PullRequest,
    Repo,
    Review,
    iso,
    oid_for,
)
from assay.sandbox.github_standin.tree_nodes import git_object, issue_templates


def _topic(name: str) -> dict[str, Any]:
    return {"topic": {"name": name}}


class RepoNode:
    typename = "Repository"

    def __init__(self, org: Org, repo: Repo, now: datetime) -> None:
        self._org = org
        self._repo = repo
        self._now = now
        self.name = repo.name
        self.nameWithOwner = f"{org.login}/{repo.name}"
        self.isArchived = repo.archived
        self.isFork = repo.fork
        self.isPrivate = repo.private
        self.pushedAt = iso(repo.pushed_at)
        self.createdAt = iso(repo.created_at)
        self.hasVulnerabilityAlertsEnabled = repo.vulnerability_alerts
        self.primaryLanguage = {"name": repo.language, "color": None} if repo.language else None
        self.url = f"https://github.com/{org.login}/{repo.name}"
        self.databaseId = repo.id

    def repositoryTopics(self, info: Any, **args: Any) -> Connection:
        return Connection([_topic(t) for t in self._repo.topics], args)

    def labels(self, info: Any, **args: Any) -> Connection:
        return Connection([{"name": name, "color": "ededed"} for name in self._repo.labels], args)

    def issueTemplates(self, info: Any) -> list[dict[str, Any]]:
        return issue_templates(self._repo.files)

    def pullRequestTemplates(self, info: Any) -> list[dict[str, Any]]:
        return [
            {"filename": path.rsplit("/", 1)[-1], "body": text}
            for path, text in sorted(self._repo.files.items())
            if path.lower()
            in {
                ".github/pull_request_template.md",
                "pull_request_template.md",
                "docs/pull_request_template.md",
            }
        ]

    def object(self, info: Any, expression: str | None = None, oid: str | None = None) -> Any:
        if not expression or ":" not in expression:
            return CommitNode(self._repo, 0) if self._repo.commits and expression else None
        rev, _, path = expression.partition(":")
        if rev not in ("HEAD", self._repo.default_branch) or not self._repo.commits:
            return None
        return git_object(self._repo, path.strip("/"))

    def defaultBranchRef(self, info: Any) -> RefNode | None:
        return RefNode(self._repo) if self._repo.commits else None

    def pullRequests(self, info: Any, **args: Any) -> Connection:
        states = args.get("states")
        prs = self._repo.pull_requests if not states or "MERGED" in states else []
        if args.get("baseRefName"):
            prs = [p for p in prs if p.base == args["baseRefName"]]
        return Connection([PullRequestNode(self._repo, p) for p in prs], args)

    def deployments(self, info: Any, **args: Any) -> Connection:
        deps = self._repo.deployments
        if args.get("environments"):
            deps = [d for d in deps if d.environment in args["environments"]]
        return Connection([DeploymentNode(d) for d in deps], args)

    def environments(self, info: Any, **args: Any) -> Connection:
        return Connection([EnvironmentNode(e) for e in self._repo.environments], args)

    def releases(self, info: Any, **args: Any) -> Connection:
        nodes = [
            {"createdAt": iso(ts), "publishedAt": iso(ts), "tagName": f"v1.{i}.0", "name": f"v1.{i}.0"}
            for i, ts in enumerate(self._repo.releases)
        ]
        return Connection(nodes, args)


class RefNode:
    typename = "Ref"

    def __init__(self, repo: Repo) -> None:
        self._repo = repo
        self.name = repo.default_branch
        self.prefix = "refs/heads/"
        rule = repo.protection
        self.branchProtectionRule = (
            {
                "pattern": repo.default_branch,
                "requiresApprovingReviews": bool(rule.get("approvals")),
                "requiredApprovingReviewCount": int(rule.get("approvals") or 0),  # type: ignore[call-overload]
                "requiresStatusChecks": bool(rule.get("status_checks")),
                "requiresCodeOwnerReviews": bool(rule.get("code_owners")),
                "isAdminEnforced": bool(rule.get("admins")),
            }
            if rule is not None
            else None
        )

    def target(self, info: Any) -> CommitNode:
        return CommitNode(self._repo, 0)

    def rules(self, info: Any, **args: Any) -> Connection:
        return Connection([RuleNode(r) for r in self._repo.rules], args)


class RuleNode:
    typename = "RepositoryRule"

    def __init__(self, rule: dict[str, Any]) -> None:
        self.type = rule["type"]
        self.id = oid_for("rule", rule)
        if rule["type"] == "PULL_REQUEST":
            self.parameters: Any = _PullRequestParameters(int(rule.get("approvals", 1)))
        elif rule["type"] == "REQUIRED_STATUS_CHECKS":
            self.parameters = {
                "typename": "RequiredStatusChecksParameters",
                "requiredStatusChecks": [{"context": "ci", "integrationId": None}],
                "strictRequiredStatusChecksPolicy": False,
                "doNotEnforceOnCreate": False,
            }
        else:
            self.parameters = None


class _PullRequestParameters:
    typename = "PullRequestParameters"

    def __init__(self, approvals: int) -> None:
        self.requiredApprovingReviewCount = approvals
        self.dismissStaleReviewsOnPush = False
        self.requireCodeOwnerReview = False
        self.requireLastPushApproval = False
        self.requiredReviewThreadResolution = False
        self.allowedMergeMethods = ["MERGE", "SQUASH", "REBASE"]


class CommitNode:
    typename = "Commit"

    def __init__(self, repo: Repo, index: int) -> None:
        self._repo = repo
        self._index = index
        commit: Commit = repo.commits[index]
        self._commit = commit
        self.oid = commit.oid
        self.abbreviatedOid = commit.oid[:7]
        self.committedDate = iso(commit.at)
        self.authoredDate = iso(commit.at)
        self.messageHeadline = f"change {commit.oid[:7]}"
        self.statusCheckRollup = {"state": commit.rollup} if commit.rollup else None

    def author(self, info: Any) -> dict[str, Any]:
        actor = self._commit.author
        return {
            "name": actor.login,
            "email": actor.noreply,
            "date": iso(self._commit.at),
            "user": None if actor.bot else {"login": actor.login},
        }

    def committer(self, info: Any) -> dict[str, Any]:
        return self.author(info)

    def checkSuites(self, info: Any, **args: Any) -> Connection:
        suites = self._repo.head_suites if self._index == 0 else []
        return Connection([CheckSuiteNode(s) for s in suites], args)

    def history(self, info: Any, **args: Any) -> Connection:
        since = _parse(args.get("since"))
        until = _parse(args.get("until"))
        indices = [
            i
            for i in range(self._index, len(self._repo.commits))
            if (since is None or self._repo.commits[i].at >= since)
            and (until is None or self._repo.commits[i].at <= until)
        ]
        return Connection([CommitNode(self._repo, i) for i in indices], args)

    def associatedPullRequests(self, info: Any, **args: Any) -> Connection:
        number = self._commit.pull_request
        prs = [p for p in self._repo.pull_requests if p.number == number] if number else []
        return Connection([PullRequestNode(self._repo, p) for p in prs], args)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


class CheckSuiteNode:
    typename = "CheckSuite"

    def __init__(self, suite: CheckSuite) -> None:
        self.app = {"slug": suite.app, "name": suite.app.replace("-", " ").title()}
        self.status = suite.status
        self.conclusion = suite.conclusion
        self.updatedAt = iso(suite.updated_at)
        self.createdAt = iso(suite.updated_at)
        self.workflowRun = (
            {"event": suite.event, "runNumber": 1, "workflow": {"name": "CI"}}
            if suite.app == "github-actions"
            else None
        )


class PullRequestNode:
    typename = "PullRequest"

    def __init__(self, repo: Repo, pr: PullRequest) -> None:
        self._pr = pr
        self.number = pr.number
        self.title = f"change #{pr.number}"
        self.createdAt = iso(pr.created_at)
        self.mergedAt = iso(pr.merged_at)
        self.updatedAt = iso(pr.updated_at)
        self.closedAt = iso(pr.merged_at)
        self.merged = True
        self.state = "MERGED"
        self.isDraft = False
        self.baseRefName = pr.base
        self.author = ActorNode(pr.author)
        self.mergeCommit = {"oid": pr.merge_oid, "typename": "Commit"}

    def reviews(self, info: Any, **args: Any) -> Connection:
        reviews: list[Review] = self._pr.reviews
        if args.get("states"):
            reviews = [r for r in reviews if r.state in args["states"]]
        return Connection([_review(r) for r in reviews], args)

    def closingIssuesReferences(self, info: Any, **args: Any) -> Connection:
        issues = [{"number": 1000 + i, "title": f"issue {i}"} for i in range(self._pr.closing_issues)]
        return Connection(issues, args)


def _review(review: Review) -> dict[str, Any]:
    return {
        "state": review.state,
        "submittedAt": iso(review.at),
        "createdAt": iso(review.at),
        "author": ActorNode(review.author),
    }


class DeploymentNode:
    typename = "Deployment"

    def __init__(self, dep: Deployment) -> None:
        self.environment = dep.environment
        self.originalEnvironment = dep.environment
        self.createdAt = iso(dep.created_at)
        self.updatedAt = iso(dep.created_at)
        self.task = dep.task
        self.creator = ActorNode(dep.creator)
        self.state = {"SUCCESS": "ACTIVE", "FAILURE": "FAILURE", "ERROR": "ERROR"}.get(dep.state, "PENDING")
        self.latestStatus = {"state": dep.state, "createdAt": iso(dep.created_at)}


class EnvironmentNode:
    typename = "Environment"

    def __init__(self, env: Environment) -> None:
        self._env = env
        self.name = env.name

    def protectionRules(self, info: Any, **args: Any) -> Connection:
        rules = [{"type": t, "timeout": 0, "preventSelfReview": False} for t in self._env.protection]
        return Connection(rules, args)
