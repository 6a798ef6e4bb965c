"""The Markdown report, shaped like a consulting maturity report, with an evidence appendix.

Introduction, executive summary, the maturity model table, one section per area (current state and
recommendations), the conclusion ("<Org> is currently at Level N of MLOps maturity.") and an appendix
that cites, for every criterion, what was observed, where, when and the evidence ids.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from assay.evidence import Bundle, Evidence
from assay.reports import facts, formatting
from assay.scoring import Results

APPENDIX_EVIDENCE_LIMIT = 12  # evidence rows per criterion in the appendix; results.json has them all


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
    env.filters.update(
        range=lambda a: formatting.level_range(a.level, a.upper),
        value=formatting.value,
        percent=formatting.percent,
        mark=lambda s: formatting.STATUS_MARK.get(s, s),
        icon=lambda s: formatting.STATUS_ICON.get(s, s),
        cell=_cell,
        lc=formatting.sentence_case,
        ts=formatting.timestamp,
        words=formatting.join_words,
        slug=_slug,
    )
    env.globals.update(
        level_name=formatting.level_name,
        short_level_name=formatting.short_level_name,
        maturity_noun=formatting.maturity_noun,
        model_heading=formatting.model_heading,
        current_state=facts.current_state,
        summary_paragraph=facts.summary_paragraph,
        overall_paragraph=facts.overall_paragraph,
        connected_words=facts.connected_words,
        overall_steps=facts.overall_steps,
        holding_back=facts.holding_back,
        observed=facts.observed,
        evidence_rows=facts.evidence_rows,
        reason_words=facts.reason_words,
        appendix_limit=APPENDIX_EVIDENCE_LIMIT,
    )
    return env


def _cell(text: object) -> str:
    """Text made safe for one Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    kept = "".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def render_markdown(results: Results, bundle: Bundle | None) -> str:
    """Render the report; with the bundle, the appendix also says where and when each item was observed."""
    evidence: dict[str, Evidence] = bundle.evidence_by_id() if bundle else {}
    org = formatting.org_name(results.scope)
    template = _environment().get_template("report.md.j2")
    text = template.render(
        results=results,
        bundle=bundle,
        evidence=evidence,
        org=org,
        org_s=formatting.possessive(org),
        date=formatting.day(results.generated_at),
        month=formatting.month_year(results.generated_at),
        sources=facts.source_rows(results, bundle),
    )
    return text.rstrip("\n") + "\n"
