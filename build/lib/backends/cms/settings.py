"""Settings of the CMS reference server, read through `bot.settings.SettingsSource`.

| Setting | Default | Meaning |
|---|---|---|
| NSSA_CMS_HOST | 127.0.0.1 | Interface to listen on |
| NSSA_CMS_PORT | 8081 | Port |
| NSSA_CMS_DATABASE_URL | sqlite:///var/cms/cms.db | Its own SQLite file |
| NSSA_CMS_TOKEN | dev-cms-token | The service token clients send as Bearer |
| NSSA_CMS_OTP_LOG | var/cms/otp.log | Where development "SMS" with codes go |
| NSSA_CMS_TIMEZONE | UTC | Northland office time (slots 09:00-15:40) |
| NSSA_CMS_FAIL_MODE | none | none, 429, 503 or down |
| NSSA_CMS_FAIL_COUNT | 1 | With 429/503: how many first requests of each kind fail |
| NSSA_CMS_RETRY_AFTER | 1 | Retry-After seconds sent with 429 and 503 |
| NSSA_CMS_CASE_ANSWER_DELAY | 0 | Seconds a new case waits, made and kept, before it is answered |
| NSSA_CMS_DELIVERY_INTERVAL | 1 | Seconds between passes of the event-delivery worker |
| NSSA_CMS_RETRY_BASE_SECONDS | 5 | First retry delay of a failed delivery (doubles) |
| NSSA_CMS_RETRY_MAX_SECONDS | 600 | Longest retry delay |
| NSSA_CMS_MAX_ATTEMPTS | 12 | Attempts before a delivery is given up |
| NSSA_CMS_LOG_LEVEL | INFO | DEBUG, INFO, WARNING or ERROR |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Mapping, Optional

from backends.common import (
    choice,
    non_negative_float,
    non_negative_int,
    project_path,
    sqlite_url,
    time_zone,
)
from bot.settings import SettingsSource, port

__all__ = ["CmsSettings", "FAIL_MODES", "load_cms_settings"]

FAIL_MODES = ("none", "429", "503", "down")


def _positive_float(value: str) -> float:
    number = non_negative_float(value)
    if number == 0:
        raise ValueError("expected more than zero")
    return number


def _positive_int(value: str) -> int:
    number = non_negative_int(value)
    if number == 0:
        raise ValueError("expected 1 or more")
    return number


@dataclass(frozen=True)
class CmsSettings:
    """Every setting of the CMS reference server, validated."""

    host: str
    port: int
    database_url: str
    token: str
    otp_log: Path
    timezone: tzinfo
    fail_mode: str
    fail_count: int
    retry_after: int
    case_answer_delay: float
    delivery_interval: float
    retry_base_seconds: float
    retry_max_seconds: float
    max_attempts: int
    log_level: str

    @property
    def base_url(self) -> str:
        """Where the server answers."""
        return f"http://{self.host}:{self.port}"


def load_cms_settings(
    source: Optional[SettingsSource] = None,
    environ: Optional[Mapping[str, str]] = None,
    env_file: Optional[Path] = None,
) -> CmsSettings:
    """Build `CmsSettings` from `source` (default: environment, then `.env`)."""
    if source is None:
        source = SettingsSource.from_environment(environ, env_file)
    return CmsSettings(
        host=source.get("NSSA_CMS_HOST", str, default="127.0.0.1"),
        port=source.get("NSSA_CMS_PORT", port, default="8081"),
        database_url=source.get(
            "NSSA_CMS_DATABASE_URL", sqlite_url, default="sqlite:///var/cms/cms.db"
        ),
        token=source.get("NSSA_CMS_TOKEN", str, default="dev-cms-token"),
        otp_log=source.get("NSSA_CMS_OTP_LOG", project_path, default="var/cms/otp.log"),
        timezone=source.get("NSSA_CMS_TIMEZONE", time_zone, default="UTC"),
        fail_mode=source.get("NSSA_CMS_FAIL_MODE", choice(*FAIL_MODES), default="none"),
        fail_count=source.get("NSSA_CMS_FAIL_COUNT", non_negative_int, default="1"),
        retry_after=source.get("NSSA_CMS_RETRY_AFTER", non_negative_int, default="1"),
        case_answer_delay=source.get(
            "NSSA_CMS_CASE_ANSWER_DELAY", non_negative_float, default="0"
        ),
        delivery_interval=source.get(
            "NSSA_CMS_DELIVERY_INTERVAL", _positive_float, default="1"
        ),
        retry_base_seconds=source.get(
            "NSSA_CMS_RETRY_BASE_SECONDS", non_negative_float, default="5"
        ),
        retry_max_seconds=source.get(
            "NSSA_CMS_RETRY_MAX_SECONDS", non_negative_float, default="600"
        ),
        max_attempts=source.get("NSSA_CMS_MAX_ATTEMPTS", _positive_int, default="12"),
        log_level=source.get(
            "NSSA_CMS_LOG_LEVEL", choice("debug", "info", "warning", "error"), default="INFO"
        ).upper(),
    )
