"""The GitHub Action (action.yml), its shell steps run as GitHub's runner runs them, with GITHUB_* set.

The `uses:` steps (setup-python, code-scanning and artifact uploads) are GitHub's own actions and cannot run
here; every `run:` step runs under `bash --noprofile --norc -eo pipefail`, with its `env:` rendered from the
inputs, against a real git "origin" (a bare repository), so the history branch really is pushed and fetched
between two scheduled runs. The audited estate is a real MLflow store seeded by the sandbox.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from assay.sandbox.estate import estates_root
from assay.sandbox.mlflow_store import seed_store

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("action")]

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


class Runner:
    """Runs the composite action's `run:` steps in order, as the Actions runner would."""

    def __init__(self, origin: Path, root: Path) -> None:
        self.origin = origin
        self.root = root
        self.workspace = root
        self.temp = root
        self.outputs: dict[str, dict[str, str]] = {}

    def context(self, name: str, inputs: dict[str, str]) -> str:
        scope, _, key = name.partition(".")
        if scope == "inputs":
            return inputs[key]
        if name == "github.action_path":
            return str(ROOT)
        if name == "runner.temp":
            return str(self.temp)
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", name)
        if match:
            return self.outputs.get(match[1], {}).get(match[2], "")
        raise AssertionError(f"the test runner does not know the expression {name!r}")

    def render(self, value: str, inputs: dict[str, str]) -> str:
        return EXPRESSION.sub(lambda m: self.context(m[1], inputs), str(value))

    def run(self, given: dict[str, str], run_id: int) -> list[subprocess.CompletedProcess[str]]:
        """One job on a fresh runner: a new clone of the repository and a new RUNNER_TEMP."""
        self.workspace = self.root / f"workspace-{run_id}"
        self.temp = self.root / f"runner-temp-{run_id}"
        self.temp.mkdir()
        git("clone", "--quiet", str(self.origin), str(self.workspace), cwd=self.root)
        self.outputs = {}
        inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        unknown = set(given) - set(inputs)
        assert not unknown, f"not inputs of action.yml: {unknown}"
        inputs.update(given)
        summary = self.temp / f"summary-{run_id}.md"
        done = []
        for step in ACTION["runs"]["steps"]:
            if "uses" in step:
                continue
            assert step["shell"] == "bash" and "if" not in step
            output = self.temp / f"output-{run_id}-{len(done)}"
            output.write_text("")
            env = {
                **os.environ,
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                "GITHUB_ACTIONS": "true",
                "GITHUB_WORKSPACE": str(self.workspace),
                "GITHUB_RUN_ID": str(run_id),
                "GITHUB_SHA": git("rev-parse", "HEAD", cwd=self.workspace).strip(),
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(summary),
                "RUNNER_TEMP": str(self.temp),
                **{k: self.render(v, inputs) for k, v in step.get("env", {}).items()},
            }
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            done.append(proc)
            if "id" in step:
                pairs = [line.split("=", 1) for line in output.read_text().splitlines() if "=" in line]
                self.outputs[step["id"]] = dict(pairs)
            if proc.returncode != 0:
                break
        return done


def make_origin(root: Path) -> Path:
    """A repository ("origin", bare) whose audit.yaml reads an MLflow estate seeded by the sandbox."""
    origin, author = root / "origin.git", root / "author"
    git("init", "--quiet", "--bare", str(origin), cwd=root)
    git("clone", "--quiet", str(origin), str(author), cwd=root)
    (author / "audit.yaml").write_text(audit_config(root))
    git("add", "audit.yaml", cwd=author)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "audit config", cwd=author)
    git("push", "--quiet", "origin", "HEAD", cwd=author)
    return origin


def audit_config(root: Path) -> str:
    """An audit.yaml for aurora-dynamics' MLflow estate (the seed report's client, at Level 1)."""
    db = root / "mlflow.db"
    if not db.exists():
        fixture = yaml.safe_load((estates_root() / "aurora-dynamics" / "mlflow.yaml").read_text())
        fixture["server"] = False
        seed_store(db, fixture, root / "seed")
    return f"scope: aurora-dynamics\ncollectors:\n  mlflow:\n    tracking_uri: sqlite:///{db}\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three jobs on fresh runners: two passing scheduled audits, then one below its threshold."""
    root = tmp_path_factory.mktemp("action")
    origin = make_origin(root)
    runner = Runner(origin, root)
    first = runner.run({"install": "false", "fail-on-drop": "true", "fail-under": "1"}, run_id=1)
    second = runner.run({"install": "false", "fail-on-drop": "true", "fail-under": "1"}, run_id=2)
    gated = runner.run({"install": "false", "fail-under": "mlops=2", "history-branch": ""}, run_id=3)
    return {"root": root, "origin": origin, "runs": [first, second, gated]}


def history_rows(origin: Path, root: Path) -> list[dict[str, Any]]:
    """The audits recorded on the origin's history branch."""
    db = root / "history-copy.db"
    blob = subprocess.run(
        ["git", "--git-dir", str(origin), "show", "assay-history:history.db"],
        check=True,
        capture_output=True,
    )
    db.write_bytes(blob.stdout)
    proc = subprocess.run(
        [sys.executable, "-m", "assay", "history", "--db", str(db), "-f", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def test_every_step_of_a_passing_audit_succeeds(repo: dict[str, Any]) -> None:
    for run in repo["runs"][:2]:
        assert [p.returncode for p in run] == [0] * len(run), [p.stderr for p in run]
    out = repo["root"] / "workspace-2" / "assay-out"
    assert {"results.json", "results.sarif", "junit.xml", "report.md"} <= {p.name for p in out.iterdir()}


def test_the_history_branch_carries_audits_between_runs(repo: dict[str, Any]) -> None:
    first, second = repo["runs"][0], repo["runs"][1]
    assert "this audit starts the history" in first[1].stdout
    assert "restored the audit history from branch assay-history" in second[1].stdout
    assert "kept the audit history on branch assay-history" in second[3].stdout
    rows = history_rows(repo["origin"], repo["root"])
    assert [r["scope"] for r in rows] == ["aurora-dynamics", "aurora-dynamics"]
    log = git("--git-dir", str(repo["origin"]), "log", "--format=%s", "assay-history", cwd=repo["root"])
    assert log.splitlines() == ["assay audit 2 of " + log.split()[-1], "assay audit 1 of " + log.split()[-1]]


def test_the_step_summary_is_written(repo: dict[str, Any]) -> None:
    summary = (repo["root"] / "runner-temp-2" / "summary-2.md").read_text()
    assert "MLOps" in summary and "| Area |" in summary


def test_the_gate_step_fails_with_assays_exit_code(repo: dict[str, Any]) -> None:
    gated = repo["runs"][2]
    *steps, gate = gated
    assert [p.returncode for p in steps] == [0] * len(steps), [p.stderr for p in steps]
    assert "assay exited 3" in steps[2].stdout
    assert gate.returncode == 3
