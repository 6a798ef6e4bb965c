"""The ML Test Score (Breck et al. 2017) as far as infrastructure evidence can observe it: a lower bound.

Each of the 28 tests scores 0, 0.5 when the practice exists, or 1 when it runs automatically; a section's
score is the sum of its tests and the ML Test Score is the minimum over the four sections. The tests no
infrastructure shows (and those whose signals are unknown) score 0 and are listed, so the score can only
understate the truth. The rubric lives in `ml_test_score.yaml` beside this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

from assay.evidence import Signal, SignalStatus, UnknownReason
from assay.scoring.expressions import references
from assay.scoring.logic import Truth, truth_of
from assay.scoring.results import MLTest, MLTestScore, MLTestSection

RUBRIC_FILE = "ml_test_score.yaml"


@cache
def rubric() -> list[dict[str, Any]]:
    """The sections and tests of the rubric, with the expressions of the observable ones."""
    text = (resources.files("assay.scoring") / RUBRIC_FILE).read_text(encoding="utf-8")
    return list(yaml.safe_load(text)["sections"])


def rubric_signals() -> set[str]:
    """Every signal the rubric reads (a test checks they are all in the catalog)."""
    return {
        name
        for section in rubric()
        for test in section["tests"]
        for key in ("exists", "automatic")
        if test.get(key)
        for name in references(test[key]).signals
    }


def ml_test_score(signals: Mapping[str, Signal]) -> MLTestScore:
    """Score every observable test from the bundle's signals; the rest score 0 and are listed."""
    sections = [_section(section, signals) for section in rubric()]
    return MLTestScore(
        score=min(s.score for s in sections),
        sections=sections,
        not_observable=[t.id for s in sections for t in s.tests if t.status == "not_observable"],
        unknown=[t.id for s in sections for t in s.tests if t.open],
    )


def _section(section: dict[str, Any], signals: Mapping[str, Signal]) -> MLTestSection:
    tests = [_test(test, signals) for test in section["tests"]]
    return MLTestSection(
        id=section["id"],
        title=section["title"],
        score=sum(t.score for t in tests),
        observable=sum(1 for t in tests if t.status != "not_observable"),
        tests=tests,
    )


def _test(test: dict[str, Any], signals: Mapping[str, Signal]) -> MLTest:
    exists, automatic = test.get("exists"), test.get("automatic")
    if not exists:
        return MLTest(id=test["id"], title=test["title"], score=0.0, status="not_observable")
    names = sorted({n for expr in (exists, automatic) if expr for n in references(expr).signals})
    known = {n: signals[n].value for n in names if n in signals and signals[n].status is SignalStatus.OK}
    missing = {n for n in names if n not in known}
    inapplicable = {n for n in missing if n in signals and signals[n].reason is UnknownReason.NOT_APPLICABLE}
    unknown = missing - inapplicable
    runs = truth_of(automatic, known, unknown, inapplicable) if automatic else Truth.FALSE
    there = truth_of(exists, known, unknown, inapplicable)
    if runs is Truth.TRUE:
        score, status = 1.0, "automatic"
    elif there is Truth.TRUE:
        score, status = 0.5, "exists"
    elif Truth.UNKNOWN in (runs, there):
        score, status = 0.0, "unknown"
    else:
        score, status = 0.0, "absent"
    still_open = score < 1.0 and Truth.UNKNOWN in (runs, there)
    return MLTest(
        id=test["id"], title=test["title"], score=score, status=status, open=still_open, signals=names
    )
