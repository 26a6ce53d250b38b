"""The conversation's language: the privacy notice in it, and the citizen's own choice.

The NLU component `bot.i18n.langid.LanguageIdentifier` writes the language
of every message (entity and slot `language`); the Rasa server's generator
(`bot.i18n.nlg`) answers in it. This module:

- `ActionPrivacyNotice` is `action_validate_slot_mappings`, which Rasa runs
  after every message: it sets the slots `language` and `language_chosen`
  from the message (the language identifier's parse data, or a language
  button's entities); when a new conversation has marked the notice due (`privacy_notice_due`),
  it tells the notice in the language of the message that started it, then
  offers a request kept from the last conversation. (A custom slot
  mapping's action cannot: Rasa keeps only the slots it sets.) A first
  message about self-harm gets the crisis line first (service-standards.md):
  the notice waits for the next message.
- `ActionChooseLanguage` answers "English please" / "po polsku" in the
  language chosen, or offers the languages as buttons ("language").
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.citizen_requests import paused
from actions.session import CONSENT_RESPONSE, NOTICE_DUE

__all__ = ["ActionPrivacyNotice", "ActionChooseLanguage", "message_language", "language_buttons"]

LANGUAGE_SLOT = "language"
# Answers that go before the privacy notice: the crisis line comes first.
FIRST_ANSWERS = frozenset({"self_harm"})
CHOSEN_ENTITY = "language_chosen"


def _said(tracker: Tracker, key: Text) -> Any:
    """The latest message's parse data under `key`, else its entity of that name (a button)."""
    message = tracker.latest_message or {}
    if message.get(key) is not None:
        return message[key]
    return next((e.get("value") for e in reversed(message.get("entities") or [])
                 if e.get("entity") == key), None)


def message_language(tracker: Tracker) -> Optional[Text]:
    """The language of the latest message, else the conversation's."""
    from bot.i18n.languages import languages

    said = _said(tracker, LANGUAGE_SLOT)
    if isinstance(said, str) and said in languages():
        return said
    value = tracker.get_slot(LANGUAGE_SLOT)
    return str(value) if value else None


def language_events(tracker: Tracker) -> List[EventType]:
    """The slots `language` and `language_chosen` as the latest message sets them."""
    events: List[EventType] = []
    lang = message_language(tracker)
    if lang and lang != tracker.get_slot(LANGUAGE_SLOT):
        events.append(SlotSet(LANGUAGE_SLOT, lang))
    if _said(tracker, CHOSEN_ENTITY) is True and not tracker.get_slot(CHOSEN_ENTITY):
        events.append(SlotSet(CHOSEN_ENTITY, True))
    return events


def language_buttons() -> List[Dict[Text, Text]]:
    """One button per offered language, titled in that language."""
    from bot.i18n.languages import languages, offered

    known = languages()
    return [
        {
            "title": known[code].native,
            "payload": "/choose_language" + json.dumps(
                {LANGUAGE_SLOT: code, CHOSEN_ENTITY: True}, ensure_ascii=False),
        }
        for code in offered()
    ]


class ActionPrivacyNotice(Action):
    """The consent notice of a new conversation, in the language of its first message."""

    def name(self) -> Text:
        """Name of the action: Rasa's hook after each message's slots are set."""
        return "action_validate_slot_mappings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Set the message's language; tell the notice (and offer a kept request) once."""
        events = language_events(tracker)
        if not tracker.get_slot(NOTICE_DUE):
            return events
        if ((tracker.latest_message or {}).get("intent") or {}).get("name") in FIRST_ANSWERS:
            return events
        lang = message_language(tracker)
        extra = {"language": lang} if lang else {}
        # The consent text is the privacy notice answer (short on SMS).
        dispatcher.utter_message(response=CONSENT_RESPONSE, **extra)
        form_name = paused.paused_form(tracker)
        if form_name and tracker.get_slot(paused.FORM_OFFERED):
            paused.offer(dispatcher, form_name, **extra)
        return [*events, SlotSet(NOTICE_DUE, False)]


class ActionChooseLanguage(Action):
    """Confirm a chosen language in itself, or offer the languages."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_choose_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Confirm the choice the message made; without one, offer buttons."""
        if _said(tracker, CHOSEN_ENTITY) is True:
            dispatcher.utter_message(response="utter_language_chosen")
            return []
        dispatcher.utter_message(response="utter_choose_language", buttons=language_buttons())
        return []
