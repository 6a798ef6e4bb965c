"""The PDF report, printed from the HTML report by WeasyPrint (CSS paged media).

Why WeasyPrint: it is a well-kept Python library (BSD, on PyPI) that needs only the Pango text library
Debian (and every Linux distribution, Homebrew and MSYS2) packages, so `pip install 'assay[pdf]'` is all a
user adds — no browser. CSS paged media gives what a report needs: page numbers (`counter(page)`), a
table of contents with page references (`target-counter`), page breaks before sections, and SVG charts
drawn as vectors, so they stay sharp at any zoom. Nothing is fetched: the HTML is self-contained and the
URL fetcher refuses anything but inline `data:` URLs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from assay.errors import AssayError
from assay.evidence import Bundle
from assay.history.trend import TrendPoint
from assay.reports.facts import ReportMeta
from assay.scoring import Results

INSTALL_HINT = (
    "--format pdf needs WeasyPrint and the Pango library: `pip install 'assay[pdf]'` and, on Debian or "
    "Ubuntu, `apt-get install libpango-1.0-0 libpangoft2-1.0-0` (macOS: `brew install pango`)"
)


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError as exc:  # the Python package is missing
        raise AssayError(f"{INSTALL_HINT} ({exc})") from None
    except OSError as exc:  # the package is there, but the system libraries it loads are not
        raise AssayError(f"{INSTALL_HINT}; the system libraries could not be loaded ({exc})") from None
    return weasyprint


def render_pdf(
    results: Results,
    bundle: Bundle | None,
    trend: Sequence[TrendPoint] | None = None,
    meta: ReportMeta | None = None,
) -> bytes:
    """The report as PDF bytes: cover, contents with page numbers, every section, the evidence register."""
    weasyprint = _weasyprint()
    from assay.reports.html import render_html
    from assay.reports.narrative import report_title

    html = render_html(results, bundle, trend, meta, pdf=True)
    # Only inline data: URLs are read (the logo, the charts' images): never the network or the disk.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=["data"])
    quiet = logging.getLogger("weasyprint")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # it warns about CSS inside the charts' SVG it does not need
    try:
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
    finally:
        quiet.setLevel(level)
    meta = meta or ReportMeta()
    document.metadata.title = report_title(results)
    document.metadata.authors = [meta.prepared_by] if meta.prepared_by else []
    document.metadata.generator = f"assay {results.tool_version}"
    document.metadata.created = document.metadata.modified = results.generated_at.isoformat()
    return bytes(document.write_pdf())
