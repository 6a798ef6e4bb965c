"""The published results schema: the committed file equals the generated one, and results validate."""

from __future__ import annotations

import json

import jsonschema
import pytest
from typer.testing import CliRunner

from assay.cli import app
from assay.reports.schema import SCHEMA_ID, published_schema, results_json_schema, schema_text
from assay.scoring import Results, results_to_json


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = results_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_committed_schema_is_the_generated_one() -> None:
    assert published_schema() == schema_text(), (
        "the results model changed: regenerate assay/reports/schemas/result-v1.json with "
        "`assay schema results > assay/reports/schemas/result-v1.json` "
        "(and bump the version if the change breaks readers)"
    )
    assert json.loads(published_schema())["$id"] == SCHEMA_ID == "urn:assay:schema:result:v1"


def test_results_validate_against_their_schema(validator, sample_results: Results) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(results_to_json(sample_results))
    assert list(validator.iter_errors(doc)) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("schema",), "assay/result/v2"),
        (("rulesets", 0, "areas", 0, "level"), "two"),
        (("rulesets", 0, "areas", 0, "criteria", 0, "status"), "maybe"),
        (("rulesets", 0, "areas", 0, "surprise"), 1),
    ],
)
def test_schema_rejects_malformed_results(validator, sample_results: Results, path, value) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(results_to_json(sample_results))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert list(validator.iter_errors(doc))


def test_assay_schema_results_prints_it() -> None:
    result = CliRunner().invoke(app, ["schema", "results"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == results_json_schema()
