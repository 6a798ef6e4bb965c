"""Jenkins signals: deploy stages and their frequency, approval gates vs automatic promotion, security
scanning in pipelines, training and retraining jobs. Each is a declaration beside the pure function
that derives it.

Repository-level CI coverage, CI health, tests in CI, CD and DORA merge GitHub's view with the
``jenkins.job`` evidence this collector produces; they are cross-source signals (`assay.crosssource`).
Windows are measured back from the evidence's own observation time, never from the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from assay.collectors.derive import (
    EvidenceView,
    Measured,
    SignalSet,
    Unknown,
    member,
    ratio,
    require_population,
)
from assay.evidence import Confidence, Evidence, SignalType, UnknownReason

SOURCE = "jenkins"
JOB = "jenkins.job"
PLUGINS = "jenkins.plugins"
CONTROLLER = "jenkins.controller"
WINDOW_DAYS = 30
AUTOMATIC = frozenset({"scm", "upstream", "timer"})
RETRAIN_TRIGGERS = frozenset({"timer", "upstream"})

signals = SignalSet(SOURCE)
H, M = Confidence.HIGH, Confidence.MEDIUM


# ---- reading the evidence -------------------------------------------------------------------------------


def jobs(view: EvidenceView) -> list[Evidence]:
    """Every described job; unknown when job definitions or builds could not be read."""
    view.require(SOURCE, "jobs.config")
    view.require(SOURCE, "jobs.builds")
    controller = view.one(CONTROLLER)
    window = int(controller.data.get("window_days", WINDOW_DAYS)) if controller else WINDOW_DAYS
    if window < WINDOW_DAYS:
        raise Unknown(
            UnknownReason.UNSUPPORTED,
            f"the audit read only {window} days of Jenkins builds; set collectors.jenkins.window_days to "
            f"{WINDOW_DAYS} or more",
        )
    return view.of_kind(JOB)


def recent_builds(view: EvidenceView, job: Evidence) -> list[dict[str, Any]]:
    """The job's builds started within 30 days of the observation."""
    since = view.reference_time(SOURCE) - timedelta(days=WINDOW_DAYS)
    return [b for b in job.data.get("builds", []) if datetime.fromisoformat(b["timestamp"]) >= since]


def successes(view: EvidenceView, job: Evidence) -> list[dict[str, Any]]:
    return [b for b in recent_builds(view, job) if b.get("result") == "SUCCESS"]


def active(view: EvidenceView, items: Iterable[Evidence]) -> list[Evidence]:
    """Jobs with at least one build in the window."""
    return [j for j in items if recent_builds(view, j)]


def deploy_jobs(view: EvidenceView) -> list[Evidence]:
    """Active jobs with a deploy/release/promote stage (or deploy steps, for freestyle jobs)."""
    return [j for j in active(view, jobs(view)) if j.data.get("deploy")]


def ml_deploy_jobs(view: EvidenceView) -> list[Evidence]:
    return [j for j in deploy_jobs(view) if j.data.get("ml")]


def promotes_automatically(view: EvidenceView, job: Evidence) -> bool:
    """No manual input step, automated gates (tests or a scan) before the deploy, started by automation."""
    data = job.data
    gated = bool(data.get("tests") or data.get("scan_before_deploy") or data.get("validation_gate"))
    started = {b.get("trigger") for b in successes(view, job)}
    return not data.get("approval") and gated and bool(started & AUTOMATIC)


# ---- DevOps ---------------------------------------------------------------------------------------------


@signals.signal(
    "devops.jenkins.active_jobs",
    type=SignalType.COUNT,
    confidence=H,
    unit="jobs",
    description="Jenkins jobs with at least one build in the last 30 days.",
)
def active_jobs(view: EvidenceView) -> Measured:
    """Jobs that ran recently, whatever their result."""
    found = active(view, jobs(view))
    return Measured(len(found), found)


@signals.signal(
    "devops.jenkins.success_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of finished Jenkins builds in the last 30 days that succeeded.",
)
def success_ratio(view: EvidenceView) -> Measured:
    """SUCCESS over builds with a result (running builds are left out)."""
    items = active(view, jobs(view))
    finished = [b for j in items for b in recent_builds(view, j) if b.get("result")]
    require_population(len(finished), "finished Jenkins builds in the last 30 days")
    ok = sum(1 for b in finished if b["result"] == "SUCCESS")
    members = [  # a job passes when none of its finished builds in the window failed
        member(j.subject, all(b["result"] == "SUCCESS" for b in done), j)
        for j in items
        if (done := [b for b in recent_builds(view, j) if b.get("result")])
    ]
    return Measured(ratio(ok, len(finished)), items, members)


@signals.signal(
    "devops.jenkins.deploy_jobs",
    type=SignalType.COUNT,
    confidence=H,
    unit="jobs",
    description="Jenkins jobs with a deploy/release/promote stage that deployed successfully in 30 days "
    "(continuous delivery on at least one service).",
)
def deploy_job_count(view: EvidenceView) -> Measured:
    """Deploying pipelines that actually ran to success recently."""
    found = [j for j in deploy_jobs(view) if successes(view, j)]
    return Measured(len(found), found)


@signals.signal(
    "devops.jenkins.deploy_days_30d",
    type=SignalType.COUNT,
    confidence=H,
    unit="days",
    description="Distinct days (UTC) in the last 30 with a successful Jenkins deploy build.",
)
def deploy_days(view: EvidenceView) -> Measured:
    """Deployment days, the DORA deployment-frequency measure, from Jenkins alone."""
    found = deploy_jobs(view)
    days = {b["timestamp"][:10] for j in found for b in successes(view, j)}
    return Measured(len(days), found)


# ---- SecOps ---------------------------------------------------------------------------------------------


@signals.signal(
    "secops.jenkins.scan_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of active Jenkins deploy pipelines that run a security scanner (SAST, dependency, "
    "container or secret scanning).",
)
def scan_ratio(view: EvidenceView) -> Measured:
    """Deploy pipelines with a scanner step, over deploy pipelines that ran in 30 days."""
    found = deploy_jobs(view)
    require_population(len(found), "Jenkins deploy pipelines active in the last 30 days")
    return Measured.share(found, [j for j in found if j.data.get("scan")])


@signals.signal(
    "secops.jenkins.approval_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of active Jenkins deploy pipelines with a manual approval (input) gate.",
)
def approval_ratio(view: EvidenceView) -> Measured:
    """Deploy pipelines that wait for a person before deploying (AI CMM SecOps level 3: manually approved)."""
    found = deploy_jobs(view)
    require_population(len(found), "Jenkins deploy pipelines active in the last 30 days")
    return Measured.share(found, [j for j in found if j.data.get("approval")])


@signals.signal(
    "secops.jenkins.auto_promotion_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of active Jenkins deploy pipelines that promote automatically: no manual input, "
    "automated tests/scans/validation before the deploy, deploys started by SCM, upstream or timer.",
)
def auto_promotion_ratio(view: EvidenceView) -> Measured:
    """Trusted rollouts (AI CMM SecOps level 4: automated and automatically approved)."""
    found = deploy_jobs(view)
    require_population(len(found), "Jenkins deploy pipelines active in the last 30 days")
    return Measured.share(found, [j for j in found if promotes_automatically(view, j)])


@signals.signal(
    "secops.jenkins.scanner_plugins",
    type=SignalType.LIST,
    confidence=M,
    description="Security scanning plugins installed and active on the Jenkins controller.",
)
def scanner_plugins(view: EvidenceView) -> Measured:
    """Plugin short names in the security-scanning category."""
    view.require(SOURCE, "plugins")
    ev = view.one(PLUGINS)
    if ev is None:
        raise Unknown(UnknownReason.ERROR, "the Jenkins plugin list was not collected")
    return Measured(ev.data.get("categories", {}).get("security-scanning", []), [ev])


# ---- MLOps ----------------------------------------------------------------------------------------------


@signals.signal(
    "ml.pipeline.jenkins_training_builds_30d",
    type=SignalType.COUNT,
    confidence=H,
    unit="builds",
    description="Successful builds of Jenkins training/retraining jobs in the last 30 days.",
)
def training_builds(view: EvidenceView) -> Measured:
    """Training pipeline executions that completed."""
    found = [j for j in jobs(view) if j.data.get("training")]
    return Measured(sum(len(successes(view, j)) for j in found), found)


@signals.signal(
    "ml.ct.jenkins_scheduled_training",
    type=SignalType.COUNT,
    confidence=M,
    unit="jobs",
    description="Jenkins training jobs that retrained at least twice in 30 days on a schedule or after "
    "an upstream job (continuous training).",
)
def scheduled_training(view: EvidenceView) -> Measured:
    """Training jobs whose successful builds were started by a timer or an upstream job, ≥2 in 30 days."""
    training = [j for j in jobs(view) if j.data.get("training")]
    found = [
        j for j in training if sum(1 for b in successes(view, j) if b.get("trigger") in RETRAIN_TRIGGERS) >= 2
    ]
    return Measured.count(training, found)


@signals.signal(
    "ml.cd.jenkins_model_deploys_30d",
    type=SignalType.COUNT,
    confidence=H,
    unit="builds",
    description="Successful Jenkins deploy builds of ML jobs (model serving, inference, registry "
    "promotion) in the last 30 days.",
)
def model_deploys(view: EvidenceView) -> Measured:
    """How often models reach production through Jenkins."""
    found = ml_deploy_jobs(view)
    return Measured(sum(len(successes(view, j)) for j in found), found)


@signals.signal(
    "ml.cd.jenkins_auto_model_deploy_jobs",
    type=SignalType.COUNT,
    confidence=H,
    unit="jobs",
    description="Jenkins ML deploy pipelines that deploy models automatically (no manual input, gated by "
    "tests/validation, started by SCM, upstream or timer) and succeeded in 30 days.",
)
def auto_model_deploys(view: EvidenceView) -> Measured:
    """Model continuous delivery."""
    population = ml_deploy_jobs(view)
    return Measured.count(population, [j for j in population if promotes_automatically(view, j)])


@signals.signal(
    "ml.cd.jenkins_validation_gates",
    type=SignalType.COUNT,
    confidence=M,
    unit="jobs",
    description="Active Jenkins ML deploy pipelines with a validation/evaluation stage before the deploy.",
)
def validation_gates(view: EvidenceView) -> Measured:
    """A model is checked before it is deployed."""
    population = ml_deploy_jobs(view)
    return Measured.count(population, [j for j in population if j.data.get("validation_gate")])


@signals.signal(
    "ml.cd.jenkins_rollback_jobs",
    type=SignalType.COUNT,
    confidence=M,
    unit="jobs",
    description="Active Jenkins ML deploy pipelines with an automated rollback step.",
)
def rollback_jobs(view: EvidenceView) -> Measured:
    """A failed model deploy is rolled back by the pipeline, not by hand."""
    population = ml_deploy_jobs(view)
    return Measured.count(population, [j for j in population if j.data.get("rollback")])
