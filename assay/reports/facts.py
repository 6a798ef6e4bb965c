"""What the Markdown and HTML reports say, worked out once from results and the bundle.

Pure functions: the same results and bundle always give the same facts, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assay.evidence import Bundle, Evidence
from assay.reports import formatting
from assay.scoring import AreaResult, CriterionResult, Results

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
        a = criterion.attested
        if a is not None and criterion.basis == "attested":
            return f"Attested, not observed: {a.attested_by}, {a.date} (expires {a.expires})."
        if a is not None:
            return f"No infrastructure shows this practice; its attestation expired on {a.expires}."
        return "No infrastructure shows this practice; it needs a signed attestation."
    parts = [f"{s.name} = {formatting.value(s.value)}" for s in criterion.signals if s.status == "ok"]
    if criterion.status != "unknown" or not criterion.message:
        parts += [f"{s.name} unknown ({s.reason})" for s in criterion.signals if s.status != "ok"]
    parts += [f"{a.id} level {formatting.level_range(a.level, a.upper)}" for a in criterion.areas]
    text = "; ".join(parts)
    if criterion.status in ("unknown", "not_applicable") and criterion.message:
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


@dataclass(frozen=True)
class ReportMeta:
    """The `report:` section of audit.yaml: who the report is for, who prepared it, and their logo."""

    client: str = ""
    prepared_by: str = ""
    logo: str = ""  # a path to an image (PNG, JPEG or SVG), embedded in the HTML and PDF cover
