"""Engines for the conversation store's database (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from bot.errors import StoreError

__all__ = ["create_engine_for", "check_database", "redact_url"]


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
    return sa.create_engine(url, **kwargs)


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
