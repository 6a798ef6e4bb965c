"""The collector protocol, the context a collector runs in, and the registry of installed collectors.

Collectors are discovered through the entry-point group ``assay.collectors``, so a third-party package
can add a source by declaring one entry point to a :class:`Collector` subclass.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import cache
from importlib.metadata import entry_points
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from assay.collectors.derive import GAP_SUFFIX, EvidenceView, SignalSet
from assay.evidence import CollectorError, Evidence, Signal, SignalSpec, UnknownReason, utc_now
from assay.scale.shard import Shard

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "assay.collectors"

T = TypeVar("T")
R = TypeVar("R")


class SourceConfig(BaseModel):
    """Base of every collector's config section. Unknown keys are errors, never silently ignored."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Set false to keep the section but skip the source.")
    timeout_seconds: float | None = Field(
        None, gt=0, description="Abandon this source after this many seconds (default: the audit's)."
    )


class SourceUnavailable(Exception):
    """The whole source cannot be read: unreachable, credentials missing or refused."""

    def __init__(self, reason: UnknownReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


# The source whose collector the current thread works for: read by the HTTP request counter.
current_source: contextvars.ContextVar[str | None] = contextvars.ContextVar("assay_source", default=None)


class CollectContext:
    """What a collector gets from the runner: evidence builders, call accounting, secrets, progress."""

    def __init__(
        self,
        source: str,
        *,
        scope: str = "",
        now: datetime | None = None,
        on_progress: Callable[[str, str], None] | None = None,
        shard: Shard | None = None,
    ) -> None:
        self.source = source
        self.shard = shard
        self.scope = scope
        self.now = now or utc_now()
        self.api_calls: Counter[str] = Counter()
        self.errors: list[CollectorError] = []
        self.details: dict[str, Any] = {}
        self._secrets: list[str] = []
        self._lock = threading.Lock()
        self._on_progress = on_progress

    @property
    def leads(self) -> bool:
        """Whether this collection reads what a source has once (always, unless sharded beyond shard 1)."""
        return self.shard is None or self.shard.leads

    def owns(self, key: str) -> bool:
        """Whether this collection reads the target named ``key`` (always, unless another shard owns it)."""
        return self.shard is None or self.shard.owns(key)

    def evidence(self, kind: str, subject: str, endpoint: str, data: dict[str, Any]) -> Evidence:
        """Build one piece of evidence observed now, from this source."""
        if not kind.startswith(self.source + "."):
            raise ValueError(f"evidence kind {kind!r} must start with {self.source + '.'!r}")
        return Evidence.make(
            source=self.source,
            kind=kind,
            subject=subject,
            endpoint=endpoint,
            observed_at=utc_now(),
            data=data,
        )

    def gap(self, scope: str, endpoint: str, reason: UnknownReason, message: str) -> Evidence:
        """Record that part of the source could not be read; signals depending on ``scope`` become unknown."""
        message = self.redact(message)
        with self._lock:
            self.errors.append(CollectorError(endpoint=endpoint, reason=reason, message=message))
        return Evidence.make(
            source=self.source,
            kind=self.source + GAP_SUFFIX,
            subject=scope,
            endpoint=endpoint,
            observed_at=utc_now(),
            data={"reason": reason.value, "message": message},
        )

    def count_call(self, endpoint: str, n: int = 1) -> None:
        """Count one logical API call (an SDK method), by endpoint name."""
        with self._lock:
            self.api_calls[endpoint] += n

    def call(self, endpoint: str, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Call an SDK method and count it under ``endpoint``."""
        self.count_call(endpoint)
        return fn(*args, **kwargs)

    def secret(self, env_name: str, *, field: str) -> str:
        """Read a secret from the environment; it is remembered only to be redacted from messages."""
        value = os.environ.get(env_name)
        if not value:
            raise SourceUnavailable(
                UnknownReason.NOT_CONFIGURED,
                f"environment variable {env_name} (named by collectors.{self.source}.{field}) is not set",
            )
        self._secrets.append(value)
        return value

    def redact(self, text: str) -> str:
        for value in self._secrets:
            if value:
                text = text.replace(value, "***")
        return text

    def progress(self, message: str) -> None:
        if self._on_progress:
            self._on_progress(self.source, message)

    def map(self, fn: Callable[[T], R], items: Iterable[T], max_workers: int = 8) -> list[R]:
        """Run ``fn`` over items concurrently, keeping request accounting with this source."""
        items = list(items)
        if len(items) <= 1 or max_workers <= 1:
            return [fn(i) for i in items]
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"assay-{self.source}") as pool:
            futures = [pool.submit(contextvars.copy_context().run, fn, i) for i in items]
            return [f.result() for f in futures]


class Collector(ABC):
    """A source of evidence. Subclasses declare their config model and signals, and fetch evidence."""

    name: ClassVar[str]
    title: ClassVar[str]
    config_model: ClassVar[type[SourceConfig]]
    signals: ClassVar[SignalSet]
    # "partitioned": under `--shard K/N` the collector reads only the targets ``ctx.owns`` and leaves what
    # the source has once to ``ctx.leads``; "whole": shard 1 reads the source entirely, the others skip it.
    sharding: ClassVar[str] = "whole"

    @abstractmethod
    def collect(self, config: Any, ctx: CollectContext) -> Iterator[Evidence]:
        """Fetch evidence from the source, yielding each piece as soon as it is observed."""

    def derive(self, view: EvidenceView) -> list[Signal]:
        """Derive this source's signals from a bundle's evidence (pure)."""
        return self.signals.derive(view)

    @classmethod
    def permissions(cls) -> str:
        """The least access this collector needs, as text for `assay permissions` (override per source)."""
        return f"{cls.title}: read-only access to the APIs it lists; no write permission is ever used.\n"


class CollectorRegistry:
    """The installed collectors, by source name, and the signal catalog they declare."""

    def __init__(self, collectors: dict[str, type[Collector]], load_errors: dict[str, str] | None = None):
        self.collectors = dict(sorted(collectors.items()))
        self.load_errors = load_errors or {}

    def names(self) -> list[str]:
        return list(self.collectors)

    def get(self, name: str) -> type[Collector]:
        return self.collectors[name]

    def signal_sets(self) -> list[SignalSet]:
        """Each installed collector's signal set, then the cross-source signals that read any of them."""
        from assay.crosssource import signals as cross_source  # here: it imports this package's modules

        return [*(cls.signals for cls in self.collectors.values()), cross_source.reading(self.collectors)]

    def catalog(self) -> dict[str, SignalSpec]:
        specs: dict[str, SignalSpec] = {}
        for signal_set in self.signal_sets():
            for spec in signal_set.specs:
                specs[spec.name] = spec
        return dict(sorted(specs.items()))

    def config_models(self) -> dict[str, type[SourceConfig]]:
        return {name: cls.config_model for name, cls in self.collectors.items()}


@cache
def installed_collectors() -> CollectorRegistry:
    """Load every collector registered under the ``assay.collectors`` entry-point group.

    A plugin that fails to import is reported, not fatal: one broken source must not stop an audit.
    """
    found: dict[str, type[Collector]] = {}
    errors: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = ep.load()
        except Exception as exc:
            errors[ep.name] = f"{type(exc).__name__}: {exc}"
            log.warning("collector %s could not be loaded: %s", ep.name, exc)
            continue
        if not (isinstance(cls, type) and issubclass(cls, Collector)):
            errors[ep.name] = f"{ep.value} is not an assay Collector"
            continue
        if cls.name != ep.name:
            errors[ep.name] = f"entry point {ep.name} loads collector named {cls.name}"
            continue
        found[ep.name] = cls
    return CollectorRegistry(found, errors)
