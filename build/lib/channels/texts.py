"""The channels' own texts (texts.yml) in the conversation's language.

The gate's answers, the SMS keywords' answers, Telegram's notes and the web
chat page's labels are not Rasa responses: the channels say them before or
beside Rasa. They live with the other texts in texts.yml (English) and
translations/<code>/texts.yml, and are said here in the language of the
conversation (its `language` slot in the store), else of the channel's hint
(Telegram's language_code, the browser's language), else English.

Nothing is read at import time: the catalogue is built on first use.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from bot.i18n.catalogue import default_catalogue
from bot.i18n.languages import SOURCE, from_hint, language, languages, offered

__all__ = ["say", "conversation_language", "page_texts", "direction"]

logger = logging.getLogger(__name__)

_PAGE_PREFIX = "webchat_"


def say(name: str, lang: Optional[str] = None, **variables: Any) -> str:
    """The text `name` of texts.yml in `lang` (English where it is not translated)."""
    return default_catalogue().text(name, lang if lang in languages() else SOURCE,
                                    **variables)[0]


async def conversation_language(
    app: Any, conversation_id: Optional[str], hint: Optional[str] = None
) -> str:
    """The conversation's language from the store, else the hint's, else English.

    Never raises: a store that cannot be read gives the hint's language.
    """
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    tracker_store = getattr(agent, "tracker_store", None)
    if conversation_id and tracker_store is not None:
        try:
            tracker = await tracker_store.retrieve(conversation_id)
        except Exception:  # the store's own errors vary by dialect; only a hint is lost
            logger.warning("The language of a conversation could not be read", exc_info=True)
            tracker = None
        value = tracker.get_slot("language") if tracker is not None else None
        if value in languages():
            return str(value)
    return from_hint(hint) or SOURCE


def direction(code: str) -> str:
    """The direction a language is written in: "ltr" or "rtl"."""
    return language(code).direction


def page_texts() -> Dict[str, Dict[str, Any]]:
    """The web chat page's labels in every offered language, with its name and direction."""
    catalogue = default_catalogue()
    names = [n for n in catalogue.english() if n.startswith(_PAGE_PREFIX)]
    result: Dict[str, Dict[str, Any]] = {}
    for code in offered():
        lang = language(code)
        texts = {name[len(_PAGE_PREFIX):]: catalogue.text(name, code)[0] for name in names}
        result[code] = {"name": lang.native, "dir": lang.direction, "texts": texts}
    return result
