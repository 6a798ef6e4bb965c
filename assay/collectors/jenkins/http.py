"""Retries for python-jenkins' requests session: 429/502/503/504 are tried again, honouring Retry-After.

python-jenkins mounts its own retrying adapter on the prefix ``http``, which requests never picks: the
default ``http://`` and ``https://`` adapters are longer prefixes and win, so no status was ever retried.
The collector mounts this adapter on both schemes of the session python-jenkins exposes (``_session``).
A wait longer than ``max_wait`` seconds, or one that would end after the source's deadline, is not waited
for: the 429/503 answer itself is returned and reported as a gap, instead of a source that hangs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({429, 502, 503, 504})


class _BoundedRetry(Retry):
    """urllib3's Retry, refusing waits past a per-wait cap or the source's deadline."""

    max_wait: float = 60.0
    deadline: float = math.inf  # time.monotonic() after which no wait may end
    notify: Callable[[str], None] | None = None  # told of every wait, for progress lines

    def increment(
        self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any
    ) -> Retry:
        new = super().increment(method, url, *args, **kwargs)
        response = kwargs.get("response")
        wait = new.get_retry_after(response) if response is not None else None
        if wait is None:
            wait = new.get_backoff_time()
        if wait > self.max_wait or time.monotonic() + wait > self.deadline:
            reason = ResponseError(
                f"HTTP {response.status if response else '?'}: retry in {wait:g} s is too late"
            )
            raise MaxRetryError(kwargs.get("_pool"), url or "", reason)
        if self.notify is not None:
            what = f"HTTP {response.status}" if response is not None else "connection error"
            why = " (Retry-After)" if response is not None and response.headers.get("Retry-After") else ""
            self.notify(f"{what} on {urlsplit(url or '').path}: retrying in {wait:g} s{why}")
        return new


def retrying_adapter(
    retries: int,
    max_wait: float,
    deadline: float = math.inf,
    notify: Callable[[str], None] | None = None,
) -> HTTPAdapter:
    """An adapter retrying connection errors and 429/502/503/504 up to ``retries`` times (GET only)."""
    limits = {"max_wait": max_wait, "deadline": deadline, "notify": staticmethod(notify) if notify else None}
    bounded = type("JenkinsRetry", (_BoundedRetry,), limits)
    retry = bounded(
        total=retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        backoff_factor=0.5,
        backoff_max=max_wait,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer is returned as it is; python-jenkins raises on it
    )
    return HTTPAdapter(max_retries=retry)


def mount_retries(
    session: Any,
    retries: int,
    max_wait: float,
    deadline: float = math.inf,
    notify: Callable[[str], None] | None = None,
) -> None:
    """Replace the session's http:// and https:// adapters with the retrying one."""
    adapter = retrying_adapter(retries, max_wait, deadline, notify)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
