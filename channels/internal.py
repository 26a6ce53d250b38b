"""The internal API: the routes the project's own processes call on the Rasa server.

Rasa's HTTP API (`rasa run --enable-api`) is not opened: it reads and writes
whole trackers, sealed slots in clear included, and its token travels in the
URL. Instead this channel serves only what the project's processes need,
every route behind `Authorization: Bearer <NSSA_API_TOKEN>`:

    POST /webhooks/internal/conversations/<id, percent-encoded>/trigger_intent
         {"name": "EXTERNAL_request_sent", "entities": {"reference": "..."}}
         The outbox worker (bot/worker.py) tells a citizen a request's fate.
         The intent runs under the conversation's lock and its answer goes
         out on the conversation's latest channel, as Rasa's own
         trigger_intent with output_channel=latest does.
      200  {"status": "ok", "messages": [...]}: the bot's messages when no
           channel sent them (REST conversations); never the tracker
      400  not a JSON object with a string "name" and object or list "entities"
      404  the model's domain has no such intent
      503  no model loaded yet

      413  a body over 64 KiB

    POST /webhooks/internal/conversations/<id>/advisor_message
         {"advisor": "<name>", "text": "..."}   (the staff console)
         The advisor holding the conversation writes to the citizen: sent on
         the conversation's latest channel (open web chat, Telegram) and
         stored as a bot turn with metadata {"advisor": "<name>"}.
    POST /webhooks/internal/conversations/<id>/verify_identity
         {"advisor": "<name>"}   runs the assistant's identity check there
         (intent EXTERNAL_verify_identity); the citizen's answers reach Rasa
         while it runs, and its result is in the conversation's slots.
    POST /webhooks/internal/conversations/<id>/hand_back
         {"advisor": "<name>"}   the holder gives the conversation back to
         the assistant (bot/store/handovers.py `hand_back`), which tells the
         citizen and answers again.
      200  {"status": "ok", "messages": [...]}
      400  a body without the string fields, or a text over 4000 characters
      409  this advisor does not hold the conversation (channels/handover.py)
      502  the citizen's channel refused the advisor's message (not stored)
      503  no model loaded yet, or the store cannot be read

    GET /webhooks/internal/model, PUT /webhooks/internal/model {"model_file": ...}
         The model answering, and another model of NSSA_MODEL_DIR put live
         without dropping a conversation (the review inbox's go-live):
         channels/model_swap.py has their contract.

    401  no bearer token, 403 another token: on every route, checked before
         its handler, so nothing runs.

A route for another of the project's processes (the staff console, say):
write its handler below and add one line to ROUTES; the token check of the
blueprint covers it. SECURITY.md lists the routes.

credentials.yml (optional; default NSSA_API_TOKEN):

    channels.internal.InternalApiInput:
      token: ...
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Coroutine, Dict, List, Optional, Text, Union
from urllib.parse import unquote

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.errors import NssaError
from bot.json_limits import DEFAULT_LIMITS, JsonRefused
from bot.security import bearer_refusal
from channels.handover import advisor_says, hand_back, verify_identity
from channels.model_swap import current_model, replace_model

__all__ = ["InternalApiInput", "IntentNotRun", "ROUTES", "Route", "output_channel_of", "run_intent"]

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


class IntentNotRun(NssaError):
    """The Rasa agent cannot run the intent (no model yet, or no such intent)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def output_channel_of(app: Any, channel: Optional[str]) -> OutputChannel:
    """The output channel of this server's input channel `channel`, if it makes one."""
    for input_channel in getattr(getattr(app, "ctx", None), "input_channels", None) or []:
        if input_channel.name() == channel:
            output = input_channel.get_output_channel()
            if output is not None:
                return output
    return CollectingOutputChannel()


async def run_intent(
    app: Any,
    conversation_id: str,
    intent: str,
    entities: Union[Dict[str, Any], List[Dict[str, Any]]],
    channel: Optional[str] = None,
) -> OutputChannel:
    """Run `intent` in the conversation under its lock; the output channel it answered on.

    The answer goes to the conversation's latest input channel (else
    `channel`); raises IntentNotRun when the agent has no model or no intent.
    """
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is None or not agent.is_ready():
        raise IntentNotRun("the Rasa agent has no model loaded", 503)
    if intent not in agent.domain.intents:
        raise IntentNotRun(f"the model's domain has no intent {intent}", 404)
    async with agent.lock_store.lock(conversation_id):
        # The channel first (without starting a session), so a new session's
        # greeting and the answer go out the same way.
        latest = (await agent.processor.get_tracker(conversation_id)).get_latest_input_channel()
        output = output_channel_of(app, latest or channel)
        tracker = await agent.processor.fetch_tracker_and_update_session(conversation_id, output)
        await agent.trigger_intent(intent, entities, output, tracker)
    return output


def _refused(status: int, reason: str) -> HTTPResponse:
    return response.json({"status": "refused", "reason": reason}, status=status)


async def trigger_intent(request: Request, conversation_id: str) -> HTTPResponse:
    """Run an intent in a conversation (the outbox worker's notices)."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        return _refused(413, f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        body = DEFAULT_LIMITS.loads(request.body or b"")
    except JsonRefused as exc:
        return _refused(exc.status, str(exc))
    name = body.get("name") if isinstance(body, dict) else None
    entities = body.get("entities", {}) if isinstance(body, dict) else None
    if not isinstance(name, str) or not name or not isinstance(entities, (dict, list)):
        return _refused(400, "expected {\"name\": <intent>, \"entities\": {...}}")
    try:
        # The id is percent-encoded in the path (a REST sender may hold "/" or "?").
        output = await run_intent(request.app, unquote(conversation_id), name, entities)
    except IntentNotRun as exc:
        return _refused(exc.status, str(exc))
    messages = output.messages if isinstance(output, CollectingOutputChannel) else []
    return response.json({"status": "ok", "messages": messages})


@dataclass(frozen=True)
class Route:
    """One internal route: every route is behind the API token."""

    method: str
    path: str
    handler: Callable[..., Coroutine[Any, Any, HTTPResponse]]


# The internal routes; one line each. SECURITY.md names who calls which.
ROUTES = (
    Route("POST", "/conversations/<conversation_id:str>/trigger_intent", trigger_intent),
    Route("POST", "/conversations/<conversation_id:str>/advisor_message", advisor_says),
    Route("POST", "/conversations/<conversation_id:str>/verify_identity", verify_identity),
    Route("POST", "/conversations/<conversation_id:str>/hand_back", hand_back),
    Route("GET", "/model", current_model),
    Route("PUT", "/model", replace_model),
)


class InternalApiInput(InputChannel):
    """Not a conversation channel: the project's internal routes, behind NSSA_API_TOKEN."""

    @classmethod
    def name(cls) -> Text:
        """The URL slug: /webhooks/internal/."""
        return "internal"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "InternalApiInput":
        """The token from credentials.yml, else NSSA_API_TOKEN; loud if there is none."""
        token = (credentials or {}).get("token")
        if not token:
            from bot.settings import load_settings

            try:
                token = load_settings().api_token
            except NssaError as exc:
                raise RasaException(f"The {cls.name()} channel cannot start: {exc}") from None
        if not token:
            raise RasaException(
                f"The {cls.name()} channel needs NSSA_API_TOKEN (or `token` in "
                "credentials.yml); `python -m bot run` sets one."
            )
        return cls(str(token))

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the internal API needs a token")
        self._token = token

    def blueprint(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Blueprint:
        """ROUTES, each behind the token."""
        internal = Blueprint("internal_api", __name__)

        @internal.on_request
        async def locked(request: Request) -> Optional[HTTPResponse]:
            refusal = bearer_refusal(request.headers.get("Authorization"), self._token)
            if refusal is not None:
                logger.warning("Internal API: %s %s refused (%d)", request.method,
                               request.path, refusal)
                return _refused(refusal, "unauthorized" if refusal == 401 else "forbidden")
            return None

        for route in ROUTES:
            internal.add_route(route.handler, route.path, methods=[route.method])
        return internal
