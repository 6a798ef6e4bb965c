"""Counting every HTTP request a collector makes, without touching any SDK.

All the SDKs assay uses (boto3, requests-based clients, azure-core) end in ``http.client``, which raises
the ``http.client.send`` audit event for every write to a connection. We count the writes that start an
HTTP request line, attributed to the collector whose thread made them (a context variable set by the
runner and carried into worker threads by ``CollectContext.map``).
"""

from __future__ import annotations

import re
import sys
import threading
from collections import Counter

from assay.collectors.base import current_source

_REQUEST_LINE = re.compile(rb"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ HTTP/1\.[01]\r\n")

_lock = threading.Lock()
_counts: Counter[str] = Counter()
_installed = False


def _hook(event: str, args: tuple[object, ...]) -> None:
    if event != "http.client.send":
        return
    source = current_source.get()
    if source is None:
        return
    data = args[1] if len(args) > 1 else None
    if isinstance(data, (bytes, bytearray, memoryview)) and _REQUEST_LINE.match(bytes(data[:8192])):
        with _lock:
            _counts[source] += 1


def install() -> None:
    """Install the audit hook once per process; audit hooks cannot be removed, so this is idempotent."""
    global _installed
    with _lock:
        if _installed:
            return
        sys.addaudithook(_hook)
        _installed = True


def requests_made(source: str) -> int:
    with _lock:
        return _counts[source]
