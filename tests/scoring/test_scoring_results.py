"""Results files: writing and reading back byte for byte, and clear errors for bad files."""

from __future__ import annotations

import json

import pytest

from assay.errors import ResultsError
from assay.scoring import load_rulesets, read_results, results_to_json, score, write_results


def test_write_read_round_trip_is_byte_identical(tmp_path, make_bundle, catalog) -> None:
    rulesets = load_rulesets(["ai-cmm", "mlops-report"], [], catalog)
    results = score(
        make_bundle({"ml.tracking.runs_90d": 30, "ml.tracking.logged_ratio": 0.8}), rulesets, catalog
    )
    path = write_results(results, tmp_path / "out" / "results.json")
    assert path.read_text(encoding="utf-8") == results_to_json(results)
    again = read_results(path)
    assert again == results
    assert results_to_json(again) == results_to_json(results)


def test_optional_fields_are_left_out_when_empty(make_bundle, catalog) -> None:
    rulesets = load_rulesets(["ai-cmm"], [], catalog)
    doc = json.loads(results_to_json(score(make_bundle({"ml.production.count": 1}), rulesets, catalog)))
    aiops = next(a for a in doc["rulesets"][0]["areas"] if a["id"] == "aiops")
    passed = next(c for c in aiops["criteria"] if c["id"] == "aiops.production")
    assert passed["status"] == "pass" and "reason" not in passed and "message" not in passed
    assert {"name": "ml.production.count", "status": "ok", "value": 1} in passed["signals"]
    attested = next(c for c in aiops["criteria"] if c["attestation"])
    assert (attested["reason"], attested["attestation"]) == ("attestation", True)


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (None, r"no such results file"),
        ("{not json", r"results.json:1: the results file is not valid JSON"),
        ("[1, 2]", r"not a JSON object"),
        ('{"schema": "assay/result/v0"}', r"results schema 'assay/result/v0' is not supported"),
        ('{"schema": "assay/result/v1", "generated_at": "2025-01-01T00:00:00Z"}', r"malformed results at "),
    ],
)
def test_read_results_errors(tmp_path, content, pattern) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ResultsError, match=pattern) as err:
        read_results(path)
    assert str(path) in str(err.value)
