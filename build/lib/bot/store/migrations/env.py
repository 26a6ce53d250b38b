"""Alembic environment of the project's tables, never Rasa's `events`.

`bot.store.schema.upgrade(url)` runs it with an open connection
(`config.attributes["connection"]`) that already holds the migration lock
inside its transaction. From the command line (see `alembic.ini` beside this
file) the URL comes from `sqlalchemy.url` when a caller set it, else from
NSSA_DATABASE_URL through `bot.settings`: alembic.ini holds none.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.schema import VERSION_TABLE, include_name, locked_connection
from bot.store.tables import metadata

config = context.config


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        compare_type=True,
        # Batch operations rebuild a table on SQLite and run ALTER on PostgreSQL.
        render_as_batch=True,
        **options,
    )


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot.settings import load_settings

    return load_settings().database_url


def _migrate(connection: Connection) -> None:
    _configure(connection=connection)
    # Inside the caller's transaction this adds none of its own.
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif config.attributes.get("connection") is not None:
    _migrate(config.attributes["connection"])
else:
    with locked_connection(_url()) as connection:
        _migrate(connection)
