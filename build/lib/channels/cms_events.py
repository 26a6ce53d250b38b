"""The CMS's events as proactive notices in the citizen's conversation.

A Rasa input channel that is not a conversation: the CMS POSTs signed
`Event`s (cms.openapi.yaml, Subscriptions) to `/webhooks/cms_events/webhook`
and each becomes a notice in the conversation the person verified in last,
on the channel they used there (service-standards.md, Proactive notices).

    POST /webhook
      403  X-CMS-Signature missing or not the HMAC-SHA256 of the raw body
      400  not JSON, over NSSA_JSON_MAX_BYTES or nested deeper than
           NSSA_JSON_MAX_DEPTH (refused before it is parsed), not an
           `Event`, or X-CMS-Event-Id is not its event_id
      200  told; or a duplicate event id, an opted-out person, or a person
           with no conversation (nothing to do, so no retry wanted)
      503  anything else went wrong: the event id is forgotten, so the CMS's
           retry is taken as new; logged with its traceback. Never 500.

The notice is the intent `EXTERNAL_notice` with the entities of
`bot.notices.notice_entities` (the response, its variables and the English
text: it is told in the conversation's language), run by the Rasa agent of
this server under the conversation's lock (`channels.internal.run_intent`, as
the worker's route).
The bot's answer goes out through the output channel of the conversation's
latest input channel where that channel can make one (Telegram, SMS), else
it is only stored in the conversation (REST, whose client asks for it).

credentials.yml:

    channels.cms_events.CmsEventsInput:
      # both optional: default NSSA_CMS_EVENTS_SECRET, NSSA_DATABASE_URL
      secret: ...
      database_url: ...
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text

from rasa.core.channels.channel import InputChannel
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.errors import NssaError
from bot.json_limits import DEFAULT_LIMITS, JsonLimits
from bot.notices import (
    NOTICE_INTENT,
    CmsEvent,
    InvalidEvent,
    notice_entities,
    parse_event,
)
from bot.store.persons import Persons
from bot.store.store import Store
from bot.store.webhooks import ProcessedWebhooks
from channels.internal import IntentNotRun, run_intent

__all__ = ["CmsEventsInput", "SOURCE", "NoticeNotDelivered", "sign"]

logger = logging.getLogger(__name__)

SOURCE = "cms_event"
SIGNATURE_HEADER = "X-CMS-Signature"
EVENT_ID_HEADER = "X-CMS-Event-Id"
MIN_SECRET_LENGTH = 16


class NoticeNotDelivered(NssaError):
    """The Rasa agent cannot tell the notice now (not loaded, or no `EXTERNAL_notice`)."""


def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of body>`: the X-CMS-Signature of `body`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class CmsEventsInput(InputChannel):
    """Receives the CMS's signed events and tells each in the person's conversation."""

    @classmethod
    def name(cls) -> Text:
        """The URL slug: /webhooks/cms_events/."""
        return "cms_events"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "CmsEventsInput":
        """The secret and database from credentials.yml, else from the project's settings."""
        credentials = credentials or {}
        from bot.settings import load_settings

        try:
            settings = load_settings()
        except NssaError as exc:
            raise RasaException(f"The {cls.name()} channel cannot start: {exc}") from None
        secret = credentials.get("secret") or settings.events_secret
        database_url = credentials.get("database_url") or settings.database_url
        if not secret or len(str(secret)) < MIN_SECRET_LENGTH:
            raise RasaException(
                f"The {cls.name()} channel needs a secret of at least {MIN_SECRET_LENGTH} "
                "characters: set NSSA_CMS_EVENTS_SECRET or `secret` in credentials.yml."
            )
        if not database_url:
            raise RasaException(
                f"The {cls.name()} channel needs the conversation store: set "
                "NSSA_DATABASE_URL or `database_url` in credentials.yml."
            )
        return cls(str(secret), database_url=str(database_url),
                   limits=JsonLimits.from_settings(settings))

    def __init__(
        self,
        secret: str,
        *,
        database_url: Optional[str] = None,
        persons: Optional[Persons] = None,
        webhooks: Optional[ProcessedWebhooks] = None,
        limits: JsonLimits = DEFAULT_LIMITS,
    ) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"the secret needs at least {MIN_SECRET_LENGTH} characters")
        if database_url is None and (persons is None or webhooks is None):
            raise ValueError("give a database_url, or both persons and webhooks")
        self._secret = secret.encode("utf-8")
        self._database_url = database_url
        self._persons = persons
        self._webhooks = webhooks
        self._limits = limits

    # --- the store, built on first use (no I/O when Rasa reads credentials) ---

    def _stores(self) -> "tuple[Persons, ProcessedWebhooks]":
        if self._persons is None or self._webhooks is None:
            assert self._database_url is not None
            store = Store.for_url(self._database_url)
            self._persons = self._persons or store.persons
            self._webhooks = self._webhooks or store.webhooks
        return self._persons, self._webhooks

    # --- HTTP ------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Blueprint:
        """`GET /` health and `POST /webhook` for the CMS's events."""
        cms_events = Blueprint("cms_events_webhook", __name__)

        @cms_events.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @cms_events.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            status, body = await self.receive(request.body or b"", request.headers, request.app)
            return response.json(body, status=status)

        return cms_events

    def signed(self, raw: bytes, signature: Optional[str]) -> bool:
        """Whether `signature` is `sha256=<HMAC-SHA256 of raw>` (constant time)."""
        if not signature:
            return False
        expected = sign(self._secret.decode("utf-8"), raw).encode("ascii")
        # Hex in either case; bytes, so non-ASCII characters are a mismatch, not a TypeError.
        given = signature.strip().lower().encode("utf-8", "replace")
        return hmac.compare_digest(expected, given)

    async def receive(
        self, raw: bytes, headers: Mapping[str, str], app: Any
    ) -> "tuple[int, Dict[str, str]]":
        """Handle one delivery: (HTTP status, JSON body) as in the module docstring."""
        if not self.signed(raw, headers.get(SIGNATURE_HEADER)):
            logger.warning("CMS event refused: missing or wrong %s", SIGNATURE_HEADER)
            return 403, {"status": "forbidden"}
        # The id possibly recorded and the notice not yet under way: forgotten
        # if the CMS hangs up in between, so its redelivery is taken.
        recorded: Optional[str] = None
        webhooks: Optional[ProcessedWebhooks] = None
        recording: "Optional[asyncio.Future[bool]]" = None
        try:
            try:
                event = parse_event(raw, self._limits)
                _check_event_id(headers.get(EVENT_ID_HEADER), event)
            except InvalidEvent as exc:
                # The message names the field, never a value.
                logger.warning("CMS event refused: %s", exc)
                return 400, {"status": "bad_request", "reason": str(exc)}
            persons, webhooks = self._stores()
            recorded = event.event_id
            # Shielded: a hang-up in the middle of the insert must not forget the
            # id before the insert is done (it would then stay, and drop the retry).
            recording = asyncio.ensure_future(
                asyncio.to_thread(webhooks.first_time, SOURCE, event.event_id)
            )
            if not await asyncio.shield(recording):
                recorded = None
                logger.info("CMS event %s: duplicate, dropped", event.event_id)
                return 200, {"status": "duplicate"}
            # Shielded: if the CMS hangs up (its timeout), the notice is still
            # told and stored, and the CMS's redelivery is a duplicate; if telling
            # fails, the id is forgotten there so the redelivery gets through.
            telling = asyncio.ensure_future(self._notify_or_forget(app, persons, webhooks, event))
            recorded = None
            outcome = await asyncio.shield(telling)
            logger.info("CMS event %s (%s): %s", event.event_id, event.type, outcome)
            return 200, {"status": outcome}
        except asyncio.CancelledError:
            if recorded is not None and webhooks is not None:
                logger.warning("CMS event %s: cancelled before telling; its id is forgotten",
                               recorded)
                if recording is not None and not recording.done():
                    _forget_when_recorded(recording, webhooks, recorded)
                else:
                    _forget_now(webhooks, recorded)  # not awaited: the cancellation cannot cut it
            else:
                logger.warning("CMS event: the CMS hung up; the notice is told all the same")
            raise
        except Exception:
            # Telling failed (and its id was forgotten), or the store did.
            logger.exception("CMS event not handled; answering 503 so the CMS retries")
            return 503, {"status": "unavailable"}

    async def _notify_or_forget(
        self, app: Any, persons: Persons, webhooks: ProcessedWebhooks, event: CmsEvent
    ) -> str:
        try:
            return await self._notify(app, persons, event)
        except Exception:
            await asyncio.to_thread(_forget_now, webhooks, event.event_id)
            raise

    async def _notify(self, app: Any, persons: Persons, event: CmsEvent) -> str:
        if await asyncio.to_thread(persons.opted_out, event.person_id):
            return "opted_out"
        conversation = await asyncio.to_thread(persons.conversation_of, event.person_id)
        if conversation is None:
            return "no_conversation"
        entities = notice_entities(event)
        try:
            await run_intent(app, conversation.conversation_id, NOTICE_INTENT, entities,
                             channel=conversation.channel)
        except IntentNotRun as exc:
            raise NoticeNotDelivered(str(exc)) from None
        return "notified"


def _check_event_id(header: Optional[str], event: CmsEvent) -> None:
    if header is not None and header.strip() != event.event_id:
        raise InvalidEvent(f"{EVENT_ID_HEADER} is not the body's event_id")


def _forget_when_recorded(
    recording: "asyncio.Future[bool]", webhooks: ProcessedWebhooks, event_id: str
) -> None:
    """Forget the id once the insert under way is done, if it recorded it."""

    def done(future: "asyncio.Future[bool]") -> None:
        if not future.cancelled() and future.exception() is None and future.result():
            _forget_now(webhooks, event_id)

    recording.add_done_callback(done)


def _forget_now(webhooks: ProcessedWebhooks, event_id: str) -> None:
    try:
        webhooks.forget(SOURCE, event_id)
    except Exception:
        # The CMS's retries will be dropped as duplicates: say so loudly.
        logger.exception("CMS event %s: could not forget its id; its retries will be dropped",
                         event_id)
