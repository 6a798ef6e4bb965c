"""The history store and the diff between two audits, on the sample estate changed in between."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from assay.history import (
    HistoryError,
    HistoryStore,
    Snapshot,
    diff,
    evidence_index,
    level_drops,
    trend_points,
)
from tests.reports import sample

MARCH = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
APRIL = datetime(2025, 4, 7, 9, 30, tzinfo=UTC)


def _audits():  # type: ignore[no-untyped-def]
    before = sample.bundle(created_at=MARCH)
    # a month later: the registry lost its versioned models, reproducibility improved
    after = sample.bundle({"ml.registry.versioned_models": 0, "ml.repro.ratio": 0.8}, created_at=APRIL)
    return (before, sample.results(before)), (after, sample.results(after))


def test_record_previous_and_dedupe(history_url: str) -> None:
    (b1, r1), (b2, r2) = _audits()
    with HistoryStore(history_url) as store:
        first, created = store.record(r1, b1)
        assert created and first.id == 1 and store.previous(first) is None
        again, created = store.record(r1, b1)
        assert not created and again.id == 1, "the same results of the same bundle are recorded once"
        second, created = store.record(r2, b2)
        assert created and second.id == 2
        assert store.previous(second).id == 1  # type: ignore[union-attr]
        assert second.results == r2 and second.bundle_sha256 == b2.sha256()
        assert second.evidence == evidence_index(b2)
        other = r2.model_copy(update={"scope": "cygnus-ai"})
        third, _ = store.record(other)
        assert store.previous(third) is None, "previous is within the same scope"
        assert [a.id for a in store.audits(scope="borealis-health")] == [1, 2]
        assert [a.id for a in store.audits(limit=2)] == [2, 3]
        assert third.evidence is None


def test_any_sqlalchemy_url_and_clear_errors(tmp_path: Path) -> None:
    (b1, r1), _ = _audits()
    url = f"sqlite:///{tmp_path / 'by-url.db'}"
    with HistoryStore(url) as store:
        store.record(r1, b1)
    with HistoryStore(url) as store:
        assert [a.results for a in store.audits()] == [r1]
        with pytest.raises(HistoryError, match="no audit #7"):
            store.get(7)
    with pytest.raises(HistoryError, match="cannot open it"):
        HistoryStore("nosuchdialect://x/y")


def test_diff_shows_levels_criteria_and_evidence(tmp_path: Path) -> None:
    (b1, r1), (b2, r2) = _audits()
    change = diff(
        Snapshot(label="march", results=r1, evidence=evidence_index(b1)),
        Snapshot(label="april", results=r2, evidence=evidence_index(b2)),
    )
    moved = {(c.ruleset, c.area): (c.old, c.new) for c in change.levels}
    assert {k: (o.level, o.upper, n.level, n.upper) for k, (o, n) in moved.items()} == {  # type: ignore[union-attr]
        ("ai-cmm", "mlops"): (3, 3, 2, 2),
        ("ai-cmm", ""): (2, 3, 2, 2),  # the overall range narrowed: its upper bound was the MLOps area's
    }
    assert [(c.ruleset, c.area) for c in change.drops()] == [("ai-cmm", "mlops")]
    flips = {(f.criterion, f.old, f.new) for f in change.criteria}
    assert flips == {
        ("model-development.registry", "pass", "fail"),
        ("model-development.reproducibility", "fail", "pass"),
        ("mlops.registry", "pass", "fail"),
    }
    assert change.evidence_compared == "bundle"
    changed = {(e.change, e.kind, e.subject) for e in change.evidence}
    # the registered model's data (versions) changed; every experiment's data is the same
    assert changed == {("changed", "mlflow.registered_model", "readmission-risk-model")}
    assert level_drops(r1, r2) == ["ai-cmm:mlops 3 -> 2"]
    assert level_drops(r2, r1) == []


def test_diff_without_bundles_compares_cited_ids() -> None:
    (_, r1), (_, r2) = _audits()
    change = diff(Snapshot(label="a", results=r1), Snapshot(label="b", results=r2))
    assert change.evidence_compared == "cited ids"
    assert {e.change for e in change.evidence} == {"added", "removed"}
    assert diff(Snapshot(label="a", results=r1), Snapshot(label="a", results=r1)).empty


def test_trend_points_follow_the_records(history_url: str) -> None:
    (b1, r1), (b2, r2) = _audits()
    with HistoryStore(history_url) as store:
        store.record(r1, b1)
        store.record(r2, b2)
        points = trend_points(store.audits())
    assert [p.label for p in points] == ["#1 3 Mar 2025", "#2 7 Apr 2025"]
    assert [p.levels["ai-cmm:mlops"] for p in points] == [(3, 3), (2, 2)]
    assert points[0].levels["mlops-report:collaboration"] == (2, 5)


def test_the_cli_records_into_any_store_once(history_url: str, tmp_path: Path) -> None:
    """`--history URL` on score and `assay history --db URL`: a SQLite file or a real PostgreSQL."""
    import json

    from typer.testing import CliRunner

    from assay.bundleio import write_bundle
    from assay.cli import app

    path = write_bundle(sample.bundle(), tmp_path / "evidence.json.gz")
    runner = CliRunner()
    for _ in range(2):
        done = runner.invoke(
            app, ["-q", "score", str(path), "--out", str(tmp_path / "out"), "--history", history_url]
        )
        assert done.exit_code == 0, done.output
    listed = runner.invoke(app, ["history", "--db", history_url, "-f", "json"])
    assert listed.exit_code == 0, listed.output
    assert [(row["id"], row["scope"]) for row in json.loads(listed.stdout)] == [(1, "borealis-health")]
