"""The Bot API side of the Telegram channel: sending, and the webhook commands.

    TelegramOutput   sends to any conversation that has a Telegram chat
                     (recipient_id = conversation id -> ChannelIdentities)
    make_bot         a python-telegram-bot Bot on the API URL, token kept out of logs
    set_webhook, delete_webhook, webhook_info
                     `python -m bot telegram ...`

Replies are plain text (no parse_mode, so nothing needs escaping), split at
4096 UTF-16 units at a paragraph, line or word boundary, with buttons as an
inline keyboard on the last part, paced to one message a second per chat.
A RetryAfter is waited out (MAX_RETRY_WAIT at most per message); a network
error or timeout is retried with backoff (a timed-out send may have arrived,
so a retry can show it twice); a permanent failure (bot blocked, bad request)
is logged, and the turn goes on. Nothing here raises to the webhook.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text

from rasa.core.channels.channel import OutputChannel

from bot.errors import NssaError
from bot.retry import backoff_seconds
from bot.settings import Settings
from bot.store.store import Store
from channels.telegram_text import (
    Pacer,
    as_chat_id,
    as_seconds,
    callback_data_for,
    split_text,
)

__all__ = [
    "TelegramOutput",
    "make_bot",
    "set_webhook",
    "delete_webhook",
    "webhook_info",
    "CHANNEL",
    "ALLOWED_UPDATES",
    "WEBHOOK_PATH",
]

logger = logging.getLogger(__name__)
# Retries wait 1, 2, 4 ... times the backoff (equal jitter, bot/retry.py), at most this.
_LONGEST_WAIT = 30.0

CHANNEL = "telegram"
WEBHOOK_PATH = "/webhooks/telegram/webhook"
# The update types channels/telegram.py handles; setWebhook asks Telegram for these only.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
MAX_RETRY_WAIT = 30.0  # seconds of RetryAfter one message waits at most
SEND_ATTEMPTS = 4


class TelegramOutput(OutputChannel):
    """Sends to any conversation that has a Telegram chat (recipient_id = conversation id)."""

    def __init__(
        self,
        bot: Any,
        store: Store,
        pacer: Pacer,
        *,
        known: Optional[Mapping[str, str]] = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        backoff: float = 0.5,
    ) -> None:
        self._bot = bot
        self._store = store
        self._pacer = pacer
        self._known = dict(known or {})
        self._sleep = sleep
        self._backoff = backoff

    @classmethod
    def name(cls) -> Text:
        """The channel's name, as the input channel's."""
        return CHANNEL

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Send the text, split where it is too long."""
        chat = await self._chat_of(recipient_id)
        if chat is not None:
            await self.send_to_chat(chat, text)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Send the text with the buttons as an inline keyboard on its last part."""
        chat = await self._chat_of(recipient_id)
        if chat is not None:
            await self.send_to_chat(chat, text, await self.keyboard(buttons))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Quick replies are buttons on Telegram."""
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """The image's link (Telegram shows a preview)."""
        await self.send_text_message(recipient_id, image)

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        """The attachment's link or text."""
        await self.send_text_message(recipient_id, str(attachment))

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        """The `text` of a custom message, if any; raw JSON is never shown to a citizen."""
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str) and text.strip():
            await self.send_text_message(recipient_id, text)
        else:
            logger.debug("Telegram: custom message without text not sent")

    async def keyboard(self, buttons: List[Dict[Text, Any]]) -> Optional[Any]:
        """An inline keyboard, one button a row, callback_data within 64 bytes."""
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup

        rows = []
        for button in buttons or []:
            payload = str(button.get("payload") or "").strip()
            title = str(button.get("title") or payload).strip()
            if not payload or not title:
                continue
            data = await asyncio.to_thread(callback_data_for, payload, self._store.buttons)
            rows.append([InlineKeyboardButton(title, callback_data=data)])
        return InlineKeyboardMarkup(rows) if rows else None

    async def send_to_chat(self, chat: str, text: str, markup: Optional[Any] = None) -> bool:
        """Send to a chat id; False (logged) if a part could not be sent. Never raises."""
        parts = split_text(text or "")
        for number, part in enumerate(parts, 1):
            last = number == len(parts)
            if not await self._send_part(chat, part, markup if last else None):
                return False
        return True

    async def _send_part(self, chat: str, text: str, markup: Optional[Any]) -> bool:
        from telegram.error import (
            BadRequest,
            Forbidden,
            NetworkError,
            RetryAfter,
            TelegramError,
        )

        waited = 0.0
        for attempt in range(1, SEND_ATTEMPTS + 1):
            await self._pacer.wait(chat)
            try:
                await self._bot.send_message(
                    chat_id=as_chat_id(chat), text=text, reply_markup=markup
                )
                return True
            except RetryAfter as exc:
                delay = as_seconds(exc.retry_after)
                if attempt == SEND_ATTEMPTS or waited + delay > MAX_RETRY_WAIT:
                    logger.error("Telegram: flood limit, message not sent (retry after %.0f s)",
                                 delay)
                    return False
                logger.warning("Telegram: flood limit, waiting %.1f s before sending", delay)
                waited += delay
                self._pacer.hold(chat, delay)
            except Forbidden as exc:
                # The citizen blocked the bot or deleted the chat: nothing to retry.
                logger.warning("Telegram: message not delivered, the chat refuses it: %s", exc)
                return False
            except BadRequest as exc:
                logger.error("Telegram: message refused as a bad request: %s", exc)
                return False
            except NetworkError as exc:  # TimedOut included
                if attempt == SEND_ATTEMPTS:
                    logger.error("Telegram: message not sent after %d attempts: %s", attempt, exc)
                    return False
                logger.warning("Telegram: send failed (%s), retrying", exc)
                await self._sleep(backoff_seconds(attempt, self._backoff, cap=_LONGEST_WAIT))
            except TelegramError as exc:
                logger.error("Telegram: message not sent: %s", exc)
                return False
        return False

    async def answer_callback(self, query_id: str, text: Optional[str] = None) -> None:
        """Answer a callback query (stops the button's spinner); failures are only logged."""
        from telegram.error import TelegramError

        try:
            await self._bot.answer_callback_query(callback_query_id=query_id, text=text)
        except TelegramError as exc:
            logger.warning("Telegram: callback query not answered: %s", exc)

    async def _chat_of(self, conversation_id: str) -> Optional[str]:
        chat = self._known.get(conversation_id)
        if chat is None:
            chat = await asyncio.to_thread(
                self._store.identities.address_of, CHANNEL, conversation_id
            )
        if chat is None:
            logger.warning("Telegram: conversation %s has no chat; message not sent",
                           conversation_id)
        return chat


class _HideToken(logging.Filter):
    """Replaces the bot token in log records (httpx logs every request URL at INFO).

    The secret half (after the colon) is what is looked for: the log masking
    of personal numbers (bot/privacy.py) may already have changed the digits
    of the bot id in front of it when the record was made.
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self._secrets = [part for part in (token, token.split(":", 1)[-1]) if part]

    def _hidden(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if any(secret in str(record.msg) for secret in self._secrets):
            record.msg = self._hidden(str(record.msg))
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                self._hidden(str(arg)) if any(s in str(arg) for s in self._secrets) else arg
                for arg in args
            )
        return True


_hidden_tokens: set = set()


def make_bot(token: str, api_url: str) -> Any:
    """A Bot on `api_url` (https://api.telegram.org or a fake), its token kept out of logs."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    if token not in _hidden_tokens:
        _hidden_tokens.add(token)
        for name in ("httpx", "telegram.Bot", "telegram.ext.Updater"):
            logging.getLogger(name).addFilter(_HideToken(token))
    base = api_url.rstrip("/")
    return Bot(
        token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=HTTPXRequest(connection_pool_size=32, read_timeout=10.0),
    )


def _configured_bot(settings: Settings) -> Any:
    if not settings.telegram_enabled:
        raise NssaError("Set NSSA_TELEGRAM_TOKEN and NSSA_TELEGRAM_SECRET first.")
    assert settings.telegram_token is not None
    return make_bot(settings.telegram_token, settings.telegram_api_url)


async def set_webhook(settings: Settings) -> str:
    """Set the webhook on settings.public_url: the secret, ALLOWED_UPDATES, no backlog."""
    url = settings.public_url + WEBHOOK_PATH
    async with _configured_bot(settings) as bot:
        await bot.set_webhook(
            url=url,
            secret_token=settings.telegram_secret,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=True,
        )
    return url


async def delete_webhook(settings: Settings) -> None:
    """Delete the webhook, dropping pending updates."""
    async with _configured_bot(settings) as bot:
        await bot.delete_webhook(drop_pending_updates=True)


async def webhook_info(settings: Settings) -> Dict[str, Any]:
    """What Telegram reports about the webhook (getWebhookInfo), as a dict."""
    async with _configured_bot(settings) as bot:
        info = await bot.get_webhook_info()
    return info.to_dict()
