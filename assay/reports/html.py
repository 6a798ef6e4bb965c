"""The HTML report: one self-contained file (inline CSS and SVG charts, no scripts, no network).

A Content-Security-Policy forbids every fetch, so the page cannot reach the network when it is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from assay.evidence import Bundle, Evidence
from assay.reports import charts, facts, formatting, narrative
from assay.reports.markdown import template_globals
from assay.scoring import Results

EVIDENCE_SHOWN = 20  # evidence items listed per criterion; the appendix of report.md and the bundle have all


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("assay.reports", "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        range=lambda a: formatting.level_range(a.level, a.upper),
        value=formatting.value,
        percent=formatting.percent,
        ts=formatting.timestamp,
        words=formatting.join_words,
    )
    env.globals.update(template_globals())
    env.globals.update(evidence_rows=facts.evidence_rows, evidence_shown=EVIDENCE_SHOWN)
    return env


@cache
def _stylesheet() -> str:
    return (resources.files("assay.reports") / "templates" / "report.css").read_text(encoding="utf-8")


def area_anchor(ruleset_id: str, area_id: str) -> str:
    """The id of an area's section: `area-<ruleset>-<area>`."""
    return f"area-{ruleset_id}-{area_id}"


def render_html(
    results: Results, bundle: Bundle | None, trend: Sequence[charts.TrendPoint] | None = None
) -> str:
    """Render the HTML report; `trend` (oldest first, this audit last) adds each area's level over time."""
    evidence: dict[str, Evidence] = bundle.evidence_by_id() if bundle else {}
    ctx = narrative.Context.of(results, bundle)
    org = ctx.org
    points = list(trend or [])
    figures = {
        rs.id: {
            "radar": Markup(charts.to_svg(charts.radar(rs), f"{rs.title}: level range per area")),
            "heatmap": Markup(charts.to_svg(charts.heatmap(rs), f"{rs.title}: areas by level")),
            "trend": Markup(charts.to_svg(charts.trend(rs, points), f"{rs.title}: levels over time"))
            if len(points) > 1
            else None,
        }
        for rs in results.rulesets
    }
    template = _environment().get_template("report.html.j2")
    return template.render(
        results=results,
        bundle=bundle,
        evidence=evidence,
        org=org,
        ctx=ctx,
        date=formatting.day(results.generated_at),
        sources=facts.source_rows(results, bundle),
        figures=figures,
        trend=points,
        css=Markup(_stylesheet()),
        anchor=area_anchor,
    )
