"""Real GitHub answers (PyGithub's recorded api.github.com exchanges, GitHub's OpenAPI examples and
GraphQL answers built from them, see fixtures/recorded/README.md) replayed to PyGithub running the
GitHub collector."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from assay.collectors.github import GithubCollector, GithubConfig
from assay.sandbox.replay import ReplayServer, Request, json_answer, load_recordings
from tests.replay.replaying import gaps, of_kind, recorded, run, run_of

TOKEN_ENV = "ASSAY_REPLAY_GITHUB_TOKEN"
# The dependabot recording was made on Sun, 21 Jan 2024; the PyGithub repository one on 17 Sep 2024.
BEAVER_NOW = datetime(2024, 1, 21, 3, 0, tzinfo=UTC)
PYGITHUB_NOW = datetime(2024, 9, 17, 11, 0, tzinfo=UTC)


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    monkeypatch.setenv(TOKEN_ENV, "ghp_replayed")
    with ReplayServer(load_recordings(recorded("github"))) as server:
        yield server


def config(server: ReplayServer, org: str, **extra: object) -> GithubConfig:
    return GithubConfig(
        orgs=[org], base_url=server.base_url, token_env=TOKEN_ENV, retry_backoff_seconds=0.01, **extra
    )


def test_beaversoftware_alerts_repositories_and_missing_scopes(replay: ReplayServer) -> None:
    bundle = run(GithubCollector, config(replay, "BeaverSoftware"), now=BEAVER_NOW)
    alerts = {e.data["type"]: e.data for e in of_kind(bundle, "github.alerts")}
    # The recording lists 8 Dependabot alerts; one is open and critical: #5 in opensource-management-portal.
    assert [(a["repo"], a["number"]) for a in alerts["dependabot"]["open_critical"]] == [
        ("opensource-management-portal", 5)
    ]
    # GitHub's code-scanning example has no alert with a critical security severity.
    assert alerts["code_scanning"]["open_critical"] == []
    org = of_kind(bundle, "github.org")[0].data
    assert org["repos_total"] == 2 and org["repos_read"] == 2
    repos = sorted(e.subject for e in of_kind(bundle, "github.repo"))
    assert repos == ["BeaverSoftware/FatherBeaver", "BeaverSoftware/TestPyGithub"]
    found = {g["subject"]: g for g in gaps(bundle, "github")}
    # The recorded token (X-OAuth-Scopes: admin:repo_hook, repo, workflow, write:packages) lacks read:org
    # and read:project: teams and projects are denied with the scope named.
    assert found["teams"]["reason"] == "denied" and "read:org" in found["teams"]["message"]
    assert found["projects"]["reason"] == "denied" and "read:project" in found["projects"]["message"]
    # The 2012 repository list has no security_and_analysis: only admins see it.
    assert found["security_settings"]["reason"] == "denied"
    assert run_of(bundle, "github").status == "partial"


def test_a_null_repository_node_and_a_null_batched_repository_are_gaps(replay: ReplayServer) -> None:
    bundle = run(GithubCollector, config(replay, "PyGithub"), now=PYGITHUB_NOW)
    found = gaps(bundle, "github")
    listing = [g for g in found if g["endpoint"] == "GraphQL organization.repositories"]
    assert len(listing) == 1, found
    assert "organization.repositories.nodes[1]" in listing[0]["message"]
    assert "Resource not accessible by integration" in listing[0]["message"]
    workflows = [g for g in found if g["endpoint"] == "GraphQL repository.object(workflows)"]
    assert len(workflows) == 1, found
    assert "PyGithub/PyGithub" in workflows[0]["message"] and "Could not resolve" in workflows[0]["message"]
    # The repository whose workflow files could not be read is not reported as having none.
    repo = of_kind(bundle, "github.repo")[0].data
    assert repo["name"] == "PyGithub" and repo["workflows"] is None
    assert run_of(bundle, "github").status == "partial"


def _recorded(name: str) -> tuple[int, dict[str, str], object]:
    response = next(r for r in load_recordings(recorded("github")) if r.name == name).response
    return response["status"], response.get("headers") or {}, response["body"]


@pytest.mark.parametrize("name", ["rest_server_error", "rest_not_found"])
def test_nothing_readable_is_failed(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    status, headers, body = _recorded(name)
    monkeypatch.setenv(TOKEN_ENV, "ghp_replayed")
    with ReplayServer(fault=lambda req: json_answer(status, body, headers)) as server:
        bundle = run(GithubCollector, config(server, "BeaverSoftware", max_retries=1))
    result = run_of(bundle, "github")
    assert result.status == "failed", [e.message for e in result.errors]


def test_unreachable_is_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "ghp_replayed")
    server = ReplayServer().start()
    url = server.base_url
    server.stop()  # nothing listens there any more
    section = GithubConfig(
        orgs=["BeaverSoftware"], base_url=url, token_env=TOKEN_ENV, retry_backoff_seconds=0.01, max_retries=1
    )
    result = run_of(run(GithubCollector, section), "github")
    assert result.status == "failed", [e.message for e in result.errors]


def test_bad_credentials_are_denied_naming_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    status, headers, body = _recorded("rest_bad_credentials")
    monkeypatch.setenv(TOKEN_ENV, "ghp_revoked")
    with ReplayServer(fault=lambda req: json_answer(status, body, headers)) as server:
        bundle = run(GithubCollector, config(server, "BeaverSoftware"))
    result = run_of(bundle, "github")
    assert result.status == "failed"
    assert {e.reason.value for e in result.errors} == {"denied"}, result.errors
    assert all(TOKEN_ENV in e.message and "read:org" in e.message for e in result.errors)
    assert "ghp_revoked" not in str(result.errors)


def test_forbidden_everywhere_is_denied_naming_the_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    body = {
        "message": "Resource not accessible by personal access token",
        "documentation_url": "https://docs.github.com/rest",
        "status": "403",
    }
    headers = {"X-Accepted-GitHub-Permissions": "metadata=read", "X-OAuth-Scopes": ""}
    monkeypatch.setenv(TOKEN_ENV, "ghp_replayed")
    with ReplayServer(fault=lambda req: json_answer(403, body, headers)) as server:
        bundle = run(GithubCollector, config(server, "BeaverSoftware"))
    result = run_of(bundle, "github")
    assert result.status == "failed", result.errors
    assert result.errors and {e.reason.value for e in result.errors} == {"denied"}, result.errors
    assert all("scope" in e.message or "permission" in e.message for e in result.errors), result.errors


def test_secret_scanning_and_security_settings_of_the_github_org(replay: ReplayServer) -> None:
    bundle = run(GithubCollector, config(replay, "github"), now=BEAVER_NOW)
    alerts = {e.data["type"]: e.data for e in of_kind(bundle, "github.alerts")}
    # PyGithub's recording of /orgs/github/secret-scanning/alerts: #1 open, #2 resolved (Hello-World).
    assert [(a["repo"], a["number"]) for a in alerts["secret_scanning"]["open_critical"]] == [
        ("Hello-World", 1)
    ]
    # GitHub's repos/list-for-org example: secret scanning on, push protection off.
    settings = of_kind(bundle, "github.security_settings")[0].data["repos"]
    assert settings == {
        "Hello-World": {"secret_scanning": True, "push_protection": False, "security_updates": False}
    }
    # No GraphQL answer was recorded for this organisation: the repository pass is a gap, not a silence.
    assert "repos" in {g["subject"] for g in gaps(bundle, "github")}


def test_a_null_team_or_team_repository_is_a_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    # GitHub's null-node answer shape (see build_graphql.py) applied to the teams query.
    forbidden = "Resource not accessible by integration"
    teams = {
        "data": {
            "organization": {
                "teams": {
                    "totalCount": 2,
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                    "nodes": [
                        {
                            "slug": "owners",
                            "members": {"totalCount": 1, "nodes": [{"login": "jacquev6"}]},
                            "repositories": {"totalCount": 1, "edges": [None]},
                        },
                        None,
                    ],
                }
            }
        },
        "errors": [
            {"type": "FORBIDDEN", "path": ["organization", "teams", "nodes", 0, "repositories", "edges", 0],
             "message": forbidden},
            {"type": "FORBIDDEN", "path": ["organization", "teams", "nodes", 1], "message": forbidden},
        ],
    }  # fmt: skip

    def fault(req: Request) -> tuple[int, dict[str, str], bytes] | None:
        text = str((req.graphql or {}).get("query") or "")
        return json_answer(200, teams) if "query AssayTeams" in text else None

    monkeypatch.setenv(TOKEN_ENV, "ghp_replayed")
    with ReplayServer(load_recordings(recorded("github")), fault) as server:
        bundle = run(GithubCollector, config(server, "BeaverSoftware"), now=BEAVER_NOW)
    found = [g for g in gaps(bundle, "github") if g["endpoint"] == "GraphQL organization.teams"]
    messages = " | ".join(g["message"] for g in found)
    assert (
        len(found) == 2 and "organization.teams.nodes[1]" in messages and "BeaverSoftware/owners" in messages
    )
    assert all(g["reason"] == "denied" for g in found)
    assert [e.subject for e in of_kind(bundle, "github.team")] == ["BeaverSoftware/owners"]
