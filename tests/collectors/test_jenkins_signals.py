"""Jenkins signals over hand-built ``jenkins.job`` evidence: pure, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assay.collectors.derive import EvidenceView
from assay.collectors.jenkins import JenkinsCollector
from assay.collectors.jenkins.signals import CONTROLLER, JOB, PLUGINS, signals
from assay.evidence import CollectorRun, Evidence, SignalStatus, UnknownReason

# A fixed observation time far from today: windows must follow the evidence, not the clock.
OBSERVED = datetime(2021, 6, 30, 12, 0, tzinfo=UTC)


def build(
    days_ago: float, result: str | None = "SUCCESS", trigger: str = "scm", n: int = 1
) -> dict[str, Any]:
    ts = (OBSERVED - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")
    return {"number": n, "result": result, "timestamp": ts, "duration_s": 60.0, "trigger": trigger}


def job(name: str, builds: list[dict[str, Any]], **flags: Any) -> Evidence:
    data = {
        "full_name": name,
        "type": "pipeline",
        "scm_repos": [],
        "stages": [],
        "deploy": False,
        "approval": False,
        "tests": False,
        "training": False,
        "ml": False,
        "scan": False,
        "scan_before_deploy": False,
        "validation_gate": False,
        "rollback": False,
        "builds": builds,
        **flags,
    }
    return Evidence.make(
        source="jenkins", kind=JOB, subject=name, endpoint="t", observed_at=OBSERVED, data=data
    )


def controller(window: int = 30) -> Evidence:
    return Evidence.make(
        source="jenkins",
        kind=CONTROLLER,
        subject="http://ci",
        endpoint="t",
        observed_at=OBSERVED,
        data={"window_days": window},
    )


def gap(scope: str, reason: str = "denied") -> Evidence:
    return Evidence.make(
        source="jenkins",
        kind="jenkins.gap",
        subject=scope,
        endpoint="t",
        observed_at=OBSERVED,
        data={"reason": reason, "message": f"{scope} {reason}"},
    )


def derive(*evidence: Evidence, status: str = "ok") -> dict[str, Any]:
    view = EvidenceView(evidence, {"jenkins": CollectorRun(name="jenkins", status=status)})
    out = {}
    for s in JenkinsCollector().derive(view):
        out[s.name] = s.value if s.status is SignalStatus.OK else s.reason
    return out


def test_catalog_declarations() -> None:
    names = [s.name for s in signals.specs]
    assert len(names) == len(set(names)) == 14
    assert all(s.description and s.source == "jenkins" for s in signals.specs)
    for a in names:  # no declared name is a dotted prefix of another
        assert not any(b.startswith(a + ".") for b in names)


def test_ci_and_deploy_signals() -> None:
    v = derive(
        controller(),
        job("ci/api", [build(1), build(2, "FAILURE"), build(3, None), build(45)], tests=True),
        job(
            "deploy/api",
            [build(1, trigger="user"), build(1.2, trigger="user"), build(8)],
            deploy=True,
            approval=True,
        ),
        job("deploy/old", [build(40)], deploy=True, scan=True),  # deployed, but not in the window
        job("idle", []),
    )
    assert v["devops.jenkins.active_jobs"] == 2
    assert v["devops.jenkins.success_ratio"] == round(4 / 5, 4)  # the running build has no result
    assert v["devops.jenkins.deploy_jobs"] == 1
    assert v["devops.jenkins.deploy_days_30d"] == 2  # two builds on the same day count once
    assert v["secops.jenkins.approval_ratio"] == 1.0
    assert v["secops.jenkins.scan_ratio"] == 0.0
    assert v["secops.jenkins.auto_promotion_ratio"] == 0.0


def test_automatic_promotion_needs_gates_and_automation() -> None:
    auto = job(
        "deploy/a",
        [build(1, trigger="upstream")],
        deploy=True,
        tests=True,
        scan=True,
        ml=True,
        validation_gate=True,
        rollback=True,
    )
    ungated = job("deploy/b", [build(1, trigger="scm")], deploy=True)
    by_hand = job("deploy/c", [build(1, trigger="user")], deploy=True, tests=True, ml=True)
    v = derive(controller(), auto, ungated, by_hand)
    assert v["secops.jenkins.auto_promotion_ratio"] == round(1 / 3, 4)
    assert v["secops.jenkins.scan_ratio"] == round(1 / 3, 4)
    assert v["ml.cd.jenkins_auto_model_deploy_jobs"] == 1
    assert v["ml.cd.jenkins_model_deploys_30d"] == 2
    assert v["ml.cd.jenkins_validation_gates"] == 1
    assert v["ml.cd.jenkins_rollback_jobs"] == 1


def test_training_and_continuous_training() -> None:
    nightly = job(
        "ml/nightly",
        [build(d, trigger="timer") for d in (1, 2, 3)] + [build(4, "FAILURE", "timer")],
        training=True,
        ml=True,
    )
    manual = job("ml/manual", [build(2, trigger="user"), build(9, trigger="user")], training=True)
    once = job("ml/once", [build(5, trigger="timer")], training=True)
    v = derive(controller(), nightly, manual, once)
    assert v["ml.pipeline.jenkins_training_builds_30d"] == 6
    assert v["ml.ct.jenkins_scheduled_training"] == 1


def test_no_deploy_pipelines_is_not_applicable_not_zero() -> None:
    v = derive(controller(), job("ci", [build(1)], tests=True))
    assert v["secops.jenkins.scan_ratio"] is UnknownReason.NOT_APPLICABLE
    assert v["devops.jenkins.deploy_jobs"] == 0
    assert v["ml.pipeline.jenkins_training_builds_30d"] == 0


def test_no_builds_in_window_success_ratio_not_applicable() -> None:
    assert derive(controller(), job("old", [build(60)]))["devops.jenkins.success_ratio"] is (
        UnknownReason.NOT_APPLICABLE
    )


def test_denied_config_makes_job_signals_unknown_but_not_plugins() -> None:
    plugins = Evidence.make(
        source="jenkins",
        kind=PLUGINS,
        subject="http://ci",
        endpoint="t",
        observed_at=OBSERVED,
        data={"plugins": [], "categories": {"security-scanning": ["sonar"]}},
    )
    v = derive(controller(), gap("jobs.config"), job("a", [build(1)], deploy=True), plugins, status="partial")
    assert v["devops.jenkins.deploy_jobs"] is UnknownReason.DENIED
    assert v["ml.pipeline.jenkins_training_builds_30d"] is UnknownReason.DENIED
    assert v["secops.jenkins.scanner_plugins"] == ["sonar"]
    v = derive(controller(), gap("plugins"), job("a", [build(1)]), status="partial")
    assert v["secops.jenkins.scanner_plugins"] is UnknownReason.DENIED
    assert v["devops.jenkins.active_jobs"] == 1


def test_short_window_is_unsupported() -> None:
    v = derive(controller(window=7), job("a", [build(1)]))
    assert v["devops.jenkins.active_jobs"] is UnknownReason.UNSUPPORTED


@pytest.mark.parametrize("status", ["failed", "not_configured"])
def test_source_not_available(status: str) -> None:
    v = derive(status=status)
    assert set(v.values()) <= {UnknownReason.NOT_CONFIGURED, UnknownReason.ERROR}


def test_windows_follow_the_evidence_not_the_clock() -> None:
    # Builds 1 day before the observation count, although the observation was years ago.
    assert derive(controller(), job("a", [build(1)]))["devops.jenkins.active_jobs"] == 1
