"""Build a Jenkins controller's state from an estate's ``jenkins.yaml``: items, config.xml, builds, plugins.

The shapes are Jenkins' own (``_class`` names, config.xml elements, build causes, test reports, Pipeline
Stage View), so python-jenkins and the collector read them exactly as they read a real controller. The
fixture format is documented at the top of ``fixtures/estates/borealis-health/jenkins.yaml``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from assay.errors import EstateError

FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
FREESTYLE = "hudson.model.FreeStyleProject"
PIPELINE = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
MULTIBRANCH = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
BUILD_CLASS = {
    FREESTYLE: "hudson.model.FreeStyleBuild",
    PIPELINE: "org.jenkinsci.plugins.workflow.job.WorkflowRun",
}
CAUSES = {
    "timer": ("hudson.triggers.TimerTrigger$TimerTriggerCause", "Started by timer"),
    "scm": ("hudson.triggers.SCMTrigger$SCMTriggerCause", "Started by an SCM change"),
    "branch": ("jenkins.branch.BranchEventCause", "Push event to branch"),
    "user": ("hudson.model.Cause$UserIdCause", "Started by user"),
    "upstream": ("hudson.model.Cause$UpstreamCause", "Started by upstream project"),
    "remote": ("hudson.model.Cause$RemoteCause", "Started by remote host"),
}
RESULT_COLOR = {"SUCCESS": "blue", "FAILURE": "red", "UNSTABLE": "yellow", "ABORTED": "aborted"}
DAY_MS = 86_400_000


@dataclass
class Item:
    """One Jenkins item: a folder or multibranch project (with children) or a buildable job."""

    full_name: str
    cls: str
    config_xml: str = ""
    builds: list[dict[str, Any]] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)  # what Pipeline Stage View reports for each run
    children: list[str] = field(default_factory=list)
    description: str = ""
    upstream: str = ""  # the job whose success starts this one (its builds' upstream cause names it)

    @property
    def name(self) -> str:
        return self.full_name.rsplit("/", 1)[-1]


@dataclass
class Controller:
    """Everything the stand-in serves."""

    version: str
    items: dict[str, Item]
    plugins: list[dict[str, Any]]

    def top_level(self) -> list[str]:
        return [n for n in self.items if "/" not in n]


def build_controller(fixture: dict[str, Any], where: str, now_ms: int | None = None) -> Controller:
    """Turn the fixture into items; folders are created from job paths, build times are back-dated."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    items: dict[str, Item] = {}
    for job in fixture.get("jobs") or []:
        if not isinstance(job, dict) or not job.get("name"):
            raise EstateError(f"{where}: every job needs a name")
        _add_job(items, job, where, now_ms)
    plugins = [_plugin(p) for p in fixture.get("plugins") or []]
    return Controller(str(fixture.get("version", "2.462.3")), items, plugins)


def _ensure_folders(items: dict[str, Item], full_name: str) -> None:
    parts = full_name.split("/")
    for depth in range(1, len(parts)):
        folder, parent = "/".join(parts[:depth]), "/".join(parts[: depth - 1])
        if folder not in items:
            items[folder] = Item(folder, FOLDER, _folder_xml())
            if parent:
                items[parent].children.append(folder)
    parent = "/".join(parts[:-1])
    if parent:
        items[parent].children.append(full_name)


def _add_job(items: dict[str, Item], job: dict[str, Any], where: str, now_ms: int) -> None:
    name, kind = str(job["name"]), str(job.get("type", "pipeline"))
    if name in items:
        raise EstateError(f"{where}: job {name} is defined twice")
    _ensure_folders(items, name)
    builds = _builds(job, where, now_ms)
    stage_names = [_stage_name(s) for s in job.get("stages") or []]
    if kind == "freestyle":
        items[name] = Item(name, FREESTYLE, _freestyle_xml(job), builds)
    elif kind == "pipeline":
        scm = job.get("jenkinsfile") == "scm"
        xml = _pipeline_xml(job, None if scm else pipeline_script(job))
        items[name] = Item(name, PIPELINE, xml, builds, stage_names)
    elif kind == "multibranch":
        items[name] = Item(name, MULTIBRANCH, _multibranch_xml(job))
        for branch in job.get("branches") or ["main"]:
            child = f"{name}/{branch_item_name(str(branch))}"
            items[child] = Item(
                child, PIPELINE, _pipeline_xml(job, None), [dict(b) for b in builds], stage_names
            )
            items[name].children.append(child)
    else:
        raise EstateError(f"{where}: job {name}: type must be freestyle, pipeline or multibranch, not {kind}")
    upstream = str((job.get("triggers") or {}).get("upstream") or "")
    for item in items.values():
        if item.full_name == name or item.full_name.startswith(name + "/"):
            item.description = item.description or str(job.get("description", ""))
            item.upstream = item.upstream or upstream


def branch_item_name(branch: str) -> str:
    """The item name Jenkins' branch API gives a branch: ``%`` and ``/`` percent-encoded (``feature%2Fx``)."""
    return branch.replace("%", "%25").replace("/", "%2F")


def _builds(job: dict[str, Any], where: str, now_ms: int) -> list[dict[str, Any]]:
    """Build records oldest first, numbered from 1, spread evenly over each group's days_ago range."""
    planned: list[tuple[int, dict[str, Any]]] = []
    for group in job.get("builds") or []:
        count = int(group.get("count", 1))
        days = group.get("days_ago", 1)
        lo, hi = (float(days[0]), float(days[-1])) if isinstance(days, list) else (float(days), float(days))
        for i in range(count):
            ago = hi - (hi - lo) * (i / (count - 1)) if count > 1 else lo
            planned.append((now_ms - int(ago * DAY_MS), group))
    planned.sort(key=lambda p: p[0])
    builds = []
    for number, (ts, group) in enumerate(planned, start=1):
        trigger = str(group.get("trigger", "user"))
        if trigger not in CAUSES:
            raise EstateError(f"{where}: job {job['name']}: unknown trigger {trigger}")
        result = group.get("result", "SUCCESS")
        builds.append(
            {
                "number": number,
                "timestamp": ts,
                "duration": int(float(group.get("duration_s", 120)) * 1000),
                "result": result,
                "building": False,
                "cause": trigger,
                "tests": group.get("tests"),
            }
        )
    return builds


def _plugin(entry: Any) -> dict[str, Any]:
    name, version = (entry, "1.0") if isinstance(entry, str) else (entry["name"], str(entry.get("version")))
    return {
        "shortName": name,
        "longName": name.replace("-", " ").title(),
        "version": version,
        "active": True,
        "backupVersion": None,
        "enabled": True,
        "bundled": False,
        "deleted": False,
        "downgradable": False,
        "hasUpdate": False,
        "pinned": False,
        "supportsDynamicLoad": "MAYBE",
        "dependencies": [],
        "url": f"https://plugins.jenkins.io/{name}",
    }


# ---- config.xml ------------------------------------------------------------------------------------------


def _stage_name(stage: Any) -> str:
    return str(stage if isinstance(stage, str) else stage["name"])


def pipeline_script(job: dict[str, Any]) -> str:
    """A declarative Jenkinsfile with the fixture's stages, steps, approvals and triggers."""
    lines = ["pipeline {", "  agent any"]
    triggers = job.get("triggers") or {}
    trig = []
    if "cron" in triggers:
        trig.append(f"cron('{triggers['cron']}')")
    if "scm" in triggers:
        trig.append(f"pollSCM('{triggers['scm']}')")
    if "upstream" in triggers:
        trig.append(
            f"upstream(upstreamProjects: '{triggers['upstream']}', threshold: hudson.model.Result.SUCCESS)"
        )
    if trig:
        lines.append("  triggers { " + "; ".join(trig) + " }")
    lines.append("  stages {")
    for stage in job.get("stages") or []:
        spec = {"name": stage} if isinstance(stage, str) else stage
        lines.append(f"    stage('{spec['name']}') {{")
        lines.append("      steps {")
        if spec.get("input"):
            lines.append(f"        input message: '{spec['input']}'")
        default = [f"sh 'make {_slug(spec['name'])}'"]
        if spec["name"].lower() == "checkout" and job.get("repo"):
            default = [f"git url: 'https://github.com/{job['repo']}.git', branch: 'main'"]
        for step in spec.get("steps") or ([] if spec.get("input") else default):
            lines.append(f"        {step}")
        lines.append("      }")
        lines.append("    }")
    lines.append("  }")
    if job.get("post"):
        lines.append("  post { " + str(job["post"]) + " }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


def _scm_xml(repo: str | None) -> str:
    if not repo:
        return '<scm class="hudson.scm.NullSCM"/>'
    return (
        '<scm class="hudson.plugins.git.GitSCM" plugin="git"><configVersion>2</configVersion>'
        "<userRemoteConfigs><hudson.plugins.git.UserRemoteConfig>"
        f"<url>https://github.com/{escape(repo)}.git</url><credentialsId>github-ro</credentialsId>"
        "</hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>"
        "<branches><hudson.plugins.git.BranchSpec><name>*/main</name></hudson.plugins.git.BranchSpec></branches>"
        "</scm>"
    )


def _triggers_xml(job: dict[str, Any]) -> str:
    triggers = job.get("triggers") or {}
    parts = []
    if "cron" in triggers:
        parts.append(
            f"<hudson.triggers.TimerTrigger><spec>{escape(triggers['cron'])}</spec></hudson.triggers.TimerTrigger>"
        )
    if "scm" in triggers:
        parts.append(
            f"<hudson.triggers.SCMTrigger><spec>{escape(triggers['scm'])}</spec></hudson.triggers.SCMTrigger>"
        )
    if "upstream" in triggers:
        parts.append(
            "<jenkins.triggers.ReverseBuildTrigger>"
            f"<upstreamProjects>{escape(triggers['upstream'])}</upstreamProjects>"
            "</jenkins.triggers.ReverseBuildTrigger>"
        )
    return "<triggers>" + "".join(parts) + "</triggers>"


def _freestyle_xml(job: dict[str, Any]) -> str:
    publishers = (
        '<hudson.tasks.junit.JUnitResultArchiver plugin="junit"><testResults>reports/*.xml</testResults>'
        "</hudson.tasks.junit.JUnitResultArchiver>"
        if job.get("tests")
        else ""
    )
    return (
        "<?xml version='1.1' encoding='UTF-8'?>\n<project>"
        f"<description>{escape(str(job.get('description', '')))}</description>"
        "<keepDependencies>false</keepDependencies>"
        f"{_scm_xml(job.get('repo'))}<canRoam>true</canRoam><disabled>false</disabled>{_triggers_xml(job)}"
        "<builders><hudson.tasks.Shell>"
        f"<command>{escape(str(job.get('shell', 'make')))}</command>"
        "</hudson.tasks.Shell></builders>"
        f"<publishers>{publishers}</publishers><buildWrappers/></project>"
    )


def _pipeline_xml(job: dict[str, Any], script: str | None) -> str:
    properties = (
        "<properties><org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty>"
        f"{_triggers_xml(job)}</org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty>"
        "</properties>"
    )
    if script is not None:
        definition = (
            '<definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition" plugin="workflow-cps">'
            f"<script>{escape(script)}</script><sandbox>true</sandbox></definition>"
        )
    elif job.get("type") == "multibranch":
        definition = (
            '<definition class="org.jenkinsci.plugins.workflow.multibranch.SCMBinder" '
            'plugin="workflow-multibranch"><scriptPath>Jenkinsfile</scriptPath></definition>'
        )
    else:
        definition = (
            '<definition class="org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition" '
            'plugin="workflow-cps">'
            f"{_scm_xml(job.get('repo'))}<scriptPath>Jenkinsfile</scriptPath><lightweight>true</lightweight>"
            "</definition>"
        )
    return (
        "<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition plugin=\"workflow-job\">"
        f"<description>{escape(str(job.get('description', '')))}</description>"
        f"<keepDependencies>false</keepDependencies>{properties}{definition}<disabled>false</disabled>"
        "</flow-definition>"
    )


def _multibranch_xml(job: dict[str, Any]) -> str:
    owner, _, repo = str(job.get("repo", "")).partition("/")
    return (
        "<?xml version='1.1' encoding='UTF-8'?>\n"
        "<org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject "
        'plugin="workflow-multibranch">'
        '<sources class="jenkins.branch.MultiBranchProject$BranchSourceList"><data>'
        "<jenkins.branch.BranchSource>"
        '<source class="org.jenkinsci.plugins.github_branch_source.GitHubSCMSource" '
        'plugin="github-branch-source">'
        f"<id>{escape(job['name'])}</id><credentialsId>github-app</credentialsId>"
        f"<repoOwner>{escape(owner)}</repoOwner><repository>{escape(repo)}</repository>"
        f"<repositoryUrl>https://github.com/{escape(owner)}/{escape(repo)}</repositoryUrl>"
        "</source></jenkins.branch.BranchSource></data></sources>"
        '<factory class="org.jenkinsci.plugins.workflow.multibranch.WorkflowBranchProjectFactory">'
        "<scriptPath>Jenkinsfile</scriptPath></factory>"
        "</org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject>"
    )


def _folder_xml() -> str:
    return (
        "<?xml version='1.1' encoding='UTF-8'?>\n"
        '<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder"><properties/>'
        "<folderViews/><healthMetrics/></com.cloudbees.hudson.plugins.folder.Folder>"
    )
