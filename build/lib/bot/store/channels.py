"""The channels' repositories: who talks in which conversation, opt-outs, buttons, deliveries.

    ChannelIdentities  a Telegram chat id or phone number (the address) on a
                       channel -> the opaque Rasa conversation id it talks in
    ChannelOptOuts     addresses that texted STOP: nothing more is sent
    ButtonPayloads     short ids for button payloads (Telegram's 64-byte callback_data)
    MessageDeliveries  what the platform reported about each message sent
    ContinuityCodes    "continue on my phone": one-time codes joining a conversation

Each method is one transaction; `bind` is an Engine or a session factory, and
`clock` gives the aware time (tests pass their own). Every method is
synchronous: async code calls it through `asyncio.to_thread`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, List, Optional

import sqlalchemy as sa

from bot.store._sql import (
    Bind,
    check_text,
    insert_new,
    rowcount,
    session_factory_for,
    transaction,
    upsert,
)
from bot.store.tables import (
    button_payloads,
    channel_identities,
    channel_opt_outs,
    continuity_codes,
    message_deliveries,
    utcnow,
)

__all__ = [
    "ChannelIdentities",
    "ChannelOptOuts",
    "ButtonPayloads",
    "MessageDeliveries",
    "Delivery",
    "ContinuityCodes",
    "CODE_ALPHABET",
    "normalize_code",
]

Clock = Callable[[], datetime]


class _Repository:
    def __init__(self, bind: Bind, *, clock: Clock = utcnow) -> None:
        self._sessions = session_factory_for(bind)
        self._clock = clock


def new_conversation_id(channel: str) -> str:
    """An opaque conversation id: the channel and 128 random bits, never the address."""
    return f"{channel}-{secrets.token_hex(16)}"


class ChannelIdentities(_Repository):
    """Addresses on a channel and the conversation each talks in."""

    _t = channel_identities

    def conversation_for(self, channel: str, address: str) -> str:
        """The address's conversation id; a new opaque one the first time (race-free)."""
        check_text("channel", channel, self._t.c.channel)
        check_text("address", address, self._t.c.address)
        now = self._clock()
        with transaction(self._sessions, "channel_identities conversation_for") as session:
            values = {
                "channel": channel,
                "address": address,
                "conversation_id": new_conversation_id(channel),
                "created_at": now,
                "updated_at": now,
            }
            # Two processes taking the same address's first message: one insert wins.
            insert_new(session, self._t, values, ("channel", "address"))
            statement = sa.select(self._t.c.conversation_id).where(
                self._t.c.channel == channel, self._t.c.address == address
            )
            return session.execute(statement).scalar_one()

    def address_of(self, channel: str, conversation_id: str) -> Optional[str]:
        """Where this conversation's messages go on `channel` (latest joined), or None."""
        statement = (
            sa.select(self._t.c.address)
            .where(self._t.c.channel == channel, self._t.c.conversation_id == conversation_id)
            .order_by(self._t.c.updated_at.desc())
            .limit(1)
        )
        with transaction(self._sessions, "channel_identities address_of") as session:
            return session.execute(statement).scalar_one_or_none()

    def join(self, channel: str, address: str, conversation_id: str) -> None:
        """From now on the address talks in `conversation_id` (continuity)."""
        check_text("channel", channel, self._t.c.channel)
        check_text("address", address, self._t.c.address)
        check_text("conversation_id", conversation_id, self._t.c.conversation_id)
        now = self._clock()
        values = {
            "channel": channel,
            "address": address,
            "conversation_id": conversation_id,
            "created_at": now,
            "updated_at": now,
        }
        with transaction(self._sessions, "channel_identities join") as session:
            upsert(
                session, self._t, values, ("channel", "address"), ("conversation_id", "updated_at")
            )

    def forget_conversation(self, conversation_id: str) -> int:
        """Remove every address of the conversation; how many (the next message starts anew)."""
        statement = sa.delete(self._t).where(self._t.c.conversation_id == conversation_id)
        with transaction(self._sessions, "channel_identities forget") as session:
            return rowcount(session, statement)


class ChannelOptOuts(_Repository):
    """Addresses that asked for no more messages on a channel (SMS STOP)."""

    _t = channel_opt_outs

    def opt_out(self, channel: str, address: str) -> bool:
        """Nothing more goes to the address; False if it had opted out already."""
        check_text("channel", channel, self._t.c.channel)
        check_text("address", address, self._t.c.address)
        values = {"channel": channel, "address": address, "created_at": self._clock()}
        with transaction(self._sessions, "channel_opt_outs insert") as session:
            return insert_new(session, self._t, values, ("channel", "address"))

    def opt_in(self, channel: str, address: str) -> bool:
        """Messages again; False if the address had not opted out."""
        statement = sa.delete(self._t).where(
            self._t.c.channel == channel, self._t.c.address == address
        )
        with transaction(self._sessions, "channel_opt_outs delete") as session:
            return rowcount(session, statement) == 1

    def opted_out(self, channel: str, address: str) -> bool:
        """Whether the address opted out (and not back in since)."""
        statement = sa.select(self._t.c.address).where(
            self._t.c.channel == channel, self._t.c.address == address
        )
        with transaction(self._sessions, "channel_opt_outs get") as session:
            return session.execute(statement).first() is not None


class ButtonPayloads(_Repository):
    """Button payloads by a short id of their hash, for platforms with small callback data."""

    _t = button_payloads
    PREFIX = "b:"

    def short_id(self, payload: str) -> str:
        """`b:` and 24 hex characters of SHA-256(payload); stored so any process can map it back."""
        if not isinstance(payload, str) or not payload:
            raise ValueError("payload must be a non-empty string")
        short = self.PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        values = {"short_id": short, "payload": payload, "created_at": self._clock()}
        with transaction(self._sessions, "button_payloads insert") as session:
            insert_new(session, self._t, values, ("short_id",))
        return short

    def payload_of(self, short_id: str) -> Optional[str]:
        """The payload of a short id, or None if unknown."""
        statement = sa.select(self._t.c.payload).where(self._t.c.short_id == short_id)
        with transaction(self._sessions, "button_payloads get") as session:
            return session.execute(statement).scalar_one_or_none()


@dataclass(frozen=True)
class Delivery:
    """The latest status the platform reported for one message."""

    channel: str
    message_id: str
    conversation_id: Optional[str]
    status: str
    error_code: Optional[str]
    updated_at: datetime


class MessageDeliveries(_Repository):
    """Delivery statuses of sent messages (Twilio's status callbacks)."""

    _t = message_deliveries
    FAILED = ("failed", "undelivered")

    def record(
        self,
        channel: str,
        message_id: str,
        status: str,
        *,
        conversation_id: Optional[str] = None,
        error_code: Optional[str] = None,
    ) -> None:
        """Keep the message's latest status (a later callback replaces an earlier one)."""
        check_text("channel", channel, self._t.c.channel)
        check_text("message_id", message_id, self._t.c.message_id)
        check_text("status", status, self._t.c.status)
        if error_code is not None:
            error_code = str(error_code)[: self._t.c.error_code.type.length]
        values = {
            "channel": channel,
            "message_id": message_id,
            "conversation_id": conversation_id,
            "status": status,
            "error_code": error_code,
            "updated_at": self._clock(),
        }
        updates = ["status", "error_code", "updated_at"]
        if conversation_id is not None:
            updates.append("conversation_id")
        with transaction(self._sessions, "message_deliveries record") as session:
            upsert(session, self._t, values, ("channel", "message_id"), updates)

    def get(self, channel: str, message_id: str) -> Optional[Delivery]:
        """The message's latest status, or None."""
        statement = sa.select(self._t).where(
            self._t.c.channel == channel, self._t.c.message_id == message_id
        )
        with transaction(self._sessions, "message_deliveries get") as session:
            row = session.execute(statement).first()
            return Delivery(**row._mapping) if row is not None else None

    def failed(self, channel: str) -> List[Delivery]:
        """Messages on `channel` the platform could not deliver, newest first."""
        statement = (
            sa.select(self._t)
            .where(self._t.c.channel == channel, self._t.c.status.in_(self.FAILED))
            .order_by(self._t.c.updated_at.desc())
        )
        with transaction(self._sessions, "message_deliveries failed") as session:
            return [Delivery(**row._mapping) for row in session.execute(statement)]


# No 0/O or 1/I/L: a code is read off one screen and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def normalize_code(text: str) -> str:
    """A typed code as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch not in " -")


class ContinuityCodes(_Repository):
    """One-time codes that move a conversation to another channel."""

    _t = continuity_codes

    def issue(self, conversation_id: str, *, ttl: timedelta = timedelta(minutes=10)) -> str:
        """A new 6-character code for the conversation, valid for `ttl`, usable once."""
        check_text("conversation_id", conversation_id, self._t.c.conversation_id)
        now = self._clock()
        with transaction(self._sessions, "continuity_codes issue") as session:
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                values = {
                    "code": code,
                    "conversation_id": conversation_id,
                    "created_at": now,
                    "expires_at": now + ttl,
                }
                if insert_new(session, self._t, values, ("code",)):
                    return code

    def redeem(self, code: str, *, channel: str) -> Optional[str]:
        """The conversation of an unexpired, unused code, which is used up; else None."""
        code = normalize_code(code)
        if len(code) != CODE_LENGTH:
            return None
        now = self._clock()
        statement = (
            sa.update(self._t)
            .where(
                self._t.c.code == code,
                self._t.c.used_at.is_(None),
                self._t.c.expires_at > now,
            )
            .values(used_at=now, used_on=channel[: self._t.c.used_on.type.length])
        )
        with transaction(self._sessions, "continuity_codes redeem") as session:
            # The conditional UPDATE decides: two processes redeeming at once, one wins.
            if rowcount(session, statement) != 1:
                return None
            select = sa.select(self._t.c.conversation_id).where(self._t.c.code == code)
            return session.execute(select).scalar_one()
