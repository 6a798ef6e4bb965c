"""The report's prose, in the consulting report's voice: current state, what the gaps lead to, the
executive summary, the conclusion, and what is still open (an attestation, a source not connected or one
that failed).

Pure functions of results and the bundle: the same inputs always give the same sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

from assay.evidence import Bundle
from assay.reports import formatting
from assay.reports.facts import split_criteria
from assay.scoring import AreaResult, CriterionResult, NextStep, Results, RulesetResult

CONSEQUENCES_SHOWN = 3  # consequence sentences per area: the seed report gives one or two


@dataclass(frozen=True)
class Context:
    """What every sentence needs besides the area: the organisation's name and which source is which."""

    org: str
    signal_sources: dict[str, str]  # signal name -> source, from the bundle (empty without it)
    sources_not_connected: frozenset[str] = frozenset()

    @classmethod
    def of(cls, results: Results, bundle: Bundle | None) -> Context:
        sources = {s.name: s.source for s in bundle.signals} if bundle else {}
        ran = {r.name for r in bundle.collectors if r.status in ("ok", "partial")} if bundle else set()
        named = {s for rs in results.rulesets for a in rs.areas for s in a.sources_missing}
        missing = named - ran if bundle else named
        return cls(formatting.org_name(results.scope), sources, frozenset(missing))


def report_title(results: Results) -> str:
    """The title follows the models shown: "MLOps maturity model report", or both models' names."""
    subjects = [formatting.model_subject(rs.id, rs.title) for rs in results.rulesets]
    if not subjects:
        return "Maturity model report"
    return formatting.capitalise(f"{formatting.join_words(subjects)} maturity model report")


def open_reason(ctx: Context, item: CriterionResult | NextStep, area: AreaResult | None = None) -> str:
    """Why an unknown criterion is open, in words a client reads: what would decide it."""
    if area is not None and not isinstance(item, CriterionResult):
        item = next((c for c in area.criteria if c.id == item.id), item)
    reason = item.reason or ""
    named = formatting.join_words(_sources_of(ctx, item))
    if reason == "attestation":
        return "needs a signed attestation"
    if reason == "not_configured":
        if not named and area is not None and area.sources_missing:
            return f"{_either(area.sources_missing)} is not connected"
        return f"{named} is not connected" if named else "its source is not connected"
    if reason == "denied":
        return f"{named} refused access to what decides it" if named else "access was refused"
    if reason == "error":
        return f"reading {named} failed" if named else "reading its source failed"
    if reason == "area_range":
        return "depends on an area whose level is still open"
    if reason == "unsupported":
        return "assay cannot show it from one audit yet"
    if reason == "not_applicable":
        return "does not apply to this estate"
    return formatting.value(reason) or "not shown by the evidence"


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _sources_of(ctx: Context, item: CriterionResult | NextStep) -> list[str]:
    signals = getattr(item, "signals", [])
    names = {ctx.signal_sources.get(s.name, "") for s in signals if s.status != "ok"}
    return sorted(n for n in names if n)


def current_state(ctx: Context, rs: RulesetResult, area: AreaResult) -> str:
    """The area's current state: its level, what is in place, what is not, and what is still open."""
    name = formatting.short_level_name(rs.levels, area.level)
    first = f"{ctx.org} is at Level {area.level} ({name}) in {formatting.heading(area.title)}"
    if area.level != area.upper:
        first += f"; what is still open leaves room up to Level {area.upper}"
    sentences = [first + "."]
    met, failed, unknown = split_criteria(area)
    floor = [c for c in area.criteria if c.level <= area.level]
    if area.level >= 2 and floor and all(c.status == "pass" for c in floor):
        span = "Level 2" if area.level == 2 else f"Levels 2 to {area.level}"
        sentences.append(f"Every practice of {span} is in place ({len(floor)} criteria).")
        beyond = [c for c in met if c.level > area.level]
        if beyond:
            sentences.append("Beyond that, in place: " + _titles(beyond) + ".")
    elif met:
        sentences.append("In place: " + _titles(met) + ".")
    if failed:
        sentences.append("Not in place: " + _titles(failed) + ".")
    if unknown:
        parts = [f"{formatting.sentence_case(c.title)} ({open_reason(ctx, c, area)})" for c in unknown]
        sentences.append("Still open: " + formatting.join_words(parts) + ".")
    if not area.criteria:
        sentences.append("No criterion of this area can be evaluated from the sources assay reads today.")
    return " ".join(sentences)


def consequences(area: AreaResult) -> list[str]:
    """What the gaps lead to: the consequence sentences of the next level's missing practices first."""
    by_id = {c.id: c for c in area.criteria}
    order = [by_id[n.id] for n in area.next_steps if n.id in by_id]
    order += [c for c in area.criteria if c.status == "fail" and c not in order]
    seen: list[str] = []
    for c in order:
        text = (c.consequence or "").strip()
        if text and c.status == "fail" and text not in seen:
            seen.append(text)
    return seen[:CONSEQUENCES_SHOWN]


def open_consequences(area: AreaResult) -> list[str]:
    """The consequences of the next level's practices that are open (unknown), to say what is at stake."""
    texts = [n.consequence for n in area.next_steps if n.status == "unknown" and n.consequence]
    return list(dict.fromkeys(t.strip() for t in texts if t))[:CONSEQUENCES_SHOWN]


def summary_paragraph(ctx: Context, rs: RulesetResult, area: AreaResult) -> str:
    """One short executive-summary paragraph: where the area stands, what a gap leads to, what to do."""
    name = formatting.short_level_name(rs.levels, area.level)
    title = formatting.heading(area.title)
    first = f"In {formatting.sentence_case(title)}, {ctx.org} is at Level {area.level} ({name})"
    if area.upper != area.level:
        first += f", and could be at Level {area.upper} once what is open is settled"
    sentences = [first + "."]
    if area.level >= 5:
        sentences.append("This is the top of the model; the task is to keep these practices in place.")
        return " ".join(sentences)
    failing = [n for n in area.next_steps if n.status == "fail"]
    opened = [n for n in area.next_steps if n.status == "unknown"]
    if failing:
        sentences.append(f"Not yet in place: {_titles(failing)}.")
        said = consequences(area)
        if said:
            sentences.append(said[0])
    if opened:
        parts = [f"{formatting.sentence_case(n.title)} ({open_reason(ctx, n, area)})" for n in opened]
        sentences.append(f"Still open: {formatting.join_words(parts)}.")
    if area.next_steps:
        sentences.append(f"The report recommends that {ctx.org} {_recommend(area.next_steps[0])}")
    elif not area.criteria:
        sentences.append("None of its criteria can be evaluated from the sources assay reads today.")
    return " ".join(sentences)


def overall_paragraph(ctx: Context, rs: RulesetResult) -> str:
    """The closing paragraph of a model's executive summary: the overall level and what holds it there."""
    level, upper = rs.overall.level, rs.overall.upper
    name = formatting.short_level_name(rs.levels, level)
    first = f"Overall, {ctx.org} is at Level {level} ({name}) of {formatting.maturity_noun(rs.id, rs.title)}"
    if upper != level:
        first += f"; {what_is_open(ctx, rs)} could lift it to Level {upper}"
    sentences = [first + "."]
    behind = holding_back(rs)
    if len(behind) == len(rs.areas) > 1:
        sentences.append(f"All {len(behind)} areas are at Level {level}.")
    elif behind:
        verb = "is" if len(behind) == 1 else "are"
        titles = formatting.join_words([formatting.heading(a.title) for a in behind])
        sentences.append(f"The weakest area holds the organisation back: {titles} {verb} at Level {level}.")
    return " ".join(sentences)


def what_is_open(ctx: Context, rs: RulesetResult) -> str:
    """ "the attestation for X" / "connecting prometheus" / "a successful read of aws": what is open."""
    attest: list[str] = []
    connect: set[str] = set()
    failed: set[str] = set()
    for area in holding_back(rs):
        for c in area.criteria:
            if c.status != "unknown" or not rs.overall.level < c.level <= rs.overall.upper:
                continue
            if c.reason == "attestation":
                attest.append(f"“{c.title}”")
            elif c.reason == "not_configured":
                connect.update(_sources_of(ctx, c) or (ctx.sources_not_connected & set(area.sources_missing)))
            elif c.reason in ("denied", "error"):
                failed.update(_sources_of(ctx, c))
    parts = []
    if attest:
        noun = "a signed attestation" if len(attest) == 1 else "signed attestations"
        parts.append(f"{noun} for {formatting.join_words(attest)}")
    if connect:
        parts.append(f"connecting {formatting.join_words(sorted(connect))}")
    if failed:
        parts.append(f"a complete read of {formatting.join_words(sorted(failed))}")
    return formatting.join_words(parts) or "settling the criteria still open"


def conclusion_items(rs: RulesetResult) -> list[tuple[AreaResult, NextStep]]:
    """The recommendations of the conclusion, in area order (the ruleset's), failing ones first per area."""
    return [(a, n) for a in rs.areas for n in sorted(a.next_steps, key=lambda n: n.status != "fail")]


def closing_sentence(ctx: Context, rs: RulesetResult) -> str:
    """ "Cygnus AI is currently at Level 3 of AI capability maturity (GSA AI CMM)." """
    return (
        f"{ctx.org} is currently at Level {rs.overall.level} of {formatting.maturity_noun(rs.id, rs.title)}."
    )


def holding_back(rs: RulesetResult) -> list[AreaResult]:
    """The areas at the ruleset's overall level: the ones holding the organisation back."""
    return [a for a in rs.areas if a.level == rs.overall.level]


def _recommend(step: NextStep) -> str:
    """A recommendation after "recommends that <org>": the imperative lower-cased, ending in a full stop."""
    text = formatting.sentence_case(step.recommendation.strip())
    return text if text.endswith(".") else text + "."


def _titles(items: list[CriterionResult] | list[NextStep]) -> str:
    """Titles joined for a sentence; with semicolons when a title has its own "and" (it would blur)."""
    words = [formatting.sentence_case(c.title) for c in items]
    if len(words) > 1 and any(" and " in w for w in words):
        return "; ".join(words[:-1]) + "; and " + words[-1]
    return formatting.join_words(words)


def key_features(rs: RulesetResult, level: int) -> tuple[list[str], int]:
    """A level's key features: its first required criterion in each area, and how many more it has."""
    picked: list[str] = []
    total = 0
    for area in rs.areas:
        at = [c for c in area.criteria if c.level == level]
        total += len(at)
        first = next((c for c in at if c.kind == "required"), at[0] if at else None)
        if first is not None:
            picked.append(formatting.capitalise(first.title))
    return picked, total - len(picked)


def area_open(ctx: Context, area: AreaResult) -> str:
    """What is open in an area, short, for the overview table: "1 attestation; prometheus not connected"."""
    unknown = [c for c in area.criteria if c.status == "unknown"]
    attest = sum(1 for c in unknown if c.reason == "attestation")
    words = [f"{attest} attestation{'s' if attest > 1 else ''}"] if attest else []
    words += [f"{s} not connected" for s in area.sources_missing]
    failed = sorted({s for c in unknown if c.reason in ("denied", "error") for s in _sources_of(ctx, c)})
    words += [f"{s} not fully read" for s in failed]
    other = [c for c in unknown if c.reason not in ("attestation", "not_configured", "denied", "error")]
    if other:
        words.append(f"{len(other)} other")
    return "; ".join(words)
