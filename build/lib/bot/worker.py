"""The outbox worker: sends requests kept while a back end was unavailable.

It delivers each due outbox row with the same idempotency key the action
used (so a request the back end did receive is not opened twice), then tells
the citizen in their conversation: Rasa runs the intent
`EXTERNAL_request_sent` with the reference, through the conversation's
latest channel (the internal API's `POST /webhooks/internal/conversations/
<id>/trigger_intent`, with NSSA_API_TOKEN; channels/internal.py).

Every `interval` it also expires the live advisors' hand-overs nobody took
within 10 minutes (`bot/store/handovers.py` `expire`) and gives each of those
citizens the outside-hours offer: Rasa runs `EXTERNAL_handover_expired` in the
conversation the same way (`tell_expired`); one it could not tell is told on a
later round.

Beside it, every `purge_interval_seconds`, it deletes the conversations past
the retention period and those the citizens asked to delete
(`bot/store/retention.py`). Its log records are masked (`bot/privacy.py`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Dict, Optional
from urllib.parse import quote

import httpx

from bot.privacy import install_log_masking
from bot.settings import Settings
from bot.store.delivery import run_worker
from bot.store.forwarded import ForwardedApplications
from bot.store.handovers import Handover, Handovers
from bot.store.outbox import OutboxItem
from bot.store.retention import PurgeReport, Retention
from bot.store.store import Store
from bot.store.tables import FAILED
from clients.cms import CmsClient
from clients.housing import HousingClient
from clients.http import RetryPolicy

__all__ = [
    "deliver_cms_case",
    "deliver_housing_application",
    "notify_citizen",
    "trigger_intent",
    "expire_handovers",
    "expire_periodically",
    "purge_once",
    "purge_periodically",
    "main",
]

logger = logging.getLogger(__name__)

# The worker logs outbox errors and purges: no personal number in clear.
install_log_masking()

_RETRY = RetryPolicy(max_attempts=2, total_timeout=30.0)


def deliver_cms_case(settings: Settings):
    """A handler that opens the kept case in the CMS."""

    async def handler(payload: Dict[str, Any], idempotency_key: str) -> Dict[str, Any]:
        async with CmsClient(settings.cms_url, settings.cms_token, retry=_RETRY) as cms:
            case, _ = await cms.create_case(**payload, idempotency_key=idempotency_key)
        return {"reference": case.reference}

    return handler


def deliver_housing_application(
    settings: Settings, forwarded: Optional[ForwardedApplications] = None
):
    """A handler that forwards the kept application to the Housing Office.

    The payload is `{"application", "person_id", "conversation_id"}`
    (`housing_outbox_payload`; a bare application from before is sent as
    it is). The number the Housing Office gives is recorded as the person's
    in `forwarded` before the row counts as delivered: if recording fails the
    row is tried again, and the same clientReference gets the same number.
    """

    async def handler(payload: Dict[str, Any], idempotency_key: str) -> Dict[str, Any]:
        application = payload.get("application", payload)
        async with HousingClient(settings.housing_url, settings.housing_api_key) as housing:
            receipt = await housing.submit(application)
        person_id, conversation_id = payload.get("person_id"), payload.get("conversation_id")
        if forwarded is not None and person_id and conversation_id:
            await asyncio.to_thread(
                forwarded.record, receipt.application_number, str(person_id), conversation_id
            )
        return {"reference": receipt.application_number}

    return handler


async def trigger_intent(
    settings: Settings, conversation_id: str, name: str, entities: Dict[str, Any], what: str
) -> bool:
    """Run an intent in a conversation through the internal API; True if Rasa did (200)."""
    url = (f"{settings.rasa_url}/webhooks/internal/conversations/"
           f"{quote(conversation_id, safe='')}/trigger_intent")
    headers = {"Authorization": f"Bearer {settings.api_token}"}
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(url, json={"name": name, "entities": entities},
                                         headers=headers)
    except httpx.HTTPError as error:
        logger.warning("Could not reach Rasa to tell %s: %s", what, type(error).__name__)
        return False
    if response.status_code != 200:
        logger.warning("Rasa answered %d telling %s", response.status_code, what)
        return False
    return True


Teller = Callable[[Handover], Awaitable[bool]]


def tell_expired(settings: Settings) -> Teller:
    """A teller that gives the citizen of an expired hand-over the outside-hours offer."""

    async def tell(handover: Handover) -> bool:
        return await trigger_intent(settings, handover.conversation_id,
                                    "EXTERNAL_handover_expired", {}, f"hand-over #{handover.id}")

    return tell


async def expire_handovers(
    handovers: Handovers, tell: Teller, now: Optional[datetime] = None
) -> int:
    """Expire the hand-overs nobody took in time and tell their citizens; how many were told."""
    told = 0
    for handover in await asyncio.to_thread(handovers.expire, now):
        if await tell(handover):
            await asyncio.to_thread(handovers.told, handover.id, now)
            told += 1
    return told


async def expire_periodically(
    handovers: Handovers, tell: Teller, interval: float, stop_event: asyncio.Event
) -> None:
    """`expire_handovers` every `interval` seconds until `stop_event` is set."""
    while not stop_event.is_set():
        try:
            await expire_handovers(handovers, tell)
        except Exception:
            logger.exception("expiring hand-overs failed; next in %.0f s", interval)
        try:
            await asyncio.wait_for(stop_event.wait(), timeout=interval)
        except asyncio.TimeoutError:
            pass


def notify_citizen(settings: Settings):
    """A notifier that tells the citizen the reference in their conversation."""

    async def notify(item: OutboxItem) -> bool:
        if item.state == FAILED:
            # The back end refused what the citizen confirmed: they were told
            # it was saved, so they are told it was not sent and whom to call.
            name, entities = "EXTERNAL_request_failed", {}
        else:
            reference = (item.result or {}).get("reference")
            if not reference:
                return True
            name, entities = "EXTERNAL_request_sent", {"reference": reference}
        return await trigger_intent(settings, item.conversation_id, name, entities,
                                    f"outbox #{item.id}")

    return notify


def purge_once(settings: Settings, retention: Retention) -> PurgeReport:
    """Delete expired conversations and carry out the deletion requests, once."""
    return retention.run(
        timedelta(days=settings.retention_days),
        timedelta(seconds=settings.deletion_idle_seconds),
    )


async def purge_periodically(
    settings: Settings, retention: Retention, stop_event: asyncio.Event
) -> None:
    """`purge_once` every `purge_interval_seconds` (first at once) until `stop_event` is set.

    A failed run (the database is down) is logged and tried again next time.
    """
    while not stop_event.is_set():
        try:
            await asyncio.to_thread(purge_once, settings, retention)
        except Exception:
            logger.exception("conversation purge failed; next in %d s",
                             settings.purge_interval_seconds)
        try:
            await asyncio.wait_for(stop_event.wait(), timeout=settings.purge_interval_seconds)
        except asyncio.TimeoutError:
            pass


async def _run(settings: Settings, interval: float) -> None:
    store = Store.for_url(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    logger.info("Outbox worker started.")
    await asyncio.gather(
        run_worker(
            store.outbox,
            {
                "cms_case": deliver_cms_case(settings),
                "housing_application": deliver_housing_application(
                    settings, store.forwarded
                ),
            },
            interval,
            stop,
            notify=notify_citizen(settings),
        ),
        purge_periodically(settings, Retention(store.engine), stop),
        expire_periodically(store.handovers, tell_expired(settings), interval, stop),
    )


def main(settings: Settings, interval: float = 5.0) -> None:
    """Run the worker until SIGINT or SIGTERM."""
    asyncio.run(_run(settings, interval))
