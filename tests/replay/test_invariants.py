"""One invariant, over every collector, each driving its real client library against a loopback server
that serves the source's recordings and answers chosen requests with a failure:

- an item that was seen but could not be read is a ``<source>.gap`` naming the item and the call;
- a source from which nothing could be read is ``failed``;
- 401 and 403 are ``denied``, and the message names the missing permission;
- 429 and 503 with ``Retry-After`` are retried within the source's timeout.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.evidence import Bundle
from tests.replay.replaying import gaps, run_of
from tests.replay.sources import SOURCES, Fault, Source

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def environment() -> Iterator[None]:
    """The sources set their credentials' environment variables; put the environment back after each."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def every(status: int, headers: dict[str, str] | None = None) -> Fault:
    return lambda method, path: (status, headers or {})


def first_time(status: int) -> tuple[Fault, list[str]]:
    """Refuse the first request to each path once with ``status`` and ``Retry-After: 1``."""
    seen: set[str] = set()
    faulted: list[str] = []
    lock = threading.Lock()

    def fault(method: str, path: str) -> tuple[int, dict[str, str]] | None:
        with lock:
            if path in seen:
                return None
            seen.add(path)
            faulted.append(path)
        return status, {"Retry-After": "1"}

    return fault, faulted


def errors(bundle: Bundle, source: str) -> list[str]:
    """The run's errors, without the loopback port (two servers, two ports)."""
    found = [f"{e.reason.value}: {e.endpoint}: {e.message}" for e in run_of(bundle, source).errors]
    return [re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text) for text in found]


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_an_unreadable_item_is_a_gap_naming_item_and_call(source: Source, tmp_path: Path) -> None:
    case = source.item(tmp_path)
    found = gaps(case.bundle, source.name)
    naming = [g for g in found if case.item in g["message"] and case.call in g["endpoint"]]
    assert naming, found
    assert run_of(case.bundle, source.name).status == "partial"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_nothing_readable_is_failed(source: Source, tmp_path: Path) -> None:
    bundle = source.collect(every(500), tmp_path)
    assert run_of(bundle, source.name).status == "failed", errors(bundle, source.name)


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_refused_is_denied_naming_the_permission(source: Source, status: int, tmp_path: Path) -> None:
    bundle = source.collect(every(status), tmp_path)
    result = run_of(bundle, source.name)
    assert result.status == "failed", errors(bundle, source.name)
    first = result.errors[0]
    assert first.reason.value == "denied", errors(bundle, source.name)
    assert any(word in first.message for word in source.permission_words), first.message


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_retry_after_is_retried(source: Source, status: int, tmp_path: Path) -> None:
    baseline = source.collect(None, tmp_path / "baseline")
    fault, faulted = first_time(status)
    bundle = source.collect(fault, tmp_path / "faulted")
    assert faulted, "the fault never fired"
    assert run_of(bundle, source.name).status == run_of(baseline, source.name).status, errors(
        bundle, source.name
    )
    assert sorted(errors(bundle, source.name)) == sorted(errors(baseline, source.name))
