"""The one place that reads configuration.

Each setting is looked up in the process environment, then in the project's
`.env` file, then falls back to its default. A required setting without a
value raises `SettingsError` naming it; a value that cannot be used raises
`SettingsError` naming the key and what is wrong. Nothing else in the project
reads `os.environ`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Container, Dict, FrozenSet, Mapping, Optional, TypeVar

from bot.errors import SettingsError

__all__ = [
    "PROJECT_ROOT", "Settings", "SettingsSource", "load_settings", "read_env_file", "port",
    "http_url", "boolean", "AdvisorHours", "advisor_hours", "contact_costs",
    "DEFAULT_CONTACT_COSTS",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_SECRET_WORDS = ("TOKEN", "SECRET", "KEY", "PASSWORD")
_DB_DIALECTS = ("sqlite", "postgresql")


def read_env_file(path: Path) -> Dict[str, str]:
    """Read KEY=VALUE lines of a `.env` file; a missing file is empty."""
    values: Dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise SettingsError(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


class SettingsSource:
    """Environment first, then `.env`, then the default; used by every settings reader."""

    def __init__(self, environ: Mapping[str, str], file_values: Mapping[str, str]):
        self._environ = environ
        self._file = file_values

    @classmethod
    def from_environment(
        cls, environ: Optional[Mapping[str, str]] = None, env_file: Optional[Path] = None
    ) -> "SettingsSource":
        """The process environment (or `environ`) and the project's `.env`."""
        environ = os.environ if environ is None else environ
        if env_file is None:
            env_file = Path(environ.get("NSSA_ENV_FILE", PROJECT_ROOT / ".env"))
        return cls(environ, read_env_file(env_file))

    def raw(self, key: str) -> Optional[str]:
        """The setting's text, environment before file; None when unset or blank."""
        value = self._environ.get(key)
        if value is None:
            value = self._file.get(key)
        if value is not None and value.strip() == "":
            return None
        return value

    def get(
        self,
        key: str,
        cast: Callable[[str], T],
        default: Optional[str] = None,
        required: bool = False,
    ) -> T:
        """The setting through `cast`, else the default, else None; SettingsError if invalid."""
        value = self.raw(key)
        if value is None:
            if default is None:
                if required:
                    raise SettingsError(f"Setting {key} is required but not set.")
                # Unset, optional, no default: None, which T (the field's type) cannot say.
                return None  # type: ignore[return-value]
            value = default
        try:
            return cast(value)
        except (TypeError, ValueError) as exc:
            shown = "'***'" if any(w in key for w in _SECRET_WORDS) else repr(value)
            raise SettingsError(f"Setting {key}={shown} is not valid: {exc}") from None


def port(value: str) -> int:
    """A TCP port number."""
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError("a port is a number from 1 to 65535")
    return port


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"use one of {', '.join(_LOG_LEVELS)}")
    return level


def _database_url(value: str) -> str:
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


def boolean(value: str) -> bool:
    """true/false, yes/no, on/off or 1/0."""
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("use true or false")


def _secret(value: str) -> str:
    if len(value) < 16:
        raise ValueError("use at least 16 characters")
    return value


def _telegram_secret(value: str) -> str:
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


def _reachable(host: str) -> str:
    """The address to call a server on that listens on `host` (all interfaces: loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _path(value: str) -> Path:
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


def _zone_name(value: str) -> str:
    name = value.strip()
    if name.upper() == "UTC":
        return "UTC"
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a time zone name such as UTC or Europe/Oslo") from None
    return name


@dataclass(frozen=True)
class Settings:
    """Every setting of the assistant, validated."""

    database_url: str
    host: str
    rasa_port: int
    action_port: int
    action_url: str
    model_dir: Path
    var_dir: Path
    log_level: str
    cms_url: str
    cms_token: str
    housing_url: str
    housing_api_key: str
    embedded_backends: bool
    events_secret: str
    # Channels. Telegram and SMS are opened only when their credentials are set.
    public_url: str
    telegram_token: Optional[str]
    telegram_secret: Optional[str]
    telegram_api_url: str
    twilio_account_sid: Optional[str]
    twilio_auth_token: Optional[str]
    twilio_from: Optional[str]
    twilio_api_url: str
    max_message_chars: int
    rate_limit_per_minute: int
    retention_days: int
    store_key: str
    # "Delete my conversation" waits this long after the last message, so a
    # turn under way is never half deleted; the worker's purge runs this often.
    deletion_idle_seconds: int = 600
    purge_interval_seconds: int = 3600
    # The doors (SECURITY.md): the action server's interface, and the shared
    # secrets of the action server, the internal API and the REST channel.
    # `python -m bot run` gives an unset action or API token a random one of
    # this installation (bot/security.py); the REST channel is open without one.
    action_host: str = "127.0.0.1"
    action_token: Optional[str] = None
    api_token: Optional[str] = None
    rest_token: Optional[str] = None
    # Live advisors (issue 11): their hours, in their time zone (the public
    # holidays of the handbook are closed).
    advisor_hours: AdvisorHours = AdvisorHours(frozenset(range(5)), dt.time(8), dt.time(18))
    advisor_timezone: str = "UTC"
    # The staff console (staff/): its own interface and port, loopback by
    # default (an internal address, never the public Rasa port). Its session
    # cookie is Secure unless NSSA_STAFF_SECURE_COOKIES=false (a development
    # set-up on plain http beyond localhost).
    staff_host: str = "127.0.0.1"
    staff_port: int = 5010
    staff_secure_cookies: bool = True

    @property
    def staff_url(self) -> str:
        """Base URL of the staff console."""
        return f"http://{_reachable(self.staff_host)}:{self.staff_port}"
    # JSON bodies over these are refused before they are parsed (bot/json_limits.py).
    json_max_bytes: int = 64 * 1024
    json_max_depth: int = 32
    # Analytics (bot/metrics/): cost of one contact per channel and phone line.
    contact_costs: Mapping[str, float] = field(
        default_factory=lambda: contact_costs(DEFAULT_CONTACT_COSTS)
    )
    cost_currency: str = "GBP"

    @property
    def telegram_enabled(self) -> bool:
        """Whether the Telegram channel is configured (token and secret)."""
        return bool(self.telegram_token and self.telegram_secret)

    @property
    def sms_enabled(self) -> bool:
        """Whether the SMS channel is configured (Twilio account, token and number)."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from)

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://{self.host}:{self.rasa_port}"

    def environment(self) -> Dict[str, str]:
        """These settings as variables, for the processes the CLI starts.

        `endpoints.yml` expands NSSA_DATABASE_URL, NSSA_ACTION_URL and
        NSSA_ACTION_TOKEN; the other processes read the rest through
        `load_settings`. Unset tokens are left out.
        """
        optional = {
            "NSSA_TELEGRAM_TOKEN": self.telegram_token,
            "NSSA_TELEGRAM_SECRET": self.telegram_secret,
            "NSSA_TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "NSSA_TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "NSSA_TWILIO_FROM": self.twilio_from,
            "NSSA_ACTION_TOKEN": self.action_token,
            "NSSA_API_TOKEN": self.api_token,
            "NSSA_REST_TOKEN": self.rest_token,
        }
        return {
            "NSSA_DATABASE_URL": self.database_url,
            "NSSA_HOST": self.host,
            "NSSA_RASA_PORT": str(self.rasa_port),
            "NSSA_ACTION_HOST": self.action_host,
            "NSSA_ACTION_PORT": str(self.action_port),
            "NSSA_ACTION_URL": self.action_url,
            "NSSA_MODEL_DIR": str(self.model_dir),
            "NSSA_VAR_DIR": str(self.var_dir),
            "NSSA_LOG_LEVEL": self.log_level,
            "NSSA_CMS_URL": self.cms_url,
            "NSSA_CMS_TOKEN": self.cms_token,
            "NSSA_HOUSING_URL": self.housing_url,
            "NSSA_HOUSING_API_KEY": self.housing_api_key,
            "NSSA_EMBEDDED_BACKENDS": "true" if self.embedded_backends else "false",
            "NSSA_CMS_EVENTS_SECRET": self.events_secret,
            "NSSA_PUBLIC_URL": self.public_url,
            "NSSA_TELEGRAM_API_URL": self.telegram_api_url,
            "NSSA_TWILIO_API_URL": self.twilio_api_url,
            "NSSA_MAX_MESSAGE_CHARS": str(self.max_message_chars),
            "NSSA_RATE_LIMIT_PER_MINUTE": str(self.rate_limit_per_minute),
            "NSSA_RETENTION_DAYS": str(self.retention_days),
            "NSSA_STORE_KEY": self.store_key,
            "NSSA_DELETION_IDLE_SECONDS": str(self.deletion_idle_seconds),
            "NSSA_PURGE_INTERVAL_SECONDS": str(self.purge_interval_seconds),
            "NSSA_ADVISOR_HOURS": str(self.advisor_hours),
            "NSSA_ADVISOR_TIMEZONE": self.advisor_timezone,
            "NSSA_STAFF_HOST": self.staff_host,
            "NSSA_STAFF_PORT": str(self.staff_port),
            "NSSA_STAFF_SECURE_COOKIES": "true" if self.staff_secure_cookies else "false",
            "NSSA_JSON_MAX_BYTES": str(self.json_max_bytes),
            "NSSA_JSON_MAX_DEPTH": str(self.json_max_depth),
            **{key: value for key, value in optional.items() if value is not None},
        }


def load_settings(
    environ: Optional[Mapping[str, str]] = None, env_file: Optional[Path] = None
) -> Settings:
    """Build `Settings` from the environment and the `.env` file."""
    source = SettingsSource.from_environment(environ, env_file)

    host = source.get("NSSA_HOST", str, default="127.0.0.1")
    action_host = source.get("NSSA_ACTION_HOST", str, default="127.0.0.1")
    action_port = source.get("NSSA_ACTION_PORT", port, default="5055")
    var_dir = source.get("NSSA_VAR_DIR", _path, default="var")
    rasa_port = source.get("NSSA_RASA_PORT", port, default="5005")
    return Settings(
        database_url=source.get(
            "NSSA_DATABASE_URL", _database_url, default=f"sqlite:///{var_dir / 'nssa.db'}"
        ),
        host=host,
        rasa_port=rasa_port,
        action_port=action_port,
        action_url=source.get(
            "NSSA_ACTION_URL", http_url,
            default=f"http://{_reachable(action_host)}:{action_port}/webhook",
        ),
        model_dir=source.get("NSSA_MODEL_DIR", _path, default="models"),
        var_dir=var_dir,
        log_level=source.get("NSSA_LOG_LEVEL", _log_level, default="INFO"),
        # The back-ends: any server implementing ../shared/backends' contracts.
        # The defaults are the project's reference servers (backends/).
        cms_url=source.get("NSSA_CMS_URL", http_url, default="http://127.0.0.1:8081"),
        cms_token=source.get("NSSA_CMS_TOKEN", str, default="dev-cms-token"),
        housing_url=source.get("NSSA_HOUSING_URL", http_url, default="http://127.0.0.1:8082"),
        housing_api_key=source.get("NSSA_HOUSING_API_KEY", str, default="dev-housing-key"),
        embedded_backends=source.get("NSSA_EMBEDDED_BACKENDS", boolean, default="true"),
        events_secret=source.get(
            "NSSA_CMS_EVENTS_SECRET", _secret, default="dev-events-secret-change-me"
        ),
        # The assistant's address as Telegram and Twilio reach it (a proxy's
        # https URL in production): webhooks are set and signatures checked on it.
        public_url=source.get("NSSA_PUBLIC_URL", http_url, default=f"http://{host}:{rasa_port}"),
        telegram_token=source.get("NSSA_TELEGRAM_TOKEN", str),
        telegram_secret=source.get("NSSA_TELEGRAM_SECRET", _telegram_secret),
        telegram_api_url=source.get(
            "NSSA_TELEGRAM_API_URL", http_url, default="https://api.telegram.org"
        ),
        twilio_account_sid=source.get("NSSA_TWILIO_ACCOUNT_SID", str),
        twilio_auth_token=source.get("NSSA_TWILIO_AUTH_TOKEN", str),
        twilio_from=source.get("NSSA_TWILIO_FROM", str),
        twilio_api_url=source.get("NSSA_TWILIO_API_URL", http_url, default="https://api.twilio.com"),
        # Abuse limits of every channel (channels/common.py).
        max_message_chars=source.get("NSSA_MAX_MESSAGE_CHARS", positive_int, default="2000"),
        rate_limit_per_minute=source.get("NSSA_RATE_LIMIT_PER_MINUTE", positive_int, default="20"),
        # identity-and-privacy.md: conversations are deleted after 90 days.
        retention_days=source.get("NSSA_RETENTION_DAYS", positive_int, default="90"),
        # Seals the personal numbers a form keeps in the store (bot/privacy.py).
        store_key=source.get("NSSA_STORE_KEY", _secret, default="dev-store-key-change-me"),
        # identity-and-privacy.md: a requested deletion is done within 24 hours.
        deletion_idle_seconds=source.get("NSSA_DELETION_IDLE_SECONDS", positive_int, default="600"),
        purge_interval_seconds=source.get(
            "NSSA_PURGE_INTERVAL_SECONDS", positive_int, default="3600"
        ),
        action_host=action_host,
        action_token=source.get("NSSA_ACTION_TOKEN", _secret),
        api_token=source.get("NSSA_API_TOKEN", _secret),
        rest_token=source.get("NSSA_REST_TOKEN", _secret),
        # service-standards.md: a human advisor Monday to Friday 08:00-18:00.
        advisor_hours=source.get("NSSA_ADVISOR_HOURS", advisor_hours,
                                 default="Mon-Fri 08:00-18:00"),
        # The advisors' clock; the offices' zone (appointments) unless set apart.
        advisor_timezone=source.get(
            "NSSA_ADVISOR_TIMEZONE", _zone_name,
            default=source.raw("NSSA_OFFICE_TIMEZONE") or source.raw("NSSA_CMS_TIMEZONE") or "UTC",
        ),
        staff_host=source.get("NSSA_STAFF_HOST", str, default="127.0.0.1"),
        staff_port=source.get("NSSA_STAFF_PORT", port, default="5010"),
        staff_secure_cookies=source.get("NSSA_STAFF_SECURE_COOKIES", boolean, default="true"),
        json_max_bytes=source.get("NSSA_JSON_MAX_BYTES", positive_int, default="65536"),
        json_max_depth=source.get("NSSA_JSON_MAX_DEPTH", positive_int, default="32"),
        contact_costs=source.get("NSSA_CONTACT_COSTS", contact_costs,
                                 default=DEFAULT_CONTACT_COSTS),
        cost_currency=source.get("NSSA_COST_CURRENCY", str, default="GBP"),
    )
