"""Bring a history store's schema up to date with Alembic, once, however many processes start at once.

The first use of a store creates it; a store made by an older assay is upgraded in place, keeping its
audits (assay 0.1 made its table without a version table: revision 0001 adopts it). Migrations run under
a lock: a file lock beside a SQLite file, an advisory lock on PostgreSQL and MySQL. A store already at
the latest revision is not locked at all. The version table has its own name, so a database shared with
another Alembic user (MLflow's, say) keeps both apart.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "assay_history_version"
LOCK_KEY = 0x61737361  # "assa": the advisory lock id on PostgreSQL
LOCK_NAME = "assay_history_migrations"  # MySQL's GET_LOCK name
LOCK_TIMEOUT_S = 120


def _script() -> tuple[Config, ScriptDirectory]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config, ScriptDirectory.from_config(config)


def head_revision() -> str:
    head = _script()[1].get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def ensure_schema(engine: Engine) -> None:
    """Upgrade the store to the latest revision (creating it when new); a no-op when it is there."""
    head = head_revision()
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return
    with _file_lock(engine), engine.begin() as conn, _advisory_lock(conn):
        if current_revision(conn) != head:  # another process may have done it while we waited
            _upgrade(conn)


def _upgrade(conn: Connection) -> None:
    config, script = _script()

    def steps(revision: Any, context: Any) -> Any:
        return script._upgrade_revs("head", revision)

    with EnvironmentContext(config, script, fn=steps, destination_rev="head") as env:
        env.configure(connection=conn, version_table=VERSION_TABLE)
        with env.begin_transaction():
            env.run_migrations()


@contextlib.contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    from filelock import FileLock

    with FileLock(f"{database}.lock", timeout=LOCK_TIMEOUT_S):
        yield


@contextlib.contextmanager
def _advisory_lock(conn: Connection) -> Iterator[None]:
    """Server-side locks for databases many machines share; released with the transaction or here."""
    name = conn.dialect.name
    if name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        yield
    elif name in ("mysql", "mariadb"):
        conn.execute(text("SELECT GET_LOCK(:name, :timeout)"), {"name": LOCK_NAME, "timeout": LOCK_TIMEOUT_S})
        try:
            yield
        finally:
            conn.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": LOCK_NAME})
    else:
        yield
