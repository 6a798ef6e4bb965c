"""DORA signals over the last 90 days of production deployments: GitHub deployments to a production
environment and Jenkins deploy builds, per service (repository, or Jenkins job without one)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from assay.collectors.derive import EvidenceView, Measured, Unknown, member, ratio
from assay.crosssource.base import H, signals
from assay.evidence import Evidence, SignalType, UnknownReason
from assay.kinds.github import (
    PRODUCTION,
    WINDOW_DAYS,
    active,
    full_name,
    median,
    merged_prs,
    since,
    ts,
    within,
)
from assay.kinds.jenkins import builds_since, jenkins_jobs

BOTH = ("github", "jenkins")
SUCCESS = {"SUCCESS"}
FAILED = {"FAILURE", "ERROR", "UNSTABLE"}


@dataclass
class Service:
    """One deployable service's production deployments: (time, succeeded)."""

    events: list[tuple[datetime, bool]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def successes(self) -> list[datetime]:
        return sorted(t for t, ok in self.events if ok)


def services(view: EvidenceView) -> dict[str, Service]:
    """Production deployments of the last 90 days, by service; Jenkins jobs join the repo they build."""
    start = since(view, WINDOW_DAYS)
    found: dict[str, Service] = defaultdict(Service)
    for repo in active(view, "repos.deployments"):
        for dep in repo.data.get("deployments") or []:
            if not PRODUCTION.search(dep.get("environment") or "") or not within(
                dep.get("created_at"), start
            ):
                continue
            state = dep.get("state")
            if state in SUCCESS or state in FAILED:
                service = found[full_name(repo)]
                service.events.append((ts(dep.get("status_at") or dep["created_at"]), state in SUCCESS))  # type: ignore[arg-type]
                service.evidence.append(repo)
    for job in jenkins_jobs(view):
        if not job.data.get("deploy"):
            continue
        repos = job.data.get("scm_repos") or []
        key = str(repos[0]).lower() if repos else f"jenkins:{job.subject}"
        for build in builds_since(job, start):
            result = build.get("result")
            if result in SUCCESS or result in FAILED:
                found[key].events.append((ts(build["timestamp"]), result in SUCCESS))  # type: ignore[arg-type]
                found[key].evidence.append(job)
    return dict(found)


def _cited(found: dict[str, Service]) -> list[Evidence]:
    return list({e.id: e for s in found.values() for e in s.evidence}.values())


@signals.signal(
    "devops.dora.deployment_days",
    type=SignalType.NUMBER,
    confidence=H,
    unit="days per 90 days",
    sources=BOTH,
    requires=("github",),
    description="DORA deployment frequency as deployment days: the median, over services that deploy to "
    "production, of distinct days with a successful production deployment in the last 90 days (0 when "
    "nothing was deployed).",
)
def deployment_days(view: EvidenceView) -> Measured:
    """Median distinct successful-deployment days per deploying service."""
    found = {k: s for k, s in services(view).items() if s.successes()}
    if not found:
        return Measured(0, active(view))
    days = [len({t.date() for t in s.successes()}) for s in found.values()]
    return Measured(median(days), _cited(found))


@signals.signal(
    "devops.dora.lead_time",
    type=SignalType.DURATION,
    confidence=H,
    unit="seconds",
    sources=BOTH,
    requires=("github",),
    description="DORA lead time for changes: the median time from opening a pull request to the first "
    "successful production deployment of its repository after the merge (last 90 days).",
)
def lead_time(view: EvidenceView) -> Measured:
    """Median PR-opened -> deployed time over merged PRs of deploying repositories."""
    found = services(view)
    start = since(view, WINDOW_DAYS)
    leads: list[float] = []
    cited: list[Evidence] = []
    for repo in active(view, "repos.deployments"):
        deploys = found.get(full_name(repo))
        if deploys is None or not deploys.successes():
            continue
        for pr in merged_prs(repo.data, start):
            merged, opened = ts(pr.get("merged_at")), ts(pr.get("created_at"))
            shipped = next((t for t in deploys.successes() if merged and t >= merged), None)
            if shipped and opened:
                leads.append((shipped - opened).total_seconds())
                cited.append(repo)
    if not leads:
        raise Unknown(
            UnknownReason.NOT_APPLICABLE,
            "no merged pull request reached a production deployment in the last 90 days",
            active(view),
        )
    return Measured(round(median(leads)), list({e.id: e for e in cited}.values()))


@signals.signal(
    "devops.dora.change_failure_rate",
    type=SignalType.RATIO,
    confidence=H,
    sources=BOTH,
    requires=("github",),
    description="DORA change failure rate: the share of production deployments in the last 90 days that "
    "failed.",
)
def change_failure_rate(view: EvidenceView) -> Measured:
    """Failed production deployments over all finished production deployments."""
    found = services(view)
    events = [ok for s in found.values() for _, ok in s.events]
    if not events:
        raise Unknown(
            UnknownReason.NOT_APPLICABLE, "no production deployments in the last 90 days", active(view)
        )
    members = [  # a service passes when none of its production deployments failed
        member(svc.evidence[0].subject, all(ok for _, ok in svc.events), svc.evidence[0])
        for svc in found.values()
        if svc.events
    ]
    return Measured(ratio(events.count(False), len(events)), _cited(found), members)


@signals.signal(
    "devops.dora.recovery_time",
    type=SignalType.DURATION,
    confidence=H,
    unit="seconds",
    sources=BOTH,
    requires=("github",),
    description="DORA failed-deployment recovery time: the median time from a failed production deployment "
    "to the next successful one of the same service (last 90 days).",
)
def recovery_time(view: EvidenceView) -> Measured:
    """Median failure -> next success time, per service."""
    found = services(view)
    gaps: list[float] = []
    for service in found.values():
        ordered = sorted(service.events)
        for i, (when, ok) in enumerate(ordered):
            if ok:
                continue
            nxt = next((t for t, good in ordered[i + 1 :] if good), None)
            if nxt is not None:
                gaps.append((nxt - when).total_seconds())
    if not gaps:
        raise Unknown(
            UnknownReason.NOT_APPLICABLE,
            "no failed production deployment (followed by a recovery) in the last 90 days",
            _cited(found) or active(view),
        )
    return Measured(round(median(gaps)), _cited(found))
