"""An organisation's repository list, paged from both ends at once.

GraphQL cursor paging is sequential: a page's cursor arrives with the previous page. A forward-only pass
over 1,000 repositories in pages of 50 is a chain of 20 round trips, longer than everything else the
collector sends put together at its concurrency. So ``organization.repositories`` (in name order) is
paged forwards from the first repository (``first``/``after``) and, once the first answer gives the
total, backwards from the last at the same time (``last``/``before`` with ``pageInfo.startCursor``,
GitHub's documented backward pagination): two chains of half the length.

When the first answer gives the total, the pages left are shared out once: the backward direction takes
the last half of them, starting with the remainder page (``total`` less whole pages), the forward one the
rest. So the pages are exactly those a forward-only pass asks for, with the same sizes, points and
contents, and each direction reads the same pages in the same order on every run; only the order in
which the two directions' pages interleave differs. With ``concurrency: 1`` the pass is forward-only, as
before. A list that changes during the pass may repeat a repository at the meeting point: the repeat is
dropped (``fresh``).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from assay.collectors.github.client import PAGES, GithubClient
from assay.collectors.github.queries import REPOSITORIES

MIN_PAGE = 5
FORWARD, BACKWARD = "first", "last"


@dataclass
class Page:
    """One answered page: where it sits in the list, how gap messages name it, and what it held."""

    way: str  # FORWARD or BACKWARD: which direction read it
    offset: int  # list position of its first repository (sorts the pages of both directions)
    where: str  # " after cursor X" / " (last 50 before cursor Y)": appended to a node's path
    nodes: list[dict[str, Any] | None]  # emptied once digested
    errors: list[dict[str, Any]]
    listed: int = 0  # its nodes, less repeats of the other direction's
    nulls: list[int] = field(default_factory=list)  # indexes of the nodes GitHub returned as null
    summaries: list[dict[str, Any]] = field(default_factory=list)


class Listing:
    """The page arithmetic both directions share; ``read`` runs them."""

    def __init__(self, client: GithubClient, org: str, since: str, size: int, both_ways: bool) -> None:
        self.client, self.org, self.since = client, org, since
        self.size = size  # the page size, halved when GitHub times out
        self.may_split = both_ways
        self.lock = threading.Lock()
        self.total = 0
        self.listed = {FORWARD: 0, BACKWARD: 0}
        self.quota: dict[str, int] | None = None  # once split: repositories each direction has yet to ask
        self.end_size: int | None = None  # the size asked by the page that reached the list's end
        self.names: set[str] = set()
        self.failed = False

    def read(self, on_page: Callable[[Page], None]) -> None:
        """Page through the list, calling ``on_page`` for each page in a thread of its own: a chain asks
        for its next page as soon as it has the cursor, and the page is summarised meanwhile."""
        chains = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-github-pages")
        digest = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-github-digest")
        running: list[Future[None]] = []

        def arrived(page: Page) -> None:
            running.append(digest.submit(contextvars.copy_context().run, self._digest, page, on_page))

        def split() -> None:  # after the first page: start the backward chain if there is room for it
            k = self._split()
            if k:
                run = contextvars.copy_context().run
                running.append(chains.submit(run, self._chain, BACKWARD, k, arrived))

        try:
            self._chain(FORWARD, self._first(), arrived, split)
        finally:
            chains.shutdown(wait=True)  # a forward failure wins; a backward one is raised below
            digest.shutdown(wait=True)
        for future in running:
            future.result()

    def _digest(self, page: Page, on_page: Callable[[Page], None]) -> None:
        """Drop the nodes the other direction already listed (only a list that changed during the pass
        repeats one), note the null ones, and hand the rest to ``on_page``."""
        with self.lock:
            kept = [(i, n) for i, n in enumerate(page.nodes) if n is None or n.get("name") not in self.names]
            self.names.update(n["name"] for _, n in kept if n is not None)
        page.listed = len(kept)
        page.nulls = [i for i, n in kept if n is None]
        page.nodes = [n for _, n in kept if n is not None]
        on_page(page)
        page.nodes = []  # summarised: keep no more of the answer than the evidence needs

    # -- one direction ---------------------------------------------------------------------------------

    def _chain(
        self, way: str, k: int, arrived: Callable[[Page], None], split: Callable[[], None] | None = None
    ) -> None:
        try:
            with self.client.lane(PAGES):  # the chain keeps its slot between pages
                self._pages(way, k, arrived, split)
        except BaseException:
            self.failed = True  # the other direction stops at its next page
            raise

    def _pages(
        self, way: str, k: int, arrived: Callable[[Page], None], split: Callable[[], None] | None
    ) -> None:
        cursor: str | None = None
        while k and not self.failed:
            answer = _page(self.client, self.org, self.since, way, k, cursor)
            if answer is None:  # GitHub timed out on this page size: halve it and ask again
                k = self._halve(way, k, cursor)
                continue
            data, errors = answer
            conn = ((data.get("organization") or {}).get("repositories")) or {}
            info = conn.get("pageInfo") or {}
            more = bool(info.get("hasNextPage" if way == FORWARD else "hasPreviousPage"))
            page = self._arrived(way, k, cursor, conn, errors, more)
            if split is not None:
                split()
                split = None
            arrived(page)
            if not more:
                return
            cursor = info.get("endCursor" if way == FORWARD else "startCursor")
            k = self._claim(way, first=False)

    # -- the shared arithmetic (under the lock) ---------------------------------------------------------

    def _first(self) -> int:
        return self.size  # the total is not known yet: a whole page

    def _split(self) -> int:
        """Share out the pages left (after the first) between the two directions; the backward one's
        first page size, or 0 when it is not worth a second chain."""
        with self.lock:
            left = self.total - self.listed[FORWARD]
            if not self.may_split or left <= 0 or self.end_size is not None:
                return 0
            pages = -(-left // self.size)
            back = left - (pages - pages // 2) * self.size  # the remainder page and the last half
            if back <= 0:
                return 0
            self.quota = {FORWARD: left - back, BACKWARD: back}
        return self._claim(BACKWARD, first=True)

    def _claim(self, way: str, first: bool) -> int:
        """How many repositories the next page of ``way`` asks for (0: none left). GitHub prices a page
        by the size asked for, not the size returned: ask for no more than is left."""
        with self.lock:
            if self.quota is None:  # forward only: the pass ends where GitHub says there is no next page
                return max(1, min(self.size, self.total - self.listed[FORWARD]))
            left = self.quota[way]
            k = (left - 1) % self.size + 1 if first and left > 0 else max(0, min(self.size, left))
            self.quota[way] -= k
            return k

    def _halve(self, way: str, k: int, cursor: str | None) -> int:
        with self.lock:
            self.size = min(self.size, max(MIN_PAGE, k // 2))
            if self.quota is not None:
                self.quota[way] += k  # asked again, smaller
            if way == FORWARD and cursor is None:  # the very first page: the total is not known yet
                return self.size
        return self._claim(way, first=False)

    def _arrived(
        self,
        way: str,
        k: int,
        cursor: str | None,
        conn: dict[str, Any],
        errors: list[dict[str, Any]],
        more: bool,
    ) -> Page:
        nodes = list(conn.get("nodes") or [])
        with self.lock:
            self.total = conn.get("totalCount", 0)
            if way == FORWARD:
                offset = self.listed[FORWARD]
                where = f" after cursor {cursor}" if cursor else ""
                if not more:
                    self.end_size = k
            else:
                offset = self.total - self.listed[BACKWARD] - len(nodes)
                where = f" (last {k}" + (f" before cursor {cursor}" if cursor else "") + ")"
                if cursor is None:
                    self.end_size = k
            self.listed[way] += len(nodes)
        return Page(way, offset, where, nodes, errors)


def _page(client: GithubClient, org: str, since: str, way: str, size: int, cursor: str | None) -> Any:
    """One page's data and errors; None when GitHub timed out and the page may shrink."""
    from github.GithubException import GithubException

    variables: dict[str, Any] = {"org": org, "since": since, way: size}
    variables["after" if way == FORWARD else "before"] = cursor
    try:
        answer = client.graphql(
            REPOSITORIES, variables, "GraphQL organization.repositories", expect=max(1, size)
        )
    except GithubException as exc:
        if exc.status in (502, 504) and size > MIN_PAGE:
            return None
        raise
    if answer.data.get("organization") is None:
        message = "; ".join(e.get("message", "") for e in answer.errors) or f"organization {org} not found"
        raise LookupError(message)
    return answer.data, answer.errors
