"""Engines for the conversation store's database (SQLite or PostgreSQL).

An SQLite database is used in write-ahead-log mode (`use_wal`, on every
engine of the project and on Rasa's tracker store's, which keeps its
connections open: `kept_open`): a commit writes and
syncs the log once (4 ms on this machine) where the default rollback journal
syncs the journal, the database and the folder (20 ms), and readers no
longer wait for a writer. `synchronous=FULL` is kept: every commit is on disk
when it returns, so a power cut loses no turn of a conversation and no
request. `NORMAL` would make a commit 0.1 ms, but in WAL mode it syncs only at
a checkpoint: a power cut or an operating-system crash could lose the turns
(and requests, the outbox's rows) committed since, which a citizen was told
were done. (A crash of our own processes loses nothing in either mode: the
log is in the kernel's cache.) PostgreSQL, the store for production and
several servers, keeps its own durable commit (`synchronous_commit=on`) for
the same reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from bot.errors import StoreError

__all__ = ["create_engine_for", "check_database", "kept_open", "redact_url", "use_wal"]


def redact_url(url: str) -> str:
    """The URL with its password hidden, for logs and error messages."""
    return make_url(url).render_as_string(hide_password=True)


def create_engine_for(url: str) -> Engine:
    """An engine for `url`; for SQLite, creates the file's folder first."""
    parsed = make_url(url)
    kwargs: Dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Several processes share the file: wait for a lock instead of failing.
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 5}
    return use_wal(sa.create_engine(url, **kwargs))


def use_wal(engine: Engine) -> Engine:
    """`engine`, its SQLite connections in write-ahead-log mode (module docstring)."""
    if engine.dialect.name != "sqlite":
        return engine

    def pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()

    sa.event.listen(engine, "connect", pragmas)
    return engine


def kept_open(engine: Engine) -> Engine:
    """For SQLite, an engine on the same file whose connections stay open (in WAL mode).

    SQLAlchemy 1.4 opens and closes an SQLite connection for every use
    (NullPool); in WAL mode the last connection to close checkpoints the log
    into the database and deletes it, a sync of both on every turn. A
    long-running process (the Rasa server's tracker store) keeps a few open:
    the log is checkpointed as SQLite does it, every 1,000 pages.
    """
    if engine.dialect.name != "sqlite":
        return engine
    url = engine.url
    engine.dispose()
    # Threads take turns on a connection (the store works in `asyncio.to_thread`).
    return use_wal(sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2,
                                    connect_args={"check_same_thread": False}))


def check_database(url: str) -> None:
    """Connect once; raise `StoreError` naming the setting if that fails."""
    try:
        engine = create_engine_for(url)
    except OSError as exc:
        raise StoreError(
            f"Cannot use the database NSSA_DATABASE_URL={redact_url(url)}: {exc}"
        ) from None
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        reason = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
        raise StoreError(
            f"Cannot use the database NSSA_DATABASE_URL={redact_url(url)}: {reason.strip()}"
        ) from None
    finally:
        engine.dispose()
