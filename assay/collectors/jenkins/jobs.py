"""What a Jenkins job does, read from its config.xml (and, for Jenkinsfiles kept in SCM, its stage names).

Pure functions: config text in, a small description out. The patterns are deliberately plain (stage names,
step names, well-known tool names) so a report can say why a job counted as deploying, gated or scanning.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

FREESTYLE_CLASSES = frozenset(
    {"hudson.model.FreeStyleProject", "hudson.maven.MavenModuleSet", "hudson.matrix.MatrixProject"}
)
PIPELINE_CLASS = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
MULTIBRANCH_CLASSES = frozenset(
    {
        "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject",
        "jenkins.branch.OrganizationFolder",
    }
)

_STAGE = re.compile(r"""\bstage\s*\(\s*(?:name\s*:\s*)?(['"])(.+?)\1""")
_INPUT_STEP = re.compile(r"\binput\s*(?:\(|\{|message\b|id\b|ok\b|submitter\b)")
_TEST_PUBLISH = re.compile(r"\b(junit|xunit|nunit|mstest|publishTestResults|testResults)\b", re.I)
_TRAINING = re.compile(r"(?<![a-z])(?:re-?)?train(?:ing|ed)?(?![a-z])|mlflow\s+run\b", re.I)
_DEPLOY_STAGE = re.compile(r"deploy|release|promot|roll-?out|go[- ]live", re.I)
_DEPLOY_COMMAND = re.compile(
    r"\bdeploy|kubectl\s+(?:apply|rollout|set\s+image)|helm\s+(?:upgrade|install)|update-endpoint|"
    r"create-endpoint|terraform\s+apply|promote",
    re.I,
)
_APPROVAL_STAGE = re.compile(r"approv|sign-?off|manual gate|\binput\b", re.I)
_SCAN = re.compile(
    r"trivy|grype|snyk|sonar|dependency-?check|owasp|bandit|semgrep|checkov|tfsec|gitleaks|trufflehog|"
    r"anchore|pip-audit|safety\s+check|npm\s+audit|codeql|zaproxy|owasp-zap|\bkics\b|twistlock|"
    r"\bsast\b|\bdast\b|security[ _-]?scan|vulnerabilit",
    re.I,
)
_VALIDATION_STAGE = re.compile(
    r"validat|evaluat|quality[ _-]?gate|model[ _-]?check|backtest|acceptance", re.I
)
_ROLLBACK = re.compile(r"roll-?back", re.I)
_ML = re.compile(
    r"model|(?<![a-z])ml(?![a-z])|mlops|mlflow|models:/|inference|predict|serving|sagemaker|kserve|seldon|"
    r"bentoml|torchserve|triton|azureml|vertex|feature[ _-]?store|(?<![a-z])(?:re-?)?train",
    re.I,
)
_SCRIPT_TRIGGER = re.compile(r"\b(cron|pollSCM|upstream)\s*\(")
_SCRIPT_SCM_URL = re.compile(
    r"""(?:\burl\s*:\s*|\bgit\s*\(?\s*)(['"])((?:https?|ssh|git)://[^'"]+|[\w.-]+@[^'"]+)\1"""
)


@dataclass
class JobDefinition:
    """The parts of a job's definition that signals read."""

    scm_urls: list[str] = field(default_factory=list)
    script: str = ""  # inline Jenkinsfile or freestyle shell steps; never stored in evidence
    script_in_scm: bool = False
    publishes_tests: bool = False
    timer: bool = False  # a cron/timer trigger is configured
    upstream: bool = False  # builds after another job


def parse_config(xml_text: str) -> JobDefinition:
    """Read a job's config.xml (freestyle, pipeline, multibranch project or branch job)."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return JobDefinition()
    job = JobDefinition()
    for el in root.iter():
        tag = el.tag.rsplit(".", 1)[-1] if "." in el.tag else el.tag
        text = (el.text or "").strip()
        if tag in ("url", "remote", "repositoryUrl") and text:
            job.scm_urls.append(text)
        elif tag == "JUnitResultArchiver" or "junit" in el.tag.lower() or "xunit" in el.tag.lower():
            job.publishes_tests = True
        elif tag == "TimerTrigger":
            job.timer = True
        elif tag == "ReverseBuildTrigger" or tag == "BuildTrigger":
            job.upstream = True
    owner, repo = root.findtext(".//repoOwner"), root.findtext(".//repository")
    if owner and repo:
        job.scm_urls.append(f"https://github.com/{owner.strip()}/{repo.strip()}")
    scripts = [el.text or "" for el in root.iter("script")] + [el.text or "" for el in root.iter("command")]
    job.script = "\n".join(s for s in scripts if s.strip())
    job.scm_urls.extend(m.group(2) for m in _SCRIPT_SCM_URL.finditer(job.script))
    definition = root.find("definition")
    job.script_in_scm = definition is not None and not (definition.findtext("script") or "").strip()
    if _TEST_PUBLISH.search(job.script):
        job.publishes_tests = True
    for kind in _SCRIPT_TRIGGER.findall(job.script):
        job.timer |= kind == "cron"
        job.upstream |= kind == "upstream"
    return job


def github_repo(url: str) -> str | None:
    """``owner/name`` (lowercase) from an https, ssh or scp-style Git URL with an owner/name path."""
    url = url.strip()
    scp = re.fullmatch(r"[\w.-]+@([\w.-]+):(.+)", url)
    path = scp.group(2) if scp else urlsplit(url).path
    if not scp and not urlsplit(url).netloc:
        return None
    parts = [p for p in path.strip("/").removesuffix(".git").split("/") if p]
    if len(parts) != 2:
        return None
    return "/".join(parts).lower()


def stages_of(script: str) -> list[tuple[str, str]]:
    """(stage name, the script text up to the next stage) in order of appearance."""
    matches = list(_STAGE.finditer(script))
    return [
        (m.group(2), script[m.end() : matches[i + 1].start() if i + 1 < len(matches) else len(script)])
        for i, m in enumerate(matches)
    ]


def describe(
    name: str, job_type: str, definition: JobDefinition, run_stages: list[str] | None = None
) -> dict[str, Any]:
    """The evidence fields of one job: the cross-source contract fields plus a few flags signals read.

    ``run_stages`` are the stage names of the last run (for Jenkinsfiles kept in SCM, whose text the
    controller does not hold).
    """
    script = definition.script
    stages = stages_of(script)
    names = [s for s, _ in stages] or list(run_stages or [])
    bodies = {s: body for s, body in stages}
    deploy_at = next((i for i, s in enumerate(names) if _DEPLOY_STAGE.search(s)), None)
    freestyle_deploy = not names and bool(_DEPLOY_COMMAND.search(script) or _DEPLOY_STAGE.search(name))
    deploy = deploy_at is not None or freestyle_deploy
    before_deploy = names[:deploy_at] if deploy_at is not None else names
    text = " ".join([name, *names, script])
    # What the job runs: stage bodies (not the trigger preamble, which may name other jobs) or shell steps.
    steps = " ".join(body for _, body in stages) if stages else script
    return {
        "full_name": name,
        "type": job_type,
        "scm_repos": sorted({r for u in definition.scm_urls if (r := github_repo(u))}),
        "stages": names,
        "deploy": deploy,
        "approval": bool(_INPUT_STEP.search(script) or any(_APPROVAL_STAGE.search(s) for s in names)),
        "tests": definition.publishes_tests,
        "training": bool(_TRAINING.search(" ".join([name, *names, steps]))),
        "ml": bool(_ML.search(text)),
        "scan": bool(_SCAN.search(text)),
        "scan_before_deploy": any(_SCAN.search(s + " " + bodies.get(s, "")) for s in before_deploy)
        or (freestyle_deploy and bool(_SCAN.search(script))),
        "validation_gate": deploy_at is not None and any(_VALIDATION_STAGE.search(s) for s in before_deploy),
        "rollback": bool(_ROLLBACK.search(text)),
        "timer": definition.timer,
        "upstream": definition.upstream,
        "script_in_scm": definition.script_in_scm,
    }
