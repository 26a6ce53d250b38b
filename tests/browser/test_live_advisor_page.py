"""The chat page while a live advisor holds the conversation (issue 11), in Chromium.

The citizen asks for a person twice and is queued; the test plays the staff
console (bot/store/handovers.py and the internal API's advisor routes). The
advisor's message is shown as the advisor's ("Advisor:" is shown and read
out), the assistant stays silent, and after the hand-back it answers again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.browser.pages import ChatPage, axe_violations
from tests.e2e.conftest import Assistant, run_assistant
from tests.e2e.test_live_advisor import ASK_PERSON, CONNECT, HANDED_BACK, PAID, PENSION, Console


@pytest.fixture(scope="module")
def advisor_assistant(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Assistant]:
    """The assistant with advisor hours around the clock."""
    var = tmp_path_factory.mktemp("browser-advisor-var")
    yield from run_assistant(var, model, f"sqlite:///{var / 'nssa.db'}",
                             settings_env={"NSSA_ADVISOR_HOURS": "always"})


def test_the_advisors_turns_on_the_chat_page(context: Any, advisor_assistant: Assistant) -> None:
    console = Console(advisor_assistant)
    console.handovers.set_present("ana", True)
    chat = ChatPage(context.new_page(),
                    f"{advisor_assistant.settings.rasa_url}/webhooks/webchat/").load()
    chat.open()
    chat.say(ASK_PERSON, "talk to a person")
    chat.say(ASK_PERSON, "in the queue")
    assert CONNECT in chat.bot_texts()
    conversation = chat.session_id()
    console.handovers.take(conversation, "ana")

    before = chat.bot_count()
    chat.send("is anyone there?")
    chat.page.wait_for_timeout(4000)
    assert chat.bot_count() == before  # held: the assistant is silent

    status, _ = console.post(conversation, "advisor_message",
                             {"advisor": "ana", "text": "Yes, this is Ana from NSSA."})
    assert status == 200
    chat.wait_for_bot("this is Ana", before)
    advisor = chat.page.locator("#nssa-chat-log .msg-advisor")
    assert advisor.count() == 1
    assert advisor.inner_text().strip() == "Advisor: Yes, this is Ana from NSSA."
    assert axe_violations(chat.page) == []

    # A reload shows the history with the advisor's turn still marked.
    chat.page.reload()
    chat.wait_connected()
    chat.wait_for_bot("this is Ana")
    assert chat.page.locator("#nssa-chat-log .msg-advisor").count() == 1

    status, _ = console.post(conversation, "hand_back", {"advisor": "ana"})
    assert status == 200
    chat.wait_for_bot(HANDED_BACK)
    assert PAID in chat.say(PENSION, PAID)
