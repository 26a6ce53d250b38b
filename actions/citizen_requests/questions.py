"""A form's questions and the answers shared by every request form (requests-in-chat.md).

- `Field`: one question, its parser (a validator of `actions.validation`)
  and how the answer is shown in the summary.
- A policy question in the middle of a form (`answer_policy_question`) is
  answered, then the form asks its question again.
- How answers are shown (`YES_NO_TEXT`, `shown`, `show_iso_date`) and how a
  wrong one is told (`say_invalid`), in the conversation's language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.validation import ValidationError, format_date, term

__all__ = [
    "Field",
    "TOPICS",
    "YES_NO_TEXT",
    "answer_policy_question",
    "looks_like_question",
    "say_invalid",
    "show_iso_date",
    "shown",
]

# Policy topics: a question about one of these in the middle of a form is
# answered, then the form asks its question again.
TOPICS = frozenset(
    {
        "agency", "pension", "survivors", "unemployment", "sickness", "disability",
        "child_benefit", "parental", "contribution", "coverage", "housing",
        "privacy", "service", "faq",
    }
)
_QUESTION_CONFIDENCE = 0.6


# How a yes/no answer is shown in a summary (a word of texts.yml).
YES_NO_TEXT = {True: term("term_yes"), False: term("term_no")}


def shown(kind: Text) -> Callable[[Any], Any]:
    """Show a fixed answer ("morning") as its word of texts.yml, `term_<kind>_<value>`."""
    return lambda value: term(f"term_{kind}_{value}") if value is not None else ""


def say_invalid(dispatcher: CollectingDispatcher, error: ValidationError) -> None:
    """Tell the citizen what is wrong with an answer, in the conversation's language."""
    dispatcher.utter_message(response=error.response, **error.variables)


def show_iso_date(value: Any) -> Text:
    """A stored YYYY-MM-DD date as DD.MM.YYYY (empty if none)."""
    return format_date(dt.date.fromisoformat(value)) if value else ""


_QUESTION_WORDS = frozenset(
    "what when how where who why which can could do does did is are will would should may "
    "wat wen hw wht".split()
)


def looks_like_question(text: Text) -> bool:
    """A question mark, or a question word first: "Westfjord" is an answer."""
    words = text.strip().lower().split()
    return text.strip().endswith("?") or bool(words and words[0] in _QUESTION_WORDS)


def answer_policy_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Send the answer to a confident policy question; True if one was sent."""
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    if intent.get("name") not in TOPICS or (intent.get("confidence") or 0) < _QUESTION_CONFIDENCE:
        return False
    selector = (message.get("response_selector") or {}).get(intent["name"]) or {}
    utter_action = (selector.get("response") or {}).get("utter_action")
    if not utter_action:
        return False
    dispatcher.utter_message(response=utter_action)
    return True


@dataclass(frozen=True)
class Field:
    """One question of a form."""

    slot: Text
    label: Text
    parse: Callable[[Text], Any]
    show: Callable[[Any], Text] = str
    # Free text takes almost any answer, so a confident policy question is
    # answered first; other fields try the answer first ("english" is a
    # language here, not a question about languages).
    free_text: bool = False
    # Free text that may mention any topic (a complaint) is never taken for
    # a policy question.
    interruptible: bool = True
    when: Callable[[Tracker], bool] = field(default=lambda tracker: True)
    # parse(text, tracker) instead of parse(text): for rules on earlier answers.
    context: bool = False
    # A response to send after a valid answer (a warning, or what was
    # understood), or None; (response, its variables) when it has any.
    note: Callable[[Any], Any] = field(default=lambda value: None)
    # Answers to later questions in the same message ({slot: value}), read
    # from the text: "12 Birch Road, 4021 Highmoor" gives postcode and town.
    extra: Callable[[Text], Dict[Text, Any]] = field(default=lambda text: {})
