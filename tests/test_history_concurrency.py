"""Several processes using one new history at once (a SQLite file, a PostgreSQL database): all succeed,
the audit is recorded once.

Each pair of real processes waits at a barrier (a file) and then opens the store and records the same
results: the first use creates the schema (under the migration lock), the unique index keeps one row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from assay.bundleio import write_bundle
from assay.history.store import history_url
from assay.scoring import write_results
from tests.reports import sample

PAIRS = 10

CHILD = """
import json, sys, time
from pathlib import Path
from assay.bundleio import read_bundle
from assay.history import HistoryStore
from assay.scoring import read_results

db, bundle, results, ready, go = sys.argv[1:6]
loaded, scored = read_bundle(Path(bundle)), read_results(Path(results))
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.001)
with HistoryStore(db) as store:
    record, created = store.record(scored, loaded, bundle_path=bundle)
print(json.dumps({"id": record.id, "created": created}))
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_ten_pairs_of_first_uses_record_once(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    bundle = sample.bundle()
    bundle_path = write_bundle(bundle, tmp_path / "evidence.json.gz")
    results_path = write_results(sample.results(bundle), tmp_path / "results.json")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    for pair in range(PAIRS):
        go = tmp_path / f"go{pair}"
        db = (
            str(tmp_path / f"pair{pair}" / "history.db")
            if backend == "sqlite"
            else request.getfixturevalue("postgres").database()
        )
        ready = [tmp_path / f"ready{pair}-{i}" for i in range(2)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", CHILD, str(db), str(bundle_path), str(results_path), str(r), str(go)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for r in ready
        ]
        deadline = time.monotonic() + 120
        while not all(r.exists() for r in ready) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        outcomes = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"pair {pair}: {err}"
            outcomes.append(json.loads(out))
        assert sorted(o["created"] for o in outcomes) == [False, True], (pair, outcomes)
        assert {o["id"] for o in outcomes} == {1}, (pair, outcomes)
        engine = create_engine(history_url(db))
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from assay_audits")).scalar() == 1
        engine.dispose()
