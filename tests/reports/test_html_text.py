"""What the HTML report says: the same narrative as report.md, escaped, with code spans as <code>."""

from __future__ import annotations

from assay.evidence import Bundle
from assay.reports.html import _inline_code, render_html
from assay.scoring import Results


def test_code_spans_become_code_and_the_rest_is_escaped() -> None:
    assert str(_inline_code("label it `action: retrain` <now>")) == (
        "label it <code>action: retrain</code> &lt;now&gt;"
    )


def test_html_carries_summary_conclusion_and_register(sample_results: Results, sample_bundle: Bundle) -> None:
    html = render_html(sample_results, sample_bundle)
    assert '<section id="summary"' in html and '<section id="conclusion"' in html
    assert "Borealis Health is currently at Level 2 of MLOps maturity." in html
    assert "What the gaps lead to." in html
    for e in sample_bundle.evidence:
        assert html.count(f'id="ev-{e.id[:12]}"') == 1  # the register lists each item once
    assert "<script" not in html and "default-src 'none'" in html
