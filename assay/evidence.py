"""The contracts every layer shares: evidence, signals and the bundle that carries them.

Collection is online and scoring is offline; this module is the boundary between the two. Everything here
is a pydantic model or a pure function, and nothing here talks to the network.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from assay.errors import BundleError, BundleIntegrityError
from assay.scale.shard import Shard

BUNDLE_SCHEMA = "assay/bundle/v1"

SignalValue = bool | int | float | list[str] | None


def canonical_json(obj: Any) -> bytes:
    """Serialise to the one byte form used for hashing: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
        """Build evidence and stamp its content hash as its id."""
        fields.setdefault("observed_at", utc_now())
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


class Bundle(BaseModel):
    """The unit of storage and exchange: everything an audit saw, hashed so tampering shows."""

    model_config = ConfigDict(extra="forbid")

    schema_: str = Field(default=BUNDLE_SCHEMA, alias="schema")
    tool_version: str
    scope: str = ""
    created_at: datetime
    config_digest: str = ""
    collectors: list[CollectorRun] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    signals: list[Signal] = Field(default_factory=list)
    # Set on one shard's part of a collection (`assay collect --shard K/N`); `assay merge` joins the parts.
    shard: Shard | None = None
    manifest: Manifest | None = None

    def body(self) -> dict[str, Any]:
        # A bundle that is no shard has no `shard` key, so bundles from before sharding keep their digest.
        drop = {"manifest"} if self.shard is not None else {"manifest", "shard"}
        return self.model_dump(mode="json", by_alias=True, exclude=drop)

    def seal(self) -> Bundle:
        """Sort contents into their canonical order and stamp the manifest."""
        evidence = sorted(self.evidence, key=lambda e: (e.source, e.kind, e.subject, e.id))
        signals = sorted(self.signals, key=lambda s: s.name)
        collectors = sorted(self.collectors, key=lambda c: c.name)
        sealed = self.model_copy(update={"evidence": evidence, "signals": signals, "collectors": collectors})
        return sealed.model_copy(update={"manifest": compute_manifest(sealed)})

    def sha256(self) -> str:
        """The digest results cite: over the canonical body, independent of gzip framing."""
        return sha256_hex(canonical_json(self.body()))

    def evidence_by_id(self) -> dict[str, Evidence]:
        return {e.id: e for e in self.evidence}

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


def write_bundle(bundle: Bundle, path: Path) -> Path:
    """Write a sealed bundle as gzip JSON, atomically: a reader never sees half a file."""
    sealed = bundle if bundle.manifest else bundle.seal()
    drop = {"shard"} if sealed.shard is None else set()
    doc = sealed.model_dump(mode="json", by_alias=True, exclude=drop)
    payload = json.dumps(doc, indent=1, ensure_ascii=False).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            gz.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_bundle(path: Path, *, verify: bool = True) -> Bundle:
    """Read a bundle, rejecting anything truncated, foreign, of another version or tampered with.

    The gzip stream is inflated under a size limit (``ASSAY_MAX_BUNDLE_MB``), and the JSON's depth and
    number sizes are bounded (see :mod:`assay.safeio`), so a hostile bundle exits 2 instead of hanging.
    """
    from assay.safeio import bundle_max_bytes, parse_json, read_gzip

    if not path.exists() and not path.is_symlink():
        raise BundleError(f"{path}: no such bundle; run `assay collect` or `assay audit` first")
    text = read_gzip(path, what="bundle", max_bytes=bundle_max_bytes(), error=BundleError)
    doc = parse_json(text, str(path), what="bundle", error=BundleError)
    del text
    if not isinstance(doc, dict):
        raise BundleError(f"{path}: the bundle is not a JSON object")
    schema = doc.get("schema")
    if schema != BUNDLE_SCHEMA:
        shown = repr(schema) if isinstance(schema, str) and len(schema) < 80 else "(not a schema id)"
        raise BundleError(
            f"{path}: bundle schema {shown} is not supported; this assay reads {BUNDLE_SCHEMA!r}"
        )
    try:
        bundle = Bundle.model_validate(doc)
        problems = integrity_problems(bundle) if verify else []
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BundleError(f"{path}: malformed bundle at {where}: {first['msg']}") from None
    except RecursionError:
        raise BundleError(f"{path}: the bundle is nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer in evidence data too long to hash
        problem = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise BundleError(f"{path}: the bundle holds a value that cannot be read ({problem})") from None
    if problems:
        raise BundleIntegrityError(f"{path}: integrity check failed: {problems[0]}")
    return bundle
