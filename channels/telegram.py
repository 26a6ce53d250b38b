"""Telegram (Bot API through python-telegram-bot 22) as a Rasa channel.

    POST /webhooks/telegram/webhook
      403  X-Telegram-Bot-Api-Secret-Token missing or not the secret
      413  a body over MAX_BODY bytes
      400  not JSON, or not an Update
      200  handled, ignored (an update type the assistant does not take),
           or a repeated update_id (Telegram delivering again)
      503  failed before anything lasting happened (the store was down):
           the update_id is forgotten, so Telegram's redelivery is taken.
           Logged with the traceback. Never 500.
    GET /  health

What each update becomes, in a private chat (groups get a note that the
assistant answers only in a private chat; channel posts are ignored):

    text               the Gate (channels.common), then Rasa; a whole-text
                       continuity code joins its conversation (conversation_of)
    /start [payload]   a greeting (`/greet`); a payload that is a live
                       continuity code joins its conversation first
                       (t.me/<bot>?start=<code>)
    /help              the help answer (`/ask_help`); other /commands get a note
    callback query     always answered (answerCallbackQuery); the button's
                       payload goes to Rasa; an unknown or expired button gets
                       a polite text instead
    edited message     a polite note: send the correction as a new message. An
                       edit can come long after the original and would be taken
                       as the answer to whatever question is open now.
    photo, voice, sticker, location, contact, document, ...
                       "I can only read text messages"
    anything else      ignored (only message, edited_message and
                       callback_query are in ALLOWED_UPDATES anyway)

The Rasa sender id is the conversation id of the chat
(ChannelIdentities.conversation_for); the chat id, names and phone numbers
never reach Rasa.

Why the update is handled inside the request: Telegram waits for the answer
and delivers again on an error or timeout, and the replayed update_id is then
dropped, so the work is never done twice; doing the Rasa turn and its sends
in the request keeps a chat's messages in order and loses nothing on a
restart. The turn runs shielded, so Telegram hanging up does not cut it off.
A turn takes a few seconds at most (pacing is 1 s per message per chat;
Telegram's RetryAfter waits are capped at MAX_RETRY_WAIT).

Replies: plain text (no parse_mode, so nothing needs escaping), split at
4096 UTF-16 units at a paragraph, line or word boundary, buttons as an
inline keyboard on the last part. A RetryAfter is waited out; a network
error or timeout is retried with backoff (a timed-out send may have arrived,
so a retry can show it twice); a permanent failure (bot blocked, bad
request) is logged and the turn goes on.

credentials.yml:

    channels.telegram.TelegramInput:
      # all optional: default NSSA_TELEGRAM_TOKEN, NSSA_TELEGRAM_SECRET,
      # NSSA_TELEGRAM_API_URL, NSSA_DATABASE_URL
      token: ...
      secret: ...
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Tuple, Union

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.errors import NssaError
from bot.settings import Settings
from bot.store.channels import ButtonPayloads
from channels.common import CONTINUED_MESSAGE, ChannelStore, Gate, conversation_of

__all__ = [
    "TelegramInput",
    "TelegramOutput",
    "Pacer",
    "InvalidUpdate",
    "split_text",
    "callback_data_for",
    "payload_for",
    "set_webhook",
    "delete_webhook",
    "webhook_info",
    "ALLOWED_UPDATES",
    "CHANNEL",
]

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/webhooks/telegram/webhook"
# The update types handled below; setWebhook asks Telegram for these only.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
MAX_BODY = 1_000_000
MAX_MESSAGE = 4096  # Telegram's limit, counted here in UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes
MAX_RETRY_WAIT = 30.0  # seconds of RetryAfter one message waits at most
SEND_ATTEMPTS = 4

GREET = "/greet"
HELP = "/ask_help"
UNSUPPORTED_REPLY = (
    "I can only read text messages. Please type your question or request, "
    "and don't send documents or photos here."
)
EDITED_REPLY = (
    "I saw that you changed an earlier message. I only read new messages: "
    "please send your correction as a new message."
)
UNKNOWN_COMMAND_REPLY = (
    "I don't know that command. Type your question in your own words, "
    "or send /help to see what I can do."
)
PRIVATE_ONLY_REPLY = (
    "To keep your details private, I only answer in a private chat. "
    "Please write to me directly."
)
EXPIRED_BUTTON_REPLY = "This button has expired. Please type your answer instead."
SORRY_REPLY = (
    "Sorry, something went wrong on our side. Please send your message again, "
    "or call us on 0800 600 100."
)


class InvalidUpdate(NssaError):
    """A webhook body that is not a Telegram Update."""


# --- text, buttons and pacing --------------------------------------------------


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


def _seconds(value: Union[int, float, timedelta]) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat_id(address: str) -> Union[int, str]:
    return int(address) if re.fullmatch(r"-?\d+", address) else address


# --- output --------------------------------------------------------------------


class TelegramOutput(OutputChannel):
    """Sends to any conversation that has a Telegram chat (recipient_id = conversation id)."""

    def __init__(
        self,
        bot: Any,
        store: ChannelStore,
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
                await self._bot.send_message(chat_id=_chat_id(chat), text=text, reply_markup=markup)
                return True
            except RetryAfter as exc:
                delay = _seconds(exc.retry_after)
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
                await self._sleep(self._backoff * 2 ** (attempt - 1))
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


# --- input ---------------------------------------------------------------------


@dataclass
class _Progress:
    """Whether handling an update did something that a redelivery must not repeat."""

    lasting: bool = False


Handler = Callable[[UserMessage], Awaitable[Any]]


class TelegramInput(InputChannel):
    """Telegram's webhook: updates in, replies through the Bot API."""

    @classmethod
    def name(cls) -> Text:
        """The URL slug: /webhooks/telegram/."""
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        """Token, secret, API URL and database from credentials.yml, else from the settings."""
        from bot.settings import load_settings

        credentials = credentials or {}
        try:
            settings = load_settings()
        except NssaError as exc:
            raise RasaException(f"The {cls.name()} channel cannot start: {exc}") from None
        token = credentials.get("token") or settings.telegram_token
        secret = credentials.get("secret") or settings.telegram_secret
        if not token:
            raise RasaException(
                f"The {cls.name()} channel needs the bot token: set NSSA_TELEGRAM_TOKEN "
                "or `token` in credentials.yml."
            )
        if not secret:
            raise RasaException(
                f"The {cls.name()} channel needs the webhook secret: set NSSA_TELEGRAM_SECRET "
                "or `secret` in credentials.yml."
            )
        return cls(
            str(token),
            str(secret),
            api_url=str(credentials.get("api_url") or settings.telegram_api_url),
            database_url=str(credentials.get("database_url") or settings.database_url),
            gate=Gate.from_settings(settings),
        )

    def __init__(
        self,
        token: str,
        secret: str,
        *,
        api_url: str = "https://api.telegram.org",
        database_url: Optional[str] = None,
        store: Optional[ChannelStore] = None,
        gate: Optional[Gate] = None,
        pacer: Optional[Pacer] = None,
        bot: Any = None,
    ) -> None:
        if not token or not secret:
            raise ValueError("the token and the secret must not be empty")
        if store is None and database_url is None:
            raise ValueError("give a database_url or a store")
        self._token = token
        self._secret = secret.encode("utf-8")
        self._api_url = api_url.rstrip("/")
        self._database_url = database_url
        self._store = store
        self._gate = gate or Gate(2000, 20)
        self._pacer = pacer or Pacer()
        self._bot = bot

    # --- built on first use (no I/O while Rasa reads credentials) ---

    @property
    def store(self) -> ChannelStore:
        """The channels' store."""
        if self._store is None:
            assert self._database_url is not None
            self._store = ChannelStore.for_url(self._database_url)
        return self._store

    @property
    def bot(self) -> Any:
        """The python-telegram-bot Bot on the configured API URL."""
        if self._bot is None:
            self._bot = make_bot(self._token, self._api_url)
        return self._bot

    def get_output_channel(self) -> TelegramOutput:
        """An output channel that reaches every conversation with a Telegram chat."""
        return TelegramOutput(self.bot, self.store, self._pacer)

    # --- HTTP ---

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        """`GET /` health and `POST /webhook` for Telegram's updates."""
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            status, body = await self.receive(request.body or b"", request.headers, on_new_message)
            return response.json(body, status=status)

        return telegram_webhook

    def authorized(self, token: Optional[str]) -> bool:
        """Whether the header is the webhook secret (constant time)."""
        if not token:
            return False
        return hmac.compare_digest(self._secret, token.encode("utf-8", "replace"))

    def parse(self, raw: bytes) -> Any:
        """The Update in a webhook body; InvalidUpdate (naming no value) otherwise."""
        from telegram import Update

        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise InvalidUpdate("the body is not JSON") from None
        if not isinstance(data, dict):
            raise InvalidUpdate("the body is not a JSON object")
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
            raise InvalidUpdate("update_id is missing or not a whole number")
        try:
            return Update.de_json(data, self.bot)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if not any(kind in data for kind in ALLOWED_UPDATES):
                # An update type the assistant does not take, in a shape this
                # library version does not know: nothing to read, so no error.
                return Update(update_id)
            raise InvalidUpdate(f"not a Telegram Update ({type(exc).__name__})") from None

    async def receive(
        self, raw: bytes, headers: Mapping[str, str], on_new_message: Handler
    ) -> Tuple[int, Dict[str, str]]:
        """Handle one delivery: (HTTP status, JSON body) as in the module docstring."""
        if not self.authorized(headers.get(SECRET_HEADER)):
            logger.warning("Telegram update refused: missing or wrong %s", SECRET_HEADER)
            return 403, {"status": "forbidden"}
        if len(raw) > MAX_BODY:
            return 413, {"status": "too_large"}
        try:
            update = self.parse(raw)
        except InvalidUpdate as exc:
            logger.warning("Telegram update refused: %s", exc)
            return 400, {"status": "bad_request", "reason": str(exc)}
        update_id = str(update.update_id)
        try:
            first = await asyncio.to_thread(self.store.webhooks.first_time, CHANNEL, update_id)
        except Exception:
            logger.exception("Telegram update %s: the store is unavailable; answering 503",
                             update_id)
            return 503, {"status": "unavailable"}
        if not first:
            logger.info("Telegram update %s: duplicate, dropped", update_id)
            return 200, {"status": "duplicate"}
        # Shielded: if Telegram hangs up, the turn still ends (its redelivery is a duplicate).
        outcome = await asyncio.shield(self._handle(update, on_new_message))
        if outcome == "retry":
            return 503, {"status": "unavailable"}
        return 200, {"status": outcome}

    async def _handle(self, update: Any, on_new_message: Handler) -> str:
        progress = _Progress()
        update_id = str(update.update_id)
        try:
            outcome = await self._dispatch(update, on_new_message, progress)
            logger.info("Telegram update %s: %s", update_id, outcome)
            return outcome
        except Exception:
            if not progress.lasting:
                logger.exception("Telegram update %s not handled; its id is forgotten so "
                                 "Telegram's redelivery is taken", update_id)
                try:
                    await asyncio.to_thread(self.store.webhooks.forget, CHANNEL, update_id)
                except Exception:
                    logger.exception("Telegram update %s: could not forget its id", update_id)
                return "retry"
            logger.exception("Telegram update %s failed after it reached the assistant",
                             update_id)
            chat = update.effective_chat
            if chat is not None:
                await self.get_output_channel().send_to_chat(str(chat.id), SORRY_REPLY)
            return "failed"

    async def _dispatch(self, update: Any, on_new_message: Handler, progress: _Progress) -> str:
        if update.callback_query is not None:
            return await self._callback(update, on_new_message, progress)
        message = update.message or update.edited_message
        if message is None:
            return "ignored"
        chat = str(message.chat.id)
        output = self.get_output_channel()
        if message.chat.type != "private":
            if update.message is not None and message.text:
                progress.lasting = True
                await output.send_to_chat(chat, PRIVATE_ONLY_REPLY)
                return "not_private"
            return "ignored"
        if update.edited_message is not None:
            progress.lasting = True
            await output.send_to_chat(chat, EDITED_REPLY)
            return "edited"
        if message.text is None:
            if message.effective_attachment is None:
                return "ignored"  # a service message (pinned, timer changed, ...)
            return await self._unsupported(chat, output, progress)
        text = message.text
        if text.startswith("/"):
            command, argument = _command(text)
            if command == "start":
                return await self._start(update, chat, argument, on_new_message, progress)
            if command == "help":
                return await self._to_rasa(update, chat, HELP, on_new_message, progress)
            progress.lasting = True
            await output.send_to_chat(chat, UNKNOWN_COMMAND_REPLY)
            return "unknown_command"
        return await self._to_rasa(update, chat, text, on_new_message, progress, joinable=True)

    async def _unsupported(self, chat: str, output: TelegramOutput, progress: _Progress) -> str:
        key = await asyncio.to_thread(self.store.identities.conversation_for, CHANNEL, chat)
        verdict = self._gate.check(key, None)
        progress.lasting = True
        await output.send_to_chat(chat, verdict.reply if verdict.reason == "rate_limited"
                                  else UNSUPPORTED_REPLY)
        return "unsupported"

    async def _start(
        self, update: Any, chat: str, payload: str, on_new_message: Handler, progress: _Progress
    ) -> str:
        # A deep link t.me/<bot>?start=<payload>: a live continuity code joins
        # its conversation (the continuity hook, channels.common.conversation_of).
        return await self._to_rasa(update, chat, GREET, on_new_message, progress,
                                    start_payload=payload)

    async def _callback(self, update: Any, on_new_message: Handler, progress: _Progress) -> str:
        query = update.callback_query
        output = self.get_output_channel()
        message = query.message
        if message is None or message.chat.type != "private":
            progress.lasting = True
            await output.answer_callback(query.id, EXPIRED_BUTTON_REPLY)
            return "callback_elsewhere"
        payload = await asyncio.to_thread(payload_for, query.data, self.store.buttons)
        progress.lasting = True
        if payload is None:
            await output.answer_callback(query.id, EXPIRED_BUTTON_REPLY)
            return "callback_expired"
        await output.answer_callback(query.id)
        return await self._to_rasa(update, str(message.chat.id), payload, on_new_message, progress)

    async def _to_rasa(
        self,
        update: Any,
        chat: str,
        text: str,
        on_new_message: Handler,
        progress: _Progress,
        *,
        joinable: bool = False,
        start_payload: str = "",
    ) -> str:
        """Through the Gate (keyed by the chat's conversation) to Rasa, as that conversation.

        The Gate comes before any continuity code is tried, so codes cannot be
        guessed faster than the rate limit. `joinable`: the text itself may be
        a code; `start_payload`: a /start payload may be one.
        """
        store = self.store
        conversation = await asyncio.to_thread(store.identities.conversation_for, CHANNEL, chat)
        verdict = self._gate.check(conversation, text)
        if not verdict.ok:
            progress.lasting = True
            await self.get_output_channel().send_to_chat(chat, verdict.reply or "")
            return f"refused_{verdict.reason}"
        text = verdict.text
        if joinable:
            conversation, text = await conversation_of(store, CHANNEL, chat, text)
        elif start_payload:
            joined, said = await conversation_of(store, CHANNEL, chat, start_payload)
            if said == CONTINUED_MESSAGE:
                conversation, text = joined, CONTINUED_MESSAGE
        output = TelegramOutput(self.bot, store, self._pacer, known={conversation: chat})
        message = UserMessage(
            text,
            output,
            conversation,
            input_channel=self.name(),
            message_id=f"telegram-{update.update_id}",
        )
        progress.lasting = True
        await on_new_message(message)
        return "handled"


def _command(text: str) -> Tuple[str, str]:
    """('start', 'ABC123') for '/start@NSSA_help_bot ABC123'."""
    head, _, argument = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), argument.strip()


# --- the Bot and the webhook commands (python -m bot telegram ...) ------------


class _HideToken(logging.Filter):
    """Replaces the bot token in log records (httpx logs every request URL at INFO)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self._token in str(record.msg):
            record.msg = str(record.msg).replace(self._token, "<token>")
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                str(arg).replace(self._token, "<token>") if self._token in str(arg) else arg
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
