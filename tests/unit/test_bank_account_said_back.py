"""A new bank account is said back by its last 4 digits only (requests-in-chat.md)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.citizen_requests.record_forms import ValidateBankForm
from tests.english import said

ACCOUNT = "NR89 1111 2222 3333 4444"


def tracker(text: str) -> Tracker:
    return Tracker(
        sender_id="citizen-bank", slots={"requested_slot": "new_account"},
        latest_message={"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.2}},
        events=[], paused=False, followup_action=None, active_loop={"name": "bank_form"},
        latest_action_name="action_listen",
    )


async def test_a_valid_account_is_said_back_by_its_last_4_digits() -> None:
    dispatcher = CollectingDispatcher()
    result = await ValidateBankForm().validate_new_account(
        ACCOUNT, dispatcher, tracker(ACCOUNT), {})
    assert result["new_account"]
    [message] = [said(m) for m in dispatcher.messages]
    assert message == "Thank you: the account ending 4444."
    assert "1111" not in message


async def test_a_wrong_account_is_not_said_back() -> None:
    dispatcher = CollectingDispatcher()
    result = await ValidateBankForm().validate_new_account(
        "NR89 1111", dispatcher, tracker("NR89 1111"), {})
    assert result == {"new_account": None}
    assert not any("account ending" in said(m) for m in dispatcher.messages)
