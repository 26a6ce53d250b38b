""""No, change something": the answers to change, in the conversation's language.

Tried in Ukrainian (tryout2, 7 December 2026): "Яку відповідь Ви хочете
змінити?" came with English buttons ("Street and house number", "Date of
the move"), and "дату переїзду" (the date of the move, as said in a
sentence) was not understood.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.citizen_requests.appointment_questions import ActionAskAppointmentChangeField
from actions.citizen_requests.dialogue import ActionAskChangeField
from actions.citizen_requests.record_forms import ValidateAddressForm

ADDRESS = {"street": "вул. Садова 3", "postcode": "4021", "city": "Highmoor",
           "move_date": "2026-11-23", "confirm": False}


def tracker(slots: Dict[str, Any], language: str, form: str = "address_form") -> Tracker:
    return Tracker(
        sender_id="citizen-1", slots={**slots, "language": language},
        latest_message={"text": "x", "intent": {"name": "inform", "confidence": 0.9}},
        events=[], paused=False, followup_action=None, active_loop={"name": form},
        latest_action_name="action_listen")


async def buttons(action: Any, slots: Dict[str, Any], language: str,
                  form: str = "address_form") -> List[str]:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker(slots, language, form), {})
    return [b["title"] for b in dispatcher.messages[0]["buttons"]]


@pytest.mark.parametrize("language, expected", [
    ("en", ["Street and house number", "Postcode", "Town or city", "Date of the move"]),
    ("uk", ["Вулиця і номер будинку", "Поштовий індекс", "Місто чи населений пункт",
            "Дата переїзду"]),
])
async def test_the_answers_to_change_are_in_the_conversations_language(
        language: str, expected: List[str]) -> None:
    assert await buttons(ActionAskChangeField(), ADDRESS, language) == expected


async def test_the_appointments_answers_to_change_too() -> None:
    slots = {"appointment_office": "highmoor", "appointment_date": "2026-12-10",
             "appointment_start_time": "09:00", "appointment_topic": "pension",
             "interpreter": "none"}
    titles = await buttons(ActionAskAppointmentChangeField(), slots, "pl", "appointment_form")
    assert "Biuro" in " ".join(titles) or "biuro" in " ".join(titles).casefold()
    assert not any(title.startswith("Office") for title in titles)


@pytest.mark.parametrize("language, said", [
    ("uk", "дату переїзду"), ("uk", "дата"), ("pl", "datę przeprowadzki"),
    ("en", "the date"), ("en", "change the date of the move"), ("ar", "التاريخ"),
    ("ar", "تاريخ الانتقال"),
])
async def test_an_answer_named_in_a_sentence_is_the_one_changed(language: str, said: str) -> None:
    result = await ValidateAddressForm().validate_change_field(
        said, CollectingDispatcher(), tracker(ADDRESS, language), {})
    assert result == {"move_date": None, "change_field": None, "confirm": None}


async def test_a_word_of_two_answers_is_asked_again() -> None:
    dispatcher = CollectingDispatcher()
    result = await ValidateAddressForm().validate_change_field(
        "the city and the date", dispatcher, tracker(ADDRESS, "en"), {})
    assert result == {"change_field": None}
