"""Delivery signals merged across GitHub and Jenkins: CI coverage, CI health and tests in CI per repository
(GitHub checks and workflows, Jenkins jobs mapped to the repository by SCM URL), and continuous delivery
(bot- or workflow-created GitHub deployments, Jenkins deploy builds not started by hand)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assay.collectors.derive import EvidenceView, Measured, member, ratio, require_population
from assay.crosssource.base import H, M, signals
from assay.evidence import Evidence, SignalType
from assay.kinds.github import CI_DAYS, WINDOW_DAYS, active, full_name, is_ml, since, within
from assay.kinds.jenkins import builds_since, jenkins_jobs, jobs_by_repo

BOTH = ("github", "jenkins")
DONE_STATES = {"SUCCESS", "FAILURE", "ERROR"}
RUNNING_STATES = {"PENDING"}
NOT_A_RUN = {"NEUTRAL", "SKIPPED", "STALE", None}
FAILED_SUITE = {"FAILURE", "TIMED_OUT", "STARTUP_FAILURE", "CANCELLED"}
FAILED_BUILD = {"FAILURE", "UNSTABLE"}


def github_ci(data: dict[str, Any], start: datetime) -> tuple[bool, int, int]:
    """(CI ran on the default branch since ``start``, successes, failures) from commit checks and suites."""
    ran, ok, bad = False, 0, 0
    commit_times = set()
    for commit in data.get("commits") or []:
        state = commit.get("ci")
        if not state or not within(commit.get("at"), start):
            continue
        commit_times.add(commit.get("at"))
        ran = ran or state in DONE_STATES | RUNNING_STATES
        ok += state == "SUCCESS"
        bad += state in ("FAILURE", "ERROR")
    head = data.get("head") or {}
    for suite in head.get("check_suites") or []:
        if suite.get("status") != "COMPLETED" or suite.get("conclusion") in NOT_A_RUN:
            continue
        if not within(suite.get("updated_at"), start):
            continue
        ran = True
        if head.get("committed_at") not in commit_times:  # e.g. a scheduled run on an older head commit
            ok += suite.get("conclusion") == "SUCCESS"
            bad += suite.get("conclusion") in FAILED_SUITE
    return ran, ok, bad


def _covered(repo: Evidence, jobs: dict[str, list[Evidence]], start: datetime) -> bool:
    if github_ci(repo.data, start)[0]:
        return True
    return any(builds_since(job, start) for job in jobs.get(full_name(repo), []))


def _coverage(view: EvidenceView, population: list[Evidence], what: str) -> Measured:
    require_population(len(population), what)
    jobs = jobs_by_repo(view)
    start = since(view, CI_DAYS)
    covered = [r for r in population if _covered(r, jobs, start)]
    return Measured.share(population, covered, evidence=population + _jobs_of(jobs, population))


def _jobs_of(jobs: dict[str, list[Evidence]], population: list[Evidence]) -> list[Evidence]:
    return [job for r in population for job in jobs.get(full_name(r), [])]


@signals.signal(
    "devops.ci.coverage",
    type=SignalType.RATIO,
    confidence=H,
    sources=BOTH,
    requires=("github",),
    description="Share of active repositories with a CI run on the default branch in the last 30 days "
    "(GitHub check suites and commit statuses, Jenkins jobs mapped to the repository by SCM URL).",
)
def ci_coverage(view: EvidenceView) -> Measured:
    """Active repos whose default branch saw a CI run within 30 days, over active repos."""
    return _coverage(view, active(view), "active repositories")


@signals.signal(
    "devops.ci.ml_coverage",
    type=SignalType.RATIO,
    confidence=H,
    sources=BOTH,
    requires=("github",),
    description="Share of active ML repositories with a CI run on the default branch in the last 30 days.",
)
def ci_ml_coverage(view: EvidenceView) -> Measured:
    """CI coverage restricted to ML repositories (CI on the pipeline code)."""
    return _coverage(view, [r for r in active(view) if is_ml(r.data)], "active ML repositories")


@signals.signal(
    "devops.ci.success_rate",
    type=SignalType.RATIO,
    confidence=H,
    sources=BOTH,
    requires=("github",),
    description="Share of completed default-branch CI runs in the last 30 days that succeeded (GitHub "
    "checks on active repositories and Jenkins builds).",
)
def ci_success_rate(view: EvidenceView) -> Measured:
    """Successful runs over successful + failed runs, GitHub and Jenkins together."""
    start = since(view, CI_DAYS)
    population = active(view)
    ok = bad = 0
    members = []  # a repository or job passes when none of its completed runs failed
    for repo in population:
        _, good, failed = github_ci(repo.data, start)
        ok, bad = ok + good, bad + failed
        if good or failed:
            members.append(member(repo.subject, not failed, repo))
    jobs = jenkins_jobs(view)
    for job in jobs:
        results = [b.get("result") for b in builds_since(job, start)]
        good, failed = results.count("SUCCESS"), sum(1 for r in results if r in FAILED_BUILD)
        ok, bad = ok + good, bad + failed
        if good or failed:
            members.append(member(job.subject, not failed, job))
    require_population(ok + bad, "completed CI runs in the last 30 days", population)
    return Measured(ratio(ok, ok + bad), population + jobs, members)


def _tests(repo: Evidence, jobs: dict[str, list[Evidence]]) -> bool:
    if any(w.get("tests") for w in repo.data.get("workflows") or []):
        return True
    return any(job.data.get("tests") for job in jobs.get(full_name(repo), []))


def _tests_ratio(view: EvidenceView, population: list[Evidence], what: str) -> Measured:
    require_population(len(population), what)
    jobs = jobs_by_repo(view)
    hits = [r for r in population if _tests(r, jobs)]
    return Measured.share(population, hits, evidence=population + _jobs_of(jobs, population))


@signals.signal(
    "devops.ci.tests_ratio",
    type=SignalType.RATIO,
    confidence=M,
    sources=BOTH,
    requires=("github",),
    description="Share of active repositories whose CI runs tests (a GitHub Actions workflow running a "
    "test command, or a Jenkins job publishing test reports).",
)
def tests_ratio(view: EvidenceView) -> Measured:
    """Active repos with a testing workflow or a Jenkins job that publishes test results."""
    return _tests_ratio(view, active(view, "workflows"), "active repositories")


@signals.signal(
    "devops.ci.ml_tests_ratio",
    type=SignalType.RATIO,
    confidence=M,
    sources=BOTH,
    requires=("github",),
    description="Share of active ML repositories whose CI runs tests.",
)
def ml_tests_ratio(view: EvidenceView) -> Measured:
    """Tests in CI, restricted to ML repositories."""
    population = [r for r in active(view, "workflows") if is_ml(r.data)]
    return _tests_ratio(view, population, "active ML repositories")


def automated_deploy_repos(view: EvidenceView) -> tuple[set[str], list[Evidence]]:
    """Services deployed by automation within 90 days: bot-created GitHub deployments, Jenkins deploy
    builds not started by hand."""
    start = since(view, WINDOW_DAYS)
    found: set[str] = set()
    cited: list[Evidence] = []
    for repo in active(view, "repos.deployments"):
        if any(
            d.get("by_bot") and within(d.get("created_at"), start) for d in repo.data.get("deployments") or []
        ):
            found.add(full_name(repo))
            cited.append(repo)
    for job in jenkins_jobs(view):
        if not job.data.get("deploy"):
            continue
        if any(b.get("trigger") != "user" for b in builds_since(job, start)):
            found.add(_service(job))
            cited.append(job)
    return found, cited


def _service(job: Evidence) -> str:
    repos = job.data.get("scm_repos") or []
    return str(repos[0]).lower() if repos else f"jenkins:{job.subject}"


@signals.signal(
    "devops.cd.repos",
    type=SignalType.COUNT,
    confidence=H,
    unit="services",
    sources=BOTH,
    requires=("github",),
    description="Services deployed by automation in the last 90 days (GitHub deployments created by a bot "
    "or workflow, Jenkins deploy builds not started by hand).",
)
def cd_repos(view: EvidenceView) -> Measured:
    """How many services continuous delivery covers."""
    found, cited = automated_deploy_repos(view)
    members = [member(e.subject, True, e) for e in cited]
    return Measured(len(found), cited or active(view), members)
