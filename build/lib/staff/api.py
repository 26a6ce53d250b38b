"""The console's JSON API (README, "Staff console", has the table).

Every route needs a session, a role (`@allow`) and the CSRF token in
`X-CSRF-Token` (staff/web.py); refusals are {"error": "..."} with 401, 403,
404, 409, 422 or 503. The event stream (`GET /api/events`) sends
`queue` when the queue, the caller's conversations or presence change (and
every 15 s, with the waiting times) and,
with `?conversation=<id>`, `turns` with the conversation's new messages; it
reads the database each second, so it works with several console servers.
While it is open, an advisor marked present stays present.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Optional, Tuple

from aiohttp import web

from bot.json_limits import DEFAULT_LIMITS, JsonRefused
from staff.console import ADMIN, ADVISOR, Refused, handover_json
from staff.web import CONSOLE, allow, session_of

__all__ = ["routes", "queue_json", "STREAM_INTERVAL"]

routes = web.RouteTableDef()
STREAM_INTERVAL = 1.0
_PRESENCE_REFRESH = 30.0
_KEEP_ALIVE = 15.0


def _cid(request: web.Request) -> str:
    return request.match_info["conversation_id"]


async def _body(request: web.Request) -> Dict[str, Any]:
    try:  # size, depth and half surrogate pairs refused before anything reads it
        body = DEFAULT_LIMITS.loads(await request.read())
    except JsonRefused as exc:
        raise Refused(exc.status, str(exc)) from None
    if not isinstance(body, dict):
        raise Refused(400, "the body is not a JSON object")
    return body


def queue_json(request: web.Request) -> Dict[str, Any]:
    """The queue, the caller's conversations and presence."""
    console, who = request.app[CONSOLE], session_of(request)
    return {
        "queue": [handover_json(item) for item in console.queue()],
        "mine": [handover_json(item) for item in console.mine(who)],
        "ended": [handover_json(item) for item in console.ended(who)],
        "present": console.present(who),
        "advisors_present": len(console.advisors_present()),
    }


@routes.get("/api/me")
@allow(*ADVISOR, *ADMIN, "editor", "analyst")
async def me(request: web.Request) -> web.Response:
    """Who is signed in, with which role."""
    who = session_of(request)
    return web.json_response({"name": who.name, "role": who.role})


@routes.get("/api/queue")
@allow(*ADVISOR)
async def queue(request: web.Request) -> web.Response:
    """The waiting conversations (oldest first) and the caller's."""
    return web.json_response(queue_json(request))


@routes.get("/api/conversations/{conversation_id}")
@allow(*ADVISOR)
async def conversation(request: web.Request) -> web.Response:
    """A conversation's hand-over and transcript (audited)."""
    opened = request.app[CONSOLE].open(session_of(request), _cid(request))
    return web.json_response(opened.as_json())


@routes.get("/api/conversations/{conversation_id}/cases")
@allow(*ADVISOR)
async def cases(request: web.Request) -> web.Response:
    """The verified person's cases from the CMS (audited)."""
    return web.json_response(
        await request.app[CONSOLE].cases(session_of(request), _cid(request)))


@routes.post("/api/conversations/{conversation_id}/take")
@allow(*ADVISOR)
async def take(request: web.Request) -> web.Response:
    """Take a waiting conversation."""
    item = request.app[CONSOLE].take(session_of(request), _cid(request))
    return web.json_response(handover_json(item))


@routes.post("/api/conversations/{conversation_id}/messages")
@allow(*ADVISOR)
async def say(request: web.Request) -> web.Response:
    """Send a message to the citizen: {"text": "..."}."""
    body = await _body(request)
    await request.app[CONSOLE].say(session_of(request), _cid(request), body.get("text"))
    return web.json_response({"status": "sent"}, status=201)


@routes.post("/api/conversations/{conversation_id}/verify")
@allow(*ADVISOR)
async def verify(request: web.Request) -> web.Response:
    """Ask the citizen to verify their identity."""
    await request.app[CONSOLE].ask_to_verify(session_of(request), _cid(request))
    return web.json_response({"status": "asked"})


@routes.post("/api/conversations/{conversation_id}/transfer")
@allow(*ADVISOR)
async def transfer(request: web.Request) -> web.Response:
    """Give the conversation to a colleague: {"to": "name"}."""
    body = await _body(request)
    item = request.app[CONSOLE].transfer(session_of(request), _cid(request), body.get("to"))
    return web.json_response(handover_json(item))


@routes.post("/api/conversations/{conversation_id}/hand-back")
@allow(*ADVISOR)
async def hand_back(request: web.Request) -> web.Response:
    """Give the conversation back to the assistant."""
    await request.app[CONSOLE].hand_back(session_of(request), _cid(request))
    return web.json_response({"status": "handed back"})


@routes.post("/api/conversations/{conversation_id}/close")
@allow(*ADVISOR)
async def close(request: web.Request) -> web.Response:
    """End the conversation: {"outcome": "answered" | ...}."""
    body = await _body(request)
    item = request.app[CONSOLE].close(session_of(request), _cid(request), body.get("outcome"))
    return web.json_response(handover_json(item))


@routes.get("/api/colleagues")
@allow(*ADVISOR)
async def colleagues(request: web.Request) -> web.Response:
    """The other active advisors, and who of them is present."""
    console = request.app[CONSOLE]
    present = set(console.advisors_present())
    return web.json_response([{"name": name, "present": name in present}
                              for name in console.colleagues(session_of(request))])


@routes.get("/api/callbacks")
@allow(*ADVISOR)
async def callbacks(request: web.Request) -> web.Response:
    """The call-back requests the assistant sent to the CMS (audited)."""
    return web.json_response(request.app[CONSOLE].call_backs(session_of(request)))


@routes.post("/api/presence")
@allow(*ADVISOR)
async def presence(request: web.Request) -> web.Response:
    """Mark the caller present or away: {"present": true}."""
    body = await _body(request)
    if not isinstance(body.get("present"), bool):
        raise Refused(422, "present is true or false")
    request.app[CONSOLE].set_present(session_of(request), body["present"])
    return web.json_response({"present": body["present"]})


@routes.get("/api/audit")
@allow(*ADMIN)
async def audit(request: web.Request) -> web.Response:
    """The audit log, newest first (`?limit=`, at most 500)."""
    try:
        limit = min(500, max(1, int(request.query.get("limit", "200"))))
    except ValueError:
        raise Refused(422, "limit is a whole number") from None
    entries = request.app[CONSOLE].audit.read(limit)
    return web.json_response([entry.as_json() for entry in entries])


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _queue_mark(state: Dict[str, Any]) -> Tuple[Any, ...]:
    """What a change of the queue view is seen by (not the waiting seconds)."""
    return (
        tuple((i["conversation_id"], i["state"]) for i in state["queue"]),
        tuple((i["conversation_id"], i["advisor"]) for i in state["mine"]),
        tuple((i["conversation_id"], i["state"]) for i in state["ended"]),
        state["present"], state["advisors_present"],
    )


@routes.get("/api/events")
@allow(*ADVISOR)
async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: `queue` and, for `?conversation=`, `turns`."""
    console, who = request.app[CONSOLE], session_of(request)
    watched: Optional[str] = request.query.get("conversation") or None
    after = 0
    if watched is not None:
        console.watch(who, watched)
        try:
            after = max(0, int(request.query.get("after", "0")))
        except ValueError:
            raise Refused(422, "after is a whole number") from None
    stream = web.StreamResponse(headers={
        "Content-Type": "text/event-stream", "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff", "X-Accel-Buffering": "no",
    })
    await stream.prepare(request)
    loop = asyncio.get_running_loop()
    last_mark: Any = None
    last_sent = refreshed = loop.time()
    try:
        while True:
            state = queue_json(request)
            # On a change, and every 15 s so the waiting times shown keep up.
            if _queue_mark(state) != last_mark or loop.time() - last_sent >= _KEEP_ALIVE:
                last_mark = _queue_mark(state)
                await stream.write(_sse("queue", state))
                last_sent = loop.time()
            if watched is not None:
                try:  # each round: a conversation transferred away ends its stream
                    console.may_open(who, watched)
                except Refused as exc:
                    await stream.write(_sse("refused", {"error": str(exc)}))
                    break
                mark = console.latest(watched)
                if mark > after:
                    turns = [turn for turn in console.new_turns(watched, after)
                             if turn["id"] <= mark]
                    after = mark
                    if turns:
                        await stream.write(_sse("turns", {"turns": turns, "latest": after,
                                                          **console.identity(watched)}))
                        last_sent = loop.time()
            now = loop.time()
            if now - refreshed >= _PRESENCE_REFRESH:
                refreshed = now
                if state["present"]:
                    console.set_present(who, True)
            await asyncio.sleep(STREAM_INTERVAL)
    except ConnectionResetError:
        pass  # the browser went away
    return stream
