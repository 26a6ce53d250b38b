"""Telegram (Bot API through python-telegram-bot 22) as a Rasa channel.

    POST /webhooks/telegram/webhook
      403  X-Telegram-Bot-Api-Secret-Token missing or not the secret
      413  a body over NSSA_JSON_MAX_BYTES
      400  not JSON, nested deeper than NSSA_JSON_MAX_DEPTH (both refused
           before it is parsed), not an object, or no whole update_id
      200  handled, ignored (an update type the assistant does not take),
           a repeated update_id (Telegram delivering again), or a
           permanently bad update ("bad_update": a message without its chat,
           a text that is no string, ...: channels/telegram_update.py; or one
           python-telegram-bot cannot read), logged: delivering it again
           (as Telegram does after any other answer) cannot help
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
Telegram's RetryAfter waits are capped at telegram_api.MAX_RETRY_WAIT).

Replies go out through channels/telegram_api.py (TelegramOutput): plain
text split at 4096, paced, RetryAfter honoured, failures logged, never raised.

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
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.errors import NssaError
from bot.i18n.languages import from_hint
from bot.json_limits import DEFAULT_LIMITS, JsonLimits, JsonRefused
from bot.store.store import Store
from channels.common import (
    CONTINUED_MESSAGE,
    Gate,
    clean_text,
    conversation_of,
    unforged,
)
from channels.handover import pass_on
from channels.telegram_api import (
    ALLOWED_UPDATES,
    CHANNEL,
    TelegramOutput,
    delete_webhook,
    make_bot,
    set_webhook,
    webhook_info,
)
from channels.telegram_text import Pacer, payload_for
from channels.telegram_update import problem
from channels.texts import conversation_language, say

__all__ = [
    "TelegramInput",
    "TelegramOutput",
    "InvalidUpdate",
    "BadUpdate",
    "set_webhook",
    "delete_webhook",
    "webhook_info",
    "ALLOWED_UPDATES",
    "CHANNEL",
]

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000

GREET = "/greet"
HELP = "/ask_help"
# The channel's own notes: texts.yml `telegram_*`, in the conversation's language.
# UNSUPPORTED_REPLY, EDITED_REPLY, ... are their English texts (module __getattr__).
_NOTES = {
    "UNSUPPORTED_REPLY": "telegram_unsupported",
    "EDITED_REPLY": "telegram_edited",
    "UNKNOWN_COMMAND_REPLY": "telegram_unknown_command",
    "PRIVATE_ONLY_REPLY": "telegram_private_only",
    "EXPIRED_BUTTON_REPLY": "telegram_expired_button",
    "SORRY_REPLY": "telegram_sorry",
}


def __getattr__(name: str) -> str:
    """The English text of one of the channel's notes, read on use."""
    if name in _NOTES:
        return say(_NOTES[name])
    raise AttributeError(name)


def _hint(update: Any) -> Optional[str]:
    """The language the citizen's Telegram app is set to (`language_code`), if any."""
    user = getattr(update, "effective_user", None)
    code = getattr(user, "language_code", None)
    return code if isinstance(code, str) else None


class InvalidUpdate(NssaError):
    """A webhook body that is not a Telegram Update."""

    status = 400


class TooLarge(InvalidUpdate):
    """A webhook body over the size limit."""

    status = 413


class BadUpdate(InvalidUpdate):
    """An Update the channel cannot use: acknowledged and logged, never redelivered."""


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
            limits=JsonLimits.from_settings(settings),
        )

    def __init__(
        self,
        token: str,
        secret: str,
        *,
        api_url: str = "https://api.telegram.org",
        database_url: Optional[str] = None,
        store: Optional[Store] = None,
        gate: Optional[Gate] = None,
        pacer: Optional[Pacer] = None,
        bot: Any = None,
        limits: JsonLimits = DEFAULT_LIMITS,
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
        # The Sanic app (its Rasa agent): set by the webhook route, read by `unforged`.
        self._app: Any = None
        self._bot = bot
        self._limits = limits

    # --- built on first use (no I/O while Rasa reads credentials) ---

    @property
    def store(self) -> Store:
        """The channels' store."""
        if self._store is None:
            assert self._database_url is not None
            self._store = Store.for_url(self._database_url)
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
            self._app = request.app
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
            data = self._limits.loads(raw)
        except JsonRefused as exc:
            raise (TooLarge if exc.status == 413 else InvalidUpdate)(str(exc)) from None
        if not isinstance(data, dict):
            raise InvalidUpdate("the body is not a JSON object")
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
            raise InvalidUpdate("update_id is missing or not a whole number")
        wrong = problem(data)
        if wrong:
            raise BadUpdate(f"update {update_id}: not a Telegram Update ({wrong})")
        try:
            return Update.de_json(data, self.bot)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if not any(kind in data for kind in ALLOWED_UPDATES):
                # An update type the assistant does not take, in a shape this
                # library version does not know: nothing to read, so no error.
                return Update(update_id)
            raise BadUpdate(f"update {update_id}: not a Telegram Update "
                            f"({type(exc).__name__})") from None

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
        except BadUpdate as exc:
            logger.warning("Telegram update acknowledged but not taken, it is bad: %s", exc)
            return 200, {"status": "bad_update"}
        except InvalidUpdate as exc:
            logger.warning("Telegram update refused: %s", exc)
            if exc.status == 413:
                return 413, {"status": "too_large"}
            return 400, {"status": "bad_request", "reason": str(exc)}
        # Shielded from the recording of its id on: if Telegram hangs up, even
        # while the id is being recorded, the update is recorded and its turn
        # still ends (Telegram's redelivery is then a duplicate).
        outcome = await asyncio.shield(self._take(update, on_new_message))
        if outcome in ("retry", "unavailable"):
            return 503, {"status": "unavailable"}
        return 200, {"status": outcome}

    async def _take(self, update: Any, on_new_message: Handler) -> str:
        """Record the update's id, then handle it: "duplicate", "unavailable" or the outcome."""
        update_id = str(update.update_id)
        try:
            first = await asyncio.to_thread(self.store.webhooks.first_time, CHANNEL, update_id)
        except Exception:
            logger.exception("Telegram update %s: the store is unavailable; answering 503",
                             update_id)
            return "unavailable"
        if not first:
            logger.info("Telegram update %s: duplicate, dropped", update_id)
            return "duplicate"
        return await self._handle(update, on_new_message)

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
                note = await self._note(update, str(chat.id), "telegram_sorry")
                await self.get_output_channel().send_to_chat(str(chat.id), note)
            return "failed"

    async def _note(self, update: Any, chat: str, name: str) -> str:
        """One of the channel's notes in the language of the chat's conversation."""
        try:
            conversation = await asyncio.to_thread(
                self.store.identities.conversation_for, CHANNEL, chat)
        except Exception:
            logger.warning("Telegram: the chat's conversation could not be read for a note")
            conversation = None
        return say(name, await conversation_language(self._app, conversation, _hint(update)))

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
                await output.send_to_chat(chat, say("telegram_private_only",
                                                    from_hint(_hint(update))))
                return "not_private"
            return "ignored"
        if update.edited_message is not None:
            progress.lasting = True
            await output.send_to_chat(chat, await self._note(update, chat, "telegram_edited"))
            return "edited"
        if message.text is None:
            if message.effective_attachment is None:
                return "ignored"  # a service message (pinned, timer changed, ...)
            return await self._unsupported(update, chat, output, progress)
        # Cleaned first: an invisible character before "/" must not hide a command.
        text = clean_text(message.text)
        if text.startswith("/"):
            command, argument = _command(text)
            if command == "start":
                return await self._start(update, chat, argument, on_new_message, progress)
            if command == "help":
                return await self._to_rasa(update, chat, HELP, on_new_message, progress)
            progress.lasting = True
            await output.send_to_chat(chat, await self._note(update, chat,
                                                             "telegram_unknown_command"))
            return "unknown_command"
        return await self._to_rasa(update, chat, text, on_new_message, progress, joinable=True)

    async def _unsupported(
        self, update: Any, chat: str, output: TelegramOutput, progress: _Progress
    ) -> str:
        key = await asyncio.to_thread(self.store.identities.conversation_for, CHANNEL, chat)
        lang = await conversation_language(self._app, key, _hint(update))
        verdict = self._gate.check(key, None, lang)
        progress.lasting = True
        reply = verdict.reply if verdict.reason == "rate_limited" else None
        await output.send_to_chat(chat, reply or say("telegram_unsupported", lang))
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
            await output.answer_callback(query.id, say("telegram_expired_button",
                                                       from_hint(_hint(update))))
            return "callback_elsewhere"
        payload = await asyncio.to_thread(payload_for, query.data, self.store.buttons)
        progress.lasting = True
        if payload is None:
            note = await self._note(update, str(message.chat.id), "telegram_expired_button")
            await output.answer_callback(query.id, note)
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
            lang = await conversation_language(self._app, conversation, _hint(update))
            verdict = self._gate.check_again(verdict, lang)
            await self.get_output_channel().send_to_chat(chat, verdict.reply or "")
            return f"refused_{verdict.reason}"
        text = verdict.text
        if joinable:
            conversation, text = await conversation_of(store, CHANNEL, chat, text)
        elif start_payload:
            joined, said = await conversation_of(store, CHANNEL, chat, start_payload)
            if said == CONTINUED_MESSAGE:
                conversation, text = joined, CONTINUED_MESSAGE
        if text not in (GREET, HELP, CONTINUED_MESSAGE):
            # A button's payload only if the bot just offered it (callback data can be forged).
            text = await unforged(self._app, conversation, text)
        output = TelegramOutput(self.bot, store, self._pacer, known={conversation: chat})
        message = UserMessage(
            text,
            output,
            conversation,
            input_channel=self.name(),
            message_id=f"telegram-{update.update_id}",
            # The app's language: the language identifier's hint (never a name or id).
            metadata={"language": _hint(update)} if _hint(update) else None,
        )
        progress.lasting = True
        # Only stored, unanswered, while an advisor holds the conversation.
        await pass_on(self._app, store, on_new_message, message)
        return "handled"


def _command(text: str) -> Tuple[str, str]:
    """('start', 'ABC123') for '/start@NSSA_help_bot ABC123'."""
    head, _, argument = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), argument.strip()
