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
from assay.scoring.crosswalk import crosswalk
from assay.scoring.digest import ruleset_digest
from assay.scoring.expressions import evaluate, junctions, nest, references
from assay.scoring.findings import Findings
from assay.scoring.levels import TOP, confidence, coverage, staged_level
from assay.scoring.logic import Truth, decide
from assay.scoring.ml_test_score import ml_test_score
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
NOT_APPLICABLE = UnknownReason.NOT_APPLICABLE.value


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
        ml_test_score=ml_test_score(bundle.signal_map()),
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
        crosswalk=crosswalk(ruleset, areas),
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
        if r.level == level + 1 and r.status not in (CriterionStatus.PASS, CriterionStatus.NOT_APPLICABLE)
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
    # Four-valued logic over the expression's ||/&&/! skeleton: each leaf is evaluated by CEL over the known
    # signals; a leaf reading an unknown signal is unknown, one reading a not-applicable signal (an empty
    # population) is not applicable. Unknown never fails; not applicable drops out of || and && when
    # another operand is known, and a criterion with nothing but not-applicable operands is not applicable.
    unknown = [r for r in reads if r.status is SignalStatus.UNKNOWN and r.reason != NOT_APPLICABLE]
    inapplicable = [r for r in reads if r.status is SignalStatus.UNKNOWN and r.reason == NOT_APPLICABLE]
    values = {r.name: r.value for r in reads if r.status is SignalStatus.OK}
    base = {"signals": nest(values), "params": dict(ruleset.params)}
    leaves = _Leaves(criterion, {r.name for r in unknown}, {r.name for r in inapplicable})
    low = leaves.truth({**base, "areas": {area_key(a.id): {"level": a.level} for a in area_reads}})
    high = low
    if any(a.level != a.upper for a in area_reads):
        high = leaves.truth({**base, "areas": {area_key(a.id): {"level": a.upper} for a in area_reads}})
    if Truth.UNKNOWN in (low, high):
        if leaves.failure and not unknown:
            return CriterionStatus.UNKNOWN, CriterionReason.ERROR, leaves.failure
        return CriterionStatus.UNKNOWN, CriterionReason(unknown[0].reason), _why(unknown, signals, "unknown")
    if low is Truth.NOT_APPLICABLE:
        message = _why(inapplicable, signals, "not applicable")
        return CriterionStatus.NOT_APPLICABLE, CriterionReason.NOT_APPLICABLE, message
    if low is high:
        return (CriterionStatus.PASS if low is Truth.TRUE else CriterionStatus.FAIL), None, None
    ranges = ", ".join(f"{a.id} {a.level}..{a.upper}" for a in area_reads if a.level != a.upper)
    return (
        CriterionStatus.UNKNOWN,
        CriterionReason.AREA_RANGE,
        f"depends on areas whose level the evidence has not decided yet ({ranges})",
    )


def _why(reads: Sequence[SignalRead], signals: Mapping[str, Signal], what: str) -> str:
    """The first signal's own explanation, and how many more there are."""
    first = reads[0]
    found = signals.get(first.name)
    detail = NOT_PRODUCED if found is None else (found.message or "the collector could not derive it")
    more = f" (and {len(reads) - 1} more {what} signals)" if len(reads) > 1 else ""
    return f"{first.name}: {detail}{more}"


class _EvaluationFailed(Exception):
    """The data made the expression fail (a type mismatch, a division by zero): the criterion is unknown."""


class _Leaves:
    """Evaluates the leaves of one criterion's expression and combines them in four-valued logic."""

    def __init__(self, criterion: Criterion, unknown: set[str], inapplicable: set[str]) -> None:
        assert criterion.when is not None
        self.criterion = criterion
        self.tree = junctions(criterion.when)
        self.unknown = unknown
        self.inapplicable = inapplicable
        self.failure: str | None = None

    def truth(self, context: dict[str, Any]) -> Truth:
        return decide(self.tree, lambda source: self._leaf(source, context))

    def _leaf(self, source: str, context: dict[str, Any]) -> Truth:
        names = set(references(source).signals)
        if names & self.unknown:
            return Truth.UNKNOWN
        if names & self.inapplicable:
            return Truth.NOT_APPLICABLE
        try:
            return Truth.of(_run(self.criterion, source, context))
        except _EvaluationFailed as exc:
            self.failure = self.failure or str(exc)
            return Truth.UNKNOWN


def _run(criterion: Criterion, source: str, context: dict[str, Any]) -> bool:
    """Evaluate one leaf of `when` over known values; a missing field is the rule's error, not the data's."""
    try:
        value = evaluate(source, context)
    except KeyError as exc:
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
