"""The console's HTML pages: server-rendered, readable without JavaScript.

Forms post to the routes below with the session's `csrf_token` field and are
answered with a redirect (303) to the page, so reloading never re-sends.
static/console.js adds the live parts: the queue and the conversation follow
the event stream (/api/events), and a message is sent without a reload.
"""

from __future__ import annotations

import hmac
import re
from typing import Optional
from urllib.parse import quote

from aiohttp import web

from bot.store.tables import OUTCOMES
from staff.console import ADMIN, ADVISOR
from staff.sessions import new_token
from staff.web import (
    CONSOLE,
    LIMIT,
    SECURE,
    SESSIONS,
    allow,
    clear_session_cookie,
    client_address,
    form_of,
    public,
    render,
    session_of,
    set_session_cookie,
)

__all__ = ["routes", "SIGN_IN_COOKIE"]

routes = web.RouteTableDef()
SIGN_IN_COOKIE = "nssa_staff_sign_in"
EVERYONE = (*ADVISOR, *ADMIN, "editor", "analyst")
NOTICES = {
    "taken": "You hold this conversation now. The assistant stays silent while you do.",
    "sent": "Message sent.",
    "asked": "The citizen was asked to verify their identity.",
    "transferred": "The conversation was transferred.",
    "handed-back": "The conversation is back with the assistant.",
    "closed": "The conversation is closed.",
    "present": "You are marked present.",
    "away": "You are marked away.",
}


def _back(path: str, notice: Optional[str] = None) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{path}?notice={notice}" if notice else path)


def _path(conversation_id: str) -> str:
    return f"/conversations/{quote(conversation_id, safe='')}"


def _notice(request: web.Request) -> Optional[str]:
    return NOTICES.get(request.query.get("notice", ""))


def _sign_in_page(request: web.Request, error: Optional[str] = None,
                  status: int = 200) -> web.Response:
    # One token per browser until sign-in: a second tab (or a stray request) keeps it.
    kept = request.cookies.get(SIGN_IN_COOKIE, "")
    token = kept if re.fullmatch(r"[A-Za-z0-9_-]{43}", kept) else new_token()
    response = render(request, "sign_in.html", sign_in_token=token, error=error)
    response.set_status(status)
    response.set_cookie(SIGN_IN_COOKIE, token, httponly=True, samesite="Strict", path="/sign-in",
                        secure=request.app[SECURE])
    return response


@routes.get("/sign-in")
@public
async def sign_in_form(request: web.Request) -> web.Response:
    """The sign-in form (with its own CSRF token, as no session exists yet)."""
    return _sign_in_page(request)


@routes.post("/sign-in")
@public
async def sign_in(request: web.Request) -> web.StreamResponse:
    """Check the name and password; 429 after too many failures; start a session."""
    form = await form_of(request)
    given, expected = form.get("csrf_token"), request.cookies.get(SIGN_IN_COOKIE)
    if not (isinstance(given, str) and expected
            and hmac.compare_digest(given.encode(), expected.encode())):
        return _sign_in_page(request, "The form had expired. Please sign in again.", 403)
    name = str(form.get("name", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    address = client_address(request)
    wait = request.app[LIMIT].retry_after(name, address)
    if wait is not None:
        response = _sign_in_page(
            request, f"Too many failed sign-ins. Try again in {wait // 60 + 1} minutes.", 429)
        response.headers["Retry-After"] = str(wait)
        return response
    account = request.app[CONSOLE].accounts.authenticate(name, password)
    if account is None:
        request.app[LIMIT].failed(name, address)
        return _sign_in_page(request, "The name or password is not right.", 401)
    token, csrf = request.app[SESSIONS].start(account.name)
    if "application/json" in request.headers.get("Accept", ""):
        answer: web.StreamResponse = web.json_response(
            {"name": account.name, "role": account.role, "csrf_token": csrf})
    else:
        answer = web.HTTPSeeOther("/")
    set_session_cookie(answer, request, token)
    answer.del_cookie(SIGN_IN_COOKIE, path="/sign-in")
    if isinstance(answer, web.HTTPException):
        raise answer
    return answer


@routes.post("/sign-out")
@allow(*EVERYONE)
async def sign_out(request: web.Request) -> web.StreamResponse:
    """End the session."""
    request.app[SESSIONS].end(request.cookies.get("nssa_staff", ""))
    response = web.HTTPSeeOther("/sign-in")
    clear_session_cookie(response)
    raise response


@routes.get("/")
@allow(*EVERYONE)
async def home(request: web.Request) -> web.StreamResponse:
    """The role's first page."""
    role = session_of(request).role
    if role == "advisor":
        raise web.HTTPSeeOther("/queue")
    if role == "admin":
        raise web.HTTPSeeOther("/audit")
    if role == "editor":
        raise web.HTTPSeeOther("/review")
    return render(request, "home.html", page="home")


@routes.get("/queue")
@allow(*ADVISOR)
async def queue(request: web.Request) -> web.Response:
    """The queue, the advisor's conversations and presence."""
    from staff.api import queue_json

    return render(request, "queue.html", page="queue", state=queue_json(request),
                  notice=_notice(request), path=_path)


@routes.post("/presence")
@allow(*ADVISOR)
async def presence(request: web.Request) -> web.StreamResponse:
    """Present or away."""
    present = (await form_of(request)).get("present") == "yes"
    request.app[CONSOLE].set_present(session_of(request), present)
    raise _back("/queue", "present" if present else "away")


@routes.get("/conversations/{conversation_id}")
@allow(*ADVISOR)
async def conversation(request: web.Request) -> web.Response:
    """A conversation: transcript and what the advisor can do (audited)."""
    console, who = request.app[CONSOLE], session_of(request)
    opened = console.open(who, request.match_info["conversation_id"], "page")
    return render(request, "conversation.html", page="conversation", c=opened.as_json(),
                  colleagues=console.colleagues(who) if opened.mine else [],
                  outcomes=OUTCOMES, notice=_notice(request),
                  path=_path(opened.handover.conversation_id))


@routes.get("/conversations/{conversation_id}/cases")
@allow(*ADVISOR)
async def cases(request: web.Request) -> web.Response:
    """The verified person's cases (audited)."""
    conversation_id = request.match_info["conversation_id"]
    found = await request.app[CONSOLE].cases(session_of(request), conversation_id)
    return render(request, "cases.html", page="conversation", found=found,
                  path=_path(conversation_id))


@routes.post("/conversations/{conversation_id}/{action}")
@allow(*ADVISOR)
async def act(request: web.Request) -> web.StreamResponse:
    """The conversation's forms: take, say, verify, transfer, hand-back, close."""
    console, who = request.app[CONSOLE], session_of(request)
    conversation_id, action = request.match_info["conversation_id"], request.match_info["action"]
    form = await form_of(request)
    here = _path(conversation_id)
    if action == "take":
        console.take(who, conversation_id)
        raise _back(here, "taken")
    if action == "say":
        await console.say(who, conversation_id, form.get("text"))
        raise _back(here, "sent")
    if action == "verify":
        await console.ask_to_verify(who, conversation_id)
        raise _back(here, "asked")
    if action == "transfer":
        console.transfer(who, conversation_id, form.get("to"))
        raise _back("/queue", "transferred")
    if action == "hand-back":
        await console.hand_back(who, conversation_id)
        raise _back("/queue", "handed-back")
    if action == "close":
        console.close(who, conversation_id, form.get("outcome"))
        raise _back("/queue", "closed")
    raise web.HTTPNotFound()


@routes.get("/callbacks")
@allow(*ADVISOR)
async def callbacks(request: web.Request) -> web.Response:
    """The call-back requests (audited)."""
    found = request.app[CONSOLE].call_backs(session_of(request))
    return render(request, "callbacks.html", page="callbacks", found=found)


@routes.get("/audit")
@allow(*ADMIN)
async def audit(request: web.Request) -> web.Response:
    """The audit log, newest first."""
    return render(request, "audit.html", page="audit",
                  entries=request.app[CONSOLE].audit.read(500))
