"""Property-based fuzzing of every reader of user files: the config, rulesets, bundles, results files and
history ids. Each case is a valid file mutated, a structured mutation of its JSON, or a hostile file made
from nothing; the invariant is exit 0 or 2 with the file named, never a traceback, within bounds."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assay.collectors.base import installed_collectors
from assay.config import load_config
from assay.config.checks import require_enabled_source
from assay.errors import ConfigError
from assay.evidence import Bundle
from assay.scoring import results_to_json
from tests.fuzz.conftest import CASES_PROPERTY
from tests.fuzz.harness import check_memory, hang_guard, peak_kib, run_cli
from tests.fuzz.strategies import (
    HOSTILE_EXPRESSIONS,
    generated_files,
    gentle_json,
    json_bytes,
    mutated_bytes,
    mutated_json,
)
from tests.reports import sample

pytestmark = pytest.mark.fuzz

CONFIG = b"""\
scope: fuzz
rulesets: [ai-cmm]
timeout_seconds: 30
history: null
collectors:
  mlflow:
    tracking_uri: sqlite:///mlflow.db
    token_env: ASSAY_FUZZ_TOKEN
  jenkins: {url: 'https://ci.example.com/', user: robot, token_env: ASSAY_FUZZ_JENKINS}
  prometheus:
    url: https://prom.example.com
    headers_env: {X-Scope-OrgID: ASSAY_FUZZ_ORG}
    max_retries: 0
"""

RULESET = b"""\
id: fuzz
title: Fuzz
levels: {1: Initial, 2: Managed, 3: Defined, 4: Measured, 5: Optimizing}
params: {min_runs: 5}
areas:
  - id: tracking
    title: Tracking
    sources: [mlflow]
    criteria:
      - id: tracking.runs
        level: 2
        title: Runs are tracked
        when: signals.ml.tracking.runs_90d >= params.min_runs
        recommendation: Track runs.
      - id: tracking.reviewed
        level: 3
        title: Reviewed
        attestation: true
        recommendation: Review.
"""

OVERRIDE = b"""\
extends: ai-cmm
params: {tracking_min_runs: 3}
criteria:
  mlops.tracking: {kind: supporting}
"""


class Workdir:
    """One scratch folder for the whole module (Hypothesis examples reuse it), outside the checkout."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="assay-fuzz-")
        self.root = Path(self._tmp.name)
        bundle = sample.bundle()
        self.bundle_doc: dict[str, Any] = bundle.model_dump(mode="json", by_alias=True)
        self.bundle_bytes = json_bytes(self.bundle_doc)
        self.results_doc = json.loads(results_to_json(sample.results(bundle)))
        self.results_bytes = json_bytes(self.results_doc)
        self.history = self.root / "history.db"
        from assay.history import HistoryStore

        with HistoryStore(str(self.history)) as store:
            store.record(sample.results(bundle), bundle)

    def write(self, name: str, data: bytes) -> Path:
        """Write a case file in its own folder (the readers look beside a file: results for a bundle)."""
        folder = self.root / name.replace(".", "-")
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_bytes(data)
        return path

    def close(self) -> None:
        self._tmp.cleanup()


@pytest.fixture(scope="module")
def work() -> Iterator[Workdir]:
    workdir = Workdir()
    yield workdir
    workdir.close()


class Counter:
    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.n = 0
        self._request = request

    def tick(self) -> None:
        self.n += 1

    def report(self) -> None:
        self._request.node.user_properties.append((CASES_PROPERTY, self.n))


@pytest.fixture
def cases(request: pytest.FixtureRequest) -> Iterator[Counter]:
    counter = Counter(request)
    yield counter
    counter.report()


def _resealed(doc: Any) -> bytes:
    """A mutated bundle document made intact again when it still validates (evidence ids recomputed, the
    signals' citations and the manifest updated), so hostile values get past the integrity check and
    reach scoring and the reports; otherwise the document as it is."""
    try:
        bundle = Bundle.model_validate(doc)
        renamed = {e.id: e.compute_id() for e in bundle.evidence}
        evidence = [e.model_copy(update={"id": renamed[e.id]}) for e in bundle.evidence]
        signals = [
            s.model_copy(update={"evidence": sorted({renamed.get(i, i) for i in s.evidence})})
            for s in bundle.signals
        ]
        update = {"evidence": evidence, "signals": signals, "manifest": None}
        sealed = bundle.model_copy(update=update).seal()
    except Exception:
        return json_bytes(doc)
    return json_bytes(sealed.model_dump(mode="json", by_alias=True))


def _bundle_sections(doc: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """Mutations of what the manifest does not pin by evidence id: signals, collectors and the header."""
    kept = {k: v for k, v in doc.items() if k != "evidence"}
    return mutated_json(kept).map(lambda d: _resealed({**d, "evidence": doc.get("evidence", [])}))


BUNDLE_SEED = json_bytes(sample.bundle().model_dump(mode="json", by_alias=True))
BUNDLES = st.one_of(
    mutated_bytes(BUNDLE_SEED).map(gzip.compress),
    mutated_json(json.loads(BUNDLE_SEED)).map(lambda d: gzip.compress(_resealed(d))),
    _bundle_sections(json.loads(BUNDLE_SEED)).map(gzip.compress),
    gentle_json(json.loads(BUNDLE_SEED)).map(lambda d: gzip.compress(_resealed(d))),
    gentle_json(json.loads(BUNDLE_SEED)).map(lambda d: gzip.compress(_resealed(d))),
    generated_files(BUNDLE_SEED).map(gzip.compress),
    generated_files(BUNDLE_SEED),  # not even gzip
)
RESULTS_SEED = json_bytes(json.loads(results_to_json(sample.results())))
RESULTS = st.one_of(
    mutated_bytes(RESULTS_SEED),
    mutated_json(json.loads(RESULTS_SEED)).map(json_bytes),
    gentle_json(json.loads(RESULTS_SEED)).map(json_bytes),
    gentle_json(json.loads(RESULTS_SEED)).map(json_bytes),
    generated_files(RESULTS_SEED),
)
RULE_WHEN = b"signals.ml.tracking.runs_90d >= params.min_runs"
RULESETS = st.one_of(
    mutated_bytes(RULESET),
    mutated_bytes(OVERRIDE),
    generated_files(RULESET),
    generated_files(OVERRIDE),
    HOSTILE_EXPRESSIONS.map(lambda e: RULESET.replace(RULE_WHEN, json.dumps(e).encode())),
    HOSTILE_EXPRESSIONS.map(lambda e: RULESET.replace(RULE_WHEN, json.dumps(e).encode())),
)
CONFIGS = st.one_of(mutated_bytes(CONFIG), generated_files(CONFIG))
HISTORY_IDS = st.one_of(
    st.integers(-5, 5).map(str),
    st.integers().map(lambda i: f"#{i}"),
    st.sampled_from(["1", "#1", "#0", "²", "١٢", "9" * 5000, "#" + "9" * 25, "a\x00b", "x" * 5000, "-", "#"]),
    st.text(max_size=30).filter(lambda s: s.strip() and not s.startswith("-")),
)


@given(data=CONFIGS)
@example(data=b"[" * 20_000)
@example(data=b"x: \xff\n")
@example(data=b"a: &a [*a]\n")
@example(data=b"x: " + b"9" * 100_000)
def test_config_reader(work: Workdir, cases: Counter, data: bytes) -> None:
    """What `audit` and `collect` do before collecting: load the config and require a source."""
    cases.tick()
    path = work.write("audit.yaml", data)
    before = peak_kib()
    with hang_guard():
        try:
            require_enabled_source(load_config(path, installed_collectors()))
        except ConfigError as exc:
            assert str(exc).startswith(str(path)), str(exc)
            assert "\n" not in str(exc), str(exc)
    check_memory(before)


@given(data=RULESETS)
@example(data=RULESET.replace(RULE_WHEN, b"9223372036854775807 + 1 > 0"))  # CEL's int64 overflow
def test_ruleset_reader(work: Workdir, cases: Counter, data: bytes) -> None:
    cases.tick()
    path = work.write("rules.yaml", data)
    run_cli(["rules", "validate", str(path)], named=str(path))


@given(data=BUNDLES)
@example(data=gzip.compress(b'{"schema": "assay/bundle/v1", "x": ' + b"[" * 100_000))
@example(data=gzip.compress(b'{"schema": "assay/bundle/v1", "n": ' + b"9" * 100_000 + b"}"))
def test_bundle_reader_score(work: Workdir, cases: Counter, data: bytes) -> None:
    cases.tick()
    path = work.write("evidence.json.gz", data)
    out = path.parent / "score-out"
    run_cli(["score", str(path), "--out", str(out), "--no-history", "-f", "json"], named=str(path))


@given(data=BUNDLES)
def test_bundle_reader_verify(work: Workdir, cases: Counter, data: bytes) -> None:
    cases.tick()
    path = work.write("verify.json.gz", data)
    run_cli(["verify", str(path)], named=str(path), allowed=(0, 1, 2))


@given(data=RESULTS)
@example(data=RESULTS_SEED.replace(b'"coverage": 0.3333', b'"coverage": NaN'))
@example(data=RESULTS_SEED.replace(b'"level": 2', b'"level": -1', 1))
def test_results_reader_report(work: Workdir, cases: Counter, data: bytes) -> None:
    cases.tick()
    path = work.write("results.json", data)
    run_cli(["report", str(path), "-f", "json", "--history", str(work.root / "none.db")], named=str(path))


@given(data=RESULTS)
def test_results_reader_diff(work: Workdir, cases: Counter, data: bytes) -> None:
    cases.tick()
    path = work.write("diff-results.json", data)
    run_cli(["diff", str(path), str(path), "--db", str(work.root / "none.db")], named=str(path))


@given(spec=HISTORY_IDS)
def test_history_ids(work: Workdir, cases: Counter, spec: str) -> None:
    cases.tick()
    shown = spec if len(spec) <= 80 and spec.isprintable() else repr(spec[:77])
    run_cli(["diff", spec, "1", "--db", str(work.history), "-f", "json"], named=shown)


# --- a small sample through the real entry point (python -m assay: main(), its exit codes, os._exit) ----


@settings(max_examples=3)
@given(
    kind=st.sampled_from(["bundle", "results", "ruleset"]),
    data=st.data(),
)
def test_real_exit_path_sample(work: Workdir, cases: Counter, kind: str, data: st.DataObject) -> None:
    cases.tick()
    if kind == "bundle":
        path = work.write("sub.json.gz", data.draw(BUNDLES))
        args = ["score", str(path), "--out", str(work.root / "sub-out"), "--no-history", "-f", "json"]
    elif kind == "results":
        path = work.write("sub-results.json", data.draw(RESULTS))
        args = ["report", str(path), "-f", "json", "--history", str(work.root / "none.db")]
    else:
        path = work.write("sub-rules.yaml", data.draw(RULESETS))
        args = ["rules", "validate", str(path)]
    proc = subprocess.run(
        [sys.executable, "-m", "assay", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "500"},
        cwd=work.root,
        timeout=120,
    )
    assert proc.returncode in (0, 2), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr[-2000:]
    if proc.returncode == 2:
        assert str(path) in proc.stderr, proc.stderr


@given(data=BUNDLES)
def test_bundle_reader_merge(work: Workdir, cases: Counter, data: bytes) -> None:
    cases.tick()
    path = work.write("evidence-shard-1-of-1.json.gz", data)
    run_cli(["merge", str(path), "--out", str(path.parent / "merged")], named=str(path))


ATTESTATIONS = b"""\
attestations:
  - criterion: peopleops.ownership-culture
    statement: Teams own their models end to end
    attested_by: Jane Doe (CEO)
    date: 2025-01-10
    expires: 2030-06-01
    evidence: https://wiki.acme.example/culture
"""
WAIVERS = b"""\
waivers:
  - criterion: mlops.tracking
    resource: "acme/sandbox-*"
    justification: sandboxes are throwaway
    approver: Head of platform
    expires: 2030-12-31
"""
PAPERWORK = st.one_of(
    mutated_bytes(ATTESTATIONS).map(lambda d: ("attestations", d)),
    mutated_bytes(WAIVERS).map(lambda d: ("waivers", d)),
    generated_files(ATTESTATIONS).map(lambda d: ("attestations", d)),
    generated_files(WAIVERS).map(lambda d: ("waivers", d)),
)


@settings(max_examples=max(1, settings().max_examples // 2))  # each case scores a bundle: ~1 s
@given(case=PAPERWORK)
@example(case=("attestations", b"a: &a [*a]\n"))
@example(case=("waivers", b"[" * 20_000))
def test_attestation_and_waiver_readers(work: Workdir, cases: Counter, case: tuple[str, bytes]) -> None:
    cases.tick()
    kind, data = case
    bundle = work.write("paper.json.gz", gzip.compress(work.bundle_bytes))
    path = work.write(f"{kind}.yaml", data)
    args = ["score", str(bundle), f"--{kind}", str(path), "--no-history", "-f", "json"]
    run_cli([*args, "--out", str(path.parent / "out")], named=str(path))
