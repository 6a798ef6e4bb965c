"""Running one fuzz case: the CLI in-process (Typer's CliRunner), with a hang guard and a memory check.

The invariant for every reader: exit 0 or 2 (`verify` may also say 1: not intact), never a traceback,
and a refusal names the file it refused."""

from __future__ import annotations

import contextlib
import resource
import signal
import threading
import traceback
from collections.abc import Iterator, Sequence

from typer.testing import CliRunner

from assay.cli import app
from assay.errors import AssayError

HANG_GUARD_S = 60  # a case that runs this long is a hang: fail it (this asserts no speed, only an end)
MEMORY_GROWTH_LIMIT_KIB = 768 * 1024  # a case may not grow the process's peak memory by more than this

_runner = CliRunner()


class CaseHung(Exception):
    pass


@contextlib.contextmanager
def hang_guard(seconds: int = HANG_GUARD_S) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise CaseHung(f"the case ran for over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def check_memory(before_kib: int) -> None:
    grown = peak_kib() - before_kib
    assert grown < MEMORY_GROWTH_LIMIT_KIB, f"the case grew peak memory by {grown} KiB"


def run_cli(args: Sequence[str], named: str, allowed: Sequence[int] = (0, 2)) -> int:
    """Invoke `assay ARGS` in-process; assert the invariant; return the exit code."""
    before = peak_kib()
    with hang_guard():
        result = _runner.invoke(app, list(args), catch_exceptions=True)
    exc = result.exception
    if isinstance(exc, AssayError):
        code, message = exc.exit_code, str(exc)
    elif exc is None or isinstance(exc, SystemExit):
        code, message = result.exit_code, result.output
    else:
        trace = "".join(traceback.format_exception(exc))
        raise AssertionError(f"assay {' '.join(args)[:200]} raised (exit 1, internal error):\n{trace}")
    assert code in allowed, f"assay {' '.join(args)[:200]} exited {code}: {message[:500]}"
    if code not in (0,):
        assert named in message, f"the message does not name {named}: {message[:500]}"
        assert "\n" not in message.strip() or not isinstance(exc, AssayError), message
    assert "Traceback" not in result.output
    check_memory(before)
    return code
