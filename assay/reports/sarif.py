"""SARIF 2.1.0: unmet criteria as results, each criterion a rule with help text, for code scanning.

A failed criterion the gate requires now (up to the next level, or the `--fail-under` target: see
`assay.reports.gate`) is a `fail` result (error when required, warning when supporting); one above that is
a `fail` result with level `note` (not yet required). An unknown one is an `open` result (the tool could
not decide) with level `none`. Results point at the audit config, the file in the repository that defines
what was audited, so GitHub code scanning can place them.
"""

from __future__ import annotations

import hashlib
import json

from assay.reports import facts, formatting, sarif_resources
from assay.reports.gate import GateTargets, not_yet_required
from assay.scoring import AreaResult, CriterionResult, Results, RulesetResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def rule_id(rs: RulesetResult, criterion: CriterionResult) -> str:
    """`<ruleset>/<criterion>`: unique across rulesets, stable across audits."""
    return f"{rs.id}/{criterion.id}"


def render_sarif(results: Results, artifact: str = "audit.yaml", gate: GateTargets | None = None) -> str:
    """The results as a SARIF 2.1.0 log; `artifact` is the repository path results point at; `gate`
    the `--fail-under` targets (default: each area's next level)."""
    gate = gate or GateTargets()
    rules: list[dict] = []
    found: list[dict] = []
    for rs in results.rulesets:
        for area in rs.areas:
            target = gate.target(rs, area)
            for c in area.criteria:
                rules.append(_rule(rs, area, c))
                if c.status not in ("pass", "not_applicable"):
                    found.append(_result(results, rs, area, c, len(rules) - 1, artifact, target))
                # a failing resource of a criterion above the gate's target is a note, like the criterion
                level = "note" if c.level > target else "error" if c.kind == "required" else "warning"
                found += sarif_resources.extra_results(results, rs, area, c, len(rules) - 1, artifact, level)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "assay",
                        "version": results.tool_version,
                        "semanticVersion": results.tool_version,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"assay/{results.scope or 'default'}/"},
                "invocations": [{"executionSuccessful": True}],
                "results": found,
                "properties": {
                    "scope": results.scope,
                    "bundle_sha256": results.bundle_sha256,
                    "generated_at": results.generated_at.isoformat().replace("+00:00", "Z"),
                    "levels": {
                        rs.id: {a.id: {"level": a.level, "upper": a.upper} for a in rs.areas}
                        for rs in results.rulesets
                    },
                },
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(rs: RulesetResult, area: AreaResult, c: CriterionResult) -> dict:
    model = formatting.model_heading(rs.id, rs.title)
    help_text = (
        f"{c.recommendation}\n\nCriterion {c.id}: level {c.level} ({c.kind}) of {area.title}, {model}."
    )
    help_md = (
        f"**{c.title}** — level {c.level} ({formatting.level_name(rs.levels, c.level)}), {c.kind}, "
        f"in *{area.title}* ({model}).\n\n{c.recommendation}\n\n"
        f"Run `assay explain {rs.id}:{area.id}` to see the evidence behind it."
    )
    return {
        "id": rule_id(rs, c),
        "name": _pascal(c.id),
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": f"{area.title}, level {c.level} ({c.kind}): {c.title}"},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": "error" if c.kind == "required" else "warning"},
        "properties": {
            "tags": ["maturity", rs.id, area.id, f"level-{c.level}", c.kind],
            "ruleset": rs.id,
            "area": area.id,
            "level": c.level,
            "kind": c.kind,
            "attestation": c.attestation,
        },
    }


def _result(
    results: Results,
    rs: RulesetResult,
    area: AreaResult,
    c: CriterionResult,
    index: int,
    artifact: str,
    target: int,
) -> dict:
    observed = facts.observed(c)
    if c.status == "fail" and c.level > target:
        kind, level = "fail", "note"
        text = (
            f"{area.title} level {c.level} not met, {not_yet_required(area, target)}: {c.title}. "
            f"Observed: {observed}. {c.recommendation}"
        )
    elif c.status == "fail":
        kind, level = "fail", ("error" if c.kind == "required" else "warning")
        text = f"{area.title} level {c.level} not met: {c.title}. Observed: {observed}. {c.recommendation}"
    else:
        kind, level = "open", "none"
        text = (
            f"{area.title} level {c.level} not shown ({facts.reason_words(c.reason)}): {c.title}. "
            f"{_capital(c.message or observed)}"
        )
    fingerprint = hashlib.sha256(f"{results.scope}\0{rs.id}\0{c.id}".encode()).hexdigest()[:32]
    return {
        "ruleId": rule_id(rs, c),
        "ruleIndex": index,
        "kind": kind,
        "level": level,
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": artifact}, "region": {"startLine": 1}},
                "logicalLocations": [
                    {"name": area.id, "fullyQualifiedName": f"{rs.id}/{area.id}", "kind": "module"}
                ],
            }
        ],
        "partialFingerprints": {"assayCriterion/v1": fingerprint},
        "properties": {
            "status": c.status,
            **({"reason": c.reason.value} if c.reason else {}),
            "area_level": area.level,
            "area_upper": area.upper,
            "gate": "required now" if c.level <= target else "not yet required",
            "gate_target": target,
            "signals": {s.name: s.value for s in c.signals if s.status == "ok"},
            "evidence": c.evidence,
            **sarif_resources.criterion_properties(c),
        },
    }


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pascal(criterion_id: str) -> str:
    words = criterion_id.replace(".", "-").replace("_", "-").split("-")
    return "".join(w[:1].upper() + w[1:] for w in words if w)
