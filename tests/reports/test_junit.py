"""JUnit XML parses with a JUnit parser: a suite per area, a case per criterion, fail/skip as they should."""

from __future__ import annotations

from pathlib import Path

from junitparser import Failure, JUnitXml, Skipped

from assay.reports.junit import render_junit
from assay.scoring import Results


def test_one_suite_per_area_one_case_per_criterion(tmp_path: Path, sample_results: Results) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(sample_results), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    suites = {s.name: s for s in xml}
    areas = {f"{rs.id}:{a.id}": a for rs in sample_results.rulesets for a in rs.areas}
    assert list(suites) == list(areas)
    for name, suite in suites.items():
        area = areas[name]
        cases = list(suite)
        assert [c.name.split(":")[0].split(" ")[1] for c in cases] == [c.id for c in area.criteria]
        assert suite.tests == len(area.criteria)
        # failures: unmet criteria up to the area's next level; above it they are "not yet required"
        failing = sum(c.status == "fail" and c.level <= area.level + 1 for c in area.criteria)
        assert suite.failures == failing
        assert suite.skipped == sum(c.status != "pass" for c in area.criteria) - failing
    assert xml.tests == 17 and xml.failures == 2 and xml.skipped == 6


def test_fail_is_a_failure_and_unknown_is_skipped_with_its_reason(
    tmp_path: Path, sample_results: Results
) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(sample_results), encoding="utf-8")
    suites = {s.name: s for s in JUnitXml.fromfile(str(path))}
    cases = {c.name.split(":")[0]: c for c in suites["mlops-report:model-development"]}
    repro = cases["L3 model-development.reproducibility"]
    (failure,) = repro.result
    assert isinstance(failure, Failure)
    assert failure.message == "Level 3 required criterion not met: Training runs are reproducible"
    assert "ml.repro.ratio = 0.5476" in failure.text
    assert cases["L2 model-development.tracking"].is_passed
    review = {c.name.split(":")[0]: c for c in suites["mlops-report:collaboration"]}[
        "L3 collaboration.code-review"
    ]
    (skipped,) = review.result
    assert isinstance(skipped, Skipped)
    assert skipped.message.startswith("unknown (access denied): code.review.ratio")
    assert "administration: read" in skipped.message
