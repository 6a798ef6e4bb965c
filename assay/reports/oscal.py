"""OSCAL assessment results (`assessment-results.json`), built with compliance-trestle's OSCAL models.

OSCAL is what GSA and FedRAMP tooling reads. The mapping:

- one `result` per maturity model (ruleset), with its overall and per-area levels as properties;
- one `observation` per criterion: what was observed (the signals), the evidence items it rests on as
  `relevant-evidence` (each with kind, endpoint and its own observed time) and the assessed subjects;
- one `finding` per criterion, targeting the criterion as an objective: `satisfied` when it is met,
  `not-satisfied` with reason `fail` when it is not, and `not-satisfied` with reason `other` (and the
  property `assay-status: unknown`) when the evidence could not decide it — unknown is never a fail;
- the assessed subjects (the resources the evidence is about) as `inventory-items` of the result.

Every UUID is derived (UUID v5) from the bundle's hash and what it names, so the same results and bundle
always give the same document.
"""

from __future__ import annotations

import uuid
from typing import Any

from assay.errors import AssayError
from assay.evidence import Bundle, Evidence
from assay.reports import facts, formatting, narrative, register
from assay.scoring import AreaResult, CriterionResult, Results, RulesetResult

NAMESPACE = uuid.UUID("6f1d1b1e-3c2a-5d7e-9a41-8b0c2f7e5a10")
PROP_NS = "urn:assay:oscal"  # properties assay defines (OSCAL wants them namespaced)
_STATE = {
    "pass": ("satisfied", "pass"),
    "fail": ("not-satisfied", "fail"),
    "not_applicable": ("satisfied", "other"),  # an empty population: nothing to fail (remarks say so)
}


def _trestle() -> tuple[Any, Any]:
    try:
        from trestle.oscal import assessment_results, common
    except ImportError as exc:
        raise AssayError(
            f"--format oscal needs compliance-trestle: `pip install 'assay[oscal]'` ({exc})"
        ) from None
    return assessment_results, common


def _uuid(results: Results, *parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join([results.bundle_sha256, *parts])))


def render_oscal(results: Results, bundle: Bundle | None) -> str:
    """The assessment results as OSCAL JSON (wrapped in `assessment-results`), indented, newline-ended."""
    ar, common = _trestle()
    evidence = bundle.evidence_by_id() if bundle else {}
    ctx = narrative.Context.of(results, bundle)
    metadata = common.Metadata(
        title=f"{ctx.org}: {narrative.report_title(results)}",
        last_modified=results.generated_at,
        version=results.tool_version,
        oscal_version=common.OscalVersion(ar.OSCAL_VERSION),
        props=[
            _prop(common, "scope", results.scope or "unnamed"),
            _prop(common, "bundle-sha256", results.bundle_sha256),
        ],
    )
    document = ar.AssessmentResults(
        uuid=_uuid(results, "assessment-results"),
        metadata=metadata,
        import_ap=ar.ImportAp(
            href=f"urn:assay:assessment-plan:{'+'.join(rs.id for rs in results.rulesets) or 'none'}",
            remarks="assay assesses against its maturity models' criteria; no separate assessment plan.",
        ),
        results=[_result(ar, common, results, rs, evidence, ctx) for rs in results.rulesets]
        or [_empty_result(ar, common, results)],
    )
    return document.oscal_serialize_json(pretty=True) + "\n"


def _result(
    ar: Any, common: Any, results: Results, rs: RulesetResult, evidence: dict[str, Evidence], ctx: Any
) -> Any:
    subjects: dict[tuple[str, str], Any] = {}
    observations, findings = [], []
    for area in rs.areas:
        for c in area.criteria:
            cited = [evidence[e] for e in c.evidence if e in evidence]
            refs: dict[str, str | None] = {}
            for e in cited:
                key = (e.source, e.subject)
                if key not in subjects:
                    subjects[key] = _inventory_item(common, results, e.source, e.subject, e.data)
                refs.setdefault(subjects[key].uuid, None)
            for v in register.resource_verdicts(c):  # per-resource verdicts, where results carry them
                key = (v.source, v.name)
                if key not in subjects:
                    subjects[key] = _inventory_item(common, results, v.source, v.name, {"url": v.link or ""})
                refs[subjects[key].uuid] = v.verdict
            observation = _observation(ar, common, results, rs, area, c, cited, refs)
            observations.append(observation)
            findings.append(_finding(common, results, rs, area, c, observation.uuid, ctx))
    props = [
        _prop(common, "overall-level", str(rs.overall.level)),
        _prop(common, "overall-upper", str(rs.overall.upper)),
    ]
    props += [_prop(common, f"level-{a.id}", formatting.level_range(a.level, a.upper)) for a in rs.areas]
    overall = {"level": rs.overall.level, "upper": rs.overall.upper}
    return ar.Result(
        uuid=_uuid(results, "result", rs.id),
        title=f"{formatting.model_heading(rs.id, rs.title)}: Level {formatting.level_range(**overall)}",
        description=narrative.overall_paragraph(ctx, rs),
        start=results.generated_at,
        end=results.generated_at,
        props=props,
        local_definitions=ar.LocalDefinitions1(inventory_items=list(subjects.values())) if subjects else None,
        reviewed_controls=_all_controls(common, rs),
        observations=observations or None,
        findings=findings or None,
        remarks=narrative.closing_sentence(ctx, rs),
    )


def _empty_result(ar: Any, common: Any, results: Results) -> Any:
    return ar.Result(
        uuid=_uuid(results, "result"),
        title="No maturity model was scored",
        description="The results hold no ruleset.",
        start=results.generated_at,
        reviewed_controls=common.ReviewedControls(
            control_selections=[common.ControlSelectionsAll(include_all=common.IncludeAll())]
        ),
    )


def _all_controls(common: Any, rs: RulesetResult) -> Any:
    return common.ReviewedControls(
        description=f"Every criterion of the ruleset {rs.id} ({rs.title}).",
        control_selections=[common.ControlSelectionsAll(include_all=common.IncludeAll())],
    )


def _inventory_item(common: Any, results: Results, source: str, subject: str, data: dict[str, Any]) -> Any:
    link = register.subject_link(subject, data)
    return common.InventoryItem(
        uuid=_uuid(results, "subject", source, subject),
        description=f"{subject} ({source})" if source else subject,
        props=[_prop(common, "source", source), _prop(common, "subject", subject)],
        links=[common.Link(href=link, rel="reference")] if link else None,
    )


def _observation(
    ar: Any,
    common: Any,
    results: Results,
    rs: RulesetResult,
    area: AreaResult,
    c: CriterionResult,
    cited: list[Evidence],
    subject_refs: dict[str, str | None],
) -> Any:
    relevant = [
        common.RelevantEvidence(
            href=f"urn:assay:evidence:{e.id}",
            description=f"{e.kind} {e.subject}, read from {e.endpoint} at {e.observed_at.isoformat()}",
            props=[_prop(common, "evidence-id", e.id), _prop(common, "source", e.source)],
        )
        for e in cited
    ]
    if c.evidence and not cited:  # the bundle was not at hand: the ids are all there is
        relevant = [
            common.RelevantEvidence(href=f"urn:assay:evidence:{eid}", description=f"evidence item {eid}")
            for eid in c.evidence
        ]
    return ar.Observation(
        uuid=_uuid(results, "observation", rs.id, c.id),
        title=c.title,
        description=facts.observed(c) or "Nothing was observed for this criterion.",
        methods=["TEST"] if c.signals else ["EXAMINE"],
        types=["finding"] if c.status != "unknown" else ["discovery"],
        subjects=[
            common.SubjectReference(
                subject_uuid=u,
                type="inventory-item",
                props=[_prop(common, "verdict", verdict)] if verdict else None,
            )
            for u, verdict in subject_refs.items()
        ]
        or None,
        relevant_evidence=relevant or None,
        collected=max((e.observed_at for e in cited), default=results.generated_at),
        props=[_prop(common, "area", area.id)],
    )


def _finding(
    common: Any,
    results: Results,
    rs: RulesetResult,
    area: AreaResult,
    c: CriterionResult,
    observation: str,
    ctx: Any,
) -> Any:
    state, reason = _STATE.get(str(c.status), ("not-satisfied", "other"))
    remarks = None
    if str(c.status) == "unknown":
        remarks = f"Open, not failed: {narrative.open_reason(ctx, c, area)}."
    elif str(c.status) == "not_applicable":
        remarks = f"Not applicable: {c.message or 'the population it is about is empty'}."
    props = [
        _prop(common, "assay-status", str(c.status)),
        _prop(common, "level", str(c.level)),
        _prop(common, "kind", c.kind),
        _prop(common, "area", area.id),
    ]
    return common.Finding(
        uuid=_uuid(results, "finding", rs.id, c.id),
        title=c.title,
        description=c.recommendation if c.status != "pass" else f"Met: {c.title}.",
        props=props,
        target=common.FindingTarget(
            type="objective-id",
            target_id=c.id,
            title=c.title,
            status=common.ObjectiveStatus(state=state, reason=reason, remarks=remarks),
        ),
        related_observations=[common.RelatedObservation(observation_uuid=observation)],
        remarks=c.consequence if c.status != "pass" else None,
    )


def _prop(common: Any, name: str, value: str) -> Any:
    return common.Property(name=name, value=value or "-", ns=PROP_NS)
