""""Delete my conversation": the question's answer and the request recorded (actions/privacy.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import privacy
from actions.privacy import CONFIRM_SLOT, ActionDeleteConversation, ValidateDeleteConversationForm
from bot.errors import StoreError
from bot.store.db import create_engine_for
from bot.store.deletions import ConversationDeletions
from bot.store.schema import upgrade


def tracker(slots: Optional[Dict[str, Any]] = None) -> Tracker:
    return Tracker(
        sender_id="webchat-1",
        slots=slots or {},
        latest_message={"text": "1", "intent": {"name": "nlu_fallback"}},
        events=[{"event": "user", "text": "1", "input_channel": "webchat"}],
        paused=False,
        followup_action=None,
        active_loop={"name": "delete_conversation_form"},
        latest_action_name="action_listen",
    )


@pytest.fixture
def deletions(tmp_path: Path) -> Iterator[ConversationDeletions]:
    url = f"sqlite:///{tmp_path / 'nssa.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    repository = ConversationDeletions(engine)
    privacy.use_deletions(lambda: repository)
    yield repository
    privacy.use_deletions(None)
    engine.dispose()


@pytest.mark.parametrize(
    "answer, value", [("1", True), ("yes", True), ("Yes please", True), ("2", False), ("no", False)]
)
async def test_the_answer_is_read(answer: str, value: bool) -> None:
    dispatcher = CollectingDispatcher()
    result = await ValidateDeleteConversationForm().validate_delete_conversation_confirmed(
        answer, dispatcher, tracker(), {}
    )
    assert result == {CONFIRM_SLOT: value} and dispatcher.messages == []


@pytest.mark.parametrize("answer", ["maybe", "", "3", "yes and no"])
async def test_an_unclear_answer_asks_again(answer: str) -> None:
    dispatcher = CollectingDispatcher()
    result = await ValidateDeleteConversationForm().validate_delete_conversation_confirmed(
        answer, dispatcher, tracker(), {}
    )
    assert result == {CONFIRM_SLOT: None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_delete_conversation_unclear"]


async def test_yes_records_the_request(deletions: ConversationDeletions) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionDeleteConversation().run(dispatcher, tracker({CONFIRM_SLOT: True}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_conversation_deletion_requested"]
    assert events == [SlotSet(CONFIRM_SLOT, None)]
    request = deletions.get("webchat-1")
    assert request is not None and request.channel == "webchat" and request.done_at is None


async def test_no_keeps_it(deletions: ConversationDeletions) -> None:
    dispatcher = CollectingDispatcher()
    await ActionDeleteConversation().run(dispatcher, tracker({CONFIRM_SLOT: False}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_conversation_kept"]
    assert deletions.get("webchat-1") is None


async def test_a_store_failure_is_said_politely() -> None:
    class Broken:
        def request(self, *args: Any) -> None:
            raise StoreError("conversation_deletions request: database is locked")

    privacy.use_deletions(lambda: Broken())  # type: ignore[arg-type, return-value]
    try:
        dispatcher = CollectingDispatcher()
        await ActionDeleteConversation().run(dispatcher, tracker({CONFIRM_SLOT: True}), {})
    finally:
        privacy.use_deletions(None)
    assert [m["response"] for m in dispatcher.messages] == ["utter_conversation_deletion_failed"]
