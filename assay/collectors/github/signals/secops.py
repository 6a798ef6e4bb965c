"""SecOps signals: branch protection, scanning coverage, and the alert-based ones (critical alert age,
remediation speed), which are unknown when the token may not read alerts."""

from __future__ import annotations

from typing import Any

from assay.collectors.derive import EvidenceView, Measured, Unknown, require_population
from assay.collectors.github.signals.base import (
    ALERTS,
    ORG,
    SECURITY,
    SOURCE,
    WINDOW_DAYS,
    active,
    has,
    median,
    reference,
    signals,
    ts,
)
from assay.evidence import Confidence, Evidence, SignalType, UnknownReason

H, M = Confidence.HIGH, Confidence.MEDIUM
ALERT_KINDS = ("dependabot", "code_scanning", "secret_scanning")
DAY = 86400.0


def protected(data: dict[str, Any]) -> bool:
    """The default branch requires ≥1 approving review AND status checks (classic rule or rulesets)."""
    prot = data.get("protection") or {}
    classic = prot.get("classic") or {}
    rules = prot.get("rules") or []
    approvals = max(
        [int(classic.get("approvals") or 0)]
        + [int(r.get("approvals") or 0) for r in rules if r.get("type") == "PULL_REQUEST"]
    )
    checks = bool(classic.get("status_checks")) or any(
        r.get("type") == "REQUIRED_STATUS_CHECKS" for r in rules
    )
    return approvals >= 1 and checks


@signals.signal(
    "secops.branch_protection.ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of active repositories whose default branch requires at least one approving review "
    "and passing status checks (branch protection rule or ruleset).",
)
def branch_protection_ratio(view: EvidenceView) -> Measured:
    """Protected active repos over active repos."""
    population = active(view, "repos.protection")
    require_population(len(population), "active repositories")
    return Measured.share(population, [r for r in population if protected(r.data)])


def _settings(view: EvidenceView) -> tuple[dict[str, dict[str, bool]], list[Evidence]]:
    """``org/repo`` -> its security settings, for the repositories whose settings the token could see."""
    view.require(SOURCE, "security_settings")
    found: dict[str, dict[str, bool]] = {}
    evidence = view.of_kind(SECURITY)
    for ev in evidence:
        for name, settings in (ev.data.get("repos") or {}).items():
            if settings is not None:
                found[f"{ev.subject.lower()}/{name.lower()}"] = settings
    return found, evidence


def _setting_ratio(view: EvidenceView, key: str) -> Measured:
    settings, cited = _settings(view)
    population = [r for r in active(view) if r.subject.lower() in settings]
    require_population(len(population), "active repositories with visible security settings", cited)
    hits = [r for r in population if settings[r.subject.lower()].get(key)]
    return Measured.share(population, hits, evidence=population + cited)


@signals.signal(
    "secops.secret_scanning.ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of active repositories with secret scanning enabled.",
)
def secret_scanning_ratio(view: EvidenceView) -> Measured:
    """Repos with secret scanning, over active repos whose settings are visible."""
    return _setting_ratio(view, "secret_scanning")


@signals.signal(
    "secops.push_protection.ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of active repositories with secret-scanning push protection enabled.",
)
def push_protection_ratio(view: EvidenceView) -> Measured:
    """Repos that block pushes containing secrets."""
    return _setting_ratio(view, "push_protection")


@signals.signal(
    "secops.automated_remediation.ratio",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of active repositories where fixes are proposed automatically (Dependabot security "
    "updates enabled, or Dependabot version updates configured).",
)
def automated_remediation_ratio(view: EvidenceView) -> Measured:
    """Dependabot security updates or a dependabot.yml, over active repos with visible settings."""
    settings, cited = _settings(view)
    population = [r for r in active(view) if r.subject.lower() in settings]
    require_population(len(population), "active repositories with visible security settings", cited)
    hits = [
        r
        for r in population
        if settings[r.subject.lower()].get("security_updates")
        or has(r.data, "dependabot.y*ml", path=".github")
    ]
    return Measured.share(population, hits, evidence=population + cited)


@signals.signal(
    "secops.dependency_scanning.ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of active repositories scanned for vulnerable dependencies (Dependabot alerts "
    "enabled, or Dependabot configured).",
)
def dependency_scanning_ratio(view: EvidenceView) -> Measured:
    """Repos with vulnerability alerts or a dependabot.yml, over active repos."""
    population = active(view)
    require_population(len(population), "active repositories")
    hits = [
        r
        for r in population
        if r.data.get("vulnerability_alerts") or has(r.data, "dependabot.y*ml", path=".github")
    ]
    return Measured.share(population, hits)


@signals.signal(
    "secops.code_scanning.ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of active repositories with code scanning in CI (CodeQL or a SARIF-uploading "
    "scanner in a workflow).",
)
def code_scanning_ratio(view: EvidenceView) -> Measured:
    """Repos with a code-scanning workflow over active repos."""
    population = active(view, "workflows")
    require_population(len(population), "active repositories")
    hits = [r for r in population if any(w.get("code_scanning") for w in r.data.get("workflows") or [])]
    return Measured.share(population, hits)


def alert_lists(view: EvidenceView) -> list[Evidence]:
    """Every organisation's alert lists; unknown when any alert type was denied, failed or switched off."""
    for kind in ALERT_KINDS:
        view.require(SOURCE, f"alerts.{kind}")
    lists = view.of_kind(ALERTS)
    orgs = {o.subject.lower() for o in view.of_kind(ORG)}
    seen = {(e.subject.lower().rsplit("/", 1)[0], e.data.get("type")) for e in lists}
    missing = sorted(f"{org} {kind}" for org in orgs for kind in ALERT_KINDS if (org, kind) not in seen)
    if missing:
        raise Unknown(
            UnknownReason.NOT_CONFIGURED,
            f"alerts were not read ({', '.join(missing)}); set collectors.github.alerts: true",
            lists,
        )
    return lists


def _open_ages(view: EvidenceView, lists: list[Evidence]) -> list[float]:
    now = reference(view)
    ages = []
    for ev in lists:
        for alert in ev.data.get("open_critical") or []:
            created = ts(alert.get("created_at"))
            if created is not None and (
                alert.get("severity") == "critical" or ev.data.get("type") == "secret_scanning"
            ):
                ages.append((now - created).total_seconds() / DAY)
    return ages


@signals.signal(
    "secops.alerts.critical_open_over_30d",
    type=SignalType.COUNT,
    confidence=H,
    unit="alerts",
    description="Open critical alerts older than 30 days: Dependabot and code-scanning alerts of critical "
    "severity, and open secret-scanning alerts.",
)
def critical_open_over_30d(view: EvidenceView) -> Measured:
    """How many critical alerts have been left open for more than 30 days."""
    lists = alert_lists(view)
    return Measured(sum(1 for age in _open_ages(view, lists) if age > 30), lists)


@signals.signal(
    "secops.alerts.critical_open_max_age_days",
    type=SignalType.NUMBER,
    confidence=H,
    unit="days",
    description="Age in days of the oldest open critical alert (0 when none is open).",
)
def critical_open_max_age(view: EvidenceView) -> Measured:
    """The oldest open critical alert's age."""
    lists = alert_lists(view)
    ages = _open_ages(view, lists)
    return Measured(round(max(ages), 1) if ages else 0, lists)


@signals.signal(
    "secops.remediation.median_days",
    type=SignalType.NUMBER,
    confidence=M,
    unit="days",
    description="Median days from opening to fixing of the Dependabot, code-scanning and secret-scanning "
    "alerts fixed in the last 90 days.",
)
def remediation_median_days(view: EvidenceView) -> Measured:
    """Median fix time of recently fixed alerts."""
    lists = alert_lists(view)
    start = reference(view).timestamp() - WINDOW_DAYS * DAY
    spans = []
    for ev in lists:
        for alert in ev.data.get("closed") or []:
            opened, closed = ts(alert.get("created_at")), ts(alert.get("closed_at"))
            if opened and closed and closed.timestamp() >= start:
                spans.append((closed - opened).total_seconds() / DAY)
    require_population(len(spans), "alerts fixed in the last 90 days", lists)
    return Measured(round(median(spans), 2), lists)
