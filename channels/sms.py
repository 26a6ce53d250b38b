"""SMS through Twilio: `SmsInput` takes Twilio's webhooks, `SmsOutput` sends replies.

    POST /webhooks/sms/webhook   an incoming SMS (Twilio's form-encoded webhook)
      403  X-Twilio-Signature missing or not Twilio's signature of the public
           URL (NSSA_PUBLIC_URL + path, never the Host header) and the form
      400  not a form, or no From, Body or MessageSid; a From or MessageSid
           blank or longer than the store keeps (FIELD_LIMITS)
      413  a body over MAX_FORM_BYTES
      200  an empty TwiML <Response/>: replies go through the REST API. A
           repeated MessageSid (Twilio retries) is answered and dropped, in
           every process and after restarts (ProcessedWebhooks).
    POST /webhooks/sms/status    Twilio's status callbacks (signed the same
           way): kept in MessageDeliveries; failed and undelivered are logged.
           400 without MessageSid and MessageStatus, or with either (or
           ErrorCode) blank or over FIELD_LIMITS: nothing is kept, and
           Twilio does not retry a 4xx.
    GET  /webhooks/sms/          health

Never a 500: a failure is logged with its traceback, the MessageSid is
forgotten (so a redelivery is taken) and Twilio gets TwiML asking the
citizen to send the message again, so nothing is lost in silence.

Conversation and privacy: the phone number is the address of an opaque
conversation id (ChannelIdentities, "sms-3f9c..."); Rasa never sees the
number, neither as sender id nor in metadata, and it is never logged.

Keywords (STOP, START, HELP: the whole message, any case), before anything
else: channels/sms_text.py says what each does, and how a citizen leaves a
form without opting out.

Over the rate limit (channels/common.py Gate), a number gets one polite SMS
a minute and later messages of that minute are logged, not answered: every
SMS costs, and an auto-responder must not start an endless exchange.

Replies: the bot messages of one turn are collected and sent as one SMS
where they fit (sms_text.compose_turn: 320 characters preferred, never over
1600, GSM-7 characters where a plain equivalent exists). Buttons become a
numbered list; a reply with a number or an option's title is mapped back to
its payload. The options offered last are read back from the conversation's
tracker (its bot events since the last user message, within the session
expiry): the tracker store is shared by every Rasa server, so any server
maps the reply, and it is erased with the conversation.

credentials.yml (all optional; defaults from bot/settings.py):

    channels.sms.SmsInput:
      account_sid: ...    # NSSA_TWILIO_ACCOUNT_SID
      auth_token: ...     # NSSA_TWILIO_AUTH_TOKEN
      twilio_number: ...  # NSSA_TWILIO_FROM
      public_url: ...     # NSSA_PUBLIC_URL
      api_url: ...        # NSSA_TWILIO_API_URL
      database_url: ...   # NSSA_DATABASE_URL
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.errors import NssaError
from bot.store.store import Store
from channels import sms_text
from channels.common import (
    CONTINUED_MESSAGE,
    Gate,
    conversation_of,
    unforged,
)
from channels.handover import pass_on
from channels.rate_limit import LocalWindow, Window, window
from channels.sms_output import CHANNEL, SmsOutput, SmsTurnOutput, mapped_reply
from channels.sms_status import record_status
from channels.sms_text import BotMessage
from channels.texts import conversation_language, say
from channels.twilio_api import TWILIO_API_URL, SmsSender
from channels.twilio_form import MAX_FORM_BYTES, Form, field_problem, parse_form

__all__ = ["SmsInput", "SmsOutput", "CHANNEL", "WEBHOOK_PATH", "STATUS_PATH", "EMPTY_TWIML"]

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/sms/webhook"
STATUS_PATH = "/webhooks/sms/status"
SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def resend_twiml(lang: Optional[str] = None) -> str:
    """TwiML asking the citizen to send the message again (texts.yml `sms_resend`)."""
    from xml.sax.saxutils import escape

    return ('<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
            f"{escape(say('sms_resend', lang))}</Message></Response>")


def __getattr__(name: str) -> str:
    """RESEND_TWIML and OPTED_IN_TEXT in English (texts.yml), read on use."""
    if name == "RESEND_TWIML":
        return resend_twiml()
    if name == "OPTED_IN_TEXT":
        return say("sms_opted_in")
    raise AttributeError(name)
class SmsInput(InputChannel):
    """Twilio's SMS webhooks: signed, deduplicated, opt-out aware."""

    @classmethod
    def name(cls) -> Text:
        """The URL slug: /webhooks/sms/."""
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SmsInput":
        """Credentials from credentials.yml, else from the project's settings; loud if missing."""
        credentials = dict(credentials or {})
        keys = {
            "account_sid": ("twilio_account_sid", "NSSA_TWILIO_ACCOUNT_SID"),
            "auth_token": ("twilio_auth_token", "NSSA_TWILIO_AUTH_TOKEN"),
            "twilio_number": ("twilio_from", "NSSA_TWILIO_FROM"),
            "public_url": ("public_url", "NSSA_PUBLIC_URL"),
            "api_url": ("twilio_api_url", "NSSA_TWILIO_API_URL"),
            "database_url": ("database_url", "NSSA_DATABASE_URL"),
        }
        from bot.settings import load_settings

        try:
            settings = load_settings()
        except NssaError as exc:
            raise RasaException(f"The {cls.name()} channel cannot start: {exc}") from None
        values = {key: credentials.get(key) or getattr(settings, attr)
                  for key, (attr, _) in keys.items()}
        missing = [f"{env} (or `{key}`)" for key, (_, env) in keys.items() if not values[key]]
        if missing:
            raise RasaException(
                f"The {cls.name()} channel needs {', '.join(missing)}: set them in the "
                "settings or in credentials.yml."
            )
        return cls(
            str(values["account_sid"]), str(values["auth_token"]), str(values["twilio_number"]),
            public_url=str(values["public_url"]), api_url=str(values["api_url"]),
            database_url=str(values["database_url"]),
            gate=Gate.from_settings(settings, CHANNEL),
            told=window(1, Gate.WINDOW, settings.redis_url, "sms:told"),
        )

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        twilio_number: str,
        *,
        public_url: str,
        api_url: str = TWILIO_API_URL,
        database_url: Optional[str] = None,
        store: Optional[Store] = None,
        gate: Optional[Gate] = None,
        sender: Optional[SmsSender] = None,
        told: Optional[Window] = None,
    ) -> None:
        if not (account_sid and auth_token and twilio_number):
            raise ValueError("account_sid, auth_token and twilio_number are required")
        if database_url is None and store is None:
            raise ValueError("give a database_url or a store")
        self.public_url = public_url.rstrip("/")
        self._validator = RequestValidator(auth_token)
        self._database_url = database_url
        self._store_instance = store
        self._gate = gate or Gate(2000, 20)
        # Numbers told about the rate limit this minute: shared like the Gate's count.
        self._told = told or LocalWindow(1, Gate.WINDOW)
        self._sender = sender or SmsSender(
            account_sid, auth_token, twilio_number,
            status_callback=self.public_url + STATUS_PATH, api_url=api_url,
        )

    def _store(self) -> Store:
        # Built on first use: Rasa imports and builds channels before any request.
        if self._store_instance is None:
            assert self._database_url is not None
            self._store_instance = Store.for_url(self._database_url)
        return self._store_instance

    def get_output_channel(self) -> OutputChannel:
        """An output that can send to any SMS conversation (proactive notices)."""
        return SmsOutput(self._sender, self._store)

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """No metadata: the phone number never goes to Rasa."""
        return None

    # --- HTTP ------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """`GET /` health, `POST /webhook` messages, `POST /status` status callbacks."""
        sms = Blueprint("sms_webhook", __name__)

        @sms.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sms.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            status, twiml = await self.receive(
                request.body or b"", request.headers, request.query_string, request.app,
                on_new_message,
            )
            if status != 200:
                return response.text(twiml, status=status)
            return response.text(twiml, content_type="text/xml")

        @sms.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            code = await self.receive_status(
                request.body or b"", request.headers, request.query_string
            )
            return response.text("" if code == 200 else "refused", status=code)

        return sms

    def signed(self, path: str, query: str, form: Form, signature: Optional[str]) -> bool:
        """Whether `signature` is Twilio's for the public URL of `path` and the form."""
        if not signature:
            return False
        url = self.public_url + path + (f"?{query}" if query else "")
        return bool(self._validator.validate(url, form, signature))

    def _checked(
        self, raw: bytes, headers: Mapping[str, str], query: str, path: str, fields: Tuple[str, ...]
    ) -> Tuple[int, Optional[Form]]:
        if len(raw) > MAX_FORM_BYTES:
            logger.warning("SMS %s refused: a body over %d bytes", path, MAX_FORM_BYTES)
            return 413, None
        form = parse_form(raw)
        if not self.signed(path, query, form or Form(), headers.get(SIGNATURE_HEADER)):
            logger.warning("SMS %s refused: missing or wrong %s", path, SIGNATURE_HEADER)
            return 403, None
        if form is None or any(form.first(f) is None for f in fields):
            logger.warning("SMS %s refused: not a form with %s", path, ", ".join(fields))
            return 400, None
        wrong = field_problem(form, fields)
        if wrong:
            logger.warning("SMS %s refused: %s", path, wrong)
            return 400, None
        return 200, form

    async def receive(
        self,
        raw: bytes,
        headers: Mapping[str, str],
        query: str,
        app: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> Tuple[int, str]:
        """Handle one incoming SMS: (HTTP status, body) as in the module docstring."""
        fields = ("From", "Body", "MessageSid")
        code, form = self._checked(raw, headers, query, WEBHOOK_PATH, fields)
        if form is None:
            return code, "refused"
        # Shielded from the recording of its id on: if Twilio hangs up, Sanic
        # cancels this handler, but the message is recorded, the turn goes on
        # and its answer is still sent.
        return await asyncio.shield(self._take(form, app, on_new_message))

    async def _take(
        self, form: Form, app: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Tuple[int, str]:
        """Record the message's id, then handle it: (HTTP status, TwiML)."""
        sid = str(form.first("MessageSid"))
        store: Optional[Store] = None
        try:
            store = self._store()
            if not await asyncio.to_thread(store.webhooks.first_time, CHANNEL, sid):
                logger.info("SMS %s: repeated delivery, dropped", sid)
                return 200, EMPTY_TWIML
            await self._handle(form, app, on_new_message)
            return 200, EMPTY_TWIML
        except Exception:
            logger.exception("SMS %s not handled; the citizen is asked to send it again", sid)
            if store is not None:
                await asyncio.to_thread(_forget, store, sid)
            return 200, resend_twiml(await self._language(app, store, form))

    async def receive_status(self, raw: bytes, headers: Mapping[str, str], query: str) -> int:
        """Record one status callback; the HTTP status for Twilio."""
        fields = ("MessageSid", "MessageStatus")
        code, form = self._checked(raw, headers, query, STATUS_PATH, fields)
        if form is None:
            return code
        sid, status = str(form.first("MessageSid")), str(form.first("MessageStatus")).lower()
        error = form.first("ErrorCode") or None
        try:
            await record_status(self._store(), sid, status, error)
        except Exception:
            logger.exception("SMS status of %s not recorded; Twilio is asked to retry", sid)
            return 503
        if status in ("failed", "undelivered"):
            logger.warning("SMS %s %s (Twilio error %s)", sid, status, error)
        return 200

    async def _handle(
        self, form: Form, app: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        store = self._store()
        address = str(form.first("From")).strip()
        text = str(form.first("Body"))
        opted_out = await asyncio.to_thread(store.opt_outs.opted_out, CHANNEL, address)
        word = sms_text.keyword(text, opted_out=opted_out)
        twilio_answered = bool(form.first("OptOutType"))
        if word == "stop":
            await asyncio.to_thread(store.opt_outs.opt_out, CHANNEL, address)
            logger.info("SMS: a number opted out")
            return
        if word == "start":
            await asyncio.to_thread(store.opt_outs.opt_in, CHANNEL, address)
            logger.info("SMS: a number opted back in")
            if not twilio_answered:
                lang = await self._language(app, store, form)
                await self._say(store, address, say("sms_opted_in", lang))
            return
        if opted_out:
            logger.info("SMS: a message from an opted-out number; not answered")
            return
        if word == "help":
            if not twilio_answered:
                lang = await self._language(app, store, form)
                await self._say(store, address, say("sms_help", lang))
            return
        verdict = self._gate.check(f"{CHANNEL}:{address}", text)
        if not verdict.ok:
            verdict = self._gate.check_again(verdict, await self._language(app, store, form))
            logger.info("SMS: message not taken (%s)", verdict.reason)
            if verdict.reason == "rate_limited" and not self._first_refusal(address):
                # Every SMS costs: one polite answer per minute, or an auto-responder
                # and the assistant would text each other without end.
                logger.warning("SMS: a number over the rate limit again; not answered")
                return
            await self._say(store, address, verdict.reply or "")
            return
        conversation_id, message = await conversation_of(store, CHANNEL, address, verdict.text)
        if message != CONTINUED_MESSAGE:
            message = await unforged(app, conversation_id,
                                     await mapped_reply(app, conversation_id, message))
        output = SmsTurnOutput(self._sender, self._store, address=address)
        try:
            # Only stored, unanswered, while an advisor holds the conversation.
            await pass_on(app, store, on_new_message, UserMessage(
                message, output, conversation_id, input_channel=CHANNEL,
                message_id=str(form.first("MessageSid")),
            ))
        finally:
            # What was said before a failure still goes out.
            await output.flush(conversation_id)

    async def _language(self, app: Any, store: Optional[Store], form: Form) -> str:
        """The language of the number's conversation (English if unknown); never raises."""
        try:
            if store is None:
                return "en"
            conversation = await asyncio.to_thread(
                store.identities.conversation_for, CHANNEL, str(form.first("From")).strip())
            return await conversation_language(app, conversation)
        except Exception:
            logger.warning("SMS: the conversation's language could not be read")
            return "en"

    def _first_refusal(self, address: str) -> bool:
        """Whether the number was not told about the rate limit within the last minute."""
        return self._told.hit(address)

    async def _say(self, store: Store, address: str, text: str) -> None:
        """One SMS outside a conversation turn (keywords, refused messages)."""
        conversation_id = await asyncio.to_thread(
            store.identities.conversation_for, CHANNEL, address
        )
        await SmsOutput(self._sender, self._store, address=address).deliver(
            conversation_id, [BotMessage(text)]
        )


def _forget(store: Store, sid: str) -> None:
    try:
        store.webhooks.forget(CHANNEL, sid)
    except Exception:
        logger.exception("SMS %s: could not forget its id; a redelivery will be dropped", sid)
