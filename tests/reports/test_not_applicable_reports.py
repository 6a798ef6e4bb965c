"""A not-applicable criterion (an empty population) reads "not applicable" in every format, is neither a
failure nor a finding, and keeps its explanation."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console

from assay.evidence import Bundle
from assay.reports.explain import print_explanation
from assay.reports.html import render_html
from assay.reports.junit import render_junit
from assay.reports.markdown import render_markdown
from assay.reports.prometheus import render_prometheus
from assay.reports.sarif import render_sarif
from assay.scoring import Results
from assay.scoring.results import CriterionReason, CriterionStatus

WHY = "ml.governance.endpoint_ratio: no production SageMaker endpoints were observed"


@pytest.fixture(scope="module")
def with_na(sample_results: Results) -> tuple[Results, str]:
    """The sample results with their first failing criterion turned not applicable."""
    doc = sample_results.model_dump(mode="json", by_alias=True)
    for rs in doc["rulesets"]:
        for area in rs["areas"]:
            for c in area["criteria"]:
                if c["status"] == "fail":
                    c.update(status="not_applicable", reason="not_applicable", message=WHY)
                    return Results.model_validate(doc), c["id"]
    raise AssertionError("the sample has no failing criterion")


def test_the_status_round_trips(with_na: tuple[Results, str]) -> None:
    results, cid = with_na
    found = [c for rs in results.rulesets for a in rs.areas for c in a.criteria if c.id == cid]
    assert found[0].status is CriterionStatus.NOT_APPLICABLE
    assert found[0].reason is CriterionReason.NOT_APPLICABLE


def test_markdown_and_html_say_not_applicable(with_na: tuple[Results, str], sample_bundle: Bundle) -> None:
    results, _ = with_na
    assert "not applicable" in render_markdown(results, sample_bundle)
    assert "not applicable" in render_html(results, sample_bundle)
    assert WHY in render_markdown(results, sample_bundle)


def test_junit_skips_it_and_sarif_reports_no_finding(with_na: tuple[Results, str]) -> None:
    results, cid = with_na
    root = ET.fromstring(render_junit(results).split("\n", 1)[1])
    case = next(c for c in root.iter("testcase") if f" {cid}:" in c.get("name", ""))
    skipped = case.find("skipped")
    assert case.find("failure") is None and skipped is not None
    assert skipped.get("message", "").startswith("not applicable")
    sarif = json.loads(render_sarif(results))
    assert cid not in {r["ruleId"].rsplit("/", 1)[-1] for r in sarif["runs"][0]["results"]}


def test_prometheus_and_explain_carry_the_status(with_na: tuple[Results, str], sample_bundle: Bundle) -> None:
    results, cid = with_na
    assert f'criterion="{cid}"' in render_prometheus(results)
    assert 'status="not_applicable"} 1' in render_prometheus(results)
    area = next(a for rs in results.rulesets for a in rs.areas if any(c.id == cid for c in a.criteria))
    out = io.StringIO()
    print_explanation(Console(file=out, width=200), results, sample_bundle, area.id)
    assert "not applicable" in out.getvalue()
