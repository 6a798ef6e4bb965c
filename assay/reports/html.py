"""The HTML report: one self-contained file (inline CSS and SVG charts, no scripts, no network).

A Content-Security-Policy forbids every fetch, so the page cannot reach the network when it is opened.
The same template, with `pdf=True`, is what the PDF is printed from (a cover and a contents page instead
of the masthead and the navigation bar).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from assay.errors import AssayError
from assay.evidence import Bundle
from assay.reports import charts, facts, formatting, narrative, register
from assay.reports.markdown import template_filters, template_globals
from assay.scoring import Results

_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
MAX_LOGO_BYTES = 2 * 1024 * 1024


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("assay.reports", "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(template_filters())
    env.filters.update(code=_inline_code)
    env.globals.update(template_globals())
    env.globals.update(heat_state=_heat_state, heat_text=charts.cell_text)
    return env


def _inline_code(text: object) -> Markup:
    """Escape text and show its Markdown code spans (`action: retrain`) as <code>, as report.md does."""
    escaped = str(escape(str(text)))
    return Markup(re.sub(r"`([^`<>]+)`", r"<code>\1</code>", escaped))


def _heat_state(area: object, level: int) -> str:
    return ("not-met", "open", "met")[charts.cell_state(area, level)]  # type: ignore[arg-type]


@cache
def stylesheet(name: str = "report.css") -> str:
    return (resources.files("assay.reports") / "templates" / name).read_text(encoding="utf-8")


def area_anchor(ruleset_id: str, area_id: str) -> str:
    """The id of an area's section: `area-<ruleset>-<area>`."""
    return f"area-{ruleset_id}-{area_id}"


def logo_data_uri(path: str) -> str:
    """The logo as a data: URI, so the page stays self-contained (the CSP allows only data: images)."""
    if not path:
        return ""
    file = Path(path).expanduser()
    kind = _IMAGE_TYPES.get(file.suffix.lower())
    if kind is None:
        raise AssayError(f"report.logo: {path} is not a PNG, JPEG or SVG image")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise AssayError(f"report.logo: cannot read {path} ({exc.strerror or exc})") from None
    if len(data) > MAX_LOGO_BYTES:
        raise AssayError(f"report.logo: {path} is larger than 2 MiB")
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def render_html(
    results: Results,
    bundle: Bundle | None,
    trend: Sequence[charts.TrendPoint] | None = None,
    meta: facts.ReportMeta | None = None,
    *,
    pdf: bool = False,
) -> str:
    """Render the HTML report; `trend` (oldest first, this audit last) adds each area's level over time."""
    return "".join(html_chunks(results, bundle, trend, meta, pdf=pdf))


def html_chunks(
    results: Results,
    bundle: Bundle | None,
    trend: Sequence[charts.TrendPoint] | None = None,
    meta: facts.ReportMeta | None = None,
    *,
    pdf: bool = False,
) -> Iterator[str]:
    """The HTML report as it is rendered, piece by piece (the register is written, never held)."""
    ctx = narrative.Context.of(results, bundle)
    meta = meta or facts.ReportMeta()
    points = list(trend or [])
    figures = {
        rs.id: {
            "radar": Markup(
                charts.to_svg(charts.radar(rs), f"{rs.title}: level range per area", f"radar-{rs.id}")
            ),
            "heatmap": Markup(
                charts.to_svg(charts.heatmap(rs), f"{rs.title}: areas by level", f"heat-{rs.id}")
            ),
            "trend": Markup(
                charts.to_svg(charts.trend(rs, points), f"{rs.title}: levels over time", f"trend-{rs.id}")
            )
            if len(points) > 1
            else None,
        }
        for rs in results.rulesets
    }
    css = stylesheet() + ("\n" + stylesheet("report-pdf.css") if pdf else "")
    template = _environment().get_template("report.html.j2")
    return template.generate(
        results=results,
        bundle=bundle,
        ctx=ctx,
        org=ctx.org,
        org_s=formatting.possessive(ctx.org),
        title=narrative.report_title(results),
        meta=meta,
        logo=logo_data_uri(meta.logo),
        pdf=pdf,
        date=formatting.day(results.generated_at),
        month=formatting.month_year(results.generated_at),
        sources=facts.source_rows(results, bundle),
        register=register.register(results, bundle),
        figures=figures,
        trend=points,
        css=Markup(css),
        anchor=area_anchor,
    )
