"""Personal estimates through the real Rasa and action servers (data/core/estimates.yml)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

FIRST = "I have 28 years of contributions and want to stop at 65, what would I get?"
DISCLAIMER = "This is an estimate. A case worker decides."


def test_the_28_years_example_is_answered_at_once(assistant) -> None:
    reply = assistant.ask(FIRST)
    assert "Your estimate: €936.54 a month, before tax, for life." in reply
    assert "28 contribution years × €37.00 = €1,036.00 a month at 67" in reply
    assert "24 × 0.4% = 9.6% less, which is €99.46" in reply
    assert DISCLAIMER in reply and "How many years" not in reply


def test_a_question_without_figures_asks_for_them_one_at_a_time(assistant) -> None:
    sender = "estimate-steps"
    reply = assistant.texts(sender, "how much pension would i get?")
    assert "How many years of contributions do you have?" in reply[-1]
    reply = assistant.texts(sender, "28")
    assert "your pension at 67 would be €1,036.00 a month" in "\n".join(reply)
    assert "At what age do you want your pension to start?" in reply[-1]
    reply = "\n".join(assistant.texts(sender, "65"))
    assert "€936.54" in reply and DISCLAIMER in reply
    # The figures are kept: another start age is worked out at once.
    reply = "\n".join(assistant.texts(sender, "what if I start at 66?"))
    assert "12 × 0.4% = 4.8% less" in reply and "€986.27" in reply


def test_a_wrong_answer_and_a_policy_question_then_the_question_again(assistant) -> None:
    sender = "estimate-detours"
    assistant.texts(sender, "can you work out my pension")
    reply = assistant.texts(sender, "blue")
    assert reply[0].startswith("Please type your contribution years as a number")
    assert "How many years of contributions" in reply[-1]
    reply = assistant.texts(sender, "when is my pension paid")
    assert "20th of each month" in reply[0] and "How many years of contributions" in reply[-1]
    reply = assistant.texts(sender, "i don't know")
    assert "contribution statement" in reply[0] and "How many years" in reply[-1]
    reply = assistant.texts(sender, "30")
    assert "At what age" in reply[-1]
    reply = assistant.texts(sender, "60")
    assert reply[0] == "An old-age pension can start at 63 at the earliest."


def test_cancel_stops_the_estimate(assistant) -> None:
    sender = "estimate-cancel"
    assistant.texts(sender, "calculate my unemployment benefit")
    reply = assistant.texts(sender, "cancel")
    assert reply == ["All right, I have stopped the estimate. Is there anything else we can "
                     "help you with?"]
    assert "stopped" not in "\n".join(assistant.texts(sender, "2400"))


@pytest.mark.parametrize(
    "message,figures",
    [
        ("we have 3 kids aged 15, 11 and 4, how much child benefit do we get",
         ["€215.00 + €215.00 + €260.00 = €690.00", "you get €430.00 a month"]),
        ("I'm 42 and earned €3,000 a month until I lost my job, how much will I get",
         ["€1,800.00 a month", "€840.00", "€700.00", "up to 12 months"]),
        ("I'm sick and my wage was 2700 a month, how much sickness benefit will I get",
         ["€2,160.00 a month", "€72.00", "€1,008.00"]),
        ("i earn 2800 a month, how much will i get on parental leave",
         ["€1,960.00 a month", "€980.00 a month"]),
        ("I live alone, my rent is 750 and I earn 1600 a month, how much housing allowance",
         ["€750.00 − €400.00 = €350.00", "The Housing Office decides"]),
        ("my husband died, his pension was 1184 a month and our son is 16, how much do we get",
         ["55% = €651.20", "20% = €236.80", "Together €888.00 (75%)"]),
        ("I have degree II and need help every day, how much disability benefit will I get",
         ["€890.00 + €310.00 = €1,200.00"]),
    ],
    ids=["child", "unemployment", "sickness", "parental", "housing", "survivors", "disability"],
)
def test_each_worked_example_in_a_citizens_words(assistant, message: str, figures) -> None:
    reply = assistant.ask(message)
    for figure in figures:
        assert figure in reply, reply
    assert "This is an estimate." in reply


def test_questions_about_the_rules_keep_their_answers(assistant) -> None:
    reply = assistant.ask("how much is the full pension")
    assert "€1,480.00 a month in 2026, after 40 years" in reply and "Your estimate" not in reply
