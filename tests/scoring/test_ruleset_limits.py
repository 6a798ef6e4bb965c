"""Ruleset files under limits: sizes, counts and expression lengths, and sources that must be installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.errors import RulesetError
from assay.scoring import load_rulesets
from assay.scoring.loader import MAX_AREAS, MAX_CRITERIA, MAX_EXPRESSION_CHARS

HEAD = "id: mine\ntitle: Mine\nlevels: {1: a, 2: b, 3: c, 4: d, 5: e}\nareas:\n"
CRITERION = "      - {{id: c{i}, level: 2, title: T, when: '{when}', recommendation: R}}\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    return path


def test_area_sources_must_be_installed_collectors(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, HEAD + "  - {id: a, title: A, sources: [mlflow, gitlab]}\n")
    with pytest.raises(
        RulesetError, match=r"mine.yaml:5: area 'a': source 'gitlab' is not an installed"
    ) as e:
        load_rulesets([], [path], catalog)
    assert "installed: aws, azure, github, jenkins, mlflow, prometheus" in str(e.value)


def test_override_sources_are_checked_too(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "extends: ai-cmm\nareas:\n  - id: mlops\n    sources: [githb]\n")
    with pytest.raises(
        RulesetError, match=r"mine.yaml:4: .*'githb' is not an installed collector; did you mean"
    ):
        load_rulesets(["ai-cmm"], [path], catalog)


def test_too_many_areas(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    areas = "".join(f"  - {{id: a{i}, title: A}}\n" for i in range(MAX_AREAS + 1))
    with pytest.raises(
        RulesetError, match=rf"mine.yaml:{5 + MAX_AREAS}: the ruleset has {MAX_AREAS + 1} areas"
    ):
        load_rulesets([], [write(tmp_path, HEAD + areas)], catalog)


def test_too_many_criteria(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    criteria = "".join(CRITERION.format(i=i, when="true") for i in range(MAX_CRITERIA + 1))
    text = HEAD + "  - id: a\n    title: A\n    criteria:\n" + criteria
    with pytest.raises(RulesetError, match=rf"the ruleset has {MAX_CRITERIA + 1} criteria; at most"):
        load_rulesets([], [write(tmp_path, text)], catalog)


def test_overlong_expression(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    when = " && ".join(["true"] * (MAX_EXPRESSION_CHARS // 8 + 1))
    text = HEAD + "  - id: a\n    title: A\n    criteria:\n" + CRITERION.format(i=0, when=when)
    with pytest.raises(RulesetError, match=r"mine.yaml:8: the `when` expression has \d+ characters"):
        load_rulesets([], [write(tmp_path, text)], catalog)


def test_a_constant_overflow_is_a_ruleset_error(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    text = (
        HEAD
        + "  - id: a\n    title: A\n    criteria:\n"
        + CRITERION.format(i=0, when="9223372036854775807 + 1 > 0")
    )
    with pytest.raises(RulesetError, match=r"mine.yaml:8: .*`when` cannot be evaluated: Arithmetic overflow"):
        load_rulesets([], [write(tmp_path, text)], catalog)
