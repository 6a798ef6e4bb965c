"""A real PostgreSQL server for the history tests, in a temporary directory (initdb, pg_ctl).

Debian's `postgresql` package provides the binaries (.ci/run installs it). The server runs as the
`postgres` system user when the tests run as root (PostgreSQL refuses root), listens on 127.0.0.1 on a
free port, trusts local connections, and is stopped at the end of the session. Each test gets a fresh
database of its own. Without the binaries the tests that need it skip, and under CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parent.parent.name)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One server; ``database()`` makes a new, empty database and returns its SQLAlchemy URL."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir, self.root = bin_dir, root
        self.data, self.sockets = root / "data", root / "sockets"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> None:
        self.sockets.mkdir(parents=True)
        if self.as_root:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sockets, "postgres")
        made = self._run(
            "initdb", "-D", str(self.data), "-U", "assay", "-A", "trust", "-E", "UTF8", "--no-sync"
        )
        if made.returncode != 0:
            raise RuntimeError(f"initdb failed: {made.stderr or made.stdout}")
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        started = self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"
        )
        if started.returncode != 0:
            log = (self.root / "log").read_text() if (self.root / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {started.stderr}{log}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://assay@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        import psycopg

        name = f"history_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=assay dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A running server, or a skip (a failure under CI=true) saying what is missing."""
    bin_dir = _bin_dir()
    missing = None
    if bin_dir is None:
        missing = "PostgreSQL's server binaries (Debian package `postgresql`) are not installed"
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            missing = "the PostgreSQL driver psycopg is not installed (pip install 'assay[postgres]')"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    root = Path(tempfile.mkdtemp(prefix="assay-pg-"))
    server = PostgresServer(bin_dir, root)  # type: ignore[arg-type]
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
