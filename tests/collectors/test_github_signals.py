"""GitHub DevOps, DORA and SecOps signals as pure functions over hand-built evidence (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assay.collectors.derive import EvidenceView
from assay.collectors.github import GithubCollector
from assay.crosssource import signals as cross_source
from assay.evidence import CollectorRun, Evidence, Signal, SignalStatus, UnknownReason

NOW = datetime(2025, 6, 4, 12, 0, tzinfo=UTC)  # a Wednesday


def ago(days: float = 0, hours: float = 0) -> str:
    return (NOW - timedelta(days=days, hours=hours)).isoformat().replace("+00:00", "Z")


def repo(name: str = "r", org: str = "acme", **data: Any) -> Evidence:
    base: dict[str, Any] = {
        "org": org,
        "name": name,
        "archived": False,
        "fork": False,
        "pushed_at": ago(1),
        "topics": [],
        "language": None,
        "tree": {"": ["README.md"]},
        "ml_libraries": [],
        "commits": [],
        "pr_sample": [],
        "pull_requests": [],
        "deployments": [],
        "environments": [],
        "default_branch": "main",
        "protection": {"classic": None, "rules": []},
        "head": {"committed_at": ago(1), "check_suites": []},
        "workflows": [],
        "labels": [],
        "issue_templates": [],
        "pr_templates": [],
        "codeowners": None,
        "vulnerability_alerts": False,
    }
    base.update(data)
    return Evidence.make(
        source="github", kind="github.repo", subject=f"{org}/{name}", endpoint="t", observed_at=NOW, data=base
    )


def ev(kind: str, subject: str, data: dict[str, Any], source: str = "github") -> Evidence:
    return Evidence.make(source=source, kind=kind, subject=subject, endpoint="t", observed_at=NOW, data=data)


def gap(scope: str, reason: str = "denied", message: str = "no access") -> Evidence:
    return ev("github.gap", scope, {"reason": reason, "message": message})


def job(name: str, repos: list[str], builds: list[dict[str, Any]], **data: Any) -> Evidence:
    body = {
        "full_name": name,
        "type": "pipeline",
        "scm_repos": repos,
        "stages": [],
        "deploy": False,
        "approval": False,
        "tests": False,
        "training": False,
        "builds": builds,
        **data,
    }
    return ev("jenkins.job", name, body, source="jenkins")


def build(days: float, result: str | None = "SUCCESS", trigger: str = "scm") -> dict[str, Any]:
    return {"number": 1, "result": result, "timestamp": ago(days), "duration_s": 60, "trigger": trigger}


def derive(name: str, *evidence: Evidence, jenkins: bool = False) -> Signal:
    runs = {"github": CollectorRun(name="github", status="ok", started_at=NOW)}
    if jenkins:
        runs["jenkins"] = CollectorRun(name="jenkins", status="ok", started_at=NOW)
    view = EvidenceView(evidence, runs)
    signals = [*GithubCollector().derive(view), *cross_source.derive(view)]
    return {s.name: s for s in signals}[name]


def value(name: str, *evidence: Evidence, jenkins: bool = False) -> Any:
    sig = derive(name, *evidence, jenkins=jenkins)
    assert sig.status is SignalStatus.OK, sig.message
    return sig.value


def unknown(name: str, *evidence: Evidence, jenkins: bool = False) -> Signal:
    sig = derive(name, *evidence, jenkins=jenkins)
    assert sig.status is SignalStatus.UNKNOWN, sig.value
    return sig


# ---- populations and CI -----------------------------------------------------------------------------


def test_active_population_excludes_archived_forks_and_stale_repos() -> None:
    repos = [
        repo("a"),
        repo("archived", archived=True),
        repo("fork", fork=True),
        repo("stale", pushed_at=ago(91)),
        repo("nb", tree={"": ["notebooks/"]}),
    ]
    assert value("repos.active", *repos) == 2
    assert value("repos.ml", *repos) == 1


@pytest.mark.parametrize(
    ("data", "ml"),
    [
        ({"tree": {"": ["dvc.yaml"]}}, True),
        ({"tree": {"": ["MLproject"]}}, True),
        ({"tree": {"": ["MODEL_CARD.md"]}}, True),
        ({"tree": {"": ["train.ipynb"]}}, True),
        ({"ml_libraries": ["torch"]}, True),
        ({"topics": ["machine-learning"]}, True),
        ({"language": "Jupyter Notebook"}, True),
        ({"tree": {"": ["main.go", "Dockerfile"]}, "topics": ["web"]}, False),
    ],
)
def test_ml_repository_markers(data: dict[str, Any], ml: bool) -> None:
    assert value("repos.ml", repo("x", **data)) == int(ml)


def test_ci_coverage_merges_jenkins_jobs_mapped_by_scm_url() -> None:
    covered = repo("a", commits=[{"at": ago(3), "author": "p:1", "ci": "SUCCESS"}])
    too_old = repo("b", commits=[{"at": ago(40), "author": "p:1", "ci": "FAILURE"}])
    jenkins_only = repo("c")
    ci_job = job("ci/c", ["acme/c"], [build(5)])
    assert value("devops.ci.coverage", covered, too_old, jenkins_only, repo("z", archived=True)) == 0.3333
    assert value("devops.ci.coverage", covered, too_old, jenkins_only, ci_job, jenkins=True) == 0.6667
    # Without a Jenkins run in this audit, its evidence is ignored: GitHub's view alone.
    assert value("devops.ci.coverage", covered, too_old, jenkins_only, ci_job) == 0.3333


def test_a_scheduled_run_on_an_old_head_counts_as_ci_activity() -> None:
    suite = {"app": "github-actions", "status": "COMPLETED", "conclusion": "SUCCESS", "updated_at": ago(2)}
    old_head = repo("a", pushed_at=ago(60), head={"committed_at": ago(60), "check_suites": [suite]})
    skipped = {**suite, "conclusion": "SKIPPED"}
    idle = repo("b", pushed_at=ago(60), head={"committed_at": ago(60), "check_suites": [skipped]})
    assert value("devops.ci.coverage", old_head, idle) == 0.5


def test_ci_success_rate_counts_github_checks_and_jenkins_builds() -> None:
    commits = [
        {"at": ago(d), "author": "p:1", "ci": s}
        for d, s in [(1, "SUCCESS"), (2, "SUCCESS"), (3, "FAILURE"), (4, "PENDING"), (50, "FAILURE")]
    ]
    jobs = job(
        "ci/a", ["acme/a"], [build(1), build(2, "UNSTABLE"), build(3, "ABORTED"), build(45, "FAILURE")]
    )
    assert value("devops.ci.success_rate", repo("a", commits=commits)) == 0.6667
    assert value("devops.ci.success_rate", repo("a", commits=commits), jobs, jenkins=True) == 0.6
    sig = unknown("devops.ci.success_rate", repo("a"))
    assert sig.reason is UnknownReason.NOT_APPLICABLE


def test_tests_in_ci_from_workflows_or_jenkins_test_reports() -> None:
    tested = repo("a", workflows=[{"file": "ci.yml", "tests": True, "deploy": False}])
    built = repo("b", workflows=[{"file": "build.yml", "tests": False, "deploy": False}])
    assert value("devops.ci.tests_ratio", tested, built) == 0.5
    junit = job("ci/b", ["acme/b"], [build(2)], tests=True)
    assert value("devops.ci.tests_ratio", tested, built, junit, jenkins=True) == 1.0
    sig = unknown("devops.ci.tests_ratio", tested, built, gap("workflows", "error", "workflow files failed"))
    assert sig.reason is UnknownReason.ERROR and "workflow files failed" in (sig.message or "")


def test_pr_flow_over_recent_sampled_commits() -> None:
    sample = [
        {"at": ago(1), "via_pr": True},
        {"at": ago(2), "via_pr": True},
        {"at": ago(3), "via_pr": False},
        {"at": ago(100), "via_pr": False},
    ]
    assert value("devops.pr_flow", repo("a", pr_sample=sample)) == 0.6667
    assert unknown("devops.pr_flow", repo("a")).reason is UnknownReason.NOT_APPLICABLE


def dep(env: str, days: float, state: str = "SUCCESS", bot: bool = True) -> dict[str, Any]:
    return {
        "environment": env,
        "created_at": ago(days),
        "state": state,
        "status_at": ago(days),
        "by_bot": bot,
    }


def test_continuous_delivery_counts_automated_deploys_from_github_and_jenkins() -> None:
    auto = repo("a", deployments=[dep("production", 5)])
    manual = repo("b", deployments=[dep("production", 5, bot=False)])
    timer = job("deploy/c", ["acme/c"], [build(3, trigger="timer")], deploy=True)
    by_hand = job("deploy/d", ["acme/d"], [build(3, trigger="user")], deploy=True)
    assert value("devops.cd.repos", auto, manual) == 1
    assert value("devops.cd.repos", auto, manual, timer, by_hand, jenkins=True) == 2


def test_environment_promotion_and_protected_production() -> None:
    envs = [
        {"name": "staging", "protection": []},
        {"name": "production", "protection": ["REQUIRED_REVIEWERS"]},
    ]
    promoted = repo("a", environments=envs)
    open_prod = repo("b", environments=[{"name": "prod-eu", "protection": []}], deployments=[dep("qa", 3)])
    only_staging = repo("c", environments=[{"name": "staging", "protection": ["WAIT_TIMER"]}])
    assert value("devops.environments.promotion", promoted, open_prod, only_staging) == 2
    assert value("devops.environments.protected_production", promoted, open_prod, only_staging) == 1


def test_containers_ratio() -> None:
    assert value("devops.containers.ratio", repo("a", tree={"": ["Dockerfile"]}), repo("b")) == 0.5


# ---- DORA ---------------------------------------------------------------------------------------------


def test_deployment_days_are_distinct_production_days_median_over_services() -> None:
    a = repo(
        "a",
        deployments=[
            dep("production", 1),
            dep("production", 1.1),
            dep("production", 5),
            dep("production", 10),
            dep("staging", 2),
            dep("production", 95),
        ],
    )
    b = repo("b", deployments=[dep("prod", 3), dep("prod", 4, "FAILURE")])
    assert value("devops.dora.deployment_days", a, b) == 2.0
    assert value("devops.dora.deployment_days", repo("c")) == 0


def test_jenkins_deploy_builds_count_as_production_deployments() -> None:
    deploys = job("deploy/x", ["acme/x"], [build(1), build(2), build(3, "FAILURE"), build(40)], deploy=True)
    assert value("devops.dora.deployment_days", repo("x"), deploys, jenkins=True) == 3.0
    assert value("devops.dora.change_failure_rate", repo("x"), deploys, jenkins=True) == 0.25


def test_lead_time_from_pr_opening_to_next_production_deploy() -> None:
    pr = {
        "number": 1,
        "author": "p:1",
        "created_at": ago(4),
        "merged_at": ago(3),
        "base": "main",
        "reviews": [],
    }
    late = {**pr, "number": 2, "created_at": ago(1.5), "merged_at": ago(1)}  # not deployed yet: left out
    a = repo("a", pull_requests=[pr, late], deployments=[dep("production", 2), dep("production", 10)])
    assert value("devops.dora.lead_time", a) == 2 * 86400
    assert (
        unknown("devops.dora.lead_time", repo("b", pull_requests=[pr])).reason is UnknownReason.NOT_APPLICABLE
    )


def test_change_failure_rate_and_recovery_time() -> None:
    a = repo(
        "a",
        deployments=[
            dep("production", 5, "FAILURE"),
            dep("production", 5 - 3 / 24),
            dep("production", 1),
            dep("production", 9),
        ],
    )
    assert value("devops.dora.change_failure_rate", a) == 0.25
    assert value("devops.dora.recovery_time", a) == 3 * 3600
    assert unknown("devops.dora.recovery_time", repo("b")).reason is UnknownReason.NOT_APPLICABLE
    assert unknown("devops.dora.change_failure_rate", repo("b")).reason is UnknownReason.NOT_APPLICABLE


# ---- SecOps -------------------------------------------------------------------------------------------


def protection(classic: dict[str, Any] | None = None, rules: list[dict[str, Any]] | None = None) -> dict:
    return {"protection": {"classic": classic, "rules": rules or []}}


def test_branch_protection_needs_an_approval_and_status_checks_from_rules_or_rulesets() -> None:
    classic = repo("a", **protection({"approvals": 1, "status_checks": True}))
    ruleset = repo(
        "b",
        **protection(
            None,
            [{"type": "PULL_REQUEST", "approvals": 2}, {"type": "REQUIRED_STATUS_CHECKS", "approvals": None}],
        ),
    )
    mixed = repo(
        "c", **protection({"approvals": 0, "status_checks": True}, [{"type": "PULL_REQUEST", "approvals": 1}])
    )
    reviews_only = repo("d", **protection({"approvals": 1, "status_checks": False}))
    assert value("secops.branch_protection.ratio", classic, ruleset, mixed, reviews_only) == 0.75
    sig = unknown(
        "secops.branch_protection.ratio", classic, gap("repos.protection", "denied", "admin needed")
    )
    assert (sig.reason, sig.message) == (UnknownReason.DENIED, "admin needed")


def settings(**repos: dict[str, bool] | None) -> Evidence:
    return ev("github.security_settings", "acme", {"repos": repos})


def test_secret_scanning_push_protection_and_automated_remediation() -> None:
    s = settings(
        a={"secret_scanning": True, "push_protection": True, "security_updates": False},
        b={"secret_scanning": True, "push_protection": False, "security_updates": False},
        c=None,  # not visible to this token: left out of the population
    )
    repos = [repo("a"), repo("b", tree={".github": ["dependabot.yml"]}), repo("c")]
    assert value("secops.secret_scanning.ratio", *repos, s) == 1.0
    assert value("secops.push_protection.ratio", *repos, s) == 0.5
    assert value("secops.automated_remediation.ratio", *repos, s) == 0.5
    denied = gap("security_settings", "denied", "needs Administration: read")
    assert unknown("secops.secret_scanning.ratio", *repos, denied).message == "needs Administration: read"


def test_dependency_and_code_scanning_coverage() -> None:
    a = repo("a", vulnerability_alerts=True, workflows=[{"file": "codeql.yml", "code_scanning": True}])
    b = repo("b", tree={".github": ["dependabot.yaml"]})
    c = repo("c")
    assert value("secops.dependency_scanning.ratio", a, b, c) == 0.6667
    assert value("secops.code_scanning.ratio", a, b, c) == 0.3333


def alerts(kind: str, open_critical: list[dict[str, Any]], closed: list[dict[str, Any]]) -> Evidence:
    data = {"type": kind, "window_days": 90, "open_critical": open_critical, "closed": closed}
    return ev("github.alerts", f"acme/{kind}", data)


def org() -> Evidence:
    return ev("github.org", "acme", {"repos_total": 1})


def test_alert_signals_over_the_three_alert_lists() -> None:
    lists = [
        alerts(
            "dependabot",
            [{"repo": "a", "severity": "critical", "created_at": ago(40)}],
            [{"repo": "a", "created_at": ago(30), "closed_at": ago(20)}],
        ),
        alerts(
            "code_scanning",
            [{"repo": "a", "severity": "critical", "created_at": ago(5)}],
            [
                {"repo": "a", "created_at": ago(12), "closed_at": ago(10)},
                {"repo": "a", "created_at": ago(200), "closed_at": ago(120)},
            ],
        ),
        alerts(
            "secret_scanning",
            [{"repo": "a", "severity": "critical", "created_at": ago(31)}],
            [{"repo": "a", "created_at": ago(7), "closed_at": ago(6)}],
        ),
    ]
    assert value("secops.alerts.critical_open_over_30d", org(), *lists) == 2
    assert value("secops.alerts.critical_open_max_age_days", org(), *lists) == 40.0
    assert value("secops.remediation.median_days", org(), *lists) == 2.0


def test_a_denied_alert_list_makes_exactly_the_alert_signals_unknown() -> None:
    lists = [alerts("code_scanning", [], []), alerts("secret_scanning", [], [])]
    denied = gap("alerts.dependabot", "denied", "the token needs scope security_events")
    evidence = [org(), repo("a", vulnerability_alerts=True), *lists, denied]
    for name in ("secops.alerts.critical_open_over_30d", "secops.remediation.median_days"):
        sig = unknown(name, *evidence)
        assert sig.reason is UnknownReason.DENIED and "security_events" in (sig.message or "")
    assert value("secops.dependency_scanning.ratio", *evidence) == 1.0


def test_alert_lists_not_read_are_not_configured() -> None:
    sig = unknown("secops.alerts.critical_open_over_30d", org(), repo("a"))
    assert sig.reason is UnknownReason.NOT_CONFIGURED and "alerts: true" in (sig.message or "")
