"""Bring the database to the newest revision of the project's tables.

`upgrade(url)` runs the Alembic revisions in `bot/store/migrations` on an
SQLite file or PostgreSQL. It is idempotent and safe when several processes
start at once: the whole upgrade is one transaction that first takes a lock
(PostgreSQL: a transaction-level advisory lock; SQLite: `BEGIN IMMEDIATE`,
the database's write lock), so a second process waits and then finds the
schema current. Both databases have transactional DDL, so a failed upgrade
leaves the previous revision. Only the tables of `bot.store.tables` are
touched; Rasa's `events` is neither read nor changed.

Alembic keeps its revision in `nssa_alembic_version`, not `alembic_version`,
so another tool's migrations in the same database cannot be mistaken for ours.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any, Iterator, Optional

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from bot.errors import StoreError
from bot.store._sql import reason as _reason
from bot.store.db import create_engine_for, redact_url
from bot.store.tables import metadata

__all__ = [
    "VERSION_TABLE",
    "MIGRATIONS_DIR",
    "upgrade",
    "current_revision",
    "head_revision",
    "alembic_config",
    "locked_connection",
    "include_name",
]

VERSION_TABLE = "nssa_alembic_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# pg_advisory_xact_lock key: "nssa" in ASCII, then 1 for "schema migration".
_LOCK_KEY = 0x6E737361_00000001
# Alembic's `context` is one proxy per process: one upgrade at a time in here.
_PROCESS_LOCK = threading.Lock()


def alembic_config(url: Optional[str] = None) -> Config:
    """An Alembic configuration of the project's migrations; no alembic.ini is read."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser would read "%" as interpolation (URL-encoded passwords).
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def include_name(name: Optional[str], type_: str, parent_names: Any) -> bool:
    """Alembic's filter: only our tables; autogenerate must never see (or drop) `events`."""
    if type_ == "table":
        return name in metadata.tables
    return True


def head_revision() -> str:
    """The newest revision in `bot/store/migrations`."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StoreError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def _migration_engine(url: str) -> Engine:
    engine = create_engine_for(url)
    if engine.dialect.name == "sqlite":
        # pysqlite begins a transaction only before INSERT/UPDATE/DELETE, never
        # before DDL or a SELECT. Take over: BEGIN IMMEDIATE holds the write
        # lock from the start, so a second process waits (busy timeout) until
        # the first has committed, and then reads the new revision.
        @sa.event.listens_for(engine, "connect")
        def _no_pysqlite_transactions(dbapi_connection, record):  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin_immediate(connection):  # type: ignore[no-untyped-def]
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextlib.contextmanager
def locked_connection(url: str) -> Iterator[Connection]:
    """A connection in a transaction holding the migration lock; commits on success."""
    engine = _migration_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                lock = sa.text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": _LOCK_KEY})
            yield connection
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (the newest by default); StoreError if not."""
    try:
        with _PROCESS_LOCK, locked_connection(url) as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"Cannot upgrade the database {redact_url(url)}: {_reason(exc)}") from exc
    except OSError as exc:  # the SQLite file's folder cannot be made
        raise StoreError(f"Cannot upgrade the database {redact_url(url)}: {exc}") from exc


def current_revision(url: str) -> Optional[str]:
    """The revision the database at `url` is at; None before the first upgrade."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            return context.get_current_revision()
    except sa.exc.SQLAlchemyError as exc:
        where = redact_url(url)
        raise StoreError(f"Cannot read the schema revision of {where}: {_reason(exc)}") from exc
    finally:
        engine.dispose()
