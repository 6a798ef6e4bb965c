"""The repository pass: every repository of an organisation in a few GraphQL pages, then the workflow
files of the active ones in a few more, summarised into one ``github.repo`` evidence each."""

from __future__ import annotations

import contextvars
import fnmatch
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from assay.collectors.base import CollectContext, SourceUnavailable
from assay.collectors.github.client import WORKFLOWS, GithubClient
from assay.collectors.github.config import GithubConfig
from assay.collectors.github.listing import BACKWARD, FORWARD, Listing, Page
from assay.collectors.github.queries import KEY_BLOBS, KEY_TREES, workflows_query
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
# GraphQL error paths -> the gap scope they make unknown (everything else only lands in the details)
FIELD_SCOPES = {
    "branchProtectionRule": "repos.protection",
    "rules": "repos.protection",
    "deployments": "repos.deployments",
    "environments": "repos.deployments",
    "pullRequests": "repos.pull_requests",
    "checkSuites": "repos.ci",
}


def let_others_run() -> None:
    """Release the GIL for a moment. Summarising repositories is CPU work; a thread doing it keeps the
    GIL up to the interpreter's switch interval (5 ms) at a time while the answers of the requests in
    flight wait to be read, and every chain of pages waits with them. Between two repositories is a good
    moment to let them in."""
    time.sleep(0)


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
    listing = Listing(client, org, since, config.page_size, both_ways=config.concurrency > 1)
    workflows = WorkflowReads(client, config, ctx, org)
    pages: list[Page] = []
    lock = threading.Lock()

    def on_page(page: Page) -> None:
        for node in page.nodes:
            if wanted(config, node["name"]) and ctx.owns(f"repo:{org}/{node['name']}"):
                page.summaries.append(repo_summary(node, org))
                let_others_run()
        workflows.add(page.summaries, page.way)
        with lock:
            pages.append(page)
            listed = sum(p.listed for p in pages)
        ctx.progress(f"{org}: {listed}/{listing.total} repositories read")

    try:
        listing.read(on_page)
    finally:
        workflow_gaps = workflows.finish()
    pages.sort(key=lambda p: p.offset)  # list order, whichever direction read a page
    return _pass_evidence(config, ctx, org, listing, pages, workflow_gaps, workflows.evidence)


def _pass_evidence(
    config: GithubConfig,
    ctx: CollectContext,
    org: str,
    listing: Listing,
    pages: list[Page],
    workflow_gaps: list[Evidence],
    repos: list[Evidence],
) -> list[Evidence]:
    """The pass's gaps, its ``github.repo`` evidence and the organisation's summary."""
    out: list[Evidence] = []
    scopes: dict[str, str] = {}
    for page in pages:
        for err in page.errors:
            for part in err.get("path") or []:
                if part in FIELD_SCOPES:
                    scopes.setdefault(FIELD_SCOPES[part], err.get("message", "no detail"))
        for index in page.nulls if ctx.leads else ():  # a null node has no name to shard by: shard 1 records
            out.append(_null_node(ctx, org, index, page.where, page.errors))
    for scope, message in sorted(scopes.items()) if ctx.leads else ():  # every shard sees them; one records
        endpoint = "GraphQL organization.repositories"
        out.append(ctx.gap(scope, endpoint, reason_of(message), f"{org}: {message}"))
    out.extend(workflow_gaps)
    out.extend(sorted(repos, key=lambda e: e.subject))
    if not ctx.leads:  # the organisation's summary is recorded once, by shard 1
        return out
    read = sum(len(page.summaries) for page in pages)
    summary = {
        "repos_total": listing.total,
        "repos_read": read,
        "repos_excluded": sum(page.listed for page in pages) - read,
        "page_size": listing.end_size or listing.size,
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
    ctx: CollectContext, org: str, index: int, page: str, errors: list[dict[str, Any]]
) -> Evidence:
    where = f"organization.repositories.nodes[{index}]{page}"
    message = errors_at(errors, ["organization", "repositories", "nodes", index])
    return ctx.gap(
        UNREADABLE,
        "GraphQL organization.repositories",
        reason_of(message),
        f"{org}: repository {where} came back null ({message}); it is left out of every repository count",
    )


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
    with workflows), in batches that start as soon as the pages of repositories (from either end of the
    list) fill one: they run while the next pages are read instead of after the last, so the pass's wall
    time is the paging's. A batch waits for a request slot behind pages and organisation-wide reads.

    A repository's summary is final once its workflows are settled (read, or not needed): its
    ``github.repo`` evidence is made then (``evidence``), while other requests are in flight, rather
    than all at the end of the pass."""

    ENDPOINT = "GraphQL repository.object(workflows)"

    def __init__(self, client: GithubClient, config: GithubConfig, ctx: CollectContext, org: str) -> None:
        self.client, self.config, self.ctx, self.org = client, config, ctx, org
        # per direction of the listing, so that each direction's batches are the same on every run
        self.waiting: dict[str, list[dict[str, Any]]] = {FORWARD: [], BACKWARD: []}
        self.lock = threading.Lock()
        self.evidence: list[Evidence] = []
        # More threads than slots: a batch that has its answer is summarised while the next one is sent.
        workers = 2 * config.concurrency
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="assay-github-wf")
        self.running: list[Future[list[Evidence]]] = []

    def add(self, summaries: list[dict[str, Any]], way: str = FORWARD) -> None:
        """Queue a page's repositories (read in direction ``way``); start every batch that is full."""
        ready, settled = [], []
        for summary in summaries:
            files = (summary.get("tree") or {}).get(".github/workflows")
            if files and is_active(summary, self.ctx.now):
                ready.append(summary)
            else:
                summary["workflows"] = [] if not files else None
                settled.append(summary)
        size = self.config.workflow_batch
        with self.lock:
            waiting = self.waiting[way]
            waiting.extend(ready)
            while len(waiting) >= size:
                self._start(waiting[:size])
                del waiting[:size]
        self._settle(settled)

    def finish(self) -> list[Evidence]:
        """Read what is left, wait for every batch, and return the gaps (a refused token ends the source)."""
        left = self.waiting[FORWARD] + self.waiting[BACKWARD]
        for start in range(0, len(left), self.config.workflow_batch):
            self._start(left[start : start + self.config.workflow_batch])
        self.waiting = {FORWARD: [], BACKWARD: []}
        try:
            return [gap for future in self.running for gap in future.result()]
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _start(self, batch: list[dict[str, Any]]) -> None:
        self.running.append(self.pool.submit(contextvars.copy_context().run, self._read, list(batch)))

    def _settle(self, summaries: list[dict[str, Any]]) -> None:
        made = []
        for s in summaries:
            made.append(
                self.ctx.evidence(REPO, f"{self.org}/{s['name']}", "GraphQL organization.repositories", s)
            )
            let_others_run()
        with self.lock:
            self.evidence.extend(made)

    def _read(self, batch: list[dict[str, Any]]) -> list[Evidence]:
        try:
            return self._read_batch(batch)
        finally:
            self._settle(batch)  # read or not: its workflows are as known as they will be

    def _read_batch(self, batch: list[dict[str, Any]]) -> list[Evidence]:
        names = [s["name"] for s in batch]
        try:
            with self.client.lane(WORKFLOWS):
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
