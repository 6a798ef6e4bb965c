"""The Jenkins collector replayed against answers recorded from real controllers.

The real python-jenkins client reads a loopback server that serves the recordings of
``fixtures/recorded/jenkins`` at the paths python-jenkins requests (``assay.sandbox.jenkins_replay``);
each test asserts what a person reading the recordings expects. Faults (429 with Retry-After, 403, 500)
are answered by the same server in front of the recordings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assay.collectors.base import CollectContext, SourceUnavailable, installed_collectors
from assay.collectors.jenkins import JenkinsCollector, JenkinsConfig
from assay.collectors.runner import collect_bundle
from assay.evidence import Evidence, UnknownReason
from assay.sandbox.jenkins_replay import Fault, JenkinsReplay, load_scenario

pytestmark = pytest.mark.integration


def replay(name: str) -> Iterator[JenkinsReplay]:
    server = JenkinsReplay(load_scenario(name)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def jenkins_rest() -> Iterator[JenkinsReplay]:
    yield from replay("jenkins-rest")


@pytest.fixture
def node_jenkins() -> Iterator[JenkinsReplay]:
    yield from replay("node-jenkins")


def collect(server: JenkinsReplay, **config: Any) -> tuple[list[Evidence], CollectContext]:
    ctx = CollectContext("jenkins", now=server.scenario.now)
    cfg = JenkinsConfig(url=server.url, retries=2, **config)
    return list(JenkinsCollector().collect(cfg, ctx)), ctx


def jobs(evidence: list[Evidence]) -> dict[str, dict[str, Any]]:
    return {e.subject: e.data for e in evidence if e.kind == "jenkins.job"}


def gaps(evidence: list[Evidence]) -> list[Evidence]:
    return [e for e in evidence if e.kind == "jenkins.gap"]


def controller(evidence: list[Evidence]) -> dict[str, Any]:
    return next(e.data for e in evidence if e.kind == "jenkins.controller")


# -- job names that need quoting (issue 9: requested double-encoded, answered 404, silently dropped) -------


def test_names_with_spaces_are_requested_once_quoted(jenkins_rest: JenkinsReplay) -> None:
    evidence, _ = collect(jenkins_rest)
    found = jobs(evidence)
    # jobsInRootFolder.json lists six items: a Maven project, a multibranch project, a folder (holding
    # "Test Project"), a Docker agent template (not a job) and two jobs; names are Jenkins' own.
    assert sorted(found) == ["Test Folder/Test Project", "Test Free Style", "Test Workflow Job"]
    assert "/job/Test%20Free%20Style/api/json" in jenkins_rest.raw_paths
    assert not [p for p in jenkins_rest.raw_paths if "%25" in p]  # nothing quoted twice
    free = found["Test Free Style"]
    assert free["type"] == "freestyle"
    assert free["builds"] == [
        {
            "number": 10,
            "result": "SUCCESS",
            "timestamp": "2016-04-19T18:51:32Z",
            "duration_s": 60.8,
            "trigger": "user",  # "Started by user anonymous", a cause without _class
        }
    ]
    assert found["Test Folder/Test Project"]["builds"][0]["number"] == 10
    assert found["Test Workflow Job"]["type"] == "pipeline" and found["Test Workflow Job"]["builds"] == []
    summary = controller(evidence)
    assert summary["items_seen"] == 7 and summary["jobs_read"] == 3 and summary["other_items"] == 1
    plugins = next(e.data for e in evidence if e.kind == "jenkins.plugins")
    assert plugins["plugins"] == [{"name": "workflow-aggregator", "version": "2.5"}]


def test_listed_items_without_a_recording_are_gaps_naming_item_and_call(jenkins_rest: JenkinsReplay) -> None:
    evidence, ctx = collect(jenkins_rest)
    named = {(g.subject, g.endpoint) for g in gaps(evidence)}
    # No config.xml was recorded for the Maven project, and no branch list for the multibranch project.
    assert named == {
        ("jobs.config", "job/Test Tool/config.xml"),
        ("jobs", "job/Test MultiBranch Project/api/json?tree=jobs"),
    }
    for gap in gaps(evidence):
        assert gap.data["reason"] == "error" and "404" in gap.data["message"]
    assert controller(evidence)["jobs_unreadable"] == 1
    assert controller(evidence)["containers_unlisted"] == 1
    assert len(ctx.errors) == 2


# -- causes without _class (issue 9: classified `other`) -----------------------------------------------


def test_causes_without_class_are_classified_from_what_they_say(node_jenkins: JenkinsReplay) -> None:
    evidence, _ = collect(node_jenkins)
    found = jobs(evidence)
    # Jenkins 1.x: no _class anywhere. buildGet.json: "Started by user anonymous".
    assert sorted(found) == ["asdf", "test-e474800e-9d04-437a-8dd3-c29c7156185e"]
    assert [(b["number"], b["result"], b["trigger"]) for b in found["asdf"]["builds"]] == [
        (1, "SUCCESS", "user")
    ]
    assert found["asdf"]["type"] == "freestyle"  # from config.xml's <project>
    assert found["test-e474800e-9d04-437a-8dd3-c29c7156185e"]["builds"] == []
    assert not gaps(evidence)


def test_scm_cause_without_class() -> None:
    for server in replay("jenkinsapi"):
        evidence, _ = collect(server)
        # build-scm.json: "Started by an SCM change", build #3 of 2013-06-30.
        builds = jobs(evidence)["asdf"]["builds"]
        assert [(b["number"], b["trigger"], b["timestamp"]) for b in builds] == [
            (3, "scm", "2013-06-30T00:54:35Z")
        ]


# -- 429 / 503 with Retry-After (issue 9: a single 429 failed the whole source) --------------------------


def test_a_429_with_retry_after_is_retried(node_jenkins: JenkinsReplay) -> None:
    node_jenkins.faults.append(Fault(r"^/api/json$", 429, times=1, headers={"Retry-After": "1"}))
    node_jenkins.faults.append(Fault(r"^/job/asdf/api/json$", 503, times=1, headers={"Retry-After": "1"}))
    said: list[str] = []
    ctx = CollectContext("jenkins", now=node_jenkins.scenario.now, on_progress=lambda _, m: said.append(m))
    evidence = list(JenkinsCollector().collect(JenkinsConfig(url=node_jenkins.url), ctx))
    assert sorted(jobs(evidence)) == ["asdf", "test-e474800e-9d04-437a-8dd3-c29c7156185e"]
    assert not gaps(evidence) and not ctx.errors
    assert node_jenkins.requests["/api/json"] == 2 and node_jenkins.requests["/job/asdf/api/json"] == 2
    assert "HTTP 429 on /api/json: retrying in 1 s (Retry-After)" in said  # every wait is shown


def test_a_retry_after_longer_than_allowed_is_not_waited_for(node_jenkins: JenkinsReplay) -> None:
    node_jenkins.faults.append(Fault(r"^/job/asdf/api/json$", 429, headers={"Retry-After": "3600"}))
    evidence, _ = collect(node_jenkins, max_retry_wait_seconds=5)
    assert sorted(jobs(evidence)) == ["test-e474800e-9d04-437a-8dd3-c29c7156185e"]
    [gap] = gaps(evidence)
    assert gap.subject == "jobs.builds" and gap.endpoint == "job/asdf/api/json?tree=builds"
    assert "429" in gap.data["message"]
    assert node_jenkins.requests["/job/asdf/api/json"] == 1


# -- the invariant: seen but unreadable is a gap; nothing readable is failed; 401/403 are denied ---------


def test_one_job_failing_is_a_gap_naming_it(jenkins_rest: JenkinsReplay) -> None:
    jenkins_rest.faults.append(Fault(r"^/job/Test Free Style/api/json$", 500))
    evidence, _ = collect(jenkins_rest)
    assert "Test Free Style" not in jobs(evidence) and "Test Workflow Job" in jobs(evidence)
    gap = next(g for g in gaps(evidence) if g.subject == "jobs.builds")
    assert gap.endpoint == "job/Test Free Style/api/json?tree=builds"
    assert "Test Free Style" in gap.data["message"] and "500" in gap.data["message"]


def test_job_read_denied_names_the_permission(node_jenkins: JenkinsReplay) -> None:
    node_jenkins.faults.append(Fault(r"^/job/asdf/api/json$", 403))
    evidence, _ = collect(node_jenkins)
    [gap] = gaps(evidence)
    assert (
        gap.data["reason"] == "denied" and "Job/Read" in gap.data["message"] and "asdf" in gap.data["message"]
    )


@pytest.mark.parametrize(("path", "status"), [(r"^/me/api/json$", 401), (r"^/api/json$", 403)])
def test_refused_controller_is_denied_naming_overall_read(
    node_jenkins: JenkinsReplay, path: str, status: int
) -> None:
    node_jenkins.faults.append(Fault(path, status))
    with pytest.raises(SourceUnavailable) as err:
        collect(node_jenkins)
    assert err.value.reason is UnknownReason.DENIED and "Overall/Read" in err.value.message


def test_a_controller_without_me_is_still_read(node_jenkins: JenkinsReplay) -> None:
    """Recordings of Jenkins 1.x hold no /me answer; a 404 there is not a refusal: the listing decides."""
    node_jenkins.faults.append(Fault(r"^/me/api/json$", 404))
    evidence, ctx = collect(node_jenkins)
    assert sorted(jobs(evidence)) == ["asdf", "test-e474800e-9d04-437a-8dd3-c29c7156185e"]
    assert not ctx.errors


def test_anonymous_refusal_says_to_configure_a_user(node_jenkins: JenkinsReplay) -> None:
    node_jenkins.faults.append(Fault(r"^/me/api/json$", 403))
    with pytest.raises(SourceUnavailable) as err:
        collect(node_jenkins)
    assert err.value.reason is UnknownReason.DENIED
    assert "anonymous" in err.value.message and "collectors.jenkins.user" in err.value.message


def test_nothing_readable_fails_the_source(node_jenkins: JenkinsReplay) -> None:
    node_jenkins.faults.append(Fault(r"^/job/", 500))
    node_jenkins.faults.append(Fault(r"^/pluginManager/", 500))
    bundle = collect_bundle({"jenkins": JenkinsConfig(url=node_jenkins.url)}, installed_collectors())
    run = next(r for r in bundle.collectors if r.name == "jenkins")
    assert run.status == "failed"
    # The items that were seen are still named, one gap each.
    subjects = {e.endpoint for e in bundle.evidence if e.kind == "jenkins.gap"}
    assert "job/asdf/config.xml" in subjects
