"""Settings: environment, then .env, then default; clear errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import PROJECT_ROOT, load_settings

NO_FILE = Path("/nonexistent/.env")


def test_defaults_are_the_embedded_sqlite_store() -> None:
    settings = load_settings(environ={}, env_file=NO_FILE)
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'nssa.db'}"
    assert settings.rasa_port == 5005
    assert settings.action_url == "http://127.0.0.1:5055/webhook"


def test_one_url_switches_to_postgresql() -> None:
    url = "postgresql://nssa:secret@db.internal:5432/nssa"
    settings = load_settings(environ={"NSSA_DATABASE_URL": url}, env_file=NO_FILE)
    assert settings.database_url == url
    assert settings.environment()["NSSA_DATABASE_URL"] == url


def test_environment_wins_over_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# comment\nNSSA_RASA_PORT=6000\nexport NSSA_LOG_LEVEL='debug'\n")
    assert load_settings(environ={}, env_file=env).rasa_port == 6000
    assert load_settings(environ={}, env_file=env).log_level == "DEBUG"
    assert load_settings(environ={"NSSA_RASA_PORT": "7000"}, env_file=env).rasa_port == 7000


def test_relative_sqlite_path_is_inside_the_project() -> None:
    settings = load_settings(environ={"NSSA_DATABASE_URL": "sqlite:///var/x.db"}, env_file=NO_FILE)
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'x.db'}"


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("NSSA_RASA_PORT", "abc", r"NSSA_RASA_PORT='abc' is not valid"),
        ("NSSA_ACTION_PORT", "70000", r"NSSA_ACTION_PORT='70000' is not valid: a port"),
        ("NSSA_DATABASE_URL", "mysql://x/y", r"NSSA_DATABASE_URL=.* one of sqlite, postgresql"),
        ("NSSA_DATABASE_URL", "not a url", r"NSSA_DATABASE_URL=.*not a database URL"),
        ("NSSA_LOG_LEVEL", "LOUD", r"NSSA_LOG_LEVEL='LOUD' is not valid: use one of"),
        ("NSSA_ACTION_URL", "ftp://x", r"NSSA_ACTION_URL='ftp://x' is not valid"),
        ("NSSA_CMS_URL", "cms:8081", r"NSSA_CMS_URL='cms:8081' is not valid"),
        ("NSSA_EMBEDDED_BACKENDS", "maybe", r"NSSA_EMBEDDED_BACKENDS='maybe' is not valid: use true"),  # noqa: E501
        ("NSSA_CMS_EVENTS_SECRET", "short", r"NSSA_CMS_EVENTS_SECRET='\*\*\*' is not valid: use at least 16"),  # noqa: E501
        ("NSSA_STAFF_PORT", "0", r"NSSA_STAFF_PORT='0' is not valid: a port"),
        ("NSSA_STAFF_SECURE_COOKIES", "sometimes", r"NSSA_STAFF_SECURE_COOKIES='sometimes' is not valid"),  # noqa: E501
    ],
)
def test_bad_value_names_the_setting(key: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ={key: value}, env_file=NO_FILE)


def test_malformed_env_file_line_names_file_and_line(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("NSSA_HOST=127.0.0.1\nthis is not a setting\n")
    with pytest.raises(SettingsError, match=r"\.env:2: expected KEY=VALUE"):
        load_settings(environ={}, env_file=env)


def test_environment_round_trips_through_load_settings() -> None:
    settings = load_settings(environ={"NSSA_CMS_URL": "http://cms.internal:9000",
                                      "NSSA_STAFF_PORT": "6010",
                                      "NSSA_STAFF_SECURE_COOKIES": "false"}, env_file=NO_FILE)
    assert (settings.staff_port, settings.staff_secure_cookies) == (6010, False)
    assert load_settings(environ=settings.environment(), env_file=NO_FILE) == settings


class TestAdvisorHours:
    """NSSA_ADVISOR_HOURS: service-standards.md's Monday to Friday 08:00-18:00 by default."""

    def test_the_default_is_the_handbooks(self) -> None:
        import datetime as dt

        hours = load_settings(environ={}, env_file=Path("/nonexistent")).advisor_hours
        monday = dt.datetime(2026, 12, 7, 8, 0)
        assert hours.open_at(monday) and not hours.open_at(monday.replace(hour=18))
        assert not hours.open_at(monday.replace(hour=7, minute=59))
        assert not hours.open_at(dt.datetime(2026, 12, 6, 12, 0))  # Sunday
        assert not hours.open_at(monday, holidays={monday.date()})

    @pytest.mark.parametrize("text, days", [
        ("Mon-Fri 08:00-18:00", {0, 1, 2, 3, 4}),
        ("sat,sun 09:00-13:00", {5, 6}),
        ("Fri-Mon 00:00-24:00", {4, 5, 6, 0}),
        ("never", set()),
    ])
    def test_days_are_read(self, text: str, days: set) -> None:
        from bot.setting_values import advisor_hours

        assert advisor_hours(text).days == days

    def test_always_is_open_on_holidays_too(self) -> None:
        import datetime as dt

        from bot.setting_values import advisor_hours

        christmas = dt.datetime(2026, 12, 25, 3, 0)
        assert advisor_hours("always").open_at(christmas, holidays={christmas.date()})

    @pytest.mark.parametrize("text", ["weekdays", "Mon-Fri 18:00-08:00", "Mon-Fry 08:00-18:00",
                                      "Mon-Fri 8-18", "Mon 25:00-26:00"])
    def test_a_bad_value_names_the_setting(self, text: str) -> None:
        with pytest.raises(SettingsError, match="NSSA_ADVISOR_HOURS"):
            load_settings(environ={"NSSA_ADVISOR_HOURS": text}, env_file=Path("/nonexistent"))

    def test_a_bad_time_zone_names_the_setting(self) -> None:
        with pytest.raises(SettingsError, match="NSSA_ADVISOR_TIMEZONE"):
            load_settings(environ={"NSSA_ADVISOR_TIMEZONE": "Mars/Olympus"},
                          env_file=Path("/nonexistent"))
