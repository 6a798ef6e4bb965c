"""The GitHub step summary: a compact table, appended to $GITHUB_STEP_SUMMARY when it is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.reports.summary import append_step_summary, render_summary
from assay.scoring import Results
from tests.reports import sample


def test_summary_table(sample_results: Results) -> None:
    text = render_summary(sample_results)
    assert text.startswith("## assay: Borealis Health maturity\n")
    assert "**MLOps maturity model: Level 2** (Repeatable)" in text
    assert "| Collaboration & Communication | 2–5 | — | 33% | Changes to ML code are reviewed |" in text
    assert "| MLOps | 3 | — | 100% | Promotion to production is governed |" in text


def test_summary_shows_the_change_since_the_previous_audit(sample_results: Results) -> None:
    before = sample.results(sample.bundle({"ml.registry.versioned_models": 0, "ml.repro.ratio": 0.9}))
    text = render_summary(sample_results, before)
    assert "| MLOps | 3 | ▲ 2→3 | 100% |" in text
    assert "| Model Development & Deployment | 2 | = |" in text
    worse = render_summary(before, sample_results)
    assert "| MLOps | 2 | ▼ 3→2 |" in worse


def test_appended_only_when_github_sets_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_results: Results
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert append_step_summary(sample_results) is None
    target = tmp_path / "step_summary.md"
    target.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    assert append_step_summary(sample_results) == target
    append_step_summary(sample_results)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n## assay: Borealis Health maturity")
    assert text.count("## assay: Borealis Health maturity") == 2
