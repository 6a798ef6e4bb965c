"""The PDF report: rendered by WeasyPrint, read back with poppler's pdftotext and pdftoppm."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from assay.evidence import Bundle
from assay.reports.facts import ReportMeta
from assay.reports.outputs import ReportInputs, write_format
from assay.scoring import Results


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing; .ci/run installs poppler-utils")
        pytest.skip(f"{name} is not installed (apt-get install poppler-utils)")
    return path


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory, sample_results: Results, sample_bundle: Bundle) -> Path:
    logo = tmp_path_factory.mktemp("logo") / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
        '<rect width="120" height="40" fill="#1e3a8a"/></svg>'
    )
    meta = ReportMeta(client="Borealis Health Trust", prepared_by="Northwind Advisory", logo=str(logo))
    out = tmp_path_factory.mktemp("pdf")
    (path,) = write_format("pdf", out, ReportInputs(sample_results, sample_bundle, meta=meta))
    return path


def _text(pdf: Path, *pages: int) -> str:
    args = [_tool("pdftotext"), "-layout"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_cover_contents_and_page_numbers(pdf: Path) -> None:
    assert pdf.name == "report.pdf" and pdf.read_bytes().startswith(b"%PDF-")
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert 8 <= pages <= 40
    cover = _text(pdf, 1)
    for needle in ("Borealis Health Trust", "Northwind Advisory", "borealis-health", "3 March 2025"):
        assert needle in cover
    contents = _text(pdf, 2)
    assert "Contents" in contents and "Executive summary" in contents
    # the contents page gives page numbers (target-counter), and every page after the cover is numbered
    assert any(line.rstrip().split()[-1].isdigit() for line in contents.splitlines() if "Conclusion" in line)
    assert f"Page 3 of {pages}" in _text(pdf, 3)


def test_text_carries_the_conclusion_and_the_register(pdf: Path, sample_bundle: Bundle) -> None:
    text = _text(pdf)
    assert "Borealis Health is currently at Level 2 of MLOps maturity." in text
    assert "Evidence register" in text
    for e in sample_bundle.evidence:
        assert e.id[:12] in text  # evidence expanded: every item is in the PDF


def test_page_one_rasterises(pdf: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "page"
    subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(prefix)], check=True
    )
    (png,) = tmp_path.glob("page*.png")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 5_000


def test_missing_renderer_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, sample_results: Results) -> None:
    import builtins

    from assay.errors import AssayError
    from assay.reports import pdf as pdf_module

    real_import = builtins.__import__

    def no_pango(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    with pytest.raises(AssayError, match=r"apt-get install libpango-1.0-0"):
        pdf_module.render_pdf(sample_results, None)
