"""The conversation's language: the privacy notice in it, and the citizen's own choice.

The NLU component `bot.i18n.langid.LanguageIdentifier` writes the language
of every message into its parse data, and as the entities `language` and
`language_chosen` when the message changes them: the slots of those names
take them inside the Rasa server (domain.yml `from_entity` mappings), as they
take a language button's entities. The Rasa server's generator
(`bot.i18n.nlg`) answers in the slot's language. This module:

- `ActionPrivacyNotice` (`action_privacy_notice`) tells the notice of a new
  conversation (`privacy_notice_due`, set by the session start) in the
  language of the message that started it, then offers a request kept from
  the last conversation. The policy (`bot.notice_first`) runs it before the
  first answer, so the action server is called for it once a conversation,
  not after every message. A first message about self-harm gets the crisis
  line first (service-standards.md): the notice waits for the next message.
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
from actions.session import CONSENT_RESPONSE, NOTICE_ACTION, NOTICE_DUE

__all__ = ["ActionPrivacyNotice", "ActionChooseLanguage", "message_language", "language_buttons"]

LANGUAGE_SLOT = "language"
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
        """Name of the action (predicted by `bot.notice_first` when the notice is due)."""
        return NOTICE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Tell the notice (and offer a kept request) once a conversation."""
        if not tracker.get_slot(NOTICE_DUE):
            return []
        lang = message_language(tracker)
        extra = {"language": lang} if lang else {}
        # The consent text is the privacy notice answer (short on SMS).
        dispatcher.utter_message(response=CONSENT_RESPONSE, **extra)
        form_name = paused.paused_form(tracker)
        if form_name and tracker.get_slot(paused.FORM_OFFERED):
            paused.offer(dispatcher, form_name, **extra)
        return [SlotSet(NOTICE_DUE, False)]


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
