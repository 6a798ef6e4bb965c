"""Reading a bundle item by item: the evidence stays canonical JSON until used, and reads like a list.

The reader walks the top-level object itself instead of parsing the whole document, so these tests pin
what that walk must agree with: :func:`json.loads` on valid input (any whitespace, any key order), a clear
error on invalid input, and models equal to the ones written.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.bundleio import read_bundle, write_bundle
from assay.errors import BundleError
from assay.reports.formatting import one_final_newline
from assay.stored import StoredEvidence
from tests.core.test_evidence import make_bundle


def _written(tmp_path: Path) -> tuple[Path, list]:  # type: ignore[type-arg]
    bundle = make_bundle()
    return write_bundle(bundle, tmp_path / "evidence.json.gz"), list(bundle.evidence)


def _write_text(path: Path, text: str) -> Path:
    path.write_bytes(gzip.compress(text.encode()))
    return path


def test_read_evidence_is_stored_and_reads_like_the_list_written(tmp_path: Path) -> None:
    path, written = _written(tmp_path)
    back = read_bundle(path)
    stored = back.evidence
    assert isinstance(stored, StoredEvidence)
    assert len(stored) == len(written) == 2
    assert list(stored) == written
    assert stored[0] == written[0] and stored[-1] == written[-1]
    assert stored[0:2] == written
    with pytest.raises(IndexError):
        stored[2]
    by_id = back.evidence_by_id()
    assert set(by_id) == {e.id for e in written} and len(by_id) == 2
    assert by_id[written[1].id] == written[1] and written[0].id in by_id and "nope" not in by_id
    with pytest.raises(KeyError):
        by_id["nope"]
    assert back.evidence_of_kind("mlflow.gap") == [e for e in written if e.kind == "mlflow.gap"]
    assert back.evidence_of_kind("github.repo") == []


def test_a_read_bundle_writes_back_byte_for_byte(tmp_path: Path) -> None:
    """Written again, a bundle read from disk gives the same bytes: its stored JSON is what was hashed."""
    path, _ = _written(tmp_path)
    again = write_bundle(read_bundle(path), tmp_path / "again" / "evidence.json.gz")
    assert again.read_bytes() == path.read_bytes()


def test_any_whitespace_and_key_order_read_the_same(tmp_path: Path) -> None:
    path, written = _written(tmp_path)
    doc = json.loads(gzip.decompress(path.read_bytes()))
    shuffled = dict(reversed(list(doc.items())))  # evidence after signals, schema last...
    text = json.dumps(shuffled, indent="\t", separators=(" ,\n", " :  "))
    back = read_bundle(_write_text(tmp_path / "spaced.json.gz", f"\n  {text}\r\n"))
    assert list(back.evidence) == written
    assert back.sha256() == make_bundle().sha256()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"schema": "assay/bundle/v1", "evidence": [], "evidence": []}', "Duplicate key 'evidence'"),
        ('{"schema": "assay/bundle/v1"} {}', "not valid JSON \\(Extra data\\)"),
        ('{"schema": "assay/bundle/v1", "evidence": [{}, }', "not valid JSON"),
        ('{"schema": "assay/bundle/v1", "evidence": [] "x": 1}', "Expecting ',' delimiter"),
        ('{"schema": "assay/bundle/v1", 5: 1}', "Expecting property name"),
        ('{"schema" "assay/bundle/v1"}', "Expecting ':' delimiter"),
        ('{"schema": "assay/bundle/v1", "evidence": 5}', "malformed bundle at evidence: Input should be"),
        ('{"schema": "assay/bundle/v1", "evidence": [1]}', "malformed bundle at evidence.0: Input should"),
        ('{"schema": "assay/bundle/v0", "evidence": [1]}', "schema 'assay/bundle/v0' is not supported"),
        ("[1, 2]", "must hold one JSON object"),
    ],
)
def test_bad_json_is_named_like_the_plain_parser_names_it(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(BundleError, match=message):
        read_bundle(_write_text(tmp_path / "bad.json.gz", text))


def test_an_empty_evidence_array_and_none_at_all_both_read(tmp_path: Path) -> None:
    bundle = make_bundle().model_copy(update={"evidence": [], "signals": [], "manifest": None}).seal()
    path = write_bundle(bundle, tmp_path / "empty.json.gz")
    assert len(read_bundle(path).evidence) == 0
    doc = json.loads(gzip.decompress(path.read_bytes()))
    del doc["evidence"]  # the digest covered `"evidence":[]`, so only the parse is checked here
    assert (
        len(read_bundle(_write_text(tmp_path / "none.json.gz", json.dumps(doc)), verify=False).evidence) == 0
    )


@given(st.lists(st.sampled_from(["", "\n", "\n\n", "a", "b\n", "\nc", "d\n\n"]), max_size=8))
def test_one_final_newline_streams_what_rstrip_gives(chunks: list[str]) -> None:
    assert "".join(one_final_newline(chunks)) == "".join(chunks).rstrip("\n") + "\n"
