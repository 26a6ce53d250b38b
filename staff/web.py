"""The console's aiohttp application: sign-in, roles, CSRF and headers for every route.

HTTP contract (README, "Staff console"):

    Every route but /health, /static/ and the sign-in page needs a session
    (the `nssa_staff` cookie: HttpOnly, SameSite=Strict, Secure unless
    NSSA_STAFF_SECURE_COOKIES=false). Under /api/:
      401  not signed in (no cookie, an unknown, expired or ended session)
      403  the role has no right to the route, or no CSRF token: every API
           call sends the session's token in `X-CSRF-Token` (the event
           stream, which cannot send headers, as `?csrf=`)
    Pages: not signed in -> 303 to /sign-in; a role without rights -> 403
    page; a form posted without its `csrf_token` field -> 403.
    Bad input answers 4xx with {"error": "..."}; nothing answers 500 for it.

Each handler declares who may call it with `@allow(*roles)` (or `@public`);
a handler with neither is refused to everyone, so a new route is closed
until it says who may use it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional, Sequence

import jinja2
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from staff.console import Console, Refused
from staff.sessions import Session, Sessions, SignInLimit, csrf_matches

__all__ = [
    "AccessLog",
    "COOKIE",
    "CONSOLE",
    "SESSIONS",
    "LIMIT",
    "SECURE",
    "TEMPLATES",
    "allow",
    "form_of",
    "public",
    "session_of",
    "create_app",
]

logger = logging.getLogger(__name__)

COOKIE = "nssa_staff"
CONSOLE = web.AppKey("console", Console)
SESSIONS = web.AppKey("sessions", Sessions)
LIMIT = web.AppKey("limit", SignInLimit)
SECURE = web.AppKey("secure", bool)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
_SESSION = "staff_session"
HERE = Path(__file__).resolve().parent

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def allow(*roles: str) -> Callable[[Handler], Handler]:
    """Let only these roles call the handler."""
    def mark(handler: Handler) -> Handler:
        handler.staff_roles = tuple(roles)  # type: ignore[attr-defined]
        return handler
    return mark


def public(handler: Handler) -> Handler:
    """Let anyone call the handler (sign-in, health)."""
    handler.staff_public = True  # type: ignore[attr-defined]
    return handler


def session_of(request: web.Request) -> Session:
    """The signed-in member of staff (the middleware has checked there is one)."""
    return request[_SESSION]


def _api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def _refuse(request: web.Request, status: int, message: str) -> web.StreamResponse:
    if _api(request):
        return web.json_response({"error": message}, status=status)
    if status == 401:
        raise web.HTTPSeeOther("/sign-in")
    session = request.get(_SESSION)
    page = request.app[TEMPLATES].get_template("refused.html").render(
        status=status, message=message, session=session, page="", notice=None,
        csrf=session.csrf_token if session else "")
    return web.Response(text=page, status=status, content_type="text/html")


async def _csrf_given(request: web.Request) -> Optional[str]:
    if _api(request):
        given = request.headers.get("X-CSRF-Token")
        if given is None and request.path == "/api/events":
            given = request.query.get("csrf")
        return given
    if request.method == "POST":
        form = await form_of(request)
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sign-in, role and CSRF checks before any handler runs; a refusal answered."""
    try:
        return await _guarded(request, handler)
    except Refused as exc:
        return _refuse(request, exc.status, str(exc))


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    if getattr(handler, "staff_public", False) or request.path.startswith("/static/"):
        return await handler(request)
    roles: Sequence[str] = getattr(handler, "staff_roles", ())
    session = request.app[SESSIONS].find(request.cookies.get(COOKIE))
    if session is None:
        return _refuse(request, 401, "sign in first")
    request[_SESSION] = session
    if session.role not in roles:
        return _refuse(request, 403, "your role has no right to this")
    if _api(request) or request.method != "GET":
        if not csrf_matches(await _csrf_given(request), session.csrf_token):
            return _refuse(request, 403, "the CSRF token is missing or wrong")
    return await handler(request)


async def form_of(request: web.Request) -> Any:
    """The posted form; Refused (400) when it is no text (bytes that are not UTF-8)."""
    try:
        return await request.post()
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "the form is not UTF-8 text") from None


def _secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No caching, no framing, only this origin's scripts and styles."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _secure_headers(request, exc)
        raise
    if not response.prepared:  # the event stream sets its own before it starts
        _secure_headers(request, response)
    return response


@public
async def health(request: web.Request) -> web.Response:
    """Up (the supervisor's health check)."""
    return web.json_response({"status": "ok"})


def create_app(
    console: Console, sessions: Sessions, limit: SignInLimit, *, secure_cookies: bool = True,
) -> web.Application:
    """The console application; the console, sessions and sign-in limit are handed in."""
    from staff import analytics, api, pages, review

    app = web.Application(middlewares=[headers, guard], client_max_size=64 * 1024)
    app[CONSOLE] = console
    app[SESSIONS] = sessions
    app[LIMIT] = limit
    app[SECURE] = secure_cookies
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined,
    )
    app.router.add_get("/health", health)
    app.router.add_static("/static/", HERE / "static", append_version=True)
    app.add_routes(pages.routes)
    app.add_routes(api.routes)
    app.add_routes(analytics.routes)
    review.setup(app)
    return app


def set_session_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure (unless turned off)."""
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                        secure=request.app[SECURE])


def clear_session_cookie(response: web.StreamResponse) -> None:
    """Remove the session cookie."""
    response.del_cookie(COOKIE, path="/")


class AccessLog(AbstractAccessLogger):
    """Method, path, status and time: never the query string (the event stream's CSRF token)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """One line per request."""
        self.logger.info("%s %s %s %d %.3fs", request.remote, request.method, request.path,
                         response.status, time)


def client_address(request: web.Request) -> str:
    """The caller's address, for the sign-in limit (no proxy header is trusted)."""
    return request.remote or "unknown"


def render(request: web.Request, template: str, **values: Any) -> web.Response:
    """A page from staff/templates with the session and its CSRF token."""
    session = request.get(_SESSION)
    values.setdefault("page", "")
    values.setdefault("notice", None)
    text = request.app[TEMPLATES].get_template(template).render(
        session=session, csrf=session.csrf_token if session else "", **values)
    return web.Response(text=text, content_type="text/html")
