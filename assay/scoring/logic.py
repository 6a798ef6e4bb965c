"""Four-valued logic for criteria: true, false, unknown, and not applicable.

`unknown` (a source not read) may be either truth, so it never fails a criterion: ``||`` and ``&&`` are
decided only when their known operands decide them (Kleene logic). `not_applicable` (an empty population:
no SageMaker endpoints, no containers) is the identity of the operator it sits in: it drops out of
``||`` and ``&&`` when another operand is known, and a junction of nothing but not-applicable operands is
itself not applicable (SIGNALS.md, "Unknown and not applicable").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Set
from enum import Enum
from typing import Any

from assay.scoring.expressions import Junction, evaluate, junctions, nest, references


class Truth(Enum):
    """The value of a criterion's expression, or of one part of it."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"

    @classmethod
    def of(cls, value: bool) -> Truth:
        return cls.TRUE if value else cls.FALSE


def any_of(values: Iterable[Truth]) -> Truth:
    """``||``: true if a known operand is true, false if every known operand is false."""
    known = [v for v in values if v is not Truth.NOT_APPLICABLE]
    if not known:
        return Truth.NOT_APPLICABLE
    if Truth.TRUE in known:
        return Truth.TRUE
    return Truth.FALSE if all(v is Truth.FALSE for v in known) else Truth.UNKNOWN


def all_of(values: Iterable[Truth]) -> Truth:
    """``&&``: false if a known operand is false, true if every known operand is true."""
    known = [v for v in values if v is not Truth.NOT_APPLICABLE]
    if not known:
        return Truth.NOT_APPLICABLE
    if Truth.FALSE in known:
        return Truth.FALSE
    return Truth.TRUE if all(v is Truth.TRUE for v in known) else Truth.UNKNOWN


def negation(value: Truth) -> Truth:
    """``!``: swaps true and false; unknown and not applicable stay what they are."""
    return {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}.get(value, value)


def decide(tree: Junction, leaf: Callable[[str], Truth]) -> Truth:
    """The truth of an expression's skeleton, with ``leaf`` giving the truth of each leaf's source.

    Every leaf is evaluated (no short-circuit), so the outcome does not depend on operand order.
    """
    if tree.op == "leaf":
        return leaf(tree.source)
    parts = [decide(part, leaf) for part in tree.parts]
    if tree.op == "or":
        return any_of(parts)
    if tree.op == "and":
        return all_of(parts)
    return negation(parts[0])


def truth_of(source: str, known: Mapping[str, Any], unknown: Set[str], inapplicable: Set[str]) -> Truth:
    """The four-valued truth of an expression over signal values; a leaf CEL cannot evaluate is unknown."""
    context = {"signals": nest(known)}

    def leaf(text: str) -> Truth:
        names = set(references(text).signals)
        if names & unknown:
            return Truth.UNKNOWN
        if names & inapplicable:
            return Truth.NOT_APPLICABLE
        try:
            value = evaluate(text, context)
        except Exception:  # a missing or mistyped value: the evidence cannot say
            return Truth.UNKNOWN
        return Truth.of(value) if isinstance(value, bool) else Truth.UNKNOWN

    return decide(junctions(source), leaf)
