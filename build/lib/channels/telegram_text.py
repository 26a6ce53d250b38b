"""Telegram text: splitting at 4096, button data within 64 bytes, pacing per chat.

Pure helpers of the Telegram channel (channels/telegram.py, telegram_api.py),
with no I/O: the button store and the clock are handed in.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, List, Optional, Union

from bot.store.channels import ButtonPayloads

__all__ = [
    "split_text",
    "callback_data_for",
    "payload_for",
    "Pacer",
    "as_seconds",
    "as_chat_id",
    "MAX_MESSAGE",
    "MAX_CALLBACK_DATA",
]

MAX_MESSAGE = 4096  # Telegram's limit, counted here in UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_MESSAGE) -> List[str]:
    """`text` in parts of at most `limit` UTF-16 units, cut at a paragraph, line or word."""
    text = text.strip()
    parts: List[str] = []
    while text:
        if _units(text) <= limit:
            parts.append(text)
            break
        head = text[: _fit(text, limit)]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = head.rfind(separator)
            if cut > 0:
                break
        if cut <= 0:
            cut = len(head)  # one word longer than a message: cut it
        parts.append(text[:cut].rstrip())
        text = text[cut:].strip()
    return [part for part in parts if part]


def _direct(payload: str) -> bool:
    # Telegram clients can send any callback_data, so a payload that sets
    # entities (`/intent{"slot": ...}`) or a confidence (`@0.9`) travels only
    # as a stored short id: only payloads the assistant really offered work.
    return (
        len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA
        and not payload.startswith(ButtonPayloads.PREFIX)
        and "{" not in payload
        and "@" not in payload
    )


def callback_data_for(payload: str, buttons: Any) -> str:
    """The callback_data of a button: the payload itself if it fits, else a stored short id."""
    return payload if _direct(payload) else buttons.short_id(payload)


def payload_for(data: Optional[str], buttons: Any) -> Optional[str]:
    """The payload of a callback_data, or None for an unknown or expired one."""
    if not data:
        return None
    if data.startswith(ButtonPayloads.PREFIX):
        return buttons.payload_of(data)
    return data if _direct(data) else None


class Pacer:
    """One message per `interval` seconds per chat, in this process (order of reservation)."""

    def __init__(
        self,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next: Dict[str, float] = {}

    async def wait(self, chat: str) -> None:
        """Wait for the chat's next free slot and take it."""
        now = self._clock()
        slot = max(now, self._next.get(chat, now))
        self._next[chat] = slot + self.interval
        if len(self._next) > 10_000:
            for key in [k for k, v in self._next.items() if v < now]:
                del self._next[key]
        if slot > now:
            await self._sleep(slot - now)

    def hold(self, chat: str, seconds: float) -> None:
        """No message to the chat for `seconds` (Telegram's RetryAfter)."""
        now = self._clock()
        self._next[chat] = max(self._next.get(chat, now), now + seconds)


def as_seconds(value: Union[int, float, timedelta]) -> float:
    """Seconds of a RetryAfter (a number, or a timedelta since python-telegram-bot 22.2)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def as_chat_id(address: str) -> Union[int, str]:
    """The stored address as the Bot API's chat_id: an integer, or an @channel name."""
    return int(address) if re.fullmatch(r"-?\d+", address) else address
