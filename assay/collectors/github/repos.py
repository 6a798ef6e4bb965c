"""The repository pass: every repository of an organisation in a few GraphQL pages, then the workflow
files of the active ones in a few more, summarised into one ``github.repo`` evidence each."""

from __future__ import annotations

import contextvars
import fnmatch
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from assay.collectors.base import CollectContext, SourceUnavailable
from assay.collectors.github.client import GithubClient
from assay.collectors.github.config import GithubConfig
from assay.collectors.github.queries import KEY_BLOBS, KEY_TREES, REPOSITORIES, workflows_query
from assay.collectors.github.summaries import (
    actor,
    blob_text,
    codeowners,
    ml_libraries,
    person,
    pr_template,
    tree_names,
    workflow_flags,
)
from assay.evidence import Evidence, UnknownReason

REPO = "github.repo"
ORG = "github.org"
HISTORY_DAYS = 90
ACTIVE_DAYS = 90
MIN_PAGE = 5
# GraphQL error paths -> the gap scope they make unknown (everything else only lands in the details)
FIELD_SCOPES = {
    "branchProtectionRule": "repos.protection",
    "rules": "repos.protection",
    "deployments": "repos.deployments",
    "environments": "repos.deployments",
    "pullRequests": "repos.pull_requests",
    "checkSuites": "repos.ci",
}


def wanted(config: GithubConfig, name: str) -> bool:
    """Whether the include/exclude patterns keep a repository."""
    if config.include and not any(fnmatch.fnmatchcase(name, p) for p in config.include):
        return False
    return not any(fnmatch.fnmatchcase(name, p) for p in config.exclude)


def read_repositories(
    client: GithubClient, config: GithubConfig, ctx: CollectContext, org: str
) -> list[Evidence]:
    """Page through the organisation's repositories, reading the workflow files the signals need alongside."""
    since = (ctx.now - timedelta(days=HISTORY_DAYS)).isoformat().replace("+00:00", "Z")
    summaries: list[dict[str, Any]] = []
    out: list[Evidence] = []
    scopes: dict[str, str] = {}
    after, size, total, listed = None, config.page_size, 0, 0
    workflows = WorkflowReads(client, config, ctx, org)
    try:
        while True:
            answer = _page(client, org, since, after, size)
            if answer is None:  # GitHub timed out on this page size: halve it and ask again
                size = max(MIN_PAGE, size // 2)
                continue
            data, errors = answer
            for err in errors:
                for part in err.get("path") or []:
                    if part in FIELD_SCOPES:
                        scopes.setdefault(FIELD_SCOPES[part], err.get("message", "no detail"))
            conn = ((data.get("organization") or {}).get("repositories")) or {}
            total = conn.get("totalCount", 0)
            page: list[dict[str, Any]] = []
            for index, node in enumerate(conn.get("nodes") or []):
                listed += 1
                if node is None:  # listed, but GitHub would not give it: a gap, never a silent drop
                    if ctx.leads:  # a null node has no name to shard by: shard 1 records it
                        out.append(_null_node(ctx, org, index, after, errors))
                    continue
                if wanted(config, node["name"]) and ctx.owns(f"repo:{org}/{node['name']}"):
                    page.append(repo_summary(node, org))
            summaries.extend(page)
            workflows.add(page)
            ctx.progress(f"{org}: {listed}/{total} repositories read")
            info = conn.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            after = info.get("endCursor")
            # GitHub prices a page by the size asked for, not the size returned: ask for no more than is left.
            size = max(1, min(size, total - listed))
    finally:
        workflow_gaps = workflows.finish()
    for scope, message in sorted(scopes.items()) if ctx.leads else ():  # every shard sees them; one records
        endpoint = "GraphQL organization.repositories"
        out.append(ctx.gap(scope, endpoint, reason_of(message), f"{org}: {message}"))
    out.extend(workflow_gaps)
    for summary in summaries:
        out.append(
            ctx.evidence(REPO, f"{org}/{summary['name']}", "GraphQL organization.repositories", summary)
        )
    if not ctx.leads:  # the organisation's summary is recorded once, by shard 1
        return out
    summary = {
        "repos_total": total,
        "repos_read": len(summaries),
        "repos_excluded": listed - len(summaries),
        "page_size": size,
        "history_days": HISTORY_DAYS,
        "include": list(config.include),
        "exclude": list(config.exclude),
    }
    if ctx.shard is not None:
        summary["shard"] = str(ctx.shard)  # repos_read counts this shard's repositories
    out.append(ctx.evidence(ORG, org, "GraphQL organization.repositories", summary))
    return out


UNREADABLE = "repos.unreadable"  # a gap scope of its own: one unreadable repository leaves the rest known


def errors_at(errors: list[dict[str, Any]], prefix: list[Any]) -> str:
    """The messages of the GraphQL errors whose path starts with ``prefix``."""
    found = [
        f"{e.get('type') or 'ERROR'}: {e.get('message') or 'no detail'}"
        for e in errors
        if list(e.get("path") or [])[: len(prefix)] == prefix
    ]
    return "; ".join(found) or "GitHub returned null without an error"


def _null_node(
    ctx: CollectContext, org: str, index: int, after: str | None, errors: list[dict[str, Any]]
) -> Evidence:
    where = f"organization.repositories.nodes[{index}]" + (f" after cursor {after}" if after else "")
    message = errors_at(errors, ["organization", "repositories", "nodes", index])
    return ctx.gap(
        UNREADABLE,
        "GraphQL organization.repositories",
        reason_of(message),
        f"{org}: repository {where} came back null ({message}); it is left out of every repository count",
    )


def _page(client: GithubClient, org: str, since: str, after: str | None, size: int) -> Any:
    from github.GithubException import GithubException

    try:
        answer = client.graphql(
            REPOSITORIES,
            {"org": org, "first": size, "after": after, "since": since},
            "GraphQL organization.repositories",
            expect=max(1, size),
        )
    except GithubException as exc:
        if exc.status in (502, 504) and size > MIN_PAGE:
            return None
        raise
    if answer.data.get("organization") is None:
        message = "; ".join(e.get("message", "") for e in answer.errors) or f"organization {org} not found"
        raise LookupError(message)
    return answer.data, answer.errors


def reason_of(message: str) -> Any:
    from assay.evidence import UnknownReason

    lowered = message.lower()
    denied = any(word in lowered for word in ("not accessible", "scope", "permission", "forbidden", "saml"))
    return UnknownReason.DENIED if denied else UnknownReason.ERROR


def is_active(summary: dict[str, Any], now: datetime) -> bool:
    pushed = summary.get("pushed_at")
    if summary.get("archived") or summary.get("fork") or not pushed:
        return False
    return datetime.fromisoformat(pushed.replace("Z", "+00:00")) >= now - timedelta(days=ACTIVE_DAYS)


class WorkflowReads:
    """Workflow contents, read only where "tests in CI" and code scanning need them (active repositories
    with workflows), in batches that start as soon as a page of repositories fills one: they run while
    the next pages are read instead of after the last, so the pass's wall time is the paging's."""

    ENDPOINT = "GraphQL repository.object(workflows)"

    def __init__(self, client: GithubClient, config: GithubConfig, ctx: CollectContext, org: str) -> None:
        self.client, self.config, self.ctx, self.org = client, config, ctx, org
        self.waiting: list[dict[str, Any]] = []
        self.pool = ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix="assay-github-wf")
        self.running: list[Future[list[Evidence]]] = []

    def add(self, summaries: list[dict[str, Any]]) -> None:
        """Queue a page's repositories; start every batch that is full."""
        for summary in summaries:
            files = (summary.get("tree") or {}).get(".github/workflows")
            if files and is_active(summary, self.ctx.now):
                self.waiting.append(summary)
            else:
                summary["workflows"] = [] if not files else None
        while len(self.waiting) >= self.config.workflow_batch:
            self._start(self.waiting[: self.config.workflow_batch])
            del self.waiting[: self.config.workflow_batch]

    def finish(self) -> list[Evidence]:
        """Read what is left, wait for every batch, and return the gaps (a refused token ends the source)."""
        if self.waiting:
            self._start(self.waiting)
            self.waiting = []
        try:
            return [gap for future in self.running for gap in future.result()]
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _start(self, batch: list[dict[str, Any]]) -> None:
        self.running.append(self.pool.submit(contextvars.copy_context().run, self._read, list(batch)))

    def _read(self, batch: list[dict[str, Any]]) -> list[Evidence]:
        names = [s["name"] for s in batch]
        try:
            answer = self.client.graphql(workflows_query(self.org, names), {}, self.ENDPOINT)
        except SourceUnavailable:
            raise
        except Exception as exc:
            message = f"{self.org}: reading the workflow files of {len(batch)} repositories failed: {exc}"
            return [self.ctx.gap("workflows", self.ENDPOINT, UnknownReason.ERROR, message)]
        gaps = []
        for i, summary in enumerate(batch):
            if answer.data.get(f"r{i}") is None or any(
                list(e.get("path") or [])[:1] == [f"r{i}"] for e in answer.errors
            ):
                message = errors_at(answer.errors, [f"r{i}"])
                gaps.append(
                    self.ctx.gap(
                        UNREADABLE,
                        self.ENDPOINT,
                        reason_of(message),
                        f"{self.org}/{summary['name']}: workflow files could not be read ({message})",
                    )
                )
                continue  # its workflows stay None: unknown, not "no workflows"
            tree = ((answer.data.get(f"r{i}") or {}).get("object")) or {}
            summary["workflows"] = [
                workflow_flags(e["name"], ((e.get("object") or {}).get("text")))
                for e in tree.get("entries") or []
                if e["name"].endswith((".yml", ".yaml"))
            ]
        self.ctx.progress(f"{self.org}: workflow files of {len(batch)} more repositories")
        return gaps


def repo_summary(node: dict[str, Any], org: str) -> dict[str, Any]:
    """One repository as its evidence stores it."""
    ref = node.get("defaultBranchRef") or {}
    target = ref.get("target") or {}
    blobs = {alias: blob_text(node.get(alias)) for alias in KEY_BLOBS}
    owners_text = next(
        (blobs[k] for k in ("codeowners", "rootCodeowners", "docsCodeowners") if blobs[k] is not None), None
    )
    history = target.get("history") or {}
    rule = ref.get("branchProtectionRule")
    prs = node.get("pullRequests") or {}
    return {
        "org": org,
        "name": node["name"],
        "archived": bool(node.get("isArchived")),
        "fork": bool(node.get("isFork")),
        "private": bool(node.get("isPrivate")),
        "pushed_at": node.get("pushedAt"),
        "created_at": node.get("createdAt"),
        "language": (node.get("primaryLanguage") or {}).get("name"),
        "topics": sorted(t["topic"]["name"] for t in (node.get("repositoryTopics") or {}).get("nodes") or []),
        "vulnerability_alerts": bool(node.get("hasVulnerabilityAlertsEnabled")),
        "labels": sorted(lb["name"] for lb in (node.get("labels") or {}).get("nodes") or []),
        "issue_templates": [
            {"name": t.get("name"), "about": t.get("about"), "file": t.get("filename")}
            for t in node.get("issueTemplates") or []
        ],
        "pr_templates": [pr_template(t) for t in node.get("pullRequestTemplates") or []],
        "tree": {path: tree_names(node.get(alias)) for alias, path in KEY_TREES.items()},
        "ml_libraries": ml_libraries(
            blobs["requirements"], blobs["pyproject"], blobs["environmentYml"], blobs["setupPy"]
        ),
        "codeowners": codeowners(owners_text, org),
        "default_branch": ref.get("name"),
        "head": {
            "committed_at": target.get("committedDate"),
            "check_suites": [
                {
                    "app": (s.get("app") or {}).get("slug"),
                    "status": s.get("status"),
                    "conclusion": s.get("conclusion"),
                    "updated_at": s.get("updatedAt"),
                    "event": (s.get("workflowRun") or {}).get("event"),
                }
                for s in ((target.get("checkSuites") or {}).get("nodes") or [])
            ],
        },
        "protection": {
            "classic": None
            if rule is None
            else {
                "approvals": int(rule.get("requiredApprovingReviewCount") or 0)
                if rule.get("requiresApprovingReviews")
                else 0,
                "status_checks": bool(rule.get("requiresStatusChecks")),
                "code_owner_reviews": bool(rule.get("requiresCodeOwnerReviews")),
            },
            "rules": [
                {
                    "type": r.get("type"),
                    "approvals": (r.get("parameters") or {}).get("requiredApprovingReviewCount"),
                }
                for r in ((ref.get("rules") or {}).get("nodes") or [])
            ],
        },
        "commits_90d": history.get("totalCount", 0),
        "commits": [
            {
                "at": c.get("committedDate"),
                "author": person(
                    ((c.get("author") or {}).get("user") or {}).get("login"),
                    (c.get("author") or {}).get("email"),
                ),
                "ci": (c.get("statusCheckRollup") or {}).get("state"),
            }
            for c in history.get("nodes") or []
        ],
        "pr_sample": [
            {
                "at": c.get("committedDate"),
                "via_pr": any(
                    p.get("merged") for p in (c.get("associatedPullRequests") or {}).get("nodes") or []
                ),
            }
            for c in ((target.get("sample") or {}).get("nodes") or [])
        ],
        "pull_requests_total": prs.get("totalCount", 0),
        "pull_requests": [
            {
                "number": p.get("number"),
                "author": actor(p.get("author")),
                "created_at": p.get("createdAt"),
                "merged_at": p.get("mergedAt"),
                "base": p.get("baseRefName"),
                "reviews": [
                    {"author": actor(r.get("author")), "state": r.get("state"), "at": r.get("submittedAt")}
                    for r in ((p.get("reviews") or {}).get("nodes") or [])
                ],
                "linked_issues": ((p.get("closingIssuesReferences") or {}).get("totalCount") or 0),
            }
            for p in prs.get("nodes") or []
        ],
        "deployments": [
            {
                "environment": d.get("environment"),
                "created_at": d.get("createdAt"),
                "state": (d.get("latestStatus") or {}).get("state"),
                "status_at": (d.get("latestStatus") or {}).get("createdAt"),
                "by_bot": ((d.get("creator") or {}).get("__typename") == "Bot"),
            }
            for d in ((node.get("deployments") or {}).get("nodes") or [])
        ],
        "environments": [
            {
                "name": e.get("name"),
                "protection": sorted(r["type"] for r in (e.get("protectionRules") or {}).get("nodes") or []),
            }
            for e in ((node.get("environments") or {}).get("nodes") or [])
        ],
        "releases_total": (node.get("releases") or {}).get("totalCount", 0),
        "releases": [r.get("createdAt") for r in ((node.get("releases") or {}).get("nodes") or [])],
        "workflows": None,
    }
