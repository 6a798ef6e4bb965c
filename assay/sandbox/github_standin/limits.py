"""Rate-limit windows, token grants and injected faults: the stand-in's misbehaviour, on purpose.

GitHub meters REST requests ("core") and GraphQL points ("graphql") separately per token, each in a window
that resets at an epoch second it announces in ``x-ratelimit-reset``. Tests shrink the windows and inject
5xx bursts and secondary limits so the collector's waits and retries run for real, through PyGithub.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass, field


@dataclass
class RateWindow:
    """One resource's budget for one token: ``limit`` per ``seconds``, refilled when the window ends."""

    limit: int = 5000
    seconds: float = 3600.0
    used: int = 0
    reset_epoch: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _roll(self, now: float) -> None:
        if now >= self.reset_epoch:
            self.used = 0
            self.reset_epoch = math.ceil(now + self.seconds)

    def charge(self, amount: int) -> bool:
        """Spend ``amount`` if the window has it; False (spending nothing) when it would go negative."""
        with self._lock:
            self._roll(time.time())
            if self.used + amount > self.limit:
                return False
            self.used += amount
            return True

    def snapshot(self) -> tuple[int, int, int, int]:
        """(limit, remaining, used, reset epoch) as the response headers state them."""
        with self._lock:
            self._roll(time.time())
            return self.limit, max(self.limit - self.used, 0), self.used, self.reset_epoch


@dataclass
class Grant:
    """What a token may do. Classic tokens carry OAuth scopes; fine-grained and app tokens permissions."""

    kind: str = "classic"  # classic | fine_grained | app
    scopes: frozenset[str] = frozenset({"repo", "read:org", "security_events", "read:project"})
    permissions: dict[str, str] = field(default_factory=dict)
    core: RateWindow = field(default_factory=RateWindow)
    graphql: RateWindow = field(default_factory=RateWindow)

    def allows(self, scope: str, permission: str) -> bool:
        """Classic tokens need ``scope``; the others need the ``name=read`` ``permission``."""
        if self.kind == "classic":
            return scope in self.scopes
        name, _, level = permission.partition("=")
        return self.permissions.get(name) in (level, "write", "admin")


FULL_PERMISSIONS = {
    "metadata": "read",
    "contents": "read",
    "pull_requests": "read",
    "issues": "read",
    "checks": "read",
    "statuses": "read",
    "deployments": "read",
    "environments": "read",
    "actions": "read",
    "administration": "read",
    "members": "read",
    "organization_projects": "read",
    "vulnerability_alerts": "read",
    "security_events": "read",
    "secret_scanning_alerts": "read",
}


@dataclass
class Fault:
    """Answer the next ``times`` requests whose path matches ``path`` with ``status`` (and headers)."""

    path: str
    status: int
    times: int = 1
    retry_after: int | None = None
    message: str = "Server Error"
    secondary: bool = False

    def matches(self, path: str) -> bool:
        return re.search(self.path, path) is not None


class Faults:
    """A thread-safe queue of injected faults, consumed as matching requests arrive."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(path):
                    fault.times -= 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
