"""Privacy end to end: real Rasa, action server, worker and reference back-ends.

- A bank account change (national ID, one-time code, account number)
  completes, while the SQLite `events` table and every log under var/log
  hold no full ID or account number, with Rasa and the action server logging
  at DEBUG (Rasa logs each user message there).
- "Delete my conversation": the question, "2" keeps it, "1" records it; the
  worker erases it once idle, and the next message starts anew with the
  privacy notice.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Iterator, List

import pytest

from bot.privacy import SEAL_PREFIX
from tests.e2e.conftest import Assistant, run_assistant

pytestmark = pytest.mark.e2e

ANNA = ("85031212345", "12.03.1985")
ACCOUNT = "NR36 5555 6666 7777 8888"
IN_CLEAR = ("85031212345", "NR36 5555 6666 7777 8888", "365555666677778888",
            "5555 6666 7777", "555566667777")
QUESTION = "Do you want to delete this conversation? 1 Yes 2 No"
NOTICE = "Welcome to the NSSA Assistant."


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Assistant]:
    """The assistant logging at DEBUG; deletion requests carried out after 1 s idle."""
    var = tmp_path_factory.mktemp("privacy")
    yield from run_assistant(
        var, model, f"sqlite:///{var / 'nssa.db'}",
        settings_env={
            "NSSA_LOG_LEVEL": "DEBUG",
            "NSSA_DELETION_IDLE_SECONDS": "1",
            "NSSA_PURGE_INTERVAL_SECONDS": "1",
        },
    )


def events(assistant: Assistant, sender: str) -> List[str]:
    """The raw `data` of the sender's rows in Rasa's table."""
    database = assistant.settings.var_dir / "nssa.db"
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id",
            (assistant.conversation(sender),),
        ).fetchall()
    return [row[0] for row in rows]


def last_code(assistant: Assistant) -> str:
    log = (assistant.settings.var_dir / "cms" / "otp.log").read_text().splitlines()
    return log[-1].rsplit("code=", 1)[1]


def test_a_bank_account_change_leaves_no_full_number_in_the_store_or_the_logs(
    assistant: Assistant,
) -> None:
    sender = "privacy-bank"
    assistant.texts(sender, "change my bank account", ANNA[0])
    assert "ending 5678" in assistant.texts(sender, ANNA[1])[-1]
    code = last_code(assistant)
    reply = assistant.texts(sender, code, ACCOUNT, "Anna Berg")
    summary = "\n".join(reply)
    assert "8888" in summary and "5555" not in summary
    reply = assistant.texts(sender, "1")
    assert re.search(r"NSSA-2026-\d{6}", "\n".join(reply)), reply

    rows = events(assistant, sender)
    assert len(rows) > 20  # the project's tracker store wrote them, not an in-memory one
    stored = "\n".join(rows)
    for secret in IN_CLEAR:
        assert secret not in stored, secret
    assert f'"text": "{code}"' not in stored  # the one-time code as typed
    # Sealed slots; the ID typed as the answer to its question, hidden whole.
    assert SEAL_PREFIX in stored and '"text": "***********"' in stored

    logs = sorted((assistant.settings.var_dir / "log").glob("*.log"))
    assert {"rasa.log", "actions.log", "worker.log"} <= {path.name for path in logs}
    debug = (assistant.settings.var_dir / "log" / "rasa-debug.log").read_text(errors="replace")
    assert "*******2345" in debug  # Rasa logged the message at DEBUG, masked
    for path in logs:
        text = path.read_text(errors="replace")
        for secret in IN_CLEAR:
            assert secret not in text, f"{secret} in {path.name}"


def test_no_keeps_the_conversation(assistant: Assistant) -> None:
    sender = "privacy-keep"
    assert assistant.texts(sender, "hello", "delete my conversation") == [QUESTION]
    assert "we keep this conversation" in assistant.texts(sender, "2")[0]
    assert "maybe" not in assistant.texts(sender, "delete my conversation", "maybe")[0]
    assert assistant.texts(sender, "no")[0].startswith("All right, we keep this conversation")
    time.sleep(3)  # the worker runs every second: nothing was asked, nothing goes
    assert len(events(assistant, sender)) > 0


def test_delete_my_conversation_erases_it_and_the_next_message_starts_anew(
    assistant: Assistant,
) -> None:
    sender = "privacy-delete"
    first = assistant.texts(sender, "when is my pension paid")
    assert any(NOTICE in text for text in first)
    assert assistant.texts(sender, "delete my conversation") == [QUESTION]
    reply = assistant.texts(sender, "1")
    assert reply == [
        "We will delete this conversation within 24 hours. Requests you already sent are "
        "not deleted, because they are part of your case file."
    ]
    for _ in range(60):
        if not events(assistant, sender):
            break
        time.sleep(0.5)
    assert events(assistant, sender) == []

    again = assistant.texts(sender, "hello")
    assert any(NOTICE in text for text in again), again
    stored = "\n".join(events(assistant, sender))
    assert "when is my pension paid" not in stored
    assert '"text": "delete my conversation"' not in stored
    assert stored.count('"event": "session_started"') == 1


def test_delete_asked_in_the_middle_of_a_request_then_no_offers_the_request_again(
    assistant: Assistant,
) -> None:
    sender = "privacy-e2e-mid-form"
    assistant.texts(sender, "call me back")
    assert "Which phone number" in assistant.texts(sender, "Anna Berg")[-1]
    # Not taken as the phone number: the question is asked.
    assert assistant.texts(sender, "delete my conversation") == [
        "Do you want to delete this conversation? 1 Yes 2 No"
    ]
    assert assistant.texts(sender, "2") == [
        "All right, we keep this conversation.",
        "You started a request for a call back earlier. Do you want to continue? 1 Yes 2 No",
    ]
    # Yes: the name is kept, the next question comes.
    assert "Which phone number" in assistant.texts(sender, "1")[-1]
