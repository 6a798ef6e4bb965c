"""The contracts every layer shares: evidence, signals and the bundle that carries them.

Collection is online and scoring is offline; this module is the boundary between the two. Everything here
is a pydantic model or a pure function, and nothing here talks to the network.
"""

from __future__ import annotations

import hashlib
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from assay.digest import canonical_text, object_chunks, sha256_of
from assay.scale.shard import Shard

BUNDLE_SCHEMA = "assay/bundle/v1"

SignalValue = bool | int | float | list[str] | None


def canonical_json(obj: Any) -> bytes:
    """Serialise to the one byte form used for hashing: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by its name ("NaN", "Infinity", "-Infinity")."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Confidence(StrEnum):
    """How directly a signal shows a practice: H an artifact of it, M indirect, L a proxy for behaviour."""

    HIGH = "H"
    MEDIUM = "M"
    LOW = "L"


class SignalType(StrEnum):
    NUMBER = "number"
    RATIO = "ratio"
    BOOL = "bool"
    COUNT = "count"
    DURATION = "duration"  # seconds
    LIST = "list"  # list of strings


class SignalStatus(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"


class UnknownReason(StrEnum):
    NOT_CONFIGURED = "not_configured"
    DENIED = "denied"
    ERROR = "error"
    UNSUPPORTED = "unsupported"
    NOT_APPLICABLE = "not_applicable"


class Evidence(BaseModel):
    """One raw observation, identified by the hash of everything else it says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = ""
    source: str
    kind: str
    subject: str
    endpoint: str
    observed_at: datetime
    data: dict[str, Any] = Field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        body = self.model_dump(mode="json", exclude={"id"})
        return body

    def compute_id(self) -> str:
        return sha256_hex(canonical_json(self.content()))

    @classmethod
    def make(cls, **fields: Any) -> Evidence:
        """Build evidence and stamp its content hash as its id.

        A non-finite number in ``data`` (a Prometheus sample of NaN, an infinite ratio) is kept as the string
        "NaN", "Infinity" or "-Infinity": JSON has no such numbers, and the bundle must stay JSON any tool
        can read."""
        fields.setdefault("observed_at", utc_now())
        if "data" in fields:
            fields["data"] = json_safe(fields["data"])
        draft = cls(**fields)
        return draft.model_copy(update={"id": draft.compute_id()})


class SignalSpec(BaseModel):
    """The declaration of a signal: what it measures, in what unit, and how directly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: SignalType
    unit: str = ""
    confidence: Confidence
    description: str
    source: str = ""
    reads: tuple[str, ...] = ()  # the sources whose evidence it reads (several for a cross-source signal)
    requires: tuple[str, ...] = ()  # those of them it cannot be decided without
    decided_by: tuple[tuple[str, ...], ...] = ()  # the sets of sources, any one of which suffices


class MemberStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class Aggregate(StrEnum):
    """How a signal's value follows from its members, so it can be recomputed without some of them."""

    RATIO = "ratio"  # passing members / all members
    ALL = "all"  # true when every member passes
    ANY = "any"  # true when at least one member passes
    COUNT = "count"  # the number of passing members


class Member(BaseModel):
    """One member of the population a signal was computed over, and whether it meets the condition."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str
    status: MemberStatus
    evidence: str = ""  # the id of the evidence that shows this member (for links and explanations)


def aggregate_value(aggregate: Aggregate, members: list[Member]) -> SignalValue:
    """The value ``aggregate`` gives over ``members`` (which must not be empty)."""
    passing = sum(1 for m in members if m.status is MemberStatus.PASS)
    if aggregate is Aggregate.RATIO:
        return round(passing / len(members), 4)
    if aggregate is Aggregate.ALL:
        return passing == len(members)
    if aggregate is Aggregate.ANY:
        return passing > 0
    return passing


class Signal(BaseModel):
    """A named fact derived from evidence, or an honest statement that it could not be derived.

    A signal computed over a population (repositories, buckets, endpoints, ...) also lists its `members`,
    each passing or failing the signal's condition; `aggregate` says how the value follows from them when
    it does. Both are left out of the JSON when empty, so bundles without them keep their digests.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    source: str
    status: SignalStatus = SignalStatus.OK
    value: SignalValue = None
    reason: UnknownReason | None = None
    message: str | None = None
    evidence: list[str] = Field(default_factory=list)
    members: list[Member] = Field(default_factory=list)
    aggregate: Aggregate | None = None

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        if not self.members:
            data.pop("members", None)
        if self.aggregate is None:
            data.pop("aggregate", None)
        return data

    @classmethod
    def ok(
        cls,
        name: str,
        source: str,
        value: SignalValue,
        evidence: list[str],
        members: list[Member] | None = None,
        aggregate: Aggregate | None = None,
    ) -> Signal:
        ordered = sorted(set(members or []), key=lambda m: (m.subject, m.status.value, m.evidence))
        return cls(
            name=name,
            source=source,
            value=value,
            evidence=sorted(set(evidence)),
            members=ordered,
            aggregate=aggregate if ordered else None,
        )

    @classmethod
    def unknown(
        cls, name: str, source: str, reason: UnknownReason, message: str, evidence: list[str] | None = None
    ) -> Signal:
        return cls(
            name=name,
            source=source,
            status=SignalStatus.UNKNOWN,
            reason=reason,
            message=message,
            evidence=sorted(set(evidence or [])),
        )


class CollectorError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str
    reason: UnknownReason
    message: str


class CollectorRun(BaseModel):
    """What happened when one collector ran: the audit trail of the collection itself."""

    model_config = ConfigDict(extra="forbid")

    name: str
    status: Literal["ok", "partial", "failed", "not_configured"]
    started_at: datetime | None = None
    duration_s: float = 0.0
    api_calls: dict[str, int] = Field(default_factory=dict)
    http_requests: int = 0
    evidence_count: int = 0
    errors: list[CollectorError] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence_count: int
    evidence_root: str
    sha256: str


class EvidenceStore(Sequence[Evidence], ABC):
    """Evidence held other than as a list of models (see :mod:`assay.stored`); it answers lookups itself,
    without building every model."""

    @abstractmethod
    def texts(self) -> Iterator[str]:
        """Every item's canonical JSON, in order: what the bundle digest covers."""

    @abstractmethod
    def by_id(self) -> Mapping[str, Evidence]: ...

    @abstractmethod
    def of_kind(self, kind: str) -> list[Evidence]: ...


class Bundle(BaseModel):
    """The unit of storage and exchange: everything an audit saw, hashed so tampering shows."""

    model_config = ConfigDict(extra="forbid")

    schema_: str = Field(default=BUNDLE_SCHEMA, alias="schema")
    tool_version: str
    scope: str = ""
    created_at: datetime
    config_digest: str = ""
    collectors: list[CollectorRun] = Field(default_factory=list)
    # A list when collected; an EvidenceStore (assay.stored: items decoded when used) when read from a file.
    evidence: Sequence[Evidence] = Field(default_factory=list)
    signals: list[Signal] = Field(default_factory=list)
    # Set on one shard's part of a collection (`assay collect --shard K/N`); `assay merge` joins the parts.
    shard: Shard | None = None
    manifest: Manifest | None = None

    def body(self) -> dict[str, Any]:
        """Everything the digest covers, as one JSON document (the manifest is not part of it)."""
        return self.model_dump(mode="json", by_alias=True, exclude=self._left_out({"manifest"}))

    def _left_out(self, always: set[str]) -> set[str]:
        # A bundle that is no shard has no `shard` key, so bundles from before sharding keep their digest.
        return always if self.shard is not None else {*always, "shard"}

    def chunks(self, *, manifest: bool) -> Iterator[str]:
        """The canonical JSON of the bundle (with or without its manifest), one evidence item at a time."""
        lists = {"evidence": self._evidence_texts(), "signals": _texts(self.signals)}
        fields = self.model_dump(
            mode="json", by_alias=True, exclude=self._left_out({*lists, *(() if manifest else ("manifest",))})
        )
        return object_chunks(fields, lists)

    def _evidence_texts(self) -> Iterator[str]:
        if isinstance(self.evidence, EvidenceStore):  # read from a bundle: its JSON as hashed
            return self.evidence.texts()
        return _texts(self.evidence)

    def seal(self) -> Bundle:
        """Sort contents into their canonical order and stamp the manifest."""
        evidence = sorted(self.evidence, key=lambda e: (e.source, e.kind, e.subject, e.id))
        signals = sorted(self.signals, key=lambda s: s.name)
        collectors = sorted(self.collectors, key=lambda c: c.name)
        sealed = self.model_copy(update={"evidence": evidence, "signals": signals, "collectors": collectors})
        return sealed.model_copy(update={"manifest": compute_manifest(sealed)})

    def sha256(self) -> str:
        """The digest results cite: over the canonical body, independent of gzip framing (streamed, so
        a large bundle is never held as one text)."""
        return sha256_of(self.chunks(manifest=False))

    def evidence_by_id(self) -> Mapping[str, Evidence]:
        if isinstance(self.evidence, EvidenceStore):
            return self.evidence.by_id()
        return {e.id: e for e in self.evidence}

    def evidence_of_kind(self, kind: str) -> list[Evidence]:
        if isinstance(self.evidence, EvidenceStore):
            return self.evidence.of_kind(kind)
        return [e for e in self.evidence if e.kind == kind]

    def signal_map(self) -> dict[str, Signal]:
        return {s.name: s for s in self.signals}


def compute_manifest(bundle: Bundle) -> Manifest:
    ids = sorted(e.id for e in bundle.evidence)
    root = sha256_hex("\n".join(ids).encode())
    return Manifest(evidence_count=len(ids), evidence_root=root, sha256=bundle.sha256())


def integrity_problems(bundle: Bundle) -> list[str]:
    """Every way the bundle disagrees with its own hashes; empty when it is intact."""
    problems: list[str] = []
    if bundle.manifest is None:
        return ["the bundle has no manifest"]
    for ev in bundle.evidence:
        if ev.compute_id() != ev.id:
            problems.append(f"evidence {ev.id[:12]} ({ev.kind} {ev.subject}) does not match its content hash")
    expected = compute_manifest(bundle)
    if expected.evidence_count != bundle.manifest.evidence_count:
        problems.append(
            f"the manifest lists {bundle.manifest.evidence_count} evidence items but the bundle holds "
            f"{expected.evidence_count}"
        )
    if expected.evidence_root != bundle.manifest.evidence_root:
        problems.append("the evidence ids do not match the manifest's evidence root")
    if expected.sha256 != bundle.manifest.sha256:
        problems.append("the bundle's contents do not match the manifest digest")
    known = {e.id for e in bundle.evidence}
    for sig in bundle.signals:
        missing = [i for i in sig.evidence if i not in known]
        missing += [m.evidence for m in sig.members if m.evidence and m.evidence not in known]
        if missing:
            problems.append(f"signal {sig.name} cites evidence not in the bundle: {missing[0][:12]}")
    return problems


def _texts(models: Iterable[BaseModel]) -> Iterator[str]:
    """Each model's canonical JSON."""
    for model in models:
        yield canonical_text(model.model_dump(mode="json", by_alias=True))
