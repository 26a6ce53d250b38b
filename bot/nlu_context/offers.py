"""Readings 1 to 3: a reply to what the bot offered (buttons, a request to start).

1. **A chosen option.** A bare number ("1") after a bot turn with buttons is
   that button: the intent of its payload (`/request_callback`).
2. **Yes to an offer.** "yes" / "yes please" right after an answer that offered
   exactly one request (a button `/change_bank_account`) starts that request.
3. **An identity typed after an offer.** A national ID number or a date typed
   within a few turns of an answer that offered a request starts it; the ID
   number goes with it as the entity `national_id`, which fills the form's
   first question (domain.yml), so the form goes on to the date of birth.

`offers` are `bot.conversation_context.offered(turns)`: (turns ago, button
payloads), newest first.
"""

from __future__ import annotations

import re
from typing import Any, Collection, Dict, List, Set, Text, Tuple

from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message

from bot import conversation_context as context
from bot.nlu_context import parse_data

__all__ = ["OPTION", "national_id", "identity", "requests_in", "chosen_option",
           "request_offer"]

Offers = List[Tuple[int, List[Text]]]

_NATIONAL_ID = re.compile(r"^\s*(\d[\d \-]{9,14}\d)\s*$")
_DATE = re.compile(
    r"^\s*(\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}|\d{1,2}\s+[a-z]+\s+\d{4}|\d{4}-\d{2}-\d{2})\s*$",
    re.IGNORECASE,
)
OPTION = re.compile(r"^\s*(\d)\s*[.)]?\s*$")


def national_id(text: Text) -> Text:
    """The 11 digits of a message that is only a national ID number, else ""."""
    match = _NATIONAL_ID.match(text)
    digits = re.sub(r"\D", "", match.group(1)) if match else ""
    return digits if len(digits) == 11 else ""


def identity(text: Text) -> bool:
    """Whether the message is only a national ID number or a date."""
    return bool(national_id(text) or _DATE.match(text))


def requests_in(payloads: List[Text], requests: Collection[Text]) -> List[Text]:
    """The request intents among button payloads, in order."""
    intents = (context.payload_intent(p) for p in payloads)
    return [i for i in intents if i is not None and i in requests]


def chosen_option(message: Message, text: Text, offers: Offers, confidence: float) -> bool:
    """Reading 1: a bare number picks that button of the last turn."""
    match = OPTION.match(text)
    if not match or not offers or offers[0][0] != 0:
        return False
    payloads = offers[0][1]
    number = int(match.group(1))
    if not 1 <= number <= len(payloads):
        return False
    intent = context.payload_intent(payloads[number - 1])
    if intent is None:
        return False
    parse_data.set_intent(message, intent, confidence)
    return True


def request_offer(
    message: Message, text: Text, offers: Offers, requests: Set[Text], config: Dict[Text, Any]
) -> bool:
    """Readings 2 and 3: yes, a short unsure reply or an identity takes up an offer."""
    intent = message.get(INTENT) or {}
    current = str(intent.get("name") or "")
    digits = national_id(text)
    is_identity = identity(text)
    just_offered = set(requests_in(offers[0][1], requests)) if offers and offers[0][0] == 0 \
        else set()
    said = context.words(text)
    # "all" after the case status was explained is "show all my cases", not
    # "bye": a short reply the classifier is unsure of takes up the offer.
    unsure_reply = (len(said) <= 3 and not text.strip().endswith("?")
                    and current in config["unsure_replies"]
                    and float(intent.get("confidence") or 0) < config["sure"])
    confidence = float(config["confidence"])
    if len(just_offered) == 1 and not OPTION.match(text) and not is_identity and (
            current == "affirm" or unsure_reply):
        parse_data.set_intent(message, just_offered.pop(), confidence)
        return True
    if current == "affirm":
        return False
    if not is_identity or current in requests:
        return False
    for _, payloads in offers:
        found = requests_in(payloads, requests)
        if found:
            entities = [] if not digits else [{
                "entity": "national_id", "value": digits, "start": 0,
                "end": len(text), "extractor": "ConversationContext",
            }]
            parse_data.set_intent(message, found[0], confidence, entities)
            return True
    return False
