"""The estimate results: the handbook's worked examples as the assistant says them."""

from __future__ import annotations

import re
from typing import Any, Dict, List

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.estimate_forms.answers_family import ActionEstimateChildBenefit, ActionEstimateHousing
from actions.estimate_forms.answers_pensions import (
    ActionEstimateDisability,
    ActionEstimatePension,
    ActionEstimateSurvivors,
)
from actions.estimate_forms.answers_wages import (
    ActionEstimateParental,
    ActionEstimateSickness,
    ActionEstimateUnemployment,
)
from actions.estimate_forms.asking import ActionAskCareSupplement, ActionAskStartAge
from bot.i18n.catalogue import default_catalogue
from bot.settings import PROJECT_ROOT
from channels.sms_text import PREFERRED_CHARS, is_gsm7, to_gsm7

RESPONSES = yaml.safe_load((PROJECT_ROOT / "data/core/estimates.yml").read_text())["responses"]


def said(action: Any, slots: Dict[str, Any]) -> List[Dict[str, Any]]:
    import asyncio

    t = Tracker(sender_id="c", slots=slots, latest_message={"text": ""}, events=[],
                paused=False, followup_action=None, active_loop={},
                latest_action_name="action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages


def text_of(message: Dict[str, Any], channel: str = "") -> str:
    """A message as Rasa would render it (the `channel` variant if there is one)."""
    variants = RESPONSES[message["response"]]
    chosen = next((v for v in variants if v.get("channel") == channel), None) or variants[0]
    render = default_catalogue().render  # amounts ({"money": cents}) as the NLG writes them
    return chosen["text"].format(**{k: render(v, "en") for k, v in message.items()
                                    if k != "response"})


def test_pension_worked_example_maria() -> None:
    messages = said(ActionEstimatePension(), {"estimate_contribution_months": 32 * 12,
                                              "estimate_start_age": 64 * 12 + 6})
    assert [m["response"] for m in messages] == [
        "utter_estimate_pension_early", "utter_estimate_pension_next"]
    text = text_of(messages[0])
    assert "32 contribution years × €37.00 = €1,184.00 a month at 67" in text
    assert "30 × 0.4% = 12% less, which is €142.08" in text
    assert "€1,184.00 − €142.08 = €1,041.92 a month" in text
    assert "This is an estimate. A case worker decides." in text_of(messages[1])


def test_pension_notes_the_months_rule_and_the_caps() -> None:
    rounded = said(ActionEstimatePension(), {"estimate_contribution_months": 28 * 12 + 7,
                                             "estimate_start_age": 67 * 12})
    assert "Your 28 years and 7 months count as 29 years" in text_of(rounded[1])
    capped = said(ActionEstimatePension(), {"estimate_contribution_months": 45 * 12,
                                            "estimate_start_age": 72 * 12})
    responses = [m["response"] for m in capped]
    assert responses[1:3] == ["utter_estimate_pension_40_years", "utter_estimate_pension_after_70"]
    assert "€1,746.40" in text_of(capped[0])


def test_pension_below_5_years() -> None:
    messages = said(ActionEstimatePension(), {"estimate_contribution_months": 59})
    assert messages[0]["response"] == "utter_estimate_pension_too_few_years"


def test_asking_the_start_age_shows_the_pension_at_67_first() -> None:
    messages = said(ActionAskStartAge(), {"estimate_contribution_months": 28 * 12})
    assert text_of(messages[0]) == (
        "With 28 contribution years, your pension at 67 would be €1,036.00 a month, before tax.")
    assert messages[1]["response"] == "utter_ask_estimate_start_age"


def test_survivors_worked_example_eva_and_her_son() -> None:
    messages = said(ActionEstimateSurvivors(), {
        "estimate_deceased_pension": "1184.00", "estimate_is_spouse": True,
        "estimate_orphans": 1})
    text = text_of(messages[0])
    assert "Spouse's pension: 55% = €651.20 a month" in text
    assert "Orphan's pension: 20% = €236.80 a month" in text
    assert "Together €888.00 (75%)" in text


def test_survivors_above_100_percent_reduced_alike() -> None:
    messages = said(ActionEstimateSurvivors(), {
        "estimate_deceased_pension": "1150.00", "estimate_is_spouse": True,
        "estimate_orphans": 3})
    text = text_of(messages[0])
    assert "47.83% = €550.00" in text and "17.39% = €200.00" in text
    assert "Together €1,150.00 (100%)" in text


def test_disability_worked_example_ahmed() -> None:
    messages = said(ActionEstimateDisability(), {"estimate_disability_degree": 2,
                                                 "estimate_care_supplement": True})
    assert "€890.00 + €310.00 = €1,200.00" in text_of(messages[0])


def test_asking_about_daily_help_says_the_degree_amount_first() -> None:
    messages = said(ActionAskCareSupplement(), {"estimate_disability_degree": 3})
    assert text_of(messages[0]) == "Degree III is €1,250.00 a month."


def test_child_benefit_worked_example_sara() -> None:
    messages = said(ActionEstimateChildBenefit(), {"estimate_children": 3,
                                                   "estimate_children_ages": [15, 11, 4]})
    assert "€215.00 + €215.00 + €260.00 = €690.00" in text_of(messages[0])
    assert "you get €430.00 a month" in text_of(messages[1])


def test_child_benefit_ages_decide_who_counts() -> None:
    messages = said(ActionEstimateChildBenefit(), {"estimate_children": 3,
                                                   "estimate_children_ages": [26, 19, 4]})
    responses = [m["response"] for m in messages]
    assert responses[0] == "utter_estimate_child_benefit_too_old"
    assert "€215.00 + €215.00 = €430.00" in text_of(messages[1])
    assert "children aged 19" in text_of(messages[3])


def test_unemployment_worked_example_tom() -> None:
    messages = said(ActionEstimateUnemployment(), {"estimate_wage": "3000.00",
                                                   "estimate_age": 42})
    text = text_of(messages[0])
    assert "60% of €3,000.00 = €1,800.00 a month. The daily rate is €60.00" in text
    assert "each 2-week payment is €840.00" in text and "each 2-week payment is €700.00" in text
    assert "up to 12 months" in text


def test_unemployment_lowest_and_ceiling() -> None:
    low = said(ActionEstimateUnemployment(), {"estimate_wage": "900.00", "estimate_age": 25})
    assert low[0]["response"] == "utter_estimate_unemployment_6_months_lowest"
    high = said(ActionEstimateUnemployment(), {"estimate_wage": "5000.00", "estimate_age": 50})
    assert "€2,400.00" in text_of(high[0]) and high[1]["response"] == "utter_estimate_wage_ceiling"


def test_unemployment_from_67_there_is_none() -> None:
    messages = said(ActionEstimateUnemployment(), {"estimate_wage": "3000.00", "estimate_age": 67})
    assert messages[0]["response"] == "utter_estimate_unemployment_age_limit"


def test_sickness_worked_example_ali() -> None:
    messages = said(ActionEstimateSickness(), {"estimate_wage": "2700.00"})
    text = text_of(messages[0])
    assert "80% of €2,700.00 = €2,160.00" in text and "€2,160.00 ÷ 30 = €72.00" in text
    assert "(14 days) is €1,008.00" in text


def test_parental_worked_example_lena() -> None:
    messages = said(ActionEstimateParental(), {"estimate_wage": "2800.00"})
    text = text_of(messages[0])
    assert "70% of €2,800.00 = €1,960.00 a month" in text and "€980.00 a month" in text


def test_housing_worked_example_pavel() -> None:
    messages = said(ActionEstimateHousing(), {"estimate_household_size": 1,
                                              "estimate_household_income": "1600.00",
                                              "estimate_rent": "750.00"})
    text = text_of(messages[0])
    assert "25% of €1,600.00 = €400.00" in text and "€750.00 − €400.00 = €350.00" in text
    assert "The Housing Office decides" in text_of(messages[1])


def test_housing_over_the_limit() -> None:
    messages = said(ActionEstimateHousing(), {"estimate_household_size": 2,
                                              "estimate_household_income": "2700.00"})
    assert text_of(messages[0]) == (
        "For a household of 2, the gross monthly income must be below €2,700.00. "
        "With €2,700.00 a month, you cannot get housing allowance.")


# The longest values each placeholder can take.
_LONGEST = {
    "working": " + ".join(["€215.00", "€215.00"] + ["€260.00"] * 4) + " = €1,470.00",
    "ages": "24, 23, 22, 21, 20, 19", "degree": "III", "age": "110",
    "rate": "19.2%", "spouse_rate": "47.83%", "orphan_rate": "17.39%", "total_rate": "100%",
    "months": "720", "months_early": "48", "months_late": "516", "months_counted": "36",
}


def _fill(name: str) -> str:
    if name in _LONGEST:
        return _LONGEST[name]
    if name in ("years", "whole_years", "full_years", "leftover", "orphans", "children",
                "people"):
        return "60"
    return "€1,000,000.00"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_estimate_text_fits_an_sms(name: str) -> None:
    variants = RESPONSES[name]
    text = next((v for v in variants if v.get("channel") == "sms"), variants[0])["text"]
    filled = text.format(**{k: _fill(k) for k in re.findall(r"{(\w+)}", text)})
    sms = to_gsm7(filled)
    assert len(sms) <= PREFERRED_CHARS and is_gsm7(sms), (name, len(sms), sms)


@pytest.mark.parametrize("lang, disability, children", [
    ("en", "€890.00 + €310.00 = €1,200.00", "€215.00 + €215.00 + €260.00 = €690.00"),
    ("pl", "890,00 € + 310,00 € = 1 200,00 €", "215,00 € + 215,00 € + 260,00 € = 690,00 €"),
    ("uk", "890,00 € + 310,00 € = 1 200,00 €", "215,00 € + 215,00 € + 260,00 € = 690,00 €"),
])
def test_an_estimates_amounts_are_written_as_the_language_writes_them(
        lang: str, disability: str, children: str) -> None:
    """"€1,200.00" reads as about one euro where the comma is the decimal sign."""
    catalogue = default_catalogue()
    for action, slots, written in [
        (ActionEstimateDisability(), {"estimate_disability_degree": 2,
                                      "estimate_care_supplement": True}, disability),
        (ActionEstimateChildBenefit(), {"estimate_children": 3}, children),
    ]:
        message = said(action, slots)[0]
        variables = {k: v for k, v in message.items() if k not in ("response", "text")}
        text, actual = catalogue.text(message["response"], lang, **variables)
        assert actual == lang and written in text
