"""The results of scoring (schema `assay/result/v1`): what reports, history and diffs read.

Results are written as indented JSON with a trailing newline; the same bundle and rulesets always give
the same bytes, because nothing in them comes from the clock or from dict/set iteration order.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from assay.errors import ResultsError
from assay.evidence import SignalStatus, SignalValue
from assay.scoring.model import MAX_LEVEL

RESULTS_SCHEMA = "assay/result/v1"

# Bounds a results file is checked against on read (before any report or diff uses it).
Level = Annotated[int, Field(ge=0, le=MAX_LEVEL)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class CriterionStatus(StrEnum):
    """A criterion passes, fails, or is unknown (never fail) when the evidence cannot decide it."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


class CriterionReason(StrEnum):
    """Why a criterion is unknown: a signal's own reason, or one of the two that belong to criteria."""

    NOT_CONFIGURED = "not_configured"
    DENIED = "denied"
    ERROR = "error"
    UNSUPPORTED = "unsupported"
    NOT_APPLICABLE = "not_applicable"
    ATTESTATION = "attestation"  # a practice no infrastructure shows; needs a signed attestation
    AREA_RANGE = "area_range"  # true at one end of a referenced area's level range, false at the other


ConfidenceLevel = Literal["high", "medium", "low"]


class _ResultModel(BaseModel):
    """Results models: strict on read, and optional fields left out of the JSON when they are empty."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    omit_when_none: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _omit_none(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        for key in self.omit_when_none:
            if data.get(key) is None:
                data.pop(key, None)
        return data


class SignalRead(_ResultModel):
    """A signal a criterion read, as the bundle had it."""

    omit_when_none: ClassVar[tuple[str, ...]] = ("reason",)

    name: str
    status: SignalStatus
    value: SignalValue = None
    reason: str | None = None


class AreaRead(_ResultModel):
    """Another area's level range a criterion read through `areas.<id>.level`."""

    id: str
    level: Level
    upper: Level


class CriterionResult(_ResultModel):
    """One criterion's outcome and everything it was decided from."""

    omit_when_none: ClassVar[tuple[str, ...]] = ("reason", "message", "consequence")

    id: str
    title: str
    level: Level
    kind: Literal["required", "supporting"]
    status: CriterionStatus
    reason: CriterionReason | None = None
    message: str | None = None
    signals: list[SignalRead] = Field(default_factory=list)
    areas: list[AreaRead] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    recommendation: str
    consequence: str | None = None  # what the gap leads to, from the ruleset
    attestation: bool = False


class NextStep(_ResultModel):
    """A criterion of the next level that does not pass yet, with what to do about it."""

    omit_when_none: ClassVar[tuple[str, ...]] = ("reason", "message", "consequence")

    id: str
    title: str
    level: Level
    status: CriterionStatus
    kind: Literal["required", "supporting"]
    recommendation: str
    reason: CriterionReason | None = None
    message: str | None = None
    consequence: str | None = None


class LevelRange(_ResultModel):
    """`level` counts unknowns as fail, `upper` counts them as pass; equal means the evidence decided."""

    level: Level
    upper: Level


class AreaResult(_ResultModel):
    """One area's level range, how much of it the evidence decided, and what to do next."""

    id: str
    title: str
    level: Level
    upper: Level
    coverage: Share
    confidence: ConfidenceLevel
    sources_missing: list[str] = Field(default_factory=list)
    criteria: list[CriterionResult]
    next_steps: list[NextStep] = Field(default_factory=list)


class RulesetResult(_ResultModel):
    """One ruleset's areas; its overall range is the minimum over its areas (the weakest holds it back)."""

    id: str
    title: str
    levels: dict[str, str]
    overall: LevelRange
    areas: list[AreaResult]


class Results(_ResultModel):
    """Everything one scoring run concluded, citing the bundle it read."""

    schema_: Literal["assay/result/v1"] = Field(default=RESULTS_SCHEMA, alias="schema")
    generated_at: datetime
    bundle_sha256: str
    tool_version: str
    scope: str = ""
    rulesets: list[RulesetResult] = Field(min_length=1)

    def area(self, area_id: str) -> AreaResult | None:
        """The result of area `area_id` in whichever ruleset holds it."""
        return next((a for rs in self.rulesets for a in rs.areas if a.id == area_id), None)


def results_to_json(results: Results) -> str:
    """The canonical text of results: indented JSON, keys in model order, trailing newline."""
    return json.dumps(results.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False) + "\n"


def write_results(results: Results, path: Path) -> Path:
    """Write results atomically (temp file + rename), so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(results_to_json(results))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_results(path: Path) -> Results:
    """Read a results file, validated against the published schema (assay/result/v1) before any report or
    diff uses it: ResultsError (exit 2) naming the file and field when it is missing, not JSON, or breaks
    the schema (a level outside 0..5, a NaN coverage, no rulesets or criteria)."""
    from assay.safeio import RESULTS_MAX_BYTES, parse_json, read_text

    if not Path(path).exists() and not Path(path).is_symlink():
        raise ResultsError(f"{path}: no such results file; run `assay score` or `assay audit` first")
    text = read_text(Path(path), what="results file", max_bytes=RESULTS_MAX_BYTES, error=ResultsError)
    doc = parse_json(text, str(path), what="results file", error=ResultsError, allow_nan=False)
    return results_from_doc(doc, str(path))


def results_from_doc(doc: Any, origin: str) -> Results:
    """Validate parsed results (from a file or a history store), raising ResultsError naming `origin`."""
    if not isinstance(doc, dict):
        raise ResultsError(f"{origin}: the results file is not a JSON object")
    schema = doc.get("schema")
    if schema != RESULTS_SCHEMA:
        shown = repr(schema) if isinstance(schema, str) and len(schema) < 80 else "(not a schema id)"
        raise ResultsError(
            f"{origin}: results schema {shown} is not supported; this assay reads {RESULTS_SCHEMA!r}"
        )
    try:
        return Results.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the top level"
        raise ResultsError(f"{origin}: malformed results at {where}: {first['msg']}") from None
    except RecursionError:
        raise ResultsError(f"{origin}: the results file is nested too deeply to read") from None
