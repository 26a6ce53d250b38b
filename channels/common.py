"""What every channel does before a message reaches Rasa, and the store they share.

    clean_text    Unicode NFC, control and invisible format characters dropped
    Gate          empty messages, the length cap and a per-sender rate limit,
                  each answered politely instead of silently dropped, in the
                  conversation's language (texts.yml `gate_*`; EMPTY_REPLY and
                  RATE_LIMITED_REPLY are the English ones)
    Store  the channels' repositories on the conversation store's
                  database, one per process and URL, built on first use
    conversation_of  the conversation an address talks in, after a
                  continuity code ("continue on my phone") if the text is one
    unforged      a typed "/intent{...}" is read as words unless a button offered it

Nothing here does I/O at import time: Rasa imports channels while it reads
credentials.yml.
"""

from __future__ import annotations

import asyncio
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

from bot.settings import Settings
from bot.store.store import Store
from channels.rate_limit import LocalWindow, Window, window

__all__ = [
    "clean_text",
    "Verdict",
    "Gate",
    "Store",
    "too_long_reply",
    "CONTINUED_MESSAGE",
    "conversation_of",
    "last_bot_turn",
    "offered_payloads",
    "unforged",
]

# What Rasa is told in the joined conversation: the intent that re-checks
# identity and offers the half-finished form (data/core/continuity.yml).
CONTINUED_MESSAGE = "/EXTERNAL_continued"



def __getattr__(name: str) -> str:
    """EMPTY_REPLY and RATE_LIMITED_REPLY: the gate's English answers (texts.yml), on use."""
    from channels.texts import say

    if name == "EMPTY_REPLY":
        return say("gate_empty")
    if name == "RATE_LIMITED_REPLY":
        return say("gate_rate_limited")
    raise AttributeError(name)


def too_long_reply(limit: int, lang: Optional[str] = None) -> str:
    """The answer to a message over the length cap, in `lang` (English by default)."""
    from channels.texts import say

    return say("gate_too_long", lang, limit=limit)


# Kept although Unicode calls them control (Cc) or format (Cf) characters:
# line breaks and tabs, and the joiners that emoji and some scripts need.
_KEEP = {"\n", "\t", "\u200c", "\u200d"}


def clean_text(text: str) -> str:
    """NFC-normalized text without control or invisible format characters, stripped.

    Lone surrogates (which cannot be stored or encoded) are dropped too.
    """
    text = unicodedata.normalize("NFC", text)
    kept = []
    for ch in text:
        if ch in _KEEP:
            kept.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        kept.append(ch)
    return "".join(kept).replace("\r\n", "\n").strip()


@dataclass(frozen=True)
class Verdict:
    """Whether a message goes on to Rasa, as what text, or what to answer instead."""

    ok: bool
    text: str
    reply: Optional[str] = None
    reason: Optional[str] = None


class Gate:
    """Empty messages, the length cap and a sliding-window rate limit per sender.

    The limit is counted in a `Window` (channels/rate_limit.py): in Redis
    when NSSA_REDIS_URL is set, so several Rasa servers share it; else in
    this process. Over the limit, the first message of the minute gets
    RATE_LIMITED_REPLY and later ones get it too, so no message is ever
    dropped in silence.
    """

    WINDOW = 60.0

    def __init__(
        self,
        max_chars: int,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        *,
        counter: Optional[Window] = None,
    ) -> None:
        if max_chars <= 0 or per_minute <= 0:
            raise ValueError("max_chars and per_minute must be above 0")
        self.max_chars = max_chars
        self._window = counter or LocalWindow(per_minute, self.WINDOW, clock)

    @property
    def per_minute(self) -> int:
        """The messages a sender may send in a minute: the window's own limit."""
        return self._window.limit

    @classmethod
    def from_settings(cls, settings: Settings, channel: str) -> "Gate":
        """The `channel`'s gate with the limits of the settings, shared through Redis if set."""
        return cls.with_limits(settings.max_message_chars, settings.rate_limit_per_minute,
                               settings.redis_url, channel)

    @classmethod
    def with_limits(
        cls, max_chars: int, per_minute: int, redis_url: Optional[str], channel: str
    ) -> "Gate":
        """The `channel`'s gate, its rate limit in Redis when `redis_url` is given."""
        return cls(max_chars, per_minute,
                   counter=window(per_minute, cls.WINDOW, redis_url, f"gate:{channel}"))

    def check(self, sender_key: str, text: Optional[str], lang: Optional[str] = None) -> Verdict:
        """The verdict on one message of `sender_key` (any string naming the sender).

        A refused message's answer is in `lang` (English by default).
        """
        from channels.texts import say

        cleaned = clean_text(text or "")
        if self._limited(sender_key):
            return Verdict(False, cleaned, say("gate_rate_limited", lang), "rate_limited")
        if not cleaned:
            return Verdict(False, cleaned, say("gate_empty", lang), "empty")
        if len(cleaned) > self.max_chars:
            return Verdict(False, cleaned, too_long_reply(self.max_chars, lang), "too_long")
        return Verdict(True, cleaned)

    def check_again(self, verdict: Verdict, lang: str) -> Verdict:
        """A refused verdict with its answer in `lang` (the message is not counted twice)."""
        from channels.texts import say

        replies = {
            "rate_limited": lambda: say("gate_rate_limited", lang),
            "empty": lambda: say("gate_empty", lang),
            "too_long": lambda: too_long_reply(self.max_chars, lang),
        }
        if verdict.ok or verdict.reason not in replies:
            return verdict
        return Verdict(False, verdict.text, replies[verdict.reason](), verdict.reason)

    def _limited(self, sender_key: str) -> bool:
        return not self._window.hit(sender_key)


# A code as `ContinuityCodes` makes it, typed with or without a space or dash.
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9]{3}[ -]?[A-Za-z0-9]{3}$")


def _redeem_and_join(store: Store, code: str, channel: str, address: str) -> Optional[str]:
    """Use up the code and join its conversation, in one transaction: both or neither."""
    with store.unit_of_work():
        joined = store.codes.redeem(code, channel=channel)
        if joined is not None:
            store.identities.join(channel, address, joined)
        return joined


async def conversation_of(
    store: Store, channel: str, address: str, text: str
) -> Tuple[str, str]:
    """(conversation id, text for Rasa) of a message from `address` on `channel`.

    If the whole text is a live continuity code, the address joins the
    code's conversation and Rasa gets CONTINUED_MESSAGE instead of the code;
    otherwise the address's own conversation and the text unchanged. A
    code-shaped text that is no live code is an ordinary message.
    """
    if _CODE_SHAPE.match(text.strip()):
        joined = await asyncio.to_thread(_redeem_and_join, store, text.strip(), channel, address)
        if joined is not None:
            return joined, CONTINUED_MESSAGE
    conversation = await asyncio.to_thread(store.identities.conversation_for, channel, address)
    return conversation, text


def last_bot_turn(events: Any) -> List[Any]:
    """The conversation's last bot turn: its BotUttered events since the last user message."""
    from rasa.shared.core.events import BotUttered, UserUttered

    turn: List[Any] = []
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            turn.insert(0, event)
    return turn


def offered_payloads(events: Any) -> List[str]:
    """The button payloads of the conversation's last bot turn (since the last user message)."""
    payloads: List[str] = []
    for event in last_bot_turn(events):
        data = event.data or {}
        for button in [*(data.get("buttons") or ()), *(data.get("quick_replies") or ())]:
            payload = button.get("payload") if isinstance(button, dict) else None
            if isinstance(payload, str) and payload:
                payloads.append(payload)
    return payloads


async def unforged(app: Any, conversation_id: str, text: str) -> str:
    """The text, unless it is a typed Rasa command ("/intent{...}") that no button offered.

    Rasa reads a message starting with "/" as an intent with entities, so a
    typed `/inform{"identity_level": 2}` would skip the dialogue. A payload
    of a button the bot just offered is let through (buttons send exactly
    that); any other such text loses its leading slashes and is read as words.
    """
    if not text.startswith("/"):
        return text
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    tracker_store = getattr(agent, "tracker_store", None)
    if tracker_store is None:
        return text  # not in a Rasa server: no conversation to check against
    tracker = await tracker_store.retrieve(conversation_id)
    if tracker is not None and text in offered_payloads(tracker.events):
        return text
    return text.lstrip("/").strip() or "?"
