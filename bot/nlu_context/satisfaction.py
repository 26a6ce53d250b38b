"""The reply to "Did this help?" and to "What was missing?" (actions/satisfaction.py).

- "yes" or "no" right after the question (`utter_ask_satisfaction`) is its
  button: `helped_yes` / `helped_no`; "1" and "2" are read as any chosen
  option (`offers.chosen_option`), the buttons' payloads need no reading;
- the message right after "What was missing?" (`utter_ask_what_was_missing`)
  is its answer, `tell_what_was_missing`, unless it asks for something the
  assistant acts on (a person, the crisis line, cancel, "no", thanks ...) or
  is sent by the system (`EXTERNAL_...`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message

from bot import conversation_context as context
from bot.nlu_context import parse_data

__all__ = ["DEFAULTS", "reply"]

# Merged into ConversationContext's default config.
DEFAULTS: Dict[Text, Any] = {
    "satisfaction_question": "utter_ask_satisfaction",
    "satisfaction_answers": {"affirm": "helped_yes", "deny": "helped_no"},
    "missing_question": "utter_ask_what_was_missing",
    "missing_answer": "tell_what_was_missing",
    "not_missing": [
        "self_harm", "distress", "request_human", "request_callback",
        "complaint_escalate", "delete_conversation", "continue_elsewhere",
        "choose_language", "stop_notices", "start_notices", "deny", "cancel",
        "goodbye", "thank", "helped_yes", "helped_no",
    ],
}


def reply(message: Message, turns: List[List[Any]], config: Dict[Text, Any]) -> bool:
    """Read `message` as the reply to the question the last bot turn asked, if it did."""
    said = context.responses(turns[-1]) if turns else set()
    name = str((message.get(INTENT) or {}).get("name") or "")
    confidence = float(config["confidence"])
    if config["satisfaction_question"] in said:
        answer = config["satisfaction_answers"].get(name)
        if answer:
            parse_data.set_intent(message, answer, confidence)
        return bool(answer)
    if config["missing_question"] in said and not name.startswith("EXTERNAL_") \
            and name not in config["not_missing"]:
        parse_data.set_intent(message, config["missing_answer"], confidence)
        return True
    return False
