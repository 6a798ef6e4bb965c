"""Organisation-wide reads: teams and projects (GraphQL), security settings and the three alert lists
(REST, one paginated call for the whole organisation instead of one per repository)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from assay.collectors.base import CollectContext, SourceUnavailable
from assay.collectors.github.client import GithubClient
from assay.collectors.github.config import GithubConfig
from assay.collectors.github.queries import PROJECTS, TEAMS
from assay.collectors.github.repos import errors_at, reason_of, wanted
from assay.collectors.github.summaries import person
from assay.evidence import Evidence, UnknownReason

TEAM = "github.team"
PROJECTS_KIND = "github.projects"
SECURITY = "github.security_settings"
ALERTS = "github.alerts"
ALERT_WINDOW_DAYS = 90


# What each alert list needs, for the message of a denied read: (classic scope, fine-grained permission).
ALERT_SOURCES: dict[str, dict[str, Any]] = {
    "dependabot": {
        "path": "/orgs/{org}/dependabot/alerts",
        "open": {"state": "open", "severity": "critical"},
        "closed": {"state": "fixed", "sort": "updated", "direction": "desc"},
        "closed_at": "fixed_at",
        "needs": ("security_events", "Dependabot alerts: read (vulnerability_alerts=read)"),
    },
    "code_scanning": {
        "path": "/orgs/{org}/code-scanning/alerts",
        "open": {"state": "open", "severity": "critical"},
        "closed": {"state": "fixed", "sort": "updated", "direction": "desc"},
        "closed_at": "fixed_at",
        "needs": ("security_events", "Code scanning alerts: read (security_events=read)"),
    },
    "secret_scanning": {
        "path": "/orgs/{org}/secret-scanning/alerts",
        "open": {"state": "open"},
        "closed": {"state": "resolved", "sort": "updated", "direction": "desc"},
        "closed_at": "resolved_at",
        "needs": ("security_events", "Secret scanning alerts: read (secret_scanning_alerts=read)"),
    },
}


def denied_message(what: str, exc: Any, needs: tuple[str, str]) -> str:
    """Name the scope a 403/404 says is missing (GitHub's own headers first, then what assay knows)."""
    headers = {k.lower(): v for k, v in (getattr(exc, "headers", None) or {}).items()}
    said = headers.get("x-accepted-github-permissions") or headers.get("x-accepted-oauth-scopes")
    message = (
        (getattr(exc, "data", None) or {}).get("message")
        if isinstance(getattr(exc, "data", None), dict)
        else None
    )
    granted = headers.get("x-oauth-scopes")
    detail = f"GitHub answered {exc.status} {message or ''}".strip()
    need = f"the token needs scope {needs[0]} (fine-grained token or GitHub App: {needs[1]})"
    if said:
        need += f"; GitHub asks for: {said}"
    if granted is not None:
        need += f"; the token has: {granted or 'no scopes'}"
    return f"{what}: {detail}; {need}"


def read_alerts(
    client: GithubClient, config: GithubConfig, ctx: CollectContext, org: str, kind: str
) -> list[Evidence]:
    """Open critical alerts and those closed within the window, for one alert type of one organisation."""
    from github.GithubException import GithubException

    spec = ALERT_SOURCES[kind]
    path = spec["path"].format(org=org)
    endpoint = "GET " + spec["path"]
    since = ctx.now - timedelta(days=ALERT_WINDOW_DAYS)
    scope = f"alerts.{kind}"
    try:
        open_alerts = [
            _alert(a, None) for page in client.rest_pages(path, spec["open"], endpoint) for a in page
        ]
        closed: list[dict[str, Any]] = []

        def old(page: list[Any]) -> bool:
            return not page or _ts(page[-1].get("updated_at")) < since

        for page in client.rest_pages(path, spec["closed"], endpoint, stop=old):
            closed.extend(_alert(a, spec["closed_at"]) for a in page)
    except GithubException as exc:
        if exc.status in (401, 403, 404):
            message = denied_message(f"{org} {kind.replace('_', ' ')} alerts", exc, spec["needs"])
            return [ctx.gap(scope, endpoint, UnknownReason.DENIED, message)]
        return [ctx.gap(scope, endpoint, UnknownReason.ERROR, f"{org}: {endpoint} failed: {exc.status}")]
    except SourceUnavailable:
        raise
    except Exception as exc:  # rate limit beyond the configured wait, connection lost
        return [ctx.gap(scope, endpoint, UnknownReason.ERROR, f"{org}: {endpoint} failed: {exc}")]
    keep = [a for a in open_alerts if wanted(config, a["repo"])]
    fixed = [
        a for a in closed if wanted(config, a["repo"]) and a["closed_at"] and _ts(a["closed_at"]) >= since
    ]
    data = {"type": kind, "window_days": ALERT_WINDOW_DAYS, "open_critical": keep, "closed": fixed}
    return [ctx.evidence(ALERTS, f"{org}/{kind}", endpoint, data)]


def _alert(item: dict[str, Any], closed_field: str | None) -> dict[str, Any]:
    closed = (item.get(closed_field) or item.get("updated_at")) if closed_field else None
    severity = (
        (item.get("security_advisory") or {}).get("severity")
        or (item.get("rule") or {}).get("security_severity_level")
        or ("critical" if "secret_type" in item else None)
    )
    return {
        "repo": (item.get("repository") or {}).get("name", ""),
        "number": item.get("number"),
        "severity": severity,
        "created_at": item.get("created_at"),
        "closed_at": closed,
    }


def _ts(text: str | None) -> datetime:
    return datetime.fromisoformat((text or "1970-01-01T00:00:00Z").replace("Z", "+00:00"))


def read_security_settings(
    client: GithubClient, config: GithubConfig, ctx: CollectContext, org: str
) -> list[Evidence]:
    """Secret scanning, push protection and Dependabot security updates per repository (one list call)."""
    from github.GithubException import GithubException

    endpoint = "GET /orgs/{org}/repos"
    repos: dict[str, dict[str, bool] | None] = {}
    try:
        for page in client.rest_pages(f"/orgs/{org}/repos", {"type": "all"}, endpoint):
            for item in page:
                if not wanted(config, item.get("name", "")):
                    continue
                sa = item.get("security_and_analysis")
                repos[item["name"]] = (
                    None
                    if sa is None
                    else {
                        "secret_scanning": _on(sa, "secret_scanning"),
                        "push_protection": _on(sa, "secret_scanning_push_protection"),
                        "security_updates": _on(sa, "dependabot_security_updates"),
                    }
                )
    except GithubException as exc:
        reason = UnknownReason.DENIED if exc.status in (401, 403, 404) else UnknownReason.ERROR
        msg = denied_message(f"{org} repository security settings", exc, ("repo", "Administration: read"))
        return [ctx.gap("security_settings", endpoint, reason, msg)]
    except SourceUnavailable:
        raise
    except Exception as exc:
        return [
            ctx.gap("security_settings", endpoint, UnknownReason.ERROR, f"{org}: {endpoint} failed: {exc}")
        ]
    out = []
    if repos and all(v is None for v in repos.values()):
        out.append(
            ctx.gap(
                "security_settings",
                endpoint,
                UnknownReason.DENIED,
                f"{org}: GitHub shows repositories' security_and_analysis only to repository admins and "
                "security managers; use such an account's token (fine-grained token or GitHub App: "
                "Administration: read)",
            )
        )
    out.append(ctx.evidence(SECURITY, org, endpoint, {"repos": repos}))
    return out


def _on(sa: dict[str, Any], key: str) -> bool:
    return (sa.get(key) or {}).get("status") == "enabled"


def _refused(
    ctx: CollectContext, org: str, scope: str, endpoint: str, exc: Any, needs: tuple[str, str]
) -> Evidence:
    """A read GitHub answered with an HTTP error: denied (naming the scope) for 401/403/404, else error."""
    if exc.status in (401, 403, 404):
        message = denied_message(f"{org} {scope}", exc, needs)
        return ctx.gap(scope, endpoint, UnknownReason.DENIED, message)
    return ctx.gap(scope, endpoint, UnknownReason.ERROR, f"{org}: {endpoint} failed: HTTP {exc.status}")


def read_teams(client: GithubClient, config: GithubConfig, ctx: CollectContext, org: str) -> list[Evidence]:
    """Every team with its members (pseudonymised) and the repositories it has access to."""
    from github.GithubException import GithubException

    out: list[Evidence] = []
    after = None
    endpoint = "GraphQL organization.teams"
    while True:
        try:
            answer = client.graphql(TEAMS, {"org": org, "after": after}, endpoint, expect=2)
        except SourceUnavailable:
            raise
        except GithubException as exc:
            return [_refused(ctx, org, "teams", endpoint, exc, ("read:org", "Members: read"))]
        except Exception as exc:
            return [ctx.gap("teams", endpoint, UnknownReason.ERROR, f"{org}: reading teams failed: {exc}")]
        conn = ((answer.data.get("organization") or {}).get("teams")) or None
        if conn is None:
            message = "; ".join(e.get("message", "") for e in answer.errors) or "no teams visible"
            reason = UnknownReason.DENIED if answer.errors else UnknownReason.ERROR
            return [
                ctx.gap(
                    "teams",
                    endpoint,
                    reason,
                    f"{org}: {message} (classic token: read:org; "
                    "fine-grained token or GitHub App: Members: read)",
                )
            ]
        for index, team in enumerate(conn.get("nodes") or []):
            if team is None:  # listed but not readable: a gap naming it, never a silent drop
                message = errors_at(answer.errors, ["organization", "teams", "nodes", index])
                where = f"organization.teams.nodes[{index}]" + (f" after cursor {after}" if after else "")
                out.append(ctx.gap("teams", endpoint, reason_of(message), f"{org}: team {where}: {message}"))
                continue
            members = team.get("members") or {}
            repos = team.get("repositories") or {}
            edges = [e for e in repos.get("edges") or [] if (e or {}).get("node")]
            if len(edges) < len(repos.get("edges") or []):
                why = errors_at(answer.errors, ["organization", "teams"])
                out.append(
                    ctx.gap(
                        "teams",
                        endpoint,
                        UnknownReason.DENIED,
                        f"{org}/{team.get('slug')}: {len(repos['edges']) - len(edges)} of the team's "
                        f"repositories came back null ({why})",
                    )
                )
            data = {
                "members": sorted(
                    {p for m in members.get("nodes") or [] if m and (p := person(m.get("login")))}
                ),
                "members_total": members.get("totalCount", 0),
                "repos": {
                    e["node"]["name"]: e.get("permission") for e in edges if wanted(config, e["node"]["name"])
                },
                "repos_total": repos.get("totalCount", 0),
            }
            out.append(ctx.evidence(TEAM, f"{org}/{team['slug']}", endpoint, data))
        info = conn.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return out
        after = info.get("endCursor")


def read_projects(
    client: GithubClient, config: GithubConfig, ctx: CollectContext, org: str
) -> list[Evidence]:
    """Project boards' titles: an AI portfolio or intake board shows an intake process."""
    from github.GithubException import GithubException

    endpoint = "GraphQL organization.projectsV2"
    try:
        answer = client.graphql(PROJECTS, {"org": org}, endpoint)
    except SourceUnavailable:
        raise
    except GithubException as exc:
        return [_refused(ctx, org, "projects", endpoint, exc, ("read:project", "Projects: read"))]
    except Exception as exc:
        return [ctx.gap("projects", endpoint, UnknownReason.ERROR, f"{org}: reading projects failed: {exc}")]
    conn = ((answer.data.get("organization") or {}).get("projectsV2")) or None
    if conn is None:
        message = "; ".join(e.get("message", "") for e in answer.errors) or "no projects visible"
        return [
            ctx.gap(
                "projects",
                endpoint,
                UnknownReason.DENIED,
                f"{org}: {message} (classic token: "
                "read:project; fine-grained token or GitHub App: Projects: read)",
            )
        ]
    projects = [
        {
            "title": p.get("title", ""),
            "closed": bool(p.get("closed")),
            "description": p.get("shortDescription"),
        }
        for p in conn.get("nodes") or []
    ]
    return [ctx.evidence(PROJECTS_KIND, org, endpoint, {"projects": projects})]
