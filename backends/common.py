"""What the two reference servers share.

- Setting casts for `bot.settings.SettingsSource` (database URL, paths,
  choices, time zones); the settings themselves are read only there.
- SQLite engines (`create_engine_for` of the conversation store).
- `ApiError`, raised by handlers and rendered by each server in its own
  error format, and JSON helpers for request and response bodies.
- UTC clocks and RFC 3339 formatting, so tests can inject time.
- HMAC-SHA256 signatures of event deliveries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from aiohttp import web

from bot.json_limits import DEFAULT_LIMITS, JsonRefused
from bot.setting_values import PROJECT_ROOT, boolean
from bot.store import create_engine_for

__all__ = [
    "ApiError",
    "Clock",
    "as_utc",
    "boolean",
    "canonical_json",
    "choice",
    "create_engine_for",
    "fingerprint",
    "non_negative_float",
    "non_negative_int",
    "parse_date",
    "parse_datetime",
    "project_path",
    "read_json_object",
    "rfc3339",
    "seconds_until",
    "sign",
    "sqlite_url",
    "time_zone",
    "utc_now",
    "verify_signature",
]

Clock = Callable[[], datetime]
"""A function answering the current time as an aware UTC datetime."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


class ApiError(Exception):
    """An answer other than success: status, machine code, message, details."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Optional[Dict[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})


# ---------------------------------------------------------------- settings casts


def sqlite_url(value: str) -> str:
    """An SQLite URL; a relative file is relative to the project, not the cwd."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL ({exc})") from None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise ValueError("expected an SQLite file URL, e.g. sqlite:///var/cms/cms.db")
    if not Path(url.database).is_absolute():
        return str(url.set(database=str(PROJECT_ROOT / url.database)))
    return value


def project_path(value: str) -> Path:
    """A file path; a relative one is relative to the project."""
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


def choice(*options: str) -> Callable[[str], str]:
    """A cast accepting one of `options` (case-insensitive)."""

    def cast(value: str) -> str:
        lowered = value.strip().lower()
        if lowered not in options:
            raise ValueError(f"use one of {', '.join(options)}")
        return lowered

    return cast


def non_negative_float(value: str) -> float:
    """A number of zero or more (seconds)."""
    number = float(value)
    if number < 0 or number != number:
        raise ValueError("expected zero or more")
    return number


def non_negative_int(value: str) -> int:
    """A whole number of zero or more."""
    number = int(value)
    if number < 0:
        raise ValueError("expected zero or more")
    return number


def time_zone(value: str) -> tzinfo:
    """An IANA time zone name, `UTC`, or `local` for the machine's zone."""
    if value.strip().lower() == "local":
        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local
    if value.strip().upper() == "UTC":
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a time zone name such as UTC or Europe/Oslo") from None


# ---------------------------------------------------------------- time


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)


def rfc3339(moment: datetime) -> str:
    """`2026-03-02T09:00:00Z`: UTC, whole seconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: Any) -> Optional[datetime]:
    """An RFC 3339 timestamp with an offset, as aware UTC; None when malformed."""
    if not isinstance(value, str) or not _DATETIME.match(value):
        return None
    text = value.upper().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).astimezone(timezone.utc)
    except ValueError:
        return None


def parse_date(value: Any) -> Optional[date]:
    """A YYYY-MM-DD date; None when malformed."""
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def as_utc(moment: datetime) -> datetime:
    """A datetime read back from SQLite (naive UTC) made aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def seconds_until(start: datetime, end: datetime) -> int:
    """Whole seconds from `start` to `end`, at least 1 (for Retry-After)."""
    return max(1, int((end - start) / timedelta(seconds=1) + 0.999))


# ---------------------------------------------------------------- JSON


def canonical_json(value: Any) -> str:
    """The same JSON text for equal values, whatever their key order or spacing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(*parts: str) -> str:
    """SHA-256 of the parts, to compare requests without storing them twice."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


async def read_json_object(
    request: web.Request, status: int, code: str
) -> Tuple[Dict[str, Any], str]:
    """The request body as a JSON object and its canonical text.

    Raises `ApiError(status, code)` when the body is not a JSON object, or
    nests deeper than the limit (bot/json_limits.py: refused before it is
    parsed); `ApiError(413, "too_large")` when it is over the size limit.
    """
    raw = await request.read()
    try:
        body = DEFAULT_LIMITS.loads(raw) if raw else None
    except JsonRefused as exc:
        if exc.status == 413:
            raise ApiError(413, "too_large", f"The body is refused: {exc}.") from None
        raise ApiError(status, code, f"The body is not valid JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise ApiError(status, code, "The body must be a JSON object.")
    return body, canonical_json(body)


# ---------------------------------------------------------------- signatures


def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of body with secret>`, the X-CMS-Signature value."""
    mac = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify_signature(secret: str, body: bytes, header: Optional[str]) -> bool:
    """Whether `header` is the signature of `body` with `secret` (constant time)."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header or "")
