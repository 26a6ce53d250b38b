"""Subscriptions, events and their signed delivery with retries.

An event is written once, as the exact JSON bytes to send, with one pending
delivery per subscription, in the same transaction as the change it reports.
`Deliverer` (a background task of the server) POSTs due deliveries with
`X-CMS-Signature` and `X-CMS-Event-Id`; a delivery without a 2xx answer is
retried with doubling delays until `max_attempts`. Everything pending lives
in the database, so a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any, Dict, Optional, Tuple

import aiohttp
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from backends.cms.agency import OFFICES
from backends.cms.settings import CmsSettings
from backends.cms.store import appointment_json, naive
from backends.cms.tables import appointments, deliveries, events, subscriptions
from backends.common import Clock, as_utc, rfc3339, sign

__all__ = [
    "Deliverer",
    "queue_due_reminders",
    "queue_event",
    "queue_reminder",
    "reminder_text",
    "upsert_subscription",
]

logger = logging.getLogger(__name__)

REMINDER_AHEAD = timedelta(hours=24)


def upsert_subscription(
    connection: Connection, url: str, secret: str, now: datetime
) -> Dict[str, str]:
    """Subscribe `url`; subscribing a known URL again replaces its secret."""
    row = connection.execute(sa.select(subscriptions).where(subscriptions.c.url == url)).first()
    if row is not None:
        connection.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.subscription_id == row.subscription_id)
            .values(secret=secret)
        )
        return {"subscription_id": row.subscription_id}
    subscription_id = f"sub_{secrets.token_hex(8)}"
    connection.execute(
        sa.insert(subscriptions).values(
            subscription_id=subscription_id, url=url, secret=secret, created_at=naive(now)
        )
    )
    return {"subscription_id": subscription_id}


def queue_event(
    connection: Connection,
    event_type: str,
    person_id: str,
    now: datetime,
    *,
    case: Optional[Dict[str, Any]] = None,
    appointment: Optional[Dict[str, Any]] = None,
    text: Optional[str] = None,
) -> Tuple[str, int]:
    """Record an event and a pending delivery per subscriber; (event id, deliveries)."""
    event_id = f"evt_{secrets.token_hex(12)}"
    body: Dict[str, Any] = {
        "event_id": event_id,
        "type": event_type,
        "person_id": person_id,
        "occurred_at": rfc3339(now),
    }
    if case is not None:
        body["case"] = case
    if appointment is not None:
        body["appointment"] = appointment
    if text:
        body["text"] = text
    connection.execute(
        sa.insert(events).values(
            event_id=event_id,
            type=event_type,
            person_id=person_id,
            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            created_at=naive(now),
        )
    )
    subscriber_ids = [row.subscription_id for row in connection.execute(sa.select(subscriptions))]
    if subscriber_ids:
        connection.execute(
            sa.insert(deliveries),
            [
                {
                    "event_id": event_id,
                    "subscription_id": subscription_id,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": naive(now),
                }
                for subscription_id in subscriber_ids
            ],
        )
    return event_id, len(subscriber_ids)


def reminder_text(office_id: str, start: datetime, settings: CmsSettings) -> str:
    """The citizen's reminder: office, address, date and time in office time."""
    office = OFFICES.get(office_id)
    local = start.astimezone(settings.timezone)
    where = (f"{office.name}, {office.street}, {office.postcode} {office.city}" if office
             else office_id)
    return (
        f"Reminder: your appointment at {where} is on {local:%d.%m.%Y} at {local:%H:%M}. "
        "Please bring photo ID. To cancel or change, use My NSSA or call 0800 600 100."
    )


def queue_reminder(connection: Connection, row: Any, now: datetime, settings: CmsSettings) -> str:
    """Queue the `appointment.reminder` of one appointment row; its event id."""
    connection.execute(
        sa.update(appointments)
        .where(appointments.c.appointment_id == row.appointment_id)
        .values(reminder_queued_at=naive(now))
    )
    event_id, _ = queue_event(
        connection,
        "appointment.reminder",
        row.person_id,
        now,
        appointment=appointment_json(row),
        text=reminder_text(row.office_id, as_utc(row.start), settings),
    )
    return event_id


def queue_due_reminders(connection: Connection, now: datetime, settings: CmsSettings) -> int:
    """Queue reminders of appointments that are 24 hours away or less; how many."""
    rows = list(
        connection.execute(
            sa.select(appointments).where(
                appointments.c.reminder_queued_at.is_(None),
                appointments.c.start > naive(now),
                appointments.c.start <= naive(now + REMINDER_AHEAD),
            )
        )
    )
    for row in rows:
        queue_reminder(connection, row, now, settings)
    return len(rows)


class Deliverer:
    """Sends due deliveries; `run()` is the server's background task."""

    def __init__(self, engine: Engine, settings: CmsSettings, clock: Clock, batch: int = 50):
        self._engine = engine
        self._settings = settings
        self._clock = clock
        self._batch = batch
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Deliver now instead of at the next interval (after an in-process change)."""
        self._wake.set()

    def backoff(self, attempts: int) -> timedelta:
        """Delay before attempt `attempts + 1`: base, 2 x base, 4 x base ... capped."""
        seconds = self._settings.retry_base_seconds * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, self._settings.retry_max_seconds))

    async def run(self) -> None:
        """Deliver and queue reminders until cancelled."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                try:
                    await self.run_once(session)
                except asyncio.CancelledError:
                    raise
                except Exception:  # keep the worker alive; the next pass retries
                    logger.exception("Event delivery pass failed")
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._settings.delivery_interval)
                except asyncio.TimeoutError:
                    pass

    async def run_once(self, session: Optional[aiohttp.ClientSession] = None) -> int:
        """Queue due reminders, then attempt every due delivery once; how many were attempted."""
        if session is None:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as own:
                return await self.run_once(own)
        now = self._clock()
        with self._engine.begin() as connection:
            queue_due_reminders(connection, now, self._settings)
        query = (
            sa.select(
                deliveries.c.delivery_id,
                deliveries.c.attempts,
                events.c.event_id,
                events.c.body,
                subscriptions.c.url,
                subscriptions.c.secret,
            )
            .join(events, events.c.event_id == deliveries.c.event_id)
            .join(subscriptions, subscriptions.c.subscription_id == deliveries.c.subscription_id)
            .where(deliveries.c.state == "pending", deliveries.c.next_attempt_at <= naive(now))
            .order_by(deliveries.c.next_attempt_at, deliveries.c.delivery_id)
            .limit(self._batch)
        )
        with self._engine.connect() as connection:
            due = list(connection.execute(query))
        for row in due:
            error = await self._post(session, row.url, row.secret, row.event_id, row.body)
            self._record(row.delivery_id, row.attempts + 1, error)
        return len(due)

    async def _post(
        self, session: aiohttp.ClientSession, url: str, secret: str, event_id: str, body: str
    ) -> Optional[str]:
        raw = body.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "X-CMS-Signature": sign(secret, raw),
            "X-CMS-Event-Id": event_id,
        }
        try:
            async with session.post(url, data=raw, headers=headers) as response:
                if 200 <= response.status < 300:
                    return None
                return f"HTTP {response.status}"
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return f"{type(exc).__name__}: {exc}"[:500]

    def _record(self, delivery_id: int, attempts: int, error: Optional[str]) -> None:
        now = self._clock()
        if error is None:
            values: Dict[str, Any] = {
                "state": "delivered", "attempts": attempts, "delivered_at": naive(now)
            }
            logger.info("Delivery %s delivered (attempt %s)", delivery_id, attempts)
        else:
            given_up = attempts >= self._settings.max_attempts
            values = {
                "state": "failed" if given_up else "pending",
                "attempts": attempts,
                "last_error": error,
                "next_attempt_at": naive(now + self.backoff(attempts)),
            }
            log = logger.error if given_up else logger.warning
            log("Delivery %s attempt %s failed: %s%s", delivery_id, attempts, error,
                " (given up)" if given_up else "")
        with self._engine.begin() as connection:
            connection.execute(
                sa.update(deliveries)
                .where(deliveries.c.delivery_id == delivery_id)
                .values(**values)
            )
