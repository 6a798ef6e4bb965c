"""SARIF 2.1.0: valid against the official schema; unmet criteria are results with rules and help text."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from assay.reports.sarif import render_sarif
from assay.scoring import Results

SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_validates_against_the_sarif_2_1_0_schema(validator, sample_results: Results) -> None:  # type: ignore[no-untyped-def]
    log = json.loads(render_sarif(sample_results))
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    assert log["version"] == "2.1.0"


def test_the_schema_catches_a_broken_log(validator, sample_results: Results) -> None:  # type: ignore[no-untyped-def]
    log = json.loads(render_sarif(sample_results))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(log)), "a level outside the enum must not validate"


def test_unmet_criteria_are_results_pointing_at_their_rules(sample_results: Results) -> None:
    run = json.loads(render_sarif(sample_results, "infra/audit.yaml"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    unmet = [
        (rs.id, a, c)
        for rs in sample_results.rulesets
        for a in rs.areas
        for c in a.criteria
        if c.status != "pass"
    ]
    assert len(run["results"]) == len(unmet) == 8
    for result, (rs_id, area, criterion) in zip(run["results"], unmet, strict=True):
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"] == f"{rs_id}/{criterion.id}"
        assert rule["help"]["text"].startswith(criterion.recommendation)
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/audit.yaml"
        if criterion.status == "fail" and criterion.level > area.level + 1:  # a goal beyond the gate
            assert (result["kind"], result["level"]) == ("fail", "note")
        elif criterion.status == "fail":
            assert (result["kind"], result["level"]) == (
                "fail",
                "error" if criterion.kind == "required" else "warning",
            )
        else:
            assert (result["kind"], result["level"]) == ("open", "none")
    repro = next(r for r in run["results"] if r["ruleId"] == "mlops-report/model-development.reproducibility")
    assert "Observed: ml.repro.ratio = 0.5476" in repro["message"]["text"]
    assert len({r["partialFingerprints"]["assayCriterion/v1"] for r in run["results"]}) == 8
