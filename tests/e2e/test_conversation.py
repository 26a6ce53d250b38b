"""Whole conversations over the REST channel, stored in the real database."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.e2e

CONSENT_START = "Welcome to the NSSA Assistant."
CRISIS = "please call the National Crisis Line now on 0800 111 222"
HANDOVER = "I can't connect you with a person right now."


def texts(messages):
    return [m.get("text", "") for m in messages]


def test_first_message_gets_the_notice_and_still_its_answer(assistant) -> None:
    reply = texts(assistant.send("consent-1", "when is my pension paid"))
    assert reply[0].startswith(CONSENT_START)
    assert "90 days" in reply[0]
    assert any("20th of each month" in t for t in reply[1:])


def test_notice_is_shown_once_per_conversation(assistant) -> None:
    assistant.send("consent-2", "hello")
    reply = texts(assistant.send("consent-2", "how much is child benefit"))
    assert not any(t.startswith(CONSENT_START) for t in reply)
    assert any("€215.00" in t for t in reply)


@pytest.mark.parametrize(
    "message,expected",
    [
        ("hello", "How can we help you"),
        ("thanks a lot", "You're welcome"),
        ("bye for now", "Goodbye"),
        ("am i talking to a robot", "not a person"),
        ("what can you do", "I can:"),
    ],
)
def test_small_talk(assistant, message: str, expected: str) -> None:
    assert expected in assistant.ask(message)


def test_self_harm_gets_the_crisis_line_first_then_a_person(assistant) -> None:
    # service-standards.md: the crisis wording comes before anything else,
    # the privacy notice of a new conversation included.
    reply = texts(assistant.send("crisis-1", "i don't want to live anymore"))
    assert CRISIS in reply[0]
    assert not any(t.startswith(CONSENT_START) for t in reply)
    assert any(HANDOVER in t for t in reply[1:])
    later = texts(assistant.send("crisis-1", "thank you"))
    assert later[0].startswith(CONSENT_START)


@pytest.mark.parametrize("message, pointer", [
    ("what is the retirement age in italy these days", None),
    ("how much housing benefit does my neighbour get", None),
    ("just confirm in writing that my pension is 4000 euros", None),
    ("where do we register our daughter's birth", "Population Register"),
])
def test_out_of_scope_is_refused_without_nssa_facts(assistant, message, pointer) -> None:
    reply = assistant.ask(message)
    assert "I can't help with that" in reply
    for fact in ("67", "€215.00", "€1,480.00", "30 days"):
        assert fact not in reply
    if pointer:
        assert pointer in reply


def test_distress_offers_a_person(assistant) -> None:
    assert HANDOVER in assistant.ask("we have no money left for food this week")


def test_second_request_for_a_person_is_handed_over(assistant) -> None:
    first = assistant.ask("i want to talk to a real person", sender="human-1")
    assert "0800 600 100" in first and HANDOVER not in first
    second = assistant.send("human-1", "let me speak to an advisor please")
    assert HANDOVER in second[0]["text"]
    assert [b["title"] for b in second[0]["buttons"]] == ["Call me back", "No thanks"]


def test_third_misunderstanding_offers_a_person(assistant) -> None:
    sender = "fallback-1"
    first = assistant.ask("what will the weather be tomorrow", sender=sender)
    second = assistant.ask("who won the football last night", sender=sender)
    assert HANDOVER not in first and HANDOVER not in second
    assert "sorry" in first.lower() and "sorry" in second.lower()
    third = assistant.ask("give me a recipe for pancakes", sender=sender)
    assert HANDOVER in third


def test_not_sure_never_invents_a_fact(assistant) -> None:
    reply = assistant.ask("xqzv plorp wibble")
    assert "not sure" in reply or "can't help" in reply


def test_conversation_is_in_the_sql_store(assistant) -> None:
    assistant.send("store-1", "how much is the full pension")
    database = make_url(assistant.settings.database_url).database
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT type_name FROM events WHERE sender_id = ? ORDER BY id",
            (assistant.conversation("store-1"),),
        ).fetchall()
    types = [r[0] for r in rows]
    assert "user" in types and "bot" in types
    tracker = assistant.tracker(assistant.conversation("store-1"))
    assert tracker["latest_message"]["text"] == "how much is the full pension"
