"""The Markdown report reads like the consulting report and its appendix cites every criterion's evidence."""

from __future__ import annotations

import re

from assay.evidence import Bundle
from assay.reports.markdown import render_markdown
from assay.scoring import Results

SEED_SECTIONS = ["## Introduction", "## Executive Summary", "## MLOps Maturity Model", "## Conclusion"]


def test_sections_follow_the_seed_report(sample_results: Results, sample_bundle: Bundle) -> None:
    text = render_markdown(sample_results, sample_bundle)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    positions = [headings.index(h) for h in SEED_SECTIONS]
    assert positions == sorted(positions)
    assert headings[-1] == "## Appendix: Evidence"
    for area in (
        "Collaboration & Communication",
        "Model Development & Deployment",
        "Monitoring & Maintenance",
    ):
        section = text.split(f"\n### {area}\n", 1)[1].split("\n### ", 1)[0]
        assert "#### Recommendations" in section
    assert (
        "The purpose of this report is to evaluate the current state of Borealis Health's machine learning"
        in text
    )
    assert "| Level | Description | Key Features |" in text


def test_conclusion_in_the_seed_words(sample_results: Results, sample_bundle: Bundle) -> None:
    conclusion = (
        render_markdown(sample_results, sample_bundle).split("## Conclusion\n", 1)[1].split("\n## ", 1)[0]
    )
    assert "Borealis Health is currently at Level 2 of MLOps maturity." in conclusion
    assert "Borealis Health is currently at Level 2 of AI capability maturity (GSA AI CMM)." in conclusion
    assert "With these improvements in place, Borealis Health will be well on their way" in conclusion
    assert "- **Model Development & Deployment**: Record the git commit" in conclusion


def test_introduction_names_scope_sources_and_date(sample_results: Results, sample_bundle: Bundle) -> None:
    intro = (
        render_markdown(sample_results, sample_bundle).split("## Introduction\n", 1)[1].split("\n## ", 1)[0]
    )
    assert "| Scope | borealis-health |" in intro
    assert "| Sources connected | github (partly read) and mlflow |" in intro
    assert "| Sources not connected | prometheus and jenkins |" in intro
    assert "| Evidence collected | 2025-03-03 09:30 UTC |" in intro
    assert "403 Resource not accessible by integration" in intro


def test_appendix_cites_every_criterion_with_where_when_and_ids(
    sample_results: Results, sample_bundle: Bundle
) -> None:
    appendix = render_markdown(sample_results, sample_bundle).split("## Appendix: Evidence\n", 1)[1]
    evidence = sample_bundle.evidence_by_id()
    for rs in sample_results.rulesets:
        for area in rs.areas:
            for c in area.criteria:
                block = appendix.split(f" {c.id}\n", 1)[1].split("\n#### ", 1)[0].split("\n### ", 1)[0]
                assert "- Observed:" in block
                for eid in c.evidence:
                    e = evidence[eid]
                    row = f"| `{eid[:12]}` | {e.kind} | {e.subject} | {e.endpoint} | 2025-03-03 09:29 UTC |"
                    assert row in block, (c.id, row)


def test_without_the_bundle_the_appendix_lists_the_ids(sample_results: Results) -> None:
    text = render_markdown(sample_results, None)
    assert "only the evidence ids are listed" in text
    ids = re.findall(r"`([0-9a-f]{12})`", text.split("## Appendix: Evidence", 1)[1])
    cited = {
        e[:12] for rs in sample_results.rulesets for a in rs.areas for c in a.criteria for e in c.evidence
    }
    assert set(ids) == cited
