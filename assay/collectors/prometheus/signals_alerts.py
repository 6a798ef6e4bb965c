"""Prometheus signals about alerting: rules on model metrics, SLI recording rules, alerts that fire and
resolve, alerts left firing, where alerts go, and what history would be needed to judge recovery."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from assay.collectors.derive import EvidenceView, Measured, Unknown
from assay.collectors.prometheus.view import (
    ALERTMANAGER,
    SERVER,
    SOURCE,
    alert_identity,
    history,
    models_by_metric,
    parse_time,
    references_model_metrics,
    rule_groups,
    rules_of,
    signals,
)
from assay.evidence import Confidence, Evidence, SignalType, UnknownReason
from assay.kinds.prometheus_metrics import is_sli_record

H, M, L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
LONG_FIRING = timedelta(days=7)


def _by_metric(view: EvidenceView) -> dict[str, set[str]]:
    """Model metrics by family when the series rows were read; vocabulary alone otherwise."""
    try:
        return models_by_metric(view)
    except Unknown:
        return {}


def _groups(pairs: list[tuple[Evidence, dict[str, Any]]]) -> list[Evidence]:
    return list({g.id: g for g, _ in pairs}.values())


def firing_now(view: EvidenceView) -> list[tuple[Evidence, dict[str, Any]]]:
    """(rule group, alert) for every alert firing when the rules were read."""
    return [
        (g, a)
        for g, r in rules_of(view, "alerting")
        for a in r.get("alerts") or []
        if a.get("state") == "firing"
    ]


@signals.signal(
    "monitoring.rules.model_alerts",
    type=SignalType.COUNT,
    confidence=H,
    unit="rules",
    description="Alerting rules whose expression reads a model metric (model/inference/prediction/drift).",
)
def model_alert_rules(view: EvidenceView) -> Measured:
    """Alerts defined on model behaviour, not only on service health."""
    by_metric = _by_metric(view)
    found = [(g, r) for g, r in rules_of(view, "alerting") if references_model_metrics(r, by_metric)]
    return Measured(len(found), _groups(found) or rule_groups(view))


@signals.signal(
    "monitoring.rules.sli_recording",
    type=SignalType.COUNT,
    confidence=H,
    unit="rules",
    description="Recording rules that compute service-level indicators (latency quantiles, error or success "
    "ratios, availability).",
)
def sli_recording_rules(view: EvidenceView) -> Measured:
    """SLIs kept as recorded series, the base of SLO alerting."""
    found = [(g, r) for g, r in rules_of(view, "recording") if is_sli_record(str(r.get("name", "")))]
    return Measured(len(found), _groups(found) or rule_groups(view))


@signals.signal(
    "monitoring.alerts.firing",
    type=SignalType.COUNT,
    confidence=M,
    unit="alerts",
    description="Alerts firing when the audit read the rules.",
)
def alerts_firing(view: EvidenceView) -> Measured:
    """Firing alert instances, over every alerting rule."""
    found = firing_now(view)
    return Measured(len(found), _groups(found) or rule_groups(view))


@signals.signal(
    "monitoring.alerts.long_firing",
    type=SignalType.COUNT,
    confidence=M,
    unit="alerts",
    description="Alert series that fired continuously for more than 7 days within the last 30 (now or in "
    "the ALERTS history): alerts nobody acts on.",
)
def long_firing(view: EvidenceView) -> Measured:
    """Alerts firing > 7 days: active since more than 7 days, or a 7-day stretch in the history."""
    hist = history(view)
    now = datetime.fromisoformat(hist.data["end"])
    step = timedelta(seconds=int(hist.data.get("step_s", 3600)))
    long: set[tuple[tuple[str, str], ...]] = set()
    for series in hist.data.get("runs") or []:
        for start, end in series.get("runs") or []:
            if datetime.fromisoformat(end) - datetime.fromisoformat(start) + step > LONG_FIRING:
                long.add(alert_identity(series["labels"]))
    used = [hist]
    for group, alert in firing_now(view):
        since = alert.get("active_at")
        if since and now - parse_time(str(since)) > LONG_FIRING:
            long.add(alert_identity(alert.get("labels") or {}))
            used.append(group)
    return Measured(len(long), used)


@signals.signal(
    "monitoring.alerts.resolved_30d",
    type=SignalType.COUNT,
    confidence=M,
    unit="alerts",
    description="Alert series that fired and then resolved within the last 30 days (alerting is live and "
    "acted on).",
)
def resolved(view: EvidenceView) -> Measured:
    """Fired in the window but not firing now, or a firing stretch that ended before the window's end."""
    hist = history(view)
    end = datetime.fromisoformat(hist.data["end"])
    step = timedelta(seconds=int(hist.data.get("step_s", 3600)))
    now_firing = {alert_identity(a.get("labels") or {}) for _, a in firing_now(view)}
    done = {alert_identity(labels) for labels in hist.data.get("fired") or []} - now_firing
    for series in hist.data.get("runs") or []:
        for _, run_end in series.get("runs") or []:
            if end - datetime.fromisoformat(run_end) > step * 1.5:
                done.add(alert_identity(series["labels"]))
    return Measured(len(done), [hist])


@signals.signal(
    "monitoring.alerts.alertmanagers",
    type=SignalType.COUNT,
    confidence=M,
    unit="alertmanagers",
    description="Alertmanagers Prometheus sends its alerts to (0: alerts reach nobody).",
)
def alertmanagers(view: EvidenceView) -> Measured:
    """Active Alertmanagers, from /api/v1/alertmanagers."""
    server = view.one(SERVER)
    if server is None or server.data.get("alertmanagers") is None:
        raise Unknown(UnknownReason.ERROR, "Prometheus did not answer /api/v1/alertmanagers")
    return Measured(int(server.data["alertmanagers"]), [server])


@signals.signal(
    "monitoring.alerts.receivers",
    type=SignalType.COUNT,
    confidence=M,
    unit="receivers",
    description="Alertmanager receivers with at least one integration (email, Slack, PagerDuty, webhook...).",
)
def receivers(view: EvidenceView) -> Measured:
    """Where alerts are delivered; needs collectors.prometheus.alertmanager_url."""
    view.require(SOURCE, "alertmanager")
    ev = view.one(ALERTMANAGER)
    if ev is None:
        raise Unknown(
            UnknownReason.NOT_CONFIGURED,
            "set collectors.prometheus.alertmanager_url to read the Alertmanager receivers",
        )
    return Measured(sum(1 for r in ev.data.get("receivers", []) if r.get("integrations")), [ev])


@signals.signal(
    "monitoring.retraining.alert_triggered",
    type=SignalType.BOOL,
    confidence=L,
    description="An alerting rule on model metrics is routed to retraining (a label or rule name about "
    "retraining, e.g. action=retrain): monitoring-triggered retraining.",
)
def alert_triggered_retraining(view: EvidenceView) -> Measured:
    """Model alerts that start a retrain rather than only page someone."""
    by_metric = _by_metric(view)
    hits = [
        (g, r)
        for g, r in rules_of(view, "alerting")
        if references_model_metrics(r, by_metric)
        and "retrain"
        in " ".join([str(r.get("name", "")), *map(str, (r.get("labels") or {}).items())]).lower()
    ]
    return Measured(bool(hits), _groups(hits) or rule_groups(view))


@signals.signal(
    "monitoring.recovery.improving",
    type=SignalType.BOOL,
    confidence=L,
    description="Alert recovery times improving across audits. Needs the history of earlier audits; one "
    "evidence bundle cannot show a trend, so this stays unknown.",
)
def recovery_improving(view: EvidenceView) -> Measured:
    """Always unknown from one bundle: a trend needs earlier audits' results (the history store)."""
    raise Unknown(
        UnknownReason.UNSUPPORTED,
        "a trend in recovery times needs earlier audits to compare with; one evidence bundle cannot show it",
    )
