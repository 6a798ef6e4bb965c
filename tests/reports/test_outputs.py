"""Choosing formats and writing them under their fixed names."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.errors import AssayError
from assay.evidence import Bundle
from assay.pipeline import OutputOptions, write_outputs
from assay.reports.outputs import DEFAULT_FORMATS, FORMATS, parse_formats
from assay.scoring import Results


def test_parse_formats() -> None:
    assert parse_formats(None) == list(DEFAULT_FORMATS)
    assert parse_formats(["md,html", "junit", "md"]) == ["md", "html", "junit"]
    assert parse_formats(["all"]) == list(FORMATS)
    assert parse_formats(["md,pdf", "oscal"]) == ["md", "pdf", "oscal"]
    with pytest.raises(AssayError, match="'docx' is not a report format"):
        parse_formats(["md,docx"])


def test_default_outputs_include_html_and_markdown(
    tmp_path: Path, sample_results: Results, sample_bundle: Bundle
) -> None:
    written = write_outputs(tmp_path, sample_results, sample_bundle, formats=OutputOptions().formats)
    assert sorted(p.name for p in written) == ["evidence.json.gz", "report.html", "report.md", "results.json"]
    assert (tmp_path / "report.html").read_text().startswith("<!doctype html>")


def test_every_format_has_its_fixed_name(
    tmp_path: Path, sample_results: Results, sample_bundle: Bundle
) -> None:
    write_outputs(
        tmp_path, sample_results, sample_bundle, write_evidence=False, formats=parse_formats(["all"])
    )
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert names == [
        "assay.prom",
        "assessment-results.json",
        "charts",
        "junit.xml",
        "report.html",
        "report.md",
        "report.pdf",
        "results.json",
        "results.sarif",
        "summary.md",
    ]
