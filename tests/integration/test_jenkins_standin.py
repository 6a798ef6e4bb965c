"""The Jenkins collector through python-jenkins against the stand-in, over real HTTP on 127.0.0.1.

Auth, CSRF crumbs, folders and multibranch projects, build limits, concurrency, 401/403/404/5xx: every path
goes through the real client library; nothing is patched.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from assay.collectors.base import CollectContext, SourceUnavailable, installed_collectors
from assay.collectors.derive import EvidenceView
from assay.collectors.jenkins import JenkinsCollector, JenkinsConfig
from assay.collectors.runner import collect_bundle
from assay.evidence import CollectorRun, Evidence, SignalStatus, UnknownReason
from assay.sandbox.estate import load_estate
from assay.sandbox.jenkins_fixture import BUILD_CLASS, build_controller
from assay.sandbox.jenkins_standin import TOKEN_ENV, USER, JenkinsStandin

pytestmark = pytest.mark.integration

ESTATES = ["aurora-dynamics", "borealis-health", "cygnus-ai"]


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[JenkinsStandin]:
    estate = load_estate("borealis-health")
    server = JenkinsStandin(build_controller(estate.source("jenkins") or {}, "borealis")).start()
    monkeypatch.setenv(TOKEN_ENV, server.token)
    try:
        yield server
    finally:
        server.stop()


def config(server: JenkinsStandin, **overrides: Any) -> JenkinsConfig:
    return JenkinsConfig(url=server.url, user=USER, token_env=TOKEN_ENV, **overrides)


def collect(cfg: JenkinsConfig) -> tuple[list[Evidence], CollectContext]:
    ctx = CollectContext("jenkins")
    return list(JenkinsCollector().collect(cfg, ctx)), ctx


def values(evidence: list[Evidence], status: str = "ok") -> dict[str, Any]:
    view = EvidenceView(evidence, {"jenkins": CollectorRun(name="jenkins", status=status)})
    return {
        s.name: s.value if s.status is SignalStatus.OK else s.reason for s in JenkinsCollector().derive(view)
    }


def jobs(evidence: list[Evidence]) -> dict[str, dict[str, Any]]:
    return {e.subject: e.data for e in evidence if e.kind == "jenkins.job"}


# The estates' "Ops tools/" jobs carry hostile names; test_estates_through_the_runner reads them.
HOSTILE = ["Ops tools/*"]


def test_reads_folders_multibranch_builds_and_plugins(standin: JenkinsStandin) -> None:
    evidence, ctx = collect(config(standin, exclude=HOSTILE))
    found = jobs(evidence)
    assert sorted(found) == [
        "ci/bed-occupancy-forecast",
        "ci/readmission-risk/develop",
        "ci/readmission-risk/main",
        "ci/sepsis-early-warning",
        "deploy/readmission-api",
        "ml/readmission-training",
    ]
    branch = found["ci/readmission-risk/main"]
    assert branch["type"] == "multibranch"
    assert branch["scm_repos"] == ["borealis-health/readmission-risk"]  # from the project's branch source
    assert branch["stages"] == ["Checkout", "Lint", "Unit tests", "Build image"]  # from Stage View
    assert branch["tests"] is True and branch["test_report"] == {"total": 214, "failed": 0}
    assert len(branch["builds"]) == 16 and {b["trigger"] for b in branch["builds"]} == {"scm"}
    assert {b["result"] for b in branch["builds"]} == {"SUCCESS", "FAILURE"}
    deploy = found["deploy/readmission-api"]
    assert deploy["deploy"] and deploy["approval"] and deploy["ml"] and not deploy["scan"]
    assert deploy["scm_repos"] == ["borealis-health/readmission-api"]
    assert found["ml/readmission-training"]["training"] is True
    # The contract the GitHub collector reads: exactly these keys are always there.
    for data in found.values():
        assert {
            "full_name",
            "type",
            "scm_repos",
            "stages",
            "deploy",
            "approval",
            "tests",
            "training",
            "builds",
        } <= set(data)
        for b in data["builds"]:
            assert set(b) == {"number", "result", "timestamp", "duration_s", "trigger"}
            assert b["timestamp"].endswith("Z")
    plugins = next(e for e in evidence if e.kind == "jenkins.plugins")
    assert plugins.data["categories"]["tests"] == ["junit"]
    controller = next(e for e in evidence if e.kind == "jenkins.controller")
    assert controller.data["version"] == "2.440.3" and controller.data["jobs_read"] == 6
    # One config and one builds request per job (+1 config per multibranch project); no per-build request.
    assert ctx.api_calls["Jenkins.get_job_config"] == 7
    assert ctx.api_calls["Jenkins.get_info(builds)"] == 6
    assert standin.count(r"/\d+/api/json$") == 0
    assert standin.count(r"^/crumbIssuer/") >= 1  # python-jenkins asked for a CSRF crumb
    assert standin.token not in str([e.data for e in evidence])


def test_build_limit_and_window(standin: JenkinsStandin) -> None:
    evidence, _ = collect(config(standin, max_builds=5))
    branch = jobs(evidence)["ci/readmission-risk/main"]
    assert len(branch["builds"]) == 5 and branch["builds_limited"] is True
    assert [b["number"] for b in branch["builds"]] == [16, 15, 14, 13, 12]  # the newest


def test_include_exclude(standin: JenkinsStandin) -> None:
    evidence, _ = collect(config(standin, include=["ci/*"], exclude=["*/develop"]))
    assert sorted(jobs(evidence)) == [
        "ci/bed-occupancy-forecast",
        "ci/readmission-risk/main",
        "ci/sepsis-early-warning",
    ]


def test_bad_token_is_denied(standin: JenkinsStandin, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "wrong-token")
    with pytest.raises(SourceUnavailable) as err:
        collect(config(standin))
    assert err.value.reason is UnknownReason.DENIED
    assert "401" in err.value.message and "wrong-token" not in err.value.message


def test_missing_token_variable_is_not_configured(
    standin: JenkinsStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(SourceUnavailable) as err:
        collect(config(standin))
    assert err.value.reason is UnknownReason.NOT_CONFIGURED and TOKEN_ENV in err.value.message


def test_unreachable_controller() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceUnavailable) as err:
        collect(JenkinsConfig(url=f"http://127.0.0.1:{port}/", retries=0, request_timeout=2))
    assert err.value.reason is UnknownReason.ERROR and "cannot reach Jenkins" in err.value.message


def test_config_xml_denied_is_a_gap_naming_the_permission(standin: JenkinsStandin) -> None:
    standin.faults[r"/config\.xml$"] = 403
    evidence, ctx = collect(config(standin, exclude=HOSTILE))
    gaps = [e for e in evidence if e.kind == "jenkins.gap"]
    # One gap per job (and the multibranch project whose branch source is read), each naming its call.
    assert {(g.subject, g.data["reason"]) for g in gaps} == {("jobs.config", "denied")}
    assert {g.endpoint for g in gaps} == {
        f"job/{name}/config.xml"
        for name in [
            "ci/bed-occupancy-forecast",
            "ci/readmission-risk",
            "ci/readmission-risk/develop",
            "ci/readmission-risk/main",
            "ci/sepsis-early-warning",
            "deploy/readmission-api",
            "ml/readmission-training",
        ]
    }
    assert all("Job/ExtendedRead" in g.data["message"] for g in gaps)
    v = values(evidence, "partial")
    assert v["devops.jenkins.deploy_jobs"] is UnknownReason.DENIED
    assert v["secops.jenkins.scanner_plugins"] == []  # plugins were still read
    assert ctx.errors and ctx.errors[0].reason is UnknownReason.DENIED


def test_server_errors_on_builds_and_plugins(standin: JenkinsStandin) -> None:
    standin.faults[r"^/job/deploy/job/readmission-api/api/json$"] = 500
    standin.faults[r"^/pluginManager/"] = 503
    evidence, _ = collect(config(standin))
    gaps = {e.subject: e.data for e in evidence if e.kind == "jenkins.gap"}
    assert set(gaps) == {"jobs.builds", "plugins"}
    assert gaps["jobs.builds"]["reason"] == "error" and "readmission-api" in gaps["jobs.builds"]["message"]
    v = values(evidence, "partial")
    assert v["devops.jenkins.active_jobs"] is UnknownReason.ERROR
    assert v["secops.jenkins.scanner_plugins"] is UnknownReason.ERROR


def test_job_gone_between_listing_and_reading_is_a_gap(standin: JenkinsStandin) -> None:
    """A listed job that answers 404 is never dropped silently: it is a gap naming the job and the call."""
    standin.faults[r"^/job/ci/job/bed-occupancy-forecast/"] = 404
    evidence, _ = collect(config(standin))
    assert "ci/bed-occupancy-forecast" not in jobs(evidence)
    [gap] = [e for e in evidence if e.kind == "jenkins.gap"]
    assert gap.endpoint == "job/ci/bed-occupancy-forecast/config.xml" and "404" in gap.data["message"]
    controller = next(e for e in evidence if e.kind == "jenkins.controller")
    assert controller.data["jobs_unreadable"] == 1
    assert values(evidence, "partial")["devops.jenkins.active_jobs"] is UnknownReason.ERROR


@pytest.mark.parametrize("name", ESTATES)
def test_estates_through_the_runner(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner counts the HTTP requests; the estates show their designed Jenkins practices."""
    estate = load_estate(name)
    server = JenkinsStandin(build_controller(estate.source("jenkins") or {}, name)).start()
    monkeypatch.setenv(TOKEN_ENV, server.token)
    try:
        registry = installed_collectors()
        bundle = collect_bundle({"jenkins": config(server)}, registry)
    finally:
        server.stop()
    run = next(r for r in bundle.collectors if r.name == "jenkins")
    assert run.status == "ok" and run.http_requests > 0
    # Every job is read under the name Jenkins gives it, however it must be quoted on the wire: spaces,
    # non-ASCII, a 200-character name, branch items such as `fix%2F100%25-coverage`.
    read = {e.subject for e in bundle.evidence if e.kind == "jenkins.job"}
    assert read == {n for n, item in server.controller.items.items() if item.cls in BUILD_CLASS}
    assert {"Ops tools/config-lint/feature%2Fx-ray", "Ops tools/config-lint/fix%2F100%25-coverage"} <= read
    assert max(len(n.rsplit("/", 1)[-1]) for n in read) == 200
    # Every counted call is one HTTP request, plus the one CSRF crumb python-jenkins fetches first.
    assert sum(server.requests.values()) == sum(run.api_calls.values()) + 1
    v = {s.name: s.value for s in bundle.signals if s.source == "jenkins" and s.status is SignalStatus.OK}
    expected = {
        "aurora-dynamics": {"devops.jenkins.deploy_jobs": 0, "ml.pipeline.jenkins_training_builds_30d": 0},
        "borealis-health": {
            "devops.jenkins.deploy_jobs": 1,
            "secops.jenkins.approval_ratio": 1.0,
            "secops.jenkins.scan_ratio": 0.0,
            "ml.pipeline.jenkins_training_builds_30d": 3,
            "ml.ct.jenkins_scheduled_training": 0,
            "ml.cd.jenkins_auto_model_deploy_jobs": 0,
        },
        "cygnus-ai": {
            "devops.jenkins.deploy_jobs": 3,
            "secops.jenkins.scan_ratio": 1.0,
            "secops.jenkins.auto_promotion_ratio": 1.0,
            "ml.ct.jenkins_scheduled_training": 3,
            "ml.cd.jenkins_auto_model_deploy_jobs": 3,
            "ml.cd.jenkins_validation_gates": 3,
            "ml.cd.jenkins_rollback_jobs": 0,
        },
    }[name]
    assert {k: v.get(k) for k in expected} == expected


def test_permissions_cover_every_path_the_collector_reads(standin: JenkinsStandin) -> None:
    collect(config(standin))
    text = JenkinsCollector.permissions()
    assert "Overall/Read" in text and "Job/Read" in text and "Job/ExtendedRead" in text
    served = {_generic(path) for path in standin.requests}
    assert served == {
        "/", "/crumbIssuer/api/json", "/me/api/json", "/api/json", "/pluginManager/api/json",
        "job:api/json", "job:config.xml", "build:testReport/api/json", "build:wfapi/describe",
    }  # fmt: skip
    named = {
        "/crumbIssuer/api/json": "crumbIssuer/api/json", "/me/api/json": "/me/api/json",
        "/api/json": "api/json?tree=jobs", "/pluginManager/api/json": "pluginManager/api/json",
        "job:api/json": "api/json?tree=builds", "job:config.xml": "config.xml",
        "build:testReport/api/json": "testReport/api/json", "build:wfapi/describe": "wfapi/describe",
        "/": "X-Jenkins",
    }  # fmt: skip
    for path in served:
        assert named[path] in text, path


def _generic(path: str) -> str:
    """A served path without job names and build numbers."""
    if not path.startswith("/job/"):
        return path
    rest = re.sub(r"^(/job/[^/]+)+/", "", path).rstrip("/")
    return f"build:{rest.split('/', 1)[1]}" if re.match(r"\d+/", rest) else f"job:{rest}"
