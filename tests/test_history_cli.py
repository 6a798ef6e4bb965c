"""History end to end: two real audits of an MLflow estate changed in between, through the CLI.

The estate is a real MLflow SQLite store seeded by the sandbox from a fixture; the second audit runs after
its registered models were deleted through MlflowClient, so the registry criterion flips and the level drops.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assay.cli import app
from assay.sandbox.estate import estates_root
from assay.sandbox.mlflow_store import seed_store

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("history-cli")]  # one estate, audited once

RULES = """\
id: history-test
title: History test
levels: {1: Ad-hoc, 2: Repeatable, 3: Defined, 4: Managed, 5: Optimized}
areas:
  - id: modelops
    title: Model operations
    sources: [mlflow]
    criteria:
      - id: modelops.tracking
        level: 2
        title: Experiments are tracked
        when: signals.ml.tracking.runs_90d >= 20
        recommendation: Track every training run in MLflow.
      - id: modelops.registry
        level: 3
        title: Models are versioned in a registry
        when: signals.ml.registry.versioned_models >= 1
        recommendation: Register models and version them from tracked runs.
"""


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Audit 1 of the cygnus-ai MLflow estate, then the same estate without its registered models: audit 2."""
    root = tmp_path_factory.mktemp("history")
    fixture = yaml.safe_load((estates_root() / "cygnus-ai" / "mlflow.yaml").read_text())
    fixture["server"] = False
    db = root / "mlflow.db"
    (root / "rules.yaml").write_text(RULES)
    (root / "audit.yaml").write_text(
        textwrap.dedent(f"""\
        scope: acme
        rulesets: []
        ruleset_files: [rules.yaml]
        history: {root / "history.db"}
        collectors:
          mlflow:
            tracking_uri: sqlite:///{db}
        """)
    )
    runner = CliRunner()
    summary = root / "step-summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "COLUMNS": "200"}
    paths = {"root": root, "history": root / "history.db", "summary": summary}

    seed_store(db, fixture, root / "work1")
    first = runner.invoke(
        app,
        [
            "audit",
            "-c",
            str(root / "audit.yaml"),
            "-o",
            str(root / "out1"),
            "--fail-on-drop",
            "-f",
            "md,html",
        ],
        env=env,
    )
    assert first.exit_code == 0, first.output
    paths["first_output"] = first.output  # type: ignore[assignment]

    # the estate changes: the team deletes its registered models (through MLflow's own client)
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{db}", registry_uri=f"sqlite:///{db}")
    for model in client.search_registered_models():
        client.delete_registered_model(model.name)
    second = runner.invoke(
        app,
        [
            "audit",
            "-c",
            str(root / "audit.yaml"),
            "-o",
            str(root / "out2"),
            "--fail-on-drop",
            "-f",
            "html,junit",
        ],
        env=env,
    )
    paths["second_output"] = second.output  # type: ignore[assignment]
    paths["second_code"] = second.exit_code  # type: ignore[assignment]
    return paths


def test_a_drop_makes_fail_on_drop_exit_3(estate: dict) -> None:  # type: ignore[type-arg]
    assert estate["second_code"] == 3, estate["second_output"]
    said = " ".join(estate["second_output"].split())  # the console wraps long lines
    assert "level dropped since audit #1 (--fail-on-drop): history-test:modelops 3 -> 2" in said
    assert "recorded as audit #1 in the history" in estate["first_output"]


def test_history_prints_the_trend(estate: dict) -> None:  # type: ignore[type-arg]
    runner = CliRunner()
    rows = json.loads(runner.invoke(app, ["history", "--db", str(estate["history"]), "-f", "json"]).stdout)
    assert [(r["id"], r["scope"], r["levels"]["history-test"]["modelops"]) for r in rows] == [
        (1, "acme", {"level": 3, "upper": 5}),  # levels 4 and 5 have no criteria: undecided
        (2, "acme", {"level": 2, "upper": 2}),
    ]
    table = runner.invoke(
        app, ["history", "--db", str(estate["history"]), "--area", "modelops"], env={"COLUMNS": "200"}
    )
    assert table.exit_code == 0, table.output
    lines = [line for line in table.stdout.splitlines() if "acme" in line]
    assert len(lines) == 2 and "│ 3–5 " in lines[0] and "│ 2 " in lines[1] and "▼ -1" in lines[1]


def test_diff_of_history_ids_shows_levels_criteria_and_evidence(estate: dict) -> None:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["diff", "1", "2", "--db", str(estate["history"]), "-f", "json"])
    assert result.exit_code == 0, result.output
    change = json.loads(result.stdout)
    assert [(c["area"], c["old"]["level"], c["new"]["level"]) for c in change["levels"]] == [
        ("", 3, 2),
        ("modelops", 3, 2),
    ]
    assert [(f["criterion"], f["old"], f["new"]) for f in change["criteria"]] == [
        ("modelops.registry", "pass", "fail")
    ]
    assert change["evidence_compared"] == "bundle"
    removed = {e["subject"] for e in change["evidence"] if e["kind"] == "mlflow.registered_model"}
    assert removed and all(
        e["change"] == "removed" for e in change["evidence"] if e["kind"] == "mlflow.registered_model"
    )


def test_diff_of_output_folders_can_fail_on_drop(estate: dict) -> None:  # type: ignore[type-arg]
    root = estate["root"]
    result = CliRunner().invoke(
        app, ["diff", str(root / "out1"), str(root / "out2"), "--fail-on-drop"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 3, result.output
    assert "Levels that moved" in result.stdout and "Criteria that flipped" in result.stdout
    md = CliRunner().invoke(
        app, ["diff", str(root / "out2"), str(root / "out1"), "-f", "md", "--fail-on-drop"]
    )
    assert md.exit_code == 0, md.output
    assert "| history-test | Model operations | 2 | 3–5 | ▲ +1 |" in md.stdout


def test_outputs_history_trend_and_step_summary(estate: dict) -> None:  # type: ignore[type-arg]
    root = estate["root"]
    assert sorted(p.name for p in (root / "out2").iterdir()) == [
        "evidence.json.gz",
        "junit.xml",
        "report.html",
        "results.json",
    ]
    html = (root / "out2" / "report.html").read_text()
    assert 'id="trend-history-test"' in html and "#1 " in html and "#2 " in html
    assert 'id="trend-history-test"' not in (root / "out1" / "report.html").read_text(), (
        "one audit: no trend yet"
    )
    summary = estate["summary"].read_text()
    assert summary.count("## assay: Acme maturity") == 2
    assert "| Model operations | 2 | ▼ 3→2 |" in summary
    report = CliRunner().invoke(
        app, ["report", str(root / "out2"), "-f", "html", "--history", str(estate["history"])]
    )
    assert report.exit_code == 0 and 'id="trend-history-test"' in report.stdout
