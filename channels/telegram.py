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

What each update becomes: channels/telegram_handling.py.

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
from typing import Any, Dict, Mapping, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.errors import NssaError
from bot.json_limits import DEFAULT_LIMITS, JsonLimits, JsonRefused
from bot.store.store import Store
from channels.common import Gate
from channels.telegram_api import (
    ALLOWED_UPDATES,
    CHANNEL,
    TelegramOutput,
    delete_webhook,
    make_bot,
    set_webhook,
    webhook_info,
)
from channels.telegram_handling import Handler, Progress, UpdateHandling, _command
from channels.telegram_text import Pacer
from channels.telegram_update import problem
from channels.texts import say

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
    "SECRET_HEADER",
    "_command",
]

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000

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


class InvalidUpdate(NssaError):
    """A webhook body that is not a Telegram Update."""

    status = 400


class TooLarge(InvalidUpdate):
    """A webhook body over the size limit."""

    status = 413


class BadUpdate(InvalidUpdate):
    """An Update the channel cannot use: acknowledged and logged, never redelivered."""


class TelegramInput(UpdateHandling, InputChannel):
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
            gate=Gate.from_settings(settings, CHANNEL),
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
        progress = Progress()
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
