"""The Rasa server's natural language generator: responses in the conversation's language.

endpoints.yml names it (`nlg: type: bot.i18n.nlg.TranslatingNLG`); Rasa 3.6
builds it with the model's domain. It is Rasa's template generator (channel
variations, conditions, slot and keyword variables) over the responses of
the conversation's `language` slot: each variation translated where
translations/<code>/ has a fresh translation, English otherwise
(`bot.i18n.catalogue`). Translations are read from disk, not from the model,
so they change without retraining. `utter_notice` (a CMS event told in a
conversation) is said as the response the event names.

Every message carries `language` (the language it is really in), which Rasa
keeps in the BotUttered event's metadata: the web chat sets `lang` and `dir`
from it. An action may name the language for one message (`language=` in
utter_message), as the privacy notice does before the slot is set.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

from bot.i18n.catalogue import LANGUAGE_KEY, Catalogue
from bot.i18n.languages import SOURCE, languages
from bot.notices import told_notice

__all__ = ["TranslatingNLG", "LANGUAGE_SLOT"]

logger = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"
# A CMS event's notice (channels/cms_events.py): said as the response its
# entities name, in the conversation's language (bot.notices.told_notice).
NOTICE_RESPONSE = "utter_notice"
# What the action server sends along with a response name: never variables.
_RASA_KEYS = frozenset({
    "text", "buttons", "elements", "custom", "image", "attachment", "quick_replies",
    "response", "template", "utter_action",
})


class TranslatingNLG(TemplatedNaturalLanguageGenerator):
    """Rasa's template generator over the responses in the conversation's language."""

    def __init__(
        self,
        endpoint_config: Any = None,
        domain: Any = None,
        catalogue: Optional[Catalogue] = None,
    ) -> None:
        self._given = catalogue
        super().__init__(dict(domain.responses) if domain is not None else {})

    @property  # type: ignore[override]
    def responses(self) -> Dict[Text, List[Dict[Text, Any]]]:
        """The English responses (the model's domain)."""
        return self._english

    @responses.setter
    def responses(self, value: Dict[Text, List[Dict[Text, Any]]]) -> None:
        # Rasa sets the responses again when it loads a model (Agent.load_model):
        # the catalogue's English is the model's.
        self._english = dict(value or {})
        self.catalogue = self._given or Catalogue(english=self._english)

    def language_of(self, tracker: DialogueStateTracker, kwargs: Dict[Text, Any]) -> str:
        """The language to answer in: named by the action, else the slot, else English."""
        wanted = kwargs.get(LANGUAGE_KEY) or tracker.get_slot(LANGUAGE_SLOT) or SOURCE
        return wanted if wanted in languages() else SOURCE

    def _variation(
        self, utter_action: Text, lang: str, output_channel: Text, filled_slots: Dict[Text, Any]
    ) -> Optional[Dict[Text, Any]]:
        """One variation of the response in `lang`, as Rasa picks it (channel, conditions)."""
        import numpy as np

        responses = self.catalogue.responses(lang)
        if utter_action not in responses:
            return None
        suitable = ResponseVariationFilter(responses).responses_for_utter_action(
            utter_action, output_channel, filled_slots
        )
        return copy.deepcopy(np.random.choice(suitable)) if suitable else None

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        """The response in the conversation's language, with `language` set."""
        lang = self.language_of(tracker, kwargs)
        if utter_action == NOTICE_RESPONSE:
            told = told_notice(list((tracker.latest_message.entities if tracker.latest_message
                                     else None) or []), lang)
            if told is not None:
                return await self.generate(told[0], tracker, output_channel,
                                           **{**kwargs, **told[1]})
        filled_slots = tracker.current_slot_values()
        response = self._variation(utter_action, lang, output_channel, filled_slots)
        if response is None:
            return None
        actual = response.pop(LANGUAGE_KEY, SOURCE)
        if actual != lang:
            logger.debug("No fresh %s translation of %s; sent in English.", lang, utter_action)
        # Variables are written in the language the text really is in.
        variables = {
            key: value if key in _RASA_KEYS else self.catalogue.render(value, actual)
            for key, value in kwargs.items()
            if key != LANGUAGE_KEY
        }
        response = self._fill_response(response, filled_slots, **variables)
        response[LANGUAGE_KEY] = actual
        return response
