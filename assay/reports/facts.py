"""What the Markdown and HTML reports say, worked out once from results and the bundle.

Pure functions: the same results and bundle always give the same facts, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assay.evidence import Bundle, Evidence
from assay.reports import formatting
from assay.scoring import AreaResult, CriterionResult, NextStep, Results, RulesetResult

GAP_SUFFIX = ".gap"  # the kind suffix collectors give evidence of a part they could not read
_REASON_WORDS = {
    "not_configured": "not configured",
    "denied": "access denied",
    "error": "error",
    "unsupported": "not supported",
    "not_applicable": "not applicable",
    "attestation": "needs an attestation",
    "area_range": "depends on an undecided area",
}


@dataclass(frozen=True)
class EvidenceRow:
    """One evidence item as a report cites it."""

    id: str
    source: str
    kind: str
    subject: str
    endpoint: str
    observed_at: datetime

    @property
    def short(self) -> str:
        return formatting.short_id(self.id)

    @property
    def gap(self) -> bool:
        return self.kind.endswith(GAP_SUFFIX)


@dataclass
class SourceRow:
    """A source's collection status: connected, partly read, failed or not connected at all."""

    name: str
    status: str
    evidence: int = 0
    api_calls: int = 0
    http_requests: int = 0
    duration_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def connected(self) -> bool:
        return self.status in ("ok", "partial")


def reason_words(reason: str | None) -> str:
    return _REASON_WORDS.get(reason or "", reason or "")


def evidence_rows(
    ids: list[str], evidence: dict[str, Evidence], limit: int | None = None
) -> list[EvidenceRow]:
    """The cited evidence in the order it is cited, gaps first (they explain unknowns), at most `limit`."""
    rows = [
        EvidenceRow(e.id, e.source, e.kind, e.subject, e.endpoint, e.observed_at)
        for e in (evidence.get(i) for i in ids)
        if e is not None
    ]
    rows.sort(key=lambda r: (not r.gap, r.source, r.kind, r.subject, r.id))
    return rows if limit is None else rows[:limit]


def source_rows(results: Results, bundle: Bundle | None) -> list[SourceRow]:
    """Every source that ran, then every source an area names that did not run (not connected)."""
    rows: list[SourceRow] = []
    if bundle is not None:
        for run in bundle.collectors:
            rows.append(
                SourceRow(
                    name=run.name,
                    status=run.status,
                    evidence=run.evidence_count,
                    api_calls=sum(run.api_calls.values()),
                    http_requests=run.http_requests,
                    duration_s=run.duration_s,
                    problems=[_problem(e.endpoint, e.reason, e.message) for e in run.errors],
                )
            )
    seen = {r.name for r in rows}
    missing = sorted(
        {s for rs in results.rulesets for a in rs.areas for s in a.sources_missing if s not in seen}
    )
    rows.extend(SourceRow(name=s, status="not connected") for s in missing)
    return rows


def _problem(endpoint: str, reason: str, message: str) -> str:
    return message if endpoint == "config" else f"{endpoint}: {reason_words(reason)} — {message}"


def connected_words(sources: list[SourceRow]) -> str:
    """ "github (partly read) and mlflow": the sources that ran."""
    names = [s.name + (" (partly read)" if s.status == "partial" else "") for s in sources if s.connected]
    return formatting.join_words(names) or "none"


def observed(criterion: CriterionResult) -> str:
    """What the evidence showed for a criterion, in one line."""
    if criterion.attestation:
        return "No infrastructure shows this practice; it needs a signed attestation."
    parts = [f"{s.name} = {formatting.value(s.value)}" for s in criterion.signals if s.status == "ok"]
    if criterion.status != "unknown" or not criterion.message:
        parts += [f"{s.name} unknown ({s.reason})" for s in criterion.signals if s.status != "ok"]
    parts += [f"{a.id} level {formatting.level_range(a.level, a.upper)}" for a in criterion.areas]
    text = "; ".join(parts)
    if criterion.status == "unknown" and criterion.message:
        text = f"{text}; {criterion.message}" if text else criterion.message
    return text


def split_criteria(
    area: AreaResult,
) -> tuple[list[CriterionResult], list[CriterionResult], list[CriterionResult]]:
    """The area's criteria as (met, not met, not shown)."""
    met = [c for c in area.criteria if c.status == "pass"]
    failed = [c for c in area.criteria if c.status == "fail"]
    unknown = [c for c in area.criteria if c.status == "unknown"]
    return met, failed, unknown


def current_state(org: str, rs: RulesetResult, area: AreaResult) -> str:
    """The "current state" paragraph of an area, in the consulting report's voice, from the evidence."""
    name = formatting.short_level_name(rs.levels, area.level)
    first = f"{org} is at Level {area.level} ({name}) in {area.title}"
    if area.level != area.upper:
        first += f"; the evidence available leaves room up to Level {area.upper}"
    sentences = [first + "."]
    met, failed, unknown = split_criteria(area)
    if met:
        sentences.append("In place: " + _titles(met) + ".")
    if failed:
        sentences.append("Not in place: " + _titles(failed) + ".")
    if unknown:
        sentences.append("Not shown by the evidence: " + _titles(unknown) + ".")
    if not area.criteria:
        sentences.append("No criterion of this area can be evaluated from the sources assay reads today.")
    if area.sources_missing:
        sentences.append(
            "Connecting " + formatting.join_words(area.sources_missing) + " would decide more of it."
        )
    return " ".join(sentences)


def summary_paragraph(org: str, rs: RulesetResult, area: AreaResult) -> str:
    """One executive-summary paragraph per area: where it stands and what it needs next."""
    met, failed, unknown = split_criteria(area)
    decided = len(met) + len(failed)
    name = formatting.short_level_name(rs.levels, area.level)
    sentences = [f"In {area.title}, {org} is at Level {area.level} ({name})."]
    if decided == 0:
        sentences.append("No criterion could be decided from the sources connected.")
    elif decided == 1:
        sentences.append(f"The one criterion the evidence decides is {'met' if met else 'not met'}.")
    elif not failed:
        sentences.append(f"All {decided} criteria the evidence decides are met.")
    else:
        sentences.append(f"{len(met)} of the {decided} criteria the evidence decides are met.")
    if unknown:
        more = "1 more" if len(unknown) == 1 else f"{len(unknown)} more"
        tail = f"; if they hold, the area reaches Level {area.upper}" if area.upper > area.level else ""
        sentences.append(f"{more} could not be shown from the sources connected{tail}.")
    if area.next_steps:
        sentences.append(f"Level {area.level + 1} still needs {quoted([n.title for n in area.next_steps])}.")
    return " ".join(sentences)


def overall_paragraph(org: str, rs: RulesetResult) -> str:
    """The executive summary's closing paragraph for one maturity model."""
    level, upper = rs.overall.level, rs.overall.upper
    name = formatting.short_level_name(rs.levels, level)
    first = f"Overall, {org} is at Level {level} ({name}) of {formatting.maturity_noun(rs.id, rs.title)}"
    if upper != level:
        first += f", and could be as high as Level {upper} once the missing evidence is connected"
    sentences = [first + "."]
    behind = holding_back(rs)
    if len(behind) == len(rs.areas) > 1:
        sentences.append(f"All {len(behind)} areas are at Level {level}.")
    else:
        verb = "is" if len(behind) == 1 else "are"
        titles = formatting.join_words([a.title for a in behind])
        sentences.append(f"The weakest area holds the organisation back: {titles} {verb} at Level {level}.")
    steps = overall_steps(rs)
    if steps:
        sentences.append(
            f"The report recommends that {org} first works on what holds it at Level {level}: "
            f"{quoted([n.title for _, n in steps[:3]])}."
        )
    return " ".join(sentences)


def quoted(titles: list[str]) -> str:
    """Criterion titles quoted and joined: “A”, “B” and “C”."""
    return formatting.join_words([f"“{t}”" for t in titles])


def holding_back(rs: RulesetResult) -> list[AreaResult]:
    """The areas at the ruleset's overall level: the ones holding the organisation back."""
    return [a for a in rs.areas if a.level == rs.overall.level]


def overall_steps(rs: RulesetResult) -> list[tuple[AreaResult, NextStep]]:
    """The next steps of the areas holding the organisation back, failing ones first."""
    steps = [(a, n) for a in holding_back(rs) for n in a.next_steps]
    return sorted(steps, key=lambda pair: pair[1].status != "fail")


def _titles(criteria: list[CriterionResult]) -> str:
    words = [formatting.sentence_case(c.title) for c in criteria]
    return formatting.join_words(words)
