"""What a team acts on, per criterion: each resource's verdict with a link, and the paperwork applied.

Scoring calls :class:`Findings` twice per criterion: ``signals_for`` before the expression runs (a waived
resource leaves the population, and a signal whose value follows from its members is recomputed without
it), and ``finish`` after (resources listed failing first, an attestation or whole-criterion waiver
applied, always with its basis). Expiry is judged against the bundle's collection time, never the clock,
so the same bundle and files always give the same results.

How a waived resource changes a signal: signals computed over a population record each member's verdict
and how the value follows from them (`aggregate`: a share, all, any, or a count of passing members).
Dropping the waived members and applying the aggregate to the rest gives the value the criterion reads.
A signal whose value is not a function of its members alone (a median over pull requests) keeps its
value; the waiver is still shown beside the resource. A population waived away entirely is not
applicable.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assay.errors import ConfigError
from assay.evidence import (
    Bundle,
    Evidence,
    MemberStatus,
    Signal,
    SignalStatus,
    UnknownReason,
    aggregate_value,
)
from assay.scoring.links import Links
from assay.scoring.model import Criterion
from assay.scoring.paperwork import Attestation, Paperwork, Waiver, attestable, expired
from assay.scoring.results import (
    AttestationEntry,
    AttestationNote,
    AttestationsApplied,
    Basis,
    CriterionReason,
    CriterionResult,
    CriterionStatus,
    Resource,
    ResourceCounts,
    WaiverEntry,
    WaiverNote,
    WaiversApplied,
)

RESOURCE_CAP = 50  # resources listed per criterion; `resource_counts` counts them all


@dataclass
class _Member:
    subject: str
    failing: list[str] = field(default_factory=list)
    measured: list[str] = field(default_factory=list)
    evidence: Evidence | None = None
    source: str = ""


class Findings:
    """Per-criterion resources, waivers and attestations for one bundle."""

    def __init__(
        self,
        bundle: Bundle,
        attestations: Paperwork | None = None,
        waivers: Paperwork | None = None,
        *,
        cap: int = RESOURCE_CAP,
    ) -> None:
        self.bundle = bundle
        self.links = Links(bundle)
        self.evidence = bundle.evidence_by_id()
        self.collected = bundle.created_at
        self.cap = cap
        self.attestations = attestations
        self.waivers = waivers
        self._matched: dict[int, set[str]] = {}
        self._populated: dict[str, bool] = {}
        self._applied: set[int] = set()
        self._scored: set[str] = set()

    @property
    def paperwork(self) -> bool:
        return bool((self.attestations and self.attestations.attestations) or self._waiver_list())

    def observed_only(self) -> Findings:
        """The same bundle with no attestation or waiver: for `observed_level`."""
        return Findings(self.bundle, cap=self.cap)

    def _waiver_list(self) -> tuple[Waiver, ...]:
        return self.waivers.waivers if self.waivers else ()

    def _active_waivers(self, criterion: str, *, whole: bool) -> list[tuple[int, Waiver]]:
        return [
            (i, w)
            for i, w in enumerate(self._waiver_list())
            if w.criterion == criterion
            and (w.resource is None) == whole
            and not expired(w.expires, self.collected)
        ]

    # --- before the expression runs ------------------------------------------------------------------

    def signals_for(
        self, criterion: Criterion, names: Sequence[str], signals: Mapping[str, Signal]
    ) -> Mapping[str, Signal]:
        """The signals ``criterion`` reads, with its waived resources taken out of their populations."""
        self._scored.add(criterion.id)
        self._populated[criterion.id] = any(
            (s := signals.get(n)) is not None and bool(s.members) for n in names
        )
        waivers = self._active_waivers(criterion.id, whole=False)
        if not waivers:
            return signals
        changed = dict(signals)
        for name in names:
            signal = signals.get(name)
            if signal is None or not signal.members:
                continue
            kept = []
            for m in signal.members:
                hits = [i for i, w in waivers if fnmatch.fnmatchcase(m.subject, w.resource or "")]
                for i in hits:
                    self._matched.setdefault(i, set()).add(m.subject)
                if not hits:
                    kept.append(m)
            if len(kept) != len(signal.members):
                changed[name] = _without(signal, kept)
        return changed

    # --- after ----------------------------------------------------------------------------------------

    def finish(
        self,
        criterion: Criterion,
        result: CriterionResult,
        names: Sequence[str],
        signals: Mapping[str, Signal],
    ) -> CriterionResult:
        """Attach the resources, then apply an attestation or a whole-criterion waiver, saying so."""
        resources, counts = self._resources(criterion, names, signals)
        update: dict[str, object] = {"resources": resources, "resource_counts": counts}
        if attestable(criterion) and self.attestations:
            update.update(self._attest(criterion))
        status = update.get("status", result.status)
        if status is not CriterionStatus.PASS:
            for i, w in self._active_waivers(criterion.id, whole=True)[:1]:
                self._applied.add(i)
                update.update(
                    status=CriterionStatus.PASS,
                    reason=None,
                    message=None,
                    basis=Basis.WAIVED,
                    waiver=WaiverNote(justification=w.justification, approver=w.approver, expires=w.expires),
                )
        return result.model_copy(update=update)

    def _attest(self, criterion: Criterion) -> dict[str, object]:
        assert self.attestations is not None
        entries = [a for a in self.attestations.attestations if a.criterion == criterion.id]
        if not entries:
            return {}
        live = [a for a in entries if not expired(a.expires, self.collected)]
        if live:
            best = max(live, key=lambda a: (a.expires, a.date, a.attested_by))
            return {
                "status": CriterionStatus.PASS,
                "reason": None,
                "message": None,
                "basis": Basis.ATTESTED,
                "attested": _note(best),
            }
        last = max(entries, key=lambda a: (a.expires, a.date, a.attested_by))
        return {
            "status": CriterionStatus.UNKNOWN,
            "reason": CriterionReason.ATTESTATION_EXPIRED,
            "message": (
                f"the attestation by {last.attested_by} expired on {last.expires}, before the evidence was "
                f"collected ({self.collected.date()}); renew it with `assay attest`"
            ),
            "attested": _note(last),
        }

    def _resources(
        self, criterion: Criterion, names: Sequence[str], signals: Mapping[str, Signal]
    ) -> tuple[list[Resource], ResourceCounts | None]:
        found: dict[str, _Member] = {}
        for name in names:
            signal = signals.get(name)
            if signal is None or signal.status is not SignalStatus.OK:
                continue
            for m in signal.members:
                entry = found.setdefault(m.subject, _Member(m.subject))
                entry.measured.append(name)
                if m.status is MemberStatus.FAIL:
                    entry.failing.append(name)
                if entry.evidence is None and m.evidence in self.evidence:
                    entry.evidence = self.evidence[m.evidence]
                entry.source = entry.evidence.source if entry.evidence is not None else signal.source
        if not found:
            return [], None
        waivers = self._active_waivers(criterion.id, whole=False)
        listed = [self._resource(entry, waivers) for entry in found.values()]
        listed.sort(key=lambda r: (_rank(r), r.subject))
        counts = ResourceCounts(
            passed=sum(1 for r in listed if r.status == "pass" and r.waiver is None),
            fail=sum(1 for r in listed if r.status == "fail" and r.waiver is None),
            waived=sum(1 for r in listed if r.waiver is not None),
        )
        return listed[: self.cap], counts

    def _resource(self, entry: _Member, waivers: list[tuple[int, Waiver]]) -> Resource:
        waiver = next((w for _, w in waivers if fnmatch.fnmatchcase(entry.subject, w.resource or "")), None)
        signal = (entry.failing or entry.measured)[0]
        return Resource(
            subject=entry.subject,
            status="fail" if entry.failing else "pass",
            url=self.links.url(entry.subject, entry.evidence, signal),
            source=entry.source,
            signals=sorted(set(entry.failing or entry.measured)),
            waiver=(
                WaiverNote(
                    resource=waiver.resource,
                    justification=waiver.justification,
                    approver=waiver.approver,
                    expires=waiver.expires,
                )
                if waiver
                else None
            ),
        )

    # --- the whole run ----------------------------------------------------------------------------------

    def check(self) -> None:
        """A live resource waiver whose glob matched nothing in a population that was observed is an error."""
        if not self.waivers:
            return
        for i, w in enumerate(self.waivers.waivers):
            if w.resource is None or expired(w.expires, self.collected) or w.criterion not in self._scored:
                continue
            if self._populated.get(w.criterion) and not self._matched.get(i):
                raise ConfigError(
                    f"{self.waivers.where(i)}: resource {w.resource!r} matches none of the criterion's "
                    "resources in this bundle; fix the glob or remove the entry"
                )

    def applied(self) -> tuple[AttestationsApplied | None, WaiversApplied | None]:
        """The files as the results record them: digests and what became of every entry."""
        attested = None
        if self.attestations is not None:
            attested = AttestationsApplied(
                file=self.attestations.file,
                sha256=self.attestations.sha256,
                entries=[self._attestation_entry(a) for a in self.attestations.attestations],
            )
        waived = None
        if self.waivers is not None:
            waived = WaiversApplied(
                file=self.waivers.file,
                sha256=self.waivers.sha256,
                entries=[self._waiver_entry(i, w) for i, w in enumerate(self.waivers.waivers)],
            )
        return attested, waived

    def _attestation_entry(self, a: Attestation) -> AttestationEntry:
        if a.criterion not in self._scored:
            state = "unused"
        else:
            state = "expired" if expired(a.expires, self.collected) else "applied"
        return AttestationEntry(criterion=a.criterion, state=state, **_note(a).model_dump())

    def _waiver_entry(self, i: int, w: Waiver) -> WaiverEntry:
        matched = sorted(self._matched.get(i, set()))
        if expired(w.expires, self.collected):
            state = "expired"
        elif matched or i in self._applied:
            state = "applied"
        else:
            state = "unused"
        return WaiverEntry(
            criterion=w.criterion,
            resource=w.resource,
            justification=w.justification,
            approver=w.approver,
            expires=w.expires,
            state=state,
            matched=matched,
        )


def _note(a: Attestation) -> AttestationNote:
    return AttestationNote(
        statement=a.statement, attested_by=a.attested_by, date=a.date, expires=a.expires, evidence=a.evidence
    )


def _rank(resource: Resource) -> int:
    """Failing first, then waived, then passing."""
    if resource.waiver is not None:
        return 1
    return 0 if resource.status == "fail" else 2


def _without(signal: Signal, kept: list) -> Signal:  # type: ignore[type-arg]
    """``signal`` over the members left after the waivers; recomputed when its value follows from them."""
    if signal.aggregate is None:
        return signal.model_copy(update={"members": kept})
    if not kept:
        return Signal.unknown(
            signal.name,
            signal.source,
            UnknownReason.NOT_APPLICABLE,
            "every member of its population is waived",
            signal.evidence,
        )
    return signal.model_copy(update={"members": kept, "value": aggregate_value(signal.aggregate, kept)})
