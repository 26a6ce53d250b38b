"""What the store's repositories share: sessions, duplicate-free inserts, error conversion."""

from __future__ import annotations

import contextlib
import json
from contextvars import ContextVar
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Tuple, Union, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import StoreError

__all__ = [
    "Bind",
    "SessionFactory",
    "session_factory_for",
    "transaction",
    "unit_of_work",
    "reason",
    "insert_new",
    "upsert",
    "rowcount",
    "check_text",
    "to_json",
]

SessionFactory = Callable[[], Session]
Bind = Union[Engine, SessionFactory]


def session_factory_for(bind: Bind) -> SessionFactory:
    """A session factory: the one given, or one on the given engine."""
    if isinstance(bind, Engine):
        return sessionmaker(bind=bind, future=True)
    if callable(bind):
        return bind
    raise TypeError("expected an Engine or a session factory")


# The session of the unit of work in progress in this thread or task, with
# the engine it is on: a repository's transaction on that engine joins it.
_unit: ContextVar[Optional[Tuple[Any, Session]]] = ContextVar("nssa_unit_of_work", default=None)


def _engine_of(factory: SessionFactory) -> Any:
    """The engine a session factory binds to (a sessionmaker's `bind`), or the factory."""
    kw = getattr(factory, "kw", None)
    return kw.get("bind", factory) if isinstance(kw, dict) else factory


@contextlib.contextmanager
def transaction(factory: SessionFactory, what: str) -> Iterator[Session]:
    """A session in a transaction, committed on success; SQLAlchemy errors become StoreError.

    Inside `unit_of_work` on the same engine it is the unit's session: the
    unit commits, or rolls back, everything at once.
    """
    unit = _unit.get()
    if unit is not None and unit[0] is _engine_of(factory):
        yield unit[1]
        return
    try:
        with factory() as session, session.begin():
            yield session
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"{what}: {reason(exc)}") from exc


@contextlib.contextmanager
def unit_of_work(factory: SessionFactory, what: str) -> Iterator[Session]:
    """One transaction for several repositories' calls on the factory's engine."""
    with transaction(factory, what) as session:
        token = _unit.set((_engine_of(factory), session))
        try:
            yield session
        finally:
            _unit.reset(token)


def reason(exc: sa.exc.SQLAlchemyError) -> str:
    """The driver's message, first line only (SQLAlchemy's own adds the SQL parameters)."""
    orig = getattr(exc, "orig", None)
    text = (str(orig) if orig is not None else "").strip()
    return text.splitlines()[0] if text else type(exc).__name__


def insert_new(
    session: Session, table: sa.Table, values: Mapping[str, Any], keys: Iterable[str]
) -> bool:
    """Insert a row unless one with the same `keys` exists: True if this call inserted it.

    `INSERT ... ON CONFLICT DO NOTHING` on both databases: a concurrent insert
    of the same keys from another process waits for that one to commit (or
    roll back) and then does nothing (or inserts), with no error to handle.
    """
    statement = _insert(session, table).values(**values)
    statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    return rowcount(session, statement) == 1


def upsert(
    session: Session,
    table: sa.Table,
    values: Mapping[str, Any],
    keys: Iterable[str],
    updates: Iterable[str],
) -> None:
    """Insert a row, or set the `updates` columns of the row with the same `keys`.

    `INSERT ... ON CONFLICT DO UPDATE` on both databases, so two processes
    writing the same keys at once never fail on the primary key.
    """
    statement = _insert(session, table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={k: statement.excluded[k] for k in updates}
    )
    session.execute(statement)


def _insert(session: Session, table: sa.Table) -> Any:
    """The dialect's INSERT, which has ON CONFLICT on SQLite and PostgreSQL alike."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise StoreError(f"the conversation store supports SQLite and PostgreSQL, not {dialect}")
    return insert(table)


def rowcount(session: Session, statement: Any) -> int:
    """Run an INSERT, UPDATE or DELETE; the number of rows it changed."""
    result = cast(CursorResult, session.execute(statement))
    return result.rowcount


def check_text(name: str, value: str, column: sa.Column) -> None:
    """ValueError naming the field unless `value` is a non-empty string that fits `column`."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    if len(value) > column.type.length:
        raise ValueError(f"{name} is longer than {column.type.length} characters")


def to_json(value: Any, what: str) -> str:
    """A JSON object as canonical text; TypeError naming `what` (never a value) otherwise."""
    if not isinstance(value, Mapping):
        raise TypeError(f"the {what} must be a JSON object (a dict), not {type(value).__name__}")
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        # json's messages name the type ("Object of type datetime ..."), not the value.
        raise TypeError(f"the {what} is not JSON: {exc}; send dates as ISO text") from None
