"""The kinds of evidence the Jenkins collector writes, and the readers that join its jobs to repositories
(by SCM URL) for the cross-source delivery signals."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from assay.collectors.derive import EvidenceView
from assay.evidence import Evidence

SOURCE = "jenkins"
JOB = "jenkins.job"
PLUGINS = "jenkins.plugins"
CONTROLLER = "jenkins.controller"


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None


def jenkins_jobs(view: EvidenceView) -> list[Evidence]:
    """Jenkins jobs, when the Jenkins collector ran in this audit."""
    return view.of_kind(JOB) if view.available(SOURCE) else []


def jobs_by_repo(view: EvidenceView) -> dict[str, list[Evidence]]:
    """``owner/name`` (lower case) -> the Jenkins jobs that build it, by SCM URL."""
    found: dict[str, list[Evidence]] = defaultdict(list)
    for job in jenkins_jobs(view):
        for repo in job.data.get("scm_repos") or []:
            found[str(repo).lower()].append(job)
    return found


def builds_since(job: Evidence, start: datetime) -> list[dict[str, Any]]:
    """The job's builds started at or after ``start``."""
    return [b for b in job.data.get("builds") or [] if (when := _time(b.get("timestamp"))) and when >= start]
