"""REST response bodies in GitHub's shapes (the tests validate them against @octokit/openapi).

Only the organisation-level endpoints the collector reads are served: the repository list (for each
repository's ``security_and_analysis``), Dependabot, code-scanning and secret-scanning alerts, installation
tokens and /rate_limit.
"""

from __future__ import annotations

from typing import Any

from assay.sandbox.github_standin.model import Alert, Org, Repo, iso

API = "https://api.github.com"
WEB = "https://github.com"

_REPO_URLS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def simple_user(login: str, ident: int, kind: str = "User") -> dict[str, Any]:
    """GitHub's ``simple-user`` object."""
    base = f"{API}/users/{login}"
    return {
        "login": login,
        "id": ident,
        "node_id": f"U_{ident:08d}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{ident}?v=4",
        "gravatar_id": "",
        "url": base,
        "html_url": f"{WEB}/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": kind,
        "site_admin": False,
    }


def simple_repository(org: Org, repo: Repo) -> dict[str, Any]:
    """GitHub's ``simple-repository`` object (also the base of ``minimal-repository``)."""
    url = f"{API}/repos/{org.login}/{repo.name}"
    body: dict[str, Any] = {
        "id": repo.id,
        "node_id": f"R_{repo.id:08d}",
        "name": repo.name,
        "full_name": f"{org.login}/{repo.name}",
        "owner": simple_user(org.login, org.id, "Organization"),
        "private": repo.private,
        "html_url": f"{WEB}/{org.login}/{repo.name}",
        "description": None,
        "fork": repo.fork,
        "url": url,
    }
    body.update({key: url + suffix for key, suffix in _REPO_URLS.items()})
    return body


def minimal_repository(org: Org, repo: Repo, with_security: bool) -> dict[str, Any]:
    """An item of GET /orgs/{org}/repos; ``security_and_analysis`` only for tokens allowed to see it."""
    body = simple_repository(org, repo)
    body.update(
        {
            "archived": repo.archived,
            "disabled": False,
            "default_branch": repo.default_branch,
            "pushed_at": iso(repo.pushed_at),
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.pushed_at),
            "language": repo.language,
            "topics": list(repo.topics),
            "visibility": "private" if repo.private else "public",
        }
    )
    if with_security:
        sec = repo.security

        def status(key: str) -> dict[str, str]:
            return {"status": "enabled" if sec.get(key) else "disabled"}

        body["security_and_analysis"] = {
            "secret_scanning": status("secret_scanning"),
            "secret_scanning_push_protection": status("push_protection"),
            "dependabot_security_updates": status("security_updates"),
            "advanced_security": status("secret_scanning"),
        }
    return body


def dependabot_alert(org: Org, repo: Repo, alert: Alert) -> dict[str, Any]:
    """An item of GET /orgs/{org}/dependabot/alerts."""
    ghsa = f"GHSA-{alert.number:04d}-{repo.id % 10000:04d}-abcd"
    package = {"ecosystem": "pip", "name": f"package-{alert.number}"}
    vulnerability = {
        "package": package,
        "severity": alert.severity,
        "vulnerable_version_range": "< 2.0.0",
        "first_patched_version": {"identifier": "2.0.0"},
    }
    fixed = alert.closed_at if alert.state == "fixed" else None
    dismissed = alert.closed_at if alert.state == "dismissed" else None
    url = f"{API}/repos/{org.login}/{repo.name}/dependabot/alerts/{alert.number}"
    return {
        "number": alert.number,
        "state": alert.state,
        "dependency": {
            "package": package,
            "manifest_path": "requirements.txt",
            "scope": "runtime",
            "relationship": "direct",
        },
        "security_advisory": {
            "ghsa_id": ghsa,
            "cve_id": None,
            "summary": f"Vulnerability in {package['name']}",
            "description": "A vulnerability in a dependency.",
            "vulnerabilities": [vulnerability],
            "severity": alert.severity,
            "cvss": {
                "score": {"critical": 9.8, "high": 7.5, "medium": 5.0}.get(alert.severity, 2.0),
                "vector_string": None,
            },
            "cwes": [{"cwe_id": "CWE-20", "name": "Improper Input Validation"}],
            "identifiers": [{"value": ghsa, "type": "GHSA"}],
            "references": [{"url": f"{WEB}/advisories/{ghsa}"}],
            "published_at": iso(alert.created_at),
            "updated_at": iso(alert.created_at),
            "withdrawn_at": None,
        },
        "security_vulnerability": vulnerability,
        "url": url,
        "html_url": f"{WEB}/{org.login}/{repo.name}/security/dependabot/{alert.number}",
        "created_at": iso(alert.created_at),
        "updated_at": iso(alert.updated_at),
        "dismissed_at": iso(dismissed),
        "dismissed_by": None,
        "dismissed_reason": "tolerable_risk" if dismissed else None,
        "dismissed_comment": None,
        "fixed_at": iso(fixed),
        "auto_dismissed_at": None,
        "repository": simple_repository(org, repo),
    }


def code_scanning_alert(org: Org, repo: Repo, alert: Alert) -> dict[str, Any]:
    """An item of GET /orgs/{org}/code-scanning/alerts."""
    url = f"{API}/repos/{org.login}/{repo.name}/code-scanning/alerts/{alert.number}"
    fixed = alert.closed_at if alert.state == "fixed" else None
    dismissed = alert.closed_at if alert.state == "dismissed" else None
    return {
        "number": alert.number,
        "created_at": iso(alert.created_at),
        "updated_at": iso(alert.updated_at),
        "fixed_at": iso(fixed),
        "url": url,
        "html_url": f"{WEB}/{org.login}/{repo.name}/security/code-scanning/{alert.number}",
        "instances_url": f"{url}/instances",
        "state": alert.state,
        "dismissed_by": None,
        "dismissed_at": iso(dismissed),
        "dismissed_reason": "won't fix" if dismissed else None,
        "dismissed_comment": None,
        "rule": {
            "id": f"py/rule-{alert.number}",
            "name": f"py/rule-{alert.number}",
            "severity": "error",
            "security_severity_level": alert.severity,
            "description": "A security weakness",
            "tags": ["security"],
        },
        "tool": {"name": "CodeQL", "version": "2.19.0", "guid": None},
        "most_recent_instance": {
            "ref": f"refs/heads/{repo.default_branch}",
            "analysis_key": ".github/workflows/codeql.yml:analyze",
            "environment": "{}",
            "category": ".github/workflows/codeql.yml:analyze",
            "state": alert.state,
            "commit_sha": repo.commits[0].oid if repo.commits else "0" * 40,
            "message": {"text": "A security weakness"},
            "location": {
                "path": "app/main.py",
                "start_line": 1,
                "end_line": 1,
                "start_column": 1,
                "end_column": 10,
            },
            "classifications": [],
        },
        "repository": simple_repository(org, repo),
    }


def secret_scanning_alert(org: Org, repo: Repo, alert: Alert) -> dict[str, Any]:
    """An item of GET /orgs/{org}/secret-scanning/alerts (the secret itself is never served)."""
    url = f"{API}/repos/{org.login}/{repo.name}/secret-scanning/alerts/{alert.number}"
    resolved = alert.closed_at if alert.state == "resolved" else None
    return {
        "number": alert.number,
        "created_at": iso(alert.created_at),
        "updated_at": iso(alert.updated_at),
        "url": url,
        "html_url": f"{WEB}/{org.login}/{repo.name}/security/secret-scanning/{alert.number}",
        "locations_url": f"{url}/locations",
        "state": alert.state,
        "resolution": "revoked" if resolved else None,
        "resolved_at": iso(resolved),
        "resolved_by": None,
        "secret_type": "github_personal_access_token",
        "secret_type_display_name": "GitHub Personal Access Token",
        "repository": simple_repository(org, repo),
        "push_protection_bypassed": False,
        "push_protection_bypassed_by": None,
        "push_protection_bypassed_at": None,
        "resolution_comment": None,
        "validity": "inactive" if resolved else "active",
        "publicly_leaked": False,
        "multi_repo": False,
    }


def basic_error(message: str, docs: str, status: int) -> dict[str, Any]:
    """GitHub's ``basic-error`` body."""
    return {"message": message, "documentation_url": docs, "status": str(status)}


def rate_limit_overview(
    core: tuple[int, int, int, int], graphql: tuple[int, int, int, int]
) -> dict[str, Any]:
    """GET /rate_limit: the token's windows."""

    def window(values: tuple[int, int, int, int]) -> dict[str, int]:
        limit, remaining, used, reset = values
        return {"limit": limit, "remaining": remaining, "reset": reset, "used": used}

    search = (30, 30, 0, core[3])
    return {
        "resources": {"core": window(core), "graphql": window(graphql), "search": window(search)},
        "rate": window(core),
    }
