"""What could not be read from Jenkins: every listed item that failed becomes a gap naming it and the call.

Gaps are scoped so that signals over jobs turn unknown rather than count a population with holes:
``jobs`` (a folder's children could not be listed), ``jobs.config`` (config.xml, stage view) and
``jobs.builds`` (builds, test reports). A refused call names the Jenkins permission that is missing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from assay.collectors.base import CollectContext
from assay.evidence import Evidence, UnknownReason

_STATUS = re.compile(r"\[(\d{3})\]")
# Gaps per scope that name their item; past this, one more gap counts the rest (bundles stay bounded).
NAMED_GAPS = 20

PERMISSION = {
    "config.xml": "Job/ExtendedRead",
    "wfapi/describe": "Job/Read",
    "api/json?tree=builds": "Job/Read",
    "api/json (build)": "Job/Read",
    "testReport/api/json": "Job/Read",
    "api/json?tree=jobs": "Job/Read on the folder",
}


@dataclass(frozen=True)
class Failure:
    scope: str
    item: str
    call: str  # the request, e.g. "config.xml" or "api/json?tree=builds"
    reason: UnknownReason
    detail: str
    status: int | None = None


class Failures:
    """Thread-safe record of failed reads, turned into gap evidence at the end of the run."""

    def __init__(self) -> None:
        self.items: list[Failure] = []
        self._lock = threading.Lock()

    def add(self, scope: str, item: str, call: str, exc: BaseException) -> None:
        failure = Failure(scope, item, call, failure_reason(exc), short_message(exc), http_status(exc))
        with self._lock:
            self.items.append(failure)

    def failed_items(self) -> set[str]:
        return {f.item for f in self.items}

    def gaps(self, ctx: CollectContext, url: str) -> Iterator[Evidence]:
        by_scope: dict[str, list[Failure]] = {}
        for f in sorted(self.items, key=lambda f: (f.scope, f.item, f.call)):
            by_scope.setdefault(f.scope, []).append(f)
        for scope, failures in by_scope.items():
            for f in failures[:NAMED_GAPS]:
                yield ctx.gap(scope, f"job/{f.item}/{f.call}", f.reason, _message(url, f))
            rest = failures[NAMED_GAPS:]
            if rest:
                reason = rest[0].reason
                yield ctx.gap(
                    scope,
                    f"job/<name>/{rest[0].call}",
                    reason,
                    f"Jenkins at {url}: {len(rest)} more items could not be read "
                    f"(e.g. {rest[0].item}: {rest[0].call}: {rest[0].detail})",
                )


def _message(url: str, f: Failure) -> str:
    if f.reason is UnknownReason.DENIED:
        need = PERMISSION.get(f.call, "Job/Read")
        return f"Jenkins at {url} denied {f.call} of {f.item} ({f.detail}); the user needs {need}"
    if f.status == 404:
        return (
            f"Jenkins at {url} listed {f.item} but answered 404 to {f.call} "
            "(renamed or deleted while the audit ran?)"
        )
    return f"Jenkins at {url}: reading {f.call} of {f.item} failed ({f.detail})"


def http_status(exc: BaseException) -> int | None:
    """The HTTP status behind a python-jenkins or requests error, if one can be told."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if type(seen).__name__ == "NotFoundException":
            return 404
        code = getattr(getattr(seen, "response", None), "status_code", None)
        if isinstance(code, int):
            return code
        if m := _STATUS.search(str(seen)):
            return int(m.group(1))
        seen = seen.__cause__ or seen.__context__
    return None


def failure_reason(exc: BaseException) -> UnknownReason:
    """DENIED for HTTP 401/403, ERROR otherwise."""
    return UnknownReason.DENIED if http_status(exc) in (401, 403) else UnknownReason.ERROR


def is_missing(exc: BaseException) -> bool:
    return http_status(exc) == 404


def short_message(exc: BaseException, limit: int = 240) -> str:
    """The first line of an exception, with its HTTP status when the text does not say it."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    status = http_status(exc)
    if status is not None and f"[{status}]" not in text:
        text = f"HTTP {status}: {text}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
