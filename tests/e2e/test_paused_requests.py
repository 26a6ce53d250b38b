"""A request left in the middle, offered after the 15-minute end (real Rasa and actions).

Rasa ends a conversation when the latest user message is more than 15
minutes old. Instead of waiting, the test moves the stored conversation 16
minutes into the past, so the next message starts a new conversation
exactly as after a real pause.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bot.store.db import create_engine_for
from tests.e2e.conftest import Assistant
from tests.e2e.test_requests import ANNA, reference_in

pytestmark = pytest.mark.e2e

OFFER = "earlier. Do you want to continue? 1 Yes 2 No"


def leave_for_16_minutes(assistant: Assistant, sender: str) -> None:
    """Move the whole conversation 16 minutes into the past, as if the citizen had left.

    Rasa reads a conversation's events in time order and ends it when the
    latest user message is more than 15 minutes old, so every stored event
    (its column and its JSON) moves back, not just one.
    """
    engine = create_engine_for(assistant.settings.database_url)
    with engine.begin() as connection:
        rows = connection.execute(
            sa.text("SELECT id, timestamp, data FROM events WHERE sender_id = :s"),
            {"s": assistant.conversation(sender)},
        ).all()
        assert rows, "no stored conversation"
        for row in rows:
            data = json.loads(row.data)
            data["timestamp"] = data["timestamp"] - 16 * 60
            connection.execute(
                sa.text("UPDATE events SET timestamp = :t, data = :d WHERE id = :i"),
                {"t": row.timestamp - 16 * 60, "d": json.dumps(data), "i": row.id},
            )
    engine.dispose()


def test_call_back_left_in_the_middle_is_offered_and_continued(assistant) -> None:
    sender = "paused-callback"
    assert "phone number" in assistant.texts(sender, "call me back", "Lars Holm")[-1]
    leave_for_16_minutes(assistant, sender)
    reply = assistant.texts(sender, "hello")
    offer = next(i for i, t in enumerate(reply) if OFFER in t)
    assert reply[offer] == f"You started a request for a call back {OFFER}"
    assert offer >= 1, "the privacy notice of a new conversation comes first"
    assert "How can we help you today?" in reply[-1]
    # A policy question in between is answered; the offer stays open.
    assert "pension" in " ".join(assistant.texts(sender, "when is my pension paid")).lower()
    reply = assistant.texts(sender, "1")
    assert reply[0].startswith("Good, we carry on where you stopped.")
    assert "phone number" in reply[-1] and "check who you are" not in " ".join(reply)
    reply = assistant.texts(sender, "0412 000 111", "2", "my pension")
    assert "- Name: Lars Holm" in reply[-1]
    reference = reference_in(assistant.texts(sender, "1"))
    assert [r[0] for r in assistant.cms_cases()].count(reference) == 1


def test_identity_is_checked_again_and_the_kept_answer_is_used(assistant) -> None:
    sender = "paused-statement"
    assistant.texts(sender, "i want my contribution statement", *ANNA)
    assert "Where should we send it?" in assistant.texts(sender, "2024")[-1]
    leave_for_16_minutes(assistant, sender)
    reply = assistant.texts(sender, "hi")
    assert f"You started a request for a contribution statement {OFFER}" in reply
    reply = assistant.texts(sender, "yes")
    assert "For your security, I need to check who you are again." in reply
    assert "national ID number" in reply[-1]
    assert "date of birth" in assistant.texts(sender, ANNA[0])[-1]
    # The year kept from before: the next question is the delivery.
    assert "Where should we send it?" in assistant.texts(sender, ANNA[1])[-1]
    reply = assistant.texts(sender, "1", "english")
    assert "- Years: 2024" in reply[-1]
    reference = reference_in(assistant.texts(sender, "1"))
    row = next(r for r in assistant.cms_cases() if r[0] == reference)
    assert row[1:3] == ["P-1001", "contribution_statement"]


def test_no_deletes_the_answers_and_identity_is_gone(assistant) -> None:
    sender = "paused-no"
    assistant.texts(sender, "i want my contribution statement", *ANNA, "2024")
    leave_for_16_minutes(assistant, sender)
    assert f"You started a request for a contribution statement {OFFER}" in assistant.texts(
        sender, "hello")
    reply = assistant.texts(sender, "2")
    assert reply == ["All right, I have deleted the answers you gave. Nothing was sent. "
                     "Is there anything else we can help you with?"]
    # Starting again asks everything again, identity first.
    assert "national ID number" in assistant.texts(sender, "i want my contribution statement")[-1]
    assert "all years, or one year" in assistant.texts(sender, *ANNA)[-1]
