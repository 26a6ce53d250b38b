"""The CMS application: `create_app(settings)` wires routes, middlewares and the worker.

Middlewares, outermost first:

1. errors: every failure becomes the contract's `Error` (never an HTML page);
2. failures: the simulated 429/503/down modes of `NSSA_CMS_FAIL_MODE`;
3. auth: `Authorization: Bearer <token>` on everything under `/v1/` except
   `/v1/health` and `/v1/offices` (the admin page checks its own token).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from typing import AsyncIterator, Awaitable, Callable, Optional

from aiohttp import web

from backends.cms import admin, booking, handlers
from backends.cms.context import CMS, CmsContext, error_response, new_code
from backends.cms.events import Deliverer
from backends.cms.settings import CmsSettings
from backends.cms.store import open_database
from backends.common import ApiError, Clock, utc_now

__all__ = ["PUBLIC_PATHS", "create_app"]

logger = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/v1/health", "/v1/offices"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render `ApiError` and router errors as `Error`; log anything unexpected."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "error")
        return error_response(ApiError(exc.status, code, exc.reason))
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("Unexpected error in %s %s", request.method, request.path)
        return error_response(ApiError(500, "internal_error", "Something went wrong in the CMS."))


def _kind(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return f"{request.method} {resource.canonical if resource else request.path}"


@web.middleware
async def failures(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Simulated trouble: the first N requests of each kind get 429 or 503, or all get 503."""
    context = request.app[CMS]
    mode = context.settings.fail_mode
    if mode == "none" or not request.path.startswith("/v1/"):
        return await handler(request)
    retry = {"Retry-After": str(context.settings.retry_after)}
    if mode == "down":
        raise ApiError(503, "unavailable", "The CMS is down for maintenance.", headers=retry)
    if request.path == "/v1/health":  # so start-up checks see the server is there
        return await handler(request)
    kind = _kind(request)
    seen = context.fail_counts.get(kind, 0)
    if seen < context.settings.fail_count:
        context.fail_counts[kind] = seen + 1
        if mode == "429":
            raise ApiError(
                429, "rate_limited", "Too many requests; try again later.", headers=retry
            )
        raise ApiError(503, "unavailable", "The CMS is busy; try again later.", headers=retry)
    return await handler(request)


@web.middleware
async def slow_case_answers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A new case is made and kept at once, its answer sent `case_answer_delay` s later.

    So a test can kill the caller between the CMS accepting and the answer
    arriving: the case exists, the caller never heard of it.
    """
    response = await handler(request)
    delay = request.app[CMS].settings.case_answer_delay
    if delay and request.method == "POST" and request.path == "/v1/cases":
        await asyncio.sleep(delay)
    return response


@web.middleware
async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    """401 without the right service token, except on the public paths."""
    if request.path.startswith("/v1/") and request.path not in PUBLIC_PATHS:
        expected = f"Bearer {request.app[CMS].settings.token}".encode()
        given = request.headers.get("Authorization", "").strip().encode()
        if not hmac.compare_digest(given, expected):
            raise ApiError(
                401, "unauthorized",
                "A valid service token is required (Authorization: Bearer ...).",
                headers={"WWW-Authenticate": "Bearer"},
            )
    return await handler(request)


def create_app(
    settings: CmsSettings,
    *,
    clock: Optional[Clock] = None,
    code_generator: Optional[Callable[[], str]] = None,
    background: bool = True,
) -> web.Application:
    """The CMS server; opens (and on first use seeds) its database.

    Tests pass a `clock`, a `code_generator` and `background=False` to drive
    the deliverer themselves (`app[CMS].deliverer.run_once()`).
    """
    clock = clock or utc_now
    engine = open_database(settings.database_url, clock())
    context = CmsContext(
        settings=settings,
        engine=engine,
        clock=clock,
        deliverer=Deliverer(engine, settings, clock),
        new_code=code_generator or new_code,
    )
    app = web.Application(
        middlewares=[errors, failures, slow_case_answers, auth], client_max_size=256 * 1024
    )
    app[CMS] = context
    app.add_routes(handlers.routes)
    app.add_routes(booking.routes)
    app.add_routes(admin.routes)

    async def worker(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(context.deliverer.run(), name="cms-deliveries")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def dispose(app: web.Application) -> None:
        engine.dispose()

    if background:
        app.cleanup_ctx.append(worker)
    app.on_cleanup.append(dispose)
    return app
