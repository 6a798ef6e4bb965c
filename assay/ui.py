"""Terminal output: one console for messages on stderr, and the live collection progress."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator

from rich.console import Console
from rich.live import Live
from rich.table import Table

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


class CollectionProgress:
    """A live table of sources while collecting; silent when quiet or stderr is not a terminal."""

    def __init__(self, sources: list[str], *, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.state = {s: "starting" for s in sources}
        self._lock = threading.Lock()
        self._live: Live | None = None

    def update(self, source: str, message: str) -> None:
        with self._lock:
            self.state[source] = message
        if self._live is not None:
            self._live.update(self._render())

    def _render(self) -> Table:
        table = Table.grid(padding=(0, 2))
        with self._lock:
            for source, message in sorted(self.state.items()):
                icon = "[green]✓[/]" if message.startswith("done") else "[cyan]…[/]"
                table.add_row(icon, f"[bold]{source}[/]", message)
        return table

    @contextlib.contextmanager
    def running(self) -> Iterator[CollectionProgress]:
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
