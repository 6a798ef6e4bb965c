"""The results of scoring (schema `assay/result/v1`): what reports, history and diffs read.

Results are written as indented JSON with a trailing newline; the same bundle and rulesets always give
the same bytes, because nothing in them comes from the clock or from dict/set iteration order.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date, datetime
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
    """A criterion passes, fails, is unknown (never fail) when the evidence cannot decide it, or is not
    applicable when every signal it reads is about an empty population (it neither blocks nor grants)."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class CriterionReason(StrEnum):
    """Why a criterion is unknown: a signal's own reason, or one of the two that belong to criteria."""

    NOT_CONFIGURED = "not_configured"
    DENIED = "denied"
    ERROR = "error"
    UNSUPPORTED = "unsupported"
    NOT_APPLICABLE = "not_applicable"
    ATTESTATION = "attestation"  # a practice no infrastructure shows; needs a signed attestation
    AREA_RANGE = "area_range"  # true at one end of a referenced area's level range, false at the other
    ATTESTATION_EXPIRED = "attestation_expired"  # its attestation expired before the evidence was collected


class Basis(StrEnum):
    """What a criterion's status rests on: the infrastructure, a signed attestation, or an accepted waiver."""

    OBSERVED = "observed"
    ATTESTED = "attested"
    WAIVED = "waived"


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


class WaiverNote(_ResultModel):
    """The accepted exception shown beside a waived resource or criterion."""

    omit_when_none: ClassVar[tuple[str, ...]] = ("resource",)

    resource: str | None = None
    justification: str
    approver: str
    expires: date


class AttestationNote(_ResultModel):
    """The signed statement a criterion passes on, instead of observed evidence."""

    statement: str
    attested_by: str
    date: date
    expires: date
    evidence: str


class Resource(_ResultModel):
    """One member of a population a criterion's signals measured, with its own verdict and a link."""

    omit_when_none: ClassVar[tuple[str, ...]] = ("url", "waiver")

    subject: str
    status: Literal["pass", "fail"]
    url: str | None = None
    source: str
    signals: list[str] = Field(default_factory=list)
    waiver: WaiverNote | None = None


class ResourceCounts(_ResultModel):
    """How many members passed, failed, or left the population under a waiver (before any cap)."""

    passed: int = Field(alias="pass")
    fail: int
    waived: int = 0


class CriterionResult(_ResultModel):
    """One criterion's outcome and everything it was decided from."""

    omit_when_none: ClassVar[tuple[str, ...]] = (
        "reason",
        "message",
        "consequence",
        "resource_counts",
        "attested",
        "waiver",
    )

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
    basis: Basis = Basis.OBSERVED
    resources: list[Resource] = Field(default_factory=list)
    resource_counts: ResourceCounts | None = None
    attested: AttestationNote | None = None
    waiver: WaiverNote | None = None


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
    """`level` counts unknowns as fail, `upper` counts them as pass; equal means the evidence decided.

    `observed_level` is the level on observed evidence alone: no attestation, no waiver.
    """

    omit_when_none: ClassVar[tuple[str, ...]] = ("observed_level",)

    level: Level
    upper: Level
    observed_level: Level | None = None


class AreaResult(_ResultModel):
    """One area's level range, how much of it the evidence decided, and what to do next."""

    omit_when_none: ClassVar[tuple[str, ...]] = ("observed_level",)

    id: str
    title: str
    level: Level
    upper: Level
    observed_level: Level | None = None
    coverage: Share
    confidence: ConfidenceLevel
    sources_missing: list[str] = Field(default_factory=list)
    criteria: list[CriterionResult]
    next_steps: list[NextStep] = Field(default_factory=list)


class Crosswalk(_ResultModel):
    """A ruleset's level read on the models practitioners quote (Microsoft 0–4, Google 0–2, AWS roadmap)."""

    level: int
    upper: int
    areas: list[str]
    microsoft: str
    google: str
    aws: str
    note: str


MLTestStatus = Literal["automatic", "exists", "absent", "unknown", "not_observable"]
ML_TEST_SCORE_LABEL = "a lower bound from infrastructure evidence"


class MLTest(_ResultModel):
    """One ML Test Score test: 1 runs automatically, 0.5 the practice exists, 0 absent or not observable."""

    id: str
    title: str
    score: float
    status: MLTestStatus
    open: bool = False  # an unknown signal could raise it
    signals: list[str] = Field(default_factory=list)


class MLTestSection(_ResultModel):
    """A section of the rubric: its score is the sum of its tests'."""

    id: str
    title: str
    score: float
    observable: int
    tests: list[MLTest] = Field(default_factory=list)


class MLTestScore(_ResultModel):
    """The ML Test Score (Breck et al. 2017): the minimum of the section scores, a lower bound because the
    tests infrastructure cannot show score 0."""

    label: str = ML_TEST_SCORE_LABEL
    score: float
    sections: list[MLTestSection] = Field(default_factory=list)
    not_observable: list[str] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list)


class RulesetResult(_ResultModel):
    """One ruleset's areas; its overall range is the minimum over its areas (the weakest holds it back).

    `digest` identifies the rules as loaded (sha256), so a history can tell a rules change from a drop;
    results written before it existed have none."""

    omit_when_none: ClassVar[tuple[str, ...]] = ("digest",)

    omit_when_none: ClassVar[tuple[str, ...]] = ("crosswalk",)

    id: str
    title: str
    levels: dict[str, str]
    overall: LevelRange
    areas: list[AreaResult]
    crosswalk: Crosswalk | None = None
    digest: str | None = None


class AttestationEntry(_ResultModel):
    """One entry of the attestations file and what scoring made of it (unused: not a scored criterion)."""

    criterion: str
    state: Literal["applied", "expired", "unused"]
    statement: str
    attested_by: str
    date: date
    expires: date
    evidence: str


class WaiverEntry(_ResultModel):
    """One entry of the waivers file and what scoring made of it (the members it took out, if any)."""

    omit_when_none: ClassVar[tuple[str, ...]] = ("resource",)

    criterion: str
    state: Literal["applied", "expired", "unused"]
    resource: str | None = None
    justification: str
    approver: str
    expires: date
    matched: list[str] = Field(default_factory=list)


class AttestationsApplied(_ResultModel):
    """The attestations file scoring read: its digest and every entry, applied or expired."""

    file: str
    sha256: str
    entries: list[AttestationEntry] = Field(default_factory=list)


class WaiversApplied(_ResultModel):
    """The waivers file scoring read: its digest and every entry, applied, expired or unused."""

    file: str
    sha256: str
    entries: list[WaiverEntry] = Field(default_factory=list)


class Results(_ResultModel):
    """Everything one scoring run concluded, citing the bundle it read."""

    omit_when_none: ClassVar[tuple[str, ...]] = ("attestations", "waivers", "ml_test_score")

    schema_: Literal["assay/result/v1"] = Field(default=RESULTS_SCHEMA, alias="schema")
    generated_at: datetime
    bundle_sha256: str
    tool_version: str
    scope: str = ""
    rulesets: list[RulesetResult] = Field(min_length=1)
    attestations: AttestationsApplied | None = None
    waivers: WaiversApplied | None = None
    ml_test_score: MLTestScore | None = None

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
