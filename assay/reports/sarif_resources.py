"""SARIF results per resource and per paperwork: one result per failing resource of a criterion, with a
fingerprint stable per (criterion, resource); waived resources and waived criteria as suppressed results;
attested criteria as `pass` results that say so. `sarif.py` adds these beside each criterion's own result.
"""

from __future__ import annotations

import hashlib
from typing import Any

from assay.reports import findings
from assay.scoring import AreaResult, CriterionResult, Results, RulesetResult
from assay.scoring.results import Resource, WaiverNote


def fingerprint(results: Results, rs: RulesetResult, c: CriterionResult, subject: str) -> str:
    """Stable across audits for the same (scope, ruleset, criterion, resource)."""
    return hashlib.sha256(f"{results.scope}\0{rs.id}\0{c.id}\0{subject}".encode()).hexdigest()[:32]


def criterion_properties(c: CriterionResult) -> dict[str, Any]:
    """What the criterion's own SARIF result adds: its basis, and its resource counts."""
    props: dict[str, Any] = {"basis": c.basis.value}
    if c.resource_counts is not None:
        props["resources"] = c.resource_counts.model_dump(by_alias=True)
    return props


def extra_results(
    results: Results,
    rs: RulesetResult,
    area: AreaResult,
    c: CriterionResult,
    index: int,
    artifact: str,
    level: str,
) -> list[dict[str, Any]]:
    """The results besides the criterion's own: failing and waived resources, and a non-observed pass.

    ``level`` is the SARIF level the criterion's failure has; a failing resource of a criterion that
    passes overall is a `note` (it does not hold the level back, but it is where to look)."""
    found: list[dict[str, Any]] = []
    if c.status == "pass" and c.basis != "observed":
        found.append(_paperwork_result(results, rs, area, c, index, artifact))
    for r in c.resources:
        if r.status == "fail" or r.waiver is not None:
            found.append(_resource_result(results, rs, area, c, r, index, artifact, level))
    return found


def _location(rs: RulesetResult, area: AreaResult, artifact: str, subject: str | None = None) -> dict:
    logical = [{"name": area.id, "fullyQualifiedName": f"{rs.id}/{area.id}", "kind": "module"}]
    if subject is not None:
        logical.append({"name": subject, "fullyQualifiedName": subject, "kind": "resource"})
    return {
        "physicalLocation": {"artifactLocation": {"uri": artifact}, "region": {"startLine": 1}},
        "logicalLocations": logical,
    }


def _suppression(w: WaiverNote) -> dict[str, Any]:
    return {
        "kind": "external",
        "status": "accepted",
        "justification": f"{w.justification} (approved by {w.approver}, expires {w.expires})",
    }


def _resource_result(
    results: Results,
    rs: RulesetResult,
    area: AreaResult,
    c: CriterionResult,
    r: Resource,
    index: int,
    artifact: str,
    level: str,
) -> dict[str, Any]:
    where = f" ({r.url})" if r.url else ""
    text = (
        f"{r.subject}{where} does not meet {area.title} level {c.level}: {c.title} ({', '.join(r.signals)})."
    )
    if r.status == "pass":
        text = f"{r.subject}{where} is waived from {area.title} level {c.level}: {c.title}."
    result: dict[str, Any] = {
        "ruleId": f"{rs.id}/{c.id}",
        "ruleIndex": index,
        "kind": "fail",
        "level": level if c.status == "fail" else "note",
        "message": {"text": f"{text} {c.recommendation}"},
        "locations": [_location(rs, area, artifact, r.subject)],
        "partialFingerprints": {"assayResource/v1": fingerprint(results, rs, c, r.subject)},
        "properties": {
            "resource": r.subject,
            "status": r.status,
            "source": r.source,
            "signals": r.signals,
            "criterion_status": c.status.value,
            "basis": "waived" if r.waiver is not None else "observed",
            **({"url": r.url} if r.url else {}),
        },
    }
    if r.waiver is not None:
        result["suppressions"] = [_suppression(r.waiver)]
    return result


def _paperwork_result(
    results: Results, rs: RulesetResult, area: AreaResult, c: CriterionResult, index: int, artifact: str
) -> dict[str, Any]:
    """A criterion that passes on an attestation or a waiver: shown, never silently."""
    result: dict[str, Any] = {
        "ruleId": f"{rs.id}/{c.id}",
        "ruleIndex": index,
        "kind": "pass",
        "level": "none",
        "message": {"text": f"{area.title} level {c.level}: {c.title}. {findings.basis_note(c)}"},
        "locations": [_location(rs, area, artifact)],
        "partialFingerprints": {"assayCriterion/v1": _criterion_fingerprint(results, rs, c)},
        "properties": {"status": c.status.value, **criterion_properties(c)},
    }
    if c.waiver is not None and c.basis == "waived":
        result["suppressions"] = [_suppression(c.waiver)]
    return result


def _criterion_fingerprint(results: Results, rs: RulesetResult, c: CriterionResult) -> str:
    return hashlib.sha256(f"{results.scope}\0{rs.id}\0{c.id}".encode()).hexdigest()[:32]
