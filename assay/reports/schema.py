"""The published JSON Schema of results files (`assay/result/v1`), generated from the pydantic model.

The generated schema is committed as `assay/reports/schemas/result-v1.json`; a test keeps the two equal,
so a change to the results model shows up as a change to the published schema (and its version).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from assay.scoring import RESULTS_SCHEMA, Results

SCHEMA_VERSION = RESULTS_SCHEMA.rsplit("/", 1)[-1]  # "v1"
SCHEMA_FILE = f"result-{SCHEMA_VERSION}.json"
SCHEMA_ID = f"urn:assay:schema:result:{SCHEMA_VERSION}"


def results_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every results file validates against."""
    schema = Results.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": f"assay results ({RESULTS_SCHEMA})",
        "description": (
            "What one assay scoring run concluded: per ruleset an overall level range and per area its "
            "level range, coverage, confidence, criteria (with the signals and evidence ids they read) and "
            "next steps."
        ),
    }


def schema_text() -> str:
    """The schema as the committed file holds it: indented JSON with a trailing newline."""
    return json.dumps(results_json_schema(), indent=2, ensure_ascii=False) + "\n"


def published_schema() -> str:
    """The committed schema file, as shipped in the package."""
    return (resources.files("assay.reports") / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8")
