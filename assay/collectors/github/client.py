"""PyGithub, driven carefully: authentication, rate limits, bounded retries, REST paging and GraphQL.

PyGithub's own urllib3 retry is switched off (``retry=None``) so that every wait is visible: this client
reads GitHub's ``x-ratelimit-*`` headers (and GraphQL's ``rateLimit`` answer), waits for the reset or for
``Retry-After`` with a progress message, retries 5xx answers a bounded number of times with exponential
back-off, and keeps the figures the bundle records. REST and GraphQL both go through PyGithub's
``Requester.requestJsonAndCheck`` (its ``graphql_query`` raises on any error, but GitHub returns partial
data with per-field errors that assay must keep).

Every request of a collection, whichever thread sends it, takes one of ``concurrency`` slots (``Slots``),
so the limit holds however many reads run at once. A read that sends several requests one after another
(a paging chain) holds its slot for all of them (``lane``): a freed slot would otherwise go to another
waiting request during the chain's few milliseconds between pages, and every page would wait a round.
"""

from __future__ import annotations

import heapq
import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from assay.collectors.base import CollectContext, SourceUnavailable
from assay.collectors.github.config import GithubConfig
from assay.evidence import UnknownReason

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
SECONDARY_WAIT = 60.0
MAX_WAITS_PER_CALL = 5
RESET_SLACK = 0.5  # GitHub's reset is a whole epoch second; the window refills at that instant
# Who gets a freed slot first: the reads the others wait on (repository pages: workflow batches follow
# them), then the organisation-wide reads, then workflow batches (leaves: nothing waits on them).
PAGES, ORG_READS, WORKFLOWS = 0, 1, 2


class RateLimitExhausted(Exception):
    """The wait for a rate limit would exceed ``max_rate_limit_wait_seconds``."""


@dataclass
class Window:
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    lowest: int | None = None


@dataclass
class Stats:
    graphql_queries: int = 0
    graphql_points: int = 0
    rest_requests: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0
    windows: dict[str, Window] = field(default_factory=lambda: {"core": Window(), "graphql": Window()})


class Slots:
    """At most ``size`` requests in flight; a freed slot goes to the most urgent waiter, then the earliest."""

    def __init__(self, size: int) -> None:
        self.free = size
        self.waiting: list[tuple[int, int]] = []
        self.tickets = itertools.count()
        self.cond = threading.Condition()

    def acquire(self, priority: int) -> None:
        with self.cond:
            ticket = (priority, next(self.tickets))
            heapq.heappush(self.waiting, ticket)
            while not (self.free and self.waiting[0] == ticket):
                self.cond.wait()
            heapq.heappop(self.waiting)
            self.free -= 1
            self.cond.notify_all()  # another slot may be free for the next waiter

    def release(self) -> None:
        with self.cond:
            self.free += 1
            self.cond.notify_all()


@dataclass
class GraphQLAnswer:
    data: dict[str, Any]
    errors: list[dict[str, Any]]
    cost: int = 0


class GithubClient:
    """One authenticated connection to GitHub (or GHES) with rate-limit and retry discipline."""

    def __init__(self, config: GithubConfig, ctx: CollectContext) -> None:
        from github import Auth, Github  # imported here: `assay --help` must not pay for PyGithub

        self.config = config
        self.ctx = ctx
        self.stats = Stats()
        self._lock = threading.Lock()
        self.slots = Slots(config.concurrency)
        self._lane = threading.local()  # per thread: a thread pool's copied context must not inherit it
        auth: Any
        if config.uses_app:
            key = ctx.secret(config.private_key_env or "", field="private_key_env")
            app = Auth.AppAuth(config.app_id, key)
            auth = app.get_installation_auth(int(config.installation_id or 0))
        else:
            auth = Auth.Token(ctx.secret(config.token_env or "", field="token_env"))
        self.gh = Github(
            auth=auth,
            base_url=config.base_url.rstrip("/"),
            timeout=config.request_timeout,
            per_page=100,
            retry=None,
            pool_size=2,
            verify=config.verify,
            # PyGithub spaces POSTs 1 s apart as if they were writes (assay's POSTs are GraphQL queries),
            # and per requester: ``request_interval_seconds`` is kept by ``_space``, across threads.
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        # A slot comes with a PyGithub requester of its own: PyGithub keeps a request's verb, URL and body
        # on the requester's one connection object between sending it and reading the answer, so threads
        # sharing a requester can read each other's answers (PyGithub pull request #2052, not merged).
        # With one per slot, no two requests share one, and there are ``concurrency`` connections to
        # keep alive (TLS handshakes), not one per thread.
        self._idle: list[Any] = [self.gh.requester]
        self._requesters: list[Any] = [self.gh.requester]
        self._next_send = 0.0

    def close(self) -> None:
        for requester in self._requesters[1:]:
            requester.close()
        self.gh.close()

    @contextmanager
    def lane(self, priority: int) -> Iterator[None]:
        """Hold one request slot (and its requester) for every request this thread sends inside the
        block: a paging chain.

        Nothing inside may wait for another read's requests: that read could need this very slot.
        """
        if getattr(self._lane, "requester", None) is not None:
            yield
            return
        self.slots.acquire(priority)
        self._lane.requester = self._take_requester()
        try:
            yield
        finally:
            requester, self._lane.requester = self._lane.requester, None
            with self._lock:
                self._idle.append(requester)
            self.slots.release()

    def _take_requester(self) -> Any:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            requester = self.gh.requester.withAuth(self.gh.requester.auth)
            self._requesters.append(requester)
            return requester

    # -- public calls ----------------------------------------------------------------------------------

    def graphql(self, query: str, variables: dict[str, Any], endpoint: str, expect: int = 1) -> GraphQLAnswer:
        """Run a query; return its data and per-field errors. Waits out RATE_LIMITED answers."""
        for _ in range(MAX_WAITS_PER_CALL + 1):
            headers, body = self.request(
                "POST",
                self.gh.requester.graphql_url,
                body={"query": query, "variables": variables},
                endpoint=endpoint,
                resource="graphql",
                need=expect,
            )
            body = body if isinstance(body, dict) else {}
            errors = list(body.get("errors") or [])
            if any(e.get("type") == "RATE_LIMITED" for e in errors):
                self._sleep(self._until_reset(headers), "graphql", "GraphQL points exhausted")
                continue
            data = body.get("data") or {}
            rate = data.get("rateLimit") or {}
            cost = int(rate.get("cost") or 0)
            with self._lock:
                self.stats.graphql_queries += 1
                self.stats.graphql_points += cost
                if rate.get("remaining") is not None:
                    self._note(
                        "graphql", rate.get("limit"), rate.get("remaining"), _epoch(rate.get("resetAt"))
                    )
            return GraphQLAnswer(data, errors, cost)
        raise RateLimitExhausted(f"{endpoint}: still rate limited after {MAX_WAITS_PER_CALL} waits")

    def rest_pages(
        self,
        path: str,
        params: dict[str, Any],
        endpoint: str,
        stop: Callable[[list[Any]], bool] | None = None,
    ) -> Iterator[list[Any]]:
        """Yield each page of a list endpoint, following ``Link: rel="next"``; ``stop(page)`` ends early."""
        url: str | None = path
        query: dict[str, Any] | None = {**params, "per_page": 100}
        while url:
            headers, data = self.request("GET", url, params=query, endpoint=endpoint, resource="core")
            page = data if isinstance(data, list) else []
            yield page
            if stop is not None and stop(page):
                return
            match = _NEXT.search(headers.get("link") or "")
            url, query = (match.group(1), None) if match else (None, None)

    def request(
        self,
        verb: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        endpoint: str,
        resource: str,
        need: int = 1,
    ) -> tuple[dict[str, Any], Any]:
        """One logical call: wait for budget, send, wait out rate limits, retry 5xx and lost connections.

        Outside a ``lane`` the call takes a request slot of its own, for its retries and waits too.
        """
        with self.lane(ORG_READS):
            return self._request(verb, url, params, body, endpoint, resource, need)

    def _request(
        self,
        verb: str,
        url: str,
        params: dict[str, Any] | None,
        body: Any,
        endpoint: str,
        resource: str,
        need: int,
    ) -> tuple[dict[str, Any], Any]:
        from github.GithubException import BadCredentialsException, GithubException
        from requests.exceptions import ConnectionError as RequestsConnectionError
        from requests.exceptions import Timeout

        attempt = 0
        waits = 0
        while True:
            self._await_budget(resource, need)
            self._space()
            try:
                headers, data = self.ctx.call(
                    endpoint, self._lane.requester.requestJsonAndCheck, verb, url, params, None, body
                )
            except BadCredentialsException:
                raise SourceUnavailable(UnknownReason.DENIED, self._credentials_message()) from None
            except GithubException as exc:
                headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
                self._observe(resource, headers)
                wait = self._rate_limit_wait(exc.status, headers, exc.data)
                if wait is not None and waits < MAX_WAITS_PER_CALL:
                    waits += 1
                    self._sleep(wait, resource, _limit_reason(exc.status, headers, exc.data))
                    continue
                if exc.status >= 500 and attempt < self.config.max_retries:
                    attempt += 1
                    self._backoff(attempt, endpoint, f"HTTP {exc.status}")
                    continue
                raise
            except (RequestsConnectionError, Timeout) as exc:
                if attempt < self.config.max_retries:
                    attempt += 1
                    self._backoff(attempt, endpoint, type(exc).__name__)
                    continue
                raise
            self._observe(resource, headers)
            if resource == "core":
                with self._lock:
                    self.stats.rest_requests += 1
            return headers, data

    def _space(self) -> None:
        """At least ``request_interval_seconds`` between two requests, whichever threads send them."""
        interval = self.config.request_interval_seconds
        if not interval:
            return
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next_send)
            self._next_send = at + interval
        if at > now:
            time.sleep(at - now)

    # -- rate limits -----------------------------------------------------------------------------------

    def _credentials_message(self) -> str:
        if self.config.uses_app:
            return (
                f"GitHub refused GitHub App {self.config.app_id} installation {self.config.installation_id} "
                f"(401 Bad credentials); check the key in {self.config.private_key_env}; the installation "
                "needs read access to Metadata, Contents, Pull requests, Administration, Members, "
                "Projects and the three alert kinds (`assay permissions github`)"
            )
        return (
            f"GitHub refused the token in {self.config.token_env} (401 Bad credentials: missing, expired "
            "or revoked); a valid token with scopes repo, read:org, read:project and security_events is "
            "needed (`assay permissions github`)"
        )

    def _observe(self, resource: str, headers: dict[str, Any]) -> None:
        if "x-ratelimit-remaining" not in headers:
            return
        which = headers.get("x-ratelimit-resource") or resource
        with self._lock:
            self._note(
                "graphql" if which == "graphql" else "core",
                headers.get("x-ratelimit-limit"),
                headers.get("x-ratelimit-remaining"),
                _float(headers.get("x-ratelimit-reset")),
            )

    def _note(self, which: str, limit: Any, remaining: Any, reset: float | None) -> None:
        window = self.stats.windows.setdefault(which, Window())
        window.limit = int(limit) if limit is not None else window.limit
        window.remaining = int(remaining)
        window.reset = reset if reset is not None else window.reset
        window.lowest = window.remaining if window.lowest is None else min(window.lowest, window.remaining)

    def _await_budget(self, resource: str, need: int) -> None:
        with self._lock:
            window = self.stats.windows.get(resource) or Window()
            short = window.remaining is not None and window.remaining < need
            wait = (window.reset or 0) - time.time() + RESET_SLACK if short else 0
            if short:
                window.remaining = None  # after the wait, the next answer says what is left
        if wait > 0:
            what = "GraphQL points" if resource == "graphql" else "REST requests"
            self._sleep(wait, resource, f"{what} left are fewer than the next call needs")

    def _rate_limit_wait(self, status: int, headers: dict[str, Any], data: Any) -> float | None:
        if status == 503 and headers.get("retry-after"):  # unavailable, and GitHub says for how long
            return max(_float(headers["retry-after"]) or 0.0, 0.0)
        if status not in (403, 429):
            return None
        if headers.get("retry-after"):
            return max(_float(headers["retry-after"]) or 0.0, 0.0)
        if headers.get("x-ratelimit-remaining") == "0":
            return self._until_reset(headers)
        message = str((data or {}).get("message", "")).lower() if isinstance(data, dict) else ""
        if "secondary rate limit" in message or message.endswith("try again."):
            return SECONDARY_WAIT
        return None

    def _until_reset(self, headers: dict[str, Any]) -> float:
        reset = _float(headers.get("x-ratelimit-reset"))
        return max((reset or time.time()) - time.time(), 0.0) + RESET_SLACK

    def _sleep(self, seconds: float, resource: str, reason: str) -> None:
        if seconds > self.config.max_rate_limit_wait_seconds:
            raise RateLimitExhausted(
                f"GitHub {resource} rate limit: {reason}; the reset is {seconds:.0f} s away, more than "
                f"max_rate_limit_wait_seconds ({self.config.max_rate_limit_wait_seconds:g})"
            )
        until = datetime.fromtimestamp(time.time() + seconds, UTC).strftime("%H:%M:%S")
        self.ctx.progress(f"rate limit ({resource}): {reason}; waiting {seconds:.0f} s, until {until} UTC")
        with self._lock:
            self.stats.rate_limit_waits += 1
            self.stats.waited_seconds += seconds
        time.sleep(seconds)

    def _backoff(self, attempt: int, endpoint: str, why: str) -> None:
        delay = min(self.config.retry_backoff_seconds * 2 ** (attempt - 1), 60.0)
        self.ctx.progress(f"{endpoint}: {why}, retry {attempt}/{self.config.max_retries} in {delay:.1f} s")
        with self._lock:
            self.stats.retries += 1
        time.sleep(delay)

    def details(self) -> dict[str, Any]:
        """What the bundle records about this collection's use of the API."""
        with self._lock:
            windows = {
                name: {
                    "limit": w.limit,
                    "remaining": w.remaining,
                    "lowest_remaining": w.lowest,
                    "reset_at": _iso(w.reset),
                }
                for name, w in sorted(self.stats.windows.items())
                if w.limit is not None or w.remaining is not None
            }
            return {
                "graphql_queries": self.stats.graphql_queries,
                "graphql_points": self.stats.graphql_points,
                "rest_requests": self.stats.rest_requests,
                "retries": self.stats.retries,
                "rate_limit_waits": self.stats.rate_limit_waits,
                "waited_seconds": round(self.stats.waited_seconds, 1),
                "rate_limit": windows,
            }


def _limit_reason(status: int, headers: dict[str, Any], data: Any) -> str:
    message = str(data.get("message", "")) if isinstance(data, dict) else ""
    if "secondary" in message.lower():
        return f"secondary rate limit (HTTP {status})"
    if headers.get("retry-after"):
        return f"HTTP {status} with Retry-After"
    return f"primary rate limit exhausted (HTTP {status})"


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _epoch(text: Any) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
