"""Which channels the Rasa server opens, from credentials.yml and the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.channels_config import SMS, TELEGRAM, credentials_for, write_credentials
from bot.errors import SettingsError
from bot.settings import load_settings

NO_FILE = Path("/nonexistent")
TELEGRAM_ENV = {"NSSA_TELEGRAM_TOKEN": "123:abc", "NSSA_TELEGRAM_SECRET": "s" * 20}
SMS_ENV = {
    "NSSA_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "NSSA_TWILIO_AUTH_TOKEN": "t" * 32,
    "NSSA_TWILIO_FROM": "+4780060020",
}


def test_unconfigured_telegram_and_sms_are_left_out_with_the_settings_to_set() -> None:
    channels, notes = credentials_for(load_settings(environ={}, env_file=NO_FILE))
    # The project's REST channel (the gate, a token), never Rasa's stock `rest`.
    assert "channels.rest.RestInput" in channels and "rest" not in channels
    assert "channels.cms_events.CmsEventsInput" in channels
    assert "channels.internal.InternalApiInput" in channels
    assert "channels.webchat.WebchatInput" in channels
    assert TELEGRAM not in channels and SMS not in channels
    assert any("NSSA_TELEGRAM_TOKEN" in note for note in notes)
    assert any("NSSA_TWILIO_AUTH_TOKEN" in note for note in notes)


@pytest.mark.parametrize(
    "environ, opened, closed",
    [(TELEGRAM_ENV, TELEGRAM, SMS), (SMS_ENV, SMS, TELEGRAM)],
)
def test_a_configured_channel_is_opened(environ: dict, opened: str, closed: str) -> None:
    channels, notes = credentials_for(load_settings(environ=environ, env_file=NO_FILE))
    assert opened in channels and closed not in channels
    assert len(notes) == 1


def test_the_written_copy_holds_no_secret(tmp_path: Path) -> None:
    settings = load_settings(environ={**TELEGRAM_ENV, **SMS_ENV}, env_file=NO_FILE)
    target = tmp_path / "run" / "credentials.yml"
    assert write_credentials(settings, target) == []
    text = target.read_text()
    assert TELEGRAM in yaml.safe_load(text) and SMS in yaml.safe_load(text)
    assert "s" * 20 not in text and "t" * 32 not in text


def test_an_unreadable_credentials_file_names_itself(tmp_path: Path) -> None:
    broken = tmp_path / "credentials.yml"
    broken.write_text("rest: [unclosed\n")
    with pytest.raises(SettingsError, match="credentials.yml"):
        credentials_for(load_settings(environ={}, env_file=NO_FILE), broken)
