"""A history made by an older assay is upgraded in place and keeps its audits.

fixtures/history/legacy-main-8ac0dc8.db.gz was written by assay's HistoryStore at commit 8ac0dc8 (the
table made by `metadata.create_all`, no version table): two audits of the sample estate.
"""

from __future__ import annotations

import gzip
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from assay.history import HistoryStore
from assay.history.migrate import VERSION_TABLE, head_revision
from tests.reports import sample

LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "history" / "legacy-main-8ac0dc8.db.gz"


def legacy_copy(tmp_path: Path) -> Path:
    db = tmp_path / "history.db"
    db.write_bytes(gzip.decompress(LEGACY.read_bytes()))
    return db


def test_a_legacy_store_is_upgraded_in_place_and_keeps_its_audits(tmp_path: Path) -> None:
    db = legacy_copy(tmp_path)
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        assert tables == {"assay_audits"}, "made without a version table"
        before = conn.execute("select id, scope, results_sha256, results_json from assay_audits").fetchall()
        # a read-then-write race of the old code recorded audit 1 twice
        conn.execute(
            "insert into assay_audits (recorded_at, generated_at, scope, bundle_sha256, results_sha256, "
            "tool_version, results_json, evidence_json) select recorded_at, generated_at, scope, "
            "bundle_sha256, results_sha256, tool_version, results_json, evidence_json from assay_audits "
            "where id = 1"
        )
    with HistoryStore(db) as store:
        records = store.audits()
        assert (
            [(r.id, r.scope) for r in records]
            == [(b[0], b[1]) for b in before]
            == [
                (1, "borealis-health"),
                (2, "borealis-health"),
            ]
        )
        assert [r.complete for r in records] == [None, None], "unknown, not invented"
        assert store.baseline(records[1]) == records[0], "old audits may serve as baselines"
        bundle = sample.bundle(created_at=datetime(2025, 5, 5, 9, 30, tzinfo=UTC))
        third, created = store.record(sample.results(bundle), bundle)
        assert created and third.id == 3
        assert (third.complete, third.incomplete) == (False, ["github (partial)"]), "the sample's GitHub"
        again, created = store.record(sample.results(bundle), bundle)
        assert not created and again.id == 3, "the unique index holds after the upgrade"
    with sqlite3.connect(db) as conn:
        assert conn.execute(f"select version_num from {VERSION_TABLE}").fetchall() == [(head_revision(),)]
        assert conn.execute("select count(*) from assay_audits").fetchone() == (3,)
        indexes = {r[1]: r[2] for r in conn.execute("pragma index_list('assay_audits')")}
        assert indexes["uq_assay_audits_scope_results"] == 1, "unique"
        kept = conn.execute("select results_json from assay_audits where id in (1, 2) order by id").fetchall()
        assert [k[0] for k in kept] == [b[3] for b in before], "results kept byte for byte"


def test_a_store_at_head_is_opened_without_migrating(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    HistoryStore(db).close()
    stamp = db.stat().st_mtime_ns
    with HistoryStore(db) as store:
        assert store.audits() == []
    assert db.stat().st_mtime_ns == stamp
