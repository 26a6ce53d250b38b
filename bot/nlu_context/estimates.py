"""Reading 0: a benefit's rule or its personal estimate, when the two tie.

"I'm sick and my wage was 2700 a month, how much sickness benefit will I
get" reads as both the sickness benefit's rules (topic `sickness`) and its
estimate (`estimate_sickness`), often within the fallback's ambiguity
margin, so the citizen got "I'm not sure". When those two are the
classifier's first two and close, a figure of the citizen's own (a number
in any script) makes it the estimate; without one it is the rule, whose
answer gives the amounts. Any other ranking is left alone. This reading
needs no conversation, so it is made on every message.
"""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa.shared.nlu.constants import INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu_context import parse_data

__all__ = ["rule_or_estimate"]

_PREFIX = "estimate_"


def rule_or_estimate(message: Message, text: Text, config: Dict[Text, Any]) -> bool:
    """Decide a near tie between a benefit's rule and its estimate; True if decided."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    if len(ranking) < 2:
        return False
    first, second = ranking[0], ranking[1]
    names = {str(first.get("name") or ""), str(second.get("name") or "")}
    benefit = next((n[len(_PREFIX):] for n in names if n.startswith(_PREFIX)), None)
    if benefit is None or names != {benefit, _PREFIX + benefit} \
            or benefit not in config["estimates"]:
        return False
    gap = float(first.get("confidence") or 0) - float(second.get("confidence") or 0)
    if gap > float(config["estimate_tie"]):
        return False
    confidence = float(config["confidence"])
    answer = parse_data.selected(message, benefit)
    if any(character.isdigit() for character in text):
        parse_data.set_intent(message, _PREFIX + benefit, confidence)
    elif answer:
        parse_data.set_answer(message, answer, confidence)  # the rule the topic ranked first
    else:
        parse_data.set_intent(message, benefit, confidence)
    return True
