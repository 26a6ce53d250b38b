"""The Housing Office database: applications, one table on its own SQLite file."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from backends.common import create_engine_for, rfc3339

__all__ = [
    "ESTIMATED_DECISION_DAYS",
    "STATES",
    "applications",
    "create_application",
    "find_application",
    "find_by_client_reference",
    "list_applications",
    "open_database",
    "receipt",
    "set_state",
    "status_json",
]

STATES = ("QUEUED", "REGISTERED", "ASSESSING", "GRANTED", "REFUSED")
# The Housing Office decides within 30 days after it has all documents.
ESTIMATED_DECISION_DAYS = 30

metadata = sa.MetaData()

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("application_number", sa.String(11), primary_key=True),
    sa.Column("client_reference", sa.String(64), nullable=False, unique=True),
    sa.Column("source_system", sa.String(100)),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_change", sa.DateTime, nullable=False),
)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def open_database(url: str) -> Engine:
    """An engine on `url` with its table created."""
    engine = create_engine_for(url)
    metadata.create_all(engine)
    return engine


def receipt(row: Row) -> Dict[str, Any]:
    """The contract's `Receipt` of an application."""
    return {
        "applicationNumber": row.application_number,
        "state": row.state,
        "estimatedDecisionDays": ESTIMATED_DECISION_DAYS,
    }


def status_json(row: Row) -> Dict[str, Any]:
    """The status answer of GET /intake/v2/applications/{applicationNumber}."""
    return {
        "applicationNumber": row.application_number,
        "state": row.state,
        "lastChange": rfc3339(row.last_change),
    }


def find_application(connection: Connection, number: str) -> Optional[Row]:
    """The application with this number, or None."""
    return connection.execute(
        sa.select(applications).where(applications.c.application_number == number)
    ).first()


def find_by_client_reference(connection: Connection, client_reference: str) -> Optional[Row]:
    """The application the sender already filed under `client_reference`, or None."""
    return connection.execute(
        sa.select(applications).where(applications.c.client_reference == client_reference)
    ).first()


def create_application(connection: Connection, body: Dict[str, Any], now: datetime) -> Row:
    """File an application as QUEUED under a new random HO- number."""
    while True:
        number = f"HO-{secrets.randbelow(90_000_000) + 10_000_000}"
        if find_application(connection, number) is None:
            break
    connection.execute(
        sa.insert(applications).values(
            application_number=number,
            client_reference=body["clientReference"],
            source_system=body.get("sourceSystem"),
            payload=body,
            state="QUEUED",
            created_at=_naive(now),
            last_change=_naive(now),
        )
    )
    row = find_application(connection, number)
    assert row is not None
    return row


def set_state(
    connection: Connection, number: str, state: str, now: datetime, force: bool = False
) -> Tuple[str, str]:
    """Move an application to `state`; (old, new). Raises ValueError when not allowed.

    States only move forward (QUEUED, REGISTERED, ASSESSING, then GRANTED or
    REFUSED) unless `force` is set.
    """
    if state not in STATES:
        raise ValueError(f"Unknown state {state!r}; use one of {', '.join(STATES)}.")
    row = find_application(connection, number)
    if row is None:
        raise ValueError(f"No application {number}.")
    rank = {"QUEUED": 0, "REGISTERED": 1, "ASSESSING": 2, "GRANTED": 3, "REFUSED": 3}
    if not force and (rank[state] <= rank[row.state]) and state != row.state:
        raise ValueError(f"{number} is {row.state}; it cannot go back to {state} (use --force).")
    if state != row.state:
        connection.execute(
            sa.update(applications)
            .where(applications.c.application_number == number)
            .values(state=state, last_change=_naive(now))
        )
    return row.state, state


def list_applications(connection: Connection) -> List[Row]:
    """Every application, newest first."""
    newest_first = sa.select(applications).order_by(applications.c.created_at.desc())
    return list(connection.execute(newest_first))
