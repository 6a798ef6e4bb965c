"""azure-core's RetryPolicy, bounded by the source's deadline.

azure-core already retries 408/429/500/502/503/504 (and any answer carrying ``Retry-After``), sleeping for
the ``Retry-After`` the server asked for. Left alone it would sleep an hour if asked to; here a retry whose
wait would end past the source's deadline is not attempted, so the answer (a 429 or 503) is raised and
becomes a gap while the source still has time to report it.
"""

from __future__ import annotations

import time
from typing import Any

from azure.core.pipeline.policies import RetryPolicy


class BoundedRetryPolicy(RetryPolicy):
    """Retries as azure-core does, unless the wait would run past ``deadline`` (a time.monotonic())."""

    def __init__(self, *, deadline: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deadline = deadline

    def increment(self, settings: dict[str, Any], response: Any = None, error: Any = None) -> bool:
        if not super().increment(settings, response=response, error=error):
            return False
        wait = None
        if response is not None and hasattr(response, "http_response"):
            wait = self.get_retry_after(response)
        if wait is None:
            wait = self.get_backoff_time(settings)
        return time.monotonic() + wait < self.deadline


def bounded_retry_policy(max_retries: int, deadline: float) -> BoundedRetryPolicy:
    remaining = max(deadline - time.monotonic(), 0.0)
    return BoundedRetryPolicy(
        deadline=deadline,
        retry_total=max_retries,
        retry_backoff_factor=0.5,
        retry_backoff_max=30,
        timeout=max(int(remaining), 1),
    )
