"""The evidence register: every evidence item of the bundle listed once, and what cites it.

Criteria refer to register entries by id (the first 12 hex digits of the item's SHA-256), so an item
several criteria read is listed once, with its own `observed_at`. Where the evidence names a resource
that has an address of its own (a URL, an AWS ARN, an Azure resource id), the subject links to it.
Per-resource verdicts (`resources` on a criterion, where the results provide them) are read tolerantly:
each entry's name, verdict and URL.
"""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from assay.evidence import Bundle, Evidence
from assay.reports import formatting
from assay.reports.facts import GAP_SUFFIX
from assay.scoring import CriterionResult, Results
from assay.scoring.links import AZURE_PORTAL, aws_console, azure_portal, azure_portal_of

_URL_KEYS = ("html_url", "web_url", "url", "console_url", "link")


@dataclass(slots=True)
class RegisterEntry:
    """One evidence item, once, with the criteria that cite it (slotted: a register can list 10^6 items)."""

    id: str
    source: str
    kind: str
    subject: str
    endpoint: str
    observed_at: datetime
    link: str | None = None
    cited_by: tuple[str, ...] = ()

    @property
    def short(self) -> str:
        return formatting.short_id(self.id)

    @property
    def anchor(self) -> str:
        return f"ev-{self.short}"

    @property
    def gap(self) -> bool:
        return self.kind.endswith(GAP_SUFFIX)


@dataclass(frozen=True)
class ResourceVerdict:
    """One resource a criterion judged: its name, the verdict and, where known, its address."""

    name: str
    verdict: str
    link: str | None = None
    note: str = ""
    source: str = ""


def register(results: Results, bundle: Bundle | None) -> list[RegisterEntry]:
    """Every item of the bundle once (sorted by source, kind, subject), with the criteria citing it.

    Without the bundle, the register holds the cited ids only (no kind, subject or time is known).
    """
    cites: dict[str, list[str]] = {}
    for rs in results.rulesets:
        for area in rs.areas:
            for c in area.criteria:
                for eid in c.evidence:
                    cites.setdefault(eid, [])
                    if c.id not in cites[eid]:
                        cites[eid].append(c.id)
    if bundle is None:
        return []
    azure = azure_portal_of(bundle)
    entries = [_entry(e, cites.get(e.id, []), azure) for e in bundle.evidence]
    entries.sort(key=lambda r: (r.source, r.kind, r.subject, r.id))
    return entries


def cited_ids(criterion: CriterionResult) -> list[str]:
    """The short ids a criterion cites, in a stable order."""
    return [formatting.short_id(e) for e in sorted(criterion.evidence)]


def _entry(e: Evidence, cited_by: list[str], azure: str) -> RegisterEntry:
    return RegisterEntry(
        id=e.id,
        source=sys.intern(e.source),  # a handful of distinct values, shared by every entry
        kind=sys.intern(e.kind),
        subject=e.subject,
        endpoint=sys.intern(e.endpoint),
        observed_at=e.observed_at,
        link=subject_link(e.subject, e.data, azure),
        cited_by=tuple(sorted(cited_by)),
    )


def subject_link(subject: str, data: dict[str, Any] | None = None, azure: str = AZURE_PORTAL) -> str | None:
    """An address for the subject: a URL in the evidence, an AWS ARN (in its partition's console) or an
    Azure resource id (in the portal ``azure`` of the cloud that was read).

    Addresses on this machine (loopback) are left unlinked: a reader elsewhere cannot open them.
    """
    if subject.startswith("arn:"):
        return aws_console(subject)
    if subject.lower().startswith("/subscriptions/"):
        return azure_portal(subject, azure)
    candidates = [subject, *(str((data or {}).get(k, "")) for k in _URL_KEYS)]
    return next((c for c in candidates if public_url(c)), None)


def public_url(text: str) -> bool:
    if not text.startswith(("https://", "http://")):
        return False
    host = urlsplit(text).hostname or ""
    if host in ("", "localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def resource_verdicts(criterion: CriterionResult) -> list[ResourceVerdict]:
    """The per-resource verdicts a criterion carries (`resources`), where the results provide them."""
    items = getattr(criterion, "resources", None) or []
    verdicts = []
    for item in items:
        doc = item if isinstance(item, dict) else _as_dict(item)
        name = str(_first(doc, "subject", "name", "resource", "id") or "?")
        verdict = _first(doc, "status", "verdict", "result")
        waiver = doc.get("waiver")
        note = _first(doc, "reason", "message", "note")
        if isinstance(waiver, dict) and waiver.get("justification"):
            verdict, note = "waived", f"waived: {waiver['justification']}"
        link = _first(doc, "url", "link", "html_url")
        verdicts.append(
            ResourceVerdict(
                name=name,
                verdict=str(verdict or "—"),
                link=str(link) if link and public_url(str(link)) else subject_link(name),
                note=str(note) if note else "",
                source=str(doc.get("source") or ""),
            )
        )
    return verdicts


def resource_summary(criterion: CriterionResult) -> str:
    """ "12 pass, 3 fail, 1 waived": the per-resource counts, where the results provide them."""
    counts = getattr(criterion, "resource_counts", None)
    if counts is None:
        return ""
    doc = counts if isinstance(counts, dict) else _as_dict(counts)
    parts = [f"{doc.get('pass', doc.get('passed', 0))} pass", f"{doc.get('fail', 0)} fail"]
    if doc.get("waived"):
        parts.append(f"{doc['waived']} waived")
    return ", ".join(parts)


def basis_note(criterion: CriterionResult) -> str:
    """What a criterion's status rests on when it is not the observed evidence: an attestation, a waiver."""
    basis = str(getattr(criterion, "basis", "") or "observed")
    if basis == "attested":
        note = getattr(criterion, "attested", None)
        doc = _as_dict(note) if note is not None else {}
        who, when = doc.get("attested_by"), doc.get("date")
        return "attested" + (f" by {who}" if who else "") + (f" on {when}" if when else "")
    if basis == "waived":
        note = getattr(criterion, "waiver", None)
        doc = _as_dict(note) if note is not None else {}
        why, until = doc.get("justification"), doc.get("expires")
        return "waived" + (f": {why}" if why else "") + (f" (until {until})" if until else "")
    return ""


def observed_note(area: object) -> str:
    """ "observed alone: Level 3" when attestations or waivers lift an area above what was observed."""
    observed = getattr(area, "observed_level", None)
    if observed is None or observed == getattr(area, "level", observed):
        return ""
    return f"on observed evidence alone: Level {observed}"


def _as_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    if hasattr(item, "model_dump"):
        return dict(item.model_dump(mode="json", by_alias=True))
    return dict(getattr(item, "__dict__", {}))


def _first(doc: dict[str, Any], *keys: str) -> Any:
    return next((doc[k] for k in keys if doc.get(k) is not None), None)
