"""Requests started in the chat, read back from the reference CMS.

Demo people: backends/README.md (Anna Berg, 85031212345, born 12.03.1985).
"""

from __future__ import annotations

import datetime
import re

import pytest

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"NSSA-2026-\d{6}")
ANNA = ("85031212345", "12.03.1985")


def reference_in(texts):
    found = REFERENCE.findall("\n".join(texts))
    assert found, texts
    return found[-1]


def test_call_back_request_opens_one_case(assistant) -> None:
    reply = assistant.texts(
        "req-callback", "can someone call me back", "Erik Dahl", "0412 345 678", "2",
        "a question about my pension",
    )
    assert any("Is this correct? 1 Yes, send it 2 No, change something" in t for t in reply)
    assert any("- Phone number: 0412345678" in t for t in reply)
    reply = assistant.texts("req-callback", "1")
    reference = reference_in(reply)
    assert "in the afternoon, from 0800 600 100" in reply[0]
    rows = [r for r in assistant.cms_cases() if r[0] == reference]
    assert len(rows) == 1 and rows[0][2] == "callback_request" and rows[0][1] == "anonymous"
    # A replayed confirmation opens nothing new.
    assistant.texts("req-callback", "1")
    assert [r[0] for r in assistant.cms_cases()].count(reference) == 1


def test_statement_needs_identity_and_a_policy_question_in_between(assistant) -> None:
    sender = "req-statement"
    assert "national ID number" in assistant.texts(sender, "i want my contribution statement")[-1]
    assert "date of birth" in assistant.texts(sender, ANNA[0])[-1]
    assert "all years, or one year" in assistant.texts(sender, ANNA[1])[-1]
    # A policy question in the middle is answered, then the same question again.
    reply = assistant.texts(sender, "when is child benefit paid")
    assert "15th of each month" in reply[0]
    assert "all years, or one year" in reply[-1]
    assistant.texts(sender, "2024", "1", "english")
    reference = reference_in(assistant.texts(sender, "1"))
    row = next(r for r in assistant.cms_cases() if r[0] == reference)
    assert row[1:3] == ["P-1001", "contribution_statement"]


def test_change_one_answer_before_sending(assistant) -> None:
    sender = "req-change"
    assistant.texts(sender, "call me back please", "Mira", "0412345678", "1", "my appointment")
    reply = assistant.texts(sender, "2")
    assert "Which answer do you want to change?" in reply[0]
    assert "phone number should we call" in assistant.texts(sender, "2")[-1]
    reply = assistant.texts(sender, "0498 765 432")
    assert "- Phone number: 0498765432" in reply[-1] and "- Name: Mira" in reply[-1]


def test_case_status_shows_only_the_persons_own_cases(assistant) -> None:
    sender = "req-status"
    assistant.texts(sender, "check my case", *ANNA)
    reply = assistant.texts(sender, "NSSA-2026-000123")
    assert "A case worker is working on it." in reply[-1]
    # Erik Dahl's case: the same answer as a number that does not exist.
    assistant.texts(sender, "check my case")
    assert assistant.texts(sender, "NSSA-2026-000124")[-1] == (
        "I can't find a case with that number for you. Please check the number."
    )
    assistant.texts(sender, "check my case")
    reply = assistant.texts(sender, "all")
    assert "NSSA-2026-000101" in reply[-1] and "NSSA-2026-000124" not in reply[-1]


def test_wrong_identity_three_times_stops_the_checks(assistant) -> None:
    sender = "req-locked"
    assistant.texts(sender, "check my case")
    for _ in range(2):
        reply = assistant.texts(sender, ANNA[0], "11.03.1985")
        assert "do not match our records" in reply[0]
    reply = assistant.texts(sender, ANNA[0], "11.03.1985")
    assert reply == [
        "I can't check your identity in this conversation any more. You can try again "
        "after 1 hour, or call 0800 600 100."
    ]


def test_cancel_sends_nothing(assistant) -> None:
    before = len(assistant.cms_cases())
    assistant.texts(
        "req-cancel", "i want to make a complaint", "2", "The staff member was rude to me"
    )
    assert "Nothing was sent" in assistant.texts("req-cancel", "cancel")[0]
    assert len(assistant.cms_cases()) == before


def test_complaint_about_a_decision_explains_appeals(assistant) -> None:
    reply = assistant.texts("req-complaint", "i want to make a complaint", "4")
    assert any("appeal within 45 days" in t and "APP-1" in t for t in reply)
    assistant.texts("req-complaint", "You stopped my benefit without telling me why", "no")
    reply = assistant.texts("req-complaint", "1")
    reference_in(reply)
    assert reply[-1] == "We cannot reply to you, but we read every complaint."


def last_code(assistant) -> str:
    """The newest one-time code the reference CMS "sent" (its development log)."""
    log = (assistant.settings.var_dir / "cms" / "otp.log").read_text().splitlines()
    return log[-1].rsplit("code=", 1)[1]


def test_address_change_needs_a_one_time_code(assistant) -> None:
    sender = "req-address"
    assistant.texts(sender, "i have moved", *ANNA[:1])
    reply = assistant.texts(sender, ANNA[1])
    assert "We have sent a code to your phone number ending 5678." in reply[-1]
    wrong_code = assistant.texts(sender, "000000")
    assert "That code is not correct. You have 2 attempts left." in wrong_code[0]
    assert "street and house number" in assistant.texts(sender, last_code(assistant))[-1]
    moved = (datetime.date.today() - datetime.timedelta(days=5)).strftime("%d.%m.%Y")
    reply = assistant.texts(sender, "5 Quay Road", "3100", "Westfjord", moved)
    assert "- Town or city: Westfjord" in reply[-1]
    reply = assistant.texts(sender, "1")
    reference = reference_in(reply)
    assert "We will update your address within 2 working days" in reply[0]
    row = next(r for r in assistant.cms_cases() if r[0] == reference)
    assert row[1:3] == ["P-1001", "address_change"]


def test_no_phone_on_record_means_no_level_2_in_the_chat(assistant) -> None:
    reply = assistant.texts("req-bank", "change my bank account", "79012331582", "23.01.1979")
    assert reply[-1].startswith("We have no phone number on record for you")


def test_housing_allowance_is_forwarded_once(assistant) -> None:
    sender = "req-housing"
    reply = assistant.texts(sender, "apply for housing allowance")
    assert "Do you agree that we send your answers to the Housing Office? 1 Yes 2 No" in reply[-1]
    assistant.texts(sender, "1", *ANNA)
    reply = assistant.texts(
        sender, "Anna Berg", "12 Harbour Street", "1010", "Northhaven", "2", "750", "1600", "no"
    )
    assert "- Monthly rent: €750.00" in reply[-1]
    reply = assistant.texts(sender, "1")
    assert "Your Housing Office application number is HO-" in reply[0]
    number = re.search(r"HO-\d{8}", reply[0]).group(0)
    # Its status, by its number and among all cases, for Anna only.
    assistant.texts(sender, "check my case")
    assert assistant.texts(sender, number)[-1] == (
        f"{number} (Housing allowance application, Housing Office): "
        "Received, waiting to be registered."
    )
    assistant.texts(sender, "check my case")
    assert f"{number} (Housing allowance application" in assistant.texts(sender, "all")[-1]
    # Erik Dahl asking for Anna's number gets the answer of a number that does not exist.
    erik = ("79012331582", "23.01.1979")
    assistant.texts("req-housing-erik", "check my case", *erik)
    assert assistant.texts("req-housing-erik", number)[-1] == (
        "I can't find a case with that number for you. Please check the number."
    )


def test_housing_allowance_without_consent_sends_nothing(assistant) -> None:
    reply = assistant.texts("req-housing-no", "apply for housing allowance", "2")
    assert "0800 700 300" in reply[0]
    assert len(reply) == 1


def test_certificate_of_coverage_for_an_employee(assistant) -> None:
    sender = "req-coverage"
    assistant.texts(sender, "i need a certificate of coverage", *ANNA)
    start = (datetime.date.today() + datetime.timedelta(days=60)).strftime("%d.%m.%Y")
    end = (datetime.date.today() + datetime.timedelta(days=400)).strftime("%d.%m.%Y")
    reply = assistant.texts(
        sender, "1", "Northhaven Shipping", "ER12345678", "Germany", start, end,
        "Hafenstrasse 1, Hamburg",
    )
    assert "- Employer registration number: ER12345678" in reply[-1]
    reference = reference_in(assistant.texts(sender, "1"))
    row = next(r for r in assistant.cms_cases() if r[0] == reference)
    assert row[1:3] == ["P-1001", "certificate_of_coverage"]


def test_child_benefit_application(assistant) -> None:
    sender = "req-child"
    assistant.texts(sender, "apply for child benefit", *ANNA)
    reply = assistant.texts(
        sender, "18050412348", "Lina", "Berg", "04.05.2018", "1", "1", "04.05.2018"
    )
    assert "Shall we pay the child benefit to your account ending" in reply[-1]
    reply = assistant.texts(sender, "1")
    assert "- Child's national ID number: ending 2348" in reply[-1]
    reply = assistant.texts(sender, "1")
    reference = reference_in(reply)
    assert "We will decide within 15 working days" in reply[0]
    row = next(r for r in assistant.cms_cases() if r[0] == reference)
    assert row[1:3] == ["P-1001", "child_benefit_application"]
