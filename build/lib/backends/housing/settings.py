"""Settings of the Housing Office reference server, read through `bot.settings.SettingsSource`.

| Setting | Default | Meaning |
|---|---|---|
| NSSA_HOUSING_HOST | 127.0.0.1 | Interface to listen on |
| NSSA_HOUSING_PORT | 8082 | Port |
| NSSA_HOUSING_DATABASE_URL | sqlite:///var/housing/housing.db | Its own SQLite file |
| NSSA_HOUSING_API_KEY | dev-housing-key | The X-Api-Key clients send |
| NSSA_HOUSING_MAINTENANCE | auto | auto: 503 every night 01:00-03:00; on: always; off: never |
| NSSA_HOUSING_TIMEZONE | UTC | Local time of the maintenance window (`local` = this machine's) |
| NSSA_HOUSING_DELAY_SECONDS | 0 | Wait this long before every answer (the real one is slow) |
| NSSA_HOUSING_DOWN | false | true: every request answers 503 |
| NSSA_HOUSING_LOG_LEVEL | INFO | DEBUG, INFO, WARNING or ERROR |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Mapping, Optional

from backends.common import boolean, choice, non_negative_float, sqlite_url, time_zone
from bot.settings import SettingsSource, port

__all__ = ["HousingSettings", "MAINTENANCE_MODES", "load_housing_settings"]

MAINTENANCE_MODES = ("auto", "on", "off")


@dataclass(frozen=True)
class HousingSettings:
    """Every setting of the Housing Office reference server, validated."""

    host: str
    port: int
    database_url: str
    api_key: str
    maintenance: str
    timezone: tzinfo
    delay_seconds: float
    down: bool
    log_level: str


def load_housing_settings(
    source: Optional[SettingsSource] = None,
    environ: Optional[Mapping[str, str]] = None,
    env_file: Optional[Path] = None,
) -> HousingSettings:
    """Build `HousingSettings` from `source` (default: environment, then `.env`)."""
    if source is None:
        source = SettingsSource.from_environment(environ, env_file)
    return HousingSettings(
        host=source.get("NSSA_HOUSING_HOST", str, default="127.0.0.1"),
        port=source.get("NSSA_HOUSING_PORT", port, default="8082"),
        database_url=source.get(
            "NSSA_HOUSING_DATABASE_URL", sqlite_url, default="sqlite:///var/housing/housing.db"
        ),
        api_key=source.get("NSSA_HOUSING_API_KEY", str, default="dev-housing-key"),
        maintenance=source.get(
            "NSSA_HOUSING_MAINTENANCE", choice(*MAINTENANCE_MODES), default="auto"
        ),
        timezone=source.get("NSSA_HOUSING_TIMEZONE", time_zone, default="UTC"),
        delay_seconds=source.get("NSSA_HOUSING_DELAY_SECONDS", non_negative_float, default="0"),
        down=source.get("NSSA_HOUSING_DOWN", boolean, default="false"),
        log_level=source.get(
            "NSSA_HOUSING_LOG_LEVEL", choice("debug", "info", "warning", "error"), default="INFO"
        ).upper(),
    )
