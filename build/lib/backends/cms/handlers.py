"""CMS handlers for identity checks, one-time codes, persons and cases."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Dict

from aiohttp import web
from sqlalchemy.engine import Connection

from backends.cms.casework import (
    CASE_TYPES,
    CHANNELS,
    field_errors,
    missing_or_wrong,
    required_level,
    valid_national_id,
)
from backends.cms.context import CMS, CmsContext, idempotent
from backends.cms.store import (
    case_json,
    check_otp,
    create_case,
    create_otp,
    find_case,
    find_person,
    list_cases,
    match_identity,
    person_json,
)
from backends.common import ApiError, parse_date, read_json_object, rfc3339

__all__ = ["routes"]

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

NOT_FOUND_CASE = "I can't find a case with that reference for this person."


def _invalid(field: str, message: str, code: str = "invalid_request") -> ApiError:
    return ApiError(422, code, message, {"field": field})


def _person_id(body: Dict[str, Any], required: bool = True) -> Any:
    value = body.get("person_id")
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise _invalid("person_id", "person_id must be a non-empty string.")
    return value


@routes.get("/v1/health")
async def health(request: web.Request) -> web.Response:
    """Liveness check."""
    return web.json_response({"status": "ok"})


@routes.post("/v1/identity/verify")
async def verify_identity(request: web.Request) -> web.Response:
    """Level 1: national ID number and date of birth must both match."""
    context = request.app[CMS]
    body, _ = await read_json_object(request, 422, "invalid_body")
    national_id, born = body.get("national_id"), body.get("date_of_birth")
    if not isinstance(national_id, str) or not valid_national_id(national_id):
        raise _invalid("national_id", "A national ID number has 11 digits and a valid check digit.",
                       "invalid_national_id")
    if parse_date(born) is None:
        raise _invalid("date_of_birth", "date_of_birth must be a date YYYY-MM-DD.",
                       "invalid_date_of_birth")
    with context.engine.connect() as connection:
        person = match_identity(connection, national_id, born)
    if person is None:
        # Never say which of the two did not match.
        raise ApiError(404, "not_found",
                       "No person matches this national ID number and date of birth.")
    return web.json_response(
        {
            "person_id": person.person_id,
            "level": 1,
            "phone_last4": person.phone_last4,
            "preferred_language": person.preferred_language,
        }
    )


def send_code(
    context: CmsContext, person_id: str, phone_last4: str, code: str, now: datetime
) -> None:
    """Development "SMS": append the code to the OTP log file and log it."""
    line = f"{rfc3339(now)} person={person_id} phone_last4={phone_last4} code={code}\n"
    path = context.settings.otp_log
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log_file:
        log_file.write(line)
    logger.info("One-time code sent: %s", line.strip())


@routes.post("/v1/identity/otp")
async def start_otp(request: web.Request) -> web.Response:
    """Level 2: send a 6-digit code to the phone on record."""
    context = request.app[CMS]
    sent: Dict[str, str] = {}

    def create(connection: Connection, body: Dict[str, Any]) -> Dict[str, Any]:
        person = find_person(connection, _person_id(body))
        if person is None:
            raise ApiError(404, "not_found", "No such person.")
        if not person.phone_last4:
            raise ApiError(422, "no_phone", "There is no phone number on record for this person.")
        code = context.new_code()
        sent.update(person_id=person.person_id, last4=person.phone_last4, code=code)
        return create_otp(connection, person, code, context.now())

    status, result = await idempotent(request, create)
    if status == 201:
        send_code(context, sent["person_id"], sent["last4"], sent["code"], context.now())
    return web.json_response(result, status=status)


@routes.post("/v1/identity/otp/{otp_id}/check")
async def check_code(request: web.Request) -> web.Response:
    """Check a code: 200, 401 wrong_code (attempts_left), 410 expired or locked."""
    context = request.app[CMS]
    body, _ = await read_json_object(request, 422, "invalid_body")
    code = body.get("code")
    if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
        raise _invalid("code", "The code has 6 digits.", "invalid_code")
    with context.engine.begin() as connection:
        outcome, value = check_otp(connection, request.match_info["otp_id"], code, context.now())
    if outcome == "ok":
        return web.json_response({"person_id": value, "level": 2})
    if outcome == "wrong":
        raise ApiError(401, "wrong_code", "The code is not correct.", {"attempts_left": value})
    if outcome == "locked":
        raise ApiError(410, "locked", "No attempts left for this code. Ask for a new code.",
                       {"attempts_left": 0})
    if outcome in ("expired", "used"):
        message = ("This code has already been used." if outcome == "used"
                   else "This code has expired.")
        raise ApiError(410, "expired", message)
    raise ApiError(404, "not_found", "No such one-time code.")


@routes.get("/v1/persons/{person_id}")
async def get_person(request: web.Request) -> web.Response:
    """What the assistant may show about a verified person."""
    with request.app[CMS].engine.connect() as connection:
        person = find_person(connection, request.match_info["person_id"])
    if person is None:
        raise ApiError(404, "not_found", "No such person.")
    return web.json_response(person_json(person))


@routes.get("/v1/persons/{person_id}/cases")
async def get_person_cases(request: web.Request) -> web.Response:
    """The person's cases, newest first."""
    person_id = request.match_info["person_id"]
    with request.app[CMS].engine.connect() as connection:
        if find_person(connection, person_id) is None:
            raise ApiError(404, "not_found", "No such person.")
        rows = list_cases(connection, person_id)
    return web.json_response([case_json(row) for row in rows])


def _check_new_case(connection: Connection, body: Dict[str, Any]) -> Dict[str, Any]:
    """The validated parts of a NewCase body, or an ApiError."""
    kind = body.get("type")
    case_type = CASE_TYPES.get(kind) if isinstance(kind, str) else None
    if case_type is None:
        raise _invalid("type", f"type must be one of {', '.join(CASE_TYPES)}.", "invalid_type")
    if body.get("channel") not in CHANNELS:
        raise _invalid("channel", f"channel must be one of {', '.join(CHANNELS)}.",
                       "invalid_channel")
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise _invalid("fields", "fields must be an object.", "invalid_fields")
    level = body.get("verification_level", 0)
    if isinstance(level, bool) or level not in (0, 1, 2):
        raise _invalid("verification_level", "verification_level must be 0, 1 or 2.")
    person_id = _person_id(body, required=not case_type.anonymous)
    if person_id is not None and find_person(connection, person_id) is None:
        raise _invalid("person_id", "No such person.", "unknown_person")
    needed = required_level(case_type, person_id)
    if fields.get("case_reference"):
        needed = max(needed, 1)  # linking a case to a complaint needs level 1
    if level < needed:
        raise ApiError(
            403,
            "verification_required",
            f"A {case_type.name} needs identity level {needed}.",
            {"required_level": needed, "verification_level": level},
        )
    errors = field_errors(case_type, fields)
    if errors:
        raise ApiError(422, "invalid_fields", "Some fields are missing or not valid.",
                       {"fields": missing_or_wrong(errors)})
    reference = fields.get("case_reference")
    if reference and find_case(connection, str(reference).upper(), person_id or "") is None:
        raise ApiError(422, "invalid_fields", NOT_FOUND_CASE,
                       {"fields": [{"field": "case_reference",
                                    "problem": "no such case for this person"}]})
    return {"case_type": case_type.name, "person_id": person_id, "fields": fields,
            "channel": body["channel"], "level": level}


@routes.post("/v1/cases")
async def open_case(request: web.Request) -> web.Response:
    """Start a request: open a case with status `received`."""
    context = request.app[CMS]

    def create(connection: Connection, body: Dict[str, Any]) -> Dict[str, Any]:
        checked = _check_new_case(connection, body)
        return create_case(connection, now=context.now(), today=context.today(), **checked)

    status, result = await idempotent(request, create)
    return web.json_response(result, status=status)


@routes.get("/v1/cases/{reference}")
async def get_case(request: web.Request) -> web.Response:
    """One case, only for the person it belongs to (404 otherwise)."""
    person_id = request.query.get("person_id")
    if not person_id:
        raise _invalid("person_id", "The person_id query parameter is required.")
    reference = request.match_info["reference"].upper()
    with request.app[CMS].engine.connect() as connection:
        row = find_case(connection, reference, person_id)
    if row is None:
        raise ApiError(404, "not_found", NOT_FOUND_CASE)
    return web.json_response(case_json(row))
