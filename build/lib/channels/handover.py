"""Live advisors on the channels: the assistant silent while one holds a conversation.

    pass_on        every channel hands a citizen's message to Rasa through
                   this: while an advisor holds the conversation
                   (bot/store/handovers.py `holder`), the message is only
                   stored in the conversation (Rasa's `log_message`: NLU, no
                   prediction, no answer), where the staff console reads it;
                   the identity check an advisor asked for, and a continuity
                   code that joins the conversation, are still answered
    advisor_says   internal route: an advisor's message to the citizen, sent
                   on the conversation's latest channel (the open web chat,
                   Telegram) and stored as a bot turn with metadata
                   {"advisor": name}
    hand_back      internal route: the holder gives the conversation back to
                   the assistant, which tells the citizen (texts.yml
                   `advisor_handed_back`) and answers again from then on
    verify_identity internal route: the assistant's identity check, run in
                   the held conversation (the citizen's answers reach Rasa
                   while it runs)

The routes' contract is in channels/internal.py's docstring and SECURITY.md.
A store that cannot be read lets the message through to Rasa: the citizen is
answered rather than ignored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple
from urllib.parse import unquote

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.errors import NssaError
from bot.store.store import Store
from channels.common import CONTINUED_MESSAGE, clean_text

__all__ = [
    "pass_on",
    "advisor_says",
    "hand_back",
    "verify_identity",
    "IDENTITY_LOOP",
    "MAX_ADVISOR_CHARS",
]

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_ADVISOR_CHARS = 4000
# The form that checks identity (data/core/handover.yml): while it runs in a
# held conversation, the citizen's answers go to Rasa.
IDENTITY_LOOP = "identity_form"

Handler = Callable[[UserMessage], Awaitable[Any]]


def _agent(app: Any) -> Any:
    return getattr(getattr(app, "ctx", None), "agent", None)


def _store() -> Store:
    from bot.settings import load_settings

    return Store.for_url(load_settings().database_url)


async def _holder(store: Optional[Store], conversation_id: str) -> Optional[str]:
    if store is None:
        return None
    try:
        return await asyncio.to_thread(store.handovers.holder, conversation_id)
    except NssaError:
        logger.exception("The hand-over of a conversation could not be read: Rasa answers")
        return None


async def pass_on(
    app: Any, store: Optional[Store], on_new_message: Handler, message: UserMessage
) -> bool:
    """Hand the message to Rasa (True), or only store it while an advisor holds it (False)."""
    agent = _agent(app)
    # A continuity code joining the held conversation is answered ("continues here").
    holder = None if message.text == CONTINUED_MESSAGE else await _holder(
        store, message.sender_id)
    if holder is None or agent is None or not agent.is_ready():
        await on_new_message(message)
        return True
    async with agent.lock_store.lock(message.sender_id):
        tracker = await agent.processor.get_tracker(message.sender_id)
        if tracker.active_loop_name == IDENTITY_LOOP:
            held = False
        else:
            await agent.processor.log_message(message)
            held = True
    if not held:
        await on_new_message(message)
        return True
    logger.info("Message stored for the advisor holding the conversation")
    return False


# --- internal routes (channels/internal.py ROUTES) ------------------------------


def _refused(status: int, reason: str) -> HTTPResponse:
    return response.json({"status": "refused", "reason": reason}, status=status)


_Body = Tuple[Optional[Dict[str, str]], Optional[HTTPResponse]]


def _body(request: Request, *fields: str) -> _Body:
    """The JSON body's string `fields`, or the refusal (413 or 400)."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        return None, _refused(413, f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(request.body or b"")
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, _refused(400, "the body is not JSON")
    if not isinstance(body, dict):
        return None, _refused(400, "the body is not a JSON object")
    values: Dict[str, str] = {}
    for name in fields:
        value = body.get(name)
        if not isinstance(value, str) or not clean_text(value):
            return None, _refused(400, f"expected a non-empty string \"{name}\"")
        values[name] = clean_text(value)
    return values, None


async def _held_by(
    request: Request, conversation_id: str, advisor: str
) -> Optional[HTTPResponse]:
    """The refusal unless `advisor` holds the conversation and a model is loaded."""
    agent = _agent(request.app)
    if agent is None or not agent.is_ready():
        return _refused(503, "the Rasa agent has no model loaded")
    try:
        holder = await asyncio.to_thread(_store().handovers.holder, conversation_id)
    except NssaError:
        logger.exception("Hand-over state unreadable")
        return _refused(503, "the conversation store cannot be read")
    if holder != advisor:
        return _refused(409, "this advisor does not hold the conversation")
    return None


async def _tell(app: Any, conversation_id: str, text: str, metadata: Dict[str, Any]) -> Any:
    """Send `text` on the conversation's latest channel, then store it as a bot turn.

    An advisor's message carries `advisor` to the output: the web chat page
    labels it as the advisor's (other channels ignore the key).
    """
    from channels.internal import output_channel_of

    agent = _agent(app)
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        output = output_channel_of(app, tracker.get_latest_input_channel())
        await output.send_response(conversation_id, {"text": text, **metadata})
        tracker.update(BotUttered(text, {}, metadata))
        await agent.processor.save_tracker(tracker)
    return output


def _sent(output: Any) -> HTTPResponse:
    messages = output.messages if isinstance(output, CollectingOutputChannel) else []
    return response.json({"status": "ok", "messages": messages})


async def advisor_says(request: Request, conversation_id: str) -> HTTPResponse:
    """An advisor's message to the citizen, on the citizen's channel and in the store."""
    conversation_id = unquote(conversation_id)
    values, refusal = _body(request, "advisor", "text")
    if refusal is not None or values is None:
        return refusal or _refused(400, "bad body")
    if len(values["text"]) > MAX_ADVISOR_CHARS:
        return _refused(400, f"the text is over {MAX_ADVISOR_CHARS} characters")
    refusal = await _held_by(request, conversation_id, values["advisor"])
    if refusal is not None:
        return refusal
    try:
        output = await _tell(request.app, conversation_id, values["text"],
                             {"advisor": values["advisor"]})
    except Exception:  # the platform's own errors vary (Telegram, socket.io)
        logger.exception("An advisor's message could not be delivered")
        return _refused(502, "the message could not be delivered to the citizen's channel")
    return _sent(output)


async def hand_back(request: Request, conversation_id: str) -> HTTPResponse:
    """The holder gives the conversation back; the assistant tells the citizen."""
    from channels.texts import conversation_language, say

    conversation_id = unquote(conversation_id)
    values, refusal = _body(request, "advisor")
    if refusal is not None or values is None:
        return refusal or _refused(400, "bad body")
    refusal = await _held_by(request, conversation_id, values["advisor"])
    if refusal is not None:
        return refusal
    from bot.store.handovers import HandoverConflict

    try:
        await asyncio.to_thread(_store().handovers.hand_back, conversation_id, values["advisor"])
    except HandoverConflict as exc:
        return _refused(409, str(exc))
    except NssaError:
        logger.exception("Hand-back not stored")
        return _refused(503, "the conversation store cannot be written")
    lang = await conversation_language(request.app, conversation_id)
    try:
        output = await _tell(request.app, conversation_id, say("advisor_handed_back", lang),
                             {"language": lang})
    except Exception:  # handed back all the same; only the note is lost
        logger.exception("The hand-back note could not be delivered")
        return response.json({"status": "ok", "messages": []})
    return _sent(output)


async def verify_identity(request: Request, conversation_id: str) -> HTTPResponse:
    """Run the assistant's identity check in the held conversation."""
    from channels.internal import IntentNotRun, run_intent

    conversation_id = unquote(conversation_id)
    values, refusal = _body(request, "advisor")
    if refusal is not None or values is None:
        return refusal or _refused(400, "bad body")
    refusal = await _held_by(request, conversation_id, values["advisor"])
    if refusal is not None:
        return refusal
    try:
        output = await run_intent(request.app, conversation_id, "EXTERNAL_verify_identity", {})
    except IntentNotRun as exc:
        return _refused(exc.status, str(exc))
    return _sent(output)
