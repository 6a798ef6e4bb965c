"""Golden files: the Markdown, JUnit and SARIF of the sample estate, byte for byte.

After an intended change, regenerate with `ASSAY_UPDATE_GOLDEN=1 pytest tests/reports/test_golden.py`
and read the diff of fixtures/golden/ before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assay.evidence import Bundle
from assay.reports.junit import render_junit
from assay.reports.markdown import render_markdown
from assay.reports.sarif import render_sarif
from assay.scoring import Results

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden"
UPDATE = os.environ.get("ASSAY_UPDATE_GOLDEN") == "1"


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with ASSAY_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("report.md", lambda r, b: render_markdown(r, b)),
        ("report-without-bundle.md", lambda r, b: render_markdown(r, None)),
        ("junit.xml", lambda r, b: render_junit(r)),
        ("results.sarif", lambda r, b: render_sarif(r, "audit.yaml")),
    ],
)
def test_golden(name: str, render, sample_results: Results, sample_bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    check(name, render(sample_results, sample_bundle))


def test_rendering_is_deterministic(sample_results: Results, sample_bundle: Bundle) -> None:
    from tests.reports import sample

    again = sample.results(sample.bundle())
    assert render_markdown(again, sample.bundle()) == render_markdown(sample_results, sample_bundle)
    assert render_sarif(again) == render_sarif(sample_results)
