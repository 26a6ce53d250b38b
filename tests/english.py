"""What the citizen reads, in English: a dispatched response and its variables rendered.

Actions send responses with variables (terms of texts.yml, amounts) that the
Rasa server says in the conversation's language (bot/i18n/nlg.py); tests
read them in English here.
"""

from __future__ import annotations

from typing import Any, Dict

from bot.i18n.catalogue import default_catalogue

__all__ = ["english", "said"]

_RASA_KEYS = {"text", "buttons", "elements", "custom", "image", "attachment", "response",
              "template", "json_message", "quick_replies"}


def english(value: Any) -> Any:
    """A response variable as English text (terms, amounts and lists rendered)."""
    return default_catalogue().render(value, "en")


def said(message: Dict[str, Any]) -> str:
    """The English text of a CollectingDispatcher message (its text, or its response)."""
    if message.get("text"):
        return str(message["text"])
    variables = {k: v for k, v in message.items() if k not in _RASA_KEYS and v is not None}
    return default_catalogue().text(str(message["response"]), "en", **variables)[0]
