"""The Markdown report reads like the consulting report: narrative per area, a conclusion in area order,
criteria citing evidence by id, and an evidence register listing each item once."""

from __future__ import annotations

import re

from assay.evidence import Bundle
from assay.reports.markdown import render_markdown
from assay.scoring import Results

SEED_SECTIONS = ["## Introduction", "## Executive summary", "## MLOps maturity model", "## Conclusion"]


def _section(text: str, heading: str) -> str:
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def test_sections_follow_the_seed_report(sample_results: Results, sample_bundle: Bundle) -> None:
    text = render_markdown(sample_results, sample_bundle)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    positions = [headings.index(h) for h in SEED_SECTIONS]
    assert positions == sorted(positions)
    assert headings[-2:] == ["## Appendix A: criteria and their evidence", "## Appendix B: evidence register"]
    for area in (
        "Collaboration & communication",
        "Model development & deployment",
        "Monitoring & maintenance",
    ):
        section = text.split(f"\n### {area}\n", 1)[1].split("\n### ", 1)[0]
        assert "#### Recommendations" in section
    assert (
        "The purpose of this report is to evaluate the current state of Borealis Health's machine learning"
        in text
    )
    assert "| Level | Description | Key features |" in text


def test_headings_are_sentence_case_without_emoji(sample_results: Results, sample_bundle: Bundle) -> None:
    text = render_markdown(sample_results, sample_bundle)
    for line in text.splitlines():
        if line.startswith("#"):
            title = line.lstrip("# ")
            assert not re.search(r"[\u2600-\u27bf\U0001F300-\U0001FAFF]", title), line
            words = title.split()
            # after the first word, only acronyms and names keep a capital (MLOps, DevOps, GSA, AI, ML)
            for word in words[1:]:
                core = word.strip("():,`")
                assert not (len(core) > 1 and core[0].isupper() and core[1:].islower()), line


def test_title_follows_the_models_shown(sample_results: Results, sample_bundle: Bundle) -> None:
    both = render_markdown(sample_results, sample_bundle).splitlines()[0]
    assert both == "# Machine learning operations (MLOps) and GSA AI capability maturity model report"
    only = sample_results.model_copy(update={"rulesets": sample_results.rulesets[:1]})
    text = render_markdown(only, sample_bundle)
    assert text.splitlines()[0] == "# Machine learning operations (MLOps) maturity model report"
    assert "GSA" not in text


def test_conclusion_in_area_order_ends_with_the_level(sample_results: Results, sample_bundle: Bundle) -> None:
    conclusion = _section(render_markdown(sample_results, sample_bundle), "## Conclusion")
    mlops, gsa = conclusion.split("### GSA AI capability maturity model", 1)
    assert mlops.rstrip().endswith("Borealis Health is currently at Level 2 of MLOps maturity.")
    assert gsa.rstrip().endswith(
        "Borealis Health is currently at Level 2 of AI capability maturity (GSA AI CMM)."
    )
    bullets = [line.split("**")[1] for line in mlops.splitlines() if line.startswith("- **")]
    order = ["Collaboration & communication", "Model development & deployment", "Monitoring & maintenance"]
    assert sorted(set(bullets), key=bullets.index) == [a for a in order if a in bullets]
    assert "With these improvements in place, Borealis Health will be well on their way" in conclusion


def test_not_connected_is_said_only_of_sources_not_connected(
    sample_results: Results, sample_bundle: Bundle
) -> None:
    text = render_markdown(sample_results, sample_bundle)
    # github was connected but refused a call: the report says so, never "not connected"
    assert "github refused access to what decides it" in text
    assert "github is not connected" not in text and "github not connected" not in text
    # jenkins and prometheus were not connected
    assert "| Sources not connected | prometheus and jenkins |" in text
    assert "is not connected" in text  # jenkins decides a criterion of model development


def test_area_narrative_quotes_the_rulesets_consequence(
    sample_results: Results, sample_bundle: Bundle
) -> None:
    text = render_markdown(sample_results, sample_bundle)
    section = text.split("\n### Model development & deployment\n", 1)[1].split("\n### ", 1)[0]
    assert "**What the gaps lead to.** Runs that cannot be reproduced" in section
    summary = _section(text, "## Executive summary")
    assert "Runs that cannot be reproduced" in summary
    assert "The report recommends that Borealis Health record the git commit" in summary


def test_introduction_names_scope_sources_and_date(sample_results: Results, sample_bundle: Bundle) -> None:
    intro = _section(render_markdown(sample_results, sample_bundle), "## Introduction")
    assert "| Scope | borealis-health |" in intro
    assert "| Sources connected | github (partly read) and mlflow |" in intro
    assert "| Sources not connected | prometheus and jenkins |" in intro
    assert "| Evidence collected | 2025-03-03 09:30 UTC |" in intro
    assert "403 Resource not accessible by integration" in intro


def test_register_lists_each_item_once_and_criteria_cite_them(
    sample_results: Results, sample_bundle: Bundle
) -> None:
    text = render_markdown(sample_results, sample_bundle)
    register = text.split("## Appendix B: evidence register\n", 1)[1]
    rows = [line for line in register.splitlines() if line.startswith('| <a id="ev-')]
    ids = [re.search(r'id="ev-([0-9a-f]{12})"', row).group(1) for row in rows]  # type: ignore[union-attr]
    assert sorted(ids) == sorted(e.id[:12] for e in sample_bundle.evidence)
    assert len(ids) == len(set(ids))
    for e in sample_bundle.evidence:
        row = next(r for r in rows if f"`{e.id[:12]}`" in r)
        assert f"| {e.kind} | {e.subject} | {e.endpoint} | 2025-03-03 09:29:12 UTC |" in row
    criteria = _section(text, "## Appendix A: criteria and their evidence")
    for rs in sample_results.rulesets:
        for area in rs.areas:
            for c in area.criteria:
                block = criteria.split(f"**`{c.id}`**", 1)[1].split("\n- **", 1)[0]
                for eid in c.evidence:
                    assert f"[`{eid[:12]}`](#ev-{eid[:12]})" in block, (c.id, eid)


def test_without_the_bundle_the_criteria_list_the_ids(sample_results: Results) -> None:
    text = render_markdown(sample_results, None)
    assert "only the evidence ids are listed" in text
    assert "## Appendix B" not in text
    ids = re.findall(r"`([0-9a-f]{12})`", text.split("## Appendix A", 1)[1])
    cited = {
        e[:12] for rs in sample_results.rulesets for a in rs.areas for c in a.criteria for e in c.evidence
    }
    assert set(ids) == cited
