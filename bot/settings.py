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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Mapping, Optional, Tuple, TypeVar

from bot.errors import SettingsError
from bot.setting_values import (
    DEFAULT_CONTACT_COSTS,
    PROJECT_ROOT,
    AdvisorHours,
    advisor_hours,
    boolean,
    contact_costs,
    database_url,
    fraction,
    http_url,
    http_urls,
    log_level_name,
    port,
    positive_int,
    project_path,
    reachable_host,
    redis_url,
    secret,
    telegram_secret,
    zone_name,
)

__all__ = ["PROJECT_ROOT", "Settings", "SettingsSource", "load_settings", "read_env_file"]

T = TypeVar("T")

_SECRET_WORDS = ("TOKEN", "SECRET", "KEY", "PASSWORD")


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
    # Several Rasa servers share their conversation locks, the web chat's
    # socket.io rooms and the rate limits through Redis (README, "Several
    # servers"); unset, one server keeps them in its own memory.
    redis_url: Optional[str] = None

    @property
    def staff_url(self) -> str:
        """Base URL of the staff console."""
        return f"http://{reachable_host(self.staff_host)}:{self.staff_port}"
    # JSON bodies over these are refused before they are parsed (bot/json_limits.py).
    json_max_bytes: int = 64 * 1024
    json_max_depth: int = 32
    # Analytics (bot/metrics/): cost of one contact per channel and phone line.
    contact_costs: Mapping[str, float] = field(
        default_factory=lambda: contact_costs(DEFAULT_CONTACT_COSTS)
    )
    cost_currency: str = "GBP"
    # The review inbox (bot/review): a message understood with less confidence
    # than this is listed; going live swaps the model on these Rasa servers
    # (default: this installation's one, rasa_url).
    review_confidence: float = 0.5
    rasa_servers: Tuple[str, ...] = ()

    @property
    def live_servers(self) -> Tuple[str, ...]:
        """The Rasa servers a new model goes live on."""
        return self.rasa_servers or (self.rasa_url,)

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
            "NSSA_REDIS_URL": self.redis_url,
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
            "NSSA_REVIEW_CONFIDENCE": str(self.review_confidence),
            "NSSA_RASA_SERVERS": ",".join(self.rasa_servers),
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
    var_dir = source.get("NSSA_VAR_DIR", project_path, default="var")
    rasa_port = source.get("NSSA_RASA_PORT", port, default="5005")
    return Settings(
        database_url=source.get(
            "NSSA_DATABASE_URL", database_url, default=f"sqlite:///{var_dir / 'nssa.db'}"
        ),
        host=host,
        rasa_port=rasa_port,
        action_port=action_port,
        action_url=source.get(
            "NSSA_ACTION_URL", http_url,
            default=f"http://{reachable_host(action_host)}:{action_port}/webhook",
        ),
        model_dir=source.get("NSSA_MODEL_DIR", project_path, default="models"),
        var_dir=var_dir,
        log_level=source.get("NSSA_LOG_LEVEL", log_level_name, default="INFO"),
        # The back-ends: any server implementing ../shared/backends' contracts.
        # The defaults are the project's reference servers (backends/).
        cms_url=source.get("NSSA_CMS_URL", http_url, default="http://127.0.0.1:8081"),
        cms_token=source.get("NSSA_CMS_TOKEN", str, default="dev-cms-token"),
        housing_url=source.get("NSSA_HOUSING_URL", http_url, default="http://127.0.0.1:8082"),
        housing_api_key=source.get("NSSA_HOUSING_API_KEY", str, default="dev-housing-key"),
        embedded_backends=source.get("NSSA_EMBEDDED_BACKENDS", boolean, default="true"),
        events_secret=source.get(
            "NSSA_CMS_EVENTS_SECRET", secret, default="dev-events-secret-change-me"
        ),
        # The assistant's address as Telegram and Twilio reach it (a proxy's
        # https URL in production): webhooks are set and signatures checked on it.
        public_url=source.get("NSSA_PUBLIC_URL", http_url, default=f"http://{host}:{rasa_port}"),
        telegram_token=source.get("NSSA_TELEGRAM_TOKEN", str),
        telegram_secret=source.get("NSSA_TELEGRAM_SECRET", telegram_secret),
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
        store_key=source.get("NSSA_STORE_KEY", secret, default="dev-store-key-change-me"),
        # identity-and-privacy.md: a requested deletion is done within 24 hours.
        deletion_idle_seconds=source.get("NSSA_DELETION_IDLE_SECONDS", positive_int, default="600"),
        purge_interval_seconds=source.get(
            "NSSA_PURGE_INTERVAL_SECONDS", positive_int, default="3600"
        ),
        action_host=action_host,
        action_token=source.get("NSSA_ACTION_TOKEN", secret),
        api_token=source.get("NSSA_API_TOKEN", secret),
        rest_token=source.get("NSSA_REST_TOKEN", secret),
        # service-standards.md: a human advisor Monday to Friday 08:00-18:00.
        advisor_hours=source.get("NSSA_ADVISOR_HOURS", advisor_hours,
                                 default="Mon-Fri 08:00-18:00"),
        # The advisors' clock; the offices' zone (appointments) unless set apart.
        advisor_timezone=source.get(
            "NSSA_ADVISOR_TIMEZONE", zone_name,
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
        redis_url=source.get("NSSA_REDIS_URL", redis_url),
        review_confidence=source.get("NSSA_REVIEW_CONFIDENCE", fraction, default="0.5"),
        rasa_servers=source.get("NSSA_RASA_SERVERS", http_urls, default=""),
    )
