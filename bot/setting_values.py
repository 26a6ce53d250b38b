"""How a setting's text becomes a value: ports, URLs, booleans, secrets, hours, costs.

Each parser takes the text of one setting and returns its value, or raises
`ValueError` saying what is wrong; `bot.settings` turns that into a
`SettingsError` naming the key.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Container, Dict, FrozenSet, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_DB_DIALECTS = ("sqlite", "postgresql")


def port(value: str) -> int:
    """A TCP port number."""
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError("a port is a number from 1 to 65535")
    return port


def log_level_name(value: str) -> str:
    """A logging level: DEBUG, INFO, WARNING or ERROR (any case)."""
    level = value.upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"use one of {', '.join(_LOG_LEVELS)}")
    return level


def database_url(value: str) -> str:
    """An SQLite or PostgreSQL URL; a relative SQLite file is under the project."""
    # sqlalchemy parses without connecting; import here so `--help` stays fast.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL ({exc})") from None
    if url.get_backend_name() not in _DB_DIALECTS:
        raise ValueError(f"the database must be one of {', '.join(_DB_DIALECTS)}")
    if url.get_backend_name() == "sqlite" and not url.database:
        raise ValueError("an SQLite URL needs a file, e.g. sqlite:///var/nssa.db")
    if url.get_backend_name() == "sqlite" and not Path(url.database).is_absolute():
        # Relative SQLite paths are relative to the project, not the cwd.
        value = str(url.set(database=str(PROJECT_ROOT / url.database)))
    return value


def http_url(value: str) -> str:
    """An http(s) URL without a trailing slash."""
    if not value.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL")
    return value.rstrip("/")


def redis_url(value: str) -> str:
    """A Redis URL with a host: redis://host:port/db (rediss:// over TLS)."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError("a Redis URL is redis://host:port/db, e.g. redis://127.0.0.1:6379/0")
    parts.port  # noqa: B018 - raises ValueError on a port that is no number
    return value


def boolean(value: str) -> bool:
    """true/false, yes/no, on/off or 1/0."""
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("use true or false")


def secret(value: str) -> str:
    """A shared secret of at least 16 characters."""
    if len(value) < 16:
        raise ValueError("use at least 16 characters")
    return value


def telegram_secret(value: str) -> str:
    """Telegram's webhook secret_token."""
    # Telegram's secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
        raise ValueError("use 16 to 256 characters A-Z, a-z, 0-9, _ or -")
    return value


def positive_int(value: str) -> int:
    """A whole number above 0."""
    number = int(value)
    if number <= 0:
        raise ValueError("use a whole number above 0")
    return number


def fraction(value: str) -> float:
    """A number from 0 to 1."""
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError("use a number from 0 to 1")
    return number


def http_urls(value: str) -> Tuple[str, ...]:
    """Comma-separated http(s) URLs (none when empty)."""
    return tuple(http_url(part.strip()) for part in value.split(",") if part.strip())


def reachable_host(host: str) -> str:
    """The address to call a server on that listens on `host` (all interfaces: loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def project_path(value: str) -> Path:
    """A path; a relative one is under the project."""
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


# Cost of one contact per channel and for the phone line (README "Analytics"):
# Socitm Insight, "Channel value benchmarking" (2012), UK councils' average
# cost per contact: telephone 2.83, web 0.15 (GBP). Web chat and Telegram take
# the web figure; SMS adds two messages at about 0.05 each (an assumption).
DEFAULT_CONTACT_COSTS = "phone=2.83,webchat=0.15,telegram=0.15,sms=0.25"


def contact_costs(value: str) -> Dict[str, float]:
    """`channel=cost,...` with a `phone` entry; each cost a number 0 or more."""
    costs: Dict[str, float] = {}
    for part in value.split(","):
        name, sep, amount = part.strip().partition("=")
        if not sep or not name.strip():
            raise ValueError(f"expected channel=cost, got {part.strip()!r}")
        number = float(amount)
        if not number >= 0 or number == float("inf"):
            raise ValueError(f"use a cost of 0 or more for {name.strip()!r}")
        costs[name.strip()] = number
    if "phone" not in costs:
        raise ValueError("name the phone line's cost (phone=...)")
    return costs


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class AdvisorHours:
    """When live advisors answer (service-standards.md: Monday to Friday 08:00-18:00).

    `always` (tests, demos) is every hour of every day, holidays included;
    otherwise public holidays are closed.
    """

    days: FrozenSet[int]
    start: dt.time
    end: Optional[dt.time]  # None: midnight at the end of the day
    always: bool = False
    text: str = "Mon-Fri 08:00-18:00"

    def __str__(self) -> str:
        """The setting's text, as NSSA_ADVISOR_HOURS gave it."""
        return self.text

    def open_at(self, local: dt.datetime, holidays: Container[dt.date] = ()) -> bool:
        """Whether advisors answer at `local` (a time in the advisors' zone)."""
        if self.always:
            return True
        if local.weekday() not in self.days or local.date() in holidays:
            return False
        now = local.time().replace(tzinfo=None)
        return self.start <= now and (self.end is None or now < self.end)


def advisor_hours(value: str) -> AdvisorHours:
    """`Mon-Fri 08:00-18:00` (days: names, ranges, commas), `always` or `never`."""
    text = value.strip().lower()
    if text == "always":
        return AdvisorHours(frozenset(range(7)), dt.time(0), None, always=True, text=value)
    if text == "never":
        return AdvisorHours(frozenset(), dt.time(0), None, text=value)
    match = re.fullmatch(r"([a-z,\- ]+?)\s+(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})", text)
    if not match:
        raise ValueError("expected days and hours like Mon-Fri 08:00-18:00, always or never")
    days: set = set()
    for part in match.group(1).replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise ValueError(f"unknown day {part!r}: use Mon, Tue, Wed, Thu, Fri, Sat, Sun")
        a, b = _DAYS.index(first), _DAYS.index(last or first)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    h1, m1, h2, m2 = (int(match.group(n)) for n in range(2, 6))
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError("hours run from 00:00 to 24:00")
    start, end = dt.time(h1, m1), (None if h2 == 24 else dt.time(h2, m2))
    if end is not None and end <= start:
        raise ValueError("the hours must end after they start")
    return AdvisorHours(frozenset(days), start, end, text=value.strip())


def zone_name(value: str) -> str:
    """An IANA time zone name such as Europe/Oslo, or UTC."""
    name = value.strip()
    if name.upper() == "UTC":
        return "UTC"
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a time zone name such as UTC or Europe/Oslo") from None
    return name
