"""The REST half of the stand-in: routing, scope checks, filters and GitHub's two pagination styles.

Dependabot's organisation endpoint pages by cursor (``after``); the others by page number. Both announce
the next page in a ``Link`` header, as GitHub does.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from assay.sandbox.github_standin import payloads
from assay.sandbox.github_standin.limits import Grant
from assay.sandbox.github_standin.model import Alert, Org, Repo

DOCS = "https://docs.github.com/rest"


@dataclass
class RestResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertEndpoint:
    kind: str
    scopes: tuple[str, ...]  # classic scopes, any of which is enough
    permission: str  # fine-grained / app permission
    docs: str
    build: Callable[[Org, Repo, Alert], dict[str, Any]]
    cursor: bool = False


ALERT_ENDPOINTS = {
    "dependabot/alerts": AlertEndpoint(
        "dependabot",
        ("security_events",),
        "vulnerability_alerts=read",
        f"{DOCS}/dependabot/alerts#list-dependabot-alerts-for-an-organization",
        payloads.dependabot_alert,
        cursor=True,
    ),
    "code-scanning/alerts": AlertEndpoint(
        "code_scanning",
        ("security_events",),
        "security_events=read",
        f"{DOCS}/code-scanning/code-scanning#list-code-scanning-alerts-for-an-organization",
        payloads.code_scanning_alert,
    ),
    "secret-scanning/alerts": AlertEndpoint(
        "secret_scanning",
        ("repo", "security_events"),
        "secret_scanning_alerts=read",
        f"{DOCS}/secret-scanning/secret-scanning#list-secret-scanning-alerts-for-an-organization",
        payloads.secret_scanning_alert,
    ),
}

_ORG_PATH = re.compile(r"^/orgs/(?P<org>[^/]+)/(?P<rest>.+)$")


def handle_rest(
    method: str, path: str, query: dict[str, str], orgs: dict[str, Org], grant: Grant, base: str
) -> RestResponse:
    """Answer one REST request below the API prefix (``path`` starts with ``/``)."""
    if method == "GET" and path == "/rate_limit":
        return RestResponse(
            200, payloads.rate_limit_overview(grant.core.snapshot(), grant.graphql.snapshot())
        )
    match = _ORG_PATH.match(path)
    if method != "GET" or match is None:
        return not_found()
    org = orgs.get(match["org"].lower())
    if org is None:
        return not_found()
    rest = match["rest"]
    if rest == "repos":
        return _repos(org, query, grant, f"{base}{path}")
    endpoint = ALERT_ENDPOINTS.get(rest)
    if endpoint is None:
        return not_found()
    if not any(grant.allows(scope, endpoint.permission) for scope in endpoint.scopes):
        return forbidden(grant, endpoint.scopes[0], endpoint.permission, endpoint.docs)
    if endpoint.kind in org.disabled_alerts:
        return not_found(endpoint.docs)
    return _alerts(org, endpoint, query, f"{base}{path}")


def not_found(docs: str = DOCS) -> RestResponse:
    return RestResponse(404, payloads.basic_error("Not Found", docs, 404))


def forbidden(grant: Grant, scope: str, permission: str, docs: str) -> RestResponse:
    """GitHub's 403 for a token without the right scope or permission, with the headers that name it."""
    if grant.kind == "classic":
        headers = {"X-Accepted-OAuth-Scopes": scope}
        message = "Resource not accessible by personal access token"
    else:
        headers = {"X-Accepted-GitHub-Permissions": permission}
        message = (
            "Resource not accessible by integration"
            if grant.kind == "app"
            else "Resource not accessible by personal access token"
        )
    return RestResponse(403, payloads.basic_error(message, docs, 403), headers)


def _per_page(query: dict[str, str]) -> int:
    try:
        return max(1, min(100, int(query.get("per_page", "30"))))
    except ValueError:
        return 30


def _page_links(url: str, query: dict[str, str], page: int, last: int) -> str:
    def link(n: int, rel: str) -> str:
        return f'<{url}?{urlencode({**query, "page": n})}>; rel="{rel}"'

    parts = []
    if page < last:
        parts += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        parts += [link(1, "first"), link(page - 1, "prev")]
    return ", ".join(parts)


def _paged(
    items: list[Any], query: dict[str, str], url: str, build: Callable[[Any], Any] = lambda x: x
) -> RestResponse:
    per_page = _per_page(query)
    try:
        page = max(1, int(query.get("page", "1")))
    except ValueError:
        page = 1
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    link = _page_links(url, query, page, last)
    return RestResponse(200, [build(i) for i in chunk], {"Link": link} if link else {})


def _cursor_paged(
    items: list[Any], query: dict[str, str], url: str, build: Callable[[Any], Any] = lambda x: x
) -> RestResponse:
    if "page" in query:
        return RestResponse(
            400,
            payloads.basic_error("Pagination using the `page` parameter is not supported.", DOCS, 400),
        )
    per_page = _per_page(query)
    start = 0
    if query.get("after"):
        try:
            start = int(base64.b64decode(query["after"]).decode().split(":")[1]) + 1
        except (ValueError, IndexError):
            return RestResponse(400, payloads.basic_error("Invalid cursor", DOCS, 400))
    chunk = items[start : start + per_page]
    headers = {}
    if start + per_page < len(items):
        cursor = base64.b64encode(f"cursor:{start + per_page - 1}".encode()).decode()
        params = {k: v for k, v in query.items() if k != "after"}
        headers["Link"] = f'<{url}?{urlencode({**params, "after": cursor})}>; rel="next"'
    return RestResponse(200, [build(i) for i in chunk], headers)


def _repos(org: Org, query: dict[str, str], grant: Grant, url: str) -> RestResponse:
    with_security = grant.allows("repo", "administration=read")
    repos = sorted(org.repos, key=lambda r: r.name.lower())
    kind = query.get("type", "all")
    if kind == "forks":
        repos = [r for r in repos if r.fork]
    elif kind == "sources":
        repos = [r for r in repos if not r.fork]
    return _paged(repos, query, url, lambda r: payloads.minimal_repository(org, r, with_security))


def _alerts(org: Org, endpoint: AlertEndpoint, query: dict[str, str], url: str) -> RestResponse:
    states = {s for s in query.get("state", "").split(",") if s}
    severities = {s for s in query.get("severity", "").split(",") if s}
    pairs = [
        (repo, alert)
        for repo in org.repos
        for alert in repo.alerts
        if alert.kind == endpoint.kind
        and (not states or alert.state in states)
        and (not severities or alert.severity in severities)
    ]
    key = query.get("sort", "created")
    pairs.sort(
        key=lambda pair: (pair[1].updated_at if key == "updated" else pair[1].created_at, pair[1].number),
        reverse=query.get("direction", "desc") == "desc",
    )
    pager = _cursor_paged if endpoint.cursor else _paged
    return pager(pairs, query, url, lambda pair: endpoint.build(org, pair[0], pair[1]))
