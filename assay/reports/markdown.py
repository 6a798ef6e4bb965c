"""The Markdown report, shaped like a consulting maturity report, with an evidence register.

Introduction, executive summary (a short paragraph per area), the maturity model table, one section per
area (current state, what the gaps lead to, recommendations), the conclusion in area order ending
"<Org> is currently at Level N of … maturity.", then the criteria with the ids of the evidence they rest
on, and the evidence register that lists each item of the bundle once.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from assay.evidence import Bundle
from assay.reports import facts, findings, formatting, narrative, register
from assay.scoring import Results


def template_globals() -> dict[str, object]:
    """The functions the Markdown, HTML and PDF templates share."""
    return {
        "level_name": formatting.level_name,
        "short_level_name": formatting.short_level_name,
        "maturity_noun": formatting.maturity_noun,
        "model_heading": formatting.model_heading,
        "current_state": narrative.current_state,
        "summary_paragraph": narrative.summary_paragraph,
        "overall_paragraph": narrative.overall_paragraph,
        "consequences": narrative.consequences,
        "open_consequences": narrative.open_consequences,
        "conclusion_items": narrative.conclusion_items,
        "closing_sentence": narrative.closing_sentence,
        "what_is_open": narrative.what_is_open,
        "open_reason": narrative.open_reason,
        "area_open": narrative.area_open,
        "key_features": narrative.key_features,
        "connected_words": facts.connected_words,
        "observed": facts.observed,
        "reason_words": facts.reason_words,
        "cited_ids": register.cited_ids,
        "resource_verdicts": register.resource_verdicts,
        "resource_summary": register.resource_summary,
        "basis_note": register.basis_note,
        "observed_note": register.observed_note,
        **findings.template_globals(),
    }


def template_filters() -> dict[str, object]:
    return {
        "range": lambda a: formatting.level_range(a.level, a.upper),
        "value": formatting.value,
        "percent": formatting.percent,
        "verdict": lambda s: formatting.VERDICT.get(str(s), str(s)),
        "lc": formatting.sentence_case,
        "heading": formatting.heading,
        "cap": formatting.capitalise,
        "noun": lambda rid: formatting.maturity_noun(rid, ""),
        "ts": formatting.timestamp,
        "ts_s": formatting.timestamp_s,
        "words": formatting.join_words,
        "score": lambda x: f"{x:g}",  # ML Test Score points: 0, 0.5, 1, 3.5
    }


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("assay.reports", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(template_filters())
    env.filters.update(cell=_cell, slug=_slug)
    env.globals.update(template_globals())
    return env


def _cell(text: object) -> str:
    """Text made safe for one Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    kept = "".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def render_markdown(results: Results, bundle: Bundle | None, meta: facts.ReportMeta | None = None) -> str:
    """Render the report; with the bundle, the register also says where and when each item was observed."""
    return "".join(markdown_chunks(results, bundle, meta))


def markdown_chunks(
    results: Results, bundle: Bundle | None, meta: facts.ReportMeta | None = None
) -> Iterator[str]:
    """The report as it is rendered, piece by piece (a register of 10^6 items is written, never held)."""
    ctx = narrative.Context.of(results, bundle)
    template = _environment().get_template("report.md.j2")
    chunks = template.generate(
        results=results,
        bundle=bundle,
        ctx=ctx,
        org=ctx.org,
        org_s=formatting.possessive(ctx.org),
        title=narrative.report_title(results),
        meta=meta or facts.ReportMeta(),
        date=formatting.day(results.generated_at),
        month=formatting.month_year(results.generated_at),
        sources=facts.source_rows(results, bundle),
        register=register.register(results, bundle),
    )
    return formatting.one_final_newline(chunks)
