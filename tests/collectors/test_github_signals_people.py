"""GitHub collaboration, PeopleOps, DataOps, AIOps and CloudOps signals as pure functions over evidence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from test_github_signals import ago, dep, ev, gap, job, repo, unknown, value

from assay.collectors.github.signals.collaboration import business_seconds
from assay.evidence import UnknownReason


def pr(
    number: int, author: str, reviewers: list[tuple[str, str, float]] = (), **extra: Any
) -> dict[str, Any]:
    """A merged PR opened on Monday (2 days ago); reviewers are (person, state, hours after opening)."""
    reviews = [{"author": who, "state": state, "at": ago(2, -hours)} for who, state, hours in reviewers]
    return {
        "number": number,
        "author": author,
        "created_at": ago(2),
        "merged_at": ago(1),
        "base": "main",
        "reviews": reviews,
        "linked_issues": 0,
        **extra,
    }


def team(slug: str, members: list[str], repos: dict[str, str]) -> Any:
    return ev("github.team", f"acme/{slug}", {"members": members, "repos": repos})


def test_review_coverage_counts_approvals_by_someone_else() -> None:
    prs = [
        pr(1, "p:a", [("p:b", "APPROVED", 2)]),
        pr(2, "p:a", [("p:a", "APPROVED", 1)]),  # self-approval does not count
        pr(3, "p:a", [("bot:autoapprove", "APPROVED", 1)]),  # nor does a bot's
        pr(4, "p:a", [("p:b", "COMMENTED", 1)]),
    ]
    assert value("collab.review.coverage", repo("r", pull_requests=prs)) == 0.25


def test_direct_pushes_without_pull_requests_are_zero_review_coverage() -> None:
    pushed = repo("r", commits=[{"at": ago(5), "author": "p:a", "ci": None}])
    assert value("collab.review.coverage", pushed) == 0.0
    assert unknown("collab.review.coverage", repo("quiet")).reason is UnknownReason.NOT_APPLICABLE


def test_cross_team_reviews_and_latency() -> None:
    prs = [pr(1, "p:a", [("p:b", "APPROVED", 2)]), pr(2, "p:a", [("p:c", "APPROVED", 6)]), pr(3, "p:a")]
    teams = [team("ds", ["p:a", "p:b"], {}), team("platform", ["p:c"], {})]
    assert value("collab.review.cross_team_ratio", repo("r", pull_requests=prs), *teams) == 0.5
    assert value("collab.review.latency", repo("r", pull_requests=prs)) == 4 * 3600
    denied = gap("teams", "denied", "read:org")
    assert (
        unknown("collab.review.cross_team_ratio", repo("r", pull_requests=prs), denied).message == "read:org"
    )


def test_business_seconds_skip_weekends() -> None:
    friday = datetime(2025, 6, 6, 20, 0, tzinfo=UTC)
    monday = datetime(2025, 6, 9, 4, 0, tzinfo=UTC)
    assert business_seconds(friday, monday) == 8 * 3600
    assert business_seconds(monday, monday) == 0


def test_mixed_ownership_from_access_codeowners_and_contributors() -> None:
    teams = [
        team("ds", ["p:a"], {"a": "WRITE", "b": "WRITE", "c": "READ"}),
        team("ops", ["p:o"], {"a": "ADMIN"}),
    ]
    a = repo("a")
    b = repo("b", codeowners={"teams": ["ops"], "users": 0})
    c = repo(
        "c",
        commits=[{"at": ago(3), "author": "p:o", "ci": None}, {"at": ago(4), "author": "p:a", "ci": None}],
    )
    d = repo("d")
    assert value("collab.ownership.mixed_ratio", a, b, c, d, *teams) == 0.75


def test_work_tracking_with_org_default_templates_and_custom_labels() -> None:
    dotgithub = repo(".github", pushed_at=ago(300), tree={".github/ISSUE_TEMPLATE": ["bug.yml"]})
    plain = repo("a")
    labelled = repo("b", org="other", labels=["bug", "triage"])
    defaults_only = repo("c", org="other", labels=["bug", "enhancement"])
    assert value("collab.tracking.ratio", dotgithub, plain, labelled, defaults_only) == 0.6667


def test_linked_prs_and_docs() -> None:
    prs = [pr(1, "p:a", linked_issues=1), pr(2, "p:a"), pr(3, "p:a", merged_at=ago(100), linked_issues=1)]
    assert value("collab.tracking.linked_pr_ratio", repo("r", pull_requests=prs)) == 0.5
    documented = repo("a", tree={"": ["README.md", "docs/"]})
    card = repo("b", tree={"": ["readme.rst", "MODEL_CARD.md"]})
    readme_only = repo("c", tree={"": ["README.md"]})
    assert value("collab.docs.ratio", documented, card, readme_only) == 0.6667


# ---- PeopleOps ----------------------------------------------------------------------------------------


def ml_repo(name: str, **data: Any) -> Any:
    return repo(name, ml_libraries=["torch"], **data)


def commits(*authors: str, days: float = 5) -> list[dict[str, Any]]:
    return [{"at": ago(days), "author": a, "ci": None} for a in authors]


def test_ml_contributors_are_humans_on_ml_repos() -> None:
    ml = ml_repo("m", commits=commits("p:a", "p:b", "bot:dependabot"), pull_requests=[pr(1, "p:c")])
    app = repo("app", commits=commits("p:z"))
    old = ml_repo("m2", commits=commits("p:y", days=100))
    assert value("people.ml_contributors", ml, app, old) == 3


def test_ml_teams_team_ownership_and_bus_factor() -> None:
    teams = [
        team("ds", ["p:a"], {"m1": "WRITE", "m2": "MAINTAIN"}),
        team("readers", ["p:r"], {"m1": "READ"}),
        team("web", ["p:w"], {"app": "ADMIN"}),
    ]
    m1 = ml_repo("m1", codeowners={"teams": ["mlops"], "users": 1}, commits=commits("p:a", "p:a", "p:b"))
    m2 = ml_repo("m2", codeowners={"teams": [], "users": 2}, commits=commits("p:a", "p:a", "p:a", "p:b"))
    m3 = ml_repo("m3")  # no commits in 90 days: outside the bus-factor population
    app = repo("app")
    assert value("people.ml_teams", m1, m2, m3, app, *teams) == 2  # ds (access) + mlops (CODEOWNERS)
    assert value("people.team_ownership.ratio", m1, m2, m3, app) == 0.3333
    assert value("people.bus_factor.ratio", m1, m2, m3, app) == 0.5  # m1: top 67% < 70%; m2: 75%
    assert unknown("people.ml_teams", m1, gap("teams")).reason is UnknownReason.DENIED


def test_onboarding_docs() -> None:
    assert (
        value("people.onboarding.ratio", repo("a", tree={".github": ["CONTRIBUTING.md"]}), repo("b")) == 0.5
    )


# ---- DataOps, AIOps, CloudOps, maintenance ------------------------------------------------------------


def test_dvc_in_ml_repos() -> None:
    repos = [
        ml_repo("a", tree={"": ["dvc.yaml"]}),
        ml_repo("b", tree={"": [".dvc/"]}),
        ml_repo("c"),
        repo("app"),
    ]
    assert value("data.versioning.dvc_ratio", *repos) == 0.6667


@pytest.mark.parametrize(
    "data",
    [
        {"issue_templates": [{"name": "AI use-case intake", "about": None, "file": "ai.yml"}]},
        {"tree": {".github/ISSUE_TEMPLATE": ["ml-request.md"]}},
        {"labels": ["bug", "ai-intake"]},
    ],
)
def test_ai_intake_channels(data: dict[str, Any]) -> None:
    assert value("aiops.intake", repo("a", **data)) is True


def test_ai_intake_from_a_portfolio_board_or_unknown_without_projects() -> None:
    boards = ev(
        "github.projects", "acme", {"projects": [{"title": "AI use-case portfolio", "closed": False}]}
    )
    closed = ev("github.projects", "acme", {"projects": [{"title": "ML intake", "closed": True}]})
    assert value("aiops.intake", repo("a"), boards) is True
    assert value("aiops.intake", repo("a"), closed) is False
    sig = unknown("aiops.intake", repo("a"), gap("projects", "denied", "read:project missing"))
    assert sig.reason is UnknownReason.DENIED and "read:project" in (sig.message or "")


def test_responsible_ai_checklist_own_or_org_default() -> None:
    rai = [{"file": "PULL_REQUEST_TEMPLATE.md", "checklist": True, "responsible_ai": True}]
    plain = [{"file": "PULL_REQUEST_TEMPLATE.md", "checklist": True, "responsible_ai": False}]
    defaults = repo(".github", pushed_at=ago(200), pr_templates=rai)
    inherits = ml_repo("a")
    own_plain = ml_repo("b", pr_templates=plain)
    other_org = ml_repo("c", org="elsewhere")
    assert value("aiops.governance.rai_checklist_ratio", defaults, inherits, own_plain, other_org) == 0.3333


def test_iac_share_of_deploying_repositories() -> None:
    deployed_tf = repo("a", tree={"": ["main.tf"]}, deployments=[dep("production", 3)])
    deploy_workflow = repo("b", tree={"": ["cdk.json"]}, workflows=[{"file": "d.yml", "deploy": True}])
    deployed_plain = repo("c", deployments=[dep("staging", 3)])
    library = repo("d", tree={"": ["infra/"]})  # has IaC but does not deploy: not in the population
    jenkins_deployed = repo("e")
    deploys = job("deploy/e", ["acme/e"], [build_ok()], deploy=True)
    assert value("cloud.iac.repo_ratio", deployed_tf, deploy_workflow, deployed_plain, library) == 0.6667
    assert (
        value(
            "cloud.iac.repo_ratio",
            deployed_tf,
            deploy_workflow,
            deployed_plain,
            jenkins_deployed,
            deploys,
            jenkins=True,
        )
        == 0.5
    )
    assert unknown("cloud.iac.repo_ratio", library).reason is UnknownReason.NOT_APPLICABLE


def build_ok() -> dict[str, Any]:
    return {"number": 1, "result": "SUCCESS", "timestamp": ago(2), "duration_s": 9, "trigger": "timer"}


def test_dependency_prs_merged() -> None:
    prs = [
        pr(1, "bot:dependabot"),
        pr(2, "bot:renovate"),
        pr(3, "p:a"),
        pr(4, "bot:dependabot", merged_at=ago(99)),
    ]
    assert value("maintenance.dependency_prs_merged", repo("a", pull_requests=prs)) == 2


def test_every_signal_is_unknown_when_github_did_not_run() -> None:
    from assay.collectors.derive import EvidenceView
    from assay.collectors.github import GithubCollector

    signals = GithubCollector().derive(EvidenceView([], {}))
    assert signals and all(s.reason is UnknownReason.NOT_CONFIGURED for s in signals)
