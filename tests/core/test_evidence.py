"""Bundle integrity: hashing, atomic gzip round trip, and every way a bundle can be wrong."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assay.bundleio import read_bundle, write_bundle
from assay.errors import BundleError
from assay.evidence import (
    BUNDLE_SCHEMA,
    Bundle,
    CollectorRun,
    Evidence,
    Signal,
    UnknownReason,
    integrity_problems,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_bundle() -> Bundle:
    ev = Evidence.make(
        source="mlflow",
        kind="mlflow.experiment",
        subject="churn",
        endpoint="MlflowClient.search_runs",
        observed_at=T0,
        data={"runs": [{"user": "ana", "n_params": 3}]},
    )
    gap = Evidence.make(
        source="mlflow",
        kind="mlflow.gap",
        subject="registry",
        endpoint="search_registered_models",
        observed_at=T0,
        data={"reason": "denied", "message": "403"},
    )
    return Bundle(
        tool_version="test",
        scope="acme",
        created_at=T0,
        collectors=[CollectorRun(name="mlflow", status="partial")],
        evidence=[gap, ev],
        signals=[
            Signal.ok("ml.tracking.runs_90d", "mlflow", 1, [ev.id]),
            Signal.unknown("ml.registry.models", "mlflow", UnknownReason.DENIED, "403", [gap.id]),
        ],
    ).seal()


def test_evidence_id_is_the_hash_of_its_content() -> None:
    a = Evidence.make(
        source="s", kind="s.k", subject="x", endpoint="e", observed_at=T0, data={"b": 1, "a": 2}
    )
    b = Evidence.make(
        source="s", kind="s.k", subject="x", endpoint="e", observed_at=T0, data={"a": 2, "b": 1}
    )
    c = Evidence.make(
        source="s", kind="s.k", subject="x", endpoint="e", observed_at=T0, data={"a": 3, "b": 1}
    )
    assert a.id == b.id, "key order must not change the hash"
    assert a.id != c.id
    assert len(a.id) == 64


def test_round_trip_is_intact_and_deterministic(tmp_path: Path) -> None:
    bundle = make_bundle()
    p1 = write_bundle(bundle, tmp_path / "a" / "evidence.json.gz")
    p2 = write_bundle(bundle, tmp_path / "b" / "evidence.json.gz")
    assert p1.read_bytes() == p2.read_bytes(), "gzip framing must not embed a timestamp"
    back = read_bundle(p1)
    assert back.sha256() == bundle.sha256()
    assert back.manifest == bundle.manifest
    assert integrity_problems(back) == []
    assert [e.kind for e in back.evidence] == ["mlflow.experiment", "mlflow.gap"]
    assert not list(tmp_path.glob("**/.bundle-*")), "no temp file is left behind"


def _rewrite(path: Path, mutate) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(gzip.decompress(path.read_bytes()))
    mutate(doc)
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["evidence"][0]["data"].update(runs=[]), "does not match its content hash"),
        (lambda d: d["evidence"].pop(), "manifest lists 2 evidence items"),
        (lambda d: d["signals"][0].update(value=99), "do not match the manifest digest"),
        (lambda d: d.update(schema="assay/bundle/v0"), "schema 'assay/bundle/v0' is not supported"),
        (lambda d: d.pop("manifest"), "has no manifest"),
        (lambda d: d["collectors"][0].update(status="bogus"), "malformed bundle at collectors.0.status"),
    ],
)
def test_tampered_or_foreign_bundles_are_rejected(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    path = write_bundle(make_bundle(), tmp_path / "evidence.json.gz")
    _rewrite(path, mutate)
    with pytest.raises(BundleError, match=message):
        read_bundle(path)


def test_truncated_not_gzip_and_missing_bundles(tmp_path: Path) -> None:
    path = write_bundle(make_bundle(), tmp_path / "evidence.json.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BundleError, match="truncated or corrupt"):
        read_bundle(path)
    path.write_text('{"schema": "assay/bundle/v1"}')
    with pytest.raises(BundleError, match="not a gzip file"):
        read_bundle(path)
    with pytest.raises(BundleError, match="no such bundle"):
        read_bundle(tmp_path / "nope.json.gz")
    path.write_bytes(gzip.compress(b"[1, 2"))
    with pytest.raises(BundleError, match="not valid JSON"):
        read_bundle(path)


def test_schema_constant_is_written() -> None:
    assert make_bundle().body()["schema"] == BUNDLE_SCHEMA


def test_the_streamed_digest_is_the_digest_of_the_whole_canonical_text() -> None:
    """Bundles are hashed and written a piece at a time; the digest must be that of the one text."""
    from assay.evidence import canonical_json, sha256_hex

    bundle = make_bundle()
    assert bundle.sha256() == sha256_hex(canonical_json(bundle.body()))
    sharded = bundle.model_copy(update={"shard": {"index": 2, "count": 3}})
    assert "".join(sharded.chunks(manifest=False)) == canonical_json(sharded.body()).decode()


def test_a_bundle_is_verified_from_its_own_json_and_written_without_indentation(tmp_path: Path) -> None:
    """The reader checks the hashes over the JSON as written, before building any model; an old bundle
    written with indentation reads the same."""
    bundle = make_bundle()
    path = write_bundle(bundle, tmp_path / "evidence.json.gz")
    text = gzip.decompress(path.read_bytes()).decode()
    assert text == "".join(bundle.chunks(manifest=True))
    indented = tmp_path / "indented.json.gz"
    indented.write_bytes(gzip.compress(json.dumps(json.loads(text), indent=1).encode()))
    assert read_bundle(indented).sha256() == bundle.sha256()
