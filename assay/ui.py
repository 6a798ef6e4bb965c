"""Terminal output: one console for messages on stderr, and the live collection progress."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from rich.console import Console
from rich.live import Live
from rich.table import Table

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


# Progress that always gets a line in a CI log: a source finishing, its final status, and every wait.
ALWAYS = ("done", "status")
WAITING = ("rate limit", "retry", "waiting")
# Without a terminal, a source's other progress is printed at most this often (a heartbeat for CI logs).
HEARTBEAT_SECONDS = 30.0


class CollectionProgress:
    """Collection progress on stderr: a live table on a terminal, plain log lines otherwise; quiet: nothing.

    CI logs have no terminal: there each source gets a line when it starts and when it ends, every wait
    (rate limit, retry) gets a line with its length, and other progress is printed as a heartbeat at most
    every HEARTBEAT_SECONDS, so a long wait is never invisible in a job log.
    """

    def __init__(self, sources: list[str], *, enabled: bool, terminal: bool | None = None) -> None:
        on_terminal = sys.stderr.isatty() if terminal is None else terminal
        self.enabled = enabled and on_terminal
        self.plain = enabled and not on_terminal
        self.state = {s: "starting" for s in sources}
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._started = time.monotonic()
        self._last_line: dict[str, float] = {}

    def update(self, source: str, message: str) -> None:
        with self._lock:
            self.state[source] = message
        if self._live is not None:
            self._live.update(self._render())
        elif self.plain:
            self._log_line(source, message)

    def _log_line(self, source: str, message: str) -> None:
        now = time.monotonic()
        if (
            message.startswith(ALWAYS)
            or any(w in message for w in WAITING)
            or self._heartbeat_due(source, now)
        ):
            self._emit(f"{source}: {message}")
        else:
            return
        self._last_line[source] = now

    def _heartbeat_due(self, source: str, now: float) -> bool:
        return now - self._last_line.get(source, self._started) >= HEARTBEAT_SECONDS

    @staticmethod
    def _emit(line: str) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%S")
        err_console.print(f"[{stamp}] {line}", markup=False, highlight=False, soft_wrap=True)

    def _render(self) -> Table:
        table = Table.grid(padding=(0, 2))
        with self._lock:
            for source, message in sorted(self.state.items()):
                icon = "[green]✓[/]" if message.startswith(ALWAYS) else "[cyan]…[/]"
                table.add_row(icon, f"[bold]{source}[/]", message)
        return table

    @contextlib.contextmanager
    def running(self) -> Iterator[CollectionProgress]:
        if self.plain:
            self._started = time.monotonic()
            for source in sorted(self.state):
                self._emit(f"{source}: started")
        if not self.enabled:
            yield self
            return
        with Live(self._render(), console=err_console, refresh_per_second=8, transient=True) as live:
            self._live = live
            try:
                yield self
            finally:
                self._live = None


def say(message: str, *, quiet: bool = False) -> None:
    """A status line on stderr (results go to stdout)."""
    if not quiet:
        err_console.print(message)
