"""Reading Jenkins job definitions and build history: config.xml, Jenkinsfile stages, causes, windows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assay.collectors.jenkins.builds import BUILDS_TREE, latest_completed, summarise_builds, trigger_of
from assay.collectors.jenkins.collector import failure_reason, job_path, public_url
from assay.collectors.jenkins.jobs import describe, github_repo, parse_config, stages_of
from assay.evidence import UnknownReason
from assay.sandbox.jenkins_fixture import build_controller, pipeline_script
from assay.sandbox.jenkins_tree import apply_tree, parse_tree

NOW = datetime(2022, 3, 1, 12, 0, tzinfo=UTC)

FREESTYLE = """<?xml version='1.1' encoding='UTF-8'?>
<project>
  <scm class="hudson.plugins.git.GitSCM"><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig>
    <url>git@github.com:Acme/Churn-Model.git</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs></scm>
  <triggers><hudson.triggers.TimerTrigger><spec>H 2 * * *</spec></hudson.triggers.TimerTrigger></triggers>
  <builders><hudson.tasks.Shell><command>python train.py &amp;&amp; helm upgrade churn ./chart</command>
  </hudson.tasks.Shell></builders>
  <publishers><hudson.tasks.junit.JUnitResultArchiver><testResults>r.xml</testResults>
  </hudson.tasks.junit.JUnitResultArchiver></publishers>
</project>"""

SCM_PIPELINE = """<flow-definition plugin="workflow-job">
  <definition class="org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition">
    <scm class="hudson.plugins.git.GitSCM"><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig>
      <url>https://github.com/acme/serving.git</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs></scm>
    <scriptPath>Jenkinsfile</scriptPath></definition></flow-definition>"""

MULTIBRANCH = """<org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject>
  <sources><data><jenkins.branch.BranchSource>
    <source class="org.jenkinsci.plugins.github_branch_source.GitHubSCMSource">
      <repoOwner>Cygnus-AI</repoOwner><repository>fraud-api</repository></source>
  </jenkins.branch.BranchSource></data></sources></org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject>"""


def inline(script: str) -> str:
    from xml.sax.saxutils import escape

    return (
        '<flow-definition><definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition">'
        f"<script>{escape(script)}</script></definition></flow-definition>"
    )


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        ("https://github.com/Acme/Repo.git", "acme/repo"),
        ("https://github.com/acme/repo/", "acme/repo"),
        ("git@github.com:Acme/Churn-Model.git", "acme/churn-model"),
        ("ssh://git@github.example.com/team/svc.git", "team/svc"),
        ("https://gitlab.com/group/sub/repo.git", None),
        ("not a url", None),
    ],
)
def test_github_repo(url: str, repo: str | None) -> None:
    assert github_repo(url) == repo


def test_freestyle_config() -> None:
    job = parse_config(FREESTYLE)
    assert job.publishes_tests and job.timer and not job.upstream and not job.script_in_scm
    data = describe("churn-nightly", "freestyle", job)
    assert data["scm_repos"] == ["acme/churn-model"]
    assert data["stages"] == []
    assert data["deploy"] is True  # helm upgrade in a freestyle step
    assert data["training"] is True and data["ml"] is True  # `python train.py`
    assert data["approval"] is False and data["tests"] is True and data["timer"] is True


def test_inline_pipeline_stages_gates_and_scans() -> None:
    script = pipeline_script(
        {
            "repo": "acme/fraud",
            "triggers": {"upstream": "ml/fraud-training"},
            "stages": [
                "Checkout",
                {"name": "Unit tests", "steps": ["sh 'pytest'", "junit 'r.xml'"]},
                {"name": "Validate model", "steps": ["sh 'python validate.py'"]},
                {"name": "Image scan", "steps": ["sh 'trivy image app'"]},
                {"name": "Approve", "input": "Ship it?"},
                {"name": "Deploy to production", "steps": ["sh 'python deploy.py models:/fraud@champion'"]},
            ],
        }
    )
    assert [s for s, _ in stages_of(script)][-1] == "Deploy to production"
    job = parse_config(inline(script))
    assert job.upstream and not job.timer and job.publishes_tests
    assert job.scm_urls == ["https://github.com/acme/fraud.git"]
    data = describe("deploy/fraud", "pipeline", job)
    assert data["deploy"] and data["approval"] and data["tests"] and data["ml"]
    assert data["scan"] and data["scan_before_deploy"] and data["validation_gate"]
    # The upstream trigger names a training job; that does not make the deploy job a training job.
    assert data["training"] is False
    assert data["rollback"] is False


def test_pipeline_without_gates() -> None:
    script = pipeline_script({"stages": ["Build", {"name": "Deploy", "steps": ["sh './deploy.sh'"]}]})
    data = describe("web/deploy", "pipeline", parse_config(inline(script)))
    assert data["deploy"] and not data["approval"] and not data["scan"] and not data["validation_gate"]
    assert not data["tests"] and not data["ml"]


def test_scm_jenkinsfile_uses_stage_view_names() -> None:
    job = parse_config(SCM_PIPELINE)
    assert job.script_in_scm and job.scm_urls == ["https://github.com/acme/serving.git"]
    data = describe("serving", "pipeline", job, ["Build", "Approval", "Release"])
    assert data["stages"] == ["Build", "Approval", "Release"]
    assert data["deploy"] and data["approval"]


def test_multibranch_source() -> None:
    job = parse_config(MULTIBRANCH)
    assert {github_repo(u) for u in job.scm_urls} == {"cygnus-ai/fraud-api"}


def test_broken_config_is_an_empty_definition() -> None:
    assert describe("x", "pipeline", parse_config("<not xml"))["stages"] == []


@pytest.mark.parametrize(
    ("cause", "trigger"),
    [
        ("hudson.triggers.TimerTrigger$TimerTriggerCause", "timer"),
        ("com.cloudbees.jenkins.GitHubPushCause", "scm"),
        ("jenkins.branch.BranchIndexingCause", "scm"),
        ("hudson.model.Cause$UserIdCause", "user"),
        ("hudson.model.Cause$UpstreamCause", "upstream"),
        ("hudson.model.Cause$RemoteCause", "other"),
    ],
)
def test_trigger_of(cause: str, trigger: str) -> None:
    build = {"actions": [{}, {"_class": "hudson.model.CauseAction", "causes": [{"_class": cause}]}]}
    assert trigger_of(build) == trigger


@pytest.mark.parametrize(
    ("cause", "trigger"),
    [
        ({"shortDescription": "Started by timer"}, "timer"),
        ({"shortDescription": "Started by user anonymous", "userId": None, "userName": "anonymous"}, "user"),
        ({"shortDescription": "Started by user Ada Lovelace"}, "user"),
        ({"shortDescription": "Started by an SCM change"}, "scm"),
        ({"shortDescription": "Started by GitHub push by octocat"}, "scm"),
        ({"shortDescription": "Push event to branch feature/x"}, "scm"),
        ({"shortDescription": "Branch indexing"}, "scm"),
        ({"shortDescription": 'Started by upstream project "ml/train" build number 41'}, "upstream"),
        (
            {"shortDescription": "Gestartet durch vorgelagertes Projekt", "upstreamProject": "ml/train"},
            "upstream",
        ),
        ({"shortDescription": "Started by remote host 10.0.0.1"}, "other"),
        ({}, "other"),
    ],
)
def test_trigger_of_a_cause_without_class(cause: dict, trigger: str) -> None:
    """Jenkins 1.x (and tools that drop `_class`) name the cause only by its description and fields."""
    assert trigger_of({"actions": [{"causes": [cause]}]}) == trigger


def test_trigger_of_recorded_pipeline_runs() -> None:
    """Runs of a real multibranch branch job, started by another branch job (`hotfix%2F1.60.1`)."""
    folder = (
        Path(__file__).resolve().parents[2] / "fixtures" / "recorded" / "jenkins" / "pipeline-automation-lib"
    )
    for name in ("build-721-upstream.json", "build-720-upstream.json"):
        run = json.loads((folder / name).read_text(encoding="utf-8"))
        assert trigger_of(run) == "upstream", name
        kept, _ = summarise_builds([run], datetime(2019, 8, 24, tzinfo=UTC), 30, 50)
        assert [(b["number"], b["result"], b["trigger"]) for b in kept] == [
            (run["number"], "SUCCESS", "upstream")
        ]


def _build(number: int, days_ago: float, result: str | None = "SUCCESS", building: bool = False) -> dict:
    ts = int((NOW - timedelta(days=days_ago)).timestamp() * 1000)
    return {"number": number, "timestamp": ts, "duration": 61_500, "result": result, "building": building}


def test_summarise_builds_window_and_limit() -> None:
    raw = [_build(n, days_ago=40 - n) for n in range(1, 41)]  # build 40 is from today, build 1 40 days ago
    kept, cut = summarise_builds(raw, NOW, window_days=30, max_builds=50)
    assert [b["number"] for b in kept] == list(range(40, 9, -1))  # 30 days back, inclusive: 40..10
    assert kept[0] == {
        "number": 40,
        "result": "SUCCESS",
        "timestamp": "2022-03-01T12:00:00Z",
        "duration_s": 61.5,
        "trigger": "other",
    }
    assert cut is False
    kept, cut = summarise_builds(raw, NOW, window_days=30, max_builds=5)
    assert [b["number"] for b in kept] == [40, 39, 38, 37, 36] and cut is True


def test_running_build_has_no_result() -> None:
    kept, _ = summarise_builds([_build(2, 0, None, True), _build(1, 1, "FAILURE")], NOW, 30, 50)
    assert [b["result"] for b in kept] == [None, "FAILURE"]
    assert latest_completed(kept)["number"] == 1


def test_builds_tree_asks_for_a_range() -> None:
    assert (BUILDS_TREE % 50).endswith("{0,50}")


def test_helpers() -> None:
    # Unquoted: python-jenkins quotes each segment itself; quoting here too made Jenkins answer 404.
    assert job_path("ml/fraud training") == "job/ml/job/fraud training"
    assert (
        job_path("svc/feature%2Fx") == "job/svc/job/feature%2Fx"
    )  # a branch item, named as Jenkins names it
    assert public_url("https://bob:secret@ci.example.com/jenkins/?x=1") == "https://ci.example.com/jenkins"
    assert (
        failure_reason(Exception("Possibly authentication failed [403]: Forbidden")) is UnknownReason.DENIED
    )
    assert failure_reason(Exception("Possibly authentication failed [500]: boom")) is UnknownReason.ERROR


def test_tree_filter() -> None:
    body = {
        "_class": "hudson.model.Hudson",
        "mode": "NORMAL",
        "jobs": [
            {"_class": "F", "name": "a", "url": "u", "color": "blue", "jobs": [{"_class": "J", "name": "b"}]},
            {
                "_class": "J",
                "name": "c",
                "url": "v",
                "color": "red",
                "builds": [{"number": i} for i in range(9)],
            },
        ],
    }
    out = apply_tree(body, parse_tree("jobs[name,jobs]"))
    assert out == {
        "_class": "hudson.model.Hudson",
        "jobs": [{"_class": "F", "name": "a", "jobs": [{"_class": "J"}]}, {"_class": "J", "name": "c"}],
    }
    out = apply_tree(body["jobs"][1], parse_tree("builds[number]{2,4}"))
    assert out["builds"] == [{"number": 2}, {"number": 3}]
    with pytest.raises(ValueError):
        parse_tree("jobs[name")


def test_fixture_controller() -> None:
    fixture = {
        "jobs": [
            {
                "name": "svc/api",
                "type": "multibranch",
                "repo": "o/api",
                "branches": ["main", "dev"],
                "stages": ["Build"],
                "builds": [{"count": 3, "days_ago": [1, 3], "trigger": "branch"}],
            },
            {
                "name": "solo",
                "type": "freestyle",
                "builds": [{"count": 1, "days_ago": 2, "result": "FAILURE"}],
            },
        ]
    }
    ctl = build_controller(fixture, "test", now_ms=int(NOW.timestamp() * 1000))
    assert ctl.top_level() == ["svc", "solo"]
    assert ctl.items["svc"].children == ["svc/api"]
    assert ctl.items["svc/api"].children == ["svc/api/main", "svc/api/dev"]
    main = ctl.items["svc/api/main"]
    assert [b["number"] for b in main.builds] == [1, 2, 3]
    assert main.builds[0]["timestamp"] < main.builds[-1]["timestamp"]
    assert ctl.items["solo"].builds[0]["result"] == "FAILURE"
