"""The REST channel for integrations: Rasa's stock request and answer, through the shared gate.

    POST /webhooks/rest/webhook   {"sender": "<id>", "message": "<text>"}
      200  [{"recipient_id": "<id>", "text": "..."}, ...]: the bot's messages,
           as Rasa's stock `rest` channel answers
      400  not a JSON object, or nested deeper than NSSA_JSON_MAX_DEPTH
           (refused before it is parsed); "sender" not 1-128 printable
           characters; "message" there and not a string
      401  NSSA_REST_TOKEN is set and no `Authorization: Bearer` token came;
           403 another token. Checked before the body is read.
      413  a body over 64 KiB (or NSSA_JSON_MAX_BYTES if smaller), refused
           before it is read (by its Content-Length) or as soon as it passes
    GET  /webhooks/rest/          health

The gate of every channel (channels/common.py): an empty message, one over
NSSA_MAX_MESSAGE_CHARS and one over NSSA_RATE_LIMIT_PER_MINUTE of its
sender get the polite answer as the bot's message and never reach Rasa;
control and invisible characters are dropped; a typed "/intent{...}" is
read as words unless a button just offered it (`unforged`).

Sender ids of its own: sender "me" talks in conversation "rest-me", so a
REST client can never write into a web chat, Telegram or SMS conversation
(theirs start with "webchat-", "telegram-" and "sms-"). The answers'
`recipient_id` is the sender as sent. The stock channel's "input_channel",
"metadata" and "stream" are not taken: the input channel is always "rest",
and only the text reaches the store.

credentials.yml (all optional):

    channels.rest.RestInput:
      token: ...                   # default NSSA_REST_TOKEN (unset: open)
      max_message_chars: 2000      # default NSSA_MAX_MESSAGE_CHARS
      rate_limit_per_minute: 20    # default NSSA_RATE_LIMIT_PER_MINUTE
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.errors import NssaError
from bot.json_limits import DEFAULT_LIMITS, JsonLimits, JsonRefused
from bot.security import bearer_refusal
from channels.common import Gate, unforged

__all__ = ["RestInput", "CONVERSATION_PREFIX", "MAX_BODY_BYTES", "MAX_SENDER_CHARS"]

logger = logging.getLogger(__name__)

CONVERSATION_PREFIX = "rest-"
MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 128


class _Refused(Exception):
    """A request answered with an error status before it reaches the gate."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class RestInput(InputChannel):
    """Rasa's REST channel format, with the gate, a token and sender ids of its own."""

    @classmethod
    def name(cls) -> Text:
        """The URL slug: /webhooks/rest/ (as Rasa's stock channel)."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestInput":
        """Token and limits from credentials.yml, else from the project's settings."""
        credentials = credentials or {}
        from bot.settings import load_settings

        try:
            settings = load_settings()
        except NssaError as exc:
            raise RasaException(f"The {cls.name()} channel cannot start: {exc}") from None
        try:
            gate = Gate.with_limits(
                int(credentials.get("max_message_chars") or settings.max_message_chars),
                int(credentials.get("rate_limit_per_minute") or settings.rate_limit_per_minute),
                settings.redis_url, cls.name(),
            )
        except (TypeError, ValueError):
            raise RasaException(
                f"The {cls.name()} channel needs max_message_chars and rate_limit_per_minute "
                "above 0 (NSSA_MAX_MESSAGE_CHARS, NSSA_RATE_LIMIT_PER_MINUTE)."
            ) from None
        return cls(gate, token=credentials.get("token") or settings.rest_token,
                   limits=JsonLimits.from_settings(settings))

    def __init__(self, gate: Gate, *, token: Optional[str] = None,
                 limits: JsonLimits = DEFAULT_LIMITS) -> None:
        self.gate = gate
        self._token = token or None
        self._limits = limits

    @staticmethod
    def conversation_id(sender: str) -> str:
        """The conversation a REST sender talks in: the channel's own namespace."""
        return CONVERSATION_PREFIX + sender

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """`GET /` health and `POST /webhook` messages."""
        rest = Blueprint("rest_webhook", __name__)

        @rest.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"], stream=True)
        async def webhook(request: Request) -> HTTPResponse:
            try:
                sender, text = await self._message(request)
            except _Refused as refused:
                logger.info("REST message refused (%d): %s", refused.status, refused.reason)
                headers = {"WWW-Authenticate": "Bearer"} if refused.status == 401 else None
                return response.json({"error": refused.reason}, status=refused.status,
                                     headers=headers)
            messages = await self._answer(request.app, sender, text, on_new_message)
            return response.json(messages)

        return rest

    async def _message(self, request: Request) -> Tuple[str, str]:
        """(sender, text) of the request; _Refused for every reason in the module docstring."""
        if self._token is not None:
            refusal = bearer_refusal(request.headers.get("Authorization"), self._token)
            if refusal is not None:
                raise _Refused(refusal, "a bearer token is needed" if refusal == 401
                               else "the bearer token is not this channel's")
        body = await _read_body(request)
        try:
            data = self._limits.loads(body)
        except JsonRefused as exc:
            raise _Refused(exc.status, str(exc)) from None
        if not isinstance(data, dict):
            raise _Refused(400, "the body is not a JSON object")
        sender, text = data.get("sender"), data.get("message", "")
        if (not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS
                or not sender.isprintable()):
            raise _Refused(400, f"sender must be 1 to {MAX_SENDER_CHARS} printable characters")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise _Refused(400, "message must be a string")
        return sender, text

    async def _answer(
        self, app: Any, sender: str, text: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> List[Dict[str, Any]]:
        """The bot's messages to `sender`, or the gate's answer."""
        verdict = self.gate.check(f"{self.name()}:{sender}", text)
        if not verdict.ok:
            logger.info("REST message not passed on: %s", verdict.reason)
            return [{"recipient_id": sender, "text": verdict.reply}]
        conversation_id = self.conversation_id(sender)
        collector = CollectingOutputChannel()
        try:
            message = await unforged(app, conversation_id, verdict.text)
            await on_new_message(
                UserMessage(message, collector, conversation_id, input_channel=self.name())
            )
        except asyncio.CancelledError:
            logger.warning("REST message of %s: the client hung up", conversation_id)
            raise
        except Exception:
            # As Rasa's stock channel: what was said before the failure is answered.
            logger.exception("REST message of %s not handled", conversation_id)
        return [{**message, "recipient_id": sender} for message in collector.messages]


async def _read_body(request: Request) -> bytes:
    """The body, at most MAX_BODY_BYTES; _Refused(413) past it (Sanic drains the rest)."""
    length = request.headers.get("Content-Length")
    if length is not None and length.strip().isdigit() and int(length) > MAX_BODY_BYTES:
        raise _Refused(413, f"the body is over {MAX_BODY_BYTES} bytes")
    chunks: List[bytes] = []
    size = 0
    while True:
        chunk = await request.stream.read() if request.stream is not None else None
        if chunk is None:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Refused(413, f"the body is over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
