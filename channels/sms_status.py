"""Twilio's status callbacks for the SMS sent: kept in MessageDeliveries (channels/sms.py).

A later status is never replaced by an earlier one arriving late.
"""

from __future__ import annotations

import asyncio
from typing import Optional

from bot.store.store import Store
from channels.sms_output import CHANNEL

__all__ = ["record_status"]

# Later statuses are not replaced by earlier ones arriving late.
_STATUS_RANK = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3,
                "receiving": 3, "received": 4, "delivered": 5, "read": 6,
                "undelivered": 5, "failed": 5, "canceled": 5}


async def record_status(store: Store, sid: str, status: str, error: Optional[str]) -> None:
    """Keep the status of the SMS `sid`, unless a later one is already kept."""
    known = await asyncio.to_thread(store.deliveries.get, CHANNEL, sid)
    if known is not None and _STATUS_RANK.get(known.status, 0) > _STATUS_RANK.get(status, 0):
        return
    await asyncio.to_thread(store.deliveries.record, CHANNEL, sid, status, error_code=error)
