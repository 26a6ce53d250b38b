"""CMS handlers for offices, free slots, appointments and event subscriptions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Dict, List
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.engine import Connection

from backends.cms.agency import OFFICES, Office, bookable, slot_starts
from backends.cms.context import CMS, CmsContext, idempotent
from backends.cms.events import upsert_subscription
from backends.cms.store import booked_starts, create_appointment, find_person
from backends.common import ApiError, parse_date, parse_datetime, read_json_object, rfc3339
from bot.setting_values import http_url

__all__ = ["free_slots", "routes"]

routes = web.RouteTableDef()
MIN_SECRET = 16


def free_slots(
    connection: Connection, context: CmsContext, office: Office, day: date
) -> List[datetime]:
    """Free slot starts of `office` on `day`, earliest first; empty when not bookable."""
    if not bookable(office, day, context.today()):
        return []
    starts = slot_starts(day, context.settings.timezone)
    taken = booked_starts(connection, office.office_id, starts[0], starts[-1])
    return [start for start in starts if start not in taken]


@routes.get("/v1/offices")
async def offices(request: web.Request) -> web.Response:
    """The five regional offices."""
    return web.json_response([office.to_json() for office in OFFICES.values()])


@routes.get("/v1/offices/{office_id}/slots")
async def slots(request: web.Request) -> web.Response:
    """Free 20-minute slots of one day (empty on closed days and outside 30 days)."""
    context = request.app[CMS]
    office = OFFICES.get(request.match_info["office_id"])
    if office is None:
        raise ApiError(404, "not_found", "No such office.")
    day = parse_date(request.query.get("date"))
    if day is None:
        raise ApiError(422, "invalid_date", "The date query parameter must be YYYY-MM-DD.",
                       {"field": "date"})
    with context.engine.connect() as connection:
        starts = free_slots(connection, context, office, day)
    return web.json_response([{"start": rfc3339(start)} for start in starts])


def _invalid(field: str, message: str, code: str = "invalid_request") -> ApiError:
    return ApiError(422, code, message, {"field": field})


@routes.post("/v1/appointments")
async def book(request: web.Request) -> web.Response:
    """Book a free slot; 409 `slot_taken` with the next free ones when it went meanwhile."""
    context = request.app[CMS]

    def create(connection: Connection, body: Dict[str, Any]) -> Dict[str, Any]:
        office_id = body.get("office_id")
        office = OFFICES.get(office_id) if isinstance(office_id, str) else None
        if office is None:
            raise _invalid("office_id", f"office_id must be one of {', '.join(OFFICES)}.",
                           "unknown_office")
        start = parse_datetime(body.get("start"))
        if start is None:
            raise _invalid("start", "start must be an RFC 3339 date-time.")
        person_id = body.get("person_id")
        if not isinstance(person_id, str) or find_person(connection, person_id) is None:
            raise _invalid("person_id", "No such person.", "unknown_person")
        topic = body.get("topic")
        if not isinstance(topic, str) or not 1 <= len(topic.strip()) <= 200:
            raise _invalid("topic", "topic must be 1-200 characters.")
        day = start.astimezone(context.settings.timezone).date()
        if (not bookable(office, day, context.today())
                or start not in slot_starts(day, context.settings.timezone)):
            raise _invalid("start", "This is not an appointment time of this office: "
                           "choose a free slot from the next working day up to 30 days ahead.",
                           "not_a_slot")
        free = free_slots(connection, context, office, day)
        if start not in free:
            later = [rfc3339(s) for s in free if s > start][:3] or [rfc3339(s) for s in free][:3]
            raise ApiError(409, "slot_taken", "This slot is no longer free.", {"next_free": later})
        return create_appointment(
            connection, office.office_id, start, person_id, topic.strip(), context.now()
        )

    status, result = await idempotent(request, create)
    if status == 201:
        _queue_reminder_soon(context, result)
    return web.json_response(result, status=status)


def _queue_reminder_soon(context: CmsContext, appointment: Dict[str, Any]) -> None:
    # A booking for tomorrow morning is already within 24 hours: let the worker look now.
    start = parse_datetime(appointment["start"])
    if start is not None and start - context.now() <= timedelta(hours=24):
        context.deliverer.wake()


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or any(char.isspace() for char in value):
        return False
    try:
        checked = http_url(value)  # the project's URL rule; the URL itself is kept as sent
    except ValueError:
        return False
    try:
        return bool(urlsplit(checked).hostname)
    except ValueError:  # "http://[::1": no URL urllib can split
        return False


@routes.post("/v1/subscriptions")
async def subscribe(request: web.Request) -> web.Response:
    """Register a URL for case, appointment and payment events.

    The contract declares neither Idempotency-Key nor 200/409 for this path,
    and none is needed: subscriptions are keyed by URL, so subscribing the
    same URL again answers 201 with the same subscription and its new secret.
    """
    context = request.app[CMS]
    body, _ = await read_json_object(request, 422, "invalid_body")
    url, secret = body.get("url"), body.get("secret")
    if not _is_http_url(url):
        raise _invalid("url", "url must be an http:// or https:// URL.")
    if not isinstance(secret, str) or len(secret) < MIN_SECRET:
        raise _invalid("secret", f"secret must be at least {MIN_SECRET} characters.")
    with context.engine.begin() as connection:
        result = upsert_subscription(connection, url, secret, context.now())
    return web.json_response(result, status=201)
