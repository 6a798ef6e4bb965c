"""The GitHub stand-in, exercised through PyGithub over HTTP: GitHub's schema rejects what GitHub would,
costs follow GitHub's formula, REST bodies validate against GitHub's OpenAPI description, pagination and
missing-scope answers look like GitHub's."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

from assay.errors import EstateError
from assay.sandbox.github_estate import build_org
from assay.sandbox.github_standin import GithubStandIn
from assay.sandbox.github_standin.schema import OPENAPI, find_package_file, github_schema

pytestmark = pytest.mark.integration

ORG = {
    "org": "acme",
    "teams": [{"slug": "ds", "members": ["ann", "bo"], "repos": {"model": "WRITE"}}],
    "repos": [
        {
            "names": [f"svc-{i:02d}" for i in range(7)],
            "files": {"README.md": ""},
            "commits": {"count": 2, "authors": ["bo"]},
        },
        {
            "name": "model",
            "files": {"requirements.txt": "torch\n", ".github/workflows/ci.yml": "run: pytest"},
            "security": {"secret_scanning": True, "vulnerability_alerts": True},
            "pull_requests": {"count": 3, "authors": ["ann"], "reviewers": ["bo"]},
            "ci": {"success": 1.0},
            "alerts": [
                {"kind": "dependabot", "severity": "critical", "count": 5},
                {"kind": "dependabot", "severity": "high", "state": "fixed", "days_ago": 20},
                {"kind": "code_scanning", "severity": "critical", "count": 3},
                {"kind": "secret_scanning", "state": "resolved", "count": 2},
            ],
        },
    ],
}


def require_npm_packages() -> None:
    """GitHub's published schemas come from npm: a failure under CI, a skip locally."""
    try:
        github_schema()
        find_package_file(OPENAPI)
    except EstateError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def standin():  # type: ignore[no-untyped-def]
    require_npm_packages()
    with GithubStandIn({"acme": build_org(ORG, datetime.now(UTC))}) as gh:
        yield gh


def client(standin: GithubStandIn, **token: Any) -> Any:
    from github import Auth, Github

    return Github(auth=Auth.Token(standin.add_token(**token)), base_url=standin.base_url, retry=None)


def graphql(gh: Any, query: str, variables: dict | None = None) -> tuple[dict, dict]:
    return gh.requester.requestJsonAndCheck(
        "POST", gh.requester.graphql_url, input={"query": query, "variables": variables or {}}
    )


# ---- GraphQL against GitHub's schema ------------------------------------------------------------------


def test_a_field_github_does_not_have_is_rejected_like_github_does(standin: GithubStandIn) -> None:
    _, body = graphql(client(standin), '{ organization(login: "acme") { repos(first: 1) { totalCount } } }')
    assert "data" not in body
    assert (
        body["errors"][0]["message"]
        == "Cannot query field 'repos' on type 'Organization'. Did you mean 'teams'?"
    )


@pytest.mark.parametrize(
    ("args", "kind"),
    [("", "MISSING_PAGINATION_BOUNDARIES"), ("(first: 101)", "EXCESSIVE_PAGINATION")],
)
def test_pagination_limits(standin: GithubStandIn, args: str, kind: str) -> None:
    _, body = graphql(
        client(standin), f'{{ organization(login: "acme") {{ repositories{args} {{ totalCount }} }} }}'
    )
    assert body["errors"][0]["type"] == kind


def test_rate_limit_answers_the_cost_of_the_query(standin: GithubStandIn) -> None:
    gh = client(standin)
    query = """query { rateLimit { cost remaining limit }
      organization(login: "acme") { repositories(first: 50) { nodes { name
        pullRequests(first: 20) { nodes { reviews(first: 10) { totalCount } } } } } } }"""
    headers, body = graphql(gh, query)
    # 1 (repositories) + 50 (pullRequests) + 50 * 20 (reviews) = 1051 requests -> 11 points
    assert body["data"]["rateLimit"] == {"cost": 11, "remaining": 4989, "limit": 5000}
    assert headers["x-ratelimit-resource"] == "graphql" and headers["x-ratelimit-remaining"] == "4989"
    names = [n["name"] for n in body["data"]["organization"]["repositories"]["nodes"]]
    assert sorted(names) == ["model", *(f"svc-{i:02d}" for i in range(7))]


def test_cursor_pagination(standin: GithubStandIn) -> None:
    gh = client(standin)
    seen: list[str] = []
    after = None
    for _ in range(5):
        _, body = graphql(
            gh,
            'query($after: String) { organization(login: "acme") { repositories(first: 3, after: $after) '
            "{ pageInfo { hasNextPage endCursor } nodes { name } } } }",
            {"after": after},
        )
        conn = body["data"]["organization"]["repositories"]
        seen += [n["name"] for n in conn["nodes"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 8


def test_backward_cursor_pagination(standin: GithubStandIn) -> None:
    # GitHub's pagination guide: `last` with `before: pageInfo.startCursor`, while `hasPreviousPage`
    gh = client(standin)
    pages: list[list[str]] = []
    before = None
    for _ in range(5):
        _, body = graphql(
            gh,
            'query($before: String) { organization(login: "acme") { repositories(last: 3, before: $before, '
            "orderBy: {field: NAME, direction: ASC}) { pageInfo { hasPreviousPage startCursor } "
            "nodes { name } } } }",
            {"before": before},
        )
        conn = body["data"]["organization"]["repositories"]
        pages.append([n["name"] for n in conn["nodes"]])
        if not conn["pageInfo"]["hasPreviousPage"]:
            break
        before = conn["pageInfo"]["startCursor"]
    # the last three first, each page in the connection's (name) order; 8 repositories in 3 pages
    assert pages == [["svc-04", "svc-05", "svc-06"], ["svc-01", "svc-02", "svc-03"], ["model", "svc-00"]]


def test_the_log_says_when_each_request_was_in_flight(standin: GithubStandIn) -> None:
    before = len(standin.requests())
    graphql(client(standin), "query($org: String!) { organization(login: $org) { login } }", {"org": "acme"})
    (record,) = standin.requests()[before:]
    assert record.variables == {"org": "acme"} and 0 < record.started <= record.ended


def test_unknown_organisation_is_not_found(standin: GithubStandIn) -> None:
    _, body = graphql(client(standin), '{ organization(login: "nope") { login } }')
    assert body["data"] == {"organization": None}
    assert body["errors"][0]["type"] == "NOT_FOUND" and body["errors"][0]["path"] == ["organization"]


def test_teams_need_read_org_for_a_classic_token(standin: GithubStandIn) -> None:
    gh = client(standin, scopes={"repo"})
    _, body = graphql(gh, '{ organization(login: "acme") { teams(first: 5) { totalCount } } }')
    assert body["errors"][0]["type"] == "INSUFFICIENT_SCOPES"
    assert "['read:org']" in body["errors"][0]["message"]


# ---- REST payloads against GitHub's OpenAPI description -----------------------------------------------

_DROP = {"nullable", "example", "examples", "discriminator", "xml", "externalDocs"}
_MAPS = {"properties", "patternProperties"}


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable: true`` becomes "or null", OpenAPI-only keys go."""
    if isinstance(node, list):
        return [_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: ({n: _json_schema(s) for n, s in v.items()} if k in _MAPS else _json_schema(v))
        for k, v in node.items()
        if k not in _DROP
    }
    return {"anyOf": [{"type": "null"}, out]} if node.get("nullable") is True else out


@cache
def _openapi() -> dict[str, Any]:
    doc = json.loads(find_package_file(OPENAPI).read_text())
    return {"paths": doc["paths"], "components": _json_schema(doc["components"])}


def assert_valid(path: str, method: str, status: int, body: Any) -> None:
    from jsonschema import Draft4Validator

    doc = _openapi()
    response = doc["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = _json_schema(response["content"]["application/json"]["schema"])
    validator = Draft4Validator({"allOf": [schema], "components": doc["components"]})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, (
        f"{method.upper()} {path} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"
    )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/orgs/{org}/repos", {"type": "all"}),
        ("/orgs/{org}/dependabot/alerts", {"state": "open,fixed"}),
        ("/orgs/{org}/code-scanning/alerts", {"state": "open"}),
        ("/orgs/{org}/secret-scanning/alerts", {"state": "resolved"}),
        ("/rate_limit", {}),
    ],
)
def test_rest_bodies_match_githubs_openapi_description(
    standin: GithubStandIn, path: str, params: dict
) -> None:
    gh = client(standin)
    _, body = gh.requester.requestJsonAndCheck("GET", path.replace("{org}", "acme"), parameters=params)
    assert body, "the stand-in returned nothing to validate"
    if path != "/rate_limit":
        body = [dict(item) for item in body]
        assert "security_and_analysis" in body[0] or path != "/orgs/{org}/repos"
    else:
        body = {k: v for k, v in body.items() if k != "url"}  # PyGithub adds "url" to GET bodies
    assert_valid(path, "get", 200, body)


def test_forbidden_and_not_found_bodies_match_githubs_description(standin: GithubStandIn) -> None:
    from github.GithubException import GithubException

    gh = client(standin, permissions={"metadata": "read", "contents": "read"})
    with pytest.raises(GithubException) as denied:
        gh.requester.requestJsonAndCheck("GET", "/orgs/acme/dependabot/alerts")
    assert denied.value.status == 403
    assert denied.value.headers["x-accepted-github-permissions"] == "vulnerability_alerts=read"
    assert_valid("/orgs/{org}/dependabot/alerts", "get", 403, denied.value.data)
    with pytest.raises(GithubException) as missing:
        gh.requester.requestJsonAndCheck("GET", "/orgs/nope/dependabot/alerts")
    assert_valid("/orgs/{org}/dependabot/alerts", "get", 404, missing.value.data)


def test_classic_tokens_are_told_the_oauth_scope(standin: GithubStandIn) -> None:
    from github.GithubException import GithubException

    gh = client(standin, scopes={"repo", "read:org"})
    with pytest.raises(GithubException) as denied:
        gh.requester.requestJsonAndCheck("GET", "/orgs/acme/code-scanning/alerts")
    assert denied.value.headers["x-accepted-oauth-scopes"] == "security_events"
    assert denied.value.headers["x-oauth-scopes"] == "read:org, repo"


def test_repository_settings_are_hidden_from_tokens_without_administration(standin: GithubStandIn) -> None:
    gh = client(standin, permissions={"metadata": "read"})
    _, body = gh.requester.requestJsonAndCheck("GET", "/orgs/acme/repos")
    assert body and all("security_and_analysis" not in r for r in body)


# ---- pagination through Link headers -------------------------------------------------------------------


def test_page_and_cursor_link_pagination(standin: GithubStandIn) -> None:
    gh = client(standin)
    headers, first = gh.requester.requestJsonAndCheck("GET", "/orgs/acme/repos", parameters={"per_page": 3})
    assert len(first) == 3 and 'rel="next"' in headers["link"] and 'rel="last"' in headers["link"]
    headers, page = gh.requester.requestJsonAndCheck("GET", "/orgs/acme/dependabot/alerts", {"per_page": 2})
    numbers = [a["number"] for a in page]
    while 'rel="next"' in (headers.get("link") or ""):
        url = headers["link"].split(">", 1)[0].lstrip("<")
        assert "after=" in url and "&page=" not in url  # Dependabot's organisation endpoint pages by cursor
        headers, page = gh.requester.requestJsonAndCheck("GET", url)
        numbers += [a["number"] for a in page]
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_installation_tokens_for_a_github_app(standin: GithubStandIn) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from github import Auth, Github

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    standin.register_app(4242, public, 77, {"metadata": "read", "vulnerability_alerts": "read"})
    auth = Auth.AppAuth(4242, private).get_installation_auth(77)
    gh = Github(auth=auth, base_url=standin.base_url, retry=None)
    _, alerts = gh.requester.requestJsonAndCheck("GET", "/orgs/acme/dependabot/alerts")
    assert len(alerts) == 6
    minted = [r for r in standin.requests() if r.path == "/api/v3/app/installations/77/access_tokens"]
    assert minted and minted[-1].status == 201


def test_the_openapi_check_rejects_a_body_github_would_not_send(standin: GithubStandIn) -> None:
    gh = client(standin)
    _, body = gh.requester.requestJsonAndCheck("GET", "/orgs/acme/dependabot/alerts")
    broken = [dict(body[0], state="resolved")]  # not a Dependabot alert state
    with pytest.raises(AssertionError, match="'resolved' is not one of"):
        assert_valid("/orgs/{org}/dependabot/alerts", "get", 200, broken)
    missing = [{k: v for k, v in body[0].items() if k != "security_advisory"}]
    with pytest.raises(AssertionError, match="'security_advisory' is a required property"):
        assert_valid("/orgs/{org}/dependabot/alerts", "get", 200, missing)
