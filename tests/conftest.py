"""Tests never write into the checkout.

Every test process works from a temporary directory, so CLI defaults relative to the working directory
(`.assay/history.db`, `assay-out/`) land there. At the end of a session (the controller's, under xdist)
the checkout's `git status --ignored` is compared with its state at the start: new files fail the run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
# caches Python and the tools keep by design; everything else a test leaves behind is a bug
TOLERATED = ("__pycache__/", ".pytest_cache/", ".ruff_cache/", ".hypothesis/")


def _untracked(root: Path) -> set[str] | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--ignored", "--untracked-files=all"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None  # not a git checkout (an sdist, say): nothing to compare
    paths = {line[3:] for line in proc.stdout.splitlines() if line[:2] in ("??", "!!")}
    return {p for p in paths if not any(part in p for part in TOLERATED) and not p.startswith("node_modules")}


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        config.stash[_BEFORE] = _untracked(CHECKOUT)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return
    before = session.config.stash.get(_BEFORE, None)
    after = _untracked(CHECKOUT)
    if before is None or after is None:
        return
    left = sorted(after - before)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"tests wrote into the checkout {CHECKOUT}: {', '.join(left[:20])}"
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_BEFORE = pytest.StashKey[set[str] | None]()


@pytest.fixture(autouse=True, scope="session")
def _work_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run every test from a temporary directory: relative CLI defaults never reach the checkout."""
    os.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def postgres():  # type: ignore[no-untyped-def]
    """A real PostgreSQL server for this test process (see tests/postgres.py)."""
    from tests.postgres import postgres_server

    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty history store: a SQLite file, or a database of its own on a real PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "h" / "history.db")
    return str(request.getfixturevalue("postgres").database())
