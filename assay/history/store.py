"""The history store: each recorded audit's results, bundle digest, scope and evidence index, in SQL.

SQLite by default (a file path); any SQLAlchemy URL works (postgresql://..., mysql://...). The store
keeps results as their canonical JSON, so any past audit can be re-rendered or diffed offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError

from assay.errors import AssayError
from assay.evidence import Bundle, sha256_hex
from assay.history.migrate import ensure_schema
from assay.history.schema import audits
from assay.scoring import Results, results_to_json

SQLITE_BUSY_TIMEOUT_S = 60  # concurrent audits writing one SQLite file wait for each other this long


class HistoryError(AssayError):
    """The history store cannot be opened or does not hold what was asked for."""


class EvidenceEntry(BaseModel):
    """What the history keeps of one evidence item: its identity, not its data."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    kind: str
    subject: str
    endpoint: str
    observed_at: datetime


class AuditRecord(BaseModel):
    """One recorded audit."""

    id: int
    recorded_at: datetime
    scope: str
    bundle_sha256: str
    results: Results
    evidence: list[EvidenceEntry] | None = None
    complete: bool | None = None  # None: recorded before assay marked incomplete audits
    incomplete: list[str] = Field(default_factory=list)  # "mlflow (failed)": sources not read in full
    bundle_path: str | None = None  # where the bundle was written when the audit was recorded

    @property
    def label(self) -> str:
        return f"#{self.id} {self.results.generated_at.strftime('%-d %b %Y')}"


def evidence_index(bundle: Bundle) -> list[EvidenceEntry]:
    """The identity of every evidence item in a bundle, sorted as the bundle sorts them."""
    return [
        EvidenceEntry(
            id=e.id,
            source=e.source,
            kind=e.kind,
            subject=e.subject,
            endpoint=e.endpoint,
            observed_at=e.observed_at,
        )
        for e in bundle.evidence
    ]


def incomplete_sources(bundle: Bundle) -> list[str]:
    """Configured sources that failed or were only partly read: `mlflow (failed)`."""
    return [f"{c.name} ({c.status})" for c in bundle.collectors if c.status in ("failed", "partial")]


def history_url(setting: str | Path) -> str:
    """A SQLAlchemy URL as is; anything else is a SQLite file path (relative to the working directory).

    ``postgresql://`` (and Heroku-style ``postgres://``) use psycopg 3, the driver `assay[postgres]`
    installs; SQLAlchemy alone would look for psycopg2.
    """
    text = str(setting)
    for plain in ("postgresql://", "postgres://"):
        if text.startswith(plain):
            return "postgresql+psycopg://" + text.removeprefix(plain)
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


class HistoryStore:
    """Record audits and read them back, oldest first."""

    def __init__(self, setting: str | Path) -> None:
        self.url = history_url(setting)
        try:
            sqlite = self.url.startswith("sqlite")
            self.engine: Engine = create_engine(
                self.url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S} if sqlite else {}
            )
            ensure_schema(self.engine)
        except (ArgumentError, SQLAlchemyError, ModuleNotFoundError) as exc:
            raise HistoryError(f"history store {setting}: cannot open it ({_first_line(exc)})") from None
        except TimeoutError:
            raise HistoryError(f"history store {setting}: another process holds its migration lock") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise HistoryError(f"history store {self.url}: {_first_line(exc)}") from None

    def record(
        self, results: Results, bundle: Bundle | None = None, *, bundle_path: str | Path | None = None
    ) -> tuple[AuditRecord, bool]:
        """Store an audit; the same results of the same scope are stored once (a unique index says so,
        so two processes recording at once cannot both succeed). Returns (record, created).

        With the bundle, the audit is marked complete or not (a configured source failed or was only
        partly read); `bundle_path` is where the bundle lives, for re-scoring it when the rules change."""
        text = results_to_json(results)
        digest = sha256_hex(text.encode())
        index = [e.model_dump(mode="json") for e in evidence_index(bundle)] if bundle else None
        gaps = incomplete_sources(bundle) if bundle else None
        values = {
            "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "generated_at": results.generated_at.isoformat(),
            "scope": results.scope,
            "bundle_sha256": results.bundle_sha256,
            "results_sha256": digest,
            "tool_version": results.tool_version,
            "results_json": text,
            "evidence_json": json.dumps(index),
            "complete": None if gaps is None else not gaps,
            "incomplete_json": json.dumps(gaps or []),
            "bundle_path": str(Path(bundle_path).resolve()) if bundle_path else None,
        }
        same = select(audits.c.id).where(audits.c.scope == results.scope, audits.c.results_sha256 == digest)
        # Look first: on PostgreSQL a refused insert still spends a number of the id sequence, so
        # re-recording would leave gaps in the audit numbers. The unique index is what keeps it once.
        with self._connect() as conn:
            found = conn.execute(same).scalar_one_or_none()
        if found is not None:
            return self.get(found), False
        try:
            with self.engine.begin() as conn:
                new_id = conn.execute(audits.insert().values(**values)).inserted_primary_key[0]
            return self.get(new_id), True
        except IntegrityError:
            pass  # recorded a moment ago, by another process
        except SQLAlchemyError as exc:
            raise HistoryError(f"history store {self.url}: {_first_line(exc)}") from None
        with self._connect() as conn:
            found = conn.execute(same).scalar_one()
        return self.get(found), False

    def get(self, record_id: int) -> AuditRecord:
        with self._connect() as conn:
            row = conn.execute(select(audits).where(audits.c.id == record_id)).first()
        if row is None:
            raise HistoryError(f"history store {self.url}: no audit #{record_id}; `assay history` lists them")
        return _record(row._mapping)

    def audits(self, scope: str | None = None, limit: int | None = None) -> list[AuditRecord]:
        """Recorded audits, oldest first; only `scope`'s when given; only the last `limit` when given."""
        query = select(audits).order_by(audits.c.id.desc())
        if scope is not None:
            query = query.where(audits.c.scope == scope)
        if limit is not None:
            query = query.limit(limit)
        with self._connect() as conn:
            rows = conn.execute(query).all()
        return [_record(r._mapping) for r in reversed(rows)]

    def previous(self, record: AuditRecord) -> AuditRecord | None:
        """The latest audit of the same scope recorded before `record`, complete or not."""
        return self._before(record, complete_only=False)

    def baseline(self, record: AuditRecord) -> AuditRecord | None:
        """What `record` is judged against: the latest complete audit of the same scope before it.

        Audits recorded before assay marked incomplete ones (complete unknown) count as complete."""
        return self._before(record, complete_only=True)

    def _before(self, record: AuditRecord, *, complete_only: bool) -> AuditRecord | None:
        query = select(audits).where(audits.c.scope == record.scope, audits.c.id < record.id)
        if complete_only:
            query = query.where(audits.c.complete.is_not(False))
        with self._connect() as conn:
            row = conn.execute(query.order_by(audits.c.id.desc()).limit(1)).first()
        return _record(row._mapping) if row is not None else None


def _record(row: Any) -> AuditRecord:
    index = json.loads(row["evidence_json"])
    return AuditRecord(
        id=row["id"],
        recorded_at=datetime.fromisoformat(row["recorded_at"]),
        scope=row["scope"],
        bundle_sha256=row["bundle_sha256"],
        results=Results.model_validate_json(row["results_json"]),
        evidence=[EvidenceEntry.model_validate(e) for e in index] if index is not None else None,
        complete=row["complete"],
        incomplete=json.loads(row["incomplete_json"] or "[]"),
        bundle_path=row["bundle_path"],
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
