"""Sending a confirmed request so that nothing is lost and nothing is sent twice.

The request goes into the outbox (bot.store.outbox) before the back end is
called, held back from the worker for `WORKER_GRACE`. Then:

- the back end accepts: the row is marked delivered and told, in one update;
- it is unavailable: the row is due at once, and the worker sends it;
- it refuses: the row is marked failed;
- the action server dies in between (even right after the back end
  accepted): the row stays pending, and after the grace the worker sends it
  again with the same key; the back end answers with what it made the first
  time, and the worker tells the citizen the reference.

The key is derived from the conversation and the confirmed answers
(`clients.http.idempotency_key`), so every path opens one case.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from actions import bootstrap
from bot.errors import StoreError
from bot.store.delivery import error_text
from bot.store.outbox import OutboxItem
from clients.errors import BackendRejected, BackendUnavailable

__all__ = ["WORKER_GRACE", "send_kept"]

logger = logging.getLogger(__name__)

# Longer than an action's whole call with its retries (20 s to the CMS, 25 s
# to the Housing Office: actions/bootstrap.py), so the worker never sends a
# request the action is still sending.
WORKER_GRACE = timedelta(seconds=40)


async def send_kept(
    kind: Text,
    conversation_id: Text,
    channel: Text,
    key: Text,
    payload: Dict[str, Any],
    send: Callable[[], Awaitable[Dict[str, Any]]],
) -> Dict[str, Any]:
    """Keep the request, then `send()` it; the result of `send`.

    Raises what `send` raises (`BackendUnavailable`: the request is kept and
    the worker sends it; `BackendRejected`: it failed for good). When the
    store itself fails, the request is still sent (the key keeps it one case).
    """
    item = await _keep(kind, conversation_id, channel, key, payload)
    try:
        result = await send()
    except BackendUnavailable as error:
        if item is None:
            # Not kept before: keep it now, or the citizen's request is lost.
            item = await _keep(kind, conversation_id, channel, key, payload, grace=False)
            if item is None:
                raise StoreError("the request could not be kept") from error
        else:
            await _store(bootstrap.outbox().mark_retry, item.id, error_text(error),
                         bootstrap.outbox().now())
        raise
    except BackendRejected as error:
        if item is not None:
            await _store(bootstrap.outbox().mark_failed, item.id, error_text(error))
        raise
    if item is not None:
        await _store(bootstrap.outbox().mark_delivered, item.id, result, notified=True)
    return result


async def _keep(
    kind: Text, conversation_id: Text, channel: Text, key: Text, payload: Dict[str, Any],
    grace: bool = True,
) -> Optional[OutboxItem]:
    outbox = bootstrap.outbox()
    not_before = outbox.now() + WORKER_GRACE if grace else None
    try:
        return await asyncio.to_thread(
            lambda: outbox.add(kind, conversation_id, channel, key, payload, not_before=not_before)
        )
    except StoreError as error:
        logger.error("Could not keep a %s in the outbox: %s", kind, error)
        return None


async def _store(method: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    # The back end's answer is what counts for the citizen; a store error
    # here only means the worker may send the request again (same key).
    try:
        await asyncio.to_thread(lambda: method(*args, **kwargs))
    except StoreError as error:
        logger.error("Could not record the outcome of an outbox row: %s", error)
