"""Staged levels, ranges, coverage and confidence: the level arithmetic, table-driven."""

from __future__ import annotations

import pytest

from assay.evidence import Confidence as Tag
from assay.scoring.levels import confidence, coverage, staged_level
from assay.scoring.results import CriterionStatus

P, F, U = CriterionStatus.PASS, CriterionStatus.FAIL, CriterionStatus.UNKNOWN
R, S = "required", "supporting"
ALL_LEVELS_PASS = [(lvl, R, P) for lvl in (2, 3, 4, 5)]


@pytest.mark.parametrize(
    ("outcomes", "level", "upper"),
    [
        pytest.param([], 1, 5, id="no criteria: floor, undecided up to 5"),
        pytest.param(ALL_LEVELS_PASS, 5, 5, id="everything passes"),
        pytest.param([(2, R, F), (3, R, P)], 1, 1, id="level 2 fails: stop, even if 3 passes"),
        pytest.param([(2, R, P), (3, R, F)], 2, 2, id="decided at 2"),
        pytest.param([(2, R, P), (3, R, U)], 2, 5, id="unknown at 3: range 2..5"),
        pytest.param([(2, R, U), (3, R, F)], 1, 2, id="unknown at 2, fail at 3"),
        pytest.param([(2, R, P), (4, R, P), (5, R, P)], 2, 5, id="empty level 3 is undecided"),
        pytest.param([(2, R, P), (3, R, P), (3, S, F)], 2, 2, id="1 supporting of 1 failing: below half"),
        pytest.param([(2, R, P), (2, S, P), (2, S, F), (3, R, F)], 2, 2, id="half the supporting: enough"),
        pytest.param([(2, S, P), (2, S, F), (2, S, F), (3, R, F)], 1, 1, id="a third of supporting: not"),
        pytest.param([(2, S, P), (2, S, U), (2, S, F), (3, R, F)], 1, 2, id="supporting unknown counts"),
        pytest.param([(2, R, P), (2, S, U), (3, R, F)], 1, 2, id="lone supporting unknown"),
        pytest.param([(2, R, P), (3, R, P), (4, R, U), (5, R, U)], 3, 5, id="attestation-like top levels"),
    ],
)
def test_staged_level_and_range(outcomes: list, level: int, upper: int) -> None:
    assert staged_level(outcomes, optimistic=False) == level
    assert staged_level(outcomes, optimistic=True) == upper


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [([], 0.0), ([P, F], 1.0), ([P, U], 0.5), ([U, U, U], 0.0), ([P, F, U], 0.6667)],
)
def test_coverage(statuses: list, expected: float) -> None:
    assert coverage(statuses) == expected


@pytest.mark.parametrize(
    ("share", "tags", "decided", "expected"),
    [
        (1.0, [Tag.HIGH], 1, "high"),
        (0.75, [Tag.HIGH, Tag.HIGH], 2, "high"),
        (1.0, [Tag.MEDIUM], 1, "medium"),
        (1.0, [Tag.HIGH, Tag.LOW], 2, "medium"),  # mean 0.7
        (0.5, [Tag.HIGH], 1, "medium"),
        (1.0, [Tag.LOW], 1, "medium"),  # 0.4 is the medium threshold
        (0.5, [Tag.MEDIUM], 1, "low"),  # 0.35
        (0.0, [], 0, "low"),
        (1.0, [], 1, "high"),  # decided only from other areas' levels
    ],
)
def test_confidence(share: float, tags: list, decided: int, expected: str) -> None:
    assert confidence(share, tags, decided) == expected
