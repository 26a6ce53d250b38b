"""Which channels the Rasa server opens: credentials.yml, less those not configured.

credentials.yml lists every channel the assistant has. Telegram and SMS need
credentials an embedded (development) set-up does not have, so the CLI hands
Rasa a copy without the channels whose settings are missing, and says so:

    rest, internal, cms_events, web chat   always
    telegram    NSSA_TELEGRAM_TOKEN and NSSA_TELEGRAM_SECRET set
    sms         NSSA_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM set

The copy holds no secret: the channels read theirs from the settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

from bot.errors import SettingsError
from bot.settings import PROJECT_ROOT, Settings

__all__ = ["CREDENTIALS_FILE", "TELEGRAM", "SMS", "credentials_for", "write_credentials"]

CREDENTIALS_FILE = PROJECT_ROOT / "credentials.yml"
TELEGRAM = "channels.telegram.TelegramInput"
SMS = "channels.sms.SmsInput"


def credentials_for(
    settings: Settings, source: Path = CREDENTIALS_FILE
) -> Tuple[Dict[str, Any], List[str]]:
    """(the channels to open, a note per channel left out and why)."""
    try:
        channels = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"Cannot read the channels of {source}: {exc}") from None
    if not isinstance(channels, dict):
        raise SettingsError(f"{source}: expected a mapping of channel names to credentials")
    left_out = []
    if TELEGRAM in channels and not settings.telegram_enabled:
        del channels[TELEGRAM]
        left_out.append("Telegram: set NSSA_TELEGRAM_TOKEN and NSSA_TELEGRAM_SECRET to open it")
    if SMS in channels and not settings.sms_enabled:
        del channels[SMS]
        left_out.append(
            "SMS: set NSSA_TWILIO_ACCOUNT_SID, NSSA_TWILIO_AUTH_TOKEN and NSSA_TWILIO_FROM "
            "to open it"
        )
    return channels, left_out


def write_credentials(
    settings: Settings, target: Path, source: Path = CREDENTIALS_FILE
) -> List[str]:
    """Write the channels to open to `target`; the notes on those left out."""
    channels, left_out = credentials_for(settings, source)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "# Written by `python -m bot run` from credentials.yml and the settings.\n"
        + yaml.safe_dump(channels, sort_keys=False),
        encoding="utf-8",
    )
    return left_out
