"""Cost and benefit (bot/metrics/report.py) and its setting (NSSA_CONTACT_COSTS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.metrics.report import cost_and_benefit
from bot.setting_values import contact_costs
from bot.settings import load_settings


def test_contact_costs_default_has_a_phone_line() -> None:
    settings = load_settings(environ={}, env_file=Path("/nonexistent"))
    assert settings.contact_costs["phone"] == 2.83
    assert settings.contact_costs["webchat"] == 0.15


@pytest.mark.parametrize("value, message", [
    ("webchat=0.1", "phone"),
    ("phone=-1", "0 or more"),
    ("phone=nan", "0 or more"),
    ("phone", "channel=cost"),
])
def test_contact_costs_refuses(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        contact_costs(value)


def test_bad_contact_costs_setting_names_the_key() -> None:
    with pytest.raises(SettingsError, match="NSSA_CONTACT_COSTS"):
        load_settings(environ={"NSSA_CONTACT_COSTS": "sms=x"}, env_file=Path("/nonexistent"))


def test_cost_and_benefit_counts_each_contained_conversation_as_a_call() -> None:
    costs = contact_costs("phone=3,webchat=0.5,sms=1")
    result = cost_and_benefit({"webchat": 10, "sms": 2, "telegram": 4}, costs, "EUR")
    assert result["contacts_handled"] == 16
    assert result["phone_cost_avoided"] == 48.0
    assert result["channel_cost"] == 7.0  # telegram has no cost set: 0
    assert result["estimated_saving"] == 41.0
    assert result["currency"] == "EUR"
    assert any("one phone call" in line for line in result["assumptions"])
