"""Run the configured collectors concurrently, isolate their failures, and seal what they saw into a bundle.

A collector that raises, times out or is refused never stops the others: it is marked failed or partial,
whatever evidence it yielded before the failure is kept, and its signals become unknown with the reason.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from assay import __version__
from assay.collectors import accounting
from assay.collectors.base import (
    CollectContext,
    CollectorRegistry,
    SourceConfig,
    SourceUnavailable,
    current_source,
)
from assay.collectors.derive import GAP_SUFFIX, EvidenceView
from assay.evidence import Bundle, CollectorError, CollectorRun, Evidence, Signal, UnknownReason, utc_now
from assay.scale.merge import NOT_IN_SHARD
from assay.scale.shard import Shard

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, str], None]


@dataclass
class _Job:
    name: str
    config: SourceConfig
    ctx: CollectContext
    timeout: float
    evidence: list[Evidence] = field(default_factory=list)
    failure: CollectorError | None = None
    done: threading.Event = field(default_factory=threading.Event)
    started: float = 0.0
    finished: float | None = None
    requests_before: int = 0


def collect_bundle(
    sections: Mapping[str, SourceConfig | None],
    registry: CollectorRegistry,
    *,
    scope: str = "",
    config_digest: str = "",
    default_timeout: float = 300.0,
    on_progress: ProgressFn | None = None,
    not_configured: Mapping[str, str] | None = None,
    now: datetime | None = None,
    shard: Shard | None = None,
) -> Bundle:
    """Collect from every configured source and return a sealed bundle with evidence and signals.

    ``sections`` maps source name to its validated config section (None = not configured). Every
    installed collector appears in the bundle, so a source that was not configured is visible as such.
    ``not_configured`` may carry a reason per source (e.g. a missing secret) shown in its run.
    ``now`` is the instant windows are measured from (default: the start of collection); replaying a
    recording sets it to when the recording was made.
    ``shard`` collects one part of the estate (see assay.scale): such a bundle carries no signals, since
    population signals are derived after `assay merge`, from every shard's evidence.
    """
    accounting.install()
    started_at = utc_now()
    jobs: list[_Job] = []
    runs: dict[str, CollectorRun] = {}
    for name in registry.names():
        section = sections.get(name)
        reason = (not_configured or {}).get(name)
        if section is None or not section.enabled or reason:
            msg = reason or (
                f"{name} is disabled in the audit config"
                if section is not None
                else f"{name} is not configured (add a collectors.{name} section)"
            )
            runs[name] = CollectorRun(
                name=name,
                status="not_configured",
                errors=[CollectorError(endpoint="config", reason=UnknownReason.NOT_CONFIGURED, message=msg)],
            )
            continue
        if shard is not None and not shard.leads and registry.get(name).sharding != "partitioned":
            # A source read whole is read by shard 1 alone; this part records that it left it there.
            runs[name] = CollectorRun(name=name, status="ok", details={"shard": NOT_IN_SHARD})
            continue
        ctx = CollectContext(name, scope=scope, now=now or started_at, on_progress=on_progress, shard=shard)
        jobs.append(_Job(name, section, ctx, section.timeout_seconds or default_timeout))

    for job in jobs:
        _start(job, registry)
    _wait(jobs)

    evidence: list[Evidence] = []
    for job in jobs:
        with job.ctx._lock:
            collected = list(job.evidence)
        evidence.extend(collected)
        runs[job.name] = _run_record(job, collected, started_at)
        if on_progress:
            on_progress(job.name, f"status: {runs[job.name].status}")

    signals = [] if shard is not None else derive_signals(registry, evidence, runs)
    bundle = Bundle(
        tool_version=__version__,
        scope=scope,
        created_at=started_at,
        config_digest=config_digest,
        collectors=list(runs.values()),
        evidence=_dedupe(evidence),
        signals=signals,
        shard=shard,
    )
    return bundle.seal()


def derive_signals(
    registry: CollectorRegistry, evidence: list[Evidence], runs: Mapping[str, CollectorRun]
) -> list[Signal]:
    """Derive every installed collector's signals, then the cross-source ones, from the evidence (pure)."""
    view = EvidenceView(evidence, runs)
    signals: list[Signal] = []
    for signal_set in registry.signal_sets():
        signals.extend(signal_set.derive(view))
    return signals


def _start(job: _Job, registry: CollectorRegistry) -> None:
    collector = registry.get(job.name)()

    def work() -> None:
        current_source.set(job.name)
        job.started = time.monotonic()
        try:
            for ev in collector.collect(job.config, job.ctx):
                with job.ctx._lock:
                    job.evidence.append(ev)
                    count = len(job.evidence)
                if count % 25 == 0:
                    job.ctx.progress(f"{count} evidence")
        except SourceUnavailable as exc:
            job.failure = CollectorError(
                endpoint="source", reason=exc.reason, message=job.ctx.redact(exc.message)
            )
        except Exception as exc:
            log.debug("collector %s failed", job.name, exc_info=True)
            message = job.ctx.redact(f"{type(exc).__name__}: {exc}")
            job.failure = CollectorError(endpoint="source", reason=UnknownReason.ERROR, message=message)
        finally:
            job.finished = time.monotonic()
            job.done.set()
            job.ctx.progress(f"done: {len(job.evidence)} evidence in {job.finished - job.started:.1f} s")

    # Daemon threads: a collector stuck in a socket read past its timeout is abandoned, not joined.
    job.requests_before = accounting.requests_made(job.name)
    ctx = contextvars.copy_context()
    thread = threading.Thread(target=ctx.run, args=(work,), name=f"assay-{job.name}", daemon=True)
    job.started = time.monotonic()
    thread.start()


def _wait(jobs: list[_Job]) -> None:
    for job in jobs:
        remaining = job.timeout - (time.monotonic() - job.started)
        if not job.done.wait(max(remaining, 0)):
            job.failure = CollectorError(
                endpoint="source",
                reason=UnknownReason.ERROR,
                message=f"timed out after {job.timeout:g} s (raise collectors.{job.name}.timeout_seconds)",
            )


def nothing_read(collected: list[Evidence], errors: list[CollectorError]) -> CollectorError | None:
    """The run-level failure of a source that saw nothing but gaps: every read it tried was refused or
    failed, so the source is ``failed`` (denied when every refusal was a denial), not ``partial``."""
    if not errors or any(not e.kind.endswith(GAP_SUFFIX) for e in collected):
        return None
    denied = all(e.reason is UnknownReason.DENIED for e in errors)
    first = next((e for e in errors if denied or e.reason is not UnknownReason.DENIED), errors[0])
    return CollectorError(
        endpoint="source",
        reason=UnknownReason.DENIED if denied else first.reason,
        message=f"nothing could be read ({len(errors)} of its reads failed); first: {first.endpoint}: "
        f"{first.message}",
    )


def _run_record(job: _Job, collected: list[Evidence], started_at: datetime) -> CollectorRun:
    errors = list(job.ctx.errors)
    if job.failure is None and (empty := nothing_read(collected, errors)) is not None:
        job.failure = empty
        errors.insert(0, empty)  # first: the reason every signal of the source gives
        status = "failed"
    elif job.failure is not None:
        errors.append(job.failure)
        status = "failed"
    elif errors:
        status = "partial"
    else:
        status = "ok"
    end = job.finished if job.finished is not None else time.monotonic()
    return CollectorRun(
        name=job.name,
        status=status,
        started_at=started_at,
        duration_s=round(end - job.started, 3),
        api_calls=dict(sorted(job.ctx.api_calls.items())),
        http_requests=accounting.requests_made(job.name) - job.requests_before,
        evidence_count=len(collected),
        errors=errors,
        details=dict(job.ctx.details),
    )


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    seen: dict[str, Evidence] = {}
    for ev in evidence:
        seen.setdefault(ev.id, ev)
    return list(seen.values())
