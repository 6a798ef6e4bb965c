"""The README's "Scheduled audits in CI" examples: each one parses, and the commands it runs work.

Each example is taken from the README as a user copies it. The GitHub Actions workflow's use of the action
runs through the action's own steps (see test_action.py); the GitLab job's and the Jenkinsfile's `assay`
commands run in a checkout of a repository whose audit.yaml reads aurora-dynamics' MLflow estate (Level 1,
so the examples' `--fail-under 2` gate fails with exit 3, as it should). Package installs and downloads
from outside are the lines that are not run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.e2e.test_action import ACTION, ROOT, Runner, audit_config, history_rows, make_origin

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("action")]

NOT_RUN = ("pip ", "curl ")  # installs and downloads: a runner's business, not this machine's


def example(name: str) -> str:
    """The fenced block that follows `<!-- ci-example: NAME -->` in the README."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- ci-example: {name} -->\n```\w+\n(.*?)\n```", readme, re.S)
    assert match, f"the README has no ci-example {name}"
    return match[1]


def run_commands(
    commands: list[str], cwd: Path, env: dict[str, str]
) -> list[subprocess.CompletedProcess[str]]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    done = []
    for command in commands:
        if command.startswith(NOT_RUN):
            continue
        assert command.startswith("assay "), f"an example command this test does not know: {command}"
        done.append(
            subprocess.run(
                ["bash", "-c", command],
                cwd=cwd,
                env={**os.environ, **env, "PATH": path},
                capture_output=True,
                text=True,
                timeout=600,
            )
        )
    return done


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    work = tmp_path / "checkout"
    work.mkdir()
    (work / "audit.yaml").write_text(audit_config(tmp_path))
    return work


def test_github_actions_workflow_runs_the_action(tmp_path: Path) -> None:
    workflow = yaml.safe_load(example("github"))
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}  # YAML 1.1 reads the key `on` as True
    (step,) = [
        s for s in workflow["jobs"]["audit"]["steps"] if s.get("uses", "").split("@")[0].endswith("/assay")
    ]
    assert set(step["with"]) <= set(ACTION["inputs"])
    assert workflow["permissions"] == {"contents": "write", "security-events": "write"}
    runner = Runner(make_origin(tmp_path), tmp_path)
    for run_id in (1, 2):
        *steps, gate = runner.run({**step["with"], "install": "false"}, run_id=run_id)
        assert [p.returncode for p in steps] == [0] * len(steps), [p.stderr for p in steps]
        assert "assay exited 3" in steps[2].stdout and "below --fail-under" in steps[2].stderr
        assert gate.returncode == 3
    assert len(history_rows(tmp_path / "origin.git", tmp_path)) == 2


def test_gitlab_job_commands(checkout: Path) -> None:
    job = yaml.safe_load(example("gitlab"))["maturity-audit"]
    assert job["artifacts"]["reports"]["junit"] == "assay-out/junit.xml"
    commands = [*job["before_script"], *job["script"]]
    assert any(c.startswith("curl ") and "jobs/artifacts" in c for c in commands)
    (audit,) = run_commands(commands, checkout, {k: str(v) for k, v in job["variables"].items()})
    assert audit.returncode == 3, audit.stderr
    assert (checkout / job["variables"]["ASSAY_HISTORY"]).is_file()
    assert {"junit.xml", "results.sarif", "report.md", "report.html"} <= {
        p.name for p in (checkout / "assay-out").iterdir()
    }


def test_jenkinsfile_commands(checkout: Path) -> None:
    jenkinsfile = example("jenkins")
    assert jenkinsfile.count("{") == jenkinsfile.count("}")
    assert "archiveArtifacts" in jenkinsfile and "junit 'assay-out/junit.xml'" in jenkinsfile
    commands = re.findall(r"\bsh '([^']+)'", jenkinsfile)
    assert len(commands) == 2
    (audit,) = run_commands(commands, checkout, {})
    assert audit.returncode == 3, audit.stderr
    assert (checkout / ".assay" / "history.db").is_file()
    assert (checkout / "assay-out" / "junit.xml").is_file()
