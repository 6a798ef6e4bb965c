"""Pure derivation of signals from evidence.

A signal's declaration (name, type, unit, confidence, description) sits on the function that computes it,
so the catalog (`assay signals`) and the docs come from one place. Signal functions read an
:class:`EvidenceView` and nothing else: no network, no clock, so a bundle can be re-derived offline.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assay.evidence import (
    Aggregate,
    CollectorRun,
    Confidence,
    Evidence,
    Member,
    MemberStatus,
    Signal,
    SignalSpec,
    SignalType,
    SignalValue,
    UnknownReason,
)

log = logging.getLogger(__name__)

GAP_SUFFIX = ".gap"


class Unknown(Exception):
    """Raised by a signal function when the evidence cannot decide the signal."""

    def __init__(self, reason: UnknownReason, message: str, evidence: Iterable[Evidence] = ()) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.evidence = [e.id for e in evidence]


@dataclass
class Measured:
    """A signal value, the evidence it was computed from and, over a population, each member's verdict.

    ``members`` say which members of the population meet the signal's condition and which miss it;
    ``aggregate`` says how ``value`` follows from them (a share, all, any, a count of passing members), so
    scoring can recompute the value without a waived member. Leave ``aggregate`` out when the value is not
    a function of the members alone (a median over pull requests, say): the members are then shown, not
    recomputed.
    """

    value: SignalValue
    evidence: Sequence[Evidence] = field(default_factory=list)
    members: Sequence[Member] = field(default_factory=list)
    aggregate: Aggregate | None = None

    @classmethod
    def share(
        cls,
        population: Sequence[Evidence],
        hits: Iterable[Evidence],
        *,
        subject: Callable[[Evidence], str] | None = None,
        evidence: Sequence[Evidence] | None = None,
    ) -> Measured:
        """The share of ``population`` in ``hits``, with every member's verdict (``evidence``: what to
        cite, when more than the population)."""
        members = verdicts(population, hits, subject=subject)
        return cls(share_of(members), evidence or population, members, Aggregate.RATIO)

    @classmethod
    def every(
        cls,
        population: Sequence[Evidence],
        hits: Iterable[Evidence],
        *,
        subject: Callable[[Evidence], str] | None = None,
        evidence: Sequence[Evidence] | None = None,
    ) -> Measured:
        """Whether every member of ``population`` is in ``hits``, with every member's verdict."""
        members = verdicts(population, hits, subject=subject)
        value = all(m.status is MemberStatus.PASS for m in members)
        return cls(value, evidence or population, members, Aggregate.ALL)

    @classmethod
    def count(
        cls,
        population: Sequence[Evidence],
        hits: Iterable[Evidence],
        *,
        subject: Callable[[Evidence], str] | None = None,
        evidence: Sequence[Evidence] | None = None,
    ) -> Measured:
        """How many members of ``population`` are in ``hits``, with every member's verdict."""
        members = verdicts(population, hits, subject=subject)
        value = sum(1 for m in members if m.status is MemberStatus.PASS)
        return cls(value, evidence or population, members, Aggregate.COUNT)


def member(subject: str, ok: bool, evidence: Evidence | None = None) -> Member:
    """One member's verdict, citing the evidence that shows it."""
    return Member(
        subject=subject,
        status=MemberStatus.PASS if ok else MemberStatus.FAIL,
        evidence=evidence.id if evidence is not None else "",
    )


def verdicts(
    population: Iterable[Evidence],
    hits: Iterable[Evidence],
    *,
    subject: Callable[[Evidence], str] | None = None,
) -> list[Member]:
    """Each evidence item of ``population`` as a member, passing when it is among ``hits``."""
    chosen = {e.id for e in hits}
    name = subject or (lambda e: e.subject)
    return [member(name(e), e.id in chosen, e) for e in population]


def per_evidence(
    pairs: Iterable[tuple[Evidence, Any]],
    good: Callable[[Any], bool],
    *,
    subject: Callable[[Evidence], str] | None = None,
) -> list[Member]:
    """Members for a signal over items inside evidence (runs in an experiment, pull requests in a
    repository, versions of a model): each evidence item passes when every one of its items is good."""
    owners: dict[str, Evidence] = {}
    failing: set[str] = set()
    for ev, item in pairs:
        owners.setdefault(ev.id, ev)
        if not good(item):
            failing.add(ev.id)
    name = subject or (lambda e: e.subject)
    return [member(name(ev), ev.id not in failing, ev) for ev in owners.values()]


def share_of(members: Sequence[Member]) -> float:
    """The share of passing members (0 when there are none): the value of a RATIO-aggregated signal."""
    return ratio(sum(1 for m in members if m.status is MemberStatus.PASS), len(members))


def ratio(part: int, whole: int) -> float:
    """A share rounded to 4 places, so results stay byte-stable across platforms."""
    return round(part / whole, 4) if whole else 0.0


def require_population(count: int, what: str, evidence: Iterable[Evidence] = ()) -> None:
    """A ratio over nothing is not 0%: it is not applicable."""
    if count == 0:
        raise Unknown(UnknownReason.NOT_APPLICABLE, f"no {what} were observed", evidence)


class EvidenceView:
    """Read-only access to a bundle's evidence and its collector runs, for signal functions."""

    def __init__(self, evidence: Iterable[Evidence], runs: Mapping[str, CollectorRun]) -> None:
        self._by_kind: dict[str, list[Evidence]] = defaultdict(list)
        for ev in sorted(evidence, key=lambda e: (e.kind, e.subject, e.id)):
            self._by_kind[ev.kind].append(ev)
        self.runs = dict(runs)

    def of_kind(self, kind: str) -> list[Evidence]:
        return list(self._by_kind.get(kind, []))

    def one(self, kind: str) -> Evidence | None:
        items = self._by_kind.get(kind)
        return items[0] if items else None

    def gaps(self, source: str) -> list[Evidence]:
        return self.of_kind(source + GAP_SUFFIX)

    def available(self, source: str) -> bool:
        run = self.runs.get(source)
        return run is not None and run.status in ("ok", "partial")

    def reference_time(self, source: str) -> datetime:
        """The moment "now" meant for this source's evidence: its latest observation."""
        times = [
            e.observed_at
            for kind, items in self._by_kind.items()
            if kind.startswith(source + ".")
            for e in items
        ]
        if times:
            return max(times)
        run = self.runs.get(source)
        if run and run.started_at:
            return run.started_at
        raise Unknown(UnknownReason.NOT_CONFIGURED, f"no evidence from {source}")

    def unavailable_reason(self, source: str) -> Unknown:
        """Why a source cannot speak: not configured, denied, or failed, in the run's own words."""
        run = self.runs.get(source)
        if run is None:
            return Unknown(UnknownReason.NOT_CONFIGURED, f"{source} is not configured in this audit")
        if run.status == "not_configured":
            msg = run.errors[0].message if run.errors else f"{source} is not configured in this audit"
            return Unknown(UnknownReason.NOT_CONFIGURED, msg)
        if run.errors:
            err = run.errors[0]
            return Unknown(err.reason, f"{source} collection failed: {err.message}")
        return Unknown(UnknownReason.ERROR, f"{source} collection failed")

    def require(self, source: str, scope: str | None = None) -> None:
        """Raise Unknown unless the source ran and, when a scope is named, no gap covers it."""
        if not self.available(source):
            raise self.unavailable_reason(source)
        if scope is None:
            return
        for gap in self.gaps(source):
            if gap.subject == scope or scope.startswith(gap.subject + "."):
                raise Unknown(UnknownReason(gap.data["reason"]), gap.data["message"], [gap])


SignalFunction = Callable[[EvidenceView], Measured]


@dataclass(frozen=True)
class DeclaredSignal:
    spec: SignalSpec
    fn: SignalFunction
    sources: tuple[str, ...]


class SignalSet:
    """The signals one source declares, each with the pure function that derives it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._declared: dict[str, DeclaredSignal] = {}

    def signal(
        self,
        name: str,
        *,
        type: SignalType,
        confidence: Confidence,
        description: str,
        unit: str = "",
        sources: tuple[str, ...] | None = None,
        requires: tuple[str, ...] = (),
    ) -> Callable[[SignalFunction], SignalFunction]:
        """Declare a signal on the function that computes it.

        ``sources`` lists the collectors whose evidence the function may read; the signal is unknown when
        none of them is available (the function decides what a partial view means), or when one of
        ``requires`` (e.g. the source that defines the population) is not.
        """

        any_of = tuple(sources or (self.source,))

        def register(fn: SignalFunction) -> SignalFunction:
            if name in self._declared:
                raise ValueError(f"signal {name} is declared twice in {self.source}")
            spec = SignalSpec(
                name=name,
                type=type,
                unit=unit,
                confidence=confidence,
                description=description,
                source=self.source,
                reads=tuple(dict.fromkeys((*requires, *any_of))),
                requires=tuple(requires),
                decided_by=_decided_by(any_of, requires),
            )
            self._declared[name] = DeclaredSignal(spec, fn, any_of)
            return fn

        return register

    def reading(self, sources: Iterable[str]) -> SignalSet:
        """The signals of this set that read at least one of ``sources`` (those a registry can derive)."""
        wanted = set(sources)
        subset = SignalSet(self.source)
        subset._declared = {n: d for n, d in self._declared.items() if wanted & set(d.sources)}
        return subset

    @property
    def specs(self) -> list[SignalSpec]:
        return [d.spec for d in self._declared.values()]

    def derive(self, view: EvidenceView) -> list[Signal]:
        return [self._derive_one(d, view) for d in self._declared.values()]

    def unknown_all(self, reason: UnknownReason, message: str) -> list[Signal]:
        return [Signal.unknown(d.spec.name, self.source, reason, message) for d in self._declared.values()]

    def _derive_one(self, declared: DeclaredSignal, view: EvidenceView) -> Signal:
        name = declared.spec.name
        missing = [s for s in declared.spec.requires if not view.available(s)]
        if missing or not any(view.available(s) for s in declared.sources):
            why = view.unavailable_reason((missing or declared.sources)[0])
            message = why.message
            if not missing and len(declared.sources) > 1:
                message = f"none of {', '.join(declared.sources)} was collected in this audit ({why.message})"
            return Signal.unknown(name, self.source, why.reason, message, why.evidence)
        try:
            measured = declared.fn(view)
        except Unknown as unk:
            return Signal.unknown(name, self.source, unk.reason, unk.message, unk.evidence)
        except Exception as exc:  # a bug in one signal must not take the audit down
            log.debug("signal %s failed", name, exc_info=True)
            return Signal.unknown(
                name, self.source, UnknownReason.ERROR, f"deriving {name} failed: {type(exc).__name__}: {exc}"
            )
        return Signal.ok(
            name,
            self.source,
            _normalise(measured.value),
            [e.id for e in measured.evidence],
            list(measured.members),
            measured.aggregate,
        )


def _decided_by(any_of: tuple[str, ...], requires: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Every required source plus any one of the others; a required source among them suffices alone."""
    if set(any_of) & set(requires):
        return (tuple(sorted(requires)),)
    return tuple(tuple(sorted({*requires, s})) for s in any_of)


def _normalise(value: SignalValue) -> SignalValue:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, (list, tuple, set)):
        return sorted(str(v) for v in value)
    return value
