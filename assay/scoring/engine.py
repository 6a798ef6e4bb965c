"""Scoring: a pure function from an evidence bundle and rulesets to results.

Signals decide criteria, criteria decide each area's level range, and areas that read other areas'
levels are scored after them. Nothing here touches the network, the clock or a collector.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assay.errors import RulesetError
from assay.evidence import Bundle, Signal, SignalSpec, SignalStatus, UnknownReason
from assay.evidence import Confidence as SignalConfidence
from assay.scoring.digest import ruleset_digest
from assay.scoring.expressions import evaluate, nest, references
from assay.scoring.findings import Findings
from assay.scoring.levels import TOP, confidence, coverage, staged_level
from assay.scoring.model import Area, Criterion, Ruleset, area_key
from assay.scoring.paperwork import Paperwork
from assay.scoring.results import (
    AreaRead,
    AreaResult,
    CriterionReason,
    CriterionResult,
    CriterionStatus,
    LevelRange,
    NextStep,
    Results,
    RulesetResult,
    SignalRead,
)
from assay.scoring.validation import dependency_order, validate_rulesets

NOT_PRODUCED = "no installed collector produced it"
NEEDS_ATTESTATION = "needs a signed attestation; no infrastructure shows this practice"
SOURCE_RAN = frozenset({"ok", "partial"})


def score(
    bundle: Bundle,
    rulesets: Sequence[Ruleset],
    catalog: Mapping[str, SignalSpec],
    *,
    attestations: Paperwork | None = None,
    waivers: Paperwork | None = None,
) -> Results:
    """Score every area of `rulesets` from the signals in `bundle`; the same inputs give the same results.

    Attestations and waivers (validated files) change criteria with a `basis` that says so; every area and
    ruleset also carries `observed_level`, its level on observed evidence alone.
    """
    validate_rulesets(rulesets, catalog)  # rulesets built by hand, or a subset of those loaded, fail here
    findings = Findings(bundle, attestations, waivers)
    scored = _score_all(bundle, rulesets, catalog, findings)
    observed = (
        _score_all(bundle, rulesets, catalog, findings.observed_only()) if findings.paperwork else scored
    )
    findings.check()
    attested, waived = findings.applied()
    return Results(
        generated_at=bundle.created_at,
        bundle_sha256=bundle.sha256(),
        tool_version=bundle.tool_version,
        scope=bundle.scope,
        rulesets=[_ruleset_result(rs, scored, observed) for rs in rulesets],
        attestations=attested,
        waivers=waived,
    )


def _score_all(
    bundle: Bundle, rulesets: Sequence[Ruleset], catalog: Mapping[str, SignalSpec], findings: Findings
) -> dict[str, AreaResult]:
    signals = bundle.signal_map()
    ran = {run.name for run in bundle.collectors if run.status in SOURCE_RAN}
    scored: dict[str, AreaResult] = {}
    for ruleset, area in dependency_order(rulesets):
        scored[area.key] = _score_area(area, ruleset, signals, scored, catalog, ran, findings)
    return scored


def _ruleset_result(
    ruleset: Ruleset, scored: Mapping[str, AreaResult], observed: Mapping[str, AreaResult]
) -> RulesetResult:
    areas = [
        scored[area.key].model_copy(update={"observed_level": observed[area.key].level})
        for area in ruleset.areas
    ]
    return RulesetResult(
        id=ruleset.id,
        title=ruleset.title,
        levels={str(k): v for k, v in sorted(ruleset.levels.items())},
        overall=LevelRange(
            level=min(a.level for a in areas),
            upper=min(a.upper for a in areas),
            observed_level=min(observed[area.key].level for area in ruleset.areas),
        ),
        areas=areas,
        digest=ruleset_digest(ruleset),
    )


def _score_area(
    area: Area,
    ruleset: Ruleset,
    signals: Mapping[str, Signal],
    scored: Mapping[str, AreaResult],
    catalog: Mapping[str, SignalSpec],
    ran: set[str],
    findings: Findings,
) -> AreaResult:
    enabled = [c for c in area.criteria if not c.disabled]
    ordered = [c for _, c in sorted(enumerate(enabled), key=lambda item: (item[1].level, item[0]))]
    results = [_score_criterion(c, ruleset, signals, scored, findings) for c in ordered]
    outcomes = [(r.level, r.kind, r.status) for r in results]
    level = staged_level(outcomes, optimistic=False)
    upper = staged_level(outcomes, optimistic=True)
    share = coverage([r.status for r in results])
    decided = [r for r in results if r.status is not CriterionStatus.UNKNOWN]
    read = sorted({s.name for r in decided for s in r.signals})
    tags = [catalog[n].confidence if n in catalog else SignalConfidence.LOW for n in read]
    return AreaResult(
        id=area.id,
        title=area.title,
        level=level,
        upper=upper,
        coverage=share,
        confidence=confidence(share, tags, len(decided)),
        sources_missing=[s for s in area.sources if s not in ran],
        criteria=results,
        next_steps=_next_steps(results, level),
    )


def _next_steps(results: Sequence[CriterionResult], level: int) -> list[NextStep]:
    if level >= TOP:
        return []
    return [
        NextStep(
            id=r.id,
            title=r.title,
            level=r.level,
            status=r.status,
            kind=r.kind,
            recommendation=r.recommendation,
            reason=r.reason,
            message=r.message,
            consequence=r.consequence,
        )
        for r in results
        if r.level == level + 1 and r.status is not CriterionStatus.PASS
    ]


def _score_criterion(
    criterion: Criterion,
    ruleset: Ruleset,
    signals: Mapping[str, Signal],
    scored: Mapping[str, AreaResult],
    findings: Findings,
) -> CriterionResult:
    refs = references(criterion.when) if criterion.when else None
    names = refs.signals if refs else ()
    observed = signals
    signals = findings.signals_for(criterion, names, signals)  # waived resources leave the population
    reads = [_read_signal(name, signals.get(name)) for name in names]
    evidence = sorted({e for name in names if name in signals for e in signals[name].evidence})
    area_reads = (
        [AreaRead(id=scored[k].id, level=scored[k].level, upper=scored[k].upper) for k in refs.areas]
        if refs
        else []
    )
    status, reason, message = _decide(criterion, ruleset, signals, reads, area_reads)
    result = CriterionResult(
        id=criterion.id,
        title=criterion.title,
        level=criterion.level,
        kind=criterion.kind,
        status=status,
        reason=reason,
        message=message,
        signals=reads,
        areas=area_reads,
        evidence=evidence,
        recommendation=criterion.recommendation,
        consequence=criterion.consequence or None,
        attestation=criterion.attestation,
    )
    return findings.finish(criterion, result, names, observed)


def _read_signal(name: str, signal: Signal | None) -> SignalRead:
    if signal is None:
        return SignalRead(name=name, status=SignalStatus.UNKNOWN, reason=UnknownReason.NOT_CONFIGURED.value)
    reason = (signal.reason or UnknownReason.ERROR).value if signal.status is SignalStatus.UNKNOWN else None
    return SignalRead(name=name, status=signal.status, value=signal.value, reason=reason)


Decision = tuple[CriterionStatus, CriterionReason | None, str | None]


def _decide(
    criterion: Criterion,
    ruleset: Ruleset,
    signals: Mapping[str, Signal],
    reads: Sequence[SignalRead],
    area_reads: Sequence[AreaRead],
) -> Decision:
    if criterion.attestation or criterion.when is None:
        return CriterionStatus.UNKNOWN, CriterionReason.ATTESTATION, NEEDS_ATTESTATION
    unknown = [r for r in reads if r.status is SignalStatus.UNKNOWN]
    # Three-valued logic: unknown signals are left out of the context. CEL's `||` and `&&` absorb the
    # error of a missing operand when the other side decides (true || ?, false && ?), so a criterion is
    # decided exactly when the known signals alone decide it, and unknown otherwise. Unknown never fails.
    values = {r.name: r.value for r in reads if r.status is SignalStatus.OK}
    base = {"signals": nest(values), "params": dict(ruleset.params)}
    partial = bool(unknown)
    try:
        low = _run(
            criterion, {**base, "areas": {area_key(a.id): {"level": a.level} for a in area_reads}}, partial
        )
        high = low
        if any(a.level != a.upper for a in area_reads):
            high = _run(
                criterion,
                {**base, "areas": {area_key(a.id): {"level": a.upper} for a in area_reads}},
                partial,
            )
    except _EvaluationFailed as exc:
        return CriterionStatus.UNKNOWN, CriterionReason.ERROR, str(exc)
    if low is None or high is None:
        first = unknown[0]
        found = signals.get(first.name)
        detail = NOT_PRODUCED if found is None else (found.message or "the collector could not derive it")
        more = f" (and {len(unknown) - 1} more unknown signals)" if len(unknown) > 1 else ""
        return CriterionStatus.UNKNOWN, CriterionReason(first.reason), f"{first.name}: {detail}{more}"
    if low and high:
        return CriterionStatus.PASS, None, None
    if not low and not high:
        return CriterionStatus.FAIL, None, None
    ranges = ", ".join(f"{a.id} {a.level}..{a.upper}" for a in area_reads if a.level != a.upper)
    return (
        CriterionStatus.UNKNOWN,
        CriterionReason.AREA_RANGE,
        f"depends on areas whose level the evidence has not decided yet ({ranges})",
    )


class _EvaluationFailed(Exception):
    """The data made the expression fail (a type mismatch, a division by zero): the criterion is unknown."""


def _run(criterion: Criterion, context: dict[str, Any], partial: bool) -> bool | None:
    """Evaluate `when`; None when it needs a signal left out as unknown (``partial``)."""
    assert criterion.when is not None
    try:
        value = evaluate(criterion.when, context)
    except KeyError as exc:
        if partial:
            return None
        raise RulesetError(
            f"{criterion.origin}: criterion {criterion.id}: `when` reads {exc.args[0]!r}, which is not "
            "there; check the field name in the rule"
        ) from None
    except Exception as exc:  # CEL raises TypeError, ValueError, RuntimeError, ZeroDivisionError
        raise _EvaluationFailed(
            f"`when` cannot be evaluated on these values: {str(exc).split('. ')[0]}"
        ) from None
    if not isinstance(value, bool):
        raise _EvaluationFailed(f"`when` gave a {type(value).__name__}, not true or false")
    return value
