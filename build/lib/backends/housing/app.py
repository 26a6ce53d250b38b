"""The Housing Office intake application: `create_app(settings)`.

Middlewares, outermost first:

1. errors: every failure becomes `{"error": {"type", "detail"}}`;
2. availability: the configured delay, the forced-down mode and the nightly
   maintenance window (01:00-03:00 local time) answering 503;
3. auth: `X-Api-Key` on every request (401).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import datetime, time
from typing import Awaitable, Callable, Optional

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from backends.common import ApiError, Clock, read_json_object, seconds_until, utc_now
from backends.housing.settings import HousingSettings
from backends.housing.store import (
    create_application,
    find_application,
    find_by_client_reference,
    open_database,
    receipt,
    status_json,
)
from backends.housing.validation import application_problems

__all__ = ["HOUSING", "HousingContext", "create_app", "maintenance_until"]

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAINTENANCE_START = time(1, 0)
MAINTENANCE_END = time(3, 0)
ON_RETRY_AFTER = 60


class HousingContext:
    """The server's dependencies; tests hand in their own clock."""

    def __init__(self, settings: HousingSettings, engine, clock: Clock):  # type: ignore[no-untyped-def]
        self.settings = settings
        self.engine = engine
        self.clock = clock


HOUSING = web.AppKey("housing", HousingContext)
routes = web.RouteTableDef()


def problem(error: ApiError) -> web.Response:
    """The Housing Office's error body."""
    return web.json_response(
        {"error": {"type": error.code, "detail": error.message}},
        status=error.status, headers=error.headers,
    )


def maintenance_until(settings: HousingSettings, now: datetime) -> Optional[datetime]:
    """When the current maintenance ends, or None when the system is open."""
    if settings.maintenance == "off":
        return None
    local = now.astimezone(settings.timezone)
    in_window = MAINTENANCE_START <= local.time() < MAINTENANCE_END
    if in_window:
        return local.replace(hour=MAINTENANCE_END.hour, minute=0, second=0, microsecond=0)
    # "on" simulates the window at any hour; its end is not known.
    return now if settings.maintenance == "on" else None


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render `ApiError` and router errors as the Housing Office's error body."""
    try:
        return await handler(request)
    except ApiError as exc:
        return problem(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status, "bad_request")
        return problem(ApiError(exc.status, kind, exc.reason))
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("Unexpected error in %s %s", request.method, request.path)
        return problem(
            ApiError(500, "internal_error", "Something went wrong at the Housing Office.")
        )


@web.middleware
async def availability(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Slow answers, forced downtime and the nightly maintenance window."""
    context = request.app[HOUSING]
    settings = context.settings
    if settings.delay_seconds:
        await asyncio.sleep(settings.delay_seconds)
    if settings.down:
        raise ApiError(503, "unavailable", "The Housing Office system is not available.",
                       headers={"Retry-After": str(ON_RETRY_AFTER)})
    now = context.clock()
    until = maintenance_until(settings, now)
    if until is not None:
        retry = seconds_until(now, until) if until > now else ON_RETRY_AFTER
        raise ApiError(503, "maintenance",
                       "The Housing Office system is closed for maintenance "
                       "every night 01:00-03:00.",
                       headers={"Retry-After": str(retry)})
    return await handler(request)


@web.middleware
async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    """401 without the right X-Api-Key."""
    given = request.headers.get("X-Api-Key", "").encode()
    if not hmac.compare_digest(given, request.app[HOUSING].settings.api_key.encode()):
        raise ApiError(401, "unauthorized", "A valid X-Api-Key header is required.")
    return await handler(request)


@routes.post("/intake/v2/applications")
async def submit(request: web.Request) -> web.Response:
    """Accept an application: 202 QUEUED, or 409 with the number filed before."""
    context = request.app[HOUSING]
    body, _ = await read_json_object(request, 400, "invalid_json")
    problems = application_problems(body)
    if problems:
        raise ApiError(400, "validation_error", "; ".join(problems))
    for attempt in range(2):
        try:
            with context.engine.begin() as connection:
                existing = find_by_client_reference(connection, body["clientReference"])
                if existing is not None:
                    return web.json_response(receipt(existing), status=409)
                row = create_application(connection, body, context.clock())
            logger.info("Application %s queued (clientReference %s)", row.application_number,
                        body["clientReference"])
            return web.json_response(receipt(row), status=202)
        except IntegrityError:
            if attempt:  # a concurrent duplicate; the next pass answers 409
                raise
    raise AssertionError("unreachable")


@routes.get("/intake/v2/applications/{number}")
async def status(request: web.Request) -> web.Response:
    """The state of an application."""
    number = request.match_info["number"].upper()
    with request.app[HOUSING].engine.connect() as connection:
        row = find_application(connection, number)
    if row is None:
        raise ApiError(404, "not_found", f"No application {number}.")
    return web.json_response(status_json(row))


def create_app(settings: HousingSettings, *, clock: Optional[Clock] = None) -> web.Application:
    """The Housing Office intake server; opens its database."""
    engine = open_database(settings.database_url)
    app = web.Application(middlewares=[errors, availability, auth], client_max_size=256 * 1024)
    app[HOUSING] = HousingContext(settings, engine, clock or utc_now)
    app.add_routes(routes)

    async def dispose(app: web.Application) -> None:
        engine.dispose()

    app.on_cleanup.append(dispose)
    return app
