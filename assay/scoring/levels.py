"""Level arithmetic: staged levels from criterion outcomes, coverage and confidence. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assay.evidence import Confidence as SignalConfidence
from assay.scoring.results import ConfidenceLevel, CriterionStatus

FLOOR = 1
TOP = 5
CONFIDENCE_WEIGHT = {SignalConfidence.HIGH: 1.0, SignalConfidence.MEDIUM: 0.7, SignalConfidence.LOW: 0.4}
HIGH_CONFIDENCE = 0.75
MEDIUM_CONFIDENCE = 0.4

Outcome = tuple[int, str, CriterionStatus]  # (level, kind, status) of one enabled criterion


def staged_level(outcomes: Iterable[Outcome], *, optimistic: bool) -> int:
    """The highest level L such that every level 2..L holds, counting unknown as pass only if optimistic.

    A level holds when all its required criteria pass and at least half of its supporting ones do. Not
    applicable criteria neither block nor grant: they are left out, and a level holds only when at least
    one of its criteria passed (so a level whose criteria are all not applicable does not hold). A level
    with no criteria at all cannot be demonstrated, so it is undecided: it holds only when optimistic.
    """
    by_level: dict[int, list[tuple[str, CriterionStatus]]] = {}
    for level, kind, status in outcomes:
        by_level.setdefault(level, []).append((kind, status))
    reached = FLOOR
    for level in range(FLOOR + 1, TOP + 1):
        if not _holds(by_level.get(level, []), optimistic):
            break
        reached = level
    return reached


def _holds(criteria: Sequence[tuple[str, CriterionStatus]], optimistic: bool) -> bool:
    if not criteria:
        return optimistic

    def passes(status: CriterionStatus) -> bool:
        return status is CriterionStatus.PASS or (optimistic and status is CriterionStatus.UNKNOWN)

    applicable = [(kind, s) for kind, s in criteria if s is not CriterionStatus.NOT_APPLICABLE]
    required = [s for kind, s in applicable if kind == "required"]
    supporting = [s for kind, s in applicable if kind == "supporting"]
    passed_supporting = sum(1 for s in supporting if passes(s))
    return (
        any(passes(s) for _, s in applicable)
        and all(passes(s) for s in required)
        and passed_supporting * 2 >= len(supporting)
    )


def coverage(statuses: Sequence[CriterionStatus]) -> float:
    """The share of criteria the evidence decided (pass, fail or not applicable), rounded to 4 places."""
    if not statuses:
        return 0.0
    decided = sum(1 for s in statuses if s is not CriterionStatus.UNKNOWN)
    return round(decided / len(statuses), 4)


def confidence(coverage_share: float, tags: Sequence[SignalConfidence], decided: int) -> ConfidenceLevel:
    """high / medium / low from coverage times the mean weight of the signals decided criteria read.

    With no decided criterion it is low. Decided criteria that read no signal (only other areas' levels)
    count as full weight: their evidence is weighed in those areas.
    """
    if decided == 0:
        return "low"
    weight = sum(CONFIDENCE_WEIGHT[t] for t in tags) / len(tags) if tags else 1.0
    score = coverage_share * weight
    if score >= HIGH_CONFIDENCE:
        return "high"
    if score >= MEDIUM_CONFIDENCE:
        return "medium"
    return "low"
