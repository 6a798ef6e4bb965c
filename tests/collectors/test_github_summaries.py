"""The GitHub collector's pure parts: evidence summaries, config, permissions, and its queries' cost."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from assay.collectors.github import GithubCollector, GithubConfig
from assay.collectors.github.permissions import READS, SIGNAL_READS, cross_source_specs
from assay.collectors.github.queries import REPOSITORIES, TEAMS, workflows_query
from assay.collectors.github.repos import repo_summary
from assay.collectors.github.summaries import codeowners, ml_libraries, person, pr_template, workflow_flags
from assay.errors import EstateError


def test_ml_libraries_from_requirement_files() -> None:
    requirements = "torch==2.3\n# comment\nscikit_learn>=1.4\nnumpy\nrequests\n"
    pyproject = '[project]\ndependencies = ["transformers>=4", "fastapi"]\n'
    assert ml_libraries(requirements, pyproject, None) == ["scikit-learn", "torch", "transformers"]
    assert ml_libraries("flask\npandas\n") == []


def test_codeowners_keeps_team_slugs_of_the_org_and_counts_people() -> None:
    text = "# owners\n* @acme/Data-Science @alice\n/infra/ @acme/sre @other-org/x @bob\n"
    assert codeowners(text, "acme") == {"teams": ["data-science", "sre"], "users": 2}
    assert codeowners(None, "acme") is None


@pytest.mark.parametrize(
    ("text", "tests", "deploy", "scanning"),
    [
        ("steps:\n  - run: python -m pytest -q\n", True, False, False),
        ("steps:\n  - run: ./gradlew check\n", True, False, False),
        ("jobs:\n  ship:\n    environment: production\n", False, True, False),
        ("steps:\n  - run: helm upgrade --install app chart\n", False, True, False),
        ("steps:\n  - uses: github/codeql-action/analyze@v3\n", False, False, True),
        ("steps:\n  - run: npm run build\n", False, False, False),
    ],
)
def test_workflow_flags(text: str, tests: bool, deploy: bool, scanning: bool) -> None:
    flags = workflow_flags("ci.yml", text)
    assert (flags["tests"], flags["deploy"], flags["code_scanning"]) == (tests, deploy, scanning)


def test_pull_request_template_flags_need_a_checklist() -> None:
    rai = pr_template({"filename": "t.md", "body": "- [ ] fairness and bias reviewed\n"})
    prose = pr_template({"filename": "t.md", "body": "Think about fairness."})
    assert (rai["responsible_ai"], prose["responsible_ai"], prose["checklist"]) == (True, False, False)


def test_people_are_pseudonymised_but_bots_keep_their_name() -> None:
    assert person("Alice") == person("alice") != person("bob")
    assert person("Alice", "alice@example.com").startswith("p:") and "alice" not in person("Alice")
    assert person(None, "49699333+dependabot[bot]@users.noreply.github.com") == "bot:dependabot"
    assert person("renovate", bot=True) == "bot:renovate"
    assert person(None, None) is None


def test_repo_summary_keeps_only_what_signals_read() -> None:
    node = {
        "name": "m",
        "isArchived": False,
        "isFork": False,
        "isPrivate": True,
        "pushedAt": "2025-01-01T00:00:00Z",
        "createdAt": "2024-01-01T00:00:00Z",
        "primaryLanguage": {"name": "Python"},
        "hasVulnerabilityAlertsEnabled": True,
        "repositoryTopics": {"nodes": [{"topic": {"name": "ml"}}]},
        "labels": {"nodes": [{"name": "bug"}]},
        "issueTemplates": [],
        "pullRequestTemplates": [],
        "root": {"entries": [{"name": "dvc.yaml", "type": "blob"}, {"name": "docs", "type": "tree"}]},
        "requirements": {"text": "mlflow\nsecret-internal-lib\n"},
        "codeowners": {"text": "* @acme/ds\n"},
        "defaultBranchRef": {
            "name": "main",
            "branchProtectionRule": {
                "requiresApprovingReviews": True,
                "requiredApprovingReviewCount": 2,
                "requiresStatusChecks": True,
            },
            "rules": {"nodes": [{"type": "PULL_REQUEST", "parameters": {"requiredApprovingReviewCount": 1}}]},
            "target": {
                "committedDate": "2025-01-01T00:00:00Z",
                "history": {
                    "totalCount": 1,
                    "nodes": [
                        {
                            "committedDate": "2025-01-01T00:00:00Z",
                            "author": {"email": "a@x.io", "user": {"login": "ann"}},
                            "statusCheckRollup": {"state": "SUCCESS"},
                        }
                    ],
                },
            },
        },
    }
    data = repo_summary(node, "acme")
    assert data["tree"][""] == ["docs/", "dvc.yaml"]
    assert data["ml_libraries"] == ["mlflow"] and "secret-internal-lib" not in str(data)
    assert data["codeowners"] == {"teams": ["ds"], "users": 0}
    assert data["protection"]["classic"]["approvals"] == 2
    assert data["commits"] == [{"at": "2025-01-01T00:00:00Z", "author": person("ann"), "ci": "SUCCESS"}]
    assert "ann" not in str(data) and "a@x.io" not in str(data)


# ---- config and permissions ---------------------------------------------------------------------------


def test_config_defaults_to_github_token_and_accepts_an_app() -> None:
    assert GithubConfig(orgs=["acme"]).token_env == "GITHUB_TOKEN"
    app = GithubConfig(orgs=["acme"], app_id=1, private_key_env="APP_KEY", installation_id=2)
    assert app.uses_app and app.token_env is None


@pytest.mark.parametrize(
    "fields",
    [
        {"orgs": []},
        {"orgs": ["a"], "app_id": 1},
        {"orgs": ["a"], "token_env": "T", "app_id": 1, "private_key_env": "K", "installation_id": 2},
        {"orgs": ["a"], "token_env": "ghp_not a variable name"},
        {"orgs": ["a"], "page_size": 500},
        {"orgs": ["a"], "unknown": 1},
    ],
)
def test_config_rejects(fields: dict) -> None:
    with pytest.raises(ValidationError):
        GithubConfig(**fields)


def test_permissions_cover_every_declared_signal_and_read() -> None:
    declared = {s.name for s in [*GithubCollector.signals.specs, *cross_source_specs()]}
    assert declared == set(SIGNAL_READS)
    assert all(read in READS for reads in SIGNAL_READS.values() for read in reads)
    text = GithubCollector.permissions()
    for needed in (
        "read:org",
        "security_events",
        "Dependabot alerts",
        "Members",
        "secops.remediation.median_days",
    ):
        assert needed in text


def test_signal_names_are_not_prefixes_of_each_other() -> None:
    names = sorted(s.name for s in GithubCollector.signals.specs)
    assert not [(a, b) for a in names for b in names if b.startswith(a + ".")]


# ---- query cost under GitHub's formula ----------------------------------------------------------------


def _schema_or_skip():  # type: ignore[no-untyped-def]
    from assay.sandbox.github_standin.schema import github_schema

    try:
        return github_schema()
    except EstateError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


def _cost(query: str, variables: dict) -> tuple[int, int, list]:
    from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, validate

    from assay.sandbox.github_standin.cost import query_cost

    schema = _schema_or_skip()
    doc = parse(query)
    assert validate(schema, doc) == []
    op = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
    frags = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    cost = query_cost(schema, op, frags, variables)
    return cost.points, cost.requests, cost.errors


def test_the_repository_page_costs_under_one_point_per_repository() -> None:
    points, requests, errors = _cost(
        REPOSITORIES, {"org": "a", "first": 100, "since": "2025-01-01T00:00:00Z"}
    )
    assert errors == []
    assert requests == 1 + 100 * 85  # 85 connection requests per repository, 1 for the page
    assert points == 85 and points / 100 <= 1


def test_teams_and_workflow_queries_are_cheap() -> None:
    assert _cost(TEAMS, {"org": "a"})[0] == 1
    assert _cost(workflows_query("a", [f"r{i}" for i in range(100)]), {})[0] == 1


def test_githubs_documented_cost_example() -> None:
    query = """query { viewer { login repositories(first: 100) { edges { node { id
        issues(first: 50) { edges { node { id
          labels(first: 60) { edges { node { id name } } } } } } } } } } }"""
    points, requests, _ = _cost(query, {})
    assert (requests, points) == (5101, 51)  # the worked example in GitHub's rate-limit documentation


def test_the_stand_in_needs_no_node_modules(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A wheel user has no npm: the GraphQL schema ships as package data."""
    from assay.sandbox.github_standin import schema

    monkeypatch.setattr(schema, "candidate_dirs", lambda: [tmp_path / "node_modules"])
    schema.preload_schema()
    assert schema.github_schema().query_type.fields["organization"] is not None
    with pytest.raises(EstateError, match=r"@octokit/openapi .* run `npm ci`"):
        schema.find_package_file(schema.OPENAPI)


def test_the_packaged_schema_is_the_pinned_npm_schema() -> None:
    """The shipped copy and the version pinned in package.json never drift apart."""
    import json
    from pathlib import Path

    from assay.sandbox.github_standin import schema

    root = Path(__file__).resolve().parents[2]
    pinned = json.loads((root / "package.json").read_text())["devDependencies"]["@octokit/graphql-schema"]
    assert schema.schema_version() == pinned.lstrip("^~=")
    try:
        npm_copy = schema.find_package_file(schema.GRAPHQL_SCHEMA)
    except EstateError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    assert schema.packaged_schema_sdl() == npm_copy.read_text(encoding="utf-8")
    assert "MIT" in (schema.PACKAGED / "NOTICE.md").read_text()


def test_assay_permissions_github_prints_scopes_per_signal() -> None:
    from typer.testing import CliRunner

    from assay.cli import app

    result = CliRunner().invoke(app, ["permissions", "github"])
    assert result.exit_code == 0, result.output
    assert "repo, read:org, read:project, security_events" in result.output
    assert "secops.alerts.critical_open_over_30d: alerts.dependabot, alerts.code_scanning" in result.output
