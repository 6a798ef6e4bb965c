"""Not applicable (an empty population) in the engine: it drops out of `||` and `&&`, a criterion reading
nothing else is itself not applicable, and it neither blocks nor grants a level."""

from __future__ import annotations

import pytest

from assay.evidence import UnknownReason
from assay.scoring import load_rulesets, score
from assay.scoring.expressions import junctions
from assay.scoring.logic import Truth, all_of, any_of, negation
from assay.scoring.results import AreaResult

NA = UnknownReason.NOT_APPLICABLE
T, F, U, N = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN, Truth.NOT_APPLICABLE


def _area(test_ruleset, make_bundle, catalog, areas: str, values: dict) -> AreaResult:
    rulesets = load_rulesets([], [test_ruleset(areas)], catalog)
    area = score(make_bundle(values), rulesets, catalog).area("alpha")
    assert area is not None
    return area


def _one(when: str) -> str:
    return f"""
- id: alpha
  title: Alpha
  criteria:
    - id: a.one
      level: 2
      title: One
      when: '{when}'
      recommendation: Do it.
"""


R = "signals.ml.registry.models >= 1"  # known in most cases below
P = "signals.ml.production.count >= 1"  # always about an empty population here
Q = "signals.ml.repro.ratio > 0.5"
REG = "ml.registry.models"


@pytest.mark.parametrize(
    ("when", "values", "status"),
    [
        # ||: the applicable operand decides, whichever way
        (f"{R} || {P}", {REG: 0}, "fail"),
        (f"{R} || {P}", {REG: 2}, "pass"),
        (f"{P} || {R}", {REG: 0}, "fail"),
        # &&: likewise; true && n/a is true, false && n/a is false
        (f"{R} && {P}", {REG: 2}, "pass"),
        (f"{P} && {R}", {REG: 0}, "fail"),
        # nothing else known: not applicable, whatever the operator
        (f"{R} || {P}", {REG: NA}, "not_applicable"),
        (f"{R} && {P}", {REG: NA}, "not_applicable"),
        (P, {}, "not_applicable"),
        (f"!({P})", {}, "not_applicable"),
        # n/a beside an unknown operand: still unknown (dropping n/a never decides an unknown)
        (f"{R} || {P}", {REG: UnknownReason.DENIED}, "unknown"),
        # nested: (n/a || false) && true is false; (n/a || true) && true is true
        (f"({P} || {R}) && {Q}", {REG: 0, "ml.repro.ratio": 0.9}, "fail"),
        (f"({P} || {R}) && {Q}", {REG: 3, "ml.repro.ratio": 0.9}, "pass"),
        # a leaf that mixes an n/a signal with a known one is about the empty population: n/a
        (f"signals.ml.production.count + signals.{REG} >= 1 || {Q}", {REG: 3, "ml.repro.ratio": 0.1}, "fail"),
        # operators inside string literals and call arguments are not junctions
        (f'size("a || b") == 6 || {P}', {}, "pass"),
    ],
)
def test_not_applicable_operands(
    test_ruleset, make_bundle, catalog, when: str, values: dict, status: str
) -> None:
    values = {"ml.production.count": NA, **values}
    criterion = _area(test_ruleset, make_bundle, catalog, _one(when), values).criteria[0]
    assert criterion.status == status, criterion.message
    if status == "not_applicable":
        assert criterion.reason == "not_applicable"
        assert criterion.message and "ml." in criterion.message


def test_not_applicable_message_names_the_empty_population(test_ruleset, make_bundle, catalog) -> None:
    area = _area(
        test_ruleset,
        make_bundle,
        catalog,
        _one("signals.ml.production.count >= 1"),
        {"ml.production.count": NA},
    )
    assert area.criteria[0].message == "ml.production.count: ml.production.count could not be read"


LADDER = """
- id: alpha
  title: Alpha
  criteria:
    - {id: a.two, level: 2, title: Two, when: "signals.ml.tracking.runs_90d >= 20", recommendation: Do.}
    - {id: a.two-na, level: 2, title: N/a, when: "signals.ml.governance.ratio >= 0.8", recommendation: Do.}
    - {id: a.three, level: 3, title: Three n/a, when: "THREE", recommendation: Do.}
    - {id: a.four, level: 4, title: Four, when: "signals.ml.repro.ratio >= 0.7", recommendation: Do.}
"""


def test_not_applicable_neither_blocks_nor_grants(test_ruleset, make_bundle, catalog) -> None:
    values = {
        "ml.tracking.runs_90d": 30,
        "ml.governance.ratio": NA,
        "ml.ct.retrain_ratio": NA,
        "ml.repro.ratio": 0.9,
    }
    area = _area(
        test_ruleset,
        make_bundle,
        catalog,
        LADDER.replace("THREE", "signals.ml.ct.retrain_ratio > 0.5"),
        values,
    )
    # level 2: the n/a criterion does not block what a.two passed on evidence; level 3 has nothing that
    # passed on evidence, so it is not granted, and the evidence decided it (level == upper).
    assert (area.level, area.upper) == (2, 2)
    assert [c.status for c in area.criteria] == ["pass", "not_applicable", "not_applicable", "pass"]
    assert area.coverage == 1.0  # not applicable is decided, not unknown
    assert [n.id for n in area.next_steps] == []  # nothing to do about an empty population


def test_an_unknown_beside_not_applicable_keeps_a_level_open(test_ruleset, make_bundle, catalog) -> None:
    values = {"ml.tracking.runs_90d": 30, "ml.governance.ratio": NA, "ml.ct.retrain_ratio": NA}
    areas = LADDER.replace("THREE", f"signals.ml.ct.retrain_ratio > 0.5 || {R}")
    area = _area(test_ruleset, make_bundle, catalog, areas, {**values, REG: UnknownReason.DENIED})
    assert (area.level, area.upper) == (2, 5)
    assert [n.id for n in area.next_steps] == ["a.three"]


def test_four_valued_junctions() -> None:
    assert any_of([F, N]) is F and any_of([T, N]) is T and any_of([N, N]) is N and any_of([U, N]) is U
    assert all_of([T, N]) is T and all_of([F, N]) is F and all_of([N]) is N and all_of([T, U, N]) is U
    assert any_of([F, U]) is U and any_of([T, U]) is T and all_of([F, U]) is F
    assert negation(N) is N and negation(U) is U and negation(T) is F


def test_junction_skeleton_follows_cel_precedence() -> None:
    tree = junctions("a || b && (c || d) || !(e) || f ? g : h")
    assert tree.op == "leaf"  # a top-level conditional is evaluated whole by CEL
    tree = junctions("a || b && (c || d) || !(e)")
    assert [p.op for p in tree.parts] == ["leaf", "and", "not"]
    assert [p.op for p in tree.parts[1].parts] == ["leaf", "or"]
    assert junctions("f(a || b) >= 1").op == "leaf"
    assert junctions("x != y").source == "x != y"
