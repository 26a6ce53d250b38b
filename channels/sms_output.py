"""The SMS channel's sending side: a turn's bot messages as few SMS as fit.

`SmsOutput` sends to any SMS conversation (proactive notices): the
recipient is the conversation id, its number is looked up in the channel
store, and nothing goes to a number that opted out (checked before every
SMS, as a STOP may arrive mid-turn). `SmsTurnOutput` collects one turn and
`flush()` sends it (channels/sms.py calls it after Rasa's turn);
`offered_options` reads back the options a turn offered and `mapped_reply`
maps a reply to one of them. A send
that fails is kept as a failed delivery; Twilio's "unsubscribed recipient"
refusal also opts the number out here.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel

from bot.store.store import Store
from channels import sms_text
from channels.common import last_bot_turn
from channels.sms_text import BotMessage, Option
from channels.twilio_api import SmsNotSent, SmsSender

__all__ = [
    "CHANNEL", "UNSUBSCRIBED_CODE", "SmsOutput", "SmsTurnOutput", "offered_options", "mapped_reply",
]

logger = logging.getLogger(__name__)

CHANNEL = "sms"
# Twilio: "Attempt to send to unsubscribed recipient".
UNSUBSCRIBED_CODE = 21610

StoreFactory = Callable[[], Store]


class SmsOutput(OutputChannel):
    """Sends to any SMS conversation: recipient_id is the conversation id, never a number.

    Each bot message goes out as it comes (proactive notices);
    `SmsTurnOutput` collects a turn instead.
    """

    def __init__(
        self, sender: SmsSender, store: StoreFactory, *, address: Optional[str] = None
    ) -> None:
        self._sender = sender
        self._store = store
        self._address = address

    @classmethod
    def name(cls) -> Text:
        """The name Rasa picks the `channel: sms` response variants by."""
        return CHANNEL

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Send one text (`language`: the language it is in, bot/i18n/nlg.py)."""
        await self.deliver(recipient_id, [BotMessage(text, (), kwargs.get("language"))])

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Send the text with its buttons as a numbered list."""
        await self.deliver(recipient_id, [BotMessage(text, buttons, kwargs.get("language"))])

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Quick replies are numbered like buttons."""
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """No pictures by SMS (only nssa.example links may be sent)."""
        logger.info("SMS %s: an image was not sent", recipient_id)

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        """No attachments by SMS."""
        logger.info("SMS %s: an attachment was not sent", recipient_id)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        """Custom payloads are for other channels."""
        logger.debug("SMS %s: a custom message was not sent", recipient_id)

    async def deliver(self, conversation_id: str, messages: List[BotMessage]) -> int:
        """Send the messages to the conversation's number unless it opted out; how many SMS."""
        bodies = sms_text.compose_turn(messages)
        if not bodies:
            return 0
        store = self._store()
        address = self._address or await asyncio.to_thread(
            store.identities.address_of, CHANNEL, conversation_id
        )
        if address is None:
            logger.warning("SMS %s: no number for this conversation; not sent", conversation_id)
            return 0
        sent = 0
        for body in bodies:
            # Checked before every message: a STOP may arrive in the middle of a turn.
            if await asyncio.to_thread(store.opt_outs.opted_out, CHANNEL, address):
                logger.info("SMS %s: the number opted out; not sent", conversation_id)
                return sent
            try:
                sid = await self._sender.send(address, body)
            except SmsNotSent as exc:
                await self._record_failure(store, conversation_id, address, exc)
                continue
            sent += 1
            await asyncio.to_thread(
                store.deliveries.record, CHANNEL, sid, "queued", conversation_id=conversation_id
            )
        return sent

    @staticmethod
    async def _record_failure(
        store: Store, conversation_id: str, address: str, exc: SmsNotSent
    ) -> None:
        logger.warning("SMS %s: not sent: %s", conversation_id, exc)
        # Kept as a failed delivery (no Twilio sid: a local one), so it is seen.
        await asyncio.to_thread(
            store.deliveries.record, CHANNEL, f"local-{uuid.uuid4().hex}", "failed",
            conversation_id=conversation_id,
            error_code=str(exc.code or exc.status or "unavailable"),
        )
        if exc.code == UNSUBSCRIBED_CODE:
            await asyncio.to_thread(store.opt_outs.opt_out, CHANNEL, address)


class SmsTurnOutput(SmsOutput):
    """Collects one turn's bot messages; `flush()` sends them as few SMS as fit."""

    def __init__(self, sender: SmsSender, store: StoreFactory, *, address: str) -> None:
        super().__init__(sender, store, address=address)
        self.messages: List[BotMessage] = []

    async def deliver(self, conversation_id: str, messages: List[BotMessage]) -> int:
        """Keep the messages for `flush`."""
        self.messages.extend(messages)
        return 0

    async def flush(self, conversation_id: str) -> int:
        """Send what the turn said; how many SMS went out."""
        messages, self.messages = self.messages, []
        return await SmsOutput.deliver(self, conversation_id, messages)


def offered_options(
    events: Any, *, max_age: float = 0, now: Optional[float] = None
) -> List[Option]:
    """The options of the conversation's last bot turn (its events since the last user message).

    Options older than `max_age` seconds (the session expiry; 0: no limit)
    are stale: the conversation starts anew.
    """
    now = time.time() if now is None else now
    turn = last_bot_turn(events)
    if not turn or (max_age and now - turn[-1].timestamp > max_age):
        return []
    return sms_text.turn_options(
        [BotMessage(e.text or "", (e.data or {}).get("buttons") or ()) for e in turn]
    )


async def mapped_reply(app: Any, conversation_id: str, text: str) -> str:
    """The payload of the option the text picks from the last ones offered, else the text."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is None or getattr(agent, "tracker_store", None) is None:
        return text
    tracker = await agent.tracker_store.retrieve(conversation_id)
    if tracker is None:
        return text
    minutes = getattr(getattr(agent.domain, "session_config", None),
                      "session_expiration_time", 0) if agent.domain else 0
    opts = offered_options(tracker.events, max_age=float(minutes or 0) * 60)
    return sms_text.choose(text, opts) or text
