"""What the conversation so far says about the next message (read from Rasa's tracker).

The NLU component `bot.nlu_context.ConversationContext` reads the tracker
with these functions; they know Rasa's events and nothing of the classifier:

- `bot_turns`: the bot's messages, one list per turn, newest last;
- `last_answer`: the policy answer (`pension/payment`) of the last bot turn;
- `offered`: the button payloads of the last bot turns, newest first;
- `responses`: the responses (`utter_action`) a bot turn said;
- `request_started_by`: the intent that started the active request form.

Words: `content_words` lowercases, splits "it's" into "it" and "s", drops
stop words and a plural or verb ending, so "Fridays" finds "Friday".
"""

from __future__ import annotations

import re
from typing import Any, Iterable, List, Optional, Sequence, Set, Text, Tuple

__all__ = [
    "CONTEXT_KEY",
    "CLASSIFIER_READING",
    "PRIVACY_NOTICE",
    "STOP_WORDS",
    "words",
    "content_words",
    "stem",
    "bot_turns",
    "last_answer",
    "last_estimate",
    "frame",
    "offered",
    "responses",
    "payload_intent",
    "request_started_by",
]

# The notice that opens every conversation (data/topics/privacy.yml).
PRIVACY_NOTICE = "utter_privacy/notice"
# A turn that only confirms a language choice ("English please") is no answer:
# "and in June?" after it continues the answer before it.
LANGUAGE_CHOSEN = "utter_language_chosen"
# Nor is a reply that did not understand: "whats the erliest" refused, then
# "do i need to aply" still follows up the pension answer before it.
NOT_UNDERSTOOD = frozenset({"utter_not_sure", "utter_out_of_scope"})
# Where a follow-up's parse data says which answer it followed up.
CONTEXT_KEY = "conversation_context"
# Where a message's parse data keeps the classifier's own reading when the
# context decided another (the review inbox lists a guess by it).
CLASSIFIER_READING = "classifier_intent"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Words that say nothing of what a message is about.
STOP_WORDS = frozenset(
    """a an the and or but if so then also too of to in on at for from by with about as
    is are was were be been being am do does did done have has had having can could will
    would shall should may might must i me my mine we us our you your yours he him his she
    her it its they them their this that these those there here what when where which who
    whom why how whats s t d ll m re ve not no yes ok okay pls please thanks thank hi hello
    just only very much many more most any some all get got give tell know need want like
    one ones again still now then than into up out over under after before while
    oh wait actually really well hmm""".split()
)


def words(text: Text) -> List[Text]:
    """Lowercase words and numbers ("it's" is "it" and "s", "€1,200" is "1" and "200")."""
    return _WORD.findall(text.casefold())


def stem(word: Text) -> Text:
    """A crude English stem: enough for "fridays"/"friday", "extended"/"extend"."""
    for ending, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(ending) and len(word) - len(ending) >= 3 and not word.endswith("ss"):
            return word[: len(word) - len(ending)] + keep
    return word


def content_words(text: Text) -> Set[Text]:
    """The stems of the words of `text` that are not stop words."""
    return {stem(w) for w in words(text) if w not in STOP_WORDS}


def _name(event: Any) -> Text:
    return str(getattr(event, "type_name", "") or "")


def bot_turns(events: Iterable[Any], limit: int = 3) -> List[List[Any]]:
    """The bot's messages (BotUttered events) of the last `limit` turns, oldest first.

    A turn is what the bot said after one user message; turns where the bot
    said nothing are skipped.
    """
    turns: List[List[Any]] = []
    current: List[Any] = []
    for event in reversed(list(events)):
        kind = _name(event)
        if kind == "bot":
            current.insert(0, event)
        elif kind == "user":
            if current:
                turns.insert(0, current)
                if len(turns) >= limit:
                    return turns
            current = []
    if current:
        turns.insert(0, current)
    return turns[-limit:]


def _utter_action(event: Any) -> Text:
    return str((getattr(event, "metadata", None) or {}).get("utter_action") or "")


def responses(turn: Sequence[Any]) -> Set[Text]:
    """The responses (their `utter_action`) the bot said in one turn."""
    return {action for action in map(_utter_action, turn) if action}


def last_answer(turns: Sequence[Sequence[Any]]) -> Optional[Text]:
    """The policy answer ("topic/key") the last bot turn ended with, if it did.

    The privacy notice that opens a conversation is not an answer; a turn
    that only confirmed a chosen language, or only said it did not
    understand, is passed over.
    """
    for turn in reversed(turns):
        said = [a for a in (_utter_action(e) for e in turn) if a and a != PRIVACY_NOTICE]
        if said and all(a == LANGUAGE_CHOSEN or a in NOT_UNDERSTOOD for a in said):
            continue
        for action in reversed(said):
            return action[len("utter_"):] if action.startswith("utter_") and "/" in action else None
        return None
    return None


def frame(events: Iterable[Any]) -> Optional[Text]:
    """The answer the last user message followed up, if it was read as a follow-up."""
    for event in reversed(list(events)):
        if _name(event) == "user":
            found = ((getattr(event, "parse_data", None) or {}).get(CONTEXT_KEY) or {})
            return found.get("follows") or None
    return None


def last_estimate(turns: Sequence[Sequence[Any]], benefits: Iterable[Text]) -> Optional[Text]:
    """The benefit whose personal estimate the last bot turn gave (utter_estimate_<benefit>...)."""
    if not turns:
        return None
    said = [_utter_action(event) for event in turns[-1]]
    for benefit in sorted(benefits, key=len, reverse=True):
        if any(a.startswith(f"utter_estimate_{benefit}") for a in said):
            return benefit
    return None


def payload_intent(payload: Text) -> Optional[Text]:
    """The intent of a button payload "/intent" (None for any other payload)."""
    match = re.fullmatch(r"/(\w+)", payload.strip())
    return match.group(1) if match else None


def offered(turns: Sequence[Sequence[Any]]) -> List[Tuple[int, List[Text]]]:
    """(how many turns ago, the payloads of its buttons) for each bot turn, newest first."""
    result: List[Tuple[int, List[Text]]] = []
    for age, turn in enumerate(reversed(turns)):
        payloads: List[Text] = []
        for event in turn:
            data = getattr(event, "data", None) or {}
            for button in [*(data.get("buttons") or ()), *(data.get("quick_replies") or ())]:
                payload = button.get("payload") if isinstance(button, dict) else None
                if isinstance(payload, str) and payload:
                    payloads.append(payload)
        result.append((age, payloads))
    return result


def request_started_by(events: Iterable[Any], form: Text) -> Optional[Text]:
    """The intent of the user message after which `form` became active, if found."""
    intent: Optional[Text] = None
    started: Optional[Text] = None
    for event in events:
        kind = _name(event)
        if kind == "user":
            intent = ((getattr(event, "intent", None) or {}).get("name")) or None
        elif kind == "active_loop" and getattr(event, "name", None) == form:
            started = intent
    return started
