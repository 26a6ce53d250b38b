"""The outbox worker: deliver due requests, then tell the citizens the results.

`handlers` maps an outbox kind to `async handler(payload, idempotency_key)`
returning a JSON-able dict (say `{"reference": case.reference}`). What the
handler raises decides what happens to the row:

- `BackendRejected` (4xx): failed for good; sending it again will not help.
- `BackendUnavailable`: pending again after `backoff()`, or later if the
  server's Retry-After asked for more.
- anything else (`BackendProtocolError`, a bug): pending again after
  `backoff()`, logged with its traceback. Resending is safe because the back
  end sees the same idempotency key.

`notify(item)` (sync or async) tells the citizen about a delivered row; the
row is marked notified only when it returns True. Nothing here knows Rasa.

Database calls run in a worker thread, so a slow or locked database does not
stall the event loop the worker shares with the channels.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple, Union

from bot.store._sql import to_json
from bot.store.outbox import Outbox, OutboxItem, backoff
from bot.store.tables import DELIVERED, FAILED
from clients.errors import BackendError, BackendRejected, BackendUnavailable

__all__ = ["Handler", "Notify", "deliver_due", "notify_delivered", "run_worker", "error_text"]

logger = logging.getLogger(__name__)

Handler = Callable[[Dict[str, Any], str], Awaitable[Mapping[str, Any]]]
Notify = Callable[[OutboxItem], Union[bool, Awaitable[bool]]]

DEFAULT_BATCH = 20


def error_text(exc: BaseException) -> str:
    """What `last_error` keeps: the class, and the message only for back-end errors.

    The clients' error messages name the system, status and code and never
    what the citizen typed; other exceptions may quote a value, so they are
    kept by class name alone (the log has the traceback).
    """
    name = type(exc).__name__
    return f"{name}: {exc}" if isinstance(exc, BackendError) else name


async def deliver_due(
    outbox: Outbox,
    handlers: Mapping[str, Handler],
    now: Optional[datetime] = None,
    *,
    limit: int = DEFAULT_BATCH,
) -> int:
    """Claim the due rows of the handled kinds and deliver them; the number delivered."""
    delivered, _ = await _deliver_batch(outbox, handlers, now, limit)
    return delivered


async def notify_delivered(
    outbox: Outbox, notify: Notify, now: Optional[datetime] = None, *, limit: int = DEFAULT_BATCH
) -> int:
    """Call `notify` for delivered rows not yet notified; the number it confirmed."""
    # Refused rows too: a citizen told "saved" must hear that it was not sent.
    items = await asyncio.to_thread(
        outbox.undelivered_notifications, now, limit, states=(DELIVERED, FAILED)
    )
    told = 0
    for item in items:
        try:
            answer = notify(item)
            if inspect.isawaitable(answer):
                answer = await answer
        except Exception:
            logger.exception("outbox %s #%d: notify failed; offered again", item.kind, item.id)
            continue
        if answer is True:
            await asyncio.to_thread(outbox.mark_notified, item.id)
            told += 1
    return told


async def run_worker(
    outbox: Outbox,
    handlers: Mapping[str, Handler],
    interval: float,
    stop_event: asyncio.Event,
    *,
    notify: Optional[Notify] = None,
    limit: int = DEFAULT_BATCH,
) -> None:
    """Deliver (and notify) every `interval` seconds until `stop_event` is set.

    A full batch is followed by the next at once. A round that fails (the
    database is down) is logged and tried again after `interval`. Stopping
    waits for the round under way, so no delivery is cut off half recorded.
    """
    if interval <= 0:
        raise ValueError("interval must be positive")
    while not stop_event.is_set():
        attempted = 0
        try:
            _, attempted = await _deliver_batch(outbox, handlers, None, limit)
            if notify is not None:
                await notify_delivered(outbox, notify, limit=limit)
        except Exception:
            logger.exception("outbox worker: round failed; next in %.0f s", interval)
            attempted = 0
        if attempted >= limit:
            continue
        try:
            await asyncio.wait_for(stop_event.wait(), timeout=interval)
        except asyncio.TimeoutError:
            pass


async def _deliver_batch(
    outbox: Outbox, handlers: Mapping[str, Handler], now: Optional[datetime], limit: int
) -> Tuple[int, int]:
    """(delivered, attempted) for one batch of due rows."""
    # Only kinds this process can send: a row of a newer kind waits for a worker that can.
    items = await asyncio.to_thread(outbox.due, now, limit, kinds=list(handlers))
    delivered = 0
    for item in items:
        if await _deliver(outbox, handlers[item.kind], item, now):
            delivered += 1
    return delivered, len(items)


async def _deliver(
    outbox: Outbox, handler: Handler, item: OutboxItem, now: Optional[datetime]
) -> bool:
    try:
        result = dict(await handler(item.payload, item.idempotency_key))
        to_json(result, "handler result")  # refuse it before it is half recorded
    except BackendRejected as exc:
        logger.warning("outbox %s #%d: %s; failed", item.kind, item.id, exc)
        await asyncio.to_thread(outbox.mark_failed, item.id, error_text(exc))
        return False
    except Exception as exc:
        wait = backoff(max(item.attempts, 1))
        if isinstance(exc, BackendUnavailable):
            if exc.retry_after is not None:
                wait = max(wait, timedelta(seconds=exc.retry_after))
            logger.warning("outbox %s #%d: %s; retry in %s", item.kind, item.id, exc, wait)
        else:
            name = type(exc).__name__
            logger.exception("outbox %s #%d: %s; retry in %s", item.kind, item.id, name, wait)
        when = (now or outbox.now()) + wait
        await asyncio.to_thread(outbox.mark_retry, item.id, error_text(exc), when)
        return False
    recorded = await asyncio.to_thread(outbox.mark_delivered, item.id, result, now=now)
    if not recorded:
        # Another worker finished it after our lease ran out; the back end saw one request.
        logger.warning("outbox %s #%d: already finished elsewhere", item.kind, item.id)
    return recorded
