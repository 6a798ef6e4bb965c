"""What every report says about per-resource verdicts, the basis of a criterion and the paperwork applied.

One place for the words, so Markdown, HTML, `assay explain`, SARIF and JUnit describe a waived resource, an
attested criterion or an observed level the same way. Pure functions of the results.
"""

from __future__ import annotations

from dataclasses import dataclass

from assay.reports.register import public_url
from assay.scoring.results import (
    AreaResult,
    AttestationEntry,
    CriterionResult,
    LevelRange,
    Resource,
    Results,
    WaiverEntry,
)

BASIS_WORDS = {"observed": "observed", "attested": "attested, not observed", "waived": "waived, not observed"}


@dataclass(frozen=True)
class ResourceRow:
    """One resource as a report lists it: its verdict (fail, waived or pass), link and note."""

    name: str
    verdict: str
    link: str | None
    note: str
    source: str


def resource_rows(criterion: CriterionResult, *, passing: bool = True) -> list[ResourceRow]:
    """The criterion's resources, failing first, then waived, then (when ``passing``) passing.

    Reports link a resource only where a reader elsewhere can open it (not a loopback address); the
    results keep every URL."""
    rows = [_row(r) for r in criterion.resources]
    return [r for r in rows if passing or r.verdict != "pass"]


def _row(resource: Resource) -> ResourceRow:
    verdict = "waived" if resource.waiver is not None else resource.status
    link = resource.url if resource.url and public_url(resource.url) else None
    return ResourceRow(resource.subject, verdict, link, waiver_words(resource), resource.source)


def waiver_words(resource: Resource) -> str:
    """`fails, waived by Head of security until 2027-03-31: CI templates hold no secrets`."""
    w = resource.waiver
    if w is None:
        return ""
    state = "fails" if resource.status == "fail" else "passes"
    return f"{state}, waived by {w.approver} until {w.expires}: {w.justification}"


def resource_summary(criterion: CriterionResult) -> str:
    """`12 pass, 3 fail, 1 waived` (counted before the cap), or "" when the criterion lists no resources."""
    counts = criterion.resource_counts
    if counts is None:
        return ""
    text = f"{counts.passed} pass, {counts.fail} fail"
    if counts.waived:
        text += f", {counts.waived} waived"
    if len(criterion.resources) < counts.passed + counts.fail + counts.waived:
        text += f"; first {len(criterion.resources)} listed"
    return text


def resource_lines(criterion: CriterionResult) -> list[str]:
    """Plain-text lines for CI logs: the failing and waived resources with their URLs."""
    rows = [r for r in criterion.resources if r.status == "fail" or r.waiver is not None]
    if not rows:
        return []
    lines = [f"Resources ({resource_summary(criterion)}):"]
    for r in rows:
        mark = "waived" if r.waiver is not None else "fail"
        note = f" — {waiver_words(r)}" if r.waiver is not None else ""
        lines.append(f"  {mark} {r.subject}{' ' + r.url if r.url else ''}{note}")
    return lines


def basis_badge(criterion: CriterionResult) -> str:
    """ "" for observed criteria; `attested` or `waived` otherwise (the badge reports show)."""
    return "" if criterion.basis == "observed" else str(criterion.basis)


def basis_note(criterion: CriterionResult) -> str:
    """What a non-observed criterion rests on, in one sentence ("" when observed and not attested)."""
    a = criterion.attested
    if a is not None:
        lead = "Attested, not observed" if criterion.basis == "attested" else "Attestation expired"
        signed = f"{a.attested_by}, {a.date} (expires {a.expires})"
        return f"{lead}: {a.statement} — {signed}; evidence: {a.evidence}."
    w = criterion.waiver
    if w is not None and criterion.basis == "waived":
        return f"Waived, not observed: {w.justification} — approved by {w.approver} until {w.expires}."
    return ""


def observed_beside(item: AreaResult | LevelRange) -> str:
    """` (observed alone: Level 3)` when attestations or waivers lift the headline level, else ""."""
    observed = item.observed_level
    if observed is None or observed == item.level:
        return ""
    return f" (observed alone: Level {observed})"


def attested_entries(results: Results) -> list[AttestationEntry]:
    """Every attestation the results applied or found expired: the "attested, not observed" appendix."""
    return list(results.attestations.entries) if results.attestations else []


def waiver_entries(results: Results) -> list[WaiverEntry]:
    return list(results.waivers.entries) if results.waivers else []


def waiver_scope(entry: WaiverEntry) -> str:
    """`resources matching acme/ci-* (1: acme/ci-templates)` or `the whole criterion`."""
    if entry.resource is None:
        return "the whole criterion"
    matched = (
        f" ({len(entry.matched)}: {', '.join(entry.matched[:5])}{', …' if len(entry.matched) > 5 else ''})"
    )
    return f"resources matching {entry.resource}{matched if entry.matched else ''}"


def template_globals() -> dict[str, object]:
    """The functions the report templates use for findings."""
    return {
        "resource_rows": resource_rows,
        "resource_count_words": resource_summary,
        "basis_badge": basis_badge,
        "basis_sentence": basis_note,
        "observed_beside": observed_beside,
        "attested_entries": attested_entries,
        "waiver_entries": waiver_entries,
        "waiver_scope": waiver_scope,
        "basis_words": BASIS_WORDS,
    }
